"""Transcription: words to speakers on hand-built cases, the per-channel stereo path on a
real recording, and no words inside hold music."""

import json
from dataclasses import replace

import numpy as np
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


def test_asr_options_come_from_the_settings_only():
    """One definition: every AsrSettings field reaches AsrOptions, AsrOptions has no
    defaults of its own, and a changed decoding setting changes the settings hash."""
    import dataclasses

    from call_qa.config import AsrSettings
    from call_qa.listen import asr_options

    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(AsrOptions))
    settings = load_settings()
    options = asr_options(settings, "id")
    assert options.compression_ratio_threshold == 2.4 and options.log_prob_threshold == -1.0
    assert options.no_speech_threshold is None
    for name in set(AsrSettings.model_fields) - {"models", "initial_prompt", "cpu_threads"}:
        assert getattr(options, name) == getattr(settings.asr, name), name
    changed = settings.model_copy(update={"asr": settings.asr.model_copy(update={"max_redecodes": 0, "initial_prompt": {"id": "Halo"}})})
    assert asr_options(changed, "id").max_redecodes == 0 and asr_options(changed, "id").initial_prompt == "Halo"
    assert asr_options(changed, "en").initial_prompt is None
    assert changed.settings_hash() != settings.settings_hash()
    # threads per worker and windows per batch never change a result: not in the hash
    scaled = settings.model_copy(update={"asr": settings.asr.model_copy(update={"cpu_threads": 1, "batch_size": 16})})
    assert scaled.settings_hash() == settings.settings_hash()


def test_gpu_settings_reach_the_model_loader(monkeypatch):
    """device/compute_type/batch_size pass through unchanged (the GPU path is the CPU path)."""
    from call_qa import listen

    seen = {}
    monkeypatch.setattr(listen, "load_whisper", lambda *a: seen.setdefault("args", a))
    settings = load_settings().with_overrides(language="en")
    gpu = settings.model_copy(update={"asr": settings.asr.model_copy(
        update={"device": "cuda", "compute_type": "float16", "batch_size": 16, "cpu_threads": 4})})
    options, _ = listen.whisper_for(gpu)
    assert seen["args"] == ("bundled:whisper-base", "cuda", "float16", 4)
    assert (options.device, options.compute_type, options.batch_size, options.language) == ("cuda", "float16", 16, "en")


def test_speech_clips_are_padded_merged_and_cut_where_it_is_quiet():
    from call_qa.asr import speech_clips

    rate = 100  # 100 samples a second keeps the hand computation readable
    signal = np.ones(100 * rate, dtype=np.float32)
    signal[3650:3700] = 0.0  # a quiet half second at 36.5-37.0 s, inside a 40 s monologue
    spans = (Span(1.0, 2.0), Span(2.3, 3.0), Span(10.0, 50.0))
    clips = speech_clips(spans, signal, rate, pad_s=0.2, max_s=29.5)
    # 0.8-2.2 and 2.1-3.2 overlap once padded: one clip; the monologue 9.8-50.2 s is
    # longer than 29.5 s and is cut inside the quiet frame (10 samples a frame)
    assert clips[0] == {"start": 80, "end": 320}
    assert clips[1]["start"] == 980 and 3650 <= clips[1]["end"] <= 3700
    assert clips[2] == {"start": clips[1]["end"], "end": 5020}
    assert all(c["end"] - c["start"] <= 29.5 * rate for c in clips)


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
    options = AsrOptions.from_settings(settings.asr, "en")
    transcript = transcribe(call, activity, model, options)
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


@pytest.mark.slow
def test_fallback_is_bounded_and_reproducible_whatever_was_decoded_before():
    """Every window made to fail (log_prob_threshold 0: no decode is that certain) is
    counted; only max_redecodes are decoded again; and the same call gives the same
    words after the worker has decoded other audio in between."""
    from call_qa.models import load_whisper

    settings = load_settings()
    call = audio_mod.decode(ROOT / "sample_audio" / "en_stereo_interrupt.flac")
    activity = speaker_activity(call, settings.vad, settings.diarization)
    model = load_whisper("bundled:tiny.en", "cpu", "int8", 2)
    strict = settings.asr.model_copy(update={"log_prob_threshold": 0.0, "max_redecodes": 1, "beam_size": 1})
    options = AsrOptions.from_settings(strict, "en")
    first = transcribe(call, activity, model, options)
    decoded = first.options["decoded"]
    assert decoded["windows"] >= 2 and decoded["failed"] == decoded["windows"] and decoded["redecoded"] == 1
    # something else decoded in between (other calls, all windows re-decoded)
    other = audio_mod.decode(ROOT / "sample_audio" / "en_mono_transfer.flac")
    transcribe(other, speaker_activity(other, settings.vad, settings.diarization), model, replace(options, max_redecodes=99))
    transcribe(call, activity, model, replace(options, max_redecodes=99))
    again = transcribe(call, activity, model, options)
    assert [(u.speaker, u.text, u.words) for u in again.utterances] == [(u.speaker, u.text, u.words) for u in first.utterances]
    none = transcribe(call, activity, model, replace(options, max_redecodes=0))
    assert none.options["decoded"]["redecoded"] == 0


@pytest.mark.slow
def test_batch_size_does_not_change_the_words():
    """The windows decoded one at a time and eight at a time give the same words and times."""
    from call_qa.models import load_whisper

    settings = load_settings()
    call = audio_mod.decode(ROOT / "sample_audio" / "en_mono_transfer.flac")
    activity = speaker_activity(call, settings.vad, settings.diarization)
    model = load_whisper("bundled:tiny.en", "cpu", "int8", 2)
    options = AsrOptions.from_settings(settings.asr.model_copy(update={"max_redecodes": 0}), "en")
    one = transcribe(call, activity, model, replace(options, batch_size=1))
    eight = transcribe(call, activity, model, replace(options, batch_size=8))
    assert one.options["decoded"]["windows"] >= 2
    assert len(one.utterances) > 5
    assert [(u.speaker, u.words) for u in one.utterances] == [(u.speaker, u.words) for u in eight.utterances]
