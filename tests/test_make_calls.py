"""Tests for scripts/make_calls.py and the sample calls it generated in sample_audio/.

The committed truth files are checked against the committed audio (energy where the
truth says someone speaks, music in the hold, tones in the transfer, silence in the dead
air), against the RTTM files, against rubric.md, and against a fresh regeneration.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_audio"
SCENARIOS = ROOT / "scenarios"
RUBRIC_MD = ROOT.parent / "shared" / "docs" / "rubric.md"
CALLS = ("en_stereo_interrupt", "id_stereo_hold", "id_mono_informal", "en_mono_transfer")
VERDICTS = {"pass", "partial", "fail", "not_applicable", "needs_review"}


def _load_script():
    spec = importlib.util.spec_from_file_location("make_calls", ROOT / "scripts" / "make_calls.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_calls"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


make_calls = _load_script()
needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (Debian: apt-get install espeak-ng)")


def truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))


def audio(name: str) -> tuple[np.ndarray, int]:
    x, sr = soundfile.read(SAMPLES / f"{name}.flac", dtype="float64", always_2d=True)
    return x, sr


def rms_db(x: np.ndarray, sr: int, start: float, end: float, ch: int) -> float:
    seg = x[int(round(start * sr)):int(round(end * sr)), ch]
    return float(20 * np.log10(np.sqrt(np.mean(seg ** 2)) + 1e-12))


def channel_of(t: dict, speaker: str) -> int:
    return int(speaker[2:]) if t["layout"] == "stereo" else 0


def silent_stretch(t: dict) -> tuple[float, float]:
    """The lead-in before anything is heard: nobody speaks, no hold, no tone."""
    first = min([u["start"] for u in t["utterances"]] + [e["start"] for e in t["events"]])
    assert first >= 0.3
    return 0.0, first


# ------------------------------------------------------------------ truth vs itself


@pytest.mark.parametrize("name", CALLS)
def test_truth_is_consistent(name):
    t = truth(name)
    x, sr = audio(name)
    assert t["call_id"] == name and t["source"] == f"{name}.flac"
    assert t["duration_s"] == pytest.approx(len(x) / sr, abs=1e-3)
    assert 40.0 <= t["duration_s"] <= 90.0
    assert t["channels"] == x.shape[1] == (2 if t["layout"] == "stereo" else 1)
    assert t["word_times"] == "approximate"
    labels = {s["label"]: s["role"] for s in t["speakers"]}
    if t["layout"] == "stereo":
        assert set(labels) == {"ch0", "ch1"} and set(labels.values()) == {"agent", "customer"}
    else:
        assert all(re.fullmatch(r"spk\d+", lab) for lab in labels)

    for seg in t["utterances"] + t["turns"]:
        assert 0.0 <= seg["start"] < seg["end"] <= t["duration_s"]
        assert labels[seg["speaker"]] == seg["role"]
    for u in t["utterances"]:
        words = u["words"]
        assert [w["text"] for w in words] == u["text"].split()
        assert words[0]["start"] == u["start"] and words[-1]["end"] == u["end"]
        assert all(u["start"] <= w["start"] <= w["end"] <= u["end"] for w in words)
        # every utterance lies inside one turn of its speaker
        assert any(tu["speaker"] == u["speaker"] and tu["start"] <= u["start"] and u["end"] <= tu["end"]
                   for tu in t["turns"])
    for label in labels:
        turns = sorted((tu for tu in t["turns"] if tu["speaker"] == label), key=lambda s: s["start"])
        for a, b in zip(turns, turns[1:]):
            assert b["start"] - a["end"] >= 0.5, "turns of one speaker overlap or should have merged"

    assert set(t["expected"]) == set(make_calls.PHONE_ITEM_IDS)
    assert set(t["expected"].values()) <= VERDICTS
    for e in t["events"]:
        assert 0.0 <= e["start"] < e["end"] <= t["duration_s"]


@pytest.mark.parametrize("name", CALLS)
def test_rttm_equals_truth_turns(name):
    t = truth(name)
    rows = []
    for line in (SAMPLES / f"{name}.rttm").read_text().splitlines():
        f = line.split()
        assert len(f) == 10 and f[0] == "SPEAKER" and f[1] == name and f[2] == "1"
        assert f[5] == f[6] == f[8] == f[9] == "<NA>"
        rows.append((float(f[3]), float(f[3]) + float(f[4]), f[7]))
    expected = [(tu["start"], tu["end"], tu["speaker"]) for tu in t["turns"]]
    assert len(rows) == len(expected)
    for (a, b, s), (ea, eb, es) in zip(rows, expected):
        assert s == es and a == pytest.approx(ea, abs=1e-6) and b == pytest.approx(eb, abs=1e-6)


def test_rubric_ids_match_rubric_md():
    if not RUBRIC_MD.exists():
        pytest.skip(f"{RUBRIC_MD} not found")
    text = RUBRIC_MD.read_text(encoding="utf-8")
    phone = text.split("## Phone")[1].split("## Email")[0]
    ids = re.findall(r"^\|[^|]*\| `([a-z_]+)` \|", phone, flags=re.M)
    assert len(ids) == 18
    assert tuple(ids) == make_calls.PHONE_ITEM_IDS


# ------------------------------------------------------------------ truth vs audio


@pytest.mark.parametrize("name", CALLS)
def test_utterances_carry_voice_on_their_channel(name):
    t = truth(name)
    x, sr = audio(name)
    a, b = silent_stretch(t)
    for u in t["utterances"]:
        ch = channel_of(t, u["speaker"])
        floor = rms_db(x, sr, a, b, ch)
        assert rms_db(x, sr, u["start"], u["end"], ch) > floor + 25, u
        # the voice starts and ends where the truth says: the 50 ms just outside the span
        # is much quieter than the span when nothing else is heard there on that channel
        busy = [(v["start"], v["end"]) for v in t["utterances"] if v is not u]  # incl. crosstalk
        for lo, hi in ((u["start"] - 0.05, u["start"]), (u["end"], u["end"] + 0.05)):
            if lo < 0 or hi > t["duration_s"] or any(s < hi and lo < e for s, e in busy):
                continue
            if any(e["start"] < hi and lo < e["end"] for e in t["events"] if e["type"] != "dead_air"):
                continue
            assert rms_db(x, sr, lo, hi, ch) < floor + 6, (u["text"], lo, hi)


def test_stereo_channels_are_separated():
    """Agent on ch1 in en_stereo_interrupt, on ch0 in id_stereo_hold; the other channel
    only carries a faint leak of the agent's voice."""
    for name, agent_ch in (("en_stereo_interrupt", 1), ("id_stereo_hold", 0)):
        t = truth(name)
        x, sr = audio(name)
        assert {s["label"]: s["role"] for s in t["speakers"]}[f"ch{agent_ch}"] == "agent"
        solo = [u for u in t["utterances"] if u["role"] == "agent"
                and not any(v["role"] == "customer" and v["start"] < u["end"] and u["start"] < v["end"]
                            for v in t["utterances"])]
        assert solo
        for u in solo:
            own = rms_db(x, sr, u["start"], u["end"], agent_ch)
            other = rms_db(x, sr, u["start"], u["end"], 1 - agent_ch)
            assert 20 < own - other < 40  # about the -30 dB crosstalk


