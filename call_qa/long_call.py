"""Long recordings in pieces: a worker's memory is bounded by the piece, not the call.

    file ─► decoded as a stream, cut where the line is quietest
         ─► per piece: activity ─► transcript ─► sounds          (times shifted by the piece's start)
         ─► joined: one activity, one transcript, one list of sounds
         ─► mono: each piece's speakers linked to the call's speakers by their voices
            stereo: second voices found on a spooled copy of the channels (memory-mapped)
         ─► ``Heard`` ─► roles, timing, scorecard as for any call (``compose.conclude``)

``pipeline.process_recording`` takes this path for recordings longer than
``long_calls.pieces_after_s``. Only the listening stages see audio; everything after
them works on intervals and words, which are small even for a two-hour call.

Cutting: a piece of ``piece_s`` seconds ends at the quietest moment (20 ms frames, the
loudest channel, smoothed over 0.3 s) of its last ``cut_search_s`` seconds, and the rest
is carried into the next piece, so a word or a turn is cut in two only when someone
talks that long without a pause.

Mono speaker labels are local to a piece (``spk0`` of one piece may be ``spk1`` of the
next). As in pyannote.audio's speaker-diarization pipeline (local segmentation, then
clustering of per-chunk speaker embeddings across the file), every piece's speakers get
a voice embedding (GE2E, ``models.load_voice_encoder``) and are matched one-to-one to
the speakers found so far (Hungarian assignment on cosine similarity); a speaker whose
best match is below ``same_voice_min`` is a new one.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from call_qa.audio import FRAME_S, SAMPLE_RATE, CallAudio, decode_pieces, frame_energy_db, probe_duration
from call_qa.config import PipelineSettings
from call_qa.domain import Heard, Layout, SoundSegment, SpeakerActivity, Span, Utterance, gaps, merge_spans
from call_qa.listen import hear, second_voices, whisper_for

logger = logging.getLogger("call_qa")

_VOICE_MAX_S = 60.0  # speech per speaker and piece that goes into its voice embedding
_VOICE_MIN_S = 1.0  # less exclusive speech than this: no embedding (linked by talk time)


# --------------------------------------------------------------------------- cutting


def quiet_cut(channels: Sequence[np.ndarray], search_from: int, sample_rate: int = SAMPLE_RATE) -> int:
    """The sample at the quietest moment of ``channels[:, search_from:]``.

        energy (loudest channel):  ▇▇▆▇▇▆▂▁▁▂▇▇▆▇
        search window:                  |------|
        cut:                                ^ middle of the quietest 0.3 s
    """
    tail = [c[search_from:] for c in channels]
    energy = np.max(np.stack([frame_energy_db(c, sample_rate) for c in tail]), axis=0)
    if len(energy) == 0:
        return len(channels[0])
    width = min(len(energy), max(1, int(round(0.3 / FRAME_S))))
    smooth = np.convolve(energy, np.ones(width) / width, mode="valid")
    hop = int(FRAME_S * sample_rate)
    best = int(np.argmin(smooth))  # first of the quietest: the earliest such moment
    return search_from + (best + width // 2) * hop + hop // 2


def cut_pieces(path: str | Path, settings: PipelineSettings, content_hash: str) -> Iterator[tuple[float, CallAudio]]:
    """The recording as consecutive pieces, each cut at a quiet moment: (start s, piece).
    Memory holds about two pieces' worth of samples at a time."""
    lc = settings.long_calls
    search = int(lc.cut_search_s * SAMPLE_RATE)
    pending: CallAudio | None = None
    start = 0  # samples
    for _, block in decode_pieces(path, lc.piece_s, settings.layout, content_hash,
                                  settings.audio.on_truncated == "flag", settings.audio.truncation_tolerance_s):
        if pending is None:
            pending = block
            continue
        n = len(pending.channels[0])
        cut = quiet_cut(pending.channels, max(0, n - search))
        yield start / SAMPLE_RATE, replace(pending, channels=tuple(c[:cut] for c in pending.channels))
        start += cut
        pending = replace(block, channels=tuple(np.concatenate([p[cut:], b]) for p, b in zip(pending.channels, block.channels)))
    if pending is not None:
        yield start / SAMPLE_RATE, pending


# --------------------------------------------------------------------------- shifting and joining


def _shift(span: Span, dt: float) -> Span:
    return Span(round(span.start + dt, 3), round(span.end + dt, 3))


def shift_utterance(u: Utterance, dt: float, speaker: str | None = None) -> Utterance:
    """``u`` moved ``dt`` seconds later (words too), optionally under another label."""
    words = tuple(replace(w, start=round(w.start + dt, 3), end=round(w.end + dt, 3)) for w in u.words)
    return replace(u, start=round(u.start + dt, 3), end=round(u.end + dt, 3), speaker=speaker or u.speaker, words=words)


