"""Core domain values of call-qa: standard library only, immutable.

Every stage of the pipeline takes some of these values and returns a new one
(see docs/architecture.md). Dictionaries appear only at the edges (JSON, YAML,
database rows); across module boundaries the values below are passed.

Times are seconds from the start of the recording.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from typing import Iterable, Mapping


# --------------------------------------------------------------------------- spans


@dataclass(frozen=True, order=True)
class Span:
    """A closed-open time interval ``[start, end)`` in seconds.

    Modelled on ``pyannote.core.Segment``: ordered by start then end, empty when
    ``end <= start``. ``a & b`` is the intersection, ``a | b`` the smallest span
    covering both.

        a:  |-------|
        b:       |-------|
        a&b:     |--|
        a|b: |-----------|
    """

    start: float
    end: float

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    def __bool__(self) -> bool:
        return bool(self.end > self.start)

    def __and__(self, other: "Span") -> "Span":
        return Span(max(self.start, other.start), min(self.end, other.end))

    def __or__(self, other: "Span") -> "Span":
        return Span(min(self.start, other.start), max(self.end, other.end))

    def overlap(self, other: "Span") -> float:
        """Seconds shared by both spans (0 when disjoint)."""
        return (self & other).duration

    def intersects(self, other: "Span") -> bool:
        return self.overlap(other) > 0

    def contains(self, t: float) -> bool:
        return self.start <= t < self.end

    def covers(self, other: "Span") -> bool:
        return self.start <= other.start and other.end <= self.end

    def gap_to(self, other: "Span") -> float:
        """Seconds between the end of this span and the start of ``other`` (negative on overlap)."""
        return other.start - self.end


def merge_spans(spans: Iterable[Span], gap: float = 0.0) -> tuple[Span, ...]:
    """Union of spans, joining those separated by less than ``gap`` seconds.

        in:   |--|  |---|         |--|
                  ^gap < 0.5
        out:  |---------|         |--|
    """
    out: list[Span] = []
    for span in sorted(s for s in spans if s):
        if out and (span.start <= out[-1].end or span.start - out[-1].end < gap):
            out[-1] = out[-1] | span
        else:
            out.append(span)
    return tuple(out)


def intersect_timelines(a: Iterable[Span], b: Iterable[Span]) -> tuple[Span, ...]:
    """Every stretch of time covered by both timelines.

        a:    |-----|     |------|
        b:       |-----------|
        out:     |--|     |--|
    """
    a_sorted, b_sorted = merge_spans(a), merge_spans(b)
    out: list[Span] = []
    i = j = 0
    while i < len(a_sorted) and j < len(b_sorted):
        common = a_sorted[i] & b_sorted[j]
        if common:
            out.append(common)
        if a_sorted[i].end < b_sorted[j].end:
            i += 1
        else:
            j += 1
    return tuple(out)


def gaps(spans: Iterable[Span], support: Span) -> tuple[Span, ...]:
    """The parts of ``support`` that no span covers (like ``Timeline.gaps``).

        support: |------------------------|
        spans:      |---|      |-----|
        gaps:    |--|   |------|     |----|
    """
    out: list[Span] = []
    cursor = support.start
    for span in merge_spans(spans):
        if span.start > cursor:
            out.append(Span(cursor, min(span.start, support.end)))
        cursor = max(cursor, span.end)
        if cursor >= support.end:
            break
    if cursor < support.end:
        out.append(Span(cursor, support.end))
    return tuple(s for s in out if s)


def total_duration(spans: Iterable[Span]) -> float:
    """Seconds covered by the union of ``spans`` (overlaps counted once)."""
    return sum(s.duration for s in merge_spans(spans))


# --------------------------------------------------------------------------- enums


class Role(str, enum.Enum):
    AGENT = "agent"
    CUSTOMER = "customer"
    OTHER = "other"  # a third party, e.g. the department a call was transferred to


class Layout(str, enum.Enum):
    STEREO = "stereo"  # one party per channel: speaker separation is exact
    MONO = "mono"  # both parties mixed: speakers come from diarization


class Verdict(str, enum.Enum):
    PASS = "pass"
    PARTIAL = "partial"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    NEEDS_REVIEW = "needs_review"

    @property
    def factor(self) -> float | None:
        """Share of an item's points this verdict earns; None when it leaves the denominator."""
        return {"pass": 1.0, "partial": 0.5, "fail": 0.0}.get(self.value)


class CallStatus(str, enum.Enum):
    OK = "ok"
    FAILED = "failed"


