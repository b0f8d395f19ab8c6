"""A second voice on one stereo channel.

A stereo recorder gives each *leg* of the call a channel, so the channel says which
leg spoke, not who. After a transfer the switch bridges the new party (the transfer
target, role ``other``) onto the agent's leg: in a blind transfer the agent's voice is
simply followed by another on the same channel; in a warm one the two alternate while
the agent introduces the caller. This module finds that second voice and gives it its
own label, ``ch<n>b``, so roles, turns and the transfer's ``new_voice``/``warm`` see a
third party as they do in mono calls.

Method, per channel:

1. Each speech region of at least ``min_region_s`` is embedded with the GE2E speaker
   encoder that ships inside the ``resemblyzer`` package (``models.load_voice_encoder``).
   Regions of one voice lie close together (cosine 0.97–0.99 on the corpus), regions of
   two different voices further apart (0.65–0.88, even between espeak voices).
2. A second voice can only start after a break of at least ``min_gap_s`` in the
   channel's speech during which the other channel says no more than
   ``max_other_speech_s`` either (the line is quiet: a transfer's ringback, a hold, a
   hand-over — not the other party talking while this one listens); every such break is a
   candidate when at least ``min_own_s`` of speech comes before it (a transfer comes
   after the agent has talked). The voice before the break is the leg's own: the
   duration-weighted mean embedding of the regions before it.
3. After the break, regions whose cosine to the leg's own voice — and to the other
   channel's voice, whose leak VAD may let through — is below ``max_similarity`` are
   the new voice. The split counts when the first region after
   the break is the new voice (whoever answers a transfer speaks first) and the new
   voice holds at least ``min_voice_s`` of speech; the break with the most new-voice
   speech wins (ties: the earliest). Shorter regions after the break go to whichever voice they are nearer.

One channel gets at most one second voice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from call_qa.audio import CallAudio
from call_qa.domain import (
    Layout,
    Role,
    RoleAssignment,
    Span,
    SpeakerActivity,
    Utterance,
    VoiceSplit,
    Word,
    intersect_timelines,
    merge_spans,
    total_duration,
)


@dataclass(frozen=True)
class VoiceChangeOptions:
    enabled: bool = True
    min_gap_s: float = 3.0
    max_other_speech_s: float = 1.0
    min_own_s: float = 8.0
    min_voice_s: float = 2.0
    min_region_s: float = 1.5
    max_similarity: float = 0.90


def bridged_label(label: str) -> str:
    return f"{label}b"


class _Embeddings:
    """Voice embeddings of one channel's regions, each computed once per call."""

    def __init__(self, samples: np.ndarray, sample_rate: int) -> None:
        self.samples, self.sample_rate = samples, sample_rate
        self._done: dict[Span, np.ndarray] = {}

    def __call__(self, regions: Sequence[Span]) -> np.ndarray:
        from call_qa.models import load_voice_encoder

        todo = [r for r in regions if r not in self._done]
        if todo:
            encoder = load_voice_encoder()
            sr = self.sample_rate
            for r in todo:
                e = encoder.embed_utterance(self.samples[int(r.start * sr):int(r.end * sr)].astype(np.float32))
                self._done[r] = np.asarray(e, dtype=np.float64) / (np.linalg.norm(e) + 1e-12)
        return np.asarray([self._done[r] for r in regions])


def _embed(samples: np.ndarray, sample_rate: int, regions: Sequence[Span]) -> np.ndarray:
    """Unit-length voice embeddings, one per region."""
    return _Embeddings(samples, sample_rate)(regions)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) + 1e-12)


def channel_voice(
    samples: np.ndarray, sample_rate: int, spans: Sequence[Span], options: VoiceChangeOptions,
    embed: _Embeddings | None = None,
) -> np.ndarray | None:
    """The duration-weighted mean voice embedding of a channel's speech regions."""
    regions = [s for s in spans if s.duration >= options.min_region_s]
    if not regions:
        return None
    x = (embed or _Embeddings(samples, sample_rate))(regions)
    return _unit(np.average(x, axis=0, weights=[r.duration for r in regions]))


def quiet_breaks(spans: Sequence[Span], other_speech: Sequence[Span], options: VoiceChangeOptions) -> list[Span]:
    """Speech regions of a channel that follow a quiet break (see the module docstring)."""
    return [
        b for a, b in zip(spans, spans[1:])
        if b.start - a.end >= options.min_gap_s
        and total_duration(intersect_timelines([Span(a.end, b.start)], other_speech)) <= options.max_other_speech_s
    ]


