"""Exports of the supervisors' tables as CSV and XLSX: the calls list (with its
filters), the dashboard's tables, the coaching list and the knowledge-base gaps.

``/calls.csv``, ``/calls.xlsx``, ``/dashboard.csv?table=group|day|week`` (+ ``.xlsx``),
``/coaching.csv``, ``/coaching.xlsx``, ``/kb-gaps.csv``, ``/kb-gaps.xlsx``. The CSV
separator follows the browser's first language (``;`` for Indonesian), ``sep=semicolon``
or ``sep=comma`` overrides it (:mod:`call_qa.web.exports`). Every export is written to
the access log (``export``: which table, the query, how many rows).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from call_qa import db as dbmod
from call_qa.db import browse
from call_qa.web import exports, params
from call_qa.web.deps import Reader, State
from call_qa.web.routers import dashboard as dash

router = APIRouter()

MAX_EXPORT_CALLS = 50_000  # a spreadsheet's worth; the list itself pages by 500


def send(request: Request, ws: dbmod.WebSession, state: State, name: str, table: exports.Table, fmt: str,
         sep: str | None) -> Response:
    """The table as a download in ``fmt`` (csv / xlsx), logged in the access log."""
    if fmt == "xlsx":
        body, media = exports.to_xlsx(table), exports.XLSX_TYPE
    else:
        body = exports.to_csv(table, exports.separator_for(request.headers.get("accept-language"), sep))
        media = exports.CSV_TYPE
    dbmod.log_access(state.db, ws.user, "export",
                     details=f"{name}.{fmt} rows={len(table.rows)} {request.url.query}".strip())
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


Format = Annotated[str, params.Choice(("csv", "xlsx"), "csv")]


def calls_table(state: State, filters: browse.CallFilter, sort: str, descending: bool) -> exports.Table:
    """Every call matching the list's filters (up to :data:`MAX_EXPORT_CALLS`)."""
    rows = []
    page = 1
    while len(rows) < MAX_EXPORT_CALLS:
        found = browse.list_call_page(state.db, filters, sort=sort, descending=descending, page=page,
                                      per_page=params.MAX_PER_PAGE)
        for r in found.rows:
            rows.append((r.call_id, r.when.astimezone(state.zone).strftime("%Y-%m-%d %H:%M"), r.status.value,
                         round(r.duration_s, 1), r.agent_id, r.team, r.language,
                         None if r.score is None else round(r.score, 2), r.needs_review, r.overrides,
                         *(r.metrics.get(m) for m in browse.LIST_METRICS), "; ".join(r.errors)))
        if len(found.rows) < params.MAX_PER_PAGE:
            break
        page += 1
    header = ("call_id", "when", "status", "duration_s", "agent_id", "team", "language", "score",
              "needs_review", "decisions", *browse.LIST_METRICS, "errors")
    return exports.table("calls", header, rows[:MAX_EXPORT_CALLS])


@router.get("/calls.{fmt}")
def calls_export(
    request: Request,
    ws: Reader,
    state: State,
    fmt: Format,
    start: params.Day = None,
    end: params.Day = None,
    agent: params.Text = None,
    team: params.Text = None,
    score_min: params.Score = None,
    score_max: params.Score = None,
    flag: params.Flags = [],  # FastAPI copies the default for each request
    q: params.Text = None,
    sort: params.SortKey = "date",
    direction: Annotated[params.Direction, Query(alias="dir")] = "desc",
    sep: params.Separator = None,
) -> Response:
    """The calls list with its filters and sort, every matching call."""
    filters = browse.CallFilter(start=start, end=end, agent_id=agent, team=team, score_min=score_min,
                                score_max=score_max, flags=frozenset(flag), text=q, utc_offset=state.offset)
    return send(request, ws, state, "calls", calls_table(state, filters, sort, direction != "asc"), fmt, sep)


@router.get("/dashboard.{fmt}")
def dashboard_export(request: Request, ws: Reader, state: State, fmt: Format, period: params.Recent,
                     agent: params.Text = None, team: params.Text = None, group: params.Group = "agent",
                     table: params.DashboardTable = "group", sep: params.Separator = None) -> Response:
    """One of the dashboard's tables: per agent/team (``group``), per day or per week."""
    data = dash.dashboard_table(state, period, agent, team, group, table)
    name = f"dashboard_{table if table != 'group' else group}_{period.start}_{period.end}"
    return send(request, ws, state, name, data, fmt, sep)


@router.get("/coaching.{fmt}")
def coaching_export(request: Request, ws: Reader, state: State, fmt: Format, period: params.Recent,
                    standard: params.Score = None, sep: params.Separator = None) -> Response:
    """The coaching list."""
    return send(request, ws, state, f"coaching_{period.start}_{period.end}",
                dash.coaching_table(state, period, standard), fmt, sep)


@router.get("/kb-gaps.{fmt}")
def kb_gaps_export(request: Request, ws: Reader, state: State, fmt: Format, period: params.Recent,
                   sep: params.Separator = None) -> Response:
    """The knowledge-base gaps."""
    return send(request, ws, state, f"kb_gaps_{period.start}_{period.end}", dash.kb_table(state, period), fmt, sep)
