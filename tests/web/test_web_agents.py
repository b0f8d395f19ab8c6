"""The agent feedback loop over HTTP on SQLite and PostgreSQL: an agent sees only its
own signed-off scorecards (404 on others' calls, 403 on the officers' pages),
acknowledges, disputes an item; a second officer (not the deciding one) reviews it;
everything is in the access log; the dashboard counts the disputes.

Scores by hand (web_samples.py): CALL's computed card fails closing_greeting (courtesy,
3.75 points) and leaves solution_accuracy (8 points) to review.
- solution_accuracy decided pass:                100 × (100 − 3.75) / 100 = 96.25
- ... and closing_greeting changed to pass:      100 × 100 / 100 = 100.0
"""

from __future__ import annotations

import re

import pytest

from call_qa import db as dbmod
from test_web_http import override, score_of
from web_support import CALL, FAILED, QUIET, csrf_of, login, new_client

AGENT_PASSWORD = "sari-agent-password"


@pytest.fixture
def agents(database):
    dbmod.add_user(database, "sari-agent", AGENT_PASSWORD, "agent", agent_id="sari")
    dbmod.add_user(database, "budi-agent", AGENT_PASSWORD, "agent", agent_id="budi")
    dbmod.add_user(database, "olga", "olga-password-1", "qa_officer")


def client_of(app, name, password):
    client = new_client(app)
    assert login(client, name, password).status_code == 303
    return client


@pytest.fixture
def sari(app, agents):
    return client_of(app, "sari-agent", AGENT_PASSWORD)


@pytest.fixture
def olga(app, agents):
    return client_of(app, "olga", "olga-password-1")


def sign_off(database, call_id=CALL, officer="alice"):
    """An explicit sign-off (call_qa/db/workflow.py): what makes a scorecard the agent's to see."""
    dbmod.workflow.sign_off(database, call_id, officer, None)


def listed(html):
    return re.findall(r'<a href="/my/calls/([^"]+)">', html)


def test_an_agent_needs_its_agent_id(database):
    with pytest.raises(dbmod.AccountError, match="agent id"):
        dbmod.add_user(database, "nobody", AGENT_PASSWORD, "agent")


def test_agent_sees_only_its_own_signed_off_calls(qa, sari, database):
    assert sari.get("/").headers["location"] == "/my/calls"
    # CALL still has solution_accuracy awaiting review: not signed off yet
    assert listed(sari.get("/my/calls").text) == []
    assert sari.get(f"/my/calls/{CALL}").status_code == 404
    assert override(qa, "solution_accuracy", "pass").status_code == 303
    assert listed(sari.get("/my/calls").text) == []  # decided, but nobody signed it off yet
    sign_off(database)
    assert listed(sari.get("/my/calls").text) == [CALL]
    page = sari.get(f"/my/calls/{CALL}")
    assert page.status_code == 200
    assert score_of(page.text, "reviewed-score") == "96.2"  # 96.25, one decimal
    assert "NPWP yang hilang" in page.text  # the evidence quote
    assert sari.get(f"/my/calls/{CALL}/audio").status_code == 200
    # other agents' calls (QUIET is budi's; FAILED is sari's but not scored/decided) and unknown ids
    for other in (QUIET, FAILED, "no-such-call"):
        assert sari.get(f"/my/calls/{other}").status_code == 404
        assert sari.get(f"/my/calls/{other}/audio").status_code == 404
    # the officers' pages refuse agents
    for path in ("/calls", f"/calls/{CALL}", f"/calls/{QUIET}", f"/calls/{CALL}/audio", "/dashboard", "/review",
                 "/calls.csv", "/disputes"):
        assert sari.get(path).status_code == 403, path
    entries, _ = dbmod.access_log(database, call_id=CALL)
    assert {(e.user, e.action) for e in entries} >= {("sari-agent", "view_call"), ("sari-agent", "play_audio")}


def test_a_sign_off_of_another_call_does_not_sign_this_one_off(qa, sari, database):
    # Decisions alone (every item of CALL decided) do not sign it off, nor does a
    # sign-off of QUIET; only CALL's own explicit sign-off does.
    assert override(qa, "solution_accuracy", "pass", call_id=QUIET).status_code == 303
    sign_off(database, QUIET)
    assert override(qa, "closing_greeting", "pass").status_code == 303
    assert override(qa, "solution_accuracy", "fail").status_code == 303
    assert listed(sari.get("/my/calls").text) == []
    assert sari.get(f"/my/calls/{CALL}").status_code == 404
    sign_off(database)
    assert listed(sari.get("/my/calls").text) == [CALL]


def test_budi_does_not_see_saris_call(qa, app, agents, database):
    override(qa, "solution_accuracy", "pass")
    sign_off(database)
    budi = client_of(app, "budi-agent", AGENT_PASSWORD)
    assert listed(budi.get("/my/calls").text) == []  # QUIET has no officer decision
    assert budi.get(f"/my/calls/{CALL}").status_code == 404
    token = csrf_of(budi, "/my/calls")
    assert budi.post(f"/my/calls/{CALL}/acknowledge", data={"csrf_token": token}).status_code == 404
    assert budi.post(f"/my/calls/{CALL}/dispute", data={"csrf_token": token, "item_id": "closing_greeting",
                                                        "reason": "x"}).status_code == 404


