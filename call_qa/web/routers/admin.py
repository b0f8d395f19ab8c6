"""The administrators' pages: users (add, enable/disable, reset a password, change a
role, unlock, delete) and the access log.

A username is one path segment of ``/admin/users/{username}/...`` only when it has no
``/``; usernames may contain one (``a/b`` is valid), so the routes take the username
as a path (``{username:path}``) followed by the action, and the forms quote it.
"""

from __future__ import annotations

from call_qa.web.i18n import N_  # marks messages for the catalogues; translated at display
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from call_qa import db as dbmod
from call_qa.db.accounts import UserRole
from call_qa.web import params
from call_qa.web.deps import Admin, BadRequest, Db, State, checked_form, render

router = APIRouter()

ROLE_NAMES = [r.value for r in UserRole]
LOG_PER_PAGE = 100


def _page(request: Request, ws: dbmod.WebSession, state: State, error: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "users.html", ws, status_code=status_code, users=dbmod.list_users(state.db),
                  roles=ROLE_NAMES, error=error, failures=dbmod.recent_login_failures(state.db, state.login_limit))


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, ws: Admin, state: State) -> Response:
    """The users and the forms to add and change them."""
    return _page(request, ws, state)


@router.post("/admin/users")
async def add_user(request: Request, ws: Admin, state: State) -> Response:
    """Add a user; a refused one shows the form again with the reason (400)."""
    form = await checked_form(request, ws)
    username = str(form.get("username", ""))
    try:
        if "\x00" in username:  # PostgreSQL refuses NUL in a string
            raise dbmod.AccountError("the username must not contain NUL characters")
        dbmod.add_user(state.db, username, str(form.get("password", "")), str(form.get("role", "")),
                       agent_id=str(form.get("agent_id", "")) or None)
    except dbmod.AccountError as exc:
        return _page(request, ws, state, str(exc), 400)
    dbmod.log_access(state.db, ws.user, "add_user", details=username)
    return RedirectResponse("/admin/users", status_code=303)


def _known(username: str) -> str:
    if "\x00" in username:  # no user has one, and PostgreSQL refuses it in a query
        raise HTTPException(status_code=404, detail=f"no user {username!r}")
    return username


@router.post("/admin/users/{username:path}/active")
async def set_active(request: Request, ws: Admin, db: Db, username: str) -> Response:
    """Enable or disable a login (not one's own)."""
    form = await checked_form(request, ws)
    active = form.get("active") == "1"
    if username == ws.user.username and not active:
        raise BadRequest("You cannot disable your own account.")
    try:
        dbmod.set_user_active(db, _known(username), active)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    dbmod.log_access(db, ws.user, "enable_user" if active else "disable_user", details=username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username:path}/password")
async def reset_password(request: Request, ws: Admin, state: State, username: str) -> Response:
    """Set a new password (the password rule applies); the user's sessions end."""
    form = await checked_form(request, ws)
    try:
        dbmod.set_password(state.db, _known(username), str(form.get("password", "")))
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except dbmod.AccountError as exc:
        return _page(request, ws, state, f"{username}: {exc}", 400)
    dbmod.log_access(state.db, ws.user, "reset_password", details=username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username:path}/role")
async def change_role(request: Request, ws: Admin, state: State, username: str) -> Response:
    """Change a user's role (not one's own: an admin must not lock everyone out)."""
    form = await checked_form(request, ws)
    if username == ws.user.username:
        raise BadRequest(N_("You cannot change your own role."))
    role = str(form.get("role", ""))
    try:
        user = dbmod.set_role(state.db, _known(username), role, str(form.get("agent_id", "")) or None)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except dbmod.AccountError as exc:
        return _page(request, ws, state, f"{username}: {exc}", 400)
    dbmod.log_access(state.db, ws.user, "change_role", details=f"{username}: {user.role.value}"
                     + (f" ({user.agent_id})" if user.agent_id else ""))
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username:path}/unlock")
async def unlock(request: Request, ws: Admin, state: State, username: str) -> Response:
    """Forget the user's failed logins (from every address): the lockout ends."""
    await checked_form(request, ws)
    dbmod.clear_login_failures(state.db, _known(username))
    dbmod.log_access(state.db, ws.user, "unlock_user", details=username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username:path}/delete")
async def delete(request: Request, ws: Admin, state: State, username: str) -> Response:
    """Delete a user (not oneself); the access log keeps the name."""
    await checked_form(request, ws)
    if username == ws.user.username:
        raise BadRequest(N_("You cannot delete your own account."))
    try:
        dbmod.delete_user(state.db, _known(username))
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    dbmod.log_access(state.db, ws.user, "delete_user", details=username)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/access-log", response_class=HTMLResponse)
def access_log(request: Request, ws: Admin, db: Db, page: params.Page = 1, call: params.Text = None) -> Response:
    """The access log, newest first, optionally of one call."""
    entries, total = dbmod.access_log(db, limit=LOG_PER_PAGE, offset=(page - 1) * LOG_PER_PAGE, call_id=call)
    return render(request, "access_log.html", ws, entries=entries, total=total, page=page,
                  pages=max(1, -(-total // LOG_PER_PAGE)), call_id=call)
