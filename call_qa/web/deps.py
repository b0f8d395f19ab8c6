"""What the routers share: the app's state, the FastAPI dependencies for the
database, the settings and the logged-in user (by role), and the few helpers every
router uses (rendering a page, the CSRF-checked form, CSV responses).

The state is built once by :func:`call_qa.web.app.create_app` and kept on
``app.state`` (``db``, ``settings``, ``web``); routes take it through ``Depends``::

    @router.get("/review")
    def review(request: Request, ws: Decider, db: Db, page: params.Page = 1) -> Response: ...

A route lists its session dependency (:data:`Reader`, :data:`Decider`, :data:`Admin`)
first: FastAPI resolves dependencies in signature order, so a request without a
session is sent to the login form (and one with the wrong role refused) before any
other dependency can answer it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context

from call_qa import db as dbmod
from call_qa.config import PipelineSettings
from call_qa.db import browse
from call_qa.db.accounts import UserRole
from call_qa.domain import Role, Verdict
from call_qa.web import charts, i18n, reasons

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "callqa_session"
LOGIN_CSRF_COOKIE = "callqa_login_csrf"

QA, SUP, ADMIN, AGENT = UserRole.QA_OFFICER, UserRole.SUPERVISOR, UserRole.ADMIN, UserRole.AGENT
ROLES_READ = (QA, SUP, ADMIN)  # calls list, call pages, audio, dashboard, coaching, kb gaps
ROLES_DECIDE = (QA, ADMIN)  # overrides, swaps, review queue, calibration
ROLES_ADMIN = (ADMIN,)  # users, access log
ROLES_PLAN = (SUP, ADMIN)  # calibration sessions: pick calls and officers
ROLES_ANY = (QA, SUP, ADMIN, AGENT)  # log out, the home redirect

VERDICTS = [v.value for v in Verdict]


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form."""


