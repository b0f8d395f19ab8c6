"""Opening the database: URL resolution, engine set-up, schema migrations.

The database is either the embedded SQLite file (the default, nothing to install) or
PostgreSQL (``postgresql+psycopg://…``) for a contact centre with several workers.
Opening one always brings its schema to the latest Alembic revision, so a new file
or an empty PostgreSQL database is ready to use and an old one is upgraded.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import re
from pathlib import Path
from typing import Any, Iterator

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from call_qa.db.errors import DatabaseError, first_line
from call_qa.home import default_database_url

log = logging.getLogger("call_qa")

ENV_VAR = "CALL_QA_DATABASE_URL"

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: Not Alembic's default ``alembic_version``, so call-qa can share a PostgreSQL
#: database with another Alembic-managed application without either one's history
#: being mistaken for the other's.
VERSION_TABLE = "call_qa_alembic_version"

# Any constant works; it only has to be the same in every call-qa process.
_PG_MIGRATION_LOCK = 0x63616C6C5F7161  # "call_qa"
_PG_CONNECT_TIMEOUT_S = 10

_WHAT_TO_DO = (
    f"check the URL given with --db or in {ENV_VAR} "
    "(e.g. sqlite:////srv/call-qa/call_qa.sqlite3 or postgresql+psycopg://user:password@host:5432/dbname)"
)


def resolve_database_url(url: str | None = None) -> str:
    """The database URL to use: ``url`` when given, else ``$CALL_QA_DATABASE_URL``,
    else the SQLite file ``call_qa.sqlite3`` in the call-qa home
    (:func:`call_qa.home.default_database_url`)."""
    if url:
        return url
    return os.environ.get(ENV_VAR) or default_database_url()


def mask_url(url: str) -> str:
    """``url`` with its password replaced by ``***``, safe for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        # Malformed URLs still reach error messages; hide whatever sits between
        # "user:" and "@" the way SQLAlchemy would.
        return re.sub(r"(//[^:/@]*:)[^@/]*@", r"\1***@", url)


def url_has_password(url: str) -> bool:
    """Whether a database URL carries a password (a malformed one counts as if it did:
    it is not shown or stored either)."""
    try:
        return bool(make_url(url).password)
    except (ArgumentError, ValueError):
        return True


class Database:
    """An open call-qa database: its engine and a session factory.

    Create one with :func:`open_database`; close it (or use it as a context manager)
    to release pooled connections.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """The URL with its password masked."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new ORM session (for repository functions inside ``call_qa.db`` only)."""
        return self._sessions()

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"


def open_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """Open the database at ``url`` (resolved by :func:`resolve_database_url`) and
    upgrade its schema to the latest revision.

    ``postgresql://`` and ``postgres://`` URLs are read as ``postgresql+psycopg://``,
    the only PostgreSQL driver call-qa ships with. For SQLite the parent folder of the
    file is created when missing. Raises :class:`DatabaseError` with the masked URL and
    what to do when the URL is malformed, the server is unreachable, or the schema
    cannot be brought up to date. ``migrate=False`` skips the upgrade (for tools that
    inspect or migrate the schema themselves).
    """
    raw = resolve_database_url(url)
    parsed = _parse_url(raw)
    shown = parsed.render_as_string(hide_password=True)
    try:
        engine = _create_engine(parsed)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(f"Cannot use database URL {shown}: {exc}; {_WHAT_TO_DO}.") from exc
    except OSError as exc:  # the SQLite file's folder cannot be created
        raise DatabaseError(
            f"Cannot create the folder for the database {shown}: {exc}. "
            f"Choose a writable location with --db or {ENV_VAR}."
        ) from exc
    db = Database(engine)
    try:
        with engine.connect():
            pass
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = first_line(exc)
        if parsed.password:
            # Drivers do not echo passwords today; make sure none ever reaches a log.
            reason = reason.replace(parsed.password, "***")
        raise DatabaseError(
            f"Cannot connect to the database at {shown}: {reason}. " + _connect_advice(parsed)
        ) from exc
    if migrate:
        try:
            upgrade_schema(db)
        except BaseException:
            engine.dispose()
            raise
    log.debug("opened database %s", shown)
    return db


