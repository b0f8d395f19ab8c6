"""The supervisors' pages: the dashboard, the coaching list and the knowledge-base
gaps, and the tables their exports hold (routers/exports.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from call_qa import db as dbmod
from call_qa.db import aggregates, browse, feedback
from call_qa.web import charts, exports, kb, params, trends
from call_qa.web.deps import Reader, State, WebState, render

router = APIRouter()

@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, ws: Reader, state: State, period: params.Recent, agent: params.Text = None,
              team: params.Text = None, group: params.Group = "agent", compare: params.Compare = "none",
              pick: params.Picks = [], rank: params.Rank = "none", n: params.RankN = 5,  # noqa: B006
              rate: params.Rate = "call") -> Response:
    """Trends per day and per ISO week (for all calls, or one line per picked agent or
    team, or the top/bottom N), tables per day, week and agent or team, the score
    distribution, dispute figures."""
    start, end, offset = period.start, period.end, state.offset
    # Two queries (per day, per agent|team): one per (agent, day) folded in Python
    # measured slower (its GROUP BY has ~30x the groups).
    days = dbmod.timing_summary(state.db, "day", start=start, end=end, agent_id=agent, team=team, utc_offset=offset)
    groups = dbmod.timing_summary(state.db, group, start=start, end=end, agent_id=agent, team=team,
                                  utc_offset=offset)
    known = trends.decided(state, start=start, end=end, agent=agent, team=team)
    names: list[str | None] = list(pick)
    if compare != "none" and (rank != "none" or not names):  # no pick: the bottom N
        names = trends.ranked(state, start=start, end=end, compare=compare, rank=rank if rank != "none" else "bottom",
                              n=n, agent=agent, team=team, known=known, rows=groups if compare == group else None)
    # One set of cells for both steps (a week is summed from its days).
    cells = days if compare == "none" else trends.cells(state, start=start, end=end, compare=compare, agent=agent,
                                                         team=team)
    sets = [trends.build(state, start=start, end=end, step=step, compare=compare, names=names, rate=rate,
                         agent=agent, team=team, known=known, rows=cells) for step in ("day", "week")]
    reviewed_groups = trends.group_reviewed(groups, group, known)
    reviewed_days = trends.group_reviewed(days, "day", known)
    weeks = weekly(days)
    agents, teams = state.agents_teams()
    by = "agent" if group == "agent" else "team"
    distribution = aggregates.score_distribution(state.db, by, start=start, end=end, team=team,
                                                       utc_offset=offset)
    since = dt.datetime.combine(start, dt.time(), tzinfo=state.zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=state.zone)
    disputes = feedback.dispute_stats(state.db, start=since, end=until)[0]
    disputes_by_agent = feedback.dispute_stats(state.db, start=since, end=until, by_agent=True)
    query = urlencode({k: v for k, v in {"start": start, "end": end, "agent": agent or "", "team": team or "",
                                          "group": group}.items() if v})
    return render(request, "dashboard.html", ws, disputes=disputes, disputes_by_agent=disputes_by_agent,
                  days=days, groups=groups, group=group, weeks=weeks, sets=sets, start=start, end=end, agent=agent,
                  team=team, agents=agents, teams=teams, compare=compare, pick=pick, names=names, rank=rank, n=n,
                  rate=rate, rates=trends.RATES, reviewed_groups=reviewed_groups, reviewed_days=reviewed_days,
                  distribution=distribution, bands=aggregates.SCORE_BANDS, query=query)


@router.get("/dashboard/items", response_class=HTMLResponse)
def items_failed_most(request: Request, ws: Reader, state: State, period: params.Recent) -> Response:
    """Per team, the items failed most often in the period (verdicts in force). Its
    own page: it reads every item of the period (~200 ms at 100,000 calls)."""
    outcomes = aggregates.item_outcomes(state.db, "team", start=period.start, end=period.end,
                                        utc_offset=state.offset)
    return render(request, "dashboard_items.html", ws, worst_items=worst_items(outcomes), start=period.start,
                  end=period.end, query=urlencode({"start": period.start, "end": period.end}))


def worst_items(outcomes: list[Any], per_team: int = 5) -> list[Any]:
    """Per team, the ``per_team`` items failed most often (ties: by item id)."""
    out: list[Any] = []
    seen: dict[Any, int] = {}
    for o in outcomes:  # sorted by team, then fail rate (highest first)
        if not o.failed or seen.get(o.key, 0) >= per_team:
            continue
        seen[o.key] = seen.get(o.key, 0) + 1
        out.append(o)
    return out


def _coaching_rows(state: WebState, period: params.Period, standard: float | None) -> tuple[Any, float]:
    standard = state.settings.web.coaching_standard if standard is None else standard
    rows = browse.coaching_list(state.db, standard, start=period.start, end=period.end, utc_offset=state.offset)
    return rows, standard


@router.get("/coaching", response_class=HTMLResponse)
def coaching(request: Request, ws: Reader, state: State, period: params.Recent,
             standard: params.Score = None) -> Response:
    """Agents under the coaching standard, weakest first."""
    rows, standard = _coaching_rows(state, period, standard)
    start, end = period.start, period.end
    return render(request, "coaching.html", ws, rows=rows, standard=standard, start=start, end=end,
                  query=urlencode({"start": start, "end": end, "standard": standard}))


def coaching_table(state: WebState, period: params.Period, standard: float | None) -> exports.Table:
    """The coaching list as an export table."""
    rows, standard = _coaching_rows(state, period, standard)
    return exports.table(
        "coaching",
        ["agent_id", "team", "calls", "mean_score", "standard", "weakest_items", "example_calls"],
        [[r.agent_id, r.team or "", r.calls, round(r.mean_score, 2), standard,
          "; ".join(f"{w.item_id} ({100 * w.rate:.0f}% of {w.scored})" for w in r.weakest),
          "; ".join(f"{c} ({'-' if s is None else f'{s:.1f}'})" for c, s in r.example_calls)] for r in rows],
    )


def _kb_groups(state: WebState, period: params.Period) -> tuple[list[kb.TopicGroup], int]:
    failures = browse.solution_failures(state.db, start=period.start, end=period.end, utc_offset=state.offset)
    settings = state.settings
    stop = kb.stopwords(str(settings.resolve_path(settings.rubric.cues_dir)))
    return kb.group_by_topic(failures, stop, topics=topics_of(state)), len(failures)


def topics_of(state: WebState) -> kb.Topics:
    """The site's named topics: configs/topics.yaml and the configured knowledge base,
    else the shipped ones (configs/knowledge/)."""
    settings = state.settings
    terms = settings.resolve_path("configs/topics.yaml")
    configured = settings.rubric.knowledge_base
    if configured:
        kb_files = (str(settings.resolve_path(configured)),)
    else:
        kb_files = tuple(str(p) for p in sorted(Path(settings.resolve_path("configs/knowledge")).glob("*.yaml")))
    return kb.load_topics(str(terms) if Path(terms).is_file() else None, kb_files)


@router.get("/kb-gaps", response_class=HTMLResponse)
def kb_gaps(request: Request, ws: Reader, state: State, period: params.Recent) -> Response:
    """Failed solution items grouped by the caller's topic."""
    groups, total = _kb_groups(state, period)
    start, end = period.start, period.end
    return render(request, "kb.html", ws, groups=groups, total=total, start=start, end=end,
                  query=urlencode({"start": start, "end": end}))


