"""The calls list, a call's page, its audio, overrides, the role swap and the
original (unredacted) transcript."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Callable
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from call_qa import db as dbmod
from call_qa.db import browse, workflow
from call_qa.domain import CallResult, CallStatus, Verdict
from call_qa.home import state_home
from call_qa.web import charts, i18n, params, waveform
from call_qa.web.deps import (
    VERDICTS,
    VERDICT_NAMES,
    BadRequest,
    CallId,
    Db,
    Decider,
    Reader,
    Settings,
    State,
    WebState,
    checked_form,
    language_of,
    path_part,
    render,
)
from call_qa.web.i18n import msg

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
CLAIM_MINUTES = 30  # a claim keeps other officers off a call this long (renewed by claiming again)


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
    channel: params.Channel = None,
    sort: params.SortKey = "date",
    direction: Annotated[params.Direction, Query(alias="dir")] = "desc",
    page: params.Page = 1,
    per_page: params.PerPage = 50,
) -> Response:
    """One page of the calls list, filtered and sorted."""
    flags = frozenset(flag)
    filters = browse.CallFilter(start=start, end=end, agent_id=agent, team=team, score_min=score_min,
                                score_max=score_max, flags=flags, text=q, channel=channel,
                                utc_offset=state.offset)
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
                  flag_names=FLAG_NAMES,
                  agents=agents, teams=teams, sort=sort, descending=descending, link=link)


FLAG_NAMES = {"interruptions": i18n.N_("interruptions"), "long_holds": i18n.N_("long holds"),
              "transfers": i18n.N_("transfers"), "needs_review": i18n.N_("needs review"),
              "failed": i18n.N_("failed")}


def call_or_404(db: dbmod.Database, call_id: str) -> CallResult:
    """The stored result of ``call_id``; 404 when there is none."""
    result = dbmod.load_call_result(db, call_id)
    if result is None:
        raise HTTPException(status_code=404, detail=msg("No call %(call)r in the database.", call=call_id))
    return result


def reviewed(state: WebState, result: CallResult, decisions: dict[str, Verdict]) -> tuple[Any, str | None]:
    """The scorecard with the decisions in force applied, or (None, why not)."""
    if result.scorecard is None:
        return None, None
    if not decisions:
        return result.scorecard, None
    from call_qa.rubric import rescore

    try:
        rubric = state.email_rubric() if result.scorecard.rubric_id == "email" else state.rubric()
        if rubric.id != result.scorecard.rubric_id:
            return None, f"scored with rubric {result.scorecard.rubric_id}, configured is {rubric.id}"
        known = {it.id for it in result.scorecard.items}
        return rescore(result.scorecard, rubric, {k: v for k, v in decisions.items() if k in known}), None
    except (ValueError, KeyError) as exc:
        return None, str(exc)


def awaiting(result: CallResult, decisions: dict[str, Verdict]) -> int:
    """Items whose verdict in force (latest decision, else computed) is needs_review:
    what the review queue holds of this call."""
    if result.scorecard is None:
        return 0
    return sum(decisions.get(it.id, it.verdict) == Verdict.NEEDS_REVIEW for it in result.scorecard.items)


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


def is_email(result: CallResult) -> bool:
    """Whether the stored result is an email scored by ``score-email``."""
    return result.layout is None and result.settings.get("input") == "email"


def email_thread(result: CallResult) -> list[tuple[str, list[Any]]]:
    """The email's sentences grouped into messages: consecutive sentences of one role."""
    thread: list[tuple[str, list[Any]]] = []
    for u in result.utterances:
        role = u.role.value
        if not thread or thread[-1][0] != role:
            thread.append((role, []))
        thread[-1][1].append(u)
    return thread


