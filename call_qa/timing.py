"""Timing analytics as interval algebra: turns, talk, overtalk, interruptions,
holds, transfers, dead air, pace (definitions and defaults: docs/metrics.md).

Every function here is pure: spans in, spans and numbers out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from call_qa.config import TimingSettings
from call_qa.domain import (
    DeadAirDetails,
    Event,
    EventType,
    HoldDetails,
    InterruptionDetails,
    Role,
    SoundKind,
    SoundSegment,
    SpeakerActivity,
    Span,
    TimingReport,
    TransferDetails,
    Turn,
    Utterance,
    gaps,
    intersect_timelines,
    merge_spans,
    total_duration,
)
from call_qa.text import count_phrases, normalize, tokens


@dataclass(frozen=True)
class TimingCues:
    """Phrases the timing stage needs, per language (from the cue lexicons)."""

    backchannels: tuple[str, ...] = ()
    hold_announce: tuple[str, ...] = ()
    hold_return: tuple[str, ...] = ()
    transfer_announce: tuple[str, ...] = ()


def words_in(span: Span, utterances: Sequence[Utterance], speaker: str) -> str:
    """The words ``speaker`` said inside ``span`` (whole utterance text when it has no word times)."""
    out: list[str] = []
    for u in utterances:
        if u.speaker != speaker or not u.span.intersects(span):
            continue
        if u.words:
            out.extend(w.text for w in u.words if w.span.intersects(span) or span.contains(w.start))
        else:
            out.append(u.text)
    return " ".join(out).strip()


def is_backchannel_text(text: str, backchannels: Sequence[str]) -> bool:
    """True when every word of ``text`` is an acknowledgement ("ya", "oke", "uh-huh")."""
    words = tokens(text)
    vocab = {t for b in backchannels for t in tokens(b)}
    return bool(words) and all(t in vocab for t in words)


def build_turns(
    activity: SpeakerActivity,
    roles: Mapping[str, Role],
    utterances: Sequence[Utterance],
    settings: TimingSettings,
    cues: TimingCues,
) -> tuple[Turn, ...]:
    """Turns: each speaker's activity with pauses under ``turn_merge_gap_s`` merged.

        activity: |===| |==|    |=====|
                       ^0.3 s
        turns:    |========|    |=====|

    A turn is a backchannel when it lasts at most ``backchannel_max_s`` or when all
    its words are acknowledgements.
    """
    turns: list[Turn] = []
    for label, spans in activity.speakers.items():
        for span in merge_spans(spans, gap=settings.turn_merge_gap_s):
            text = words_in(span, utterances, label)
            backchannel = span.duration <= settings.backchannel_max_s or is_backchannel_text(text, cues.backchannels)
            turns.append(Turn(round(span.start, 3), round(span.end, 3), label, roles.get(label, Role.OTHER), backchannel))
    return tuple(sorted(turns, key=lambda t: (t.start, t.end, t.speaker)))


def find_interruptions(
    turns: Sequence[Turn], utterances: Sequence[Utterance], settings: TimingSettings
) -> tuple[Event, ...]:
    """B interrupts A when B starts inside A's turn, overlaps it by at least
    ``interruption_min_overlap_s`` and is not a backchannel.

        A:  |==============|            successful: A stops within
        B:          |==========|        `interruption_yield_s` of B's start
                    ^ B starts inside A; overlap = |======|
    """
    events: list[Event] = []
    for b in turns:
        if b.backchannel:
            continue
        for a in turns:
            if a.speaker == b.speaker or not (a.start < b.start < a.end):
                continue
            overlap = a.span.overlap(b.span)
            if overlap < settings.interruption_min_overlap_s:
                continue
            successful = a.end <= b.start + settings.interruption_yield_s
            overlap_span = a.span & b.span
            context = Span(max(a.start, b.start - 3.0), overlap_span.end)
            events.append(
                Event(
                    EventType.INTERRUPTION,
                    round(overlap_span.start, 3),
                    round(overlap_span.end, 3),
                    InterruptionDetails(
                        by=b.role,
                        of=a.role,
                        by_speaker=b.speaker,
                        of_speaker=a.speaker,
                        successful=successful,
                        overlap_s=round(overlap, 3),
                        by_words=words_in(b.span & Span(b.start, b.start + 4.0), utterances, b.speaker),
                        of_words=words_in(context, utterances, a.speaker),
                    ),
                )
            )
            break  # one interruption per interrupting turn
    return tuple(events)


def _phrase_near(
    utterances: Sequence[Utterance], window: Span, phrases: Sequence[str], role: Role = Role.AGENT
) -> Utterance | None:
    for u in utterances:
        if u.role == role and u.span.intersects(window) and count_phrases(u.text, phrases):
            return u
    return None


def silences(turns: Sequence[Turn], support: Span) -> tuple[Span, ...]:
    """Stretches inside ``support`` where nobody speaks (backchannels count as speech)."""
    return gaps((t.span for t in turns), support)


def _sound_kind(span: Span, sounds: Sequence[SoundSegment]) -> SoundKind:
    """The kind of line sound covering most of ``span`` (silence when nothing was classified)."""
    seconds: dict[SoundKind, float] = {}
    for seg in sounds:
        seconds[seg.kind] = seconds.get(seg.kind, 0.0) + span.overlap(seg.span)
    sounding = {k: v for k, v in seconds.items() if v > 0}
    return max(sounding, key=sounding.get) if sounding else SoundKind.SILENCE


def hold_event(
    span: Span,
    utterances: Sequence[Utterance],
    sounds: Sequence[SoundSegment],
    settings: TimingSettings,
    cues: TimingCues,
    source: str = "audio",
) -> Event:
    """A hold over ``span``: its kind from the line sound, whether the agent announced it
    (phrase within ``hold_phrase_window_s`` before) and thanked the caller after it (within
    as long after), whether it ran over the limit."""
    window = settings.hold_phrase_window_s
    before = _phrase_near(utterances, Span(span.start - window, span.start + 0.5), cues.hold_announce)
    after = _phrase_near(utterances, Span(span.end - 0.5, span.end + window), cues.hold_return)
    kind = _sound_kind(span, sounds)
    return Event(
        EventType.HOLD,
        round(span.start, 3),
        round(span.end, 3),
        HoldDetails(
            kind=SoundKind.TONE if kind is SoundKind.RINGBACK else kind,
            announced=before is not None,
            thanked=after is not None,
            over_limit=span.duration > settings.hold_max_s,
            duration_s=round(span.duration, 3),
        ),
        source=source,
    )


def find_holds_and_dead_air(
    turns: Sequence[Turn],
    utterances: Sequence[Utterance],
    sounds: Sequence[SoundSegment],
    settings: TimingSettings,
    cues: TimingCues,
    transfers: Sequence[Event] = (),
    given_holds: Sequence[Event] | None = None,
) -> tuple[tuple[Event, ...], tuple[Event, ...]]:
    """Holds are stretches of at least ``hold_min_s`` where nobody speaks (music, tones or
    silence on the line); shorter silences of at least ``dead_air_min_s`` are dead air.
    Only stretches between the first and last speech count (ringing before the answer
    is not dead air).

        speech:   |==|          |===|     |==|
        gaps:         |--12 s---|   |-4 s-|
                      hold          dead air
        sound:        |~music~~~|             -> hold kind "music"

    A gap mostly inside a transfer (ringback, waiting for the new party) belongs to the
    transfer, not to a hold or dead air. With ``given_holds`` (from telephony metadata)
    holds are not detected: gaps inside them are skipped, other long gaps are dead air.
    """
    if not turns:
        return (), ()
    support = Span(min(t.start for t in turns), max(t.end for t in turns))
    holds: list[Event] = []
    dead: list[Event] = []
    for gap in silences(turns, support):
        if any(gap.overlap(t.span) >= gap.duration / 2 for t in transfers):
            continue
        if any(gap.overlap(h.span) >= gap.duration / 2 for h in given_holds or ()):
            continue
        if gap.duration >= settings.hold_min_s and given_holds is None:
            holds.append(hold_event(gap, utterances, sounds, settings, cues))
        elif gap.duration >= settings.dead_air_min_s:
            dead.append(Event(EventType.DEAD_AIR, round(gap.start, 3), round(gap.end, 3), DeadAirDetails(round(gap.duration, 3))))
    return tuple(holds), tuple(dead)


_TARGET = re.compile(r"\b(?:ke|to)\s+(?:the\s+)?((?:bagian|department|divisi|unit|tim|team|layanan|billing|\w+)(?:\s+\w+){0,2})")


def find_transfers(
    turns: Sequence[Turn],
    utterances: Sequence[Utterance],
    sounds: Sequence[SoundSegment],
    cues: TimingCues,
    settings: TimingSettings = TimingSettings(),
) -> tuple[Event, ...]:
    """A transfer is an agent's announcement ("saya sambungkan ke bagian …") and/or
    ringback on the line, ending when the next party speaks (the new voice).

        agent:    |=announce=|
        line:                  |~ring~~ring~|
        other:                               |=hello=|
        transfer:              |-------------|          (no ringback: from the announcement's end)

    It is warm when the agent speaks again after the new party answers (introduces the
    caller), blind otherwise. ``new_voice`` says whether a third party (role other) answered.
    Rings less than ``ringback_merge_gap_s`` apart are one ringback; one shorter than
    ``min_ringback_s`` is no transfer; the announcement ends at most
    ``transfer_announce_window_s`` before the ringback.
    """
    rings = merge_spans((s.span for s in sounds if s.kind is SoundKind.RINGBACK), gap=settings.ringback_merge_gap_s)
    announcements = [u for u in utterances if u.role == Role.AGENT and count_phrases(u.text, cues.transfer_announce)]
    starts: list[tuple[float, Utterance | None]] = []
    for ring in rings:
        if ring.duration < settings.min_ringback_s:
            continue
        starts.append((ring.start, _announcement_before(ring.start, utterances, cues, settings)))
    if not starts and announcements:  # announced, but no ringback heard (e.g. silent transfer)
        starts.append((announcements[0].end, announcements[0]))

    # one transfer per call is what is detected today
    return tuple(transfer_event(start, announcement, turns, rings) for start, announcement in starts[:1])


def transfer_event(
    start: float,
    announcement: Utterance | None,
    turns: Sequence[Turn],
    rings: Sequence[Span],
    end: float | None = None,
    target: str | None = None,
    source: str = "audio",
) -> Event:
    """A transfer from ``start`` until the next party speaks (or ``end`` when known)."""
    answered = [t for t in turns if t.start >= start and not t.backchannel]
    if end is None:
        end = answered[0].start if answered else max((t.end for t in turns), default=start)
    new_party = next((t for t in answered if t.role == Role.OTHER), None)
    warm = new_party is not None and any(t.role == Role.AGENT and t.start >= new_party.start for t in turns)
    match = _TARGET.search(normalize(announcement.text)) if announcement else None
    return Event(
        EventType.TRANSFER,
        round(start, 3),
        round(max(end, start), 3),
        TransferDetails(
            target=target or (match.group(1) if match else None),
            warm=warm,
            announced=announcement is not None,
            new_voice=new_party is not None,
            ringback=any(r.intersects(Span(start, max(end, start + 0.1))) for r in rings),
        ),
        source=source,
    )


def _announcement_before(
    start: float, utterances: Sequence[Utterance], cues: TimingCues, settings: TimingSettings
) -> Utterance | None:
    said = [
        u for u in utterances
        if u.role == Role.AGENT and u.end <= start + 1.0 and start - u.end <= settings.transfer_announce_window_s
        and count_phrases(u.text, cues.transfer_announce)
    ]
    return said[-1] if said else None


@dataclass(frozen=True)
class Handover:
    """A customer turn answered by the agent's next turn."""

    customer: Turn
    agent: Turn

    @property
    def latency_s(self) -> float:
        return self.agent.start - self.customer.end


def response_handovers(turns: Sequence[Turn], events: Sequence[Event] = ()) -> tuple[Handover, ...]:
    """The hand-overs whose gaps are the response latency (metrics.md): from the end of a
    customer turn to the start of the next agent turn, backchannels on either side skipped.

        customer: |==question==|              |==q==|
        agent:                   |==answer==|   ~~hold~~   |==|
        latency:               ^^                (a wait: not counted)

    A gap that holds a hold or a transfer is not response time (the caller was asked to
    wait); the rubric's ``attentiveness`` judges these same hand-overs."""
    waits = [e.span for e in events if e.type in (EventType.HOLD, EventType.TRANSFER)]
    out: list[Handover] = []
    ordered = sorted(turns, key=lambda t: t.start)
    for i, t in enumerate(ordered):
        if t.role != Role.CUSTOMER or t.backchannel:
            continue
        nxt = next((n for n in ordered[i + 1 :] if n.start >= t.end and not n.backchannel), None)
        if nxt is None or nxt.role != Role.AGENT:
            continue
        if any(w.start < nxt.start and w.end > t.end for w in waits):
            continue
        out.append(Handover(t, nxt))
    return tuple(out)


def compute_metrics(
    turns: Sequence[Turn],
    utterances: Sequence[Utterance],
    events: Sequence[Event],
    duration_s: float,
) -> dict[str, float | int | None]:
    """The per-call metrics of interfaces.md (seconds, counts, words per minute)."""

    def role_spans(role: Role) -> list[Span]:
        return [t.span for t in turns if t.role == role]

    agent, customer = role_spans(Role.AGENT), role_spans(Role.CUSTOMER)
    agent_talk, customer_talk = total_duration(agent), total_duration(customer)
    overtalk = total_duration(intersect_timelines(agent, customer))

    def wpm(role: Role, talk: float) -> float | None:
        n = sum(len(u.words) or len(u.text.split()) for u in utterances if u.role == role)
        return round(n / (talk / 60), 1) if talk > 0 else None

    latencies = [h.latency_s for h in response_handovers(turns, events)]

    def of_type(type_: EventType) -> list[Event]:
        return [e for e in events if e.type == type_]

    holds, dead = of_type(EventType.HOLD), of_type(EventType.DEAD_AIR)
    interruptions = of_type(EventType.INTERRUPTION)
    hold_lengths = [e.end - e.start for e in holds]
    dead_lengths = [e.end - e.start for e in dead]
    longest = lambda spans: round(max((s.duration for s in spans), default=0.0), 3)  # noqa: E731
    pct = lambda x: round(100 * x / duration_s, 1) if duration_s > 0 else None  # noqa: E731
    return {
        "duration_s": round(duration_s, 3),
        "agent_talk_s": round(agent_talk, 3),
        "customer_talk_s": round(customer_talk, 3),
        "agent_talk_pct": pct(agent_talk),
        "customer_talk_pct": pct(customer_talk),
        "overtalk_s": round(overtalk, 3),
        "overtalk_pct": pct(overtalk),
        "agent_interruptions": sum(1 for e in interruptions if e.details.by == Role.AGENT),
        "customer_interruptions": sum(1 for e in interruptions if e.details.by == Role.CUSTOMER),
        "agent_interruption_overlap_s": round(sum(e.details.overlap_s or 0.0 for e in interruptions
                                                  if e.details.by == Role.AGENT), 3),
        "hold_count": len(holds),
        "hold_total_s": round(sum(hold_lengths), 3),
        "hold_longest_s": round(max(hold_lengths, default=0.0), 3),
        "hold_over_limit": sum(1 for e in holds if e.details.over_limit),
        "hold_unannounced": sum(1 for e in holds if not e.details.announced),
        "transfer_count": len(of_type(EventType.TRANSFER)),
        "dead_air_count": len(dead),
        "dead_air_total_s": round(sum(dead_lengths), 3),
        "dead_air_longest_s": round(max(dead_lengths, default=0.0), 3),
        "dead_air_pct": pct(sum(dead_lengths)),
        "agent_wpm": wpm(Role.AGENT, agent_talk),
        "customer_wpm": wpm(Role.CUSTOMER, customer_talk),
        "response_latency_mean_s": round(float(np.mean(latencies)), 3) if latencies else None,
        "response_latency_p90_s": round(float(np.percentile(latencies, 90)), 3) if latencies else None,
        "agent_longest_monologue_s": longest(agent),
        "customer_longest_monologue_s": longest(customer),
    }


def analyse_timing(
    activity: SpeakerActivity,
    roles: Mapping[str, Role],
    utterances: Sequence[Utterance],
    duration_s: float,
    settings: TimingSettings,
    cues: TimingCues,
    sounds: Sequence[SoundSegment] = (),
    given: Sequence[Event] = (),
) -> TimingReport:
    """Turns, events and metrics of one call, recording the thresholds used.

    ``given`` are holds/transfers known from telephony metadata: for each type present
    they replace detection (their details are still worked out from the call)."""
    turns = build_turns(activity, roles, utterances, settings, cues)
    interruptions = find_interruptions(turns, utterances, settings)
    given_transfers = [e for e in given if e.type is EventType.TRANSFER]
    given_holds = [e for e in given if e.type is EventType.HOLD]
    if given_transfers:
        rings = [s.span for s in sounds if s.kind is SoundKind.RINGBACK]
        transfers = tuple(
            transfer_event(e.start, _announcement_before(e.start, utterances, cues, settings), turns, rings, e.end,
                           e.details.target, source=e.source)
            for e in given_transfers
        )
    else:
        transfers = find_transfers(turns, utterances, sounds, cues, settings)
    holds, dead_air = find_holds_and_dead_air(
        turns, utterances, sounds, settings, cues, transfers, given_holds=given_holds or None
    )
    holds += tuple(hold_event(e.span, utterances, sounds, settings, cues, source=e.source) for e in given_holds)
    events = tuple(sorted(interruptions + holds + transfers + dead_air, key=lambda e: (e.start, e.type.value)))
    metrics = compute_metrics(turns, utterances, events, duration_s)
    return TimingReport(turns=turns, events=events, metrics=metrics, thresholds=settings.as_dict())
