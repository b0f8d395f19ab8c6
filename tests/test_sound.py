"""The non-speech sound classifier: built signals, the corpus holds and transfers, and
real speech that must never come out as music or tone.

Signals are synthesised here with numpy, independently of scripts/make_calls.py (other
chords, other instruments, off-nominal ringback frequencies, the telephone band).
"""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import signal

from call_qa.audio import SAMPLE_RATE, CallAudio, decode
from call_qa.config import VadSettings
from call_qa.diarization import voice_activity
from call_qa.domain import Layout, SpeakerActivity, Span, merge_spans, total_duration
from call_qa.sound import SoundKind, SoundOptions, SoundSegment, classify_sound
from sample_truth import ROOT, shared_data

SR = SAMPLE_RATE
NOBODY = SpeakerActivity(Layout.MONO, {}, "none")  # worst case: every second is a candidate
# Share of real speech that may come out as music/tone/ringback when nothing is marked
# as speech. Measured: 0.00 % on every file below; 2 % leaves room for a few short
# tonal sounds (a beep, a held "mmm") inside the VAD regions.
MAX_SPEECH_AS_SOUND = 0.02


# --------------------------------------------------------------------------- signals


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _at(x: np.ndarray, dbfs: float) -> np.ndarray:
    return x * 10 ** (dbfs / 20) / np.sqrt(np.mean(x**2) + 1e-20)


def line_noise(seconds: float, dbfs: float = -62.0, seed: int = 0) -> np.ndarray:
    """Low-tilted Gaussian noise, the hiss of a quiet line."""
    z = signal.lfilter([1.0], [1.0, -0.6], _rng(seed).standard_normal(int(seconds * SR)))
    return _at(z, dbfs)