def peaks_of(state: WebState, result: CallResult) -> list[float] | None:
    """The recording's waveform peaks (computed on the first view, then cached)."""
    path = audio_path(result.source)
    if path is None:
        return None
    return waveform.cached_peaks(path, result.content_hash, state_home() / "peaks")


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, ws: Reader, state: State, call_id: CallId) -> Response:
    """Audio (or the email thread), timeline with waveform, transcript, scorecard
    (automatic and reviewed), comments, sign-off and audit trail on one screen."""
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
    lang = language_of(request, ws)
    names = state.rubric_names(result.scorecard.rubric_id if result.scorecard else None, lang)
    email = is_email(result)
    has_audio = not email and audio_path(result.source) is not None
    evidence_at: dict[float, list[str]] = {}
    if email and result.scorecard is not None:
        for it in result.scorecard.items:
            for ev in it.evidence:
                evidence_at.setdefault(float(int(ev.start)), []).append(names.get(it.id, it.id))
    timeline = None
    if result.status == CallStatus.OK and not email:
        timeline = charts.timeline(result, peaks_of(state, result) if has_audio else None)
    return render(
        request, "call.html", ws, result=result, meta=meta, decisions=decisions, reviewed_card=card,
        reviewed_error=why_not, reviewed_sections=reviewed_sections, sections=sections, history=history,
        timeline=timeline, has_audio=has_audio, show_original=show_original, names=names, is_email=email,
        thread=email_thread(result) if email else [], evidence_at=evidence_at,
        signoff=workflow.latest_signoff(db, call_id), comments=workflow.comments(db, call_id),
        claim=workflow.current_claim(db, call_id), awaiting=awaiting(result, decisions),
    )


@router.get("/calls/{call_id}/audio")
def call_audio(request: Request, ws: Reader, db: Db, settings: Settings, call_id: CallId) -> Response:
    """The recording, found by call id (the request never names a file): the copy with
    personal data toned out for every role but ``privacy.reveal_roles`` (issue 18).
    Serving the copy is not logged (the page preloads it; listening is logged when
    playback starts, ``/played``); serving the original is, every time."""
    from call_qa.pii.audio import AudioRedactionError
    from call_qa.web.audio_copy import audio_for_role

    source = browse.call_source(db, call_id)
    if source is None:
        raise HTTPException(status_code=404, detail=msg("No call %(call)r in the database.", call=call_id))
    path = audio_path(source)
    if path is None:
        raise HTTPException(status_code=404,
                            detail=msg("The recording of %(call)r is no longer at its stored path.", call=call_id))
    try:
        served = audio_for_role(db, call_id, path, ws.user.role.value, settings.privacy)
    except AudioRedactionError as exc:
        raise HTTPException(status_code=409, detail=msg("No redacted copy of this recording: %(why)s", why=str(exc))) from None
    if served.original and request.headers.get("range", "bytes=0-").startswith("bytes=0-"):
        dbmod.log_access(db, ws.user, "play_original_audio", call_id, "unredacted recording")
    path = served.path
    return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))


def wants_json(request: Request) -> bool:
    """Whether the page's script asked (``Accept: application/json``): it saves without
    a reload, so the audio keeps playing."""
    return "application/json" in request.headers.get("accept", "")


def _seconds(value: Any, what: str) -> float | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise BadRequest(msg("%(what)s must be a number of seconds.", what=what)) from None
    if not (0 <= number < 10**7):
        raise BadRequest(msg("%(what)s must be a number of seconds.", what=what))
    return number


@router.post("/calls/{call_id}/played")
async def played(request: Request, ws: Reader, db: Db, call_id: CallId) -> Response:
    """The page reports listening: ``event=start`` when playback really starts (from
    ``at_s``), ``event=stop`` with ``heard_s`` seconds heard since (pause, end, leaving
    the page). Each is an access-log row."""
    form = await checked_form(request, ws)
    event = str(form.get("event", ""))
    at_s = _seconds(form.get("at_s"), "at_s") or 0.0
    if event == "start":
        dbmod.log_access(db, ws.user, "play_audio", call_id, f"started at {charts.fmt_time(at_s)}")
    elif event == "stop":
        heard = _seconds(form.get("heard_s"), "heard_s") or 0.0
        dbmod.log_access(db, ws.user, "heard_audio", call_id,
                         f"heard {heard:.1f} s, stopped at {charts.fmt_time(at_s)}")
    else:
        raise BadRequest(msg("event must be start or stop."))
    return Response(status_code=204)


def _scores(request: Request, ws: Any, state: WebState, call_id: str) -> dict[str, Any]:
    """What the page shows after a decision: the reviewed score and the items awaiting."""
    result = call_or_404(state.db, call_id)
    decisions = dbmod.latest_verdicts(state.db, call_id)
    card, _why = reviewed(state, result, decisions)
    lang = language_of(request, ws)
    return {
        "reviewed_score": i18n.format_number(lang, card.score, 2) if card and card.score is not None else "–",
        "awaiting": awaiting(result, decisions),
        "decisions": {k: {"verdict": v.value, "label": i18n.translate(lang, VERDICT_NAMES[v.value])}
                      for k, v in decisions.items()},
    }