def find_second_voice(
    samples: np.ndarray,
    sample_rate: int,
    label: str,
    spans: Sequence[Span],
    options: VoiceChangeOptions,
    other_voice: np.ndarray | None = None,
    other_speech: Sequence[Span] = (),
    embed: _Embeddings | None = None,
) -> VoiceSplit | None:
    """The second voice on one channel's speech, or None when it is one voice throughout.

    ``other_voice``: the other channel's voice embedding. A region that sounds like the
    other party is its leak onto this channel (crosstalk the voice-activity stage let
    through), not a new voice. ``other_speech``: where the other channel speaks; a
    break only counts when the line is quiet there too (ringback, hold), not while the
    other party talks and this one listens."""
    regions = [s for s in spans if s.duration >= options.min_region_s]
    breaks = quiet_breaks(spans, other_speech, options)
    if len(regions) < 2 or not breaks:
        return None
    embed = embed or _Embeddings(samples, sample_rate)
    x = embed(regions)
    w = np.array([r.duration for r in regions])
    best: VoiceSplit | None = None
    for brk in breaks:
        before = np.array([r.end <= brk.start for r in regions])
        if not before.any() or w[before].sum() < options.min_own_s:
            continue
        own = _unit(np.average(x[before], axis=0, weights=w[before]))
        similarity = x @ own
        new = ~before & (similarity < options.max_similarity)
        if other_voice is not None:
            new &= x @ other_voice < options.max_similarity
        # whoever answers after a transfer speaks first: the first region after the break
        if not new[np.argmax(~before)] or w[new].sum() < options.min_voice_s:
            continue
        if best is not None and w[new].sum() <= sum(s.duration for s in best.spans):
            continue
        other = _unit(np.average(x[new], axis=0, weights=w[new]))
        # every speech region after the break, short ones included, goes to the nearer voice
        after = [s for s in spans if s.start >= brk.start]
        short = [s for s in after if s.duration < options.min_region_s]
        near_other = set()
        if short:
            xs = embed([Span(s.start, max(s.end, s.start + 0.5)) for s in short])
            near_other = {s for s, e in zip(short, xs) if e @ other > e @ own}
        new_spans = [r for r, n in zip(regions, new) if n] + [s for s in short if s in near_other]
        separation = float(1.0 - np.average(similarity[new], weights=w[new]))
        merged = merge_spans(new_spans)
        best = VoiceSplit(label, bridged_label(label), merged[0].start, merged, round(separation, 3))
    return best


def split_second_voices(
    audio: CallAudio, activity: SpeakerActivity, utterances: Sequence[Utterance], options: VoiceChangeOptions
) -> tuple[SpeakerActivity, tuple[Utterance, ...], tuple[VoiceSplit, ...]]:
    """Stereo only: give a channel's second voice its own label in the activity and
    the transcript. Mono calls (and ``enabled: false``) pass through unchanged."""
    if not options.enabled or activity.layout is not Layout.STEREO:
        return activity, tuple(utterances), ()
    speakers = dict(activity.speakers)
    out = list(utterances)
    splits = []
    spans = [activity.speakers.get(f"ch{i}", ()) for i in range(len(audio.channels))]
    embeds = [_Embeddings(ch, audio.sample_rate) for ch in audio.channels]
    for i, channel in enumerate(audio.channels):
        label = f"ch{i}"
        other_speech = spans[1 - i] if len(spans) == 2 else ()
        if not quiet_breaks(spans[i], other_speech, options):
            continue  # most calls: no embedding at all
        other = channel_voice(audio.channels[1 - i], audio.sample_rate, other_speech, options, embeds[1 - i]) if other_speech else None
        split = find_second_voice(channel, audio.sample_rate, label, spans[i], options, other, other_speech, embeds[i])
        if split is None:
            continue
        splits.append(split)
        speakers[label] = _subtract(speakers[label], split.spans)
        speakers[split.new_label] = split.spans
        out = [piece for u in out for piece in _relabel(u, split)]
    if not splits:
        return activity, tuple(utterances), ()
    out.sort(key=lambda u: (u.start, u.end, u.speaker))
    return replace(activity, speakers=speakers, method=f"{activity.method}+second-voice"), tuple(out), tuple(splits)


def with_bridged_voices(assignment: RoleAssignment, voices: Sequence[VoiceSplit]) -> RoleAssignment:
    """Roles with each second voice as a third party (role other): the leg it was bridged
    onto already has its party. Confidence grows with how far apart the voices are."""
    if not voices:
        return assignment
    roles = dict(assignment.roles) | {v.new_label: Role.OTHER for v in voices}
    confidence = dict(assignment.confidence) | {v.new_label: round(min(1.0, 0.5 + v.separation), 3) for v in voices}
    return RoleAssignment(roles, confidence, method=f"{assignment.method}+second-voice")


def _subtract(spans: Sequence[Span], remove: Sequence[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for s in spans:
        pieces = [s]
        for r in remove:
            pieces = [p for q in pieces for p in (Span(q.start, min(q.end, r.start)), Span(max(q.start, r.end), q.end)) if p.end > p.start]
        out.extend(pieces)
    return tuple(p for p in out if p.duration > 0.0)


def _overlap(word: Word, spans: Sequence[Span]) -> float:
    return sum(max(0.0, min(word.end, s.end) - max(word.start, s.start)) for s in spans)


def _relabel(u: Utterance, split: VoiceSplit) -> list[Utterance]:
    """An utterance of the split channel, cut where its words move to the new voice."""
    if u.speaker != split.label or u.end <= split.change_at:
        return [u]
    if not u.words:
        mid = Word(u.start, u.end, u.text)
        return [replace(u, speaker=split.new_label)] if _overlap(mid, split.spans) > u.duration / 2 else [u]
    pieces: list[tuple[str, list[Word]]] = []
    for w in u.words:
        wspan = w if w.end > w.start else Word(w.start - 0.01, w.end + 0.01, w.text)
        label = split.new_label if _overlap(wspan, split.spans) > (wspan.end - wspan.start) / 2 else split.label
        if pieces and pieces[-1][0] == label:
            pieces[-1][1].append(w)
        else:
            pieces.append((label, [w]))
    return [
        replace(u, start=ws[0].start, end=ws[-1].end, speaker=label, text=" ".join(w.text for w in ws), words=tuple(ws))
        for label, ws in pieces
    ]
