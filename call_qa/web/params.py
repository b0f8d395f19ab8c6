"""Typed query parameters of the pages: each type parses and checks its value, so a
bad one is answered with HTTP 400 and a sentence naming the parameter (the app's
``RequestValidationError`` handler, :func:`message`) instead of reaching the database.

    /calls?page=99999999999999999999  → 400 "page must be a whole number from 1 to 1000000, not '9999…'"
    /calls?start=0001-01-01           → 400 "start must be a date like 2026-11-27, from 1900-01-01 to 2999-12-31, …"

The ranges are what the queries can take: a page past :data:`MAX_PAGE` (at 500 calls a
page, 500 million calls) would overflow SQLite's 64-bit OFFSET, and a day's UTC
bounds (the day minus the zone offset, the next day) must stay inside Python's dates.
An empty value (a form's empty field) means "not given", as the forms send it.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Sequence

from fastapi import Depends, Query
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from call_qa.db import browse
from call_qa.web.deps import BadRequest, State

MIN_DAY = dt.date(1900, 1, 1)
MAX_DAY = dt.date(2999, 12, 31)
MAX_PAGE = 1_000_000
MAX_PER_PAGE = 500  # browse.list_call_page's own cap
ERROR_TYPE = "call_qa_query"


def _refuse(message: str) -> PydanticCustomError:
    # The message is passed as context, not as the template: a value with braces
    # must not be read as a placeholder.
    return PydanticCustomError(ERROR_TYPE, "{message}", {"message": message})


def message(error: dict[str, Any]) -> str:
    """One sentence for one error of a ``RequestValidationError``: the parameter's
    name, then what it must be."""
    name = next((str(part) for part in reversed(error.get("loc", ())) if isinstance(part, str)), "a parameter")
    if error.get("type") == ERROR_TYPE:
        return f"{name} {error['msg']}"
    return f"{name}: {error.get('msg', 'is not valid')}"


def _given(value: Any) -> bool:
    return value is not None and value != ""


def _day(value: Any) -> dt.date | None:
    if not _given(value):
        return None
    must = f"must be a date like 2026-11-27, from {MIN_DAY} to {MAX_DAY}, not {value!r}"
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise _refuse(must) from None
    if not MIN_DAY <= day <= MAX_DAY:
        raise _refuse(must)
    return day


def _whole(low: int, high: int, default: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if not _given(value):
            return default
        must = f"must be a whole number from {low} to {high}, not {value!r}"
        try:
            number = int(value)
        except ValueError:  # also for more than 4300 digits
            raise _refuse(must) from None
        if not low <= number <= high:
            raise _refuse(must)
        return number

    return parse


def _number(low: float, high: float) -> Callable[[Any], float | None]:
    def parse(value: Any) -> float | None:
        if not _given(value):
            return None
        must = f"must be a number from {low:g} to {high:g}, not {value!r}"
        try:
            number = float(value)
        except ValueError:
            raise _refuse(must) from None
        if not math.isfinite(number) or not low <= number <= high:
            raise _refuse(must)
        return number

    return parse


def _choice(choices: Sequence[str], default: str) -> Callable[[Any], str]:
    wording = " or ".join(choices) if len(choices) == 2 else "one of " + ", ".join(choices)

    def parse(value: Any) -> str:
        if not _given(value):
            return default
        if value not in choices:
            raise _refuse(f"must be {wording}, not {value!r}")
        return str(value)

    return parse


def _text(value: Any) -> str | None:
    if not _given(value):
        return None
    if "\x00" in str(value):  # PostgreSQL refuses NUL in a string
        raise _refuse("must be text without NUL characters")
    return str(value)


def _flags(values: list[str]) -> list[str]:
    unknown = sorted(set(v for v in values if v) - set(browse.FLAGS))
    if unknown:
        raise _refuse(f"must be one of {', '.join(browse.FLAGS)}, not {unknown[0]!r}")
    return [v for v in dict.fromkeys(values) if v]


Day = Annotated[dt.date | None, BeforeValidator(_day)]
Page = Annotated[int, BeforeValidator(_whole(1, MAX_PAGE, 1))]
PerPage = Annotated[int, BeforeValidator(_whole(1, MAX_PER_PAGE, 50))]
Score = Annotated[float | None, BeforeValidator(_number(0, 100))]  # also the coaching standard
Text = Annotated[str | None, BeforeValidator(_text)]
SortKey = Annotated[str, BeforeValidator(_choice(browse.SORT_KEYS, "date"))]
Direction = Annotated[str, BeforeValidator(_choice(("asc", "desc"), "desc"))]
Group = Annotated[str, BeforeValidator(_choice(("agent", "team"), "agent"))]
Flags = Annotated[list[str], Query(), AfterValidator(_flags)]
Channel = Annotated[str | None, BeforeValidator(lambda v: _choice(("phone", "email"), "")(v) or None)]


def Choice(choices: Sequence[str], default: str) -> BeforeValidator:  # noqa: N802 (reads as a type)
    """The validator of a parameter that is one of ``choices`` (``default`` when not given)."""
    return BeforeValidator(_choice(tuple(choices), default))


# Exports (routers/exports.py): the CSV separator override, the dashboard's table.
Separator = Annotated[str | None, BeforeValidator(lambda v: _choice(("semicolon", "comma"), "")(v) or None)]
DashboardTable = Annotated[str, BeforeValidator(_choice(("group", "day", "week"), "group"))]


def _names(values: list[str]) -> list[str]:
    if any("\x00" in v for v in values):
        raise _refuse("must be text without NUL characters")
    return [v for v in dict.fromkeys(values) if v][:8]  # a chart shows at most 8 lines


# Dashboard trends (web/trends.py): lines per agent or team, picked or the top/bottom N.
Compare = Annotated[str, BeforeValidator(_choice(("none", "agent", "team"), "none"))]
Picks = Annotated[list[str], Query(), AfterValidator(_names)]
Rank = Annotated[str, BeforeValidator(_choice(("none", "top", "bottom"), "none"))]
RankN = Annotated[int, BeforeValidator(_whole(1, 8, 5))]
Rate = Annotated[str, BeforeValidator(_choice(("call", "hour"), "call"))]


@dataclass(frozen=True)
class Period:
    """Inclusive days of a report, in the app's time zone."""

    start: dt.date
    end: dt.date


def _last_days(days: int) -> Callable[..., Period]:
    def period(state: State, start: Day = None, end: Day = None) -> Period:
        end = end or state.today()
        start = start or end - dt.timedelta(days=days - 1)
        if start > end:
            raise BadRequest(f"start ({start}) is after end ({end})")
        return Period(start, end)

    period.__doc__ = f"``start``/``end`` of the query, by default the last {days} days to today."
    return period


# List these after the session dependency: a period's own 400 must not answer a
# request that has no session.
Recent = Annotated[Period, Depends(_last_days(28))]  # dashboard, coaching, kb gaps
Quarter = Annotated[Period, Depends(_last_days(90))]  # calibration