@router.post("/calls/{call_id}/override")
async def override(request: Request, ws: Decider, state: State, call_id: CallId) -> Response:
    """Record an officer's verdict on one item (a reason is required). JSON for the
    page's script, else back to the item."""
    db = state.db
    form = await checked_form(request, ws)
    item_id = str(form.get("item_id", ""))
    verdict = str(form.get("verdict", ""))
    reason = str(form.get("reason", "")).strip()
    if verdict not in VERDICTS:
        raise BadRequest(msg("verdict must be one of %(verdicts)s", verdicts=", ".join(VERDICTS)))
    if not reason:
        raise BadRequest(msg("A reason is required for every override."))
    if len(reason) > MAX_REASON:
        raise BadRequest(msg("The reason is longer than %(n)s characters.", n=MAX_REASON))
    if "\x00" in item_id + reason:  # PostgreSQL refuses NUL in a string
        raise BadRequest(msg("The item and the reason must not contain NUL characters."))
    try:
        saved = dbmod.add_override(db, call_id, item_id, verdict, reason, ws.user.username)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    if wants_json(request):
        lang = language_of(request, ws)
        return JSONResponse({
            **_scores(request, ws, state, call_id),
            "item_id": item_id,
            "audit": {"when": i18n.format_datetime(lang, saved.created_at, state.zone, seconds=True),
                      "user": saved.user,
                      "item": {**state.rubric_names("email", lang), **state.rubric_names(None, lang)}.get(item_id, item_id),
                      "verdict": i18n.translate(lang, VERDICT_NAMES[verdict]), "reason": saved.reason},
        })
    return RedirectResponse(f"/calls/{path_part(call_id)}#item-{path_part(item_id)}", status_code=303)


@router.post("/calls/{call_id}/accept-remaining")
async def accept_remaining(request: Request, ws: Decider, state: State, call_id: CallId) -> Response:
    """Accept the machine's verdict on every item no officer has decided yet, except
    those computed as needs_review (a machine that abstained has nothing to accept)."""
    form = await checked_form(request, ws)
    result = call_or_404(state.db, call_id)
    if result.scorecard is None:
        raise HTTPException(status_code=409, detail=msg("This call has no scorecard to accept."))
    decided = dbmod.latest_verdicts(state.db, call_id)
    reason = str(form.get("reason", "")).strip()[:MAX_REASON] or i18n.translate(
        language_of(request, ws), msg("Machine verdict accepted"))
    accepted = []
    for it in result.scorecard.items:
        if it.id not in decided and it.verdict != Verdict.NEEDS_REVIEW:
            dbmod.add_override(state.db, call_id, it.id, it.verdict, reason, ws.user.username)
            accepted.append(it.id)
    if wants_json(request):
        return JSONResponse({**_scores(request, ws, state, call_id), "accepted": accepted})
    return RedirectResponse(f"/calls/{path_part(call_id)}", status_code=303)


@router.post("/calls/{call_id}/signoff")
async def sign_off(request: Request, ws: Decider, state: State, call_id: CallId) -> Response:
    """Mark the call reviewed (who, when, the reviewed score); refused (409) while an
    item still awaits a decision."""
    await checked_form(request, ws)
    scores = _scores(request, ws, state, call_id)
    if scores["awaiting"]:
        raise HTTPException(status_code=409, detail=msg(
            "%(n)s item(s) still await a decision: decide them before signing the call off.", n=scores["awaiting"]))
    result = call_or_404(state.db, call_id)
    card, _why = reviewed(state, result, dbmod.latest_verdicts(state.db, call_id))
    done = workflow.sign_off(state.db, call_id, ws.user.username, card.score if card else None)
    dbmod.log_access(state.db, ws.user, "sign_off", call_id, f"reviewed score {done.score}")
    if wants_json(request):
        lang = language_of(request, ws)
        return JSONResponse({**scores, "signoff": i18n.translate(lang, msg(
            "Reviewed by %(user)s on %(when)s", user=done.user,
            when=i18n.format_datetime(lang, done.at, state.zone)))})
    return RedirectResponse(f"/calls/{path_part(call_id)}", status_code=303)


