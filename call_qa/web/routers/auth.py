"""Login (with its rate limit), logout, and the home page's redirect by role."""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from call_qa import db as dbmod
from call_qa.db.accounts import UserRole
from call_qa.web.i18n import LANGUAGES, msg
from call_qa.web.deps import (
    ADMIN,
    AGENT,
    LOGIN_CSRF_COOKIE,
    QA,
    SESSION_COOKIE,
    SUP,
    BadRequest,
    Db,
    LoggedIn,
    State,
    checked_form,
    render,
    safe_next,
)
from call_qa.web.security import client_address

router = APIRouter()


def _anonymous(username: str) -> dbmod.User:
    """The access log's stand-in user for a login that did not succeed."""
    return dbmod.User(id=0, username=username[:128] or "?", role=UserRole.QA_OFFICER, active=False,
                      created_at=dt.datetime.now(dt.timezone.utc))


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, state: State, next: str = "/") -> Response:
    """The login form, with a double-submit CSRF cookie."""
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", None, next=safe_next(next), login_csrf=token, error=None)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=state.secure_cookies)
    return response


@router.post("/login")
async def login(request: Request, state: State, db: Db) -> Response:
    """Check the CSRF token, the rate limit, then the password; start a session."""
    form = await request.form()
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    token = str(form.get("csrf_token", ""))
    if not cookie or not token or not secrets.compare_digest(cookie, token):
        raise HTTPException(status_code=403, detail=msg("Missing or wrong CSRF token: reload the login page."))
    username = str(form.get("username", "")).strip()
    if "\x00" in username:  # PostgreSQL refuses NUL in a query; no user can have one
        raise BadRequest(msg("The username must not contain NUL characters."))
    nxt = safe_next(str(form.get("next", "/")))
    address = client_address(request, state.settings.web.trusted_proxies)
    # Checked before the password, so a locked account costs no hash and a
    # guess cannot be confirmed while locked.
    left = dbmod.login_lockout_left(db, username, address, state.login_limit)
    if left is not None:
        minutes = max(1, -(-int(left.total_seconds()) // 60))
        dbmod.log_access(db, _anonymous(username), "login_refused",
                         details=f"username {username!r} from {address}: too many failed logins")
        response = render(
            request, "login.html", None, status_code=429, next=nxt, login_csrf=cookie,
            error=msg("Too many failed logins for this username or from this address. Logging in is "
                      "refused for %(minutes)s more minutes; try again later or ask an administrator.",
                      minutes=minutes) if minutes != 1 else
            msg("Too many failed logins for this username or from this address. Logging in is "
                "refused for 1 more minute; try again later or ask an administrator."),
        )
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    user = dbmod.authenticate(db, username, str(form.get("password", "")))
    if user is None:
        dbmod.record_login_failure(db, username, address, state.login_limit)
        dbmod.log_access(db, _anonymous(username), "login_failed", details=f"username {username!r}")
        return render(request, "login.html", None, status_code=401, next=nxt, login_csrf=cookie,
                      error=msg("Wrong username or password (or the account is disabled)."))
    dbmod.clear_login_failures(db, username, address)
    minutes = state.settings.web.session_minutes
    token_value, _ = dbmod.create_session(db, user, dt.timedelta(minutes=minutes))
    dbmod.log_access(db, user, "login")
    response = RedirectResponse(nxt, status_code=303)
    response.set_cookie(SESSION_COOKIE, token_value, max_age=minutes * 60, httponly=True,
                        samesite="lax", secure=state.secure_cookies)
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
async def logout(request: Request, ws: LoggedIn, db: Db) -> Response:
    """End the session."""
    await checked_form(request, ws)
    dbmod.end_session(db, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/settings/language")
async def set_language(request: Request, ws: LoggedIn, db: Db) -> Response:
    """Store the user's UI language (``id`` or ``en``) and go back to the page (any
    logged-in role, agents included: their pages have the same menu)."""
    form = await checked_form(request, ws)
    language = str(form.get("language", ""))
    if language not in LANGUAGES:
        raise BadRequest(msg("language must be one of %(languages)s", languages=", ".join(LANGUAGES)))
    dbmod.set_user_language(db, ws.user.username, language)
    back = urlsplit(request.headers.get("referer", ""))
    return RedirectResponse(safe_next(back.path + (f"?{back.query}" if back.query else "") or "/"), status_code=303)


@router.get("/")
def home(ws: LoggedIn) -> Response:
    """QA officers and admins start at the calls list, supervisors at the dashboard,
    agents at their own scorecards."""
    target = {QA: "/calls", SUP: "/dashboard", ADMIN: "/calls", AGENT: "/my/calls"}[ws.user.role]
    return RedirectResponse(target, status_code=303)