def _parse_url(raw: str) -> URL:
    try:
        parsed = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseError(
            f"Malformed database URL {mask_url(raw)!r}; {_WHAT_TO_DO}."
        ) from exc
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _create_engine(url: URL) -> Engine:
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "sqlite":
        file = sqlite_file(url)
        if file is not None:
            _create_private(file)
    elif backend == "postgresql" and "connect_timeout" not in url.query:
        # libpq waits indefinitely for a black-holed host; a CLI run should fail fast.
        connect_args["connect_timeout"] = _PG_CONNECT_TIMEOUT_S
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=backend != "sqlite")
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_on_connect)
    return engine


def sqlite_file(url: URL) -> Path | None:
    """The file of an SQLite URL, or None for an in-memory or ``file:`` URI database."""
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _create_private(file: Path) -> None:
    """Create the SQLite file (and missing folders) readable by its owner only: it holds
    transcripts and, with ``privacy.keep_originals``, unredacted personal data. SQLite
    gives its journal and WAL files the database file's permissions."""
    missing = [folder for folder in (file.parent, *file.parent.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
    if not file.exists():
        os.close(os.open(file, os.O_CREAT | os.O_WRONLY, 0o600))


@contextlib.contextmanager
def _migration_lock(db: "Database") -> Iterator[None]:
    """One process migrates a new SQLite file at a time: an exclusive lock on
    ``<file>.lock`` (owner-only). Without it two runs opening a new file at once both
    create the tables and the second fails ("table calls already exists")."""
    file = sqlite_file(db.engine.url)
    if file is None:
        yield
        return
    lock_path = file.with_name(file.name + ".lock")
    fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores foreign keys (and so ON DELETE CASCADE / SET NULL) unless asked,
    # per connection. busy_timeout lets a second process wait for a writer instead of
    # failing at once with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _connect_advice(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return (
            "Check that the folder of the SQLite file exists and is writable, "
            f"or point --db / {ENV_VAR} elsewhere."
        )
    return (
        "Check that the PostgreSQL server is running and reachable at that host and port, "
        "that the database exists (createdb) and the user and password are right, and "
        + _WHAT_TO_DO
        + "."
    )


# --------------------------------------------------------------------------- migrations


def alembic_config(db: Database | None = None) -> Config:
    """An Alembic :class:`~alembic.config.Config` for call-qa's migrations, built in
    code so no ``alembic.ini`` is needed. With ``db``, commands run on its engine."""
    config = Config()
    # ConfigParser interpolates "%"; a path containing one must be escaped.
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    config.set_main_option("version_table", VERSION_TABLE)
    if db is not None:
        config.attributes["engine"] = db.engine
    return config


def upgrade_schema(db: Database, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (default: the latest)."""
    _run_migration(db, command.upgrade, revision, "upgrade")


def downgrade_schema(db: Database, revision: str) -> None:
    """Revert migrations down to ``revision`` (``"base"`` drops every call-qa table)."""
    _run_migration(db, command.downgrade, revision, "downgrade")


def current_revision(db: Database) -> str | None:
    """The schema revision the database is at, or None for a database without one."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def _run_migration(db: Database, step: Any, revision: str, verb: str) -> None:
    config = alembic_config(db)
    try:
        with _migration_lock(db), db.engine.begin() as connection:
            if db.dialect == "postgresql":
                # Several workers may open a new database at once; only one migrates,
                # the others wait and then find the schema already at head.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
            config.attributes["connection"] = connection
            step(config, revision)
    except CommandError as exc:
        raise DatabaseError(
            f"Cannot {verb} the schema of {db.url} to {revision!r}: {exc}. If the database "
            "was created by a newer call-qa, upgrade call-qa; otherwise use another database."
        ) from exc
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"Cannot {verb} the schema of {db.url}: {first_line(exc)}. "
            "Check that the user may create tables there."
        ) from exc


@functools.lru_cache(maxsize=4)
def shared_database(url: str) -> Database:
    """One opened (and migrated) :class:`Database` per URL and process, shared by the
    CLI's up-front check and the flow's tasks; a failure is not cached."""
    return open_database(url)