def join_sounds(segments: Sequence[SoundSegment], tolerance_s: float = 0.05) -> tuple[SoundSegment, ...]:
    """Adjacent segments of one kind (a hold's music cut by a piece boundary) as one."""
    out: list[SoundSegment] = []
    for seg in sorted(segments, key=lambda s: (s.start, s.end)):
        if out and out[-1].kind is seg.kind and seg.start - out[-1].end <= tolerance_s:
            out[-1] = replace(out[-1], end=max(out[-1].end, seg.end))
        else:
            out.append(seg)
    return tuple(out)


def join_activity(parts: Sequence[Mapping[str, Sequence[Span]]], layout: Layout, method: str) -> SpeakerActivity:
    """Per-label speech of all pieces (already shifted and relabelled) as one activity;
    regions meeting at a cut become one."""
    labels = sorted({label for part in parts for label in part})
    speakers = {label: merge_spans((s for part in parts for s in part.get(label, ())), gap=0.011) for label in labels}
    return SpeakerActivity(layout=layout, speakers=speakers, method=method)


# --------------------------------------------------------------------------- mono: linking speakers across pieces


@dataclass(frozen=True)
class PieceVoice:
    """One piece's speaker: its local label, voice embedding (None when it spoke too
    little alone) and talk time."""

    label: str
    voice: np.ndarray | None
    talk_s: float


def piece_voices(piece: CallAudio, activity: SpeakerActivity) -> tuple[PieceVoice, ...]:
    """A voice embedding per speaker of a mono piece, from up to ``_VOICE_MAX_S`` of the
    speech where that speaker talks alone."""
    from call_qa.models import load_voice_encoder

    out = []
    signal, sr = piece.channels[0], piece.sample_rate
    for label, spans in sorted(activity.speakers.items()):
        others = merge_spans(s for other, ss in activity.speakers.items() if other != label for s in ss)
        alone = [g for s in spans for g in gaps(others, s) if g.duration >= 0.5]
        talk = sum(s.duration for s in spans)
        taken, chunks = 0.0, []
        for g in alone:
            if taken >= _VOICE_MAX_S:
                break
            chunks.append(signal[int(g.start * sr):int(g.end * sr)])
            taken += g.duration
        voice = None
        if taken >= _VOICE_MIN_S:
            e = np.asarray(load_voice_encoder().embed_utterance(np.concatenate(chunks).astype(np.float32)), dtype=np.float64)
            voice = e / (np.linalg.norm(e) + 1e-12)
        out.append(PieceVoice(label, voice, talk))
    return tuple(out)


def link_speakers(pieces: Sequence[Sequence[PieceVoice]], same_voice_min: float) -> list[dict[str, str]]:
    """Per piece, local label → call-wide label (``spk0``, ``spk1``, … in order found).

        piece 1:  spk0 (A)  spk1 (B)      → A = spk0, B = spk1
        piece 2:  spk0 (B)  spk1 (A)      → matched by voice: spk0→spk1, spk1→spk0
        piece 3:  spk0 (C, unlike A or B) → a new speaker, spk2

    Within a piece two local speakers never map to one call speaker (the piece's
    diarizer already told them apart). A call speaker's voice is the talk-weighted mean
    of the voices linked to it."""
    from scipy.optimize import linear_sum_assignment

    sums: list[np.ndarray] = []
    weights: list[float] = []
    mappings: list[dict[str, str]] = []
    for voices in pieces:
        mapping: dict[str, str] = {}
        known = [v for v in voices if v.voice is not None]
        if sums and known:
            means = np.stack([s / (np.linalg.norm(s) + 1e-12) for s in sums])
            similarity = np.stack([v.voice for v in known]) @ means.T
            rows, cols = linear_sum_assignment(-similarity)
            for r, c in zip(rows, cols):
                if similarity[r, c] >= same_voice_min:
                    mapping[known[r].label] = f"spk{c}"
        used = set(mapping.values())
        for v in sorted(voices, key=lambda v: (v.voice is None, v.label)):  # new voices in local order
            if v.label in mapping:
                continue
            if v.voice is None:  # spoke too little alone to be recognised: the busiest speaker not in this piece yet
                free = [j for j in np.argsort(weights)[::-1] if f"spk{j}" not in used]
                if free:
                    mapping[v.label] = f"spk{free[0]}"
                    used.add(mapping[v.label])
                    continue
            sums.append(np.zeros(256) if v.voice is None else np.zeros_like(v.voice))
            weights.append(0.0)
            mapping[v.label] = f"spk{len(sums) - 1}"
            used.add(mapping[v.label])
        for v in voices:
            j = int(mapping[v.label][3:])
            weights[j] += v.talk_s
            if v.voice is not None:
                sums[j] = sums[j] + v.talk_s * v.voice
        mappings.append(mapping)
    return mappings