def test_interruption_call():
    t = truth("en_stereo_interrupt")
    x, sr = audio("en_stereo_interrupt")
    events = t["events"]
    assert [e["type"] for e in events] == ["interruption"]
    e = events[0]
    assert (e["by"], e["of"], e["successful"]) == ("agent", "customer", False)
    assert e["end"] - e["start"] >= 1.0
    # both voices really are there during the overlap
    for ch in (0, 1):
        assert rms_db(x, sr, e["start"], e["end"], ch) > rms_db(x, sr, *silent_stretch(t), ch) + 25
    # the customer keeps talking more than 2 s after the agent starts (-> attempted)
    cust = [u for u in t["utterances"] if u["role"] == "customer" and u["start"] < e["start"] < u["end"]]
    assert len(cust) == 1 and cust[0]["end"] - e["start"] > 2.0
    agent = [u for u in t["utterances"] if u["role"] == "agent" and u["start"] == e["start"]]
    assert len(agent) == 1 and agent[0]["end"] - agent[0]["start"] >= 1.5
    # customer backchannels inside agent speech exist and are not interruptions
    backchannels = [u for u in t["utterances"] if u["role"] == "customer"
                    and u["text"].strip(".").lower() in {"okay", "yeah"}]
    assert len(backchannels) == 2
    for bc in backchannels:
        assert any(a["role"] == "agent" and a["start"] < bc["start"] and bc["end"] < a["end"]
                   for a in t["utterances"])


