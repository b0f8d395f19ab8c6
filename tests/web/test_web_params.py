"""Bad query values get HTTP 400 with a sentence naming the parameter (issue 14,
point 5), on SQLite and PostgreSQL. Before the typed parameters several of these
were 500s: a page past SQLite's 64-bit OFFSET (``page=99999999999999999999``), a day
whose UTC bounds leave Python's dates (``end=9999-12-31``: the next day;
``end=0001-01-01``: the default start 27 days earlier; ``start=0001-01-01`` minus a
zone east of UTC), and a NUL character, which PostgreSQL refuses in a query.

The expected sentences are written out here, not read back from the app.
"""

from __future__ import annotations

import html
import re

import pytest

from call_qa import db as dbmod
from web_support import CALL, CSRF_FIELD, FAILED, QUIET, csrf_of, login, new_client

HUGE = "99999999999999999999"  # 20 digits: over 2**63
DAY_MUST = "must be a date like 2026-11-27, from 1900-01-01 to 2999-12-31, not "
PAGE_MUST = "must be a whole number from 1 to 1000000, not "
FLAGS = "interruptions, long_holds, transfers, needs_review, failed"
SORTS = "date, score, duration, agent, call_id, review"


def refusal(response) -> str:
    """The sentence of an error page (400), unescaped."""
    assert response.status_code == 400, (response.status_code, response.text[:300])
    assert "<h1>400</h1>" in response.text
    return html.unescape(re.search(r'<p class="error">([^<]*)</p>', response.text).group(1))


def listed(text: str) -> list[str]:
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<td><a href="/calls/([^"#]+)">', body)


CALLS_LIST_REFUSALS = [
    (f"page={HUGE}", f"page {PAGE_MUST}'{HUGE}'"),
    ("page=0", f"page {PAGE_MUST}'0'"),
    ("page=-1", f"page {PAGE_MUST}'-1'"),
    ("page=two", f"page {PAGE_MUST}'two'"),
    ("page=1000001", f"page {PAGE_MUST}'1000001'"),
    ("per_page=0", "per_page must be a whole number from 1 to 500, not '0'"),
    ("per_page=501", "per_page must be a whole number from 1 to 500, not '501'"),
    (f"per_page={HUGE}", f"per_page must be a whole number from 1 to 500, not '{HUGE}'"),
    ("start=0001-01-01", f"start {DAY_MUST}'0001-01-01'"),
    ("end=9999-12-31", f"end {DAY_MUST}'9999-12-31'"),
    ("start=notadate", f"start {DAY_MUST}'notadate'"),
    ("end=2026-02-30", f"end {DAY_MUST}'2026-02-30'"),
    ("score_min=high", "score_min must be a number from 0 to 100, not 'high'"),
    ("score_min=nan", "score_min must be a number from 0 to 100, not 'nan'"),
    ("score_max=inf", "score_max must be a number from 0 to 100, not 'inf'"),
    ("score_max=100.5", "score_max must be a number from 0 to 100, not '100.5'"),
    ("flag=loud", f"flag must be one of {FLAGS}, not 'loud'"),
    ("flag=failed&flag=loud", f"flag must be one of {FLAGS}, not 'loud'"),
    ("sort=volume", f"sort must be one of {SORTS}, not 'volume'"),
    ("dir=sideways", "dir must be asc or desc, not 'sideways'"),
    ("q=%00", "q must be text without NUL characters"),
    ("agent=sa%00ri", "agent must be text without NUL characters"),
    ("team=%00", "team must be text without NUL characters"),
    # every bad value is named, in the order of the parameters
    ("page=0&start=x", f"start {DAY_MUST}'x'; page {PAGE_MUST}'0'"),
]


def test_calls_list_refuses_bad_values_with_400(admin):
    # one app for all cases: a fixture set-up per case costs more than its requests
    for query, sentence in CALLS_LIST_REFUSALS:
        assert refusal(admin.get(f"/calls?{query}")) == sentence, query


@pytest.mark.parametrize("path", ["/calibration", "/dashboard", "/coaching", "/coaching.csv", "/kb-gaps",
                                  "/kb-gaps.csv"])