def _by_first_speech(activity: SpeakerActivity) -> dict[str, str]:
    """``spk0, spk1, …`` in order of first speech, as the whole-call diarizer names them."""
    order = sorted((spans[0].start, label) for label, spans in activity.speakers.items() if spans)
    return {label: f"spk{rank}" for rank, (_, label) in enumerate(order)}


# --------------------------------------------------------------------------- stereo: spooled channels


class _Spool:
    """The call's channels written to disk as float16 while the pieces go by, read back
    memory-mapped for the one stage that needs the whole call (second voices embed a
    few regions of it). 2 bytes per sample: 0.46 GB for two hours of stereo."""

    def __init__(self, n_channels: int) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="call-qa-spool-")
        self.paths = [Path(self._dir.name) / f"ch{i}.f16" for i in range(n_channels)]
        self._files = [p.open("wb") for p in self.paths]

    def write(self, channels: Sequence[np.ndarray]) -> None:
        for f, c in zip(self._files, channels):
            f.write(np.asarray(c, dtype=np.float16).tobytes())

    def channels(self) -> tuple[np.ndarray, ...]:
        for f in self._files:
            f.close()
        return tuple(np.memmap(p, dtype=np.float16, mode="r") for p in self.paths)

    def close(self) -> None:
        for f in self._files:
            f.close()
        self._dir.cleanup()


# --------------------------------------------------------------------------- the whole


def listen_in_pieces(path: str | Path, settings: PipelineSettings, content_hash: str):
    """What ``pipeline.listen`` gives for an in-memory call, for a recording processed
    piece by piece (see the module docstring). Returns a ``Heard``."""
    asr, model = whisper_for(settings)
    total = probe_duration(path)
    expected = max(1, int(np.ceil(total / settings.long_calls.piece_s)))
    spool: _Spool | None = None
    first: CallAudio | None = None
    activities: list[tuple[float, SpeakerActivity]] = []
    utterances: list[tuple[float, tuple[Utterance, ...]]] = []
    sounds: list[SoundSegment] = []
    voices: list[tuple[PieceVoice, ...]] = []
    language, probability, options, end = asr.language, 1.0, {}, 0.0
    try:
        for i, (start, piece) in enumerate(cut_pieces(path, settings, content_hash)):
            logger.info("%s: piece %d of ~%d (%.0f–%.0f s of %.0f s)", Path(path).name, i + 1, expected,
                        start, start + piece.duration, total)
            if first is None:
                first = replace(piece, channels=())
                if piece.layout is Layout.STEREO and settings.voice_change.enabled:
                    spool = _Spool(len(piece.channels))
            if spool is not None:
                spool.write(piece.channels)
            heard = hear(piece, settings, replace(asr, language=language), model)
            activity, transcript = heard.activity, heard.transcript
            if i == 0:  # the language heard in the first piece holds for the call
                language, probability, options = transcript.language, transcript.language_probability, dict(transcript.options)
            activities.append((start, activity))
            utterances.append((start, transcript.utterances))
            sounds.extend(replace(s, start=round(s.start + start, 3), end=round(s.end + start, 3))
                          for s in heard.sounds)
            if piece.layout is Layout.MONO:
                voices.append(piece_voices(piece, activity))
            end = start + piece.duration
            del piece
        assert first is not None  # decode_pieces raises for a file without audio

        mappings = (link_speakers(voices, settings.long_calls.same_voice_min) if first.layout is Layout.MONO
                    else [{label: label for label in a.speakers} for _, a in activities])
        parts = [{mapping[label]: [_shift(s, start) for s in spans] for label, spans in a.speakers.items()}
                 for (start, a), mapping in zip(activities, mappings)]
        activity = join_activity(parts, first.layout, f"{activities[0][1].method}+pieces")
        words = [shift_utterance(u, start, mapping.get(u.speaker, u.speaker))
                 for (start, us), mapping in zip(utterances, mappings) for u in us]
        if first.layout is Layout.MONO:  # call-wide names in order of first speech
            names = _by_first_speech(activity)
            activity = replace(activity, speakers={names[k]: v for k, v in activity.speakers.items() if k in names})
            words = [replace(u, speaker=names.get(u.speaker, u.speaker)) for u in words]
        words.sort(key=lambda u: (u.start, u.end, u.speaker))

        voices_found: tuple = ()
        if spool is not None:
            whole = replace(first, channels=spool.channels())
            activity, split_words, voices_found = second_voices(whole, activity, words, settings)
            words = list(split_words)
            del whole
    finally:
        if spool is not None:
            spool.close()

    return Heard(
        source=first.source,
        content_hash=first.content_hash,
        duration=round(end, 6),
        layout=first.layout,
        original_channels=first.original_channels,
        activity=activity,
        utterances=tuple(words),
        second_voices=voices_found,
        sounds=join_sounds(sounds),
        language=language,
        language_probability=probability,
        asr_model=asr.model,
        asr=options,
        extra={"pieces": {"count": len(activities), "starts_s": [round(s, 3) for s, _ in activities]}},
    )
