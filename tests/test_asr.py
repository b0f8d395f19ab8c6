"""Transcription: words to speakers on hand-built cases, the per-channel stereo path on a
real recording, and no words inside hold music."""

import json
from dataclasses import replace

import pytest

from call_qa import audio as audio_mod
from call_qa.asr import AsrOptions, _drop_word_loops, _speaker_of, _split_by_speaker, transcribe
from call_qa.config import load_settings
from call_qa.diarization import speaker_activity
from call_qa.domain import Layout, Role, SpeakerActivity, Span, Utterance, Word
from call_qa.evaluation import normalise_words, word_errors

from sample_truth import ROOT, shared_data


def _activity(**speakers):
    return SpeakerActivity(Layout.MONO, {k: tuple(Span(a, b) for a, b in v) for k, v in speakers.items()}, "hand-built")


def _utterance(*words):
    ws = tuple(Word(a, b, t) for a, b, t in words)
    return Utterance(ws[0].start, ws[-1].end, "", Role.OTHER, " ".join(w.text for w in ws), ws)


def test_word_goes_to_the_speaker_it_overlaps_most():
    act = _activity(spk0=[(0.0, 2.0)], spk1=[(1.8, 4.0)])
    assert _speaker_of(Span(1.5, 1.9), act) == "spk0"  # 0.4 s vs 0.1 s
    assert _speaker_of(Span(1.9, 2.5), act) == "spk1"  # 0.1 s vs 0.6 s
    # outside all activity: the nearest speech region
    assert _speaker_of(Span(5.0, 5.3), act) == "spk1"
    assert _speaker_of(Span(5.0, 5.3), _activity()) is None


def test_segment_is_cut_where_the_speaker_changes():
    act = _activity(spk0=[(0.0, 1.5), (3.0, 4.0)], spk1=[(1.6, 2.9)])
    utt = _utterance((0.1, 0.5, "selamat"), (0.6, 1.2, "pagi"), (1.7, 2.0, "halo"), (2.1, 2.6, "pak"), (3.1, 3.5, "baik"))
    pieces = _split_by_speaker(utt, act)
    assert [(p.speaker, p.text, p.start, p.end) for p in pieces] == [
        ("spk0", "selamat pagi", 0.1, 1.2),
        ("spk1", "halo pak", 1.7, 2.6),
        ("spk0", "baik", 3.1, 3.5),
    ]


def test_words_in_overtalk_stay_with_the_speaker_who_was_talking():
    # spk1 talks over spk0 from 1.0 to 2.0; words there are covered by both equally
    act = _activity(spk0=[(0.0, 2.0)], spk1=[(1.0, 3.0)])
    utt = _utterance((0.2, 0.6, "nomor"), (1.2, 1.6, "NIK"), (1.6, 1.9, "saya"), (2.2, 2.8, "tunggu"))
    pieces = _split_by_speaker(utt, act)
    assert [(p.speaker, p.text) for p in pieces] == [("spk0", "nomor NIK saya"), ("spk1", "tunggu")]
    # the same overtalk words with spk1 speaking before them stay with spk1
    act2 = _activity(spk0=[(1.0, 3.0)], spk1=[(0.0, 2.0)])
    assert [p.speaker for p in _split_by_speaker(utt, act2)] == ["spk1", "spk0"]


def test_word_loops_keep_two_copies():
    ws = tuple(Word(i, i + 0.2, t) for i, t in enumerate(["ya", "gak", "-gak", "gak", "gak.", "baik"]))
    assert [w.text for w in _drop_word_loops(ws)] == ["ya", "gak", "-gak", "baik"]


def test_hallucination_guards_are_wired_from_the_settings():
    from call_qa.pipeline import asr_options

    settings = load_settings()
    options = asr_options(settings, "id")
    assert options.hallucination_silence_threshold == settings.asr.hallucination_silence_threshold == 2.0
    assert options.compression_ratio_threshold == 2.4 and options.log_prob_threshold == -1.0
    assert options.no_speech_threshold is None and options.condition_on_previous_text is False


@pytest.mark.slow
def test_each_stereo_channel_is_transcribed_on_its_own_channel():
    """../shared/data/stereo_two_sentences: one sentence per channel (reference TSV)."""
    settings = load_settings()
    call = audio_mod.decode(shared_data("stereo_two_sentences", "stereo_diarization.wav"))
    assert call.layout is Layout.STEREO
    refs = dict(line.split("\t", 1) for line in shared_data("stereo_two_sentences", "stereo_diarization.ref.tsv").read_text().splitlines() if line.strip())
    activity = speaker_activity(call, settings.vad, settings.diarization)
    from call_qa.models import load_whisper

    model = load_whisper("bundled:whisper-base", "cpu", "int8", 2)
    transcript = transcribe(call, activity, model, AsrOptions(language="en", temperature=(0.0,)))
    for label, side in (("ch0", "left"), ("ch1", "right")):
        said = " ".join(u.text for u in transcript.utterances if u.speaker == label)
        ref = normalise_words(refs[side])
        hyp = normalise_words(said)
        assert word_errors(ref, hyp) / len(ref) <= 0.2, (label, said)
    # the other channel's sentence does not leak into this one
    left_only = set(normalise_words(refs["left"])) - set(normalise_words(refs["right"]))
    right_said = set(normalise_words(" ".join(u.text for u in transcript.utterances if u.speaker == "ch1")))
    assert not (left_only & right_said - {"the", "a"})


@pytest.mark.slow
def test_no_words_inside_hold_music():
    """corpus/id_hold_music: a 15 s music hold (truth.json); no transcript word may lie
    inside it (0.5 s from its edges)."""
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from hold_words import words_in_holds

    truth = json.loads((ROOT / "corpus" / "id_hold_music.truth.json").read_text())
    holds = [(e["start"], e["end"]) for e in truth["events"] if e["type"] == "hold"]
    assert holds and holds[0][1] - holds[0][0] >= 10
    inside, total, which = words_in_holds(ROOT / "corpus" / "id_hold_music.flac", holds, "id", margin=0.5)
    assert total > 20 and inside == 0, which