def test_hold_call_has_music_in_the_hold():
    t = truth("id_stereo_hold")
    x, sr = audio("id_stereo_hold")
    holds = [e for e in t["events"] if e["type"] == "hold"]
    assert len(holds) == 1
    h = holds[0]
    assert h["kind"] == "music" and h["announced"] and h["thanked"]
    assert 14.0 <= h["end"] - h["start"] <= 16.0
    assert not any(u["start"] < h["end"] and h["start"] < u["end"] for u in t["utterances"])
    floor = rms_db(x, sr, *silent_stretch(t), 0)
    # music all through the hold (every 1 s slice), on the agent's channel
    for s in np.arange(h["start"], h["end"] - 1.0, 1.0):
        assert rms_db(x, sr, s, s + 1.0, 0) > floor + 25
    # tonal: a few strong spectral peaks, unlike noise
    seg = x[int(h["start"] * sr):int((h["start"] + 4) * sr), 0]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    assert np.sort(spec)[-20:].sum() / spec.sum() > 0.05
    assert [e["type"] for e in t["events"]] == ["hold"]  # no dead air, no interruption


def test_dead_air_call_is_silent_in_the_gap():
    t = truth("id_mono_informal")
    x, sr = audio("id_mono_informal")
    assert [e["type"] for e in t["events"]] == ["dead_air"]
    d = t["events"][0]
    assert 4.5 <= d["end"] - d["start"] <= 5.5
    speech = np.mean([rms_db(x, sr, u["start"], u["end"], 0) for u in t["utterances"]])
    assert rms_db(x, sr, d["start"], d["end"], 0) < speech - 30
    assert {s["role"] for s in t["speakers"]} == {"agent", "customer"}
    agent_text = " ".join(u["text"] for u in t["utterances"] if u["role"] == "agent").lower()
    assert t["utterances"][0]["role"] == "agent" and t["utterances"][0]["text"] == "Ya, gimana?"
    for word in ("nggak", "udah", "gimana", "aja", "sih"):
        assert re.search(rf"\b{word}\b", agent_text)
    assert t["expected"]["opening_greeting"] == "fail" and t["expected"]["empathy"] == "fail"


def test_transfer_call_has_ringback_and_third_voice():
    t = truth("en_mono_transfer")
    x, sr = audio("en_mono_transfer")
    assert [e["type"] for e in t["events"]] == ["transfer"]
    tr = t["events"][0]
    assert tr["target"] == "billing department" and tr["warm"] is False
    assert 10.0 <= tr["end"] - tr["start"] <= 12.0
    labels = {s["label"]: s["role"] for s in t["speakers"]}
    assert labels == {"spk0": "agent", "spk1": "customer", "spk2": "other"}
    # the first ringback burst (2 s) peaks at 440 and 480 Hz
    seg = x[int(tr["start"] * sr):int((tr["start"] + 2.0) * sr), 0]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    freqs = np.fft.rfftfreq(len(seg), 1 / sr)
    top = sorted(freqs[np.argsort(spec)[-2:]])
    assert top == pytest.approx([440.0, 480.0], abs=2.0)
    other = [u for u in t["utterances"] if u["role"] == "other"]
    assert other[0]["text"].startswith("Billing department, this is Mark")
    assert other[0]["start"] >= tr["end"]
    assert all(u["end"] <= tr["start"] for u in t["utterances"] if u["role"] == "agent")


