"""Exports (CSV and XLSX) on SQLite and PostgreSQL, tested on the bytes: the BOM, the
separator chosen by the browser's language or the ``sep`` override, formula cells
neutralised, an XLSX that openpyxl reads back with the right cells, the access log."""

from __future__ import annotations

import csv
import io

import pytest

from call_qa import db as dbmod
from call_qa.web import exports
from web_support import CALL, FAILED, QUIET

DAY = "start=2026-11-20&end=2026-11-20"
BOM = b"\xef\xbb\xbf"


def rows_of(body: bytes, sep: str) -> list[list[str]]:
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=sep))


def xlsx_rows(body: bytes) -> list[list[object]]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(body)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


# --------------------------------------------------------------------------- pure functions


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+62 812", "'+62 812"), ("-1+2", "'-1+2"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("sari", "sari"), ("a=b", "a=b"), ("", ""),
    (-1.5, -1.5), (3, 3), (None, None),
])
def test_neutralise(value, expected):
    assert exports.neutralise(value) == expected


@pytest.mark.parametrize("header, override, sep", [
    ("id-ID,id;q=0.9,en;q=0.8", None, ";"), ("id", None, ";"), ("en-US,en;q=0.9", None, ","), (None, None, ","),
    ("id-ID", "comma", ","), ("en-GB", "semicolon", ";"), ("de-DE,de", None, ";"),
])
def test_separator_for(header, override, sep):
    assert exports.separator_for(header, override) == sep


def test_csv_bytes_hand_written():
    table = exports.table("t", ["a", "b", "c"], [["=1+1", 2.5, None], ["x;y", -3, "ok"]])
    assert exports.to_csv(table, ";") == BOM + b"a;b;c\r\n'=1+1;2.5;\r\n\"x;y\";-3;ok\r\n"


# --------------------------------------------------------------------------- HTTP


def test_calls_csv_in_an_indonesian_locale_opens_as_columns(supervisor, database):
    dbmod.set_call_metadata(database, QUIET, agent_id="=HYPERLINK(\"http://evil\",\"x\")", team="@SUM(A1)")
    response = supervisor.get(f"/calls.csv?{DAY}&sort=call_id&dir=asc", headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="calls.csv"' in response.headers["content-disposition"]
    body = response.content
    assert body.startswith(BOM + b"call_id;when;status;")
    rows = rows_of(body, ";")
    header = rows[0]
    assert [r[0] for r in rows[1:]] == [CALL, QUIET, FAILED]
    by_id = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert by_id[QUIET]["agent_id"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert by_id[QUIET]["team"] == "'@SUM(A1)"
    assert by_id[CALL]["agent_id"] == "sari" and by_id[CALL]["score"] == "95.92"  # web_samples: 95.92
    assert by_id[FAILED]["status"] == "failed" and by_id[FAILED]["score"] == ""


def test_calls_csv_separator_override_and_filters(supervisor):
    body = supervisor.get(f"/calls.csv?{DAY}&agent=sari&sep=comma", headers={"Accept-Language": "id"}).content
    rows = rows_of(body, ",")
    assert rows[0][:3] == ["call_id", "when", "status"]
    assert sorted(r[0] for r in rows[1:]) == sorted([CALL, FAILED])  # budi's call is filtered out
    english = supervisor.get(f"/calls.csv?{DAY}", headers={"Accept-Language": "en-US"}).content
    assert english.startswith(BOM + b"call_id,when,")
    assert supervisor.get(f"/calls.csv?sep=tab").status_code == 400
    assert supervisor.get("/calls.pdf").status_code == 400


def test_calls_xlsx_reads_back(supervisor, database):
    dbmod.set_call_metadata(database, QUIET, team="+cmd|' /C calc'!A0")
    response = supervisor.get(f"/calls.xlsx?{DAY}&sort=call_id&dir=asc")
    assert response.status_code == 200
    assert response.headers["content-type"] == exports.XLSX_TYPE
    rows = xlsx_rows(response.content)
    header = rows[0]
    assert list(header[:3]) == ["call_id", "when", "status"]
    cells = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    assert set(cells) == {CALL, QUIET, FAILED}
    assert cells[CALL]["score"] == pytest.approx(95.92)
    assert cells[CALL]["duration_s"] == pytest.approx(12.0)
    assert cells[QUIET]["team"] == "'+cmd|' /C calc'!A0"
    assert cells[FAILED]["score"] is None


def test_dashboard_tables_export(supervisor):
    rows = rows_of(supervisor.get(f"/dashboard.csv?{DAY}&group=team&sep=semicolon").content, ";")
    header = rows[0]
    assert header[0] == "team"
    teams = {r[0]: dict(zip(header, r)) for r in rows[1:]}
    # alpha: CALL (ok) + FAILED; beta: QUIET
    assert teams["alpha"]["calls"] == "1" and teams["alpha"]["failed_calls"] == "1"
    assert teams["beta"]["calls"] == "1" and teams["beta"]["failed_calls"] == "0"
    days = rows_of(supervisor.get(f"/dashboard.csv?{DAY}&table=day").content, ",")
    assert days[1][:3] == ["2026-11-20", "2", "1"]
    weeks = xlsx_rows(supervisor.get(f"/dashboard.xlsx?{DAY}&table=week").content)
    assert list(weeks[0][:2]) == ["week", "calls"]
    assert weeks[1][0] == "2026-W47" and weeks[1][1] == 2
    assert supervisor.get(f"/dashboard.csv?table=month").status_code == 400


def test_coaching_and_kb_exports(qa, supervisor):
    coaching = xlsx_rows(supervisor.get(f"/coaching.xlsx?{DAY}&standard=99").content)
    assert list(coaching[1][:5]) == ["sari", "alpha", 1, 95.92, 99]
    from test_web_http import override

    override(qa, "solution_accuracy", "fail")
    kb = rows_of(supervisor.get(f"/kb-gaps.csv?{DAY}", headers={"Accept-Language": "id"}).content, ";")
    assert kb[0] == ["topic", "calls", "failed_items", "example_calls", "example_quotes"]
    assert kb[1][1:4] == ["1", "solution_accuracy (1)", CALL]
    assert len(xlsx_rows(supervisor.get(f"/kb-gaps.xlsx?{DAY}").content)) == 2


def test_every_export_is_in_the_access_log(supervisor, database):
    for path in (f"/calls.csv?{DAY}", f"/calls.xlsx?{DAY}", f"/dashboard.csv?{DAY}", "/coaching.csv",
                 "/kb-gaps.xlsx"):
        assert supervisor.get(path).status_code == 200
    entries, _ = dbmod.access_log(database)
    exported = [e for e in entries if e.action == "export"]
    names = [e.details.split(" ")[0] for e in reversed(exported)]
    assert names[:3] == ["calls.csv", "calls.xlsx", "dashboard_agent_2026-11-20_2026-11-20.csv"]
    assert names[3].startswith("coaching_") and names[3].endswith(".csv")
    assert names[4].startswith("kb_gaps_") and names[4].endswith(".xlsx")
    assert all(e.user == "sam" for e in exported)
    assert exported[-1].details.startswith("calls.csv rows=3 start=2026-11-20")


def test_exports_need_a_login(anonymous):
    assert anonymous.get("/calls.csv").status_code == 303
    assert anonymous.get("/dashboard.xlsx").status_code == 303
