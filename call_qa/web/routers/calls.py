"""The calls list, a call's page, its audio, overrides, the role swap and the
original (unredacted) transcript."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from call_qa import db as dbmod
from call_qa.db import browse
from call_qa.domain import CallResult, CallStatus, Verdict
from call_qa.web import charts, params
from call_qa.web.deps import (
    VERDICTS,
    BadRequest,
    CallId,
    Db,
    Decider,
    Reader,
    Settings,
    State,
    WebState,
    checked_form,
    path_part,
    render,
)

router = APIRouter()

AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}
MAX_REASON = 2000


@router.get("/calls", response_class=HTMLResponse)
def calls(
    request: Request,
    ws: Reader,
    state: State,
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
    page: params.Page = 1,
    per_page: params.PerPage = 50,
) -> Response:
    """One page of the calls list, filtered and sorted."""
    flags = frozenset(flag)
    filters = browse.CallFilter(start=start, end=end, agent_id=agent, team=team, score_min=score_min,
                                score_max=score_max, flags=flags, text=q, utc_offset=state.offset)
    descending = direction != "asc"
    found = browse.list_call_page(state.db, filters, sort=sort, descending=descending, page=page, per_page=per_page)
    agents, teams = state.agents_teams()
    query = request.query_params
    keep = [(k, v) for k, v in query.multi_items() if k not in ("page", "sort", "dir") and v]

    def link(**changes: Any) -> str:
        kept = [(k, v) for k, v in keep if k not in changes]
        base = {"sort": sort, "dir": "desc" if descending else "asc", "page": found.page}
        base.update(changes)
        return "/calls?" + urlencode(kept + [(k, v) for k, v in base.items()])

    return render(request, "calls.html", ws, page=found, q=query, flags=flags, all_flags=browse.FLAGS,
                  agents=agents, teams=teams, sort=sort, descending=descending, link=link)


def call_or_404(db: dbmod.Database, call_id: str) -> CallResult:
    """The stored result of ``call_id``; 404 when there is none."""
    result = dbmod.load_call_result(db, call_id)
    if result is None:
        raise HTTPException(status_code=404, detail=f"No call {call_id!r} in the database.")
    return result


def reviewed(state: WebState, result: CallResult, decisions: dict[str, Verdict]) -> tuple[Any, str | None]:
    """The scorecard with the decisions in force applied, or (None, why not)."""
    if result.scorecard is None:
        return None, None
    if not decisions:
        return result.scorecard, None
    from call_qa.rubric import rescore

    try:
        rubric = state.rubric()
        if rubric.id != result.scorecard.rubric_id:
            return None, f"scored with rubric {result.scorecard.rubric_id}, configured is {rubric.id}"
        known = {it.id for it in result.scorecard.items}
        return rescore(result.scorecard, rubric, {k: v for k, v in decisions.items() if k in known}), None
    except (ValueError, KeyError) as exc:
        return None, str(exc)


def audio_path(source: str) -> Path | None:
    """The recording file of a stored call (relative paths from the working folder, as
    ``call-qa process`` stored them), or None when it is not there."""
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    return path if path.is_file() else None


def unredacted_loader() -> Callable[..., Any] | None:
    """``db.load_unredacted_utterances`` where the installation has it (issue #9),
    looked up at request time."""
    return getattr(dbmod, "load_unredacted_utterances", None)


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, ws: Reader, state: State, call_id: CallId) -> Response:
    """Audio, timeline, transcript, scorecard (automatic and reviewed) and audit trail."""
    db = state.db
    result = call_or_404(db, call_id)
    meta = browse.call_context(db, call_id) or {}
    decisions = dbmod.latest_verdicts(db, call_id)
    card, why_not = reviewed(state, result, decisions)
    history = browse.override_history(db, call_id)
    dbmod.log_access(db, ws.user, "view_call", call_id)
    sections: list[tuple[Any, list[Any]]] = []
    if result.scorecard is not None:
        by_section: dict[str, list[Any]] = {}
        for item in result.scorecard.items:
            by_section.setdefault(item.section, []).append(item)
        sections = [(s, by_section.pop(s.id, [])) for s in result.scorecard.sections]
        sections += [(None, items) for items in by_section.values()]
    reviewed_sections = {s.id: s.score for s in card.sections} if card is not None else {}
    show_original = ws.user.role.value in state.reveal_roles() and unredacted_loader() is not None
    return render(
        request, "call.html", ws, result=result, meta=meta, decisions=decisions, reviewed_card=card,
        reviewed_error=why_not, reviewed_sections=reviewed_sections, sections=sections, history=history,
        timeline=charts.timeline(result) if result.status == CallStatus.OK else None,
        has_audio=audio_path(result.source) is not None, show_original=show_original,
    )


@router.get("/calls/{call_id}/audio")
def call_audio(request: Request, ws: Reader, db: Db, settings: Settings, call_id: CallId) -> Response:
    """The recording, found by call id (the request never names a file): the copy with
    personal data toned out for every role but ``privacy.reveal_roles`` (issue 18)."""
    from call_qa.pii.audio import AudioRedactionError
    from call_qa.web.audio_copy import audio_for_role

    source = browse.call_source(db, call_id)
    if source is None:
        raise HTTPException(status_code=404, detail=f"No call {call_id!r} in the database.")
    path = audio_path(source)
    if path is None:
        raise HTTPException(status_code=404, detail=f"The recording of {call_id!r} is no longer at its stored path.")
    try:
        served = audio_for_role(db, call_id, path, ws.user.role.value, settings.privacy)
    except AudioRedactionError as exc:
        raise HTTPException(status_code=409, detail=f"No redacted copy of this recording: {exc}") from None
    if request.headers.get("range", "bytes=0-").startswith("bytes=0-"):
        dbmod.log_access(db, ws.user, "play_original_audio" if served.original else "play_audio", call_id,
                         "unredacted recording" if served.original else "redacted copy")
    path = served.path
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))


@router.post("/calls/{call_id}/override")
async def override(request: Request, ws: Decider, db: Db, call_id: CallId) -> Response:
    """Record an officer's verdict on one item (a reason is required)."""
    form = await checked_form(request, ws)
    item_id = str(form.get("item_id", ""))
    verdict = str(form.get("verdict", ""))
    reason = str(form.get("reason", "")).strip()
    if verdict not in VERDICTS:
        raise BadRequest(f"verdict must be one of {', '.join(VERDICTS)}")
    if not reason:
        raise BadRequest("A reason is required for every override.")
    if len(reason) > MAX_REASON:
        raise BadRequest(f"The reason is longer than {MAX_REASON} characters.")
    if "\x00" in item_id + reason:  # PostgreSQL refuses NUL in a string
        raise BadRequest("The item and the reason must not contain NUL characters.")
    try:
        dbmod.add_override(db, call_id, item_id, verdict, reason, ws.user.username)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return RedirectResponse(f"/calls/{path_part(call_id)}#item-{path_part(item_id)}", status_code=303)


@router.post("/calls/{call_id}/swap-roles")
async def swap(request: Request, ws: Decider, db: Db, settings: Settings, call_id: CallId) -> Response:
    """Exchange agent and customer: the call is re-run through the one composition from
    what was heard (``call_qa.corrections``); 409 with the reason when that is gone."""
    await checked_form(request, ws)
    from call_qa.corrections import SwapRefused, swap_roles

    try:
        before, after = swap_roles(db, call_id, settings, ws.user.username)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    except SwapRefused as exc:
        raise HTTPException(status_code=409, detail=f"Roles not swapped: {exc}") from None
    dbmod.log_access(db, ws.user, "swap_roles", call_id,
                     f"score {before.scorecard.score if before.scorecard else None} -> "
                     f"{after.scorecard.score if after.scorecard else None}")
    return RedirectResponse(f"/calls/{path_part(call_id)}", status_code=303)


@router.get("/calls/{call_id}/original", response_class=HTMLResponse)
def original(request: Request, ws: Reader, state: State, call_id: CallId) -> Response:
    """The unredacted transcript, for roles in ``privacy.reveal_roles``; every view is logged."""
    if ws.user.role.value not in state.reveal_roles():
        raise HTTPException(status_code=403, detail="Your role may not see original (unredacted) transcripts.")
    loader = unredacted_loader()
    if loader is None:
        raise HTTPException(status_code=404, detail="This installation keeps no original transcripts.")
    result = call_or_404(state.db, call_id)
    utterances = loader(state.db, call_id)
    dbmod.log_access(state.db, ws.user, "view_unredacted", call_id,
                     "original transcript" + ("" if utterances is not None else " (none kept)"))
    return render(request, "original.html", ws, result=result, utterances=utterances)
