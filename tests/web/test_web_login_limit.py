"""Login rate limiting (web.login_* settings) over HTTP, with hand-set numbers:
3 failures of one username, or 5 from one address, within 10 minutes lock it for
5 minutes after the last failure. The clock is moved by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from call_qa import db as dbmod
from call_qa.db import accounts
from web_support import login, new_client

T0 = dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.timezone.utc)


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


@pytest.fixture
def limited(database: dbmod.Database, settings: Any, clock: Clock) -> Any:
    from call_qa.web.app import create_app

    web = settings.web.model_copy(update={
        "login_max_failures": 3,
        "login_max_failures_per_address": 5,
        "login_window_minutes": 10,
        "login_lockout_minutes": 5,
    })
    return create_app(settings=settings.model_copy(update={"web": web}), database=database)


def fail(client: Any, username: str = "alice") -> int:
    return login(client, username, "wrong-password").status_code


def test_a_username_is_locked_after_three_failures_then_unlocked(limited, database, clock):
    client = new_client(limited)
    assert [fail(client) for _ in range(2)] == [401, 401]
    clock.advance(minutes=4)
    assert fail(client) == 401  # third failure within 10 minutes of the first
    clock.advance(minutes=1)
    # Even the right password is refused now, with a clear message.
    response = login(client, "alice")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text and "5 more minutes" not in response.text
    assert "refused for 4 more minutes" in response.text
    assert response.headers["retry-after"] == "240"
    assert client.get("/calls").status_code == 303  # no session was made
    entries, _ = dbmod.access_log(database)
    assert entries[0].action == "login_refused" and "alice" in entries[0].details
    # Refused attempts do not extend the lockout; it ends 5 minutes after the last failure.
    clock.advance(minutes=3, seconds=59)
    assert login(client, "alice").status_code == 429
    clock.advance(seconds=2)
    assert login(client, "alice").status_code == 303


def test_failures_spread_wider_than_the_window_do_not_lock(limited, clock):
    client = new_client(limited)
    assert fail(client) == 401
    clock.advance(minutes=6)
    assert fail(client) == 401
    clock.advance(minutes=6)
    assert fail(client) == 401  # 12 minutes after the first: only two within any 10 minutes
    assert login(client, "alice").status_code == 303


def test_other_users_are_not_locked_by_one_users_failures(limited, clock):
    client = new_client(limited)
    assert [fail(client) for _ in range(3)] == [401] * 3
    assert login(client, "alice").status_code == 429
    assert login(new_client(limited), "sam").status_code == 303


def test_a_success_clears_that_usernames_failures(limited, clock):
    client = new_client(limited)
    assert [fail(client) for _ in range(2)] == [401, 401]
    assert login(client, "alice").status_code == 303
    other = new_client(limited)
    assert [fail(other) for _ in range(2)] == [401, 401]
    assert login(other, "alice").status_code == 303  # only 2 failures since the success


def test_an_address_is_locked_after_five_failures_of_any_usernames(limited, clock):
    # TestClient requests all come from the address "testclient".
    client = new_client(limited)
    assert [fail(client, name) for name in ("x1", "x2", "x3", "x4", "x5")] == [401] * 5
    response = login(client, "sam")
    assert response.status_code == 429 and "from this address" in response.text
    clock.advance(minutes=5, seconds=1)
    assert login(client, "sam").status_code == 303


def test_lockout_arithmetic():
    limit = dbmod.LoginLimit(3, 5, dt.timedelta(minutes=10), dt.timedelta(minutes=5))
    at = [T0 + dt.timedelta(minutes=m) for m in (0, 4, 9, 30)]
    # the 3rd failure (minute 9) is within 10 minutes of the 1st: locked until 14
    assert accounts._locked_until(at[:3], 3, limit) == T0 + dt.timedelta(minutes=14)
    # 4 at minute 30 is alone in its window: the latest lockout is still the one ending at 14
    assert accounts._locked_until(at, 3, limit) == T0 + dt.timedelta(minutes=14)
    assert accounts._locked_until(at[:2], 3, limit) is None
