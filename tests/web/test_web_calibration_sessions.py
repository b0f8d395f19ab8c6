"""Calibration sessions: Fleiss' κ against hand-computed values, and the sessions over
HTTP on SQLite and PostgreSQL (a supervisor picks calls and officers, officers score
blind, the comparison per item)."""

from __future__ import annotations

import re

import pytest

from call_qa import db as dbmod
from call_qa.web.agreement import fleiss_kappa
from web_support import CALL, QUIET, csrf_of, login, new_client

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, 5 categories.
WIKIPEDIA = [
    (0, 0, 0, 0, 14), (0, 2, 6, 4, 2), (0, 0, 3, 5, 6), (0, 3, 9, 2, 0), (2, 2, 8, 1, 1),
    (7, 7, 0, 0, 0), (3, 2, 6, 3, 0), (2, 5, 3, 2, 2), (6, 5, 2, 1, 0), (0, 2, 2, 3, 7),
]


def test_fleiss_kappa_wikipedia_example():
    result = fleiss_kappa([dict(zip("abcde", row)) for row in WIKIPEDIA])
    # P̄ = 0.378, P_e = 0.213, κ = 0.210 (as printed there, to 3 places)
    assert result.subjects == 10
    assert result.percent == pytest.approx(37.8, abs=0.05)
    assert result.kappa == pytest.approx(0.210, abs=0.0005)


def test_fleiss_kappa_small_cases_by_hand():
    # two raters, two subjects: {fail, pass} and {pass, pass}:
    # P̄ = (0 + 1) / 2 = 0.5; p_pass = 3/4, p_fail = 1/4, P_e = 10/16; κ = (0.5 − 0.625) / 0.375 = −1/3
    mixed = fleiss_kappa([{"fail": 1, "pass": 1}, {"pass": 2}])
    assert (mixed.percent, mixed.kappa) == (pytest.approx(50.0), pytest.approx(-1 / 3))
    perfect = fleiss_kappa([{"pass": 2}, {"fail": 2}])  # P̄ = 1, P_e = 1/2
    assert (perfect.percent, perfect.kappa) == (pytest.approx(100.0), pytest.approx(1.0))
    same = fleiss_kappa([{"pass": 2}, {"pass": 2}])  # P_e = 1: κ undefined
    assert (same.percent, same.kappa) == (pytest.approx(100.0), None)
    assert fleiss_kappa([{"pass": 1}]).subjects == 0  # one rating: nothing to compare


@pytest.fixture
def olga(app, database):
    dbmod.add_user(database, "olga", "olga-password-1", "qa_officer")
    client = new_client(app)
    assert login(client, "olga", "olga-password-1").status_code == 303
    return client


def start_session(supervisor, calls=(CALL, QUIET), officers=("alice", "olga")):
    return supervisor.post("/calibration/sessions", data={
        "csrf_token": csrf_of(supervisor, "/calibration/sessions"), "name": "November",
        "calls": "\n".join(calls), "officers": list(officers)})


def score(client, session_id, call_id, verdicts):
    page = client.get(f"/calibration/sessions/{session_id}/calls/{call_id}")
    assert page.status_code == 200
    data = {"csrf_token": csrf_of(client, f"/calibration/sessions/{session_id}")}
    data.update({f"item:{k}": v for k, v in verdicts.items()})
    return client.post(f"/calibration/sessions/{session_id}/calls/{call_id}", data=data)


