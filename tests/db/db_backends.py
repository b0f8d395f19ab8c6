"""Which database servers the tests can use (a module, not conftest, so test files
can import it by a name no other test folder uses)."""

from __future__ import annotations

import functools
import os

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