def kb_table(state: WebState, period: params.Period) -> exports.Table:
    """The knowledge-base gaps as an export table."""
    groups, _ = _kb_groups(state, period)
    return exports.table(
        "kb_gaps",
        ["topic", "calls", "failed_items", "example_calls", "example_quotes"],
        [[g.topic, g.calls, "; ".join(f"{i} ({n})" for i, n in g.failed_items),
          "; ".join(e.call_id for e in g.examples), " | ".join(e.problem for e in g.examples if e.problem)]
         for g in groups],
    )


# Columns of the per-agent/team and per-day exports: (header, attribute of TimingSummaryRow)
SUMMARY_COLUMNS = [
    ("calls", "calls"), ("failed_calls", "failed_calls"), ("call_hours", "call_hours"),
    ("agent_talk_hours", "agent_talk_hours"), ("mean_score", "mean_score"),
    ("agent_interruptions", "agent_interruptions"), ("agent_interruptions_per_call", "agent_interruptions_per_call"),
    ("agent_interruptions_per_agent_talk_hour", "agent_interruptions_per_agent_talk_hour"),
    ("customer_interruptions", "customer_interruptions"), ("overtalk_s", "overtalk_s"),
    ("overtalk_pct", "overtalk_pct"), ("hold_count", "hold_count"), ("hold_total_s", "hold_total_s"),
    ("hold_longest_s", "hold_longest_s"), ("hold_over_limit", "hold_over_limit"),
    ("hold_unannounced", "hold_unannounced"), ("transfer_count", "transfer_count"),
    ("dead_air_count", "dead_air_count"), ("dead_air_total_s", "dead_air_total_s"),
]
WEEK_COLUMNS = ["week", "calls", "mean_score", "agent_interruptions_per_call", "overtalk_pct", "holds_per_call",
                "hold_over_limit", "transfers_per_call", "dead_air_per_call"]


