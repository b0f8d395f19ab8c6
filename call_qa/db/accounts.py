"""Web-app accounts: users, login sessions and the access log (issue #7).

Tables (migration ``0002_accounts``)
------------------------------------
``users``        one row per person: username, argon2id password hash, role
                 (``qa_officer``, ``supervisor``, ``admin``), active flag.
``web_sessions`` one row per login: only the SHA-256 of the session token is stored
                 (a stolen database copy cannot be replayed as a cookie), with the
                 CSRF token of that session and when it expires.
``access_log``   who looked at which call's personal data, when and what
                 (only ever inserted; admins read it).

The module also adds the indexes on ``calls`` and ``item_overrides`` that the web
app's list, dashboard and calibration pages need on 100,000 calls; they are declared
here (and created by the same migration) so ``models.py`` stays as the foundation
left it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import hashlib
import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from call_qa.db.engine import Database
from call_qa.db.errors import DatabaseError, NotFoundError
from call_qa.db.models import Base, CallRow, ItemOverrideRow, ScorecardRow
from call_qa.db.session_utils import as_utc, database_errors

log = logging.getLogger("call_qa")


class UserRole(str, enum.Enum):
    QA_OFFICER = "qa_officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AGENT = "agent"  # sees only its own signed-off scorecards (migration 0011)


class AccountError(ValueError):
    """Bad account input (unknown role, duplicate username, empty password)."""


_ROLES_SQL = "role IN (" + ", ".join(f"'{r.value}'" for r in UserRole) + ")"
MIN_PASSWORD_LENGTH = 12
# Common passwords refused whatever their length (a bundled list, call_qa/db/common_passwords.txt).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Progressive lockout: each lock that follows another within the window lasts twice as
# long, up to lockout × 2 ** MAX_DOUBLINGS (15 minutes → 4 hours with the defaults).
MAX_DOUBLINGS = 4
# argon2id with argon2-cffi's defaults (RFC 9106 "low memory" profile: t=3, m=64 MiB),
# made on first use so importing call_qa.db stays light.
_hasher: Any = None


def _password_hasher() -> Any:
    global _hasher
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verified against when the username is unknown, so a login takes as long either
    way and response times do not tell which usernames exist. Made on first use, not
    at import: every process importing call_qa.db would pay ~0.1 s for it."""
    return _password_hasher().hash("not a password of anyone")


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_ROLES_SQL, name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column()
    # The UI language (migration 0010): "id" or "en"; NULL follows the browser.
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)
    # The agent id (calls.agent_id) an ``agent`` login is; NULL for the other roles.
    agent_id: Mapped[str | None] = mapped_column(String(128))


