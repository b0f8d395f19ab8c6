"""Fixtures for the database layer: every test runs on SQLite and on PostgreSQL.

PostgreSQL is ``$CALL_QA_TEST_POSTGRES_URL`` (default: the local server, database
``test``, trust auth). Each test gets its own schema there (dropped afterwards), so
runs are repeatable and two suites running at once do not see each other. When the
server is unreachable the PostgreSQL cases are skipped, except under CI (``$CI`` set),
where they fail: a CI run must not pass by silently testing only SQLite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from call_qa import db as dbmod
from call_qa.domain import CallResult
from db_backends import BACKENDS, isolated_database_url
from db_samples import make_call_result, make_failed_call


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """A URL of an empty database: a fresh SQLite file, or a fresh PostgreSQL schema."""
    yield from isolated_database_url(request.param, tmp_path, "call_qa_test")


@pytest.fixture
def db(db_url: str) -> Iterator[dbmod.Database]:
    """An opened (migrated) database on each backend."""
    database = dbmod.open_database(db_url)
    try:
        yield database
    finally:
        database.close()


TABLES = (
    "calls",
    "speakers",
    "utterances",
    "turns",
    "events",
    "call_metrics",
    "scorecards",
    "item_results",
    "item_overrides",
)


@pytest.fixture
def row_counts(db: dbmod.Database) -> Callable[[], dict[str, int]]:
    """Rows per call-qa table, to see whether a write duplicated anything."""

    def count() -> dict[str, int]:
        with db.engine.connect() as conn:
            return {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES}

    return count


@pytest.fixture
def sample_call() -> CallResult:
    return make_call_result()


@pytest.fixture
def failed_call() -> CallResult:
    return make_failed_call()
