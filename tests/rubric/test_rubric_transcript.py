"""score-transcript: the transcript format's validation, timing from utterances, agreement
with the corpus truth, and the command line end to end (SQLite, --out)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from call_qa.config import load_settings
from call_qa.domain import EventType, Role
from call_qa.compose import score_transcript
from call_qa.rubric.transcript import TranscriptError, new_party_transfers, parse_transcript
from rubric_testkit import REPO, call, A, C

TRUTHS = sorted((REPO / "corpus").glob("*.truth.json")) + sorted((REPO / "sample_audio").glob("*.truth.json"))


def phrase_only_settings():
    s = load_settings()
    return s.model_copy(update={"rubric": s.rubric.model_copy(update={
        "semantic": s.rubric.semantic.model_copy(update={"enabled": False})})})


def doc(**over):
    d = {"call_id": "t1", "language": "id", "duration_s": 10.0,
         "utterances": [{"start": 0.0, "end": 2.0, "speaker": "ch1", "role": "agent", "text": "Selamat pagi."}]}
    d.update(over)
    return d


@pytest.mark.parametrize("change,where", [
    ({"language": "fr"}, "field 'language'"),
    ({"utterances": []}, "field 'utterances'"),
    ({"utterances": [{"start": 0, "end": 1, "speaker": "a", "role": "boss", "text": "x"}]},
     "utterance #1, field 'role'"),
    ({"utterances": [{"start": 3, "end": 1, "speaker": "a", "role": "agent", "text": "x"}]},
     "utterance #1, field 'end'"),
    ({"utterances": [{"start": "0", "end": 1, "speaker": "a", "role": "agent", "text": "x"}]},
     "utterance #1, field 'start'"),
    ({"utterances": [{"start": 0, "end": 1, "role": "agent", "text": "x"}]}, "utterance #1, field 'speaker'"),
])
def test_malformed_transcript_names_file_utterance_and_field(change, where):
    with pytest.raises(TranscriptError) as e:
        parse_transcript(doc(**change), "calls/t1.json")
    assert str(e.value).startswith("calls/t1.json: ") and where in str(e.value)


def test_missing_key_and_bad_json(tmp_path):
    with pytest.raises(TranscriptError, match="field 'call_id': missing"):
        parse_transcript({"language": "id", "utterances": []}, "x.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(TranscriptError, match=r"bad.json: not valid JSON \(line 1"):
        score_transcript(bad, phrase_only_settings())


def test_a_new_voice_after_a_gap_is_a_transfer_not_a_hold():
    utts = call((0.0, 3.0, A, "Saya sambungkan ke bagian keberatan, mohon ditunggu."),
                (3.5, 4.0, C, "Baik.")) + (
        call((16.0, 18.0, A, "x"))[0].__class__(16.0, 18.0, "spk2", Role.OTHER, "Bagian keberatan, dengan Hendro."),)
    events = new_party_transfers(utts)
    assert [(e.type, e.start, e.end) for e in events] == [(EventType.TRANSFER, 4.0, 16.0)]
    assert new_party_transfers(utts[:2]) == ()


def test_timing_evidence_comes_from_the_utterances(tmp_path):
    # Agent starts 1.5 s before the caller stops (overlap ≥ 0.5 s, not a backchannel) → an
    # interruption; a 15 s silence announced and thanked → a hold; numbers by hand.
    d = doc(utterances=[
        {"start": 0.0, "end": 4.0, "speaker": "ch1", "role": "agent", "text": "Selamat pagi, Kring Pajak, ada yang bisa dibantu?"},
        {"start": 4.5, "end": 12.0, "speaker": "ch0", "role": "customer", "text": "Saya mau tanya soal denda telat lapor SPT tahunan orang pribadi karena saya lupa."},
        {"start": 10.5, "end": 14.0, "speaker": "ch1", "role": "agent", "text": "Baik Pak, mohon ditunggu, saya cek terlebih dahulu."},
        {"start": 29.0, "end": 33.0, "speaker": "ch1", "role": "agent", "text": "Terima kasih sudah menunggu, dendanya seratus ribu rupiah."},
    ], duration_s=33.0)
    path = tmp_path / "t1.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    r = score_transcript(path, phrase_only_settings())
    kinds = [(e.type.value, e.start, e.end) for e in r.events]
    assert ("interruption", 10.5, 12.0) in kinds and ("hold", 14.0, 29.0) in kinds
    hold = next(e for e in r.events if e.type == EventType.HOLD)
    assert hold.details.announced and hold.details.thanked
    assert r.scorecard.item("no_interruption").verdict.value == "partial"
    assert r.scorecard.item("hold_transfer_technique").verdict.value == "pass"
    assert r.layout is None and r.channels == 0 and r.settings["input"] == "transcript"
    assert r.settings["rubric"]["id"] == "phone_inbound" and r.settings["rubric_options"]["pace_wpm_max"] == 260.0


@pytest.mark.skipif(not TRUTHS, reason="no corpus")
def test_truth_transcripts_agree_with_expected_per_language_and_item():
    settings = phrase_only_settings()
    agree: dict[tuple[str, str], list[int]] = {}
    misses = []
    for path in TRUTHS:
        truth = json.loads(path.read_text(encoding="utf-8"))
        if not truth.get("expected"):
            continue
        card = score_transcript(path, settings).scorecard
        for item, want in truth["expected"].items():
            a = agree.setdefault((truth["language"], item), [0, 0])
            got = card.item(item).verdict.value
            a[0] += got == want
            a[1] += 1
            if got != want:
                misses.append(f"{path.name}: {item} {got} != {want}")
    assert {lang for lang, _ in agree} == {"id", "en"}
    low = {k: v for k, v in agree.items() if v[0] / v[1] < 0.9}
    assert not low, (low, misses)


def _cli(*args, cwd):
    env = {**os.environ, "CALL_QA_DATABASE_URL": "", "PREFECT_HOME": str(cwd / "prefect")}
    return subprocess.run([sys.executable, "-m", "call_qa.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_score_transcript_command_writes_json_and_database(tmp_path):
    from call_qa import db

    truth = REPO / "corpus" / "id_model_call.truth.json"
    bad = tmp_path / "broken.json"
    bad.write_text(json.dumps({"call_id": "x", "language": "id"}), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'qa.sqlite3'}"
    out = tmp_path / "out"
    cfg = tmp_path / "pipeline.yaml"  # phrases only: no sentence encoder in this test
    cfg.write_text((REPO / "configs" / "pipeline.yaml").read_text(encoding="utf-8")
                   .replace("    enabled: true", "    enabled: false"), encoding="utf-8")
    cfg_text = cfg.read_text(encoding="utf-8").replace("configs/", str(REPO / "configs") + "/")
    cfg.write_text(cfg_text, encoding="utf-8")
    p = _cli("score-transcript", str(truth), str(bad), "--out", str(out), "--db", url, "--config", str(cfg),
             cwd=tmp_path)
    assert p.returncode == 2, p.stderr  # one file rejected
    assert "broken.json: transcript, field 'utterances': missing" in p.stderr
    assert "id_model_call" in p.stdout and "1 scored, 1 rejected" in p.stdout
    document = json.loads((out / "id_model_call.json").read_text(encoding="utf-8"))
    items = {it["id"]: it for it in document["scorecard"]["items"]}
    expected = json.loads(truth.read_text(encoding="utf-8"))["expected"]
    assert set(items) == set(expected)
    assert all(items[k]["verdict"] == v for k, v in expected.items())
    assert all(it["evidence"] for it in items.values() if it["verdict"] != "not_applicable")
    stored = db.load_call_result(db.open_database(url), "id_model_call")
    assert stored is not None and stored.scorecard.rubric_id == "phone_inbound"
    assert stored.layout is None and len(stored.scorecard.items) == 18
