"""`call-qa users` and `call-qa serve` (argument handling; serving itself is covered by
the browser tests, which run the same app under uvicorn)."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from call_qa import cli
from call_qa import db as dbmod


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.sqlite3'}"


def test_users_add_with_password_stdin_then_list(sqlite_url, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
    assert cli.main(["users", "add", "sari", "--role", "qa_officer", "--password-stdin", "--db", sqlite_url]) == 0
    assert "added sari (qa_officer)" in capsys.readouterr().out
    with dbmod.open_database(sqlite_url) as database:
        assert dbmod.authenticate(database, "sari", "a-long-password").role.value == "qa_officer"
    assert cli.main(["users", "list", "--db", sqlite_url]) == 0
    assert "sari\tqa_officer\tactive" in capsys.readouterr().out
    assert cli.main(["users", "disable", "sari", "--db", sqlite_url]) == 0
    with dbmod.open_database(sqlite_url) as database:
        assert dbmod.authenticate(database, "sari", "a-long-password") is None


@pytest.mark.parametrize(
    "stdin, args, message",
    [
        ("short-pass\n", ["sari"], "at least 12 characters"),
        ("a-long-password\n", ["two words"], "without spaces"),
    ],
)
def test_users_add_refuses_bad_input_with_exit_2(sqlite_url, monkeypatch, capsys, stdin, args, message):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(["users", "add", *args, "--role", "admin", "--password-stdin", "--db", sqlite_url])
    assert code == 2
    assert message in capsys.readouterr().err


def test_users_add_twice_is_refused(sqlite_url, monkeypatch, capsys):
    for expected in (0, 2):
        monkeypatch.setattr(sys, "stdin", io.StringIO("a-long-password\n"))
        assert cli.main(["users", "add", "ada", "--role", "admin", "--password-stdin", "--db", sqlite_url]) == expected
    assert "already exists" in capsys.readouterr().err


def test_unknown_role_is_a_usage_error(sqlite_url):
    with pytest.raises(SystemExit) as exc:
        cli.main(["users", "add", "x", "--role", "boss", "--db", sqlite_url])
    assert exc.value.code == 2


def test_unreachable_database_exits_3(capsys):
    code = cli.main(["users", "list", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert code == 3 and "Cannot connect" in capsys.readouterr().err


def test_help_lists_serve_and_users_and_stays_light():
    # --help must not import FastAPI, SQLAlchemy or uvicorn.
    code = (
        "import sys; from call_qa import cli\n"
        "try:\n    cli.main(['serve', '--help'])\nexcept SystemExit: pass\n"
        "heavy = [m for m in ('fastapi', 'sqlalchemy', 'uvicorn', 'argon2') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "--port" in out and "--db" in out and "HEAVY []" in out
