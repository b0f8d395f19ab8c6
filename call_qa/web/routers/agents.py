"""The agent feedback loop: an agent's own signed-off scorecards (with evidence and
audio), acknowledgements and disputes; the officers' dispute queue, where a second
officer (not the one whose decision is disputed) upholds or changes the verdict.

An agent sees only calls whose ``agent_id`` is its own and that are signed off
(:func:`call_qa.db.feedback.signed_off`); any other call id is answered 404, as if it
did not exist (an agent must not learn which call ids are there). The officers'
pages (``/calls``, ``/calls/{id}``) refuse agents with 403.
"""

from __future__ import annotations

from call_qa.web.i18n import N_  # marks messages for the catalogues; translated at display
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from call_qa import db as dbmod
from call_qa.db import feedback
from call_qa.domain import Verdict
from call_qa.web.deps import VERDICTS, AgentUser, BadRequest, CallId, Decider, State, checked_form, path_part, render
from call_qa.web.routers.calls import AUDIO_TYPES, MAX_REASON, audio_path, call_or_404, reviewed

router = APIRouter()


def _own_call(state: State, ws: dbmod.WebSession, call_id: str) -> None:
    """404 unless ``call_id`` is the agent's own signed-off call."""
    agent_id = ws.user.agent_id
    if not agent_id or not feedback.is_signed_off_for(state.db, call_id, agent_id):
        raise HTTPException(status_code=404, detail=N_("No signed-off call {call_id!r} of yours.").format(call_id=call_id))


@router.get("/my/calls", response_class=HTMLResponse)
def my_calls(request: Request, ws: AgentUser, state: State) -> Response:
    """The agent's signed-off scorecards, newest first."""
    rows = feedback.agent_calls(state.db, ws.user.agent_id or "", ws.user.username) if ws.user.agent_id else []
    return render(request, "my_calls.html", ws, rows=rows)


@router.get("/my/calls/{call_id}", response_class=HTMLResponse)
def my_call(request: Request, ws: AgentUser, state: State, call_id: CallId) -> Response:
    """One signed-off scorecard: the verdicts in force, evidence, audio, disputes."""
    _own_call(state, ws, call_id)
    db = state.db
    result = call_or_404(db, call_id)
    decisions = dbmod.latest_verdicts(db, call_id)
    card, _ = reviewed(state, result, decisions)
    dbmod.log_access(db, ws.user, "view_call", call_id, "agent's own scorecard")
    items = result.scorecard.items if result.scorecard is not None else ()
    return render(request, "my_call.html", ws, result=result, card=card, items=items, decisions=decisions,
                  disputes=feedback.disputes(db, call_id=call_id),
                  acknowledged=feedback.acknowledged(db, call_id, ws.user.username),
                  has_audio=audio_path(result.source) is not None)


@router.get("/my/calls/{call_id}/audio")
def my_call_audio(request: Request, ws: AgentUser, state: State, call_id: CallId) -> Response:
    """The recording of the agent's own signed-off call."""
    _own_call(state, ws, call_id)
    result = call_or_404(state.db, call_id)
    path = audio_path(result.source)
    if path is None:
        raise HTTPException(status_code=404, detail=N_("The recording of {call_id!r} is no longer at its stored path.").format(call_id=call_id))
    if request.headers.get("range", "bytes=0-").startswith("bytes=0-"):
        dbmod.log_access(state.db, ws.user, "play_audio", call_id)
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))


@router.post("/my/calls/{call_id}/acknowledge")
async def acknowledge(request: Request, ws: AgentUser, state: State, call_id: CallId) -> Response:
    """The agent has read the scorecard."""
    await checked_form(request, ws)
    _own_call(state, ws, call_id)
    if feedback.acknowledge(state.db, call_id, ws.user.agent_id or "", ws.user.username):
        dbmod.log_access(state.db, ws.user, "acknowledge", call_id)
    return RedirectResponse(f"/my/calls/{path_part(call_id)}", status_code=303)


@router.post("/my/calls/{call_id}/dispute")
async def dispute(request: Request, ws: AgentUser, state: State, call_id: CallId) -> Response:
    """The agent disputes one item, with a reason; it goes to a second officer."""
    form = await checked_form(request, ws)
    _own_call(state, ws, call_id)
    item_id = str(form.get("item_id", ""))
    reason = str(form.get("reason", "")).strip()
    if len(reason) > MAX_REASON or "\x00" in item_id + reason:
        raise BadRequest(N_("The reason must be at most {MAX_REASON} characters, without NUL characters.").format(MAX_REASON=MAX_REASON))
    try:
        made = feedback.raise_dispute(state.db, call_id, ws.user.agent_id or "", ws.user.username, item_id, reason)
    except feedback.FeedbackError as exc:
        raise BadRequest(str(exc)) from None
    dbmod.log_access(state.db, ws.user, "dispute", call_id, f"#{made.id} {item_id}: {reason}")
    return RedirectResponse(f"/my/calls/{path_part(call_id)}", status_code=303)


# --------------------------------------------------------------------------- officers


@router.get("/disputes", response_class=HTMLResponse)
def disputes(request: Request, ws: Decider, state: State) -> Response:
    """Open disputes (oldest first) and the latest reviewed ones."""
    db = state.db
    return render(request, "disputes.html", ws,
                  open=feedback.disputes(db, status=feedback.DisputeStatus.OPEN),
                  done=[d for d in feedback.disputes(db, limit=100) if d.status != feedback.DisputeStatus.OPEN])


@router.post("/disputes/{dispute_id}/resolve")
async def resolve(request: Request, ws: Decider, state: State, dispute_id: int) -> Response:
    """A second officer's review: keep the verdict (upheld) or change it."""
    form = await checked_form(request, ws)
    verdict = str(form.get("verdict", ""))
    note = str(form.get("note", "")).strip()
    if verdict not in VERDICTS or verdict == Verdict.NEEDS_REVIEW.value:
        raise BadRequest("verdict must be pass, partial, fail or not_applicable")
    if len(note) > MAX_REASON or "\x00" in note:
        raise BadRequest(N_("The note must be at most {MAX_REASON} characters, without NUL characters.").format(MAX_REASON=MAX_REASON))
    try:
        done = feedback.resolve_dispute(state.db, dispute_id, ws.user.username, verdict, note)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except feedback.SecondOfficerRequired as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from None
    except feedback.FeedbackError as exc:
        raise BadRequest(str(exc)) from None
    dbmod.log_access(state.db, ws.user, "resolve_dispute", done.call_id,
                     f"#{done.id} {done.item_id}: {done.status.value} ({done.verdict.value} -> {verdict})")
    return RedirectResponse("/disputes", status_code=303)
