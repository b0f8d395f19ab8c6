"""The call-qa database: the only package that imports SQLAlchemy and Alembic.

Typical use::

    from call_qa import db

    database = db.open_database(args.db)       # --db, else $CALL_QA_DATABASE_URL, else SQLite
    db.save_call_result(database, result)      # one transaction; replaces earlier results
    db.load_call_result(database, "2026-11-27_0001")
    db.list_calls(database)
    db.set_call_metadata(database, "2026-11-27_0001", agent_id="sari", team="alpha")
    db.timing_summary(database, "agent_day", start=date(2026, 11, 1))  # supervisor view

Rows never leave this package: every function takes and returns values from
``call_qa.domain`` or the small frozen dataclasses defined here.
"""

from call_qa.db.accounts import (
    AccessLogEntry,
    AccountError,
    LoginLimit,
    User,
    UserRole,
    WebSession,
    access_log,
    add_user,
    authenticate,
    check_password,
    clear_login_failures,
    delete_user,
    recent_login_failures,
    set_password,
    set_role,
    create_session,
    end_session,
    find_session,
    list_users,
    log_access,
    login_lockout_left,
    record_login_failure,
    set_user_active,
    set_user_language,
)
from call_qa.db.aggregates import GroupBy, TimingSummaryRow, timing_summary
from call_qa.db import browse  # queries of the web app (calls list, calibration, coaching)
from call_qa.db import rollup  # noqa: F401  (call_timing: registers the table)
from call_qa.db import daily  # noqa: F401  (call_daily: registers the tables)
from call_qa.db import search  # noqa: F401  (transcript search index)
from call_qa.db import workflow  # noqa: F401  (sign-offs, comments, claims: registers the tables)
from call_qa.db import feedback  # agents' acknowledgements and disputes (issue 16)
from call_qa.db import calibration  # calibration sessions (issue 16)
from call_qa.db.daily_api import ensure_daily_offset, rebuild_daily
from call_qa.db.engine import (
    ENV_VAR,
    Database,
    current_revision,
    downgrade_schema,
    mask_url,
    open_database,
    shared_database,
    url_has_password,
    resolve_database_url,
    upgrade_schema,
)
from call_qa.db.errors import DatabaseError, NotFoundError
from call_qa.db.personal_data import (
    RetentionRecord,
    load_heard,
    load_unredacted_utterances,
    retention_records,
)
from call_qa.db.repository import (
    CallSummary,
    ItemOverride,
    Keep,
    add_override,
    delete_call,
    StoredIdentity,
    find_original,
    find_processed,
    record_duplicate,
    stored_identity,
    latest_verdicts,
    list_calls,
    load_call_result,
    save_call_result,
    set_call_metadata,
)

__all__ = [
    # personal data (docs/personal-data.md)
    "RetentionRecord",
    "load_heard",
    "load_unredacted_utterances",
    "retention_records",
    # accounts and queries of the web app
    "browse",
    "feedback",
    "calibration",
    "AccessLogEntry",
    "AccountError",
    "LoginLimit",
    "check_password",
    "clear_login_failures",
    "delete_user",
    "recent_login_failures",
    "set_password",
    "set_role",
    "login_lockout_left",
    "record_login_failure",
    "User",
    "UserRole",
    "WebSession",
    "access_log",
    "add_user",
    "authenticate",
    "create_session",
    "end_session",
    "find_session",
    "list_users",
    "log_access",
    "set_user_active",
    "set_user_language",
    "ENV_VAR",
    "CallSummary",
    "Database",
    "DatabaseError",
    "GroupBy",
    "ItemOverride",
    "Keep",
    "NotFoundError",
    "TimingSummaryRow",
    "add_override",
    "delete_call",
    "ensure_daily_offset",
    "rebuild_daily",
    "current_revision",
    "downgrade_schema",
    "StoredIdentity",
    "find_original",
    "find_processed",
    "record_duplicate",
    "stored_identity",
    "latest_verdicts",
    "list_calls",
    "load_call_result",
    "mask_url",
    "open_database",
    "shared_database",
    "url_has_password",
    "resolve_database_url",
    "save_call_result",
    "set_call_metadata",
    "timing_summary",
    "upgrade_schema",
]