def test_acknowledge_dispute_second_review(qa, sari, olga, supervisor, database):
    override(qa, "solution_accuracy", "pass")
    sign_off(database)
    token = csrf_of(sari, "/my/calls")
    assert sari.post(f"/my/calls/{CALL}/acknowledge", data={"csrf_token": token}).status_code == 303
    assert 'id="acknowledged"' in sari.get(f"/my/calls/{CALL}").text
    assert sari.post(f"/my/calls/{CALL}/acknowledge", data={}).status_code == 403  # no CSRF token
    # a dispute needs a reason and an item of the scorecard
    assert sari.post(f"/my/calls/{CALL}/dispute", data={"csrf_token": token, "item_id": "closing_greeting",
                                                        "reason": " "}).status_code == 400
    assert sari.post(f"/my/calls/{CALL}/dispute", data={"csrf_token": token, "item_id": "no_item",
                                                        "reason": "x"}).status_code == 400
    reason = "I said terima kasih at the end"
    assert sari.post(f"/my/calls/{CALL}/dispute", data={"csrf_token": token, "item_id": "closing_greeting",
                                                        "reason": reason}).status_code == 303
    assert sari.post(f"/my/calls/{CALL}/dispute", data={"csrf_token": token, "item_id": "closing_greeting",
                                                        "reason": "again"}).status_code == 400  # already open
    (dispute,) = dbmod.feedback.disputes(database)
    assert (dispute.item_id, dispute.verdict.value, dispute.decided_by, dispute.status.value) == (
        "closing_greeting", "fail", "alice", "open")

    # the officer who signed the call off may not review it; a second officer does
    queue = qa.get("/disputes").text
    assert reason in queue and "another officer reviews it" in queue
    resolve = {"csrf_token": csrf_of(qa, "/disputes"), "verdict": "pass", "note": "heard it at 0:11"}
    assert qa.post(f"/disputes/{dispute.id}/resolve", data=resolve).status_code == 403
    assert supervisor.post(f"/disputes/{dispute.id}/resolve", data=resolve).status_code == 403  # role
    resolve["csrf_token"] = csrf_of(olga, "/disputes")
    assert olga.post(f"/disputes/{dispute.id}/resolve", data=resolve).status_code == 303
    assert olga.post(f"/disputes/{dispute.id}/resolve", data=resolve).status_code == 400  # done already
    done = dbmod.feedback.get_dispute(database, dispute.id)
    assert (done.status.value, done.resolved_by, done.resolved_verdict.value) == ("changed", "olga", "pass")
    assert dbmod.latest_verdicts(database, CALL)["closing_greeting"].value == "pass"
    page = sari.get(f"/my/calls/{CALL}").text
    assert score_of(page, "reviewed-score") == "100.0"
    assert "changed" in page and "heard it at 0:11" in page

    # a second dispute, upheld: the verdict stays
    assert sari.post(f"/my/calls/{CALL}/dispute", data={"csrf_token": token, "item_id": "solution_accuracy",
                                                        "reason": "please check"}).status_code == 303
    second = dbmod.feedback.disputes(database, status=dbmod.feedback.DisputeStatus.OPEN)[0]
    assert second.decided_by == "alice"
    resolve = {"csrf_token": resolve["csrf_token"], "verdict": "pass", "note": "the answer was right"}
    assert olga.post(f"/disputes/{second.id}/resolve", data=resolve).status_code == 303
    assert dbmod.feedback.get_dispute(database, second.id).status.value == "upheld"

    actions = [(e.user, e.action) for e in reversed(dbmod.access_log(database, call_id=CALL)[0])]
    for expected in [("sari-agent", "acknowledge"), ("sari-agent", "dispute"), ("olga", "resolve_dispute")]:
        assert expected in actions

    # dashboard: 1 call with feedback (acknowledged and disputed), 2 disputes: 1 changed, 1 upheld
    html = supervisor.get("/dashboard").text
    table = html.split('id="disputes"', 1)[1].split("</table>", 1)[0]
    assert "<td>sari</td><td>1</td><td>1</td><td>1</td><td>100 %</td><td>2</td><td>0</td><td>1</td><td>1</td>" in table
    (stats,) = dbmod.feedback.dispute_stats(database)
    assert (stats.feedback_calls, stats.disputes, stats.upheld, stats.changed, stats.change_rate) == (1, 2, 1, 1, 0.5)


def test_admin_adds_an_agent_through_the_form(admin, app, database, qa):
    token = csrf_of(admin, "/admin/users")
    assert admin.post("/admin/users", data={"csrf_token": token, "username": "rudi", "password": AGENT_PASSWORD,
                                            "role": "agent", "agent_id": ""}).status_code == 400
    assert admin.post("/admin/users", data={"csrf_token": token, "username": "rudi", "password": AGENT_PASSWORD,
                                            "role": "agent", "agent_id": "sari"}).status_code == 303
    rudi = client_of(app, "rudi", AGENT_PASSWORD)
    override(qa, "solution_accuracy", "pass")
    sign_off(database)
    assert listed(rudi.get("/my/calls").text) == [CALL]
    token = csrf_of(rudi, "/my/calls")
    assert rudi.post("/logout", data={"csrf_token": token}).status_code == 303
