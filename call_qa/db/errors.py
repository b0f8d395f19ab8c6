"""Errors raised by the database layer, so callers never need to import SQLAlchemy."""

from __future__ import annotations

from call_qa.errors import CallQAError


class DatabaseError(CallQAError):
    """The database cannot be opened, migrated, read or written.

    The message names the URL (password masked) and says what to do.
    """


class NotFoundError(CallQAError, LookupError):
    """A call or rubric item asked for by id is not in the database."""


def first_line(exc: BaseException) -> str:
    """The first line of a database error's message (the driver's own error when
    SQLAlchemy wraps one), for messages that must stay one readable line."""
    inner = getattr(exc, "orig", None) or exc
    return str(inner).strip().splitlines()[0] if str(inner).strip() else type(inner).__name__