class WebSessionRow(Base):
    __tablename__ = "web_sessions"
    __table_args__ = (Index(None, "expires_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column()
    expires_at: Mapped[dt.datetime] = mapped_column()


class AccessLogRow(Base):
    """Who viewed what. ``call_id`` is a copy, not a foreign key: the record of an
    access must outlive the call (deleted by a retention job)."""

    __tablename__ = "access_log"
    __table_args__ = (Index(None, "at"), Index(None, "call_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column()
    user_name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    call_id: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)


class LoginFailureRow(Base):
    """A failed login (migration 0005): what the rate limit counts. Rows older than
    the window and lockout together are removed as new ones come."""

    __tablename__ = "login_failures"
    __table_args__ = (Index(None, "username", "at"), Index(None, "address", "at"), Index(None, "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column()
    username: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(64))


# Indexes for the web app's queries on the foundation's tables (see module docstring).
# Calls list and dashboard: newest first / a date range, a team. A call's time is
# recorded_at, else processed_at (aggregates.py); the expression index serves both the
# list's ORDER BY and the date-range filters spelled with that same COALESCE.
Index("ix_calls_when", func.coalesce(CallRow.__table__.c.recorded_at, CallRow.__table__.c.processed_at))
Index("ix_calls_recorded_at", CallRow.__table__.c.recorded_at)
Index("ix_calls_processed_at", CallRow.__table__.c.processed_at)
Index("ix_calls_team", CallRow.__table__.c.team)
# Score range filter and sort.
Index("ix_scorecards_score", ScorecardRow.__table__.c.score)
# Calibration over a period of decisions.
Index("ix_item_overrides_created_at", ItemOverrideRow.__table__.c.created_at)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: UserRole
    active: bool
    created_at: dt.datetime
    language: str | None = None  # UI language; None: the browser's (default id)
    agent_id: str | None = None  # for the agent role: whose calls


@dataclass(frozen=True)
class WebSession:
    """A valid login: who, the CSRF token every form of this session must carry, and
    when it expires."""

    user: User
    csrf_token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class AccessLogEntry:
    id: int
    at: dt.datetime
    user: str
    role: str
    call_id: str | None
    action: str
    details: str


def _user(row: UserRow) -> User:
    return User(row.id, row.username, UserRole(row.role), row.active, as_utc(row.created_at),
                language=row.language, agent_id=row.agent_id)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --------------------------------------------------------------------------- users


def _role(role: UserRole | str) -> UserRole:
    try:
        return UserRole(role)
    except ValueError:
        raise AccountError(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in UserRole)}"
        ) from None


def _agent_link(role: UserRole, agent_id: str | None) -> str | None:
    """The agent id stored with a user of ``role``: required for agents, none else."""
    agent_id = (agent_id or "").strip() or None
    if role == UserRole.AGENT and agent_id is None:
        raise AccountError("an agent login needs the agent id of its calls")
    if agent_id is not None and (len(agent_id) > 128 or "\x00" in agent_id):
        raise AccountError("the agent id must be 1-128 characters without NUL")
    return agent_id if role == UserRole.AGENT else None


def add_user(db: Database, username: str, password: str, role: UserRole | str,
             agent_id: str | None = None) -> User:
    """Create an active user with an argon2id hash of ``password``.

    Raises :class:`AccountError` for an unknown role, an empty or badly formed
    username, a password shorter than 8 characters, a username already taken, or an
    agent without ``agent_id`` (the ``calls.agent_id`` whose scorecards it sees).
    """
    role = _role(role)
    username = username.strip()
    if not username or len(username) > 128 or any(c.isspace() for c in username):
        raise AccountError("the username must be 1-128 characters without spaces")
    check_password(username, password)
    row = UserRow(
        username=username,
        password_hash=_password_hasher().hash(password),
        role=role.value,
        active=True,
        created_at=_now(),
        agent_id=_agent_link(role, agent_id),
    )
    try:
        with database_errors(db, f"add user {username!r}"), db.session() as session, session.begin():
            session.add(row)
    except DatabaseError as exc:
        if isinstance(exc.__cause__, IntegrityError):
            raise AccountError(f"a user named {username!r} already exists") from None
        raise
    log.info("added user %s (%s)", username, role.value)
    return _user(row)


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower case."""
    try:
        lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    except OSError:  # a missing list must not let every password through silently
        log.warning("common password list %s missing", COMMON_PASSWORDS_FILE)
        return frozenset()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def check_password(username: str, password: str) -> None:
    """The password rule: at least 12 characters, not the username (in any case, nor
    the username with digits or punctuation around it), not a common password of the
    bundled list. Raises :class:`AccountError` with the reason."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    lowered = password.lower()
    core = lowered.strip("0123456789!@#$%^&*()-_=+.,;:?/ ")
    if username and username.strip().lower() in (lowered, core):
        raise AccountError("the password must not be the username")
    if lowered in common_passwords() or core in common_passwords():
        raise AccountError("this password is on the list of common passwords; choose another")


def set_password(db: Database, username: str, password: str) -> None:
    """Reset ``username``'s password (the password rule applies) and end its sessions."""
    check_password(username, password)
    hashed = _password_hasher().hash(password)
    with database_errors(db, f"reset the password of {username!r}"), db.session() as session, session.begin():
        user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
        if user_id is None:
            raise NotFoundError(f"no user {username!r}")
        session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=hashed))
        session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))


def set_role(db: Database, username: str, role: UserRole | str, agent_id: str | None = None) -> User:
    """Change ``username``'s role (an agent needs ``agent_id``); ends its sessions, so
    the new role applies from the next login."""
    role = _role(role)
    link = _agent_link(role, agent_id)
    with database_errors(db, f"change the role of {username!r}"), db.session() as session, session.begin():
        row = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
        if row is None:
            raise NotFoundError(f"no user {username!r}")
        row.role, row.agent_id = role.value, link
        session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == row.id))
        return _user(row)


def delete_user(db: Database, username: str) -> None:
    """Remove ``username`` (its sessions go with it; the access log keeps its name)."""
    with database_errors(db, f"delete user {username!r}"), db.session() as session, session.begin():
        user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
        if user_id is None:
            raise NotFoundError(f"no user {username!r}")
        session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))
        session.execute(delete(UserRow).where(UserRow.id == user_id))


