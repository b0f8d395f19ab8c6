"""Transcription with faster-whisper: words with times, attributed to speakers.

Stereo: each party's channel is transcribed alone, muted outside that party's
speech activity, so crosstalk and hold music do not become words. Mono: the mix is
transcribed once and each word goes to the speaker whose activity overlaps it most
(whisperX ``assign_word_speakers``).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from call_qa.audio import CallAudio
from call_qa.domain import Layout, Role, SpeakerActivity, Span, Transcript, Utterance, Word

logger = logging.getLogger("call_qa")

SUPPORTED_LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class AsrOptions:
    """What a transcription ran with; recorded in every call's settings."""

    model: str = "bundled:whisper-base"
    language: str = "id"  # "id", "en" or "auto" (detect, restricted to id/en)
    beam_size: int = 5
    no_speech_threshold: float | None = None
    compression_ratio_threshold: float = 2.4
    log_prob_threshold: float = -1.0
    hallucination_silence_threshold: float | None = 2.0
    condition_on_previous_text: bool = False
    temperature: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
    initial_prompt: str | None = None
    # Whisper segments can span a party's silence (gated stereo audio); a pause this
    # long between two words starts a new utterance, so evidence times stay tight.
    utterance_split_gap_s: float = 1.0
    seed: int = 0


def detect_language(model, audio: CallAudio, activity: SpeakerActivity) -> tuple[str, float]:
    """Indonesian or English, from up to 30 s of speech; returns (code, probability)."""
    speech = [s for spans in activity.speakers.values() for s in spans]
    signal = audio.mix
    if speech:
        pieces = [signal[int(s.start * audio.sample_rate) : int(s.end * audio.sample_rate)] for s in sorted(speech)]
        signal = np.concatenate(pieces)[: 30 * audio.sample_rate]
    _, _, all_probs = model.detect_language(signal)
    probs = {code: p for code, p in all_probs if code in SUPPORTED_LANGUAGES}
    best = max(probs, key=probs.get) if probs else "id"
    total = sum(probs.values()) or 1.0
    return best, probs.get(best, 0.0) / total


def _gate(signal: np.ndarray, spans: tuple[Span, ...], sample_rate: int, pad_s: float = 0.1) -> np.ndarray:
    """Zero the signal outside ``spans`` (keeps absolute times for Whisper)."""
    out = np.zeros_like(signal)
    for s in spans:
        a, b = int(max(0.0, s.start - pad_s) * sample_rate), int((s.end + pad_s) * sample_rate)
        out[a:b] = signal[a:b]
    return out


def _run_whisper(model, signal: np.ndarray, language: str, options: AsrOptions) -> list[Utterance]:
    import ctranslate2

    # Whisper's temperature fallback samples; a fixed seed makes a fresh worker give the
    # same words for the same recording (exact across calls only with temperature [0.0]).
    ctranslate2.set_random_seed(options.seed)
    segments, _info = model.transcribe(
        signal,
        language=language,
        beam_size=options.beam_size,
        word_timestamps=True,
        vad_filter=True,
        vad_parameters={"min_silence_duration_ms": 500, "speech_pad_ms": 200},
        no_speech_threshold=options.no_speech_threshold,
        compression_ratio_threshold=options.compression_ratio_threshold,
        log_prob_threshold=options.log_prob_threshold,
        hallucination_silence_threshold=options.hallucination_silence_threshold,
        condition_on_previous_text=options.condition_on_previous_text,
        temperature=list(options.temperature),
        initial_prompt=options.initial_prompt,
    )
    out: list[Utterance] = []
    previous = None
    for seg in segments:
        text = seg.text.strip()
        # A segment repeating the previous one word for word is the classic Whisper
        # loop on music/silence; one copy is kept.
        if not text or text == previous:
            continue
        previous = text
        words = tuple(
            Word(round(float(w.start), 3), round(float(w.end), 3), w.word.strip(), round(float(w.probability), 3))
            for w in seg.words or ()
        )
        words = _drop_word_loops(tuple(w for w in words if w.text))
        out.extend(_split_at_pauses(words, options.utterance_split_gap_s))
    return out


