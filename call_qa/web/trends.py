"""The dashboard's trends: per day or ISO week, for everyone or one line per agent or
team (picked by name, or the top / bottom N by reviewed score), rates per call or per
hour of agent talk, and the automatic and the reviewed score.

The sums come from :func:`call_qa.db.timing_summary` (the ``call_daily`` cells); the
reviewed score is the automatic one with the few decided calls
(:func:`call_qa.db.aggregates.decided_scorecards`) re-scored by
:func:`call_qa.rubric.compute_scores` on top: a group's reviewed mean =
(Σ automatic − Σ automatic of its decided calls + Σ their reviewed) ÷ the calls that
have a score after the decisions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence
from urllib.parse import urlencode

from call_qa import db as dbmod
from call_qa.db.aggregates import DecidedCard, decided_scorecards
from call_qa.domain import ItemResult, Verdict
from call_qa.web import charts
from call_qa.web.i18n import N_, Message, msg  # N_ marks messages for the catalogues; translated at display

# key of TimingSummaryRow → (name, unit); counted things and seconds, made rates below
RATE_METRICS: dict[str, tuple[str, str]] = {
    "agent_interruptions": (N_("Agent interruptions"), ""),
    "customer_interruptions": (N_("Customer interruptions"), ""),
    "overtalk_s": (N_("Overtalk"), " s"),
    "hold_count": (N_("Holds"), ""),
    "hold_total_s": (N_("Hold time"), " s"),
    "hold_over_limit": (N_("Holds over the limit"), ""),
    "transfer_count": (N_("Transfers"), ""),
    "dead_air_count": (N_("Dead air gaps"), ""),
    "dead_air_total_s": (N_("Dead air time"), " s"),
}
RATES = {"call": N_("per call"), "hour": N_("per hour of agent talk")}
ALL = "all calls"


@dataclass
class Sums:
    """What one point (one line, one day or week) adds up."""

    calls: int = 0
    agent_talk_h: float = 0.0
    scored: int = 0
    score_sum: float = 0.0
    reviewed_n: int = 0
    reviewed_sum: float = 0.0
    totals: dict[str, float] = field(default_factory=dict)

    def add(self, row: Any) -> None:
        """Add one timing_summary row."""
        self.calls += row.calls
        self.agent_talk_h += row.agent_talk_hours
        if row.mean_score is not None and row.scored_calls:
            self.scored += row.scored_calls
            self.score_sum += row.mean_score * row.scored_calls
            self.reviewed_n += row.scored_calls
            self.reviewed_sum += row.mean_score * row.scored_calls
        for key in RATE_METRICS:
            self.totals[key] = self.totals.get(key, 0.0) + float(getattr(row, key))

    def decide(self, automatic: float | None, reviewed: float | None) -> None:
        """Swap one decided call's automatic score for its reviewed one."""
        if automatic is not None:
            self.reviewed_n -= 1
            self.reviewed_sum -= automatic
        if reviewed is not None:
            self.reviewed_n += 1
            self.reviewed_sum += reviewed

    def score(self) -> float | None:
        return self.score_sum / self.scored if self.scored else None

    def reviewed(self) -> float | None:
        return self.reviewed_sum / self.reviewed_n if self.reviewed_n > 0 else None

    def rate(self, key: str, per: str) -> float | None:
        total = self.totals.get(key, 0.0)
        if per == "hour":
            return total / self.agent_talk_h if self.agent_talk_h > 0 else None
        return total / self.calls if self.calls else None


def reviewed_score(card: DecidedCard, rubric: Any) -> float | None:
    """The call's score with the verdicts in force; its automatic score when it was
    scored with another rubric than the configured one (nothing to re-score with)."""
    from call_qa.rubric.scoring import compute_scores

    if rubric is None or card.rubric_id != rubric.id:
        return card.score
    items = [ItemResult(i, "", Verdict(v), 0.0, 0.0, 1.0, critical=c) for i, v, c in card.items if rubric.has_item(i)]
    try:
        return compute_scores(items, rubric)[0]
    except (ValueError, KeyError):
        return card.score


@dataclass(frozen=True)
class Decided:
    """The period's decided calls with their reviewed scores, worked out once a request."""

    cards: tuple[tuple[DecidedCard, float | None], ...]