class BadRequest(HTTPException):
    """HTTP 400 with a message for the person who sent the request."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=400, detail=detail)


class WebState:
    """What every request of one app shares: the database, the settings, the time
    zone days are cut in, the login limit, the templates, and two caches (the
    configured rubric; the agents and teams of the filter menus)."""

    def __init__(self, db: dbmod.Database, settings: PipelineSettings, *, secure_cookies: bool) -> None:
        web = settings.web
        self.db = db
        self.settings = settings
        self.secure_cookies = secure_cookies
        self.offset = dt.timedelta(minutes=web.utc_offset_minutes)
        self.zone = dt.timezone(self.offset)
        self.login_limit = dbmod.LoginLimit(
            max_failures=web.login_max_failures,
            max_failures_per_address=web.login_max_failures_per_address,
            window=dt.timedelta(minutes=web.login_window_minutes),
            lockout=dt.timedelta(minutes=web.login_lockout_minutes),
        )
        self.templates = _templates(self.zone)
        self._rubric: Any = None
        self._email_rubric: Any = None
        self._names: dict[tuple[str, str], dict[str, str]] = {}
        self._menus: tuple[int, tuple[list[str], list[str]]] | None = None

    def today(self) -> dt.date:
        """Today in the app's time zone."""
        return dt.datetime.now(self.zone).date()

    def rubric(self) -> Any:
        """The configured phone rubric, read once."""
        if self._rubric is None:
            from call_qa.rubric import load_rubric

            self._rubric = load_rubric(self.settings.resolve_path(self.settings.rubric.phone_rubric))
        return self._rubric

    def email_rubric(self) -> Any:
        """The configured email rubric, read once."""
        if self._email_rubric is None:
            from call_qa.rubric import load_rubric

            self._email_rubric = load_rubric(self.settings.resolve_path(self.settings.rubric.email_rubric))
        return self._email_rubric

    def rubric_names(self, rubric_id: str | None, lang: str) -> dict[str, str]:
        """Item and section ids → their names in the rubric's own (seed) wording, for
        ``lang`` (``en``: the English catalogue's rendering of that wording; ids not
        in the configured rubric keep their id)."""
        key = (rubric_id or "", lang)
        if key not in self._names:
            rubric = self.email_rubric() if rubric_id == "email" else self.rubric()
            t = i18n.translations(lang)
            names = {s.id: t.gettext(s.name) for s in rubric.sections}
            names.update({it.id: t.gettext(it.name) for it in rubric.items})
            self._names[key] = names
        return self._names[key]

    def agents_teams(self) -> tuple[list[str], list[str]]:
        """The agents and teams of the filter menus. They may lag new agents by a
        minute: the query scans every call."""
        minute = int(dt.datetime.now().timestamp() // 60)
        if self._menus is None or self._menus[0] != minute:
            self._menus = (minute, browse.agents_and_teams(self.db))
        return self._menus[1]

    def reveal_roles(self) -> tuple[str, ...]:
        """Roles that may open original (unredacted) transcripts (``privacy.reveal_roles``)."""
        privacy = getattr(self.settings, "privacy", None)
        return tuple(getattr(privacy, "reveal_roles", ()) or ())


def _templates(zone: dt.timezone) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.add_extension("jinja2.ext.i18n")

    # The page's catalogue comes with each render (``lang``): one environment serves
    # both languages, the trans blocks and _() look the language up in the context.
    @pass_context
    def gettext(ctx: Any, message: str) -> str:
        return i18n.translations(ctx.get("lang", i18n.DEFAULT_LANGUAGE)).gettext(message)

    @pass_context
    def ngettext(ctx: Any, singular: str, plural: str, n: int) -> str:
        return i18n.translations(ctx.get("lang", i18n.DEFAULT_LANGUAGE)).ngettext(singular, plural, n)

    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(verdicts=VERDICTS, Role=Role, lanes=charts.LANES, languages=i18n.LANGUAGE_NAMES)

    def lang_of(ctx: Any) -> str:
        return ctx.get("lang", i18n.DEFAULT_LANGUAGE)

    env.filters["local"] = pass_context(
        lambda ctx, t, seconds=False: i18n.format_datetime(lang_of(ctx), t, zone, seconds=seconds))
    env.filters["day"] = pass_context(lambda ctx, d: i18n.format_day(lang_of(ctx), d))
    env.filters["mmss"] = charts.fmt_time
    env.filters["num"] = pass_context(lambda ctx, v, digits=1: i18n.format_number(lang_of(ctx), v, _digits(digits)))
    env.filters["pct"] = pass_context(
        lambda ctx, v, digits=1: "–" if v is None else i18n.format_number(lang_of(ctx), 100 * v, digits) + " %")
    env.filters["tr"] = pass_context(lambda ctx, m: i18n.translate(lang_of(ctx), m))
    env.filters["reason"] = pass_context(lambda ctx, r: reasons.translate_reason(lang_of(ctx), r))
    env.filters["verdict"] = pass_context(lambda ctx, v: i18n.translate(lang_of(ctx), VERDICT_NAMES.get(v, v)))
    env.filters["role"] = pass_context(lambda ctx, r: i18n.translate(lang_of(ctx), ROLE_NAMES.get(r, r)))
    return templates


def _digits(spec: int | str) -> int:
    # The templates' older form num('.2f') names the decimals as a format spec.
    return int(spec.strip(".f")) if isinstance(spec, str) else int(spec)


# Display names of the stored values (the values themselves stay as they are stored).
VERDICT_NAMES = {
    "pass": i18n.N_("pass"), "partial": i18n.N_("partial"), "fail": i18n.N_("fail"),
    "not_applicable": i18n.N_("not applicable"), "needs_review": i18n.N_("needs review"),
}
ROLE_NAMES = {
    "agent": i18n.N_("agent"), "customer": i18n.N_("customer"), "other": i18n.N_("other"),
    "events": i18n.N_("events"), "unknown": i18n.N_("unknown"),
    "qa_officer": i18n.N_("QA officer"), "supervisor": i18n.N_("supervisor"), "admin": i18n.N_("admin"),
}


def language_of(request: Request, ws: dbmod.WebSession | None) -> str:
    """The page's language: the user's preference, else the browser's, else ``id``."""
    return i18n.choose(ws.user.language if ws else None, request.headers.get("accept-language"))


# --------------------------------------------------------------------------- dependencies


def web_state(request: Request) -> WebState:
    """The app's :class:`WebState` (``app.state.web``)."""
    return request.app.state.web


def database(request: Request) -> dbmod.Database:
    """The app's database (``app.state.db``)."""
    return request.app.state.db


def pipeline_settings(request: Request) -> PipelineSettings:
    """The app's settings (``app.state.settings``)."""
    return request.app.state.settings


State = Annotated[WebState, Depends(web_state)]
Db = Annotated[dbmod.Database, Depends(database)]
Settings = Annotated[PipelineSettings, Depends(pipeline_settings)]


def session_of(request: Request) -> dbmod.WebSession | None:
    """The request's unexpired session, or None."""
    return dbmod.find_session(request.app.state.db, request.cookies.get(SESSION_COOKIE, ""))


def require(*roles: UserRole) -> Any:
    """A dependency giving the session of a user with one of ``roles``; without a
    session :class:`LoginRequired`, with another role 403."""

    def dependency(request: Request) -> dbmod.WebSession:
        ws = session_of(request)
        if ws is None:
            raise LoginRequired()
        if ws.user.role not in roles:
            raise HTTPException(
                status_code=403,
                detail=i18n.msg("Your role (%(role)s) may not use this page; it needs %(roles)s.",
                                role=ws.user.role.value, roles=" or ".join(r.value for r in roles)),
            )
        return ws

    return Depends(dependency)


Reader = Annotated[dbmod.WebSession, require(*ROLES_READ)]
Decider = Annotated[dbmod.WebSession, require(*ROLES_DECIDE)]
Admin = Annotated[dbmod.WebSession, require(*ROLES_ADMIN)]
Planner = Annotated[dbmod.WebSession, require(*ROLES_PLAN)]
AgentUser = Annotated[dbmod.WebSession, require(AGENT)]  # an agent: its own signed-off calls only
LoggedIn = Annotated[dbmod.WebSession, require(*ROLES_ANY)]


def known_call_id(call_id: str) -> str:
    """The ``{call_id}`` of the path; one no call can have (a NUL character, which
    PostgreSQL refuses in a query) is an unknown call."""
    if "\x00" in call_id:
        raise HTTPException(status_code=404, detail=i18n.msg("No call %(call)r in the database.", call=call_id))
    return call_id


CallId = Annotated[str, Depends(known_call_id)]


# --------------------------------------------------------------------------- helpers


async def checked_form(request: Request, ws: dbmod.WebSession) -> Any:
    """The POSTed form, once its ``csrf_token`` is the session's; else 403."""
    form = await request.form()
    token = str(form.get("csrf_token", ""))
    if not token or not secrets.compare_digest(token, ws.csrf_token):
        raise HTTPException(status_code=403,
                            detail=i18n.msg("Missing or wrong CSRF token: reload the page and try again."))
    return form


def render(request: Request, name: str, ws: dbmod.WebSession | None, status_code: int = 200,
           **context: Any) -> Response:
    """The template ``name`` with ``context`` and what every page shows of the user."""
    lang = language_of(request, ws)
    context.update(
        request=request,
        lang=lang,
        user=ws.user if ws else None,
        csrf=ws.csrf_token if ws else "",
        can_decide=bool(ws and ws.user.role in ROLES_DECIDE),
        is_admin=bool(ws and ws.user.role == ADMIN),
        is_agent=bool(ws and ws.user.role == AGENT),
        can_plan=bool(ws and ws.user.role in ROLES_PLAN),
    )
    return web_state(request).templates.TemplateResponse(request, name, context, status_code=status_code)


def csv_response(filename: str, header: list[str], rows: list[list[Any]]) -> Response:
    """A CSV download named ``filename``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def safe_next(target: str) -> str:
    """Only paths on this site (no "//host" or "http://host" open redirects)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def path_part(value: str) -> str:
    """``value`` quoted as one segment (or fragment) of a URL path."""
    return quote(value, safe="")