# --------------------------------------------------------------------------- speech


@dataclass(frozen=True)
class SpeakerActivity:
    """Where each speaker talks. Overlap between speakers is kept (it is overtalk).

    ``speakers`` maps a label (``ch0``/``ch1`` for stereo channels, ``spk0``… for
    diarization) to its speech regions, sorted and non-overlapping within a speaker.
    """

    layout: Layout
    speakers: Mapping[str, tuple[Span, ...]]
    method: str  # e.g. "stereo-vad", "mono-mfcc-cluster", "pyannote"

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted(self.speakers))

    @property
    def first_speaker(self) -> str | None:
        """The label whose speech starts first (on an inbound call, usually the agent)."""
        starts = {label: spans[0].start for label, spans in self.speakers.items() if spans}
        return min(starts, key=starts.get) if starts else None


@dataclass(frozen=True)
class Word:
    start: float
    end: float
    text: str
    probability: float = 1.0

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True)
class Utterance:
    """What one speaker said in one stretch: the unit of the transcript and of evidence."""

    start: float
    end: float
    speaker: str
    role: Role
    text: str
    words: tuple[Word, ...] = ()

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True)
class Transcript:
    """ASR output: utterances with speaker labels, before roles are known (role OTHER)."""

    language: str
    language_probability: float
    utterances: tuple[Utterance, ...]
    options: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeakerInfo:
    label: str
    role: Role
    role_confidence: float
    talk_s: float


@dataclass(frozen=True)
class RoleAssignment:
    roles: Mapping[str, Role]
    confidence: Mapping[str, float]
    method: str  # "cues", "channel_map", "truth", ...


# --------------------------------------------------------------------------- sound


class SoundKind(str, enum.Enum):
    """What the line carries while nobody speaks (docs/metrics.md: Hold, Transfer, Dead air)."""

    SILENCE = "silence"
    MUSIC = "music"
    TONE = "tone"
    RINGBACK = "ringback"


@dataclass(frozen=True)
class SoundSegment:
    """A stretch of the line with one kind of sound. ``detail`` says what was heard,
    e.g. ``"425 Hz 1.0/4.0 s cadence, 3 rings (id)"`` or ``"1000 Hz steady"``."""

    start: float
    end: float
    kind: SoundKind
    detail: str = ""

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Turn:
    """A maximal run of one speaker's activity, short pauses merged (metrics.md)."""

    start: float
    end: float
    speaker: str
    role: Role
    backchannel: bool = False

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


class EventType(str, enum.Enum):
    INTERRUPTION = "interruption"
    HOLD = "hold"
    TRANSFER = "transfer"
    DEAD_AIR = "dead_air"


def _details_from_dict(cls: type, what: str, data: Mapping[str, object], **convert: type) -> object:
    """``cls`` from a JSON mapping: missing keys take the field's default, an unknown key
    is an error that names it (a typo must not silently drop an attribute)."""
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ValueError(f"{what} details: unknown key(s) {', '.join(map(repr, unknown))} (known: {', '.join(names)})")
    values = {k: (convert[k](v) if k in convert and v is not None else v) for k, v in data.items()}
    try:
        return cls(**values)
    except TypeError as exc:  # a required field missing
        raise ValueError(f"{what} details: {exc}") from None


def _details_to_dict(details: object) -> dict[str, object]:
    """The JSON mapping of a details value, in field order (the per-call JSON's key order)."""
    return {f.name: (v.value if isinstance(v := getattr(details, f.name), enum.Enum) else v) for f in fields(details)}


@dataclass(frozen=True)
class InterruptionDetails:
    """``by`` (the interrupter's role) cut into ``of``'s turn; ``successful`` when ``of``
    stopped within ``interruption_yield_s``; ``overlap_s`` of talk-over; the words of both."""

    by: Role
    of: Role
    by_speaker: str = ""
    of_speaker: str = ""
    successful: bool = False
    overlap_s: float | None = None
    by_words: str = ""
    of_words: str = ""

    def to_dict(self) -> dict[str, object]:
        return _details_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "InterruptionDetails":
        return _details_from_dict(cls, "interruption", data, by=Role, of=Role)  # type: ignore[return-value]


