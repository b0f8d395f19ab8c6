"""Issue 20, case 1 and 6: a call's identity cannot collide, and identifiers in a file
name do not become the call id. Expected ids are written out by hand from the rules
in call_qa/identity.py (the path below the day folder, with the day in front)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from call_qa import batch
from call_qa.config import PipelineSettings
from call_qa.identity import MAX_ID_BYTES, call_id_for
from call_qa.pipeline import call_id_for as pipeline_call_id_for

DAY = dt.date(2026, 11, 27)


def _day(tmp_path: Path, names: dict[str, bytes], day: str = "2026-11-27") -> Path:
    folder = tmp_path / day
    for name, content in names.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    return folder


def test_the_documented_id_of_a_plain_day_recording_is_unchanged(tmp_path):
    _day(tmp_path, {"0001.wav": b"a"})
    assert pipeline_call_id_for(tmp_path / "2026-11-27" / "0001.wav") == "2026-11-27_0001"  # docs/interfaces.md
    assert [i.call_id for i in batch.items_for_day(PipelineSettings(), DAY, tmp_path)] == ["2026-11-27_0001"]


def test_same_name_in_two_queues_gets_two_ids(tmp_path):
    _day(tmp_path, {"queue-a/call1.wav": b"a", "queue-b/call1.wav": b"b"})
    ids = [i.call_id for i in batch.items_for_day(PipelineSettings(), DAY, tmp_path)]
    assert ids == ["2026-11-27_queue-a_call1", "2026-11-27_queue-b_call1"]  # was: call1, call1


def test_two_files_differing_only_by_extension_keep_it(tmp_path):
    _day(tmp_path, {"call2.wav": b"a", "call2.mp3": b"b", "call3.wav": b"c"})
    ids = sorted(i.call_id for i in batch.items_for_day(PipelineSettings(), DAY, tmp_path))
    assert ids == ["2026-11-27_call2.mp3", "2026-11-27_call2.wav", "2026-11-27_call3"]


def test_the_same_name_on_two_days_gets_two_ids(tmp_path):
    _day(tmp_path, {"queue-a/call1.wav": b"a"}, "2026-11-26")
    _day(tmp_path, {"queue-a/call1.wav": b"b"}, "2026-11-27")
    ids = [i.call_id for d in (dt.date(2026, 11, 26), DAY) for i in batch.items_for_day(PipelineSettings(), d, tmp_path)]
    assert ids == ["2026-11-26_queue-a_call1", "2026-11-27_queue-a_call1"]


def test_a_folder_given_to_process_names_calls_below_it(tmp_path):
    (tmp_path / "in" / "a").mkdir(parents=True)
    (tmp_path / "in" / "b").mkdir(parents=True)
    (tmp_path / "in" / "a" / "x.wav").write_bytes(b"1")
    (tmp_path / "in" / "b" / "x.wav").write_bytes(b"2")
    (tmp_path / "in" / "top.wav").write_bytes(b"3")
    items = batch.items_for_paths([tmp_path / "in"], PipelineSettings())
    assert [i.call_id for i in items] == ["a_x", "b_x", "top"]
    # a single file elsewhere: its stem, as before
    assert call_id_for(tmp_path / "in" / "top.wav") == "top"


def test_a_manifest_call_id_is_kept(tmp_path):
    day = _day(tmp_path, {"a.wav": b"a", "sub/b.wav": b"b"})
    (day / "manifest.csv").write_text("file,call_id\na.wav,REC-42\nsub/b.wav,\n", encoding="utf-8")
    assert [i.call_id for i in batch.items_for_day(PipelineSettings(), DAY, tmp_path)] == ["REC-42", "2026-11-27_sub_b"]


def test_a_phone_number_in_a_file_name_is_redacted_and_two_such_files_stay_apart(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "081234567890_20261127.wav").write_bytes(b"first call")
    (folder / "081298765432_20261127.wav").write_bytes(b"second call")
    ids = [i.call_id for i in batch.items_for_paths([folder], PipelineSettings())]
    assert all(i.startswith("[PHONE]_20261127-") and len(i) == len("[PHONE]_20261127-") + 8 for i in ids), ids
    assert len(set(ids)) == 2
    assert not any("0812" in i for i in ids)
    # the same file gives the same id on a re-run
    assert [i.call_id for i in batch.items_for_paths([folder], PipelineSettings())] == ids
    # privacy.redact_call_ids: false keeps the name
    off = PipelineSettings().model_copy(update={"privacy": PipelineSettings().privacy.model_copy(update={"redact_call_ids": False})})
    assert [i.call_id for i in batch.items_for_paths([folder], off)] == ["081234567890_20261127", "081298765432_20261127"]
    # a date is no identifier
    assert call_id_for(folder / "20261127_0930.wav", None, ("phone", "nik")) == "20261127_0930"


def test_a_name_of_250_bytes_gives_an_id_that_fits_and_stays_unique(tmp_path):
    day = tmp_path / "2026-11-27"
    day.mkdir()
    a, b = "a" * 240 + "1.wav", "a" * 240 + "2.wav"
    for name in (a, b):
        (day / name).write_bytes(name.encode())
    ids = [i.call_id for i in batch.items_for_day(PipelineSettings(), DAY, tmp_path)]
    assert all(len(i.encode()) <= MAX_ID_BYTES for i in ids) and len(set(ids)) == 2
    assert all(i.startswith("2026-11-27_aaaa") for i in ids)