def telephone(x: np.ndarray) -> np.ndarray:
    """What a phone line does: 8 kHz, 300-3400 Hz, back to 16 kHz."""
    y = signal.resample_poly(x, 1, 2)
    y = signal.sosfilt(signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos"), y)
    return signal.resample_poly(y, 2, 1)


def cadenced(seconds: float, freqs: tuple[float, ...], on_s: float, period_s: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    tone = sum(np.sin(2 * np.pi * f * t) for f in freqs)
    gate = (t % period_s) < on_s
    return _at(tone, -20) * gate


def midi_hz(m: float) -> float:
    return 440.0 * 2 ** ((m - 69) / 12)


def chord_melody(seconds: float, seed: int = 1) -> np.ndarray:
    """Sustained triads (three harmonics per note) with a melody of 0.3-0.6 s notes."""
    rng, n = _rng(seed), int(seconds * SR)
    t, out = np.arange(n) / SR, np.zeros(n)
    chords = [(50, 57, 62, 66), (55, 59, 62, 67), (52, 55, 59, 64), (57, 61, 64, 69)]
    for k in range(int(np.ceil(seconds / 1.6))):
        a, b = int(k * 1.6 * SR), min(n, int((k + 1) * 1.6 * SR))
        st = t[a:b] - t[a]
        env = np.minimum(1, st / 0.05) * np.exp(-st * 0.5)
        for m in chords[k % 4]:
            out[a:b] += env * sum(0.5**h * np.sin(2 * np.pi * midi_hz(m) * (h + 1) * st) for h in range(3))
    pos = 0.0
    while pos < seconds:
        length = float(rng.choice([0.3, 0.45, 0.6]))
        a, b = int(pos * SR), min(n, int((pos + length) * SR))
        st = t[a:b] - t[a]
        f = midi_hz(float(rng.choice([74, 76, 78, 79, 81, 83])))
        out[a:b] += 1.5 * np.exp(-st * 3) * (np.sin(2 * np.pi * f * st) + 0.4 * np.sin(4 * np.pi * f * st))
        pos += length
    return _at(out, -22)


def plucked_notes(seconds: float, seed: int = 2) -> np.ndarray:
    """Overlapping plucked notes: six decaying harmonics, a pentatonic tune."""
    rng, n = _rng(seed), int(seconds * SR)
    out, pos = np.zeros(n), 0.0
    while pos < seconds:
        f = midi_hz(float(rng.choice([60, 62, 64, 67, 69, 72, 74])))
        a = int(pos * SR)
        st = np.arange(min(n - a, int(1.2 * SR))) / SR
        out[a : a + len(st)] += np.exp(-st * 3.5) * sum(0.6**h * np.sin(2 * np.pi * f * (h + 1) * st) for h in range(6))
        pos += float(rng.choice([0.25, 0.5, 0.5, 0.75]))
    return _at(out, -24)


def saw_arpeggio(seconds: float) -> np.ndarray:
    """A band-limited sawtooth arpeggio, 0.2 s per note, one chord per 1.6 s."""
    n = int(seconds * SR)
    out, i = np.zeros(n), 0
    chords = [(57, 60, 64), (53, 57, 60), (48, 52, 55), (55, 59, 62)]
    while i * 0.2 < seconds:
        chord = chords[int(i * 0.2 / 1.6) % 4]
        f = midi_hz(chord[i % 3] + 12 * ((i // 3) % 2))
        a = int(i * 0.2 * SR)
        st = np.arange(min(n - a, int(0.2 * SR))) / SR
        saw = sum((-1) ** (k + 1) * np.sin(2 * np.pi * k * f * st) / k for k in range(1, int(3900 / f)))
        out[a : a + len(st)] += saw * np.minimum(1, st / 0.01) * np.exp(-st * 4)
        i += 1
    return _at(out, -24)


def call(*parts: np.ndarray, seed: int = 0) -> CallAudio:
    """A mono call: the parts one after another, over one line noise."""
    x = np.concatenate(parts)
    x = x + line_noise(len(x) / SR, seed=seed)[: len(x)]
    return CallAudio("test", "test", (x.astype(np.float32),), Layout.MONO, 1, SR)


def seconds_of(segments, kind: SoundKind, span: Span, detail: str = "") -> float:
    return sum(s.span.overlap(span) for s in segments if s.kind == kind and detail in s.detail)


# --------------------------------------------------------------------------- invariants


def assert_covers(segments: tuple[SoundSegment, ...], stretches: list[Span], min_s: float) -> None:
    """Segments tile the stretches exactly: no gaps, no overlaps, no two touching
    segments of one kind, none shorter than the minimum unless its stretch is."""
    assert merge_spans(s.span for s in segments) == merge_spans(stretches)
    assert all(a.end <= b.start for a, b in zip(segments, segments[1:]))
    assert total_duration(s.span for s in segments) == pytest.approx(sum(s.duration for s in segments))
    for a, b in zip(segments, segments[1:]):
        assert not (a.end == b.start and a.kind == b.kind), (a, b)
    for s in segments:
        stretch = next(st for st in stretches if st.covers(s.span))
        assert s.duration >= min_s - 1e-9 or s.duration == pytest.approx(stretch.duration), s


# --------------------------------------------------------------------------- built signals


def test_line_noise_is_silence():
    segments = classify_sound(call(line_noise(10, seed=5)), NOBODY)
    assert [(s.start, s.end, s.kind) for s in segments] == [(0.0, 10.0, SoundKind.SILENCE)]


def test_indonesian_ringback_off_frequency_on_a_phone_line():
    # 428 Hz (3 Hz off nominal), telephone band: 425 Hz 1 s on / 4 s off is Indonesia
    ring = telephone(cadenced(14.0, (428.0,), 1.0, 5.0))
    segments = classify_sound(call(line_noise(3, seed=1), ring, line_noise(0.5, seed=2)), NOBODY)
    span = Span(3.0, 17.0)
    assert seconds_of(segments, SoundKind.RINGBACK, span, "(id)") >= 0.9 * span.duration
    assert seconds_of(segments, SoundKind.SILENCE, Span(0, 2.9)) == pytest.approx(2.9)
    ringback = next(s for s in segments if s.kind is SoundKind.RINGBACK)
    assert ringback.detail.startswith("425 Hz 1.0/4.0 s cadence, 3 rings")


def test_north_american_ringback():
    ring = telephone(cadenced(12.0, (440.0, 480.0), 2.0, 6.0))
    segments = classify_sound(call(line_noise(2, seed=1), ring, line_noise(2, seed=2)), NOBODY)
    span = Span(2.0, 14.0)
    assert seconds_of(segments, SoundKind.RINGBACK, span, "(na)") >= 0.9 * span.duration
    assert seconds_of(segments, SoundKind.RINGBACK, span, "(id)") == 0
    assert "440+480 Hz" in next(s.detail for s in segments if s.kind is SoundKind.RINGBACK)


def test_steady_tone():
    tone = cadenced(8.0, (1000.0,), 8.0, 8.0)
    segments = classify_sound(call(line_noise(2), tone, line_noise(2, seed=3)), NOBODY)
    assert [s.kind for s in segments] == [SoundKind.SILENCE, SoundKind.TONE, SoundKind.SILENCE]
    assert segments[1].detail == "1000 Hz steady"
    assert abs(segments[1].start - 2.0) <= 0.2 and abs(segments[1].end - 10.0) <= 0.2


def test_ringback_frequency_without_its_cadence_is_a_tone():
    # 425 Hz, but continuous (a dial tone) and then 0.5/0.5 s (a busy tone): no ringback
    dial = cadenced(6.0, (425.0,), 6.0, 6.0)
    busy = cadenced(6.0, (425.0,), 0.5, 1.0)
    audio = call(line_noise(2), dial, line_noise(3, seed=4), busy, line_noise(2, seed=5))
    segments = classify_sound(audio, NOBODY)
    assert seconds_of(segments, SoundKind.RINGBACK, Span(0, audio.duration)) == 0
    assert seconds_of(segments, SoundKind.TONE, Span(2, 8)) >= 5.4
    assert seconds_of(segments, SoundKind.TONE, Span(11, 17)) >= 5.4
    assert any("0.5/0.5 s cadence" in s.detail for s in segments)


def test_one_ring_is_ringback_only_when_answered_within_its_period():
    #  answered:   ----|ring 2 s|--- speech at +3 s      -> ringback (na)
    #  unanswered: ----|ring 2 s|-------------- 9 s quiet -> no second ring: a tone
    ring = cadenced(2.0, (440.0, 480.0), 2.0, 6.0)
    answered = SpeakerActivity(Layout.MONO, {"spk0": (Span(5.0, 8.0),)}, "test")
    segments = classify_sound(call(line_noise(2), ring, line_noise(4, seed=2)), answered)
    assert seconds_of(segments, SoundKind.RINGBACK, Span(2, 5), "(na)") == pytest.approx(3.0)
    segments = classify_sound(call(line_noise(2), ring, line_noise(9, seed=2)), NOBODY)
    assert seconds_of(segments, SoundKind.RINGBACK, Span(0, 13)) == 0
    assert seconds_of(segments, SoundKind.TONE, Span(2, 4)) >= 1.8


@pytest.mark.parametrize(
    "music",
    [
        pytest.param(lambda: chord_melody(12.0), id="chord-melody"),
        pytest.param(lambda: telephone(plucked_notes(12.0)), id="plucked-telephone"),
        pytest.param(lambda: telephone(saw_arpeggio(12.0)), id="saw-arpeggio-telephone"),
    ],
)
def test_music(music):
    segments = classify_sound(call(line_noise(3), music(), line_noise(3, seed=6)), NOBODY)
    span = Span(3.0, 15.0)
    assert seconds_of(segments, SoundKind.MUSIC, span) >= 0.9 * span.duration
    assert seconds_of(segments, SoundKind.TONE, span) == 0


def test_music_boundaries_between_two_silences():
    #  0 ----- 4 ♪♪♪♪♪♪♪♪♪♪♪ 10 ----- 14      expected: silence | music | silence
    audio = call(line_noise(4, seed=7), chord_melody(6.0, seed=3), line_noise(4, seed=8))
    segments = classify_sound(audio, NOBODY)
    assert [s.kind for s in segments] == [SoundKind.SILENCE, SoundKind.MUSIC, SoundKind.SILENCE]
    music = segments[1]
    assert abs(music.start - 4.0) <= 0.5 and abs(music.end - 10.0) <= 0.5


def test_only_non_speech_inside_within_is_labelled_and_all_of_it():
    #  speech:  |=0-2=|                    |=16-18=|
    #  within:      |1 ----------------------- 17|
    #  line:    talk  noise  ♪♪♪♪♪♪♪♪♪  noise  talk
    audio = call(line_noise(4), chord_melody(8.0), line_noise(6, seed=9))
    activity = SpeakerActivity(Layout.MONO, {"spk0": (Span(0, 2), Span(16, 18))}, "test")
    options = SoundOptions()
    segments = classify_sound(audio, activity, options, within=[Span(1, 17)])
    assert_covers(segments, [Span(2, 16)], options.min_segment_s)
    assert seconds_of(segments, SoundKind.MUSIC, Span(4, 12)) >= 7.2
    assert seconds_of(segments, SoundKind.SILENCE, Span(2, 3.5)) == pytest.approx(1.5)


def test_short_stretches_are_one_segment_each():
    activity = SpeakerActivity(Layout.MONO, {"spk0": (Span(1.0, 1.4), Span(1.9, 5.0))}, "test")
    segments = classify_sound(call(line_noise(6)), activity)
    assert [(s.start, s.end, s.kind) for s in segments] == [
        (0.0, 1.0, SoundKind.SILENCE),
        (1.4, 1.9, SoundKind.SILENCE),
        (5.0, 6.0, SoundKind.SILENCE),
    ]


def test_stereo_hears_the_agent_leg():
    # Hold music only on channel 1 (the agent's leg); channel 0 is the customer's quiet line.
    music = np.concatenate([line_noise(2, seed=1), telephone(plucked_notes(10.0)), line_noise(2, seed=2)])
    agent = music + line_noise(14, seed=3)[: len(music)]
    customer = line_noise(14, seed=4)[: len(music)]
    audio = CallAudio("t", "t", (customer.astype(np.float32), agent.astype(np.float32)), Layout.STEREO, 2, SR)
    segments = classify_sound(audio, SpeakerActivity(Layout.STEREO, {"ch0": (), "ch1": ()}, "test"))
    assert seconds_of(segments, SoundKind.MUSIC, Span(2, 12)) >= 9.0


def test_no_stretch_no_segments():
    activity = SpeakerActivity(Layout.MONO, {"spk0": (Span(0, 10),)}, "test")
    assert classify_sound(call(line_noise(10)), activity) == ()


# --------------------------------------------------------------------------- corpus


def _corpus_cases():
    cases = []
    for truth_path in sorted((ROOT / "corpus").glob("*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if any(e["type"] in ("hold", "transfer") for e in truth["events"]):
            cases.append(pytest.param(truth_path, id=truth["call_id"]))
    return cases


def _ring_styles(truth: dict) -> list[str]:
    """The ringback of each transfer, in order, from the scenario (the truth has no field)."""
    scenario = yaml.safe_load((ROOT / "scenarios" / "corpus" / truth["generator"]["scenario"]).read_text())
    return [item.get("ring", "na") for item in scenario["script"] if "transfer" in item]


@pytest.mark.parametrize("truth_path", _corpus_cases())
def test_corpus_holds_and_transfers(truth_path: Path):
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    audio = decode(truth_path.with_name(truth["source"]))
    speakers: dict[str, list[Span]] = {}
    for turn in truth["turns"]:
        speakers.setdefault(turn["speaker"], []).append(Span(turn["start"], turn["end"]))
    activity = SpeakerActivity(audio.layout, {k: tuple(v) for k, v in speakers.items()}, "truth")
    segments = classify_sound(audio, activity)  # the whole call: every gap between turns

    rings = iter(_ring_styles(truth))
    for event in truth["events"]:
        span = Span(event["start"], event["end"])
        if event["type"] == "hold":
            kind = SoundKind(event["kind"])
            assert seconds_of(segments, kind, span) >= 0.9 * span.duration, (event, segments)
        elif event["type"] == "transfer":
            style = next(rings)
            if style != "silence":
                got = seconds_of(segments, SoundKind.RINGBACK, span, f"({style})")
                assert got >= 0.9 * span.duration, (event, style, segments)


# --------------------------------------------------------------------------- real speech


def _pyannote_sample() -> Path:
    spec = importlib.util.find_spec("pyannote.audio")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyannote.audio is not installed")
    return Path(list(spec.submodule_search_locations)[0]) / "sample" / "sample.wav"


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(lambda: shared_data("ami_excerpts", "dev00.wav"), id="ami-dev00"),
        pytest.param(lambda: shared_data("ami_excerpts", "dev01.wav"), id="ami-dev01"),
        pytest.param(_pyannote_sample, id="pyannote-sample"),
        pytest.param(lambda: shared_data("calls_unlabelled", "google_commercial_mono.wav"), id="google-call"),
        pytest.param(
            lambda: shared_data("calls_unlabelled", "pca_Auto0_GUID_000_AGENT_ChrisL_Mono.wav"), id="aws-pca-call"
        ),
    ],
)
def test_real_speech_is_never_music_or_tone(where):
    audio = decode(where())
    speech = voice_activity(audio.mix, audio.sample_rate, VadSettings())
    assert total_duration(speech) > 5.0
    segments = classify_sound(audio, SpeakerActivity(audio.layout, {}, "none"))
    flagged = [s.span for s in segments if s.kind is not SoundKind.SILENCE]
    share = sum(f.overlap(v) for f in flagged for v in speech) / total_duration(speech)
    assert share < MAX_SPEECH_AS_SOUND, [s for s in segments if s.kind is not SoundKind.SILENCE]
