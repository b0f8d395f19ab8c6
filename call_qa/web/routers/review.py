"""The QA officers' pages: the review queue and calibration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from call_qa.db import browse
from call_qa.web import params
from call_qa.web.deps import Decider, State, language_of, render

router = APIRouter()

PER_PAGE = 50


@router.get("/review", response_class=HTMLResponse)
def review(request: Request, ws: Decider, state: State, page: params.Page = 1) -> Response:
    """Calls with items awaiting a decision: computed ``needs_review`` and not decided,
    or escalated (decided ``needs_review``); calls another officer has claimed are
    left out until the claim expires."""
    items, total, capped = browse.review_queue(state.db, calls=PER_PAGE, offset=(page - 1) * PER_PAGE,
                                               viewer=ws.user.username)
    return render(request, "review.html", ws, items=items, total=total, capped=capped, page=page,
                  has_next=capped or page * PER_PAGE < total,
                  names={**state.rubric_names("email", language_of(request, ws)),
                         **state.rubric_names(None, language_of(request, ws))})


@router.get("/calibration", response_class=HTMLResponse)
def calibration(request: Request, ws: Decider, state: State, period: params.Quarter) -> Response:
    """Agreement of officers' decisions with the machine's verdicts (default: 90 days)."""
    overall, rows = browse.calibration(state.db, start=period.start, end=period.end, utc_offset=state.offset)
    return render(request, "calibration.html", ws, overall=overall, rows=rows, start=period.start, end=period.end,
                  names=state.rubric_names(None, language_of(request, ws)))
