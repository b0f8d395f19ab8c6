"""The real flow, the real bundled Whisper model, a real sample call, a broken file.

Checked against the sample's truth file, which the generator wrote from its own
timeline (never from running the pipeline).
"""

import json

import pytest

from call_qa.config import load_settings
from call_qa.domain import CallStatus, Span

from sample_truth import SAMPLES, load_truth

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def batch(tmp_path_factory, prefect_harness):
    from call_qa.db import load_call_result, open_database
    from flows.process import database_reference, process_calls

    work = tmp_path_factory.mktemp("e2e")
    broken = work / "broken.wav"
    broken.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage, the recorder crashed")
    empty = work / "empty.flac"
    empty.write_bytes(b"")
    db_url = f"sqlite:///{work / 'calls.sqlite3'}"
    settings = load_settings().with_overrides(language="en")
    paths = [str(broken), str(SAMPLES / "en_stereo_interrupt.flac"), str(empty)]
    results, _summary = process_calls(paths, settings, database_reference(db_url), str(work / "out"))
    db = open_database(db_url)
    return {"results": {r.call_id: r for r in results}, "out": work / "out", "db": db, "load": load_call_result}


def test_broken_and_empty_files_fail_with_reasons_and_the_batch_goes_on(batch):
    results = batch["results"]
    assert set(results) == {"broken", "en_stereo_interrupt", "empty"}
    assert results["broken"].status is CallStatus.FAILED and "cannot be decoded" in results["broken"].errors[0]
    assert results["empty"].status is CallStatus.FAILED and "empty" in results["empty"].errors[0]
    assert results["en_stereo_interrupt"].status is CallStatus.OK
    doc = json.loads((batch["out"] / "broken.json").read_text())
    assert doc["status"] == "failed" and doc["errors"]
    stored = batch["load"](batch["db"], "broken")
    assert stored is not None and stored.status is CallStatus.FAILED


def test_sample_call_json_matches_truth(batch):
    truth = load_truth("en_stereo_interrupt")
    doc = json.loads((batch["out"] / "en_stereo_interrupt.json").read_text())
    assert doc["layout"] == "stereo" and doc["language"] == "en"

    # roles: each channel's role equals the truth's
    truth_roles = {s["label"]: s["role"] for s in truth["speakers"]}
    assert {s["label"]: s["role"] for s in doc["speakers"]} == truth_roles

    # the scripted interruption is found (by the agent, overlapping the truth span)
    (t_int,) = [e for e in truth["events"] if e["type"] == "interruption"]
    found = [e for e in doc["events"] if e["type"] == "interruption" and e["by"] == t_int["by"]]
    assert any(Span(e["start"], e["end"]).intersects(Span(t_int["start"], t_int["end"])) for e in found)
    # and nothing else: the caller's backchannels are not interruptions
    assert doc["metrics"]["customer_interruptions"] == 0
    assert doc["metrics"]["agent_interruptions"] == 1

    items = {it["id"]: it for it in doc["scorecard"]["items"]}
    assert len(items) == 18
    assert items["opening_greeting"]["verdict"] == truth["expected"]["opening_greeting"] == "pass"
    assert items["no_interruption"]["verdict"] == truth["expected"]["no_interruption"]
    for it in items.values():
        if it["verdict"] != "not_applicable":
            assert it["evidence"], it["id"]
            assert 0.0 <= it["confidence"] <= 1.0


def test_words_sit_inside_their_utterances_and_turns_do_not_overlap(batch):
    result = batch["results"]["en_stereo_interrupt"]
    for u in result.utterances:
        assert all(u.start <= w.start <= w.end <= u.end for w in u.words)
    by_speaker = {}
    for t in result.turns:
        by_speaker.setdefault(t.speaker, []).append(t)
    for turns in by_speaker.values():
        assert all(a.end <= b.start for a, b in zip(turns, turns[1:]))


def test_results_are_in_the_database(batch):
    stored = batch["load"](batch["db"], "en_stereo_interrupt")
    assert stored is not None and stored.scorecard.score == batch["results"]["en_stereo_interrupt"].scorecard.score
    assert len(stored.utterances) == len(batch["results"]["en_stereo_interrupt"].utterances)
