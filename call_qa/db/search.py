"""Transcript search with a full-text index (issue #7), same answers as before.

The calls list finds calls whose transcript contains the searched text as a
case-insensitive **substring** (``lower(text) LIKE '%…%'``), so "restitusi" also finds
"restitusinya" and a part of a number finds the number. Both indexes below keep that
meaning; they only make it fast (at 100,000 calls the plain scan took ~380 ms CPU):

The search also matches part of a call id, indexed the same way (``calls_fts`` /
a trigram index on ``lower(call_id)``, migration 0006).

- SQLite: ``utterances_fts``, an FTS5 table with the ``trigram`` tokenizer over
  ``utterances.text`` (external content: the text is not stored twice), kept in step by
  triggers on ``utterances`` (migration 0004). FTS5 answers ``LIKE '%…%'`` from its
  trigram index (case-insensitive for ASCII, like SQLite's own ``lower``) for searches
  of 3 characters or more; shorter ones, or ones containing the LIKE wildcards ``%``/``_``,
  scan as before.
- PostgreSQL: a ``pg_trgm`` GIN index on ``lower(text)``, which serves ``LIKE '%…%'``
  directly. Migration 0004 installs the extension when the user may (it is a trusted
  extension since PostgreSQL 13); without it the same query scans.

Transcripts are redacted before they are stored (``call_qa.pii``), so both indexes hold,
and the search finds, only the redacted text; originals kept for issue #9 are not indexed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal_column, select, text, union_all

from call_qa.db.models import CallRow, UtteranceRow

FTS_TABLE = "utterances_fts"
CALLS_FTS_TABLE = "calls_fts"  # call ids (migration 0006)
#: Tables SQLite makes for the FTS5 tables (none is in the models' metadata).
FTS_SHADOW_TABLES = frozenset(
    name
    for table in (FTS_TABLE, CALLS_FTS_TABLE)
    for name in (table, *(f"{table}_{suffix}" for suffix in ("data", "idx", "docsize", "config", "content")))
)
TRIGRAM_INDEXES = frozenset({"ix_utterances_text_trgm", "ix_calls_call_id_trgm"})
#: Schema objects made by raw SQL in migrations, left out of the model comparison.
UNMANAGED_NAMES = FTS_SHADOW_TABLES | TRIGRAM_INDEXES
MIN_INDEXED_CHARS = 3


def include_name(name: str | None, type_: str, _parent: Any = None) -> bool:
    """Alembic ``include_name`` hook: skip the search index's own objects."""
    return name not in UNMANAGED_NAMES


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matching_calls(dialect: str, needle: str) -> Any:
    """``SELECT`` of the ids of calls whose call id or transcript contains ``needle``
    (case-insensitive substring), through the full-text indexes where they apply.
    One list (UNION ALL) rather than two ORed tests, so the database starts from the
    few matches instead of testing every call."""
    lowered = needle.lower()
    plain = "%" not in lowered and "_" not in lowered and "\\" not in lowered
    if dialect == "sqlite" and plain and len(lowered) >= MIN_INDEXED_CHARS:
        # LIKE on the FTS5 tables (no ESCAPE clause: FTS5 only takes two-argument LIKE).
        by_id = select(literal_column("rowid")).select_from(text(CALLS_FTS_TABLE)).where(
            literal_column(CALLS_FTS_TABLE + ".call_id").like(f"%{lowered}%")
        )
        in_text = select(literal_column("rowid")).select_from(text(FTS_TABLE)).where(
            literal_column(FTS_TABLE + ".text").like(f"%{lowered}%")
        )
        return union_all(by_id, select(UtteranceRow.call_pk).where(UtteranceRow.id.in_(in_text)))
    pattern = f"%{_escape_like(lowered)}%"
    return union_all(
        select(CallRow.id).where(func.lower(CallRow.call_id).like(pattern, escape="\\")),
        select(UtteranceRow.call_pk).where(func.lower(UtteranceRow.text).like(pattern, escape="\\")),
    )