def decided(state: Any, *, start: dt.date, end: dt.date, agent: str | None, team: str | None) -> Decided:
    """The decided calls of the period (and filters), each re-scored with the rubric."""
    rubric = _rubric(state)
    cards = decided_scorecards(state.db, start=start, end=end, agent_id=agent, team=team, utc_offset=state.offset)
    return Decided(tuple((c, reviewed_score(c, rubric)) for c in cards))


def bucket_of(step: str) -> Callable[[dt.date], str]:
    """The x position of a day: the day itself, or its ISO week."""
    return (lambda d: d.isoformat()) if step == "day" else charts.iso_week


def buckets(start: dt.date, end: dt.date, step: str) -> list[tuple[str, dt.date, dt.date]]:
    """The x positions of the period: (label, first day, last day) clipped to it."""
    out: list[tuple[str, dt.date, dt.date]] = []
    key = bucket_of(step)
    day = start
    while day <= end:
        label = key(day)
        if out and out[-1][0] == label:
            out[-1] = (label, out[-1][1], day)
        else:
            out.append((label, day, day))
        day += dt.timedelta(days=1)
    return out


def partial_from(spans: Sequence[tuple[str, dt.date, dt.date]], step: str, today: dt.date) -> int | None:
    """The index of the last position when it is still running: it holds today, or
    (weeks) the period ends before its Sunday."""
    if not spans:
        return None
    _, first, last = spans[-1]
    running = first <= today <= last or (step == "week" and last.isoweekday() != 7)
    return len(spans) - 1 if running else None


@dataclass(frozen=True)
class TrendSet:
    """The charts of one step (day or week)."""

    step: str
    charts: tuple[charts.TrendChart, ...]
    partial: bool


def build(state: Any, *, start: dt.date, end: dt.date, step: str, compare: str, names: Sequence[str | None],
          rate: str, agent: str | None, team: str | None, known: Decided,
          rows: Sequence[Any] | None = None) -> TrendSet:
    """The trend charts of the period at ``step``: one line for all calls (score:
    automatic and reviewed), or one per name of ``compare`` (agent / team).
    ``rows``: the timing_summary cells (per day, or per agent|team and day), when the
    caller has them already."""
    if rows is None:
        rows = cells(state, start=start, end=end, compare=compare, agent=agent, team=team)
    spans = buckets(start, end, step)
    index = {label: i for i, (label, _, _) in enumerate(spans)}
    key_of = bucket_of(step)
    lines = [ALL] if compare == "none" else list(names)
    wanted = set(lines)
    sums: dict[tuple[Any, int], Sums] = {}

    def line_key(row_or_card: Any) -> Any:
        if compare == "none":
            return ALL
        return row_or_card.agent_id if compare == "agent" else row_or_card.team

    for row in rows:
        k = line_key(row)
        if k in wanted and row.day is not None:
            sums.setdefault((k, index[key_of(row.day)]), Sums()).add(row)
    for card, reviewed in known.cards:
        cell = sums.get((line_key(card), index.get(key_of(card.day), -1)))
        if cell is not None:
            cell.decide(card.score, reviewed)

    def values(k: Any, get: Callable[[Sums], float | None]) -> list[float | None]:
        return [get(sums[(k, i)]) if (k, i) in sums else None for i in range(len(spans))]

    def links(k: Any) -> list[str | None]:
        out: list[str | None] = []
        for i, (_, first, last) in enumerate(spans):
            if (k, i) not in sums:
                out.append(None)
                continue
            query = {"start": first.isoformat(), "end": last.isoformat()}
            if agent:
                query["agent"] = agent
            if team:
                query["team"] = team
            if compare == "agent" and k is not None:
                query["agent"] = k
            elif compare == "team" and k is not None:
                query["team"] = k
            out.append("/calls?" + urlencode(query))
        return out

    labels = [_short(label, step) for label, _, _ in spans]
    tips = [label if step == "day" else f"{label} ({first:%d %b}–{last:%d %b})" for label, first, last in spans]
    cut = partial_from(spans, step, state.today())
    per = RATES[rate]
    made = []

    def chart(title: str | Message, unit: str, get: Callable[[Sums], float | None], names_: Iterable[Any] = lines,
              digits: int = 2, zero: bool = True) -> charts.TrendChart:
        return charts.trend_chart(title, labels, [charts.Line(_name(k), values(k, get), links(k)) for k in names_],
                                  unit=unit, partial_from=cut, tooltips=tips, digits=digits, zero=zero)

    if compare == "none":
        made.append(charts.trend_chart(
            N_("Score (0–100): automatic and reviewed"), labels,
            [charts.Line(N_("automatic"), values(ALL, Sums.score), links(ALL)),
             charts.Line(N_("reviewed"), values(ALL, Sums.reviewed), links(ALL))],
            unit="", partial_from=cut, tooltips=tips, digits=1, zero=False))
    else:
        made.append(chart(N_("Reviewed score (0–100)"), "", Sums.reviewed, digits=1, zero=False))
        made.append(chart(N_("Automatic score (0–100)"), "", Sums.score, digits=1, zero=False))
    for key, (name, unit) in RATE_METRICS.items():
        # A Message: translated with its words (name, per) when the page is rendered.
        shown = (msg("%(name)s (seconds) %(per)s", name=name, per=per) if unit == " s"
                 else msg("%(name)s %(per)s", name=name, per=per))
        made.append(chart(shown, unit, lambda s, key=key: s.rate(key, rate)))
    return TrendSet(step, tuple(made), cut is not None)