@dataclass(frozen=True)
class HoldDetails:
    """What the line carried (``kind``: music, tone or silence; a ringback reads as tone),
    whether the agent announced the hold and thanked the caller after it, whether it ran
    over ``hold_max_s``. None: not worked out (a hold from telephony metadata before the
    timing stage has looked at it)."""

    kind: SoundKind | None = None
    announced: bool | None = None
    thanked: bool | None = None
    over_limit: bool | None = None
    duration_s: float | None = None

    def to_dict(self) -> dict[str, object]:
        return _details_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "HoldDetails":
        return _details_from_dict(cls, "hold", data, kind=SoundKind)  # type: ignore[return-value]


@dataclass(frozen=True)
class TransferDetails:
    """Where the call went (``target`` as said, or from metadata), warm (the agent spoke
    after the new party answered) or blind, whether it was announced, whether a new voice
    answered and ringback was heard. None: not worked out (a transfer from metadata)."""

    target: str | None = None
    warm: bool | None = None
    announced: bool | None = None
    new_voice: bool | None = None
    ringback: bool | None = None

    def to_dict(self) -> dict[str, object]:
        return _details_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "TransferDetails":
        return _details_from_dict(cls, "transfer", data)  # type: ignore[return-value]


@dataclass(frozen=True)
class DeadAirDetails:
    """Silence of at least ``dead_air_min_s`` outside holds and transfers."""

    duration_s: float | None = None

    def to_dict(self) -> dict[str, object]:
        return _details_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "DeadAirDetails":
        return _details_from_dict(cls, "dead_air", data)  # type: ignore[return-value]


EventDetails = InterruptionDetails | HoldDetails | TransferDetails | DeadAirDetails

DETAILS_TYPES: Mapping[EventType, type] = {
    EventType.INTERRUPTION: InterruptionDetails,
    EventType.HOLD: HoldDetails,
    EventType.TRANSFER: TransferDetails,
    EventType.DEAD_AIR: DeadAirDetails,
}


@dataclass(frozen=True)
class Event:
    """A timing event. ``details`` holds the type-specific fields of interfaces.md, typed
    per event type (``DETAILS_TYPES``); omitted, they are that type's defaults (nothing
    worked out yet). ``source`` says what found it. ``to_dict``/``from_dict`` are for the
    edges (JSON, database rows): the details' fields sit beside type, start and end."""

    type: EventType
    start: float
    end: float
    details: EventDetails = None  # type: ignore[assignment]
    source: str = "audio"

    def __post_init__(self) -> None:
        expected = DETAILS_TYPES[EventType(self.type)]
        if self.details is None:
            object.__setattr__(self, "details", expected())
        elif not isinstance(self.details, expected):
            raise TypeError(f"a {EventType(self.type).value} event needs {expected.__name__}, "
                            f"not {type(self.details).__name__}")

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)

    def to_dict(self) -> dict[str, object]:
        """The event as in the per-call JSON (interfaces.md)."""
        return {"type": EventType(self.type).value, "start": self.start, "end": self.end,
                **self.details.to_dict(), "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> "Event":
        """An event from its per-call JSON form (``source`` defaults to ``audio``)."""
        rest = {k: v for k, v in data.items() if k not in ("type", "start", "end", "source")}
        type_ = EventType(str(data["type"]))
        return cls(type_, float(data["start"]), float(data["end"]),  # type: ignore[arg-type]
                   DETAILS_TYPES[type_].from_dict(rest), str(data.get("source", "audio")))


@dataclass(frozen=True)
class TimingReport:
    turns: tuple[Turn, ...]
    events: tuple[Event, ...]
    metrics: Mapping[str, float | int | None]
    thresholds: Mapping[str, float]

    def events_of(self, type_: EventType) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.type == type_)


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Evidence:
    start: float
    end: float
    speaker: str
    role: Role
    quote: str
    reason: str


@dataclass(frozen=True)
class ItemResult:
    id: str
    section: str
    verdict: Verdict
    points: float
    max_points: float
    confidence: float
    evidence: tuple[Evidence, ...] = ()
    reason: str = ""
    critical: bool = False


@dataclass(frozen=True)
class SectionScore:
    id: str
    score: float | None  # 0-100, None when every item was n/a or awaits review
    weight: float


@dataclass(frozen=True)
class Scorecard:
    rubric_id: str
    rubric_version: str
    score: float | None
    needs_review: int
    sections: tuple[SectionScore, ...]
    items: tuple[ItemResult, ...]

    def item(self, item_id: str) -> ItemResult:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)


# --------------------------------------------------------------------------- personal data