def _drop_word_loops(words: tuple[Word, ...], max_repeat: int = 2) -> tuple[Word, ...]:
    """Whisper sometimes loops on one token ("gak -gak -gak -gak …"); keep at most
    ``max_repeat`` consecutive copies of a word."""
    out: list[Word] = []
    for w in words:
        key = w.text.strip("-.,!?").lower()
        if len(out) >= max_repeat and all(o.text.strip("-.,!?").lower() == key for o in out[-max_repeat:]):
            continue
        out.append(w)
    return tuple(out)


def _split_at_pauses(words: tuple[Word, ...], gap_s: float) -> list[Utterance]:
    """One utterance per run of words without a pause of ``gap_s`` or more.

        words:  [so] [you] [are]          [yes]
                            gap >= 1.0 s ^
        utts:   |so you are|              |yes|
    """
    runs: list[list[Word]] = []
    for w in words:
        if runs and w.start - runs[-1][-1].end < gap_s:
            runs[-1].append(w)
        else:
            runs.append([w])
    return [Utterance(r[0].start, r[-1].end, "", Role.OTHER, " ".join(w.text for w in r), tuple(r)) for r in runs]


def _speaker_of(span: Span, activity: SpeakerActivity, previous: str | None = None) -> str | None:
    """The speaker whose activity overlaps ``span`` most. Overtalk (two speakers cover the
    word about equally, within 10 %) keeps the word with ``previous`` — the speaker of the
    word before — when that speaker is one of them, so an interrupter's speech does not
    chop the current sentence. No overlap at all: the nearest speech region."""
    overlaps = {label: sum(span.overlap(s) for s in spans) for label, spans in activity.speakers.items()}
    top = max(overlaps.values(), default=0.0)
    if top > 0:
        tied = [label for label, o in overlaps.items() if o >= 0.9 * top]
        if previous in tied:
            return previous
        return max(tied, key=lambda label: (overlaps[label], -sorted(overlaps).index(label)))
    distance = {label: min(abs(s.middle - span.middle) for s in spans) for label, spans in activity.speakers.items() if spans}
    return min(distance, key=distance.get) if distance else None


def _split_by_speaker(utterance: Utterance, activity: SpeakerActivity) -> list[Utterance]:
    """Mono: cut a Whisper segment where its words change speaker.

        spk0 activity:  |=========|        |=====|
        spk1 activity:         |=====|
        words:          [a] [b] [c] [d]  [e]  [f]
        pieces:         spk0: a b c | spk1: d | spk0: e f
    (``c`` lies in overtalk and stays with spk0, who was speaking.)"""
    pieces: list[tuple[str, list[Word]]] = []
    for w in utterance.words:
        label = _speaker_of(w.span, activity, pieces[-1][0] if pieces else None) or "spk0"
        if pieces and pieces[-1][0] == label:
            pieces[-1][1].append(w)
        else:
            pieces.append((label, [w]))
    return [
        Utterance(ws[0].start, ws[-1].end, label, Role.OTHER, " ".join(w.text for w in ws), tuple(ws)) for label, ws in pieces
    ]


def transcribe(audio: CallAudio, activity: SpeakerActivity, model, options: AsrOptions) -> Transcript:
    """Transcribe a call into time-ordered utterances labelled with their speaker."""
    language, probability = options.language, 1.0
    if language == "auto":
        language, probability = detect_language(model, audio, activity)
        logger.info("%s: detected language %s (p=%.2f)", audio.source, language, probability)

    utterances: list[Utterance] = []
    if audio.layout is Layout.STEREO:
        for i, channel in enumerate(audio.channels):
            label = f"ch{i}"
            spans = activity.speakers.get(label, ())
            if not spans:
                continue
            for u in _run_whisper(model, _gate(channel, spans, audio.sample_rate), language, options):
                utterances.append(Utterance(u.start, u.end, label, u.role, u.text, u.words))
    else:
        for u in _run_whisper(model, audio.mix, language, options):
            utterances.extend(_split_by_speaker(u, activity))
    utterances.sort(key=lambda u: (u.start, u.end, u.speaker))
    recorded = asdict(options) | {"language": language}
    return Transcript(language=language, language_probability=round(probability, 3), utterances=tuple(utterances), options=recorded)
