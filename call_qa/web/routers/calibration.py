"""Calibration sessions: a supervisor (or admin) picks calls and officers; each
officer scores every item blind; the session's page compares them.

Blind: while scoring, an officer of a session sees the calls' transcripts and audio
and the items' names, never the machine's verdicts nor the other officers' scores;
the comparison (per-item percent agreement and Fleiss' κ among officers, agreement
with the machine, the items that disagree most) is shown to the supervisors and
admins who are not scoring in it, and to its officers once every one of them has
scored every item.
"""

from __future__ import annotations

from call_qa.web.i18n import N_  # marks messages for the catalogues; translated at display
import re
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from call_qa import db as dbmod
from call_qa.db import calibration as cal
from call_qa.db.accounts import UserRole
from call_qa.domain import Verdict
from call_qa.web import agreement
from call_qa.web.deps import ROLES_DECIDE, ROLES_PLAN, BadRequest, CallId, Planner, State, checked_form, render, require
from call_qa.web.routers.calls import call_or_404

router = APIRouter()

# Officers score; supervisors and admins plan and read the comparison.
Member = Annotated[dbmod.WebSession, require(*sorted(set(ROLES_DECIDE) | set(ROLES_PLAN), key=lambda r: r.value))]
SCORABLE = [v.value for v in Verdict if v != Verdict.NEEDS_REVIEW]
OFFICER_ROLES = (UserRole.QA_OFFICER, UserRole.ADMIN)


def _session_or_404(state: State, session_id: int) -> cal.CalibrationSession:
    try:
        return cal.get_session(state.db, session_id)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None


def complete(state: State, session: cal.CalibrationSession) -> bool:
    """Whether every officer has scored every item of every call of the session."""
    items = sum(len(v) for v in cal.session_items(state.db, session.id).values())
    counts = cal.scored_count(state.db, session.id)
    return all(counts.get(o, 0) >= items for o in session.officers)


@router.get("/calibration/sessions", response_class=HTMLResponse)
def sessions(request: Request, ws: Member, state: State) -> Response:
    """The sessions (an officer: its own) and, for supervisors and admins, the form
    to start one."""
    planner = ws.user.role in ROLES_PLAN
    listed = cal.list_sessions(state.db, officer=None if planner else ws.user.username)
    officers = [u.username for u in dbmod.list_users(state.db) if u.role in OFFICER_ROLES and u.active]
    return render(request, "calibration_sessions.html", ws, sessions=listed, officers=officers, planner=planner,
                  error=None)


@router.post("/calibration/sessions")
async def create(request: Request, ws: Planner, state: State) -> Response:
    """Start a session of the listed calls (ids separated by spaces, commas or lines)
    for the ticked officers (two at least)."""
    form = await checked_form(request, ws)
    call_ids = [c for c in re.split(r"[\s,;]+", str(form.get("calls", ""))) if c]
    officers = [str(o) for o in form.getlist("officers")]
    known = {u.username for u in dbmod.list_users(state.db) if u.role in OFFICER_ROLES}
    if any("\x00" in c for c in call_ids) or any(o not in known for o in officers):
        raise BadRequest(N_("Pick officers from the list and calls by id."))
    try:
        made = cal.create_session(state.db, str(form.get("name", "")).replace("\x00", ""), ws.user.username,
                                  call_ids, officers)
    except (ValueError, dbmod.NotFoundError) as exc:
        raise BadRequest(str(exc)) from None
    dbmod.log_access(state.db, ws.user, "calibration_session",
                     details=f"#{made.id} calls={','.join(made.calls)} officers={','.join(made.officers)}")
    return RedirectResponse(f"/calibration/sessions/{made.id}", status_code=303)


@router.get("/calibration/sessions/{session_id}", response_class=HTMLResponse)
def session_page(request: Request, ws: Member, state: State, session_id: int) -> Response:
    """An officer's blind scoring form, or the comparison (see the module docstring)."""
    session = _session_or_404(state, session_id)
    member = ws.user.username in session.officers
    if not member and ws.user.role not in ROLES_PLAN:
        raise HTTPException(status_code=403, detail=N_("You are not an officer of this calibration session."))
    done = complete(state, session)
    results = items = None
    if not member or done:
        items = agreement.item_agreement(cal.calibration_data(state.db, session_id))
        results = agreement.overall(items)
    scoring = cal.session_items(state.db, session_id) if member else {}
    own = cal.own_scores(state.db, session_id, ws.user.username) if member else {}
    scored: dict[str, int] = {}
    for call_id, _item in own:
        scored[call_id] = scored.get(call_id, 0) + 1
    return render(request, "calibration_session.html", ws, session=session, member=member, complete=done,
                  scored=scored,
                  items=items, results=results, scoring=scoring, own=own, scorable=SCORABLE,
                  counts=cal.scored_count(state.db, session_id))


@router.get("/calibration/sessions/{session_id}/calls/{call_id}", response_class=HTMLResponse)
def score_call(request: Request, ws: Member, state: State, session_id: int, call_id: CallId) -> Response:
    """The blind scoring form of one call: transcript, audio and items, no verdicts."""
    session = _session_or_404(state, session_id)
    if ws.user.username not in session.officers:
        raise HTTPException(status_code=403, detail=N_("Only the session's officers score its calls."))
    if call_id not in session.calls:
        raise HTTPException(status_code=404, detail=N_("Call {call_id!r} is not in this session.").format(call_id=call_id))
    result = call_or_404(state.db, call_id)
    items = cal.session_items(state.db, session_id).get(call_id, [])
    own = cal.own_scores(state.db, session_id, ws.user.username)
    return render(request, "calibration_score.html", ws, session=session, result=result, items=items, own=own,
                  scorable=SCORABLE)


@router.post("/calibration/sessions/{session_id}/calls/{call_id}")
async def save_scores(request: Request, ws: Member, state: State, session_id: int, call_id: CallId) -> Response:
    """Record the officer's verdicts of one call (fields ``item:<item_id>``)."""
    form = await checked_form(request, ws)
    verdicts = {k[5:]: str(v) for k, v in form.multi_items() if k.startswith("item:") and v}
    if any(v not in SCORABLE for v in verdicts.values()):
        raise BadRequest(f"verdicts must be one of {', '.join(SCORABLE)}")
    try:
        cal.record_scores(state.db, session_id, ws.user.username, call_id, verdicts)
    except PermissionError as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    dbmod.log_access(state.db, ws.user, "calibration_score", call_id, f"session #{session_id}: {len(verdicts)} items")
    return RedirectResponse(f"/calibration/sessions/{session_id}", status_code=303)