class PersonalDataType(str, enum.Enum):
    """Kinds of personal data found in transcripts (docs/personal-data.md); the
    redaction placeholder is ``[NIK]``, ``[NPWP]``, … (``placeholder``)."""

    NIK = "nik"
    NPWP = "npwp"
    PHONE = "phone"
    EMAIL = "email"
    ACCOUNT = "account"
    CARD = "card"
    DOB = "dob"
    ADDRESS = "address"
    NAME = "name"

    @property
    def placeholder(self) -> str:
        return f"[{self.name}]"


@dataclass(frozen=True)
class PersonalDataFinding:
    """One piece of personal data in the transcript.

    ``words`` are (utterance index, word index) pairs into the call's utterances, in
    time order; an identifier read across two Whisper segments has words in both.
    ``value`` is the normalised original (digits, address text): it exists only in
    memory and, while retention keeps originals, in the database — never in exports.
    """

    type: PersonalDataType
    start: float
    end: float
    speaker: str
    role: Role
    words: tuple[tuple[int, int], ...]
    confidence: float
    value: str | None = None
    form: str = ""  # digits | spoken | mixed | formatted | text
    reason: str = ""

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True)
class PrivacyFlag:
    """The agent exposed personal data: ``kind`` is ``readback`` (read the caller's full
    identifier back), ``other_person`` (said a different identifier of a type the caller
    gave) or ``disclosure`` (said a full identifier of a type the caller never said).
    ``critical`` when configuration makes it zero the call's score."""

    kind: str
    type: PersonalDataType
    start: float
    end: float
    speaker: str
    role: Role
    confidence: float
    detail: str = ""
    critical: bool = False


# --------------------------------------------------------------------------- heard


@dataclass(frozen=True)
class VoiceSplit:
    """A second voice found on one stereo channel (a party bridged onto that leg after a
    transfer): where it speaks and how clearly apart it is from the leg's own voice."""

    label: str  # the channel's label, e.g. "ch0"
    new_label: str  # "ch0b"
    change_at: float  # where the new voice first speaks
    spans: tuple[Span, ...]  # the new voice's speech
    separation: float  # 1 - mean cosine of the new voice's regions to the leg's own voice


@dataclass(frozen=True)
class Heard:
    """What was heard of a call, before anything is concluded from it: the input of
    the one composition after listening (``call_qa.compose.conclude``).

    From audio: who spoke when, the words by speaker label (role OTHER), the line's
    sounds. From a transcript: the utterances with their given roles, activity = the
    utterance spans, no sounds. ``given``: holds/transfers known beforehand (telephony
    metadata; a transcript's new-party transfer), which replace detection for their
    type. ``assignment``: roles pinned instead of assigned (a transcript's roles, an
    officer's swap); None assigns them from what each party says.
    """

    source: str
    content_hash: str
    duration: float
    layout: Layout | None
    original_channels: int
    activity: SpeakerActivity
    utterances: tuple[Utterance, ...]
    language: str
    language_probability: float = 1.0
    second_voices: tuple[VoiceSplit, ...] = ()
    sounds: tuple[SoundSegment, ...] = ()
    given: tuple[Event, ...] = ()
    assignment: RoleAssignment | None = None
    asr_model: str | None = None
    asr: Mapping[str, object] = field(default_factory=dict)
    extra: Mapping[str, object] = field(default_factory=dict)  # recorded in the call's settings


# --------------------------------------------------------------------------- call


@dataclass(frozen=True)
class CallResult:
    """Everything the pipeline learned about one recording: the per-call JSON document."""

    call_id: str
    source: str
    content_hash: str
    settings_hash: str
    status: CallStatus
    duration_s: float = 0.0
    channels: int = 0
    layout: Layout | None = None
    language: str | None = None
    settings: Mapping[str, object] = field(default_factory=dict)
    speakers: tuple[SpeakerInfo, ...] = ()
    turns: tuple[Turn, ...] = ()
    utterances: tuple[Utterance, ...] = ()
    events: tuple[Event, ...] = ()
    metrics: Mapping[str, float | int | None] = field(default_factory=dict)
    scorecard: Scorecard | None = None
    errors: tuple[str, ...] = ()
    # Personal data (call_qa.pii): findings on the full transcript, flags, and the
    # unredacted utterances (None when originals are not kept). ``utterances`` and the
    # scorecard are redacted when redaction is on; ``originals`` is never exported.
    personal_data: tuple[PersonalDataFinding, ...] = ()
    privacy_flags: tuple[PrivacyFlag, ...] = ()
    originals: tuple[Utterance, ...] | None = None
    # What was heard, with the roles used (database only, kept and deleted with the
    # originals): an officer's swap re-runs the composition from it.
    heard: Heard | None = None
