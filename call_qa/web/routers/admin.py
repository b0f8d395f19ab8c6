"""The administrators' pages: users and the access log."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from call_qa import db as dbmod
from call_qa.db.accounts import UserRole
from call_qa.web import params
from call_qa.web.deps import Admin, BadRequest, Db, checked_form, render

router = APIRouter()

ROLE_NAMES = [r.value for r in UserRole]
LOG_PER_PAGE = 100


@router.get("/admin/users", response_class=HTMLResponse)
def users(request: Request, ws: Admin, db: Db) -> Response:
    """The users and the form to add one."""
    return render(request, "users.html", ws, users=dbmod.list_users(db), roles=ROLE_NAMES, error=None)


@router.post("/admin/users")
async def add_user(request: Request, ws: Admin, db: Db) -> Response:
    """Add a user; a refused one shows the form again with the reason (400)."""
    form = await checked_form(request, ws)
    username = str(form.get("username", ""))
    try:
        if "\x00" in username:  # PostgreSQL refuses NUL in a string
            raise dbmod.AccountError("the username must not contain NUL characters")
        dbmod.add_user(db, username, str(form.get("password", "")), str(form.get("role", "")),
                       agent_id=str(form.get("agent_id", "")) or None)
    except dbmod.AccountError as exc:
        return render(request, "users.html", ws, status_code=400, users=dbmod.list_users(db),
                      roles=ROLE_NAMES, error=str(exc))
    dbmod.log_access(db, ws.user, "add_user", details=username)
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/admin/users/{username}/active")
async def set_active(request: Request, ws: Admin, db: Db, username: str) -> Response:
    """Enable or disable a login (not one's own)."""
    form = await checked_form(request, ws)
    active = form.get("active") == "1"
    if username == ws.user.username and not active:
        raise BadRequest("You cannot disable your own account.")
    if "\x00" in username:  # no user has one, and PostgreSQL refuses it in a query
        raise HTTPException(status_code=404, detail=f"no user {username!r}")
    try:
        dbmod.set_user_active(db, username, active)
    except dbmod.NotFoundError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    dbmod.log_access(db, ws.user, "enable_user" if active else "disable_user", details=username)
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/access-log", response_class=HTMLResponse)
def access_log(request: Request, ws: Admin, db: Db, page: params.Page = 1, call: params.Text = None) -> Response:
    """The access log, newest first, optionally of one call."""
    entries, total = dbmod.access_log(db, limit=LOG_PER_PAGE, offset=(page - 1) * LOG_PER_PAGE, call_id=call)
    return render(request, "access_log.html", ws, entries=entries, total=total, page=page,
                  pages=max(1, -(-total // LOG_PER_PAGE)), call_id=call)
