"""Long recordings in pieces (call_qa/long_call.py).

Cutting and joining are checked on signals whose quiet moments are placed by hand;
speaker linking on hand-built embeddings and on the real two-speaker phone call that
ships inside pyannote.audio; the whole path on corpus calls against their truth, cut
into 1-minute pieces so that a hold, a transfer and a second voice straddle a cut.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from call_qa.audio import SAMPLE_RATE, CallAudio, decode
from call_qa.config import load_settings
from call_qa.domain import Layout, SoundKind, SoundSegment, Span, SpeakerActivity, Utterance, Word, Role
from call_qa.long_call import (
    PieceVoice,
    cut_pieces,
    join_activity,
    join_sounds,
    link_speakers,
    piece_voices,
    quiet_cut,
    shift_utterance,
)

SR = SAMPLE_RATE


def _noise(seconds: float, seed: int, level: float = 0.3) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(int(seconds * SR)) * level).astype(np.float32)


def _with_quiet(signal: np.ndarray, quiet: list[tuple[float, float]]) -> np.ndarray:
    out = signal.copy()
    for a, b in quiet:
        out[int(a * SR):int(b * SR)] = 0.0
    return out


def _settings(**long_calls):
    base = load_settings()
    return base.model_copy(update={"long_calls": base.long_calls.model_copy(update=long_calls)})


# --------------------------------------------------------------------------- cutting


def test_quiet_cut_lands_in_the_only_quiet_stretch():
    left = _with_quiet(_noise(60, 1), [(41.0, 41.6)])
    right = _with_quiet(_noise(60, 2), [(40.9, 41.7)])
    cut = quiet_cut((left, right), search_from=30 * SR)
    assert 41.0 * SR <= cut <= 41.6 * SR


def test_quiet_cut_needs_quiet_on_every_channel():
    # ch0 is quiet at 35 s while ch1 talks there; both are quiet only at 52 s
    left = _with_quiet(_noise(60, 3), [(35.0, 35.8), (52.0, 52.5)])
    right = _with_quiet(_noise(60, 4), [(52.0, 52.5)])
    cut = quiet_cut((left, right), search_from=30 * SR)
    assert 52.0 * SR <= cut <= 52.5 * SR


def test_pieces_are_cut_in_the_pauses_and_join_to_the_whole_recording(tmp_path: Path):
    # 150 s of stereo "talk" with pauses at 45 s, 100 s and 130 s; pieces of 60 s whose
    # last 20 s are searched: the cuts must fall in the pauses at 45 s and 100 s
    quiet = [(45.0, 45.6), (100.0, 100.6), (130.0, 130.6)]
    stereo = np.stack([_with_quiet(_noise(150, 5), quiet), _with_quiet(_noise(150, 6, 0.2), quiet)], axis=1)
    wav = tmp_path / "long.wav"
    sf.write(wav, stereo, SR, subtype="PCM_16")
    settings = _settings(piece_s=60.0, cut_search_s=20.0)

    pieces = list(cut_pieces(wav, settings, "hash"))
    starts = [start for start, _ in pieces]
    assert len(pieces) == 3
    assert starts[0] == 0.0 and 45.0 <= starts[1] <= 45.6 and 100.0 <= starts[2] <= 100.6
    for (start, piece), (following, _) in zip(pieces, pieces[1:]):
        assert start + piece.duration == pytest.approx(following, abs=1e-9)  # no gap, no overlap
    whole = decode(wav, content_hash="hash")
    for i in range(2):
        joined = np.concatenate([p.channels[i] for _, p in pieces])
        np.testing.assert_array_equal(joined, whole.channels[i])
    assert {p.layout for _, p in pieces} == {Layout.STEREO}


# --------------------------------------------------------------------------- joining


def test_regions_meeting_at_a_cut_become_one_and_times_are_shifted():
    piece1 = {"ch0": (Span(1.0, 2.0), Span(58.0, 60.0))}
    piece2 = {"ch0": (Span(0.0, 1.5),), "ch1": (Span(3.0, 4.0),)}
    shifted2 = {k: [Span(s.start + 60.0, s.end + 60.0) for s in v] for k, v in piece2.items()}
    joined = join_activity([piece1, shifted2], Layout.STEREO, "stereo-vad+pieces")
    assert joined.speakers == {"ch0": (Span(1.0, 2.0), Span(58.0, 61.5)), "ch1": (Span(63.0, 64.0),)}


def test_an_utterance_is_shifted_with_its_words():
    u = Utterance(1.0, 2.5, "spk1", Role.OTHER, "selamat pagi", (Word(1.0, 1.6, "selamat"), Word(1.8, 2.5, "pagi")))
    moved = shift_utterance(u, 600.25, "spk0")
    assert (moved.start, moved.end, moved.speaker) == (601.25, 602.75, "spk0")
    assert [(w.start, w.end) for w in moved.words] == [(601.25, 601.85), (602.05, 602.75)]


def test_music_cut_by_a_piece_boundary_is_one_segment():
    segments = [
        SoundSegment(10.0, 600.0, SoundKind.MUSIC, "music"),
        SoundSegment(600.0, 900.0, SoundKind.MUSIC, "music"),
        SoundSegment(900.0, 905.0, SoundKind.SILENCE),
        SoundSegment(930.0, 940.0, SoundKind.SILENCE),
    ]
    assert join_sounds(segments) == (
        SoundSegment(10.0, 900.0, SoundKind.MUSIC, "music"),
        SoundSegment(900.0, 905.0, SoundKind.SILENCE),
        SoundSegment(930.0, 940.0, SoundKind.SILENCE),
    )


# --------------------------------------------------------------------------- linking mono speakers


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


A, B, C = _unit([1, 0, 0, 0]), _unit([0, 1, 0, 0]), _unit([0, 0, 1, 0])


def test_speakers_are_linked_by_voice_not_by_local_label():
    pieces = [
        (PieceVoice("spk0", A, 40.0), PieceVoice("spk1", B, 20.0)),
        (PieceVoice("spk0", _unit([0.1, 1, 0, 0]), 10.0), PieceVoice("spk1", _unit([1, 0.1, 0, 0]), 30.0)),  # swapped
        (PieceVoice("spk0", C, 15.0),),  # someone new (transfer target)
        (PieceVoice("spk0", _unit([0.05, 0, 1, 0]), 5.0), PieceVoice("spk1", A, 5.0)),
    ]
    assert link_speakers(pieces, same_voice_min=0.75) == [
        {"spk0": "spk0", "spk1": "spk1"},
        {"spk0": "spk1", "spk1": "spk0"},
        {"spk0": "spk2"},
        {"spk0": "spk2", "spk1": "spk0"},
    ]


def test_two_speakers_of_one_piece_never_become_one():
    # both of piece 2's speakers sound most like A; only one can be A
    pieces = [(PieceVoice("spk0", A, 40.0),), (PieceVoice("spk0", _unit([1, 0.2, 0, 0]), 9.0), PieceVoice("spk1", _unit([1, 0.1, 0, 0]), 9.0))]
    mapping = link_speakers(pieces, same_voice_min=0.75)[1]
    assert sorted(mapping.values()) == ["spk0", "spk1"] and mapping["spk1"] == "spk0"


def test_a_speaker_too_short_to_embed_goes_to_the_busiest_free_speaker():
    pieces = [
        (PieceVoice("spk0", A, 40.0), PieceVoice("spk1", B, 20.0)),
        (PieceVoice("spk0", A, 30.0), PieceVoice("spk1", None, 0.6)),
    ]
    assert link_speakers(pieces, same_voice_min=0.75)[1] == {"spk0": "spk0", "spk1": "spk1"}


# Clean stretches of the two speakers in pyannote.audio's sample call, by its RTTM
SPEAKER90 = [(8.4, 9.9), (10.6, 14.4), (18.6, 21.4)]
SPEAKER91 = [(14.8, 17.9), (22.0, 25.0), (25.3, 28.3)]


def test_real_voices_are_linked_across_pieces():
    """Two 'pieces' built from the real call, with the local labels swapped in the
    second: the embeddings must link speaker90 to speaker90."""
    import pyannote.audio

    audio, sr = sf.read(Path(pyannote.audio.__file__).parent / "sample" / "sample.wav", dtype="float32")
    assert sr == SR

    def piece(first: list, second: list, names: tuple[str, str]) -> list[PieceVoice]:
        chunks, spans, t = [], {names[0]: [], names[1]: []}, 0.0
        for name, stretches in zip(names, (first, second)):
            for a, b in stretches:
                chunks.append(audio[int(a * SR):int(b * SR)])
                spans[name].append(Span(t, t + b - a))
                t += b - a
        call = CallAudio("sample", "h", (np.concatenate(chunks),), Layout.MONO, 1, SR)
        return piece_voices(call, SpeakerActivity(Layout.MONO, {k: tuple(v) for k, v in spans.items()}, "test"))

    p1 = piece(SPEAKER90[:2], SPEAKER91[:2], ("spk0", "spk1"))
    p2 = piece(SPEAKER90[2:], SPEAKER91[2:], ("spk1", "spk0"))  # speaker90 is spk1 here
    assert all(v.voice is not None for v in p1 + p2)
    assert link_speakers([p1, p2], same_voice_min=0.75) == [{"spk0": "spk0", "spk1": "spk1"}, {"spk1": "spk0", "spk0": "spk1"}]


# --------------------------------------------------------------------------- the whole path on corpus calls


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, key, attributes, labels",
    [
        ("id_hold_music", "hold", ("kind",), {"spk0", "spk1"}),  # mono: the speakers of both pieces linked into two
        ("id_transfer_stereo_warm", "transfer", ("warm",), {"ch0", "ch1", "ch1b"}),  # stereo: second voice after joining
    ],
)
def test_a_call_in_one_minute_pieces_keeps_its_events(name, key, attributes, labels):
    from call_qa.evaluation import load_truth, score_events
    from call_qa.export import to_document
    from call_qa.pipeline import process_recording
    from sample_truth import ROOT

    truth = load_truth(ROOT / "corpus" / f"{name}.flac")
    settings = _settings(pieces_after_s=30.0, piece_s=60.0).with_overrides(language=truth.language)
    doc = to_document(process_recording(truth.audio, settings))
    assert doc["status"] == "ok", doc.get("errors")
    assert doc["settings"]["pieces"]["count"] == 2
    scores = score_events(truth.events, doc["events"])
    assert scores[key].f1 == 1.0 and scores[key].boundary_error_s <= 1.0
    assert {a: scores[key].attribute_agreement.get(a) for a in attributes} == {a: 1.0 for a in attributes}
    assert {k for k, v in scores.items() if v.false_positives} == set()
    assert {s["label"] for s in doc["speakers"]} == labels
    assert {s["role"] for s in doc["speakers"]} >= {"agent", "customer"}