def list_users(db: Database) -> list[User]:
    """Every user, by username."""
    with database_errors(db, "list users"), db.session() as session:
        return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))]


def set_user_active(db: Database, username: str, active: bool) -> None:
    """Enable or disable a login; disabling also ends that user's sessions."""
    with database_errors(db, f"update user {username!r}"), db.session() as session, session.begin():
        user_id = session.scalar(select(UserRow.id).where(UserRow.username == username))
        if user_id is None:
            raise NotFoundError(f"no user {username!r}")
        session.execute(update(UserRow).where(UserRow.id == user_id).values(active=active))
        if not active:
            session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))


USER_LANGUAGES = ("id", "en")


def set_user_language(db: Database, username: str, language: str | None) -> None:
    """Set the user's UI language (``id``, ``en``, or None: the browser's)."""
    if language is not None and language not in USER_LANGUAGES:
        raise AccountError(f"language must be one of {', '.join(USER_LANGUAGES)}")
    with database_errors(db, f"set the language of {username!r}"), db.session() as session, session.begin():
        done = session.execute(update(UserRow).where(UserRow.username == username).values(language=language))
        if done.rowcount == 0:
            raise NotFoundError(f"no user {username!r}")


def authenticate(db: Database, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Rehashes a password whose
    hash uses weaker parameters than today's defaults."""
    with database_errors(db, "check a login"), db.session() as session, session.begin():
        from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

        hasher = _password_hasher()
        row = session.scalars(select(UserRow).where(UserRow.username == username)).one_or_none()
        try:
            hasher.verify(row.password_hash if row is not None else _dummy_hash(), password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None or not row.active:
            return None
        if hasher.check_needs_rehash(row.password_hash):
            row.password_hash = hasher.hash(password)
        return _user(row)


# --------------------------------------------------------------------------- sessions


def create_session(db: Database, user: User, lifetime: dt.timedelta) -> tuple[str, WebSession]:
    """Start a login session: returns the secret token (for the cookie; only its hash
    is stored) and the session. Expired sessions of everyone are removed on the way."""
    token = secrets.token_urlsafe(32)
    now = _now()
    row = WebSessionRow(
        token_hash=_token_hash(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        expires_at=now + lifetime,
    )
    with database_errors(db, "start a session"), db.session() as session, session.begin():
        session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))
        session.add(row)
    return token, WebSession(user, row.csrf_token, row.expires_at)


def find_session(db: Database, token: str) -> WebSession | None:
    """The unexpired session of ``token`` whose user is still active, or None."""
    if not token:
        return None
    with database_errors(db, "look up a session"), db.session() as session:
        found = session.execute(
            select(WebSessionRow, UserRow)
            .join(UserRow, UserRow.id == WebSessionRow.user_id)
            .where(WebSessionRow.token_hash == _token_hash(token))
        ).one_or_none()
    if found is None:
        return None
    row, user = found
    if not user.active or as_utc(row.expires_at) <= _now():
        return None
    return WebSession(_user(user), row.csrf_token, as_utc(row.expires_at))


def end_session(db: Database, token: str) -> None:
    """Log out: forget the session of ``token`` (nothing happens for an unknown one)."""
    with database_errors(db, "end a session"), db.session() as session, session.begin():
        session.execute(delete(WebSessionRow).where(WebSessionRow.token_hash == _token_hash(token)))


# --------------------------------------------------------------------------- access log


def log_access(
    db: Database, user: User, action: str, call_id: str | None = None, details: str = ""
) -> None:
    """Record that ``user`` did ``action`` (e.g. ``view_unredacted``) on ``call_id``."""
    with database_errors(db, "write the access log"), db.session() as session, session.begin():
        session.add(
            AccessLogRow(
                at=_now(),
                user_name=user.username,
                role=user.role.value,
                call_id=call_id,
                action=action,
                details=details,
            )
        )


def access_log(
    db: Database, *, limit: int = 100, offset: int = 0, call_id: str | None = None
) -> tuple[list[AccessLogEntry], int]:
    """Entries of the access log, newest first, and how many there are in all."""
    with database_errors(db, "read the access log"), db.session() as session:
        query = select(AccessLogRow)
        count = select(func.count(AccessLogRow.id))
        if call_id:
            query = query.where(AccessLogRow.call_id == call_id)
            count = count.where(AccessLogRow.call_id == call_id)
        rows = session.scalars(query.order_by(AccessLogRow.id.desc()).limit(limit).offset(offset))
        entries = [
            AccessLogEntry(r.id, as_utc(r.at), r.user_name, r.role, r.call_id, r.action, r.details)
            for r in rows
        ]
        return entries, session.scalar(count) or 0


# --------------------------------------------------------------------------- login rate limit


@dataclass(frozen=True)
class LoginLimit:
    """The login rate limit (``web.login_*`` settings): ``max_failures`` failed logins
    of one username, or ``max_failures_per_address`` from one client address, within
    ``window`` lock that username / address for ``lockout`` after the last of them."""

    max_failures: int
    max_failures_per_address: int
    window: dt.timedelta
    lockout: dt.timedelta


def _kept(limit: LoginLimit) -> dt.timedelta:
    """How long failures matter: a window plus the longest (progressive) lockout."""
    return limit.window + limit.lockout * 2 ** MAX_DOUBLINGS


def record_login_failure(db: Database, username: str, address: str, limit: LoginLimit) -> None:
    """Count a failed login of ``username`` from ``address`` (and forget failures too
    old to matter any more)."""
    now = _now()
    with database_errors(db, "record a failed login"), db.session() as session, session.begin():
        session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - _kept(limit)))
        session.add(LoginFailureRow(at=now, username=username[:128], address=address[:64]))


