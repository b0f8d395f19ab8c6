"""Routes of the web app. See ``call_qa/web/__init__.py`` and ``docs/webapp.md``.

Security model
--------------
- Every route but ``/login`` and ``/static`` needs a valid session (cookie holding a
  random token; the database keeps only its SHA-256 and an absolute expiry of
  ``web.session_minutes``). Without one, pages redirect to ``/login``.
- Each route names the roles allowed (:data:`ROLES_READ`, ...); others get 403.
- Every POST form carries the session's CSRF token (the login form a double-submit
  cookie token); a missing or wrong token is refused with 403 before anything runs.
- Audio is served by call id: the path comes from the ``calls`` row, never from the
  request, so no request can name a file.
- Pages are sent with ``Cache-Control: no-store`` and a Content-Security-Policy that
  allows only this server's own scripts, styles and media.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import logging
import secrets
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from call_qa import db as dbmod
from call_qa.config import PipelineSettings, load_settings
from call_qa.crypto import site_keyring
from call_qa.db import browse
from call_qa.db.accounts import UserRole
from call_qa.domain import CallStatus, Role, Verdict
from call_qa.web import charts, kb

log = logging.getLogger("call_qa")

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "callqa_session"
LOGIN_CSRF_COOKIE = "callqa_login_csrf"

QA, SUP, ADMIN = UserRole.QA_OFFICER, UserRole.SUPERVISOR, UserRole.ADMIN
ROLES_READ = (QA, SUP, ADMIN)  # calls list, call pages, audio, dashboard, coaching, kb gaps
ROLES_DECIDE = (QA, ADMIN)  # overrides, swaps, review queue, calibration
ROLES_ADMIN = (ADMIN,)  # users, access log

AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".flac": "audio/flac",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}
VERDICTS = [v.value for v in Verdict]
MAX_REASON = 2000
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form."""


class BadRequest(HTTPException):
    def __init__(self, detail: str) -> None:
        super().__init__(status_code=400, detail=detail)