def _rounded(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value


def dashboard_table(state: WebState, period: params.Period, agent: str | None, team: str | None, group: str,
                    which: str) -> exports.Table:
    """One dashboard table as an export table: ``which`` is group (per agent or team,
    as ``group``), day or week."""
    by = "day" if which in ("day", "week") else group
    rows = dbmod.timing_summary(state.db, by, start=period.start, end=period.end, agent_id=agent, team=team,
                                utc_offset=state.offset)
    if which == "week":
        return exports.table("per week", WEEK_COLUMNS, [[_rounded(w[k]) for k in WEEK_COLUMNS] for w in weekly(rows)])
    key = {"day": "day", "agent": "agent_id", "team": "team"}[by]
    header = [key] + [h for h, _ in SUMMARY_COLUMNS]
    out = []
    for r in rows:
        label = getattr(r, key)
        out.append([label.isoformat() if key == "day" else label] + [_rounded(getattr(r, a)) for _, a in SUMMARY_COLUMNS])
    return exports.table(f"per {by}", header, out)


def weekly(days: list[Any]) -> list[dict[str, Any]]:
    """Day rows of timing_summary folded into ISO weeks (sums, then rates)."""
    weeks: dict[str, dict[str, float]] = {}
    for d in days:
        w = weeks.setdefault(charts.iso_week(d.day), {k: 0.0 for k in (
            "calls", "scored", "score_sum", "agent_interruptions", "overtalk_s", "call_s", "hold_count",
            "hold_over_limit", "transfer_count", "dead_air_count")})
        w["calls"] += d.calls
        w["scored"] += d.scored_calls
        w["score_sum"] += (d.mean_score or 0.0) * d.scored_calls
        w["agent_interruptions"] += d.agent_interruptions
        w["overtalk_s"] += d.overtalk_s
        w["call_s"] += d.call_hours * 3600
        w["hold_count"] += d.hold_count
        w["hold_over_limit"] += d.hold_over_limit
        w["transfer_count"] += d.transfer_count
        w["dead_air_count"] += d.dead_air_count
    out = []
    for week, w in sorted(weeks.items()):
        calls = w["calls"]

        def per_call(key: str) -> float | None:
            return w[key] / calls if calls else None

        out.append({
            "week": week,
            "calls": int(calls),
            "mean_score": w["score_sum"] / w["scored"] if w["scored"] else None,
            "agent_interruptions_per_call": per_call("agent_interruptions"),
            "overtalk_pct": 100 * w["overtalk_s"] / w["call_s"] if w["call_s"] else None,
            "holds_per_call": per_call("hold_count"),
            "hold_over_limit": int(w["hold_over_limit"]),
            "transfers_per_call": per_call("transfer_count"),
            "dead_air_per_call": per_call("dead_air_count"),
        })
    return out