def clear_login_failures(db: Database, username: str, address: str | None = None) -> None:
    """After a successful login from ``address``: that username's failures from there
    no longer count. Without ``address`` (an admin's unlock): from everywhere."""
    with database_errors(db, "clear failed logins"), db.session() as session, session.begin():
        query = delete(LoginFailureRow).where(LoginFailureRow.username == username[:128])
        if address is not None:
            query = query.where(LoginFailureRow.address == address[:64])
        session.execute(query)


def recent_login_failures(db: Database, limit: LoginLimit) -> dict[str, int]:
    """Failed logins per username that still count (for the admin's users page)."""
    since = _now() - _kept(limit)
    with database_errors(db, "count failed logins"), db.session() as session:
        rows = session.execute(select(LoginFailureRow.username, func.count()).where(LoginFailureRow.at >= since)
                               .group_by(LoginFailureRow.username))
        return {u: n for u, n in rows}


def login_lockout_left(db: Database, username: str, address: str, limit: LoginLimit) -> dt.timedelta | None:
    """How much longer logins of ``username`` from ``address``, or any from ``address``,
    are refused, or None when they are not.

    Locked: ``max_failures`` failures of this username *from this address* (so an
    outsider elsewhere cannot lock a named account out), or ``max_failures_per_address``
    of any usernames from the address, within ``window`` of each other, the last of them
    less than ``lockout`` ago. A username+address that fails again within ``window``
    of its lock's end is locked twice as long each time (progressive, up to
    ``lockout × 2**MAX_DOUBLINGS``)."""
    now = _now()
    since = now - _kept(limit)
    with database_errors(db, "check failed logins"), db.session() as session:
        by_user = session.scalars(
            select(LoginFailureRow.at).where(LoginFailureRow.username == username[:128],
                                             LoginFailureRow.address == address[:64], LoginFailureRow.at >= since)
        ).all()
        by_address = session.scalars(
            select(LoginFailureRow.at).where(LoginFailureRow.address == address[:64], LoginFailureRow.at >= since)
        ).all()
    until = max(
        (_locked_until(sorted(as_utc(t) for t in by_user), limit.max_failures, limit, progressive=True),
         _locked_until(sorted(as_utc(t) for t in by_address), limit.max_failures_per_address, limit)),
        key=lambda t: t or dt.datetime.min.replace(tzinfo=dt.timezone.utc),
    )
    return until - now if until is not None and until > now else None


def _locked_until(times: list[dt.datetime], threshold: int, limit: LoginLimit,
                  progressive: bool = False) -> dt.datetime | None:
    """The latest end of a lockout: a failure that is the ``threshold``-th within
    ``window`` (counting itself) locks until it + ``lockout``. ``progressive``: a
    failure within ``window`` after a lock ended locks again, twice as long as before."""
    until = None
    level = 0
    for i, t in enumerate(times):
        if progressive and until is not None and t <= until + limit.window:
            level = min(level + 1, MAX_DOUBLINGS)
            until = t + limit.lockout * 2 ** level
        elif i >= threshold - 1 and t - times[i - threshold + 1] <= limit.window:
            level = 0
            until = t + limit.lockout
    return until