def test_report_pages_and_exports_refuse_bad_periods_with_400(admin, path):
    for query, sentence in [
        ("start=0001-01-01", f"start {DAY_MUST}'0001-01-01'"),
        ("end=0001-01-01", f"end {DAY_MUST}'0001-01-01'"),
        ("end=9999-12-31", f"end {DAY_MUST}'9999-12-31'"),
        ("start=notadate", f"start {DAY_MUST}'notadate'"),
        ("start=2026-11-21&end=2026-11-20", "start (2026-11-21) is after end (2026-11-20)"),
    ]:
        assert refusal(admin.get(f"{path}?{query}")) == sentence, (path, query)


@pytest.mark.parametrize("path", ["/review", "/admin/access-log"])
def test_other_lists_refuse_bad_page_numbers_with_400(admin, path):
    for value in (HUGE, "0", "-3", "two", "1.5"):
        assert refusal(admin.get(f"{path}?page={value}")) == f"page {PAGE_MUST}'{value}'", (path, value)


def test_other_pages_refuse_their_bad_values_with_400(admin):
    for path, sentence in [
        ("/coaching?standard=nan", "standard must be a number from 0 to 100, not 'nan'"),
        ("/coaching.csv?standard=-1", "standard must be a number from 0 to 100, not '-1'"),
        ("/coaching?standard=lots", "standard must be a number from 0 to 100, not 'lots'"),
        ("/dashboard?group=planet", "group must be agent or team, not 'planet'"),
        ("/dashboard?agent=%00", "agent must be text without NUL characters"),
        ("/admin/access-log?call=%00", "call must be text without NUL characters"),
    ]:
        assert refusal(admin.get(path)) == sentence, path


def test_values_at_the_limits_are_served(admin):
    # The three calls were recorded on 2026-11-20; the widest period holds them all.
    wide = "start=1900-01-01&end=2999-12-31"
    assert listed(admin.get(f"/calls?{wide}&per_page=500").text) == [FAILED, QUIET, CALL]
    far = admin.get("/calls?page=1000000&per_page=500")
    assert far.status_code == 200 and listed(far.text) == []
    assert listed(admin.get("/calls?score_min=0&score_max=100&dir=asc&sort=call_id").text) == [CALL, QUIET]
    # empty fields, as the filter form sends them, mean "not given"
    empty = "start=&end=&agent=&team=&score_min=&score_max=&q=&flag=&sort=&dir=&page=&per_page="
    assert listed(admin.get(f"/calls?{empty}").text) == [FAILED, QUIET, CALL]
    for path in ("/calibration", "/dashboard", "/coaching", "/coaching.csv", "/kb-gaps", "/kb-gaps.csv"):
        assert admin.get(f"{path}?{wide}").status_code == 200, path
    assert admin.get(f"/coaching?{wide}&standard=0").status_code == 200
    assert admin.get("/review?page=1000000").status_code == 200
    assert admin.get("/admin/access-log?page=1000000").status_code == 200


def test_a_bad_value_does_not_skip_the_login_or_the_role_check(anonymous, supervisor):
    for path in (f"/calls?page={HUGE}", "/dashboard?start=2026-11-21&end=2026-11-20", "/review?page=-1"):
        response = anonymous.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login?next="), path
    assert supervisor.get("/review?page=-1").status_code == 403
    assert supervisor.get("/calibration?start=2026-11-21&end=2026-11-20").status_code == 403


def test_nul_characters_in_paths_and_forms_are_refused(app, admin, database):
    """PostgreSQL refuses NUL in a query: an id or name with one is unknown or refused."""
    assert admin.get("/calls/%00").status_code == 404
    assert admin.get(f"/calls/{CALL}%00/audio").status_code == 404
    token = csrf_of(admin)
    assert admin.post("/calls/%00/swap-roles", data={"csrf_token": token}).status_code == 404
    assert admin.post(f"/calls/{CALL}/override", data={"csrf_token": token, "item_id": "closing\x00",
                                                       "verdict": "pass", "reason": "ok"}).status_code == 400
    assert dbmod.latest_verdicts(database, CALL) == {}
    added = admin.post("/admin/users", data={"csrf_token": token, "username": "ev\x00e", "password": "eve-password",
                                             "role": "admin"})
    assert added.status_code == 400 and "NUL" in added.text
    assert admin.post("/admin/users/al%00ice/active", data={"csrf_token": token, "active": "0"}).status_code == 404
    client = new_client(app)
    token = CSRF_FIELD.search(client.get("/login").text).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": "al\x00ice", "password": "x",
                                           "next": "/calls"})
    assert response.status_code == 400
    assert login(client, "alice").status_code == 303
