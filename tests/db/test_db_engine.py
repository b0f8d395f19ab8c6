"""Opening databases: URL resolution, the default SQLite file, actionable errors."""

from __future__ import annotations

import pytest

from call_qa import db as dbmod
from call_qa.errors import CallQAError

from db_backends import POSTGRES_URL, require_postgres


def test_resolve_database_url(tmp_path, monkeypatch):
    monkeypatch.delenv(dbmod.ENV_VAR, raising=False)
    monkeypatch.setenv("CALL_QA_HOME", str(tmp_path))
    assert dbmod.resolve_database_url(None) == f"sqlite:///{tmp_path.resolve().as_posix()}/call_qa.sqlite3"
    monkeypatch.setenv(dbmod.ENV_VAR, "sqlite:///from_env.sqlite3")
    assert dbmod.resolve_database_url(None) == "sqlite:///from_env.sqlite3"
    assert dbmod.resolve_database_url("sqlite:///explicit.sqlite3") == "sqlite:///explicit.sqlite3"


def test_default_database_is_created_in_the_call_qa_home(tmp_path, monkeypatch):
    monkeypatch.delenv(dbmod.ENV_VAR, raising=False)
    monkeypatch.setenv("CALL_QA_HOME", str(tmp_path / "new" / "home"))  # neither folder exists yet
    with dbmod.open_database() as database:
        assert database.dialect == "sqlite"
        assert dbmod.list_calls(database) == []
    assert (tmp_path / "new" / "home" / "call_qa.sqlite3").is_file()


def test_sqlite_parent_folders_are_created(tmp_path):
    path = tmp_path / "a" / "b" / "qa.sqlite3"
    with dbmod.open_database(f"sqlite:///{path}"):
        pass
    assert path.is_file()


def test_unreachable_server_gives_actionable_error():
    url = "postgresql+psycopg://qa:s3cret@127.0.0.1:1/calls"
    with pytest.raises(dbmod.DatabaseError) as info:
        dbmod.open_database(url)
    message = str(info.value)
    assert isinstance(info.value, CallQAError)
    assert "s3cret" not in message
    assert "postgresql+psycopg://qa:***@127.0.0.1:1/calls" in message
    assert "PostgreSQL server is running" in message
    assert dbmod.ENV_VAR in message and "--db" in message


@pytest.mark.parametrize(
    "url",
    ["not a url", "postgresql+nosuchdriver://qa:s3cret@localhost/calls", "nosuchdb://x"],
)
def test_malformed_url_gives_actionable_error(url):
    with pytest.raises(dbmod.DatabaseError) as info:
        dbmod.open_database(url)
    message = str(info.value)
    assert "s3cret" not in message
    assert dbmod.ENV_VAR in message


def test_sqlite_in_an_unwritable_place_gives_actionable_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(dbmod.DatabaseError, match="writable"):
        dbmod.open_database(f"sqlite:///{blocker}/sub/qa.sqlite3")


def test_mask_url():
    assert dbmod.mask_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"
    assert "pw" not in dbmod.mask_url("postgresql+psycopg://u:pw@h:notaport/db")


@pytest.mark.postgres
def test_plain_postgresql_scheme_uses_psycopg():
    require_postgres()
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    with dbmod.open_database(plain, migrate=False) as database:
        assert database.engine.url.drivername == "postgresql+psycopg"


# --------------------------------------------------------------------------- issue 20: locks and permissions


def _open_at_once(url: str, barrier, errors) -> None:
    try:
        barrier.wait(timeout=60)
        with dbmod.open_database(url) as database:
            dbmod.list_calls(database)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        errors.put(f"{type(exc).__name__}: {exc}")


def test_two_processes_migrating_a_new_sqlite_file_at_once_both_succeed(tmp_path):
    """Without the file lock the second dies in the race ("table calls already exists")."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    for attempt in range(4):  # the race is not hit every time without the lock; four new files
        url = f"sqlite:///{tmp_path / f'race{attempt}.sqlite3'}"
        barrier, errors = ctx.Barrier(2), ctx.Queue()
        procs = [ctx.Process(target=_open_at_once, args=(url, barrier, errors)) for _ in range(2)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
        problems = [errors.get() for _ in range(errors.qsize())] if not errors.empty() else []
        assert problems == [] and [p.exitcode for p in procs] == [0, 0], problems


def test_a_new_sqlite_file_and_its_folder_are_owner_only(tmp_path):
    import os
    import stat

    path = tmp_path / "new" / "calls.sqlite3"
    with dbmod.open_database(f"sqlite:///{path}"):
        pass
    mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)  # noqa: E731
    assert mode(path) == 0o600  # transcripts and kept originals: not world-readable
    assert mode(path.parent) == 0o700
    assert mode(path.with_name("calls.sqlite3.lock")) == 0o600
