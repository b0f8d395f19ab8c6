"""The cells of ``call_daily`` computed directly in Python from what the repository
returns (a module, not conftest, so the db and web tests can both import it)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.db.daily import LONGEST, SUMMED, TOTALS
from call_qa.domain import CallStatus, Verdict


def expected_cells(database: dbmod.Database, utc_offset: dt.timedelta) -> dict[tuple, dict[str, float]]:
    """(day, agent_id, team) -> totals, from every stored call."""
    cells: dict[tuple, dict[str, float]] = {}
    for summary in dbmod.list_calls(database):
        context = dbmod.browse.call_context(database, summary.call_id)
        when = context["recorded_at"] or context["processed_at"]
        key = ((when + utc_offset).date(), context["agent_id"], context["team"])
        cell = cells.setdefault(key, {name: 0.0 for name in TOTALS})
        if summary.status != CallStatus.OK:
            cell["failed_calls"] += 1
            continue
        m = summary.metrics
        cell["calls"] += 1
        cell["call_s"] += summary.duration_s
        for name in SUMMED:
            cell[name] += m.get(name) or 0.0
        for name in LONGEST:
            cell[name] = max(cell[name], m.get(name) or 0.0)
        if m.get("agent_wpm") is not None:
            cell["wpm_x_talk"] += m["agent_wpm"] * (m.get("agent_talk_s") or 0.0)
            cell["wpm_talk_s"] += m.get("agent_talk_s") or 0.0
        if summary.score is not None:
            cell["scored_calls"] += 1
            cell["score_sum"] += summary.score
        result = dbmod.load_call_result(database, summary.call_id)
        if result.scorecard is not None:
            decided = dbmod.latest_verdicts(database, summary.call_id)
            if decided:
                in_force = [decided.get(it.id, it.verdict) for it in result.scorecard.items]
                cell["items_awaiting_review"] += sum(v == Verdict.NEEDS_REVIEW for v in in_force)
            else:
                cell["items_awaiting_review"] += result.scorecard.needs_review
    return cells


def stored_cells(database: dbmod.Database) -> dict[tuple, dict[str, float]]:
    """The rows of call_daily, keyed like :func:`expected_cells` (a key twice fails)."""
    cells: dict[tuple, dict[str, float]] = {}
    with database.engine.connect() as conn:
        for row in conn.execute(sa.text("SELECT * FROM call_daily")).mappings():
            day = row["day"] if isinstance(row["day"], dt.date) else dt.date.fromisoformat(row["day"])
            key = (day, row["agent_id"], row["team"])
            assert key not in cells, f"cell {key} stored twice"
            cells[key] = {name: float(row[name]) for name in TOTALS}
    return cells


def assert_cells_match(database: dbmod.Database, utc_offset: dt.timedelta = dt.timedelta(minutes=420)) -> None:
    expected = expected_cells(database, utc_offset)
    stored = stored_cells(database)
    assert set(stored) == set(expected)
    for key, totals in expected.items():
        for name, value in totals.items():
            assert abs(stored[key][name] - value) <= 1e-9 * max(1.0, abs(value)), (key, name, stored[key][name], value)
