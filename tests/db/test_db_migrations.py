"""The Alembic migrations build exactly the schema of models.py, and run both ways."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from call_qa import db as dbmod
from call_qa.db.engine import VERSION_TABLE, alembic_config
from call_qa.db.models import Base
from call_qa.db.search import FTS_SHADOW_TABLES, include_name

from db_samples import make_call_result


def schema_diffs(database: dbmod.Database) -> list:
    with database.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE, "compare_type": True, "include_name": include_name}
        )
        return compare_metadata(context, Base.metadata)


def call_qa_tables(database: dbmod.Database) -> set[str]:
    # The transcript search's FTS5 tables (SQLite) are not models.
    return set(sa.inspect(database.engine).get_table_names()) - FTS_SHADOW_TABLES


def test_migrations_are_one_linear_history():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        # Every migration must be reversible (architecture rule 9).
        assert callable(getattr(revision.module, "downgrade", None)), revision.revision


def test_schema_after_upgrade_matches_models(db):
    assert dbmod.current_revision(db) == ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert schema_diffs(db) == []
    assert call_qa_tables(db) == set(Base.metadata.tables) | {VERSION_TABLE}


def test_check_constraints_exist(db, sample_call):
    # compare_metadata does not see CHECK constraints; prove the migration made them.
    dbmod.save_call_result(db, sample_call)
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE calls SET status = 'maybe'"))
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE item_results SET verdict = 'great'"))


def test_downgrade_then_upgrade(db, sample_call):
    dbmod.save_call_result(db, sample_call)
    dbmod.downgrade_schema(db, "base")
    assert call_qa_tables(db) <= {VERSION_TABLE}
    assert dbmod.current_revision(db) is None
    dbmod.upgrade_schema(db)
    assert schema_diffs(db) == []
    assert dbmod.load_call_result(db, sample_call.call_id) is None
    dbmod.save_call_result(db, sample_call)
    assert dbmod.load_call_result(db, sample_call.call_id) == sample_call


def test_reopening_keeps_data(db_url):
    call = make_call_result()
    with dbmod.open_database(db_url) as first:
        dbmod.save_call_result(first, call)
    with dbmod.open_database(db_url) as second:
        assert dbmod.load_call_result(second, call.call_id) == call


def test_database_from_a_newer_call_qa_is_refused(db, db_url):
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999_future'"))
    with pytest.raises(dbmod.DatabaseError, match="newer call-qa"):
        dbmod.open_database(db_url)


def test_offline_sql_renders_for_review(capsys):
    # `alembic upgrade --sql`: the SQL a DBA can review and apply by hand.
    from alembic import command

    config = alembic_config()
    config.set_main_option("sqlalchemy.url", "postgresql+psycopg://")
    command.upgrade(config, "head", sql=True)
    sql = capsys.readouterr().out
    assert "CREATE TABLE calls" in sql
    assert "ON DELETE CASCADE" in sql
    assert VERSION_TABLE in sql
