"""Transcription with faster-whisper: words with times, attributed to speakers.

The speech regions the project's own activity stage found are cut out of the audio
that carries them (stereo: each party's channel, so crosstalk and hold music do not
become words; mono: the mix, each word then going to the speaker whose activity
overlaps it most, as whisperX's ``assign_word_speakers``), packed into windows of up
to 30 s of speech, and decoded together in batches by faster-whisper's
``BatchedInferencePipeline`` (both channels' windows in one batch), word timestamps
kept. A window whose first decode fails Whisper's own checks (compression ratio, mean
log-probability) is decoded once more with repetition barred, for at most
``max_redecodes`` windows per call; nothing is sampled, so the words never depend on
what the worker decoded before.

    channel 0:  |==a==|      |===b===|          |=c=|
    channel 1:         |=d=|          |===e===|
    windows:    [a b c] (ch0)   [d e] (ch1)   → one batch of 2 → words → original times
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from call_qa.audio import CallAudio
from call_qa.config import AsrSettings
from call_qa.domain import Layout, Role, SpeakerActivity, Span, Transcript, Utterance, Word

logger = logging.getLogger("call_qa")

SUPPORTED_LANGUAGES = ("id", "en")
WINDOW_S = 30.0  # Whisper's input window: speech is packed into windows of at most this


@dataclass(frozen=True)
class AsrOptions:
    """What a transcription ran with; recorded in every call's settings. Built from
    ``AsrSettings`` only (``from_settings``): the defaults live in config.py, once."""

    model: str
    language: str  # "id", "en" or "auto" (detect, restricted to id/en)
    device: str
    compute_type: str
    beam_size: int
    batch_size: int
    no_speech_threshold: float | None
    compression_ratio_threshold: float
    log_prob_threshold: float
    max_redecodes: int
    redecode_repetition_penalty: float
    redecode_no_repeat_ngram_size: int
    speech_pad_s: float
    utterance_split_gap_s: float
    initial_prompt: str | None

    @classmethod
    def from_settings(cls, asr: AsrSettings, language: str) -> "AsrOptions":
        """The options for ``language`` (its model and prompt, else the ``default`` ones)."""
        fields = asr.model_dump(exclude={"models", "initial_prompt", "cpu_threads"})
        return cls(model=asr.models.get(language, asr.models["default"]), language=language,
                   initial_prompt=asr.initial_prompt.get(language), **fields)


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


@dataclass(frozen=True)
class Window:
    """Up to 30 s of one source's speech, packed: ``offset`` is its start on the
    source's speech-only timeline (faster-whisper's ``collect_chunks``)."""

    source: int
    audio: np.ndarray
    offset: float
    duration: float


@dataclass(frozen=True)
class DecodeCount:
    """How often the first decode failed and how many windows were decoded again."""

    windows: int = 0
    failed: int = 0
    redecoded: int = 0


def speech_clips(spans: tuple[Span, ...], signal: np.ndarray, sample_rate: int, pad_s: float,
                 max_s: float = WINDOW_S - 0.5) -> list[dict[str, int]]:
    """Speech spans → padded, merged clips in samples, none longer than ``max_s``
    (a longer one is cut at its quietest 100 ms in the last 5 s before the limit, so a
    word is rarely split and nothing is lost to Whisper's 30 s window).

        spans:  |==|  |=====================================|
        clips: [====] [=====================|===============]   (cut at the quiet frame)
    """
    clips: list[list[int]] = []
    for s in sorted(spans):
        a = max(0, int((s.start - pad_s) * sample_rate))
        b = min(len(signal), int((s.end + pad_s) * sample_rate))
        if b <= a:
            continue
        if clips and a <= clips[-1][1]:
            clips[-1][1] = max(clips[-1][1], b)
        else:
            clips.append([a, b])
    frame, limit = sample_rate // 10, int(max_s * sample_rate)
    out: list[dict[str, int]] = []
    for a, b in clips:
        while b - a > limit:
            lo = a + limit - 5 * sample_rate
            energy = [float(np.mean(signal[i : i + frame] ** 2)) for i in range(lo, a + limit - frame, frame)]
            cut = lo + frame * int(np.argmin(energy)) + frame // 2
            out.append({"start": a, "end": cut})
            a = cut
        out.append({"start": a, "end": b})
    return out


def _windows(source: int, signal: np.ndarray, clips: list[dict[str, int]], sample_rate: int) -> list[Window]:
    from faster_whisper.vad import collect_chunks

    chunks, metadata = collect_chunks(signal, clips, sampling_rate=sample_rate, max_duration=WINDOW_S)
    return [Window(source, c, m["offset"], m["duration"]) for c, m in zip(chunks, metadata) if len(c)]


def _pipeline_class():
    """``BatchedInferencePipeline`` with the bounded, deterministic fallback (built
    lazily: faster-whisper is imported only where Whisper runs)."""
    from faster_whisper import BatchedInferencePipeline
    from faster_whisper.transcribe import get_compression_ratio

    class FallbackPipeline(BatchedInferencePipeline):
        """The batch is decoded once (beam search). A window that fails the
        compression-ratio or log-probability check (a loop, or words Whisper doubts) is
        decoded once more, with repeated n-grams barred and repetition penalised, for at
        most ``max_redecodes`` windows per call. No sampling: CTranslate2's random
        generators are per thread and seeded once, so sampled words would depend on what
        the worker sampled before; this re-decode gives the same words every run."""

        def __init__(self, model, options: AsrOptions):
            super().__init__(model)
            self.asr = options
            self.count = DecodeCount()

        def check(self, tokens, avg_logprob: float, tokenizer) -> tuple[bool, float]:
            """(failed, compression ratio) of one decode."""
            ratio = get_compression_ratio(tokenizer.decode(tokens).strip())
            return ratio > self.asr.compression_ratio_threshold or avg_logprob < self.asr.log_prob_threshold, ratio

        def generate_segment_batched(self, features, tokenizer, options):
            encoder_output, outputs = super().generate_segment_batched(features, tokenizer, options)
            failed = redecoded = 0
            for i, out in enumerate(outputs):
                bad, ratio = self.check(out["tokens"], out["avg_logprob"], tokenizer)
                if not bad:
                    continue
                failed += 1
                if self.count.redecoded + redecoded >= self.asr.max_redecodes:
                    continue
                redecoded += 1
                out.update(self.redecode(features[i : i + 1], tokenizer, options, out, ratio))
            self.count = DecodeCount(self.count.windows + len(outputs), self.count.failed + failed,
                                     self.count.redecoded + redecoded)
            return encoder_output, outputs

        def redecode(self, features, tokenizer, options, first: dict, first_ratio: float) -> dict:
            """The better of the first decode and one decode that may not repeat itself."""
            prompt = self.model.get_prompt(
                tokenizer,
                previous_tokens=tokenizer.encode(options.initial_prompt) if options.initial_prompt else [],
                without_timestamps=options.without_timestamps,
            )
            result = self.model.model.generate(
                self.model.encode(features), [prompt], beam_size=self.asr.beam_size,
                repetition_penalty=self.asr.redecode_repetition_penalty,
                no_repeat_ngram_size=self.asr.redecode_no_repeat_ngram_size,
                max_length=self.model.max_length, return_scores=True, return_no_speech_prob=True,
                suppress_blank=options.suppress_blank, suppress_tokens=options.suppress_tokens,
            )[0]
            tokens = result.sequences_ids[0]
            second = {"tokens": tokens, "avg_logprob": result.scores[0] * len(tokens) / (len(tokens) + 1),
                      "no_speech_prob": first["no_speech_prob"]}
            _, ratio = self.check(tokens, second["avg_logprob"], tokenizer)
            # faster-whisper's rule when no decode passes: the most probable of those not repeating themselves
            tried = [(first, first_ratio), (second, ratio)]
            fine = [c for c, r in tried if r <= self.asr.compression_ratio_threshold] or [c for c, _ in tried]
            return max(fine, key=lambda c: c["avg_logprob"])

    return FallbackPipeline


def decode_windows(model, windows: list[Window], language: str, options: AsrOptions) -> tuple[list[list[dict]], DecodeCount]:
    """Each window's segments (faster-whisper dicts with ``words``, times on the
    window's speech-only timeline), decoded ``batch_size`` windows at a time (16 kHz audio)."""
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

    pipeline = _pipeline_class()(model, options)
    if not windows:
        return [], pipeline.count
    if not model.model.is_multilingual:
        language = "en"
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
    decode = TranscriptionOptions(
        beam_size=options.beam_size, best_of=1, patience=1.0, length_penalty=1.0,
        repetition_penalty=1.0, no_repeat_ngram_size=0, log_prob_threshold=options.log_prob_threshold,
        no_speech_threshold=options.no_speech_threshold, compression_ratio_threshold=options.compression_ratio_threshold,
        condition_on_previous_text=False, prompt_reset_on_temperature=0.5, temperatures=[0.0],
        initial_prompt=options.initial_prompt, prefix=None, suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]), without_timestamps=True, max_initial_timestamp=0.0,
        word_timestamps=True, prepend_punctuations="\"'“¿([{-", append_punctuations="\"'.。,，!！?？:：”)]}、",
        multilingual=False, max_new_tokens=None, clip_timestamps="0", hallucination_silence_threshold=None, hotwords=None,
    )
    out: list[list[dict]] = []
    # The word-timing heuristics look back at the last word decoded; carried over from
    # batch to batch (as faster-whisper does), so the words do not depend on batch_size.
    pipeline.last_speech_timestamp = 0.0
    for i in range(0, len(windows), options.batch_size):
        batch = windows[i : i + options.batch_size]
        features = np.stack([pad_or_trim(model.feature_extractor(w.audio)[..., :-1]) for w in batch])
        metadata = [{"offset": w.offset, "duration": w.duration} for w in batch]
        out.extend(pipeline.forward(features, tokenizer, metadata, decode))
    return out, pipeline.count


