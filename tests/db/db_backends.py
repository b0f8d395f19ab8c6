"""Which database servers the tests can use (a module, not conftest, so test files
can import it by a name no other test folder uses)."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "CALL_QA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@functools.cache
def _postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it can (checked once per session)."""
    url = sa.make_url(POSTGRES_URL)
    try:
        psycopg.connect(
            host=url.host,
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            dbname=url.database,
            connect_timeout=3,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {exc}"
    return None


def require_postgres() -> None:
    """Skip the current test when PostgreSQL is unreachable; fail instead under CI."""
    problem = _postgres_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{problem} (CI is set, so PostgreSQL tests may not be skipped)")
    pytest.skip(f"{problem}; start it or set CALL_QA_TEST_POSTGRES_URL")


def isolated_database_url(backend: str, tmp_path: Path, prefix: str = "call_qa_test") -> Iterator[str]:
    """A URL of an empty database for ``backend``: a fresh SQLite file in ``tmp_path``,
    or, on PostgreSQL, a fresh schema named ``<prefix>_<random>`` (dropped afterwards),
    so runs are repeatable and two suites running at once do not see each other.
    For a fixture: ``yield from isolated_database_url(request.param, tmp_path)``."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'{prefix}.sqlite3'}"
        return
    require_postgres()
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        # search_path puts every table, and Alembic's version table, in the schema.
        separator = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


#: The two backends, as fixture params (PostgreSQL cases marked ``postgres``).
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
