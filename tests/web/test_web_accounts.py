"""Accounts an admin can run, on SQLite and PostgreSQL: password rule, reset, role
change, delete, any valid username (``a/b``) in the paths, lockout per
username+address with progressive delay and admin unlock, X-Forwarded-For only from
configured proxies, X-Frame-Options and HSTS. Lockout numbers as in
test_web_login_limit.py: 3 failures within 10 minutes lock for 5 minutes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from call_qa import db as dbmod
from call_qa.db import accounts
from web_support import csrf_of, login, new_client

T0 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone.utc)
NEW_PASSWORD = "a-new-long-password"


@pytest.mark.parametrize("username, password, reason", [
    ("rina", "short-pass1", "at least 12 characters"),
    ("rina.wulandari", "Rina.Wulandari", "not be the username"),
    ("rina.wulandari", "rina.wulandari2026!", "not be the username"),
    ("rina", "password1234", "common passwords"),
    ("rina", "Password2026!", "common passwords"),  # "password" with digits and punctuation around it
    ("rina", "bismillah12345", "common passwords"),
])
def test_password_rule_refuses(username, password, reason):
    with pytest.raises(dbmod.AccountError, match=reason):
        dbmod.check_password(username, password)


def test_password_rule_accepts():
    dbmod.check_password("rina", "kopi-tubruk-di-pagi-hari")
    assert "password" in accounts.common_passwords() and len(accounts.common_passwords()) >= 100


def post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_of(client, "/admin/users"), **data})


def test_reset_password_change_role_and_delete(admin, qa, app, database):
    assert post(admin, "/admin/users/alice/password", password="short").status_code == 400
    assert post(admin, "/admin/users/alice/password", password=NEW_PASSWORD).status_code == 303
    assert qa.get("/calls").status_code == 303  # her session ended
    assert login(new_client(app), "alice").status_code == 401  # the old password
    alice = new_client(app)
    assert login(alice, "alice", NEW_PASSWORD).status_code == 303
    assert alice.get("/review").status_code == 200

    assert post(admin, "/admin/users/alice/role", role="agent").status_code == 400  # an agent needs an agent id
    assert post(admin, "/admin/users/alice/role", role="supervisor").status_code == 303
    assert alice.get("/review").status_code == 303  # logged out by the change
    assert login(alice, "alice", NEW_PASSWORD).status_code == 303
    assert alice.get("/review").status_code == 403 and alice.get("/dashboard").status_code == 200
    assert post(admin, "/admin/users/ada/role", role="qa_officer").status_code == 400  # not one's own

    assert post(admin, "/admin/users/sam/delete").status_code == 303
    assert "sam" not in {u.username for u in dbmod.list_users(database)}
    assert post(admin, "/admin/users/sam/delete").status_code == 404
    assert post(admin, "/admin/users/ada/delete").status_code == 400
    actions = [e.action for e in dbmod.access_log(database)[0]]
    assert {"reset_password", "change_role", "delete_user"} <= set(actions)
    assert alice.post("/admin/users/ada/delete", data={"csrf_token": csrf_of(alice)}).status_code == 403  # not an admin


@pytest.mark.parametrize("username", ["a/b", "x/active", "50%off", "dots.and-dash_"])
def test_any_valid_username_can_be_disabled_and_deleted(admin, app, database, username):
    assert post(admin, "/admin/users", username=username, password=NEW_PASSWORD, role="qa_officer").status_code == 303
    assert login(new_client(app), username, NEW_PASSWORD).status_code == 303
    page = admin.get("/admin/users").text
    assert page.count('action="/admin/users/') >= 5
    from urllib.parse import quote

    path = quote(username, safe="/")
    assert post(admin, f"/admin/users/{path}/active", active="0").status_code == 303
    assert not {u.username: u for u in dbmod.list_users(database)}[username].active
    assert login(new_client(app), username, NEW_PASSWORD).status_code == 401
    assert post(admin, f"/admin/users/{path}/delete").status_code == 303
    assert username not in {u.username for u in dbmod.list_users(database)}


# --------------------------------------------------------------------------- lockout


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(accounts, "_now", lambda: clock.now)
    return clock


def limited_app(database: Any, settings: Any, **web: Any) -> Any:
    from call_qa.web.app import create_app

    update = {"login_max_failures": 3, "login_max_failures_per_address": 5, "login_window_minutes": 10,
              "login_lockout_minutes": 5, **web}
    return create_app(settings=settings.model_copy(update={"web": settings.web.model_copy(update=update)}),
                      database=database)


def from_address(client: Any, address: str, username: str, password: str | None = None) -> int:
    client.headers["X-Forwarded-For"] = address
    return login(client, username, password).status_code


def test_an_outsider_cannot_lock_a_named_account(database, settings, clock):
    app = limited_app(database, settings, trusted_proxies=["testclient"])  # TestClient's peer is the proxy
    outsider, alice = new_client(app), new_client(app)
    assert [from_address(outsider, "203.0.113.9", "alice", "guessing-wrong") for _ in range(3)] == [401] * 3
    assert from_address(outsider, "203.0.113.9", "alice") == 429  # locked for this address
    assert from_address(alice, "198.51.100.7", "alice") == 303  # alice at her desk is not


def test_forwarded_for_is_ignored_without_trusted_proxies(database, settings, clock):
    app = limited_app(database, settings)  # no trusted proxies: the header is anyone's
    client = new_client(app)
    # a different made-up address each time does not escape the limit
    assert [from_address(client, f"203.0.113.{i}", "alice", "guessing-wrong") for i in range(3)] == [401] * 3
    assert from_address(client, "198.51.100.7", "alice") == 429
    entries, _ = dbmod.access_log(database)
    assert "from testclient" in entries[0].details


def test_forwarded_for_from_an_untrusted_peer_is_ignored(database, settings, clock):
    app = limited_app(database, settings, trusted_proxies=["10.0.0.0/8"])  # the peer "testclient" is not in it
    client = new_client(app)
    assert [from_address(client, f"10.1.1.{i}", "alice", "guessing-wrong") for i in range(3)] == [401] * 3
    assert from_address(client, "10.2.2.2", "alice") == 429


def test_progressive_delay_and_admin_unlock(database, settings, clock):
    app = limited_app(database, settings)
    client = new_client(app)
    assert [login(client, "alice", "guessing-wrong").status_code for _ in range(3)] == [401] * 3
    clock.advance(minutes=5, seconds=1)  # the first lock (5 minutes) is over
    assert login(client, "alice", "guessing-wrong").status_code == 401  # within 10 minutes of its end
    response = login(client, "alice")
    assert response.status_code == 429 and response.headers["retry-after"] == "600"  # twice as long
    clock.advance(minutes=10, seconds=1)
    assert login(client, "alice", "guessing-wrong").status_code == 401
    assert login(client, "alice").headers["retry-after"] == "1200"  # and again
    admin = new_client(app)
    assert login(admin, "ada").status_code == 303
    assert "<td>5</td>" in admin.get("/admin/users").text  # alice's failed logins that count
    assert post(admin, "/admin/users/alice/unlock").status_code == 303
    assert login(client, "alice").status_code == 303
    assert "unlock_user" in [e.action for e in dbmod.access_log(database)[0]]


def test_progressive_arithmetic():
    limit = dbmod.LoginLimit(3, 5, dt.timedelta(minutes=10), dt.timedelta(minutes=5))
    at = [T0 + dt.timedelta(minutes=m) for m in (0, 1, 2, 8, 24, 60)]
    # 3rd at 2 → until 7; 8 is within 10 of 7 → 10 min: until 18; 24 within 10 of 18 → 20: until 44;
    # 60 is 16 after 44: a new chain, alone → the lock of 24 stands
    assert accounts._locked_until(at[:3], 3, limit, progressive=True) == T0 + dt.timedelta(minutes=7)
    assert accounts._locked_until(at[:4], 3, limit, progressive=True) == T0 + dt.timedelta(minutes=18)
    assert accounts._locked_until(at[:5], 3, limit, progressive=True) == T0 + dt.timedelta(minutes=44)
    assert accounts._locked_until(at, 3, limit, progressive=True) == T0 + dt.timedelta(minutes=44)
    # not progressive: 1, 2, 8 are three within 10 minutes → 8 + 5
    assert accounts._locked_until(at[:4], 3, limit) == T0 + dt.timedelta(minutes=13)


# --------------------------------------------------------------------------- headers


def test_frame_and_transport_headers(database, settings, anonymous):
    from call_qa.web.app import create_app

    response = anonymous.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in response.headers
    secure = new_client(create_app(settings=settings, database=database, secure_cookies=True))
    assert secure.get("/login").headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