def _words(segments: list[dict], clips: list[dict[str, int]], sample_rate: int, options: AsrOptions) -> list[Utterance]:
    """A source's decoded segments → utterances with words at their times in the call."""
    from faster_whisper.vad import SpeechTimestampsMap

    times = SpeechTimestampsMap(clips, sample_rate, time_precision=3)
    out: list[Utterance] = []
    previous = None
    for seg in segments:
        text = seg["text"].strip()
        # A segment repeating the previous one word for word is the classic Whisper
        # loop on music/silence; one copy is kept.
        if not text or text == previous:
            continue
        if (options.no_speech_threshold is not None and seg["no_speech_prob"] > options.no_speech_threshold
                and seg["avg_logprob"] < options.log_prob_threshold):
            continue  # Whisper's own "no speech" skip, where a site switches it on
        previous = text
        words = []
        for w in seg.get("words") or ():
            chunk = times.get_chunk_index((w["start"] + w["end"]) / 2)  # both ends in the same clip
            words.append(Word(round(float(times.get_original_time(w["start"], chunk)), 3),
                              round(float(times.get_original_time(w["end"], chunk)), 3),
                              w["word"].strip(), round(float(w["probability"]), 3)))
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

    rate = audio.sample_rate
    if audio.layout is Layout.STEREO:  # each party's words from that party's channel only
        sources = [(f"ch{i}", channel, activity.speakers.get(f"ch{i}", ())) for i, channel in enumerate(audio.channels)]
    else:
        sources = [(None, audio.mix, tuple(s for spans in activity.speakers.values() for s in spans))]
    clips = [speech_clips(spans, signal, rate, options.speech_pad_s) for _, signal, spans in sources]
    windows = [w for i, (_, signal, _) in enumerate(sources) for w in _windows(i, signal, clips[i], rate) if clips[i]]
    segments, count = decode_windows(model, windows, language, options)

    utterances: list[Utterance] = []
    for i, (label, _, _) in enumerate(sources):
        mine = [seg for w, segs in zip(windows, segments) if w.source == i for seg in segs]
        for u in _words(mine, clips[i], rate, options):
            if label is None:
                utterances.extend(_split_by_speaker(u, activity))
            else:
                utterances.append(Utterance(u.start, u.end, label, u.role, u.text, u.words))
    utterances.sort(key=lambda u: (u.start, u.end, u.speaker))
    if count.failed:
        logger.info("%s: %d of %d windows failed the first decode, %d decoded again (cap %d)", audio.source,
                    count.failed, count.windows, count.redecoded, options.max_redecodes)
    recorded = asdict(options) | {"language": language, "decoded": asdict(count)}
    return Transcript(language=language, language_probability=round(probability, 3), utterances=tuple(utterances), options=recorded)