def cells(state: Any, *, start: dt.date, end: dt.date, compare: str, agent: str | None,
          team: str | None) -> list[Any]:
    """The timing_summary rows the lines are summed from: per day, or per agent (team)
    and day."""
    group_by = "day" if compare == "none" else f"{'agent' if compare == 'agent' else 'team'}_day"
    return dbmod.timing_summary(state.db, group_by, start=start, end=end, agent_id=agent, team=team,
                                utc_offset=state.offset)


def _rubric(state: Any) -> Any:
    try:
        return state.rubric()
    except Exception:  # a missing or broken rubric file: reviewed = automatic, the page still works
        return None


def _name(k: Any) -> str:
    if k == ALL:
        return N_(ALL)
    return "(unknown)" if k is None else str(k)


def _short(label: str, step: str) -> str:
    """Axis labels: "20 Nov" for days, "W47" for weeks (the tooltip has the rest)."""
    if step == "day":
        return dt.date.fromisoformat(label).strftime("%d %b")
    return label.split("-", 1)[1]


def ranked(state: Any, *, start: dt.date, end: dt.date, compare: str, rank: str, n: int,
           agent: str | None, team: str | None, known: Decided,
           rows: Sequence[Any] | None = None) -> list[str | None]:
    """The top (best reviewed score) or bottom ``n`` agents / teams of the period
    (``rows``: its timing_summary per agent / team, when the caller has it)."""
    group = "agent" if compare == "agent" else "team"
    if rows is None:
        rows = dbmod.timing_summary(state.db, group, start=start, end=end, agent_id=agent, team=team,
                                    utc_offset=state.offset)
    sums: dict[Any, Sums] = {}
    for row in rows:
        sums.setdefault(getattr(row, "agent_id" if group == "agent" else "team"), Sums()).add(row)
    for card, reviewed in known.cards:
        cell = sums.get(card.agent_id if group == "agent" else card.team)
        if cell is not None:
            cell.decide(card.score, reviewed)
    scored = [(k, s.reviewed()) for k, s in sums.items() if s.reviewed() is not None]
    scored.sort(key=lambda kv: (kv[1], str(kv[0])), reverse=rank == "top")
    return [k for k, _ in scored[:n]]


def group_reviewed(rows: Sequence[Any], group: str, known: Decided) -> Mapping[Any, float | None]:
    """The reviewed mean score of each row of a per-agent / per-team / per-day table."""
    key = {"agent": "agent_id", "team": "team", "day": "day"}[group]
    sums: dict[Any, Sums] = {}
    for row in rows:
        sums.setdefault(getattr(row, key), Sums()).add(row)
    for card, reviewed in known.cards:
        cell = sums.get(getattr(card, key))
        if cell is not None:
            cell.decide(card.score, reviewed)
    return {k: s.reviewed() for k, s in sums.items()}