# ------------------------------------------------------------------ the generator


@needs_espeak
@pytest.mark.parametrize("name", CALLS)
def test_regenerating_gives_identical_truth_and_audio(name, tmp_path):
    """About half a second per call, so not marked slow."""
    out = tmp_path
    make_calls.make_call(SCENARIOS / f"{name}.yaml", out, seed=0)
    assert (out / f"{name}.truth.json").read_bytes() == (SAMPLES / f"{name}.truth.json").read_bytes()
    assert (out / f"{name}.rttm").read_bytes() == (SAMPLES / f"{name}.rttm").read_bytes()
    new, sr_new = soundfile.read(out / f"{name}.flac", dtype="int16", always_2d=True)
    old, sr_old = soundfile.read(SAMPLES / f"{name}.flac", dtype="int16", always_2d=True)
    assert sr_new == sr_old and np.array_equal(new, old)


def _scenario_text() -> str:
    return (SCENARIOS / "id_mono_informal.yaml").read_text(encoding="utf-8")


def test_scenario_missing_an_expected_item_is_rejected(tmp_path):
    text = re.sub(r"^  empathy: fail\n", "", _scenario_text(), flags=re.M)
    assert "  empathy: fail" not in text
    path = tmp_path / "missing.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(make_calls.ScenarioError, match=r"missing rubric item id\(s\) \['empathy'\]"):
        make_calls.load_scenario(path)
    # and the command line says so and exits non-zero
    assert make_calls.main([str(path), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()


def test_scenario_with_unknown_item_or_verdict_is_rejected(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(_scenario_text().replace("  probing: fail\n", "  probing: fail\n  greeting: pass\n"),
                    encoding="utf-8")
    with pytest.raises(make_calls.ScenarioError, match="unknown rubric item id.*greeting"):
        make_calls.load_scenario(path)
    path.write_text(_scenario_text().replace("  probing: fail\n", "  probing: good\n"), encoding="utf-8")
    with pytest.raises(make_calls.ScenarioError, match="invalid verdict"):
        make_calls.load_scenario(path)


def test_interruption_rules_on_hand_built_turns():
    """metrics.md: overlap >= 0.5 s, not a backchannel, successful when A stops within 2 s."""
    T, th = make_calls.Turn, make_calls.Thresholds()
    cust = T(0, 10_000, "ch0", "customer", "a long explanation of the problem at hand")
    cases = [
        (T(8_000, 12_000, "ch1", "agent", "let me explain what happens"), True, True),    # stops 2.0 s after
        (T(7_000, 12_000, "ch1", "agent", "let me explain what happens"), True, False),   # 3.0 s -> attempted
        (T(9_600, 12_000, "ch1", "agent", "let me explain what happens"), False, None),  # overlap 0.4 s
        (T(5_000, 6_500, "ch1", "agent", "okay yeah right"), False, None),               # backchannel words
        (T(5_000, 5_900, "ch1", "agent", "that is quite so"), False, None),              # <= 1.0 s
    ]
    for agent, is_event, successful in cases:
        ev = make_calls.interruptions([cust, agent], th)
        assert bool(ev) is is_event, agent
        if is_event:
            assert ev[0]["by"] == "agent" and ev[0]["of"] == "customer"
            assert ev[0]["successful"] is successful
            assert ev[0]["start"] == agent.start_ms / 1000
            assert ev[0]["end"] == min(agent.end_ms, cust.end_ms) / 1000