def create_app(
    db_url: str | None = None,
    *,
    settings: PipelineSettings | None = None,
    config_path: str | Path | None = None,
    database: dbmod.Database | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """The web app on the database at ``db_url`` (``--db``, else
    ``$CALL_QA_DATABASE_URL``, else the SQLite file), opened and migrated once.

    ``settings`` (else read from ``config_path`` / ``configs/pipeline.yaml``) gives the
    web section, the rubric used to recompute reviewed scores, and the time zone.
    ``secure_cookies`` marks cookies Secure (serve over HTTPS behind a proxy).
    """
    settings = settings or load_settings(config_path)
    site_keyring(settings.privacy)  # start-up check (issue 18): the key that opens kept originals
    db = database or dbmod.open_database(db_url)
    web = settings.web
    offset = dt.timedelta(minutes=web.utc_offset_minutes)
    # The dashboard's per-day totals must be cut in this zone (rebuilt once if not).
    dbmod.ensure_daily_offset(db, offset)
    login_limit = dbmod.LoginLimit(
        max_failures=web.login_max_failures,
        max_failures_per_address=web.login_max_failures_per_address,
        window=dt.timedelta(minutes=web.login_window_minutes),
        lockout=dt.timedelta(minutes=web.login_lockout_minutes),
    )
    zone = dt.timezone(offset)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.globals.update(verdicts=VERDICTS, Role=Role, lanes=charts.LANES)
    env.filters["local"] = lambda t, fmt="%Y-%m-%d %H:%M": t.astimezone(zone).strftime(fmt) if t else "–"
    env.filters["mmss"] = charts._fmt_time
    env.filters["num"] = lambda v, spec=".1f": "–" if v is None else format(v, spec)

    app = FastAPI(title="call-qa", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
        return HTMLResponse("Log in first.", status_code=401)

    # ------------------------------------------------------------------ helpers

    def session_of(request: Request) -> dbmod.WebSession | None:
        return dbmod.find_session(db, request.cookies.get(SESSION_COOKIE, ""))

    def require(*roles: UserRole) -> Any:
        def dependency(request: Request) -> dbmod.WebSession:
            ws = session_of(request)
            if ws is None:
                raise LoginRequired()
            if ws.user.role not in roles:
                raise HTTPException(
                    status_code=403,
                    detail=f"Your role ({ws.user.role.value}) may not use this page; it needs "
                    + " or ".join(r.value for r in roles)
                    + ".",
                )
            return ws

        return Depends(dependency)

    async def checked_form(request: Request, ws: dbmod.WebSession) -> Any:
        form = await request.form()
        token = str(form.get("csrf_token", ""))
        if not token or not secrets.compare_digest(token, ws.csrf_token):
            raise HTTPException(status_code=403, detail="Missing or wrong CSRF token: reload the page and try again.")
        return form

    def render(request: Request, name: str, ws: dbmod.WebSession | None, status_code: int = 200, **context: Any) -> Response:
        context.update(
            request=request,
            user=ws.user if ws else None,
            csrf=ws.csrf_token if ws else "",
            can_decide=bool(ws and ws.user.role in ROLES_DECIDE),
            is_admin=bool(ws and ws.user.role == ADMIN),
        )
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    def parse_day(value: str | None, name: str) -> dt.date | None:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise BadRequest(f"{name} must be a date like 2026-11-27, not {value!r}") from None

    def parse_float(value: str | None, name: str) -> float | None:
        if value is None or value == "":
            return None
        try:
            return float(value)
        except ValueError:
            raise BadRequest(f"{name} must be a number, not {value!r}") from None

    def parse_int(value: str | None, name: str, default: int) -> int:
        if not value:
            return default
        try:
            return int(value)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number, not {value!r}") from None

    def today() -> dt.date:
        return dt.datetime.now(zone).date()

    def period(request: Request, days: int = 28) -> tuple[dt.date, dt.date]:
        q = request.query_params
        end = parse_day(q.get("end"), "end") or today()
        start = parse_day(q.get("start"), "start") or end - dt.timedelta(days=days - 1)
        if start > end:
            raise BadRequest(f"start ({start}) is after end ({end})")
        return start, end

    @functools.lru_cache(maxsize=2)
    def rubric() -> Any:
        from call_qa.rubric import load_rubric

        return load_rubric(settings.resolve_path(settings.rubric.phone_rubric))

    def reviewed(result: Any, decisions: dict[str, Verdict]) -> tuple[Any, str | None]:
        """The scorecard with the decisions in force applied, or (None, why not)."""
        if result.scorecard is None:
            return None, None
        if not decisions:
            return result.scorecard, None
        from call_qa.rubric import rescore

        try:
            r = rubric()
            if r.id != result.scorecard.rubric_id:
                return None, f"scored with rubric {result.scorecard.rubric_id}, configured is {r.id}"
            known = {it.id for it in result.scorecard.items}
            return rescore(result.scorecard, r, {k: v for k, v in decisions.items() if k in known}), None
        except (ValueError, KeyError) as exc:
            return None, str(exc)

    def csv_response(filename: str, header: list[str], rows: list[list[Any]]) -> Response:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    def reveal_roles() -> tuple[str, ...]:
        privacy = getattr(settings, "privacy", None)
        return tuple(getattr(privacy, "reveal_roles", ()) or ())

    def unredacted_loader() -> Callable[..., Any] | None:
        # Provided by the personal-data work (issue #9); absent until then.
        return getattr(dbmod, "load_unredacted_utterances", None)

    # ------------------------------------------------------------------ login

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/") -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = render(request, "login.html", None, next=_safe_next(next), login_csrf=token, error=None)
        response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies)
        return response

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
        token = str(form.get("csrf_token", ""))
        if not cookie or not token or not secrets.compare_digest(cookie, token):
            raise HTTPException(status_code=403, detail="Missing or wrong CSRF token: reload the login page.")
        username = str(form.get("username", "")).strip()
        nxt = _safe_next(str(form.get("next", "/")))
        address = request.client.host if request.client else "?"
        # Checked before the password, so a locked account costs no hash and a
        # guess cannot be confirmed while locked.
        left = dbmod.login_lockout_left(db, username, address, login_limit)
        if left is not None:
            minutes = max(1, -(-int(left.total_seconds()) // 60))
            dbmod.log_access(db, _anonymous(username), "login_refused",
                             details=f"username {username!r} from {address}: too many failed logins")
            response = render(
                request, "login.html", None, status_code=429, next=nxt, login_csrf=cookie,
                error=f"Too many failed logins for this username or from this address. Logging in is "
                      f"refused for {minutes} more minute{'s' if minutes != 1 else ''}; try again later "
                      "or ask an administrator.",
            )
            response.headers["Retry-After"] = str(minutes * 60)
            return response
        user = dbmod.authenticate(db, username, str(form.get("password", "")))
        if user is None:
            dbmod.record_login_failure(db, username, address, login_limit)
            dbmod.log_access(db, _anonymous(username), "login_failed", details=f"username {username!r}")
            return render(request, "login.html", None, status_code=401, next=nxt, login_csrf=cookie,
                          error="Wrong username or password (or the account is disabled).")
        dbmod.clear_login_failures(db, username)
        token_value, _ = dbmod.create_session(db, user, dt.timedelta(minutes=web.session_minutes))
        dbmod.log_access(db, user, "login")
        response = RedirectResponse(nxt, status_code=303)
        response.set_cookie(SESSION_COOKIE, token_value, max_age=web.session_minutes * 60, httponly=True,
                            samesite="lax", secure=secure_cookies)
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @app.post("/logout")
    async def logout(request: Request, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        await checked_form(request, ws)
        dbmod.end_session(db, request.cookies.get(SESSION_COOKIE, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    @app.get("/")
    def home(ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        target = {QA: "/calls", SUP: "/dashboard", ADMIN: "/calls"}[ws.user.role]
        return RedirectResponse(target, status_code=303)

    # ------------------------------------------------------------------ calls

    @app.get("/calls", response_class=HTMLResponse)
    def calls(request: Request, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        q = request.query_params
        flags = frozenset(f for f in q.getlist("flag") if f)
        bad = flags - set(browse.FLAGS)
        if bad:
            raise BadRequest(f"unknown flag {sorted(bad)[0]!r}; use {', '.join(browse.FLAGS)}")
        sort = q.get("sort") or "date"
        if sort not in browse.SORT_KEYS:
            raise BadRequest(f"sort must be one of {', '.join(browse.SORT_KEYS)}")
        filters = browse.CallFilter(
            start=parse_day(q.get("start"), "start"),
            end=parse_day(q.get("end"), "end"),
            agent_id=q.get("agent") or None,
            team=q.get("team") or None,
            score_min=parse_float(q.get("score_min"), "score_min"),
            score_max=parse_float(q.get("score_max"), "score_max"),
            flags=flags,
            text=q.get("q") or None,
            utc_offset=offset,
        )
        descending = q.get("dir", "desc") != "asc"
        page = browse.list_call_page(
            db, filters, sort=sort, descending=descending,
            page=parse_int(q.get("page"), "page", 1), per_page=parse_int(q.get("per_page"), "per_page", 50),
        )
        agents, teams = agents_teams()
        keep = [(k, v) for k, v in q.multi_items() if k not in ("page", "sort", "dir") and v]

        def link(**changes: Any) -> str:
            params = [(k, v) for k, v in keep if k not in changes]
            base = {"sort": sort, "dir": "desc" if descending else "asc", "page": page.page}
            base.update(changes)
            return "/calls?" + urlencode(params + [(k, v) for k, v in base.items()])

        return render(request, "calls.html", ws, page=page, q=q, flags=flags, all_flags=browse.FLAGS,
                      agents=agents, teams=teams, sort=sort, descending=descending, link=link)

    @functools.lru_cache(maxsize=1)
    def _agents_teams_cached(stamp: int) -> tuple[list[str], list[str]]:
        return browse.agents_and_teams(db)

    def agents_teams() -> tuple[list[str], list[str]]:
        # The filter menus may lag new agents by a minute; the query scans every call.
        return _agents_teams_cached(int(dt.datetime.now().timestamp() // 60))

    def call_or_404(call_id: str) -> Any:
        result = dbmod.load_call_result(db, call_id)
        if result is None:
            raise HTTPException(status_code=404, detail=f"No call {call_id!r} in the database.")
        return result

    @app.get("/calls/{call_id}", response_class=HTMLResponse)
    def call_page(request: Request, call_id: str, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        result = call_or_404(call_id)
        meta = browse.call_context(db, call_id) or {}
        decisions = dbmod.latest_verdicts(db, call_id)
        card, why_not = reviewed(result, decisions)
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
        show_original = ws.user.role.value in reveal_roles() and unredacted_loader() is not None
        return render(
            request, "call.html", ws, result=result, meta=meta, decisions=decisions, reviewed_card=card,
            reviewed_error=why_not, reviewed_sections=reviewed_sections, sections=sections, history=history,
            timeline=charts.timeline(result) if result.status == CallStatus.OK else None,
            has_audio=_audio_path(result.source) is not None, show_original=show_original,
        )

    @app.get("/calls/{call_id}/audio")
    def call_audio(request: Request, call_id: str, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        source = browse.call_source(db, call_id)
        if source is None:
            raise HTTPException(status_code=404, detail=f"No call {call_id!r} in the database.")
        path = _audio_path(source)
        if path is None:
            raise HTTPException(status_code=404, detail=f"The recording of {call_id!r} is no longer at its stored path.")
        # personal data toned out for everyone but privacy.reveal_roles (issue 18)
        from call_qa.pii.audio import AudioRedactionError
        from call_qa.web.audio_copy import audio_for_role

        try:
            served = audio_for_role(db, call_id, path, ws.user.role.value, settings.privacy)
        except AudioRedactionError as exc:
            raise HTTPException(status_code=409, detail=f"No redacted copy of this recording: {exc}") from None
        if request.headers.get("range", "bytes=0-").startswith("bytes=0-"):
            dbmod.log_access(db, ws.user, "play_original_audio" if served.original else "play_audio", call_id,
                             "unredacted recording" if served.original else "redacted copy")
        path = served.path
        return FileResponse(path, media_type=AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream"))

    @app.post("/calls/{call_id}/override")
    async def override(request: Request, call_id: str, ws: dbmod.WebSession = require(*ROLES_DECIDE)) -> Response:
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
        try:
            dbmod.add_override(db, call_id, item_id, verdict, reason, ws.user.username)
        except dbmod.NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        return RedirectResponse(f"/calls/{_q(call_id)}#item-{_q(item_id)}", status_code=303)

    @app.post("/calls/{call_id}/swap-roles")
    async def swap(request: Request, call_id: str, ws: dbmod.WebSession = require(*ROLES_DECIDE)) -> Response:
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
        return RedirectResponse(f"/calls/{_q(call_id)}", status_code=303)

    @app.get("/calls/{call_id}/original", response_class=HTMLResponse)
    def original(request: Request, call_id: str, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        if ws.user.role.value not in reveal_roles():
            raise HTTPException(status_code=403, detail="Your role may not see original (unredacted) transcripts.")
        loader = unredacted_loader()
        if loader is None:
            raise HTTPException(status_code=404, detail="This installation keeps no original transcripts.")
        result = call_or_404(call_id)
        utterances = loader(db, call_id)
        dbmod.log_access(db, ws.user, "view_unredacted", call_id,
                         "original transcript" + ("" if utterances is not None else " (none kept)"))
        return render(request, "original.html", ws, result=result, utterances=utterances)

    # ------------------------------------------------------------------ QA officers

    @app.get("/review", response_class=HTMLResponse)
    def review(request: Request, ws: dbmod.WebSession = require(*ROLES_DECIDE)) -> Response:
        page = max(1, parse_int(request.query_params.get("page"), "page", 1))
        items, total, capped = browse.review_queue(db, calls=50, offset=(page - 1) * 50)
        return render(request, "review.html", ws, items=items, total=total, capped=capped, page=page,
                      has_next=capped or page * 50 < total)

    @app.get("/calibration", response_class=HTMLResponse)
    def calibration(request: Request, ws: dbmod.WebSession = require(*ROLES_DECIDE)) -> Response:
        start, end = period(request, days=90)
        overall, rows = browse.calibration(db, start=start, end=end, utc_offset=offset)
        return render(request, "calibration.html", ws, overall=overall, rows=rows, start=start, end=end)

    # ------------------------------------------------------------------ supervisors

    @app.get("/dashboard", response_class=HTMLResponse)
    def dashboard(request: Request, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        q = request.query_params
        start, end = period(request)
        agent, team = q.get("agent") or None, q.get("team") or None
        group = q.get("group") or "agent"
        if group not in ("agent", "team"):
            raise BadRequest("group must be agent or team")
        # Two queries (per day, per agent|team): one per (agent, day) folded in Python
        # measured slower (its GROUP BY has ~30x the groups).
        days = dbmod.timing_summary(db, "day", start=start, end=end, agent_id=agent, team=team, utc_offset=offset)
        groups = dbmod.timing_summary(db, group, start=start, end=end, agent_id=agent, team=team, utc_offset=offset)
        weeks = _weekly(days)
        trend = [
            ("Mean score", "mean_score", ""),
            ("Agent interruptions per call", "agent_interruptions_per_call", ""),
            ("Overtalk (% of call time)", "overtalk_pct", " %"),
            ("Holds per call", "holds_per_call", ""),
            ("Holds over limit", "hold_over_limit", ""),
            ("Transfers per call", "transfers_per_call", ""),
            ("Dead air per call", "dead_air_per_call", ""),
        ]
        daily = [charts.line_chart(title, [(d.day.isoformat(), getattr(d, key)) for d in days], unit=unit)
                 for title, key, unit in trend]
        weekly = [charts.line_chart(title, [(w["week"], w[key]) for w in weeks], unit=unit)
                  for title, key, unit in trend]
        agents, teams = agents_teams()
        return render(request, "dashboard.html", ws, days=days, groups=groups, group=group, weeks=weeks,
                      daily=daily, weekly=weekly, start=start, end=end, agent=agent, team=team,
                      agents=agents, teams=teams)

    def coaching_rows(request: Request) -> tuple[Any, float, dt.date, dt.date]:
        start, end = period(request)
        standard = parse_float(request.query_params.get("standard"), "standard")
        standard = web.coaching_standard if standard is None else standard
        rows = browse.coaching_list(db, standard, start=start, end=end, utc_offset=offset)
        return rows, standard, start, end

    @app.get("/coaching", response_class=HTMLResponse)
    def coaching(request: Request, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        rows, standard, start, end = coaching_rows(request)
        return render(request, "coaching.html", ws, rows=rows, standard=standard, start=start, end=end,
                      query=urlencode({"start": start, "end": end, "standard": standard}))

    @app.get("/coaching.csv")
    def coaching_csv(request: Request, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        rows, standard, start, end = coaching_rows(request)
        return csv_response(
            f"coaching_{start}_{end}.csv",
            ["agent_id", "team", "calls", "mean_score", "standard", "weakest_items", "example_calls"],
            [[r.agent_id, r.team or "", r.calls, f"{r.mean_score:.2f}", standard,
              "; ".join(f"{w.item_id} ({100 * w.rate:.0f}% of {w.scored})" for w in r.weakest),
              "; ".join(f"{c} ({'-' if s is None else f'{s:.1f}'})" for c, s in r.example_calls)] for r in rows],
        )

    def kb_groups(request: Request) -> tuple[list[kb.TopicGroup], int, dt.date, dt.date]:
        start, end = period(request)
        failures = browse.solution_failures(db, start=start, end=end, utc_offset=offset)
        stop = kb.stopwords(str(settings.resolve_path(settings.rubric.cues_dir)))
        return kb.group_by_topic(failures, stop), len(failures), start, end

    @app.get("/kb-gaps", response_class=HTMLResponse)
    def kb_gaps(request: Request, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        groups, total, start, end = kb_groups(request)
        return render(request, "kb.html", ws, groups=groups, total=total, start=start, end=end,
                      query=urlencode({"start": start, "end": end}))

    @app.get("/kb-gaps.csv")
    def kb_gaps_csv(request: Request, ws: dbmod.WebSession = require(*ROLES_READ)) -> Response:
        groups, _, start, end = kb_groups(request)
        return csv_response(
            f"kb_gaps_{start}_{end}.csv",
            ["topic", "calls", "failed_items", "example_calls", "example_quotes"],
            [[g.topic, g.calls, "; ".join(f"{i} ({n})" for i, n in g.failed_items),
              "; ".join(e.call_id for e in g.examples), " | ".join(e.problem for e in g.examples if e.problem)]
             for g in groups],
        )

    # ------------------------------------------------------------------ admin

    @app.get("/admin/users", response_class=HTMLResponse)
    def users(request: Request, ws: dbmod.WebSession = require(*ROLES_ADMIN)) -> Response:
        return render(request, "users.html", ws, users=dbmod.list_users(db), roles=[r.value for r in UserRole],
                      error=None)

    @app.post("/admin/users")
    async def add_user(request: Request, ws: dbmod.WebSession = require(*ROLES_ADMIN)) -> Response:
        form = await checked_form(request, ws)
        try:
            dbmod.add_user(db, str(form.get("username", "")), str(form.get("password", "")), str(form.get("role", "")))
        except dbmod.AccountError as exc:
            return render(request, "users.html", ws, status_code=400, users=dbmod.list_users(db),
                          roles=[r.value for r in UserRole], error=str(exc))
        dbmod.log_access(db, ws.user, "add_user", details=str(form.get("username", "")))
        return RedirectResponse("/admin/users", status_code=303)

    @app.post("/admin/users/{username}/active")
    async def set_active(request: Request, username: str, ws: dbmod.WebSession = require(*ROLES_ADMIN)) -> Response:
        form = await checked_form(request, ws)
        active = form.get("active") == "1"
        if username == ws.user.username and not active:
            raise BadRequest("You cannot disable your own account.")
        try:
            dbmod.set_user_active(db, username, active)
        except dbmod.NotFoundError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        dbmod.log_access(db, ws.user, "enable_user" if active else "disable_user", details=username)
        return RedirectResponse("/admin/users", status_code=303)

    @app.get("/admin/access-log", response_class=HTMLResponse)
    def access_log(request: Request, ws: dbmod.WebSession = require(*ROLES_ADMIN)) -> Response:
        page = max(1, parse_int(request.query_params.get("page"), "page", 1))
        call_id = request.query_params.get("call") or None
        entries, total = dbmod.access_log(db, limit=100, offset=(page - 1) * 100, call_id=call_id)
        return render(request, "access_log.html", ws, entries=entries, total=total, page=page,
                      pages=max(1, -(-total // 100)), call_id=call_id)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        ws = session_of(request) if exc.status_code != 401 else None
        return render(request, "error.html", ws, status_code=exc.status_code, status=exc.status_code,
                      detail=exc.detail)

    return app


# --------------------------------------------------------------------------- helpers


def _safe_next(target: str) -> str:
    """Only paths on this site (no "//host" or "http://host" open redirects)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _anonymous(username: str) -> Any:
    return dbmod.User(id=0, username=username[:128] or "?", role=UserRole.QA_OFFICER, active=False,
                      created_at=dt.datetime.now(dt.timezone.utc))


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def _audio_path(source: str) -> Path | None:
    """The recording file of a stored call (relative paths from the working folder, as
    ``call-qa process`` stored them), or None when it is not there."""
    path = Path(source).expanduser()
    if not path.is_absolute():
        path = Path.cwd() / path
    return path if path.is_file() else None


def _weekly(days: list[Any]) -> list[dict[str, Any]]:
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