@router.post("/calls/{call_id}/claim")
async def claim(request: Request, ws: Decider, state: State, call_id: CallId) -> Response:
    """Claim the call for review for :data:`CLAIM_MINUTES` (409 while another
    officer's claim runs)."""
    import datetime as dt

    await checked_form(request, ws)
    try:
        got = workflow.claim(state.db, call_id, ws.user.username, dt.timedelta(minutes=CLAIM_MINUTES))
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except workflow.ClaimTaken as exc:
        lang = language_of(request, ws)
        raise HTTPException(status_code=409, detail=msg(
            "Claimed by %(user)s until %(when)s.", user=exc.claim.user,
            when=i18n.format_datetime(lang, exc.claim.expires_at, state.zone))) from None
    lang = language_of(request, ws)
    text = i18n.translate(lang, msg("Claimed by %(user)s until %(when)s", user=got.user,
                                    when=i18n.format_datetime(lang, got.expires_at, state.zone)))
    if wants_json(request):
        return JSONResponse({"claim": text})
    return RedirectResponse(f"/calls/{path_part(call_id)}", status_code=303)


@router.post("/calls/{call_id}/comments")
async def add_comment(request: Request, ws: Decider, state: State, call_id: CallId) -> Response:
    """A comment on the call, pinned to ``at_s`` seconds of its audio (empty: the call)."""
    form = await checked_form(request, ws)
    text = str(form.get("text", ""))
    if "\x00" in text:
        raise BadRequest(msg("The comment must not contain NUL characters."))
    at_s = _seconds(form.get("at_s"), "at_s")
    try:
        c = workflow.add_comment(state.db, call_id, ws.user.username, text, at_s)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    if wants_json(request):
        lang = language_of(request, ws)
        return JSONResponse({"id": c.id, "at_s": c.at_s, "mmss": charts.fmt_time(c.at_s) if c.at_s is not None else None,
                             "user": c.user, "when": i18n.format_datetime(lang, c.at, state.zone), "text": c.text})
    return RedirectResponse(f"/calls/{path_part(call_id)}#comments", status_code=303)


@router.post("/calls/{call_id}/swap-roles")
async def swap(request: Request, ws: Decider, db: Db, settings: Settings, call_id: CallId) -> Response:
    """Exchange agent and customer: the call is re-run through the one composition from
    what was heard (``call_qa.corrections``); 409 with the reason when that is gone.
    The form must carry ``confirm=yes`` (the page asks first)."""
    form = await checked_form(request, ws)
    if str(form.get("confirm", "")) != "yes":
        raise BadRequest(msg("Confirm the swap: it scores the call again (send confirm=yes)."))
    from call_qa.corrections import SwapRefused, swap_roles

    try:
        before, after = swap_roles(db, call_id, settings, ws.user.username)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    except SwapRefused as exc:
        raise HTTPException(status_code=409, detail=msg("Roles not swapped: %(why)s", why=str(exc))) from None
    dbmod.log_access(db, ws.user, "swap_roles", call_id,
                     f"confirmed; score {before.scorecard.score if before.scorecard else None} -> "
                     f"{after.scorecard.score if after.scorecard else None}")
    return RedirectResponse(f"/calls/{path_part(call_id)}", status_code=303)


@router.get("/calls/{call_id}/original", response_class=HTMLResponse)
def original(request: Request, ws: Reader, state: State, call_id: CallId) -> Response:
    """The unredacted transcript, for roles in ``privacy.reveal_roles``; every view is logged."""
    if ws.user.role.value not in state.reveal_roles():
        raise HTTPException(status_code=403, detail=msg("Your role may not see original (unredacted) transcripts."))
    loader = unredacted_loader()
    if loader is None:
        raise HTTPException(status_code=404, detail=msg("This installation keeps no original transcripts."))
    result = call_or_404(state.db, call_id)
    utterances = loader(state.db, call_id)
    dbmod.log_access(state.db, ws.user, "view_unredacted", call_id,
                     "original transcript" + ("" if utterances is not None else " (none kept)"))
    return render(request, "original.html", ws, result=result, utterances=utterances)
