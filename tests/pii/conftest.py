"""Fixtures of the personal-data tests. The database cases run on SQLite and on
PostgreSQL with the helpers of tests/db (an isolated schema per test)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "db"))
from db_backends import BACKENDS, isolated_database_url  # noqa: E402



@pytest.fixture(params=BACKENDS)
def pii_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from isolated_database_url(request.param, tmp_path, "call_qa_pii")
