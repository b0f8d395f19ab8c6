"""Names and helpers shared by the web tests (a module, not conftest, so test files
can import it by a name no other test folder uses)."""

from __future__ import annotations

import re
from typing import Any

PASSWORDS = {"alice": "alice-password", "sam": "sam-password", "ada": "ada-password"}
ROLES = {"alice": "qa_officer", "sam": "supervisor", "ada": "admin"}
CALL = "2026-11-20_0001"  # the call with events, needs_review and a failed item
QUIET = "2026-11-20_0002"
FAILED = "2026-11-20_0003"
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def new_client(app: Any, language: str = "en") -> Any:
    from fastapi.testclient import TestClient

    # English: these tests read the English wording; test_web_i18n.py checks Indonesian.
    return TestClient(app, follow_redirects=False, headers={"Accept-Language": language})


def login(client: Any, username: str, password: str | None = None) -> Any:
    """Log ``client`` in through the form (with its CSRF token); returns the response."""
    page = client.get("/login")
    token = CSRF_FIELD.search(page.text).group(1)
    return client.post("/login", data={"username": username, "password": password or PASSWORDS[username],
                                       "csrf_token": token, "next": "/calls"})


def csrf_of(client: Any, path: str = "/calls") -> str:
    """The session's CSRF token, as a page's forms carry it."""
    return CSRF_FIELD.search(client.get(path).text).group(1)
