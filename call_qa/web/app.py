"""``create_app``: the web app composed of its routers. See ``call_qa/web/__init__.py``
and ``docs/webapp.md``.

Layout: :mod:`call_qa.web.deps` (the shared state and the ``Depends`` for the
database, the settings and the user by role), :mod:`call_qa.web.params` (typed query
parameters), :mod:`call_qa.web.routers` (auth, calls, review, dashboard, admin).

Security model
--------------
- Every route but ``/login`` and ``/static`` needs a valid session (cookie holding a
  random token; the database keeps only its SHA-256 and an absolute expiry of
  ``web.session_minutes``). Without one, pages redirect to ``/login``.
- Each route names the roles allowed (``deps.Reader``, ``deps.Decider``,
  ``deps.Admin``); others get 403.
- Every POST form carries the session's CSRF token (the login form a double-submit
  cookie token); a missing or wrong token is refused with 403 before anything runs.
- Audio is served by call id: the path comes from the ``calls`` row, never from the
  request, so no request can name a file.
- A query parameter that cannot be read (a page past the last one the database can
  offset to, a date outside 1900–2999, ...) is refused with 400 and a sentence naming it.
- Pages are sent with ``Cache-Control: no-store`` and a Content-Security-Policy that
  allows only this server's own scripts, styles and media.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from call_qa import db as dbmod
from call_qa.config import PipelineSettings, load_settings
from call_qa.crypto import site_keyring
from call_qa.web import i18n, params, reasons
from call_qa.web.deps import HERE, LoginRequired, WebState, language_of, render, session_of
from call_qa.web.routers import ROUTERS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


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
    state = WebState(db, settings, secure_cookies=secure_cookies)
    # The dashboard's per-day totals must be cut in this zone (rebuilt once if not).
    dbmod.ensure_daily_offset(db, state.offset)

    app = FastAPI(title="call-qa", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.db = db
    app.state.settings = settings
    app.state.web = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in ROUTERS:
        app.include_router(router)
    app.middleware("http")(_security_headers)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(RequestValidationError, _bad_parameters)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    return app


async def _security_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
    response = await call_next(request)
    # Exports (CSV and XLSX) are logged by routers/exports.py itself ("export").
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"  # older browsers; CSP frame-ancestors for the rest
    if request.app.state.web.secure_cookies:  # served over HTTPS (behind a proxy): browsers stay on it
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if not request.url.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


async def _to_login(request: Request, _exc: Exception) -> Response:
    if request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?" + urlencode({"next": target}), status_code=303)
    lang = language_of(request, None)
    return HTMLResponse(i18n.translate(lang, i18n.msg("Log in first.")), status_code=401)


async def _bad_parameters(request: Request, exc: Exception) -> Response:
    # FastAPI would answer 422 with JSON; a person typed or edited this URL.
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    detail = "; ".join(dict.fromkeys(params.message(e) for e in errors)) or "Bad request."
    return render(request, "error.html", session_of(request), status_code=400, status=400, detail=detail)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    ws = session_of(request) if exc.status_code != 401 else None
    if "application/json" in request.headers.get("accept", ""):
        # The page's script saves without a reload: it shows this sentence in place.
        lang = language_of(request, ws)
        text = i18n.translate(lang, exc.detail) if isinstance(exc.detail, i18n.Message) else str(
            reasons.translate_reason(lang, str(exc.detail)).striptags())
        return JSONResponse({"error": text}, status_code=exc.status_code)
    return render(request, "error.html", ws, status_code=exc.status_code, status=exc.status_code, detail=exc.detail)
