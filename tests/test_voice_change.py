"""A second voice on one stereo channel (call_qa/voice_change.py).

The real-speech cases are built from the two-party phone call that ships inside
pyannote.audio, cut by its own RTTM: speaker90's and speaker91's clean stretches (no
overlap) are laid on one channel with a break between them, as a switch bridges the
transfer target onto the agent's leg.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from call_qa.audio import CallAudio
from call_qa.domain import Layout, Role, RoleAssignment, Span, SpeakerActivity, Utterance, VoiceSplit, Word
from call_qa.voice_change import (
    VoiceChangeOptions,
    _relabel,
    _subtract,
    find_second_voice,
    split_second_voices,
    with_bridged_voices,
)

SR = 16000
# Clean stretches by the sample's RTTM (overlaps with the other speaker cut away).
SPEAKER90 = [(10.6, 14.4), (18.6, 21.4), (8.4, 9.9)]
SPEAKER91 = [(14.8, 17.9), (22.0, 25.0), (25.3, 28.3)]
OPTIONS = VoiceChangeOptions(min_own_s=5.0)


@pytest.fixture(scope="module")
def sample() -> np.ndarray:
    import pyannote.audio

    wav = Path(pyannote.audio.__file__).parent / "sample" / "sample.wav"
    x, sr = sf.read(wav, dtype="float32")
    assert sr == SR and x.ndim == 1
    return x


def lay_out(sample: np.ndarray, pieces: list[tuple[float, float]], gaps: list[float]) -> tuple[np.ndarray, list[Span]]:
    """The pieces one after another on one channel, ``gaps[i]`` seconds of silence
    before piece i; returns the channel and where each piece landed."""
    out, spans, t = [], [], 0.0
    for (a, b), gap in zip(pieces, gaps):
        out.append(np.zeros(int(gap * SR), dtype=np.float32))
        t += gap
        out.append(sample[int(a * SR):int(b * SR)])
        spans.append(Span(round(t, 3), round(t + (b - a), 3)))
        t += b - a
    return np.concatenate(out), spans


@pytest.mark.slow
def test_transfer_target_on_the_agents_channel_is_found(sample):
    """speaker90 talks (3 pieces, 8.1 s), 4 s of ringback-silence, then speaker91 (9.1 s):
    the new voice is exactly speaker91's pieces, starting after the break."""
    channel, spans = lay_out(sample, SPEAKER90 + SPEAKER91, [0.5, 1.0, 1.0, 4.0, 1.0, 0.3])
    split = find_second_voice(channel, SR, "ch0", spans, OPTIONS)
    assert split is not None
    assert split.new_label == "ch0b"
    assert split.change_at == spans[3].start
    assert split.spans == (spans[3], spans[4], spans[5])


@pytest.mark.slow
def test_warm_transfer_voices_alternating_after_the_break(sample):
    """After the break the two voices alternate (agent introduces the caller): only
    speaker91's pieces become the new voice, speaker90's stay with the channel."""
    pieces = SPEAKER90[:2] + [(8.4, 9.9)] + [SPEAKER91[0], (28.6, 30.0), SPEAKER91[1], SPEAKER91[2]]
    # speaker90 (10.6-14.4, 18.6-21.4, 8.4-9.9) | break | 91, 90 (short), 91, 91
    # give speaker90 a long enough piece after the break to be judged on its own
    pieces[4] = (18.6, 21.4)
    channel, spans = lay_out(sample, pieces, [0.5, 1.0, 1.0, 4.0, 1.0, 1.0, 0.3])
    split = find_second_voice(channel, SR, "ch0", spans, OPTIONS)
    assert split is not None and split.change_at == spans[3].start
    new = {(s.start, s.end) for s in split.spans}
    covered = lambda sp: any(a <= sp.start + 0.01 and sp.end - 0.01 <= b for a, b in new)  # noqa: E731
    assert covered(spans[3]) and covered(spans[5]) and covered(spans[6])
    assert not covered(spans[4])  # speaker90 again: the agent introducing the caller


