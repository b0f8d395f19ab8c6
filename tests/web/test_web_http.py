"""HTTP tests of every route (FastAPI TestClient) on SQLite and PostgreSQL.

Expected figures are worked out by hand in web_samples.py (scores) or below (metrics),
never read back from the app.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from call_qa import db as dbmod
from call_qa.domain import Role, Verdict
from web_support import CALL, CSRF_FIELD, FAILED, QUIET, csrf_of, login, new_client
from web_samples import AUTO_SCORE, EVIDENCE_T, SCORE_ACCURACY_FAILED, SCORE_BOTH_DECIDED

DAY = "start=2026-11-20&end=2026-11-20"
GET_PAGES = [
    "/",
    "/calls",
    f"/calls/{CALL}",
    f"/calls/{CALL}/audio",
    f"/calls/{CALL}/original",
    "/review",
    "/calibration",
    "/dashboard",
    "/coaching",
    "/coaching.csv",
    "/kb-gaps",
    "/kb-gaps.csv",
    "/admin/users",
    "/admin/access-log",
]
POSTS = [f"/calls/{CALL}/override", f"/calls/{CALL}/swap-roles", "/admin/users", "/admin/users/alice/active", "/logout"]


def listed(html: str) -> list[str]:
    """Call ids in the calls table, in order."""
    body = html.split('<tbody>', 1)[1].split('</tbody>', 1)[0]
    return re.findall(r'<td><a href="/calls/([^"#]+)">', body)


def score_of(html: str, which: str) -> str:
    return re.search(rf'id="{which}">([^<]*)<', html).group(1).strip()


def override(client, item_id: str, verdict: str, reason: str = "checked the recording", call_id: str = CALL):
    return client.post(f"/calls/{call_id}/override", data={
        "csrf_token": csrf_of(client), "item_id": item_id, "verdict": verdict, "reason": reason})


# --------------------------------------------------------------------------- login


@pytest.mark.parametrize("path", GET_PAGES)
def test_no_page_without_login(anonymous, path):
    response = anonymous.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("path", POSTS)
def test_no_action_without_login(anonymous, database, path):
    response = anonymous.post(path, data={"item_id": "closing_greeting", "verdict": "pass", "reason": "x"})
    assert response.status_code == 401
    assert dbmod.latest_verdicts(database, CALL) == {}


def test_login_page_and_static_need_no_login(anonymous):
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/static/app.css").status_code == 200


def test_login_wrong_password_is_refused_and_logged(anonymous, database):
    response = login(anonymous, "alice", "wrong-password")
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert anonymous.get("/calls").status_code == 303
    entries, _ = dbmod.access_log(database)
    assert entries[0].action == "login_failed" and "alice" in entries[0].details


def test_login_sets_an_http_only_session_cookie(anonymous):
    response = login(anonymous, "alice")
    assert response.status_code == 303 and response.headers["location"] == "/calls"
    cookie = response.headers["set-cookie"]
    assert "callqa_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert anonymous.get("/calls").status_code == 200


def test_login_without_csrf_token_is_refused(anonymous):
    anonymous.get("/login")
    response = anonymous.post("/login", data={"username": "alice", "password": "alice-password"})
    assert response.status_code == 403
    assert anonymous.get("/calls").status_code == 303


def test_login_redirect_stays_on_this_site(anonymous):
    page = anonymous.get("/login")
    token = CSRF_FIELD.search(page.text).group(1)
    response = anonymous.post("/login", data={"username": "alice", "password": "alice-password",
                                              "csrf_token": token, "next": "//evil.example/x"})
    assert response.headers["location"] == "/"


def test_expired_session_is_refused(app, database):
    user = next(u for u in dbmod.list_users(database) if u.username == "alice")
    token, _ = dbmod.create_session(database, user, dt.timedelta(seconds=-1))
    client = new_client(app)
    client.cookies.set("callqa_session", token)
    assert client.get("/calls").status_code == 303


def test_logout_ends_the_session(qa):
    token = qa.cookies.get("callqa_session")
    assert qa.post("/logout", data={"csrf_token": csrf_of(qa)}).status_code == 303
    qa.cookies.set("callqa_session", token)  # a copied cookie is dead too
    assert qa.get("/calls").status_code == 303


def test_passwords_are_stored_as_argon2id_hashes(database, monkeypatch):
    import sqlalchemy as sa
    from argon2 import PasswordHasher

    from call_qa.db import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher())  # the shipped parameters
    dbmod.add_user(database, "wati", "wati-password", "qa_officer")
    with database.engine.connect() as conn:
        hashes = dict(conn.execute(sa.text("SELECT username, password_hash FROM users")).all())
    assert len(hashes) == 4 and all(h.startswith("$argon2id$") for h in hashes.values())
    assert hashes["wati"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not any("password" in h for h in hashes.values())
    assert dbmod.authenticate(database, "wati", "wati-password").username == "wati"
    assert dbmod.authenticate(database, "wati", "wati-passwort") is None


def test_disabled_user_cannot_log_in(app, database):
    dbmod.set_user_active(database, "alice", False)
    assert login(new_client(app), "alice").status_code == 401


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    "client_name, allowed, forbidden",
    [
        ("qa", ["/calls", f"/calls/{CALL}", "/review", "/calibration", "/dashboard", "/coaching", "/kb-gaps"],
         ["/admin/users", "/admin/access-log"]),
        ("supervisor", ["/calls", f"/calls/{CALL}", "/dashboard", "/coaching", "/kb-gaps", "/coaching.csv"],
         ["/review", "/calibration", "/admin/users", "/admin/access-log"]),
        ("admin", ["/calls", f"/calls/{CALL}", "/review", "/calibration", "/dashboard", "/coaching", "/kb-gaps",
                   "/admin/users", "/admin/access-log", "/kb-gaps.csv"], []),
    ],
)
def test_roles_are_enforced_on_pages(app, client_name, allowed, forbidden):
    client = new_client(app)
    assert login(client, {"qa": "alice", "supervisor": "sam", "admin": "ada"}[client_name]).status_code == 303
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in forbidden:
        assert client.get(path).status_code == 403, path


def test_supervisor_cannot_override_or_swap(supervisor, database):
    token = csrf_of(supervisor)
    response = supervisor.post(f"/calls/{CALL}/override", data={
        "csrf_token": token, "item_id": "closing_greeting", "verdict": "pass", "reason": "looks fine"})
    assert response.status_code == 403
    assert supervisor.post(f"/calls/{CALL}/swap-roles", data={"csrf_token": token}).status_code == 403
    assert dbmod.latest_verdicts(database, CALL) == {}
    assert 'class="override"' not in supervisor.get(f"/calls/{CALL}").text


def test_home_sends_each_role_to_its_page(qa, supervisor):
    assert qa.get("/").headers["location"] == "/calls"
    assert supervisor.get("/").headers["location"] == "/dashboard"


# --------------------------------------------------------------------------- CSRF


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_override_without_the_csrf_token_is_refused(qa, database, token):
    data = {"item_id": "closing_greeting", "verdict": "pass", "reason": "fine"}
    if token is not None:
        data["csrf_token"] = token
    assert qa.post(f"/calls/{CALL}/override", data=data).status_code == 403
    assert dbmod.latest_verdicts(database, CALL) == {}


def test_other_forms_need_the_csrf_token_too(qa, admin, database):
    assert qa.post(f"/calls/{CALL}/swap-roles", data={}).status_code == 403
    assert admin.post("/admin/users", data={"username": "eve", "password": "eve-password-1",
                                            "role": "admin"}).status_code == 403
    assert admin.post("/admin/users/alice/active", data={"active": "0"}).status_code == 403
    assert qa.post("/logout", data={}).status_code == 403
    assert "eve" not in {u.username for u in dbmod.list_users(database)}
    assert qa.get("/calls").status_code == 200


def test_csrf_token_of_another_session_is_refused(qa, admin, database):
    response = qa.post(f"/calls/{CALL}/override", data={
        "csrf_token": csrf_of(admin), "item_id": "closing_greeting", "verdict": "pass", "reason": "x"})
    assert response.status_code == 403
    assert dbmod.latest_verdicts(database, CALL) == {}


# --------------------------------------------------------------------------- audio


def test_audio_is_served_for_a_stored_call(qa, wav):
    response = qa.get(f"/calls/{CALL}/audio")
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.content == wav.read_bytes()
    part = qa.get(f"/calls/{CALL}/audio", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == wav.read_bytes()[:100]


@pytest.mark.parametrize(
    "path",
    [
        "/calls/..%2F..%2F..%2Fetc%2Fpasswd/audio",
        "/calls/%2Fetc%2Fpasswd/audio",
        "/calls/%2e%2e/audio",
        "/calls/nope/audio?path=/etc/passwd",
        "/calls/..%5C..%5Cwindows/audio",
    ],
)
def test_audio_path_traversal_is_rejected(qa, path):
    response = qa.get(path)
    assert response.status_code == 404
    assert b"root:" not in response.content


def test_static_files_cannot_reach_outside_their_folder(anonymous):
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2Fapp.py"):
        response = anonymous.get(path)
        assert response.status_code == 404, path
        assert b"create_app" not in response.content


def test_audio_of_a_call_without_a_recording_is_404(qa):
    assert qa.get(f"/calls/{FAILED}/audio").status_code == 404  # stored path does not exist


# --------------------------------------------------------------------------- calls list


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", [FAILED, QUIET, CALL]),  # newest first (recorded 11:30, 10:30, 09:30)
        ("flag=failed", [FAILED]),
        ("flag=interruptions", [CALL]),
        ("flag=long_holds", [CALL]),
        ("flag=transfers", [CALL]),
        ("flag=needs_review", [CALL]),
        ("flag=interruptions&flag=failed", []),
        ("agent=budi", [QUIET]),
        ("team=alpha", [FAILED, CALL]),
        ("score_min=96&score_max=100", [QUIET]),
        ("score_max=96", [CALL]),
        ("q=npwp", [CALL]),
        ("q=NPWP+yang+hilang", [CALL]),
        ("q=2026-11-20_0002", [QUIET]),
        ("q=%25", []),  # "%" is searched literally, not as a LIKE wildcard
        ("q=_", [FAILED, QUIET, CALL]),  # every call id has a literal "_"
        (DAY, [FAILED, QUIET, CALL]),
        ("start=2026-11-21", []),
        ("end=2026-11-19", []),
        ("sort=score&dir=asc", [CALL, QUIET, FAILED]),  # 95.92, 100, none last
        ("sort=score&dir=desc", [QUIET, CALL, FAILED]),
        ("sort=call_id&dir=asc", [CALL, QUIET, FAILED]),
        ("sort=duration&dir=desc", [QUIET, CALL, FAILED]),  # 12 s, 12 s (ties: call id), 0 s
    ],
)
def test_calls_list_filters_and_sorting(qa, query, expected):
    response = qa.get(f"/calls?{query}")
    assert response.status_code == 200
    assert listed(response.text) == expected


def test_calls_list_paginates(qa):
    first = qa.get("/calls?per_page=2")
    assert listed(first.text) == [FAILED, QUIET]
    assert 'rel="next"' in first.text and ">3</span> calls" in first.text
    second = qa.get("/calls?per_page=2&page=2")
    assert listed(second.text) == [CALL]
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text


def test_calls_list_shows_failed_calls_with_their_reason(qa):
    html = qa.get("/calls?flag=failed").text
    assert "failed: recordings/2026-11-27/0002.wav: cannot decode audio" in html


@pytest.mark.parametrize("query", ["start=yesterday", "score_min=high", "flag=loud", "sort=volume", "page=two"])
def test_calls_list_bad_parameters_get_a_clear_400(qa, query):
    response = qa.get(f"/calls?{query}")
    assert response.status_code == 400
    assert "must be" in response.text or "unknown flag" in response.text


def test_needs_review_flag_follows_officers_decisions(qa):
    assert override(qa, "solution_accuracy", "pass").status_code == 303
    assert listed(qa.get("/calls?flag=needs_review").text) == []


# --------------------------------------------------------------------------- call page


def test_call_page_shows_audio_timeline_transcript_and_scorecard(qa):
    html = qa.get(f"/calls/{CALL}").text
    # preload="metadata": the page does not fetch the recording before someone plays it
    assert f'<audio id="player" controls preload="metadata" src="/calls/{CALL}/audio">' in html
    assert score_of(html, "auto-score") == f"{AUTO_SCORE:.2f}"
    assert score_of(html, "reviewed-score") == f"{AUTO_SCORE:.2f}"  # nothing decided yet
    svg = html.split('<svg id="timeline"', 1)[1].split("</svg>", 1)[0]
    for kind in ('class="turn agent"', 'class="turn customer"', 'class="interruption"', 'class="hold"',
                 'class="dead-air"', 'class="transfer"', 'class="overtalk"'):
        assert kind in svg, kind
    # overtalk: agent 6.2-11.0 ∩ customer 4.5-7.0 = 6.2-7.0
    assert re.search(r'class="overtalk"[^>]*data-t="6.2"', svg)
    assert "overtalk 0:06.2–0:07.0 (0.8 s)" in svg
    # transcript by speaker with times; evidence seeks to its start
    assert ('<p class="utt customer" data-t="4.5" data-end="7.0"><span class="time">0:04.5</span> '
            '<span class="who">customer</span>') in html
    assert f'<button type="button" class="evidence" data-t="{EVIDENCE_T}">' in html
    # sections and items by the rubric's names (English catalogue of the seed wording)
    for section in ("Courtesy", "Responsiveness", "Interaction control", "Solution"):
        assert f"<h3>{section}" in html
    assert "<strong>Opening greeting</strong> <code class=\"muted\">opening_greeting</code>" in html
    assert html.count('<div class="item') == 18
    assert html.count('class="override"') == 18


def test_failed_call_page_shows_the_reason(qa):
    html = qa.get(f"/calls/{FAILED}").text
    assert "Processing failed" in html and "truncated WAV header" in html
    assert 'id="timeline"' not in html


def test_unknown_call_is_404(qa):
    assert qa.get("/calls/2026-01-01_9999").status_code == 404


# --------------------------------------------------------------------------- overrides


def test_override_recomputes_the_reviewed_score_and_keeps_the_audit_trail(qa, admin, database):
    assert override(qa, "solution_accuracy", "fail", "promised a wrong deadline").status_code == 303
    html = qa.get(f"/calls/{CALL}").text
    assert score_of(html, "auto-score") == f"{AUTO_SCORE:.2f}"
    assert score_of(html, "reviewed-score") == f"{SCORE_ACCURACY_FAILED:.2f}"
    assert score_of(html, "awaiting") == "0"

    assert override(admin, "closing_greeting", "pass", "farewell was said after hold").status_code == 303
    html = admin.get(f"/calls/{CALL}").text
    assert score_of(html, "reviewed-score") == f"{SCORE_BOTH_DECIDED:.2f}"

    # A later decision on the same item wins; the earlier one stays in the trail.
    assert override(qa, "solution_accuracy", "needs_review", "ask the team lead").status_code == 303
    history = [(o.item_id, o.verdict, o.user, o.reason) for o in
               __import__("call_qa.db.browse", fromlist=["x"]).override_history(database, CALL)]
    assert history == [
        ("solution_accuracy", Verdict.FAIL, "alice", "promised a wrong deadline"),
        ("closing_greeting", Verdict.PASS, "ada", "farewell was said after hold"),
        ("solution_accuracy", Verdict.NEEDS_REVIEW, "alice", "ask the team lead"),
    ]
    assert dbmod.latest_verdicts(database, CALL) == {"solution_accuracy": Verdict.NEEDS_REVIEW,
                                                     "closing_greeting": Verdict.PASS}
    html = qa.get(f"/calls/{CALL}").text
    # closing pass, accuracy out of the denominator again: 100 × 92 / 92
    assert score_of(html, "reviewed-score") == "100.00"
    audit = html.split('id="audit"', 1)[1]
    assert audit.count("<tr><td>") == 3 and "promised a wrong deadline" in audit
    # the computed scorecard itself is never edited
    assert dbmod.load_call_result(database, CALL).scorecard.score == AUTO_SCORE


@pytest.mark.parametrize(
    "item_id, verdict, reason, status",
    [
        ("closing_greeting", "pass", "", 400),
        ("closing_greeting", "pass", "   ", 400),
        ("closing_greeting", "great", "why not", 400),
        ("no_such_item", "pass", "why not", 404),
    ],
)
def test_bad_overrides_are_refused(qa, database, item_id, verdict, reason, status):
    assert override(qa, item_id, verdict, reason).status_code == status
    assert dbmod.latest_verdicts(database, CALL) == {}


def test_override_of_a_failed_call_is_404(qa):
    assert override(qa, "closing_greeting", "pass", call_id=FAILED).status_code == 404


# --------------------------------------------------------------------------- swap roles


# the swap's round trip and refusals: test_web_swap.py


def test_swap_roles_of_a_failed_call_is_refused(qa):
    response = qa.post(f"/calls/{FAILED}/swap-roles", data={"csrf_token": csrf_of(qa), "confirm": "yes"})
    assert response.status_code == 400 and "no transcript" in response.text


# --------------------------------------------------------------------------- review queue, calibration


def test_review_queue_lists_undecided_items(qa):
    html = qa.get("/review").text
    assert re.search(r'id="total">1<', html)
    assert f'href="/calls/{CALL}#item-solution_accuracy"' in html
    override(qa, "solution_accuracy", "pass")
    assert re.search(r'id="total">0<', qa.get("/review").text)


def test_calibration_counts_agreement_per_item_and_overall(qa):
    override(qa, "solution_accuracy", "fail")  # machine said needs_review: abstained
    override(qa, "closing_greeting", "pass")  # machine said fail: disagreement
    override(qa, "opening_greeting", "fail")  # first decision, then
    override(qa, "opening_greeting", "pass")  # the latest agrees with the machine's pass
    html = qa.get("/calibration").text
    assert score_of(html, "overall-agreement") == "50.0 %"  # 1 agreed of 2 judged
    rows = dict(re.findall(r"<tr data-item=\"(\w+)\"><td>.*?<td class=\"agreement\">([^<]+)</td>", html))
    assert rows == {"closing_greeting": "0.0 %", "opening_greeting": "100.0 %", "solution_accuracy": "–"}
    assert "fail→pass ×1" in html
    past = qa.get("/calibration?start=2020-01-01&end=2020-12-31").text
    assert "No decisions in this period." in past


# --------------------------------------------------------------------------- supervisors


def test_dashboard_tables_and_charts(supervisor):
    html = supervisor.get(f"/dashboard?{DAY}").text
    per_day = html.split('id="per-day"', 1)[1].split("</table>", 1)[0]
    # 2 ok calls, 1 failed; mean score (95.92 + 100) / 2 = 97.96
    assert "<td>2026-11-20</td>\n<td>2</td><td>1</td><td>98.0</td>" in per_day
    per_group = html.split('id="per-group"', 1)[1].split("</table>", 1)[0]
    assert ">sari</a></td>\n<td>1</td><td>1</td><td>95.9</td>" in per_group
    assert ">budi</a></td>\n<td>1</td><td>0</td><td>100.0</td>" in per_group
    assert html.count('<figure class="chart">') == 20  # 10 per day, 10 per week (web/trends.py)
    assert '<polyline class="series s0"' in html
    teams = supervisor.get(f"/dashboard?{DAY}&group=team").text
    assert "<td>alpha</td>" in teams and "<td>beta</td>" in teams
    assert supervisor.get("/dashboard?group=planet").status_code == 400


def test_coaching_list_and_csv(supervisor):
    html = supervisor.get(f"/coaching?{DAY}&standard=99").text
    assert "<td>sari</td>" in html and "<td>budi</td>" not in html
    rows = list(csv.reader(io.StringIO(supervisor.get(f"/coaching.csv?{DAY}&standard=99").content.decode("utf-8-sig"))))
    assert rows[0] == ["agent_id", "team", "calls", "mean_score", "standard", "weakest_items", "example_calls"]
    assert rows[1][:5] == ["sari", "alpha", "1", "95.92", "99"]
    assert rows[1][5].startswith("closing_greeting (0% of 1)")
    assert rows[1][6] == f"{CALL} (95.9)"
    assert len(rows) == 2
    everyone_fine = supervisor.get(f"/coaching?{DAY}&standard=90").text
    assert "Every agent meets the standard" in everyone_fine


def test_knowledge_base_gaps_group_failed_solutions_by_topic(qa, supervisor):
    assert "No failed solution items" in supervisor.get(f"/kb-gaps?{DAY}").text
    override(qa, "solution_accuracy", "fail")
    html = supervisor.get(f"/kb-gaps?{DAY}").text
    assert '<td class="topic">NPWP</td><td>1</td><td>solution_accuracy ×1</td>' in html
    rows = list(csv.reader(io.StringIO(supervisor.get(f"/kb-gaps.csv?{DAY}").content.decode("utf-8-sig"))))
    assert rows == [["topic", "calls", "failed_items", "example_calls", "example_quotes"],
                    ["NPWP", "1", "solution_accuracy (1)", CALL,
                     "Saya mau tanya soal NPWP yang hilang, bagaimana cara mengurusnya?"]]


# --------------------------------------------------------------------------- admin


def test_admin_adds_and_disables_users(admin, app, database):
    token = csrf_of(admin, "/admin/users")
    assert admin.post("/admin/users", data={"csrf_token": token, "username": "rina", "password": "rina-password",
                                            "role": "supervisor"}).status_code == 303
    assert "<td>rina</td><td>supervisor</td><td>yes</td>" in admin.get("/admin/users").text
    assert login(new_client(app), "rina", "rina-password").status_code == 303
    dup = admin.post("/admin/users", data={"csrf_token": token, "username": "rina", "password": "another-pass",
                                           "role": "admin"})
    assert dup.status_code == 400 and "already exists" in dup.text
    short = admin.post("/admin/users", data={"csrf_token": token, "username": "tono", "password": "short",
                                             "role": "admin"})
    assert short.status_code == 400 and "at least 12 characters" in short.text
    assert admin.post("/admin/users/rina/active", data={"csrf_token": token, "active": "0"}).status_code == 303
    assert login(new_client(app), "rina", "rina-password").status_code == 401
    assert admin.post("/admin/users/ada/active", data={"csrf_token": token, "active": "0"}).status_code == 400


def test_access_log_records_views_and_admins_read_it(qa, admin, database):
    qa.get(f"/calls/{CALL}")
    qa.get(f"/calls/{CALL}/audio")  # the page's preload: not a listen, not logged
    entries, _ = dbmod.access_log(database, call_id=CALL)
    assert [(e.user, e.action) for e in entries] == [("alice", "view_call")]
    token = csrf_of(qa)
    # The page reports playback when it really starts, and how much was heard.
    assert qa.post(f"/calls/{CALL}/played", data={"csrf_token": token, "event": "start", "at_s": "4.5"}).status_code == 204
    assert qa.post(f"/calls/{CALL}/played", data={"csrf_token": token, "event": "stop", "at_s": "9.0",
                                                  "heard_s": "4.5"}).status_code == 204
    assert qa.post(f"/calls/{CALL}/played", data={"event": "start"}).status_code == 403  # CSRF
    entries, _ = dbmod.access_log(database, call_id=CALL)
    assert [(e.action, e.details) for e in entries][:2] == [
        ("heard_audio", "heard 4.5 s, stopped at 0:09.0"), ("play_audio", "started at 0:04.5")]
    html = admin.get(f"/admin/access-log?call={CALL}").text
    assert '<td class="action">view_call</td>' in html and "<td>alice</td>" in html


# --------------------------------------------------------------------------- originals (issue #9)


class _WithPrivacy:
    """The shipped settings plus ``privacy.reveal_roles``, which issue #9 adds to
    call_qa/config.py; a stand-in until it lands."""

    def __init__(self, base, roles):
        from types import SimpleNamespace

        self._base = base
        self.privacy = SimpleNamespace(reveal_roles=list(roles))

    def __getattr__(self, name):
        return getattr(self._base, name)


@pytest.fixture
def originals(monkeypatch):
    """Stand-in for issue #9's ``db.load_unredacted_utterances`` (not written yet)."""
    from call_qa.domain import Utterance

    calls = []

    def load_unredacted_utterances(database, call_id):
        calls.append(call_id)
        return [Utterance(4.5, 7.0, "ch0", Role.CUSTOMER, "NPWP saya 01.234.567.8-901.000 hilang")]

    monkeypatch.setattr(dbmod, "load_unredacted_utterances", load_unredacted_utterances, raising=False)
    return calls


