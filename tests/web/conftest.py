"""Fixtures of the web tests: a database on SQLite and on PostgreSQL (the isolated
schemas of tests/db), filled with hand-built calls and a real WAV, one user per role,
and FastAPI TestClients logged in as each of them."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "db"))

from call_qa import db as dbmod  # noqa: E402
from call_qa.config import load_settings  # noqa: E402
from db_backends import BACKENDS, isolated_database_url  # noqa: E402
from db_samples import make_failed_call  # noqa: E402
from web_samples import RECORDED, make_quiet_call, make_web_call, write_wav  # noqa: E402
from web_support import CALL, FAILED, PASSWORDS, QUIET, ROLES, login, new_client  # noqa: E402

@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with the smallest cost: the default (64 MiB, 3 passes) makes
    every user and login of these tests take a noticeable slice of a shared CPU.
    test_passwords_are_stored_as_argon2id_hashes checks the shipped parameters."""
    from argon2 import PasswordHasher

    from call_qa.db import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    yield from isolated_database_url(request.param, tmp_path, "call_qa_web")


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "call.wav")


@pytest.fixture
def database(db_url: str, wav: Path) -> Iterator[dbmod.Database]:
    """The database with three calls (one failed) and one user per role."""
    database = dbmod.open_database(db_url)
    dbmod.save_call_result(database, make_web_call(CALL, wav))
    dbmod.save_call_result(database, make_quiet_call(QUIET, wav))
    dbmod.save_call_result(database, make_failed_call(FAILED))
    for call_id, agent, team, hours in ((CALL, "sari", "alpha", 0), (QUIET, "budi", "beta", 1), (FAILED, "sari", "alpha", 2)):
        dbmod.set_call_metadata(database, call_id, agent_id=agent, team=team,
                                recorded_at=RECORDED + dt.timedelta(hours=hours))
    for name, role in ROLES.items():
        dbmod.add_user(database, name, PASSWORDS[name], role)
    try:
        yield database
    finally:
        database.close()


@pytest.fixture
def settings():
    """The shipped configuration with days cut in UTC, so test dates read plainly."""
    base = load_settings()
    return base.model_copy(update={"web": base.web.model_copy(update={"utc_offset_minutes": 0})})


@pytest.fixture
def app(database: dbmod.Database, settings: Any) -> Any:
    from call_qa.web.app import create_app

    return create_app(settings=settings, database=database)


@pytest.fixture
def anonymous(app: Any) -> Any:
    return new_client(app)


@pytest.fixture
def qa(app: Any) -> Any:
    client = new_client(app)
    assert login(client, "alice").status_code == 303
    return client


@pytest.fixture
def supervisor(app: Any) -> Any:
    client = new_client(app)
    assert login(client, "sam").status_code == 303
    return client


@pytest.fixture
def admin(app: Any) -> Any:
    client = new_client(app)
    assert login(client, "ada").status_code == 303
    return client


@pytest.fixture(autouse=True)
def call_qa_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A call-qa home of the test's own (the waveform peaks are cached there)."""
    home = tmp_path / "home"
    monkeypatch.setenv("CALL_QA_HOME", str(home))
    return home