@pytest.mark.slow
def test_one_voice_throughout_is_not_split(sample):
    """speaker91 before and after a 4 s break: no second voice."""
    channel, spans = lay_out(sample, SPEAKER91 + [(14.8, 17.9)], [0.5, 1.0, 1.0, 4.0])
    assert find_second_voice(channel, SR, "ch0", spans, OPTIONS) is None


@pytest.mark.slow
def test_no_break_no_split(sample):
    """Two voices but never a break of min_gap_s: a leg's voice does not change mid-flow."""
    channel, spans = lay_out(sample, SPEAKER90 + SPEAKER91, [0.5, 1.0, 1.0, 1.0, 1.0, 0.3])
    assert find_second_voice(channel, SR, "ch0", spans, OPTIONS) is None


def test_mono_and_disabled_pass_through():
    act = SpeakerActivity(Layout.MONO, {"spk0": (Span(0, 1),)}, "mono")
    audio = CallAudio("x", "", (np.zeros(SR),), Layout.MONO, 1, SR)
    assert split_second_voices(audio, act, (), OPTIONS) == (act, (), ())
    stereo = SpeakerActivity(Layout.STEREO, {"ch0": (Span(0, 1),), "ch1": ()}, "stereo-vad")
    audio2 = CallAudio("x", "", (np.zeros(SR), np.zeros(SR)), Layout.STEREO, 2, SR)
    off = VoiceChangeOptions(enabled=False)
    assert split_second_voices(audio2, stereo, (), off) == (stereo, (), ())


def test_subtract_spans():
    """
    spans:   |0-----------10|   |12----15|
    remove:       |3--5|     |9------13|
    result:  |0-3|     |5--9|         |13-15|
    """
    out = _subtract([Span(0, 10), Span(12, 15)], [Span(3, 5), Span(9, 13)])
    assert out == (Span(0, 3), Span(5, 9), Span(13, 15))


def test_utterance_cut_where_its_words_move_to_the_new_voice():
    """ch0 from 20 s on is the new voice between 20-22 and 25-27: words follow their time."""
    split = VoiceSplit("ch0", "ch0b", 20.0, (Span(20, 22), Span(25, 27)), 0.3)
    words = (Word(20.1, 20.5, "Billing"), Word(20.6, 21.0, "desk"), Word(23.0, 23.4, "Hi"), Word(23.5, 24.0, "Dan"),
             Word(25.2, 25.6, "Thanks"))
    u = Utterance(20.1, 25.6, "ch0", Role.OTHER, "Billing desk Hi Dan Thanks", words)
    pieces = _relabel(u, split)
    assert [(p.speaker, p.text, p.start, p.end) for p in pieces] == [
        ("ch0b", "Billing desk", 20.1, 21.0),
        ("ch0", "Hi Dan", 23.0, 24.0),
        ("ch0b", "Thanks", 25.2, 25.6),
    ]
    before = Utterance(1.0, 3.0, "ch0", Role.OTHER, "Hello", (Word(1.0, 3.0, "Hello"),))
    other_channel = Utterance(20.1, 21.0, "ch1", Role.OTHER, "Yes", (Word(20.1, 21.0, "Yes"),))
    assert _relabel(before, split) == [before] and _relabel(other_channel, split) == [other_channel]


def test_second_voice_is_a_third_party():
    base = RoleAssignment({"ch0": Role.AGENT, "ch1": Role.CUSTOMER}, {"ch0": 0.9, "ch1": 0.9}, "cues")
    split = VoiceSplit("ch0", "ch0b", 20.0, (Span(20, 22),), 0.25)
    out = with_bridged_voices(base, [split])
    assert out.roles == {"ch0": Role.AGENT, "ch1": Role.CUSTOMER, "ch0b": Role.OTHER}
    assert out.confidence["ch0b"] == 0.75 and out.method == "cues+second-voice"
    assert with_bridged_voices(base, []) is base