def test_show_original_for_allowed_roles_is_logged(database, settings, originals):
    from call_qa.web.app import create_app

    app = create_app(settings=_WithPrivacy(settings, ["qa_officer"]), database=database)
    qa, supervisor = new_client(app), new_client(app)
    login(qa, "alice")
    login(supervisor, "sam")
    assert 'id="show-original"' in qa.get(f"/calls/{CALL}").text
    html = qa.get(f"/calls/{CALL}/original").text
    assert "01.234.567.8-901.000" in html and originals == [CALL]
    entries, _ = dbmod.access_log(database, call_id=CALL)
    assert (entries[0].user, entries[0].action, entries[0].call_id) == ("alice", "view_unredacted", CALL)
    assert 'id="show-original"' not in supervisor.get(f"/calls/{CALL}").text
    assert supervisor.get(f"/calls/{CALL}/original").status_code == 403
    assert originals == [CALL]  # the refused request loaded nothing


def test_no_original_view_without_the_loader(database, settings, monkeypatch):
    from call_qa.web.app import create_app

    monkeypatch.delattr(dbmod, "load_unredacted_utterances", raising=False)
    app = create_app(settings=_WithPrivacy(settings, ["qa_officer"]), database=database)
    qa = new_client(app)
    login(qa, "alice")
    assert 'id="show-original"' not in qa.get(f"/calls/{CALL}").text
    assert qa.get(f"/calls/{CALL}/original").status_code == 404


def test_no_original_view_by_default(qa):
    assert 'id="show-original"' not in qa.get(f"/calls/{CALL}").text
    assert qa.get(f"/calls/{CALL}/original").status_code == 403


# --------------------------------------------------------------------------- headers


def test_pages_are_not_cached_and_allow_only_own_assets(qa):
    response = qa.get(f"/calls/{CALL}")
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "http" not in response.headers["content-security-policy"]