def test_blind_session_and_agreement(supervisor, qa, olga, database):
    assert start_session(supervisor, officers=("alice",)).status_code == 400  # two officers at least
    assert start_session(supervisor, calls=("no-such-call",)).status_code == 400
    assert qa.post("/calibration/sessions", data={"csrf_token": csrf_of(qa)}).status_code == 403  # officers don't plan
    made = start_session(supervisor)
    assert made.status_code == 303
    session_id = int(made.headers["location"].rsplit("/", 1)[1])

    items = [it.id for it in dbmod.load_call_result(database, CALL).scorecard.items]
    assert len(items) == 18
    # blind: the scoring form selects nothing, the session page has no comparison yet
    # (below the page header, whose language menu has its own selected option)
    form = qa.get(f"/calibration/sessions/{session_id}/calls/{CALL}").text.split("</header>", 1)[1]
    assert "selected" not in form and "needs_review" not in form
    assert 'id="agreement"' not in qa.get(f"/calibration/sessions/{session_id}").text
    # a non-member supervisor reads the comparison while it fills
    assert 'id="agreement"' in supervisor.get(f"/calibration/sessions/{session_id}").text
    assert supervisor.get(f"/calibration/sessions/{session_id}/calls/{CALL}").status_code == 403  # not an officer

    everything_passes = dict.fromkeys(items, "pass")
    assert score(qa, session_id, CALL, {**everything_passes, "closing_greeting": "fail"}).status_code == 303
    assert score(qa, session_id, QUIET, everything_passes).status_code == 303
    assert 'id="agreement"' not in qa.get(f"/calibration/sessions/{session_id}").text  # olga has not scored
    assert score(olga, session_id, CALL, everything_passes).status_code == 303
    assert score(olga, session_id, QUIET, everything_passes).status_code == 303
    # the calibration scores never touch the scorecard
    assert dbmod.latest_verdicts(database, CALL) == {}

    page = qa.get(f"/calibration/sessions/{session_id}").text
    table = page.split('id="agreement"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr id="agree-([^"]+)">(.*?)</tr>', table)
    assert rows[0][0] == "closing_greeting"  # disagrees most
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rows[0][1])
    # by hand (see test_fleiss_kappa_small_cases_by_hand): 50 % among officers, κ = −0.333;
    # machine (CALL fail, QUIET pass): alice agrees twice, olga once → 3 of 4 = 75 %
    assert cells[2:6] == ["2", "50.0 %", "-0.333", "75.0 % (3/4)"]
    accuracy = dict(rows)["solution_accuracy"]
    acc_cells = re.findall(r"<td[^>]*>(.*?)</td>", accuracy)
    # the machine left solution_accuracy to review on CALL: only QUIET's 2 scores count
    assert acc_cells[3:7] == ["100.0 %", "–", "100.0 % (2/2)", "1"]
    # overall: officers (17 × 100 + 50) / 18 = 97.2 %; machine 69 of 70 judged scores = 98.6 %
    assert re.search(r'id="overall">.*?<b>97\.2 %</b>.*?<b>98\.6 %</b>', page)
    entries, _ = dbmod.access_log(database)
    assert {"calibration_session", "calibration_score"} <= {e.action for e in entries}


def test_outsiders_and_bad_requests(supervisor, qa, olga, app, database):
    session_id = int(start_session(supervisor, officers=("alice", "ada")).headers["location"].rsplit("/", 1)[1])
    assert olga.get(f"/calibration/sessions/{session_id}").status_code == 403  # not an officer of it
    token = csrf_of(olga, "/calibration/sessions")
    assert olga.post(f"/calibration/sessions/{session_id}/calls/{CALL}",
                     data={"csrf_token": token, "item:closing_greeting": "pass"}).status_code == 403
    token = csrf_of(qa, "/calibration/sessions")
    assert qa.post(f"/calibration/sessions/{session_id}/calls/{CALL}",
                   data={"csrf_token": token, "item:closing_greeting": "maybe"}).status_code == 400
    assert qa.post(f"/calibration/sessions/{session_id}/calls/{CALL}",
                   data={"csrf_token": token, "item:no_item": "pass"}).status_code == 404
    assert qa.get("/calibration/sessions/999").status_code == 404
    assert supervisor.get("/calibration/sessions/abc").status_code == 400
    listing = olga.get("/calibration/sessions").text
    assert "November" not in listing  # an officer lists only its own sessions
    assert "November" in qa.get("/calibration/sessions").text
