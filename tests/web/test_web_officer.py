"""The QA officer's workspace over HTTP (issue #15): Indonesian by default, the
language per user and by Accept-Language, saving without a reload (JSON), accepting
the remaining verdicts, sign-off, escalation staying in the queue, timestamped
comments, claims, the channel filter and email review, the waveform peaks."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest
import soundfile as sf

from call_qa import db as dbmod
from call_qa.db import workflow
from call_qa.domain import Verdict
from web_samples import AUTO_SCORE, EMAIL, make_email_result, make_web_call
from web_support import CALL, PASSWORDS, QUIET, csrf_of, login, new_client

JSON = {"Accept": "application/json"}


def score_of(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html).group(1)


@pytest.fixture
def qa_id(app):
    """alice with a browser that asks for nothing in particular: Indonesian."""
    client = new_client(app, language="")
    assert login(client, "alice").status_code == 303
    return client


def test_indonesian_is_the_default_with_id_formats_and_the_seed_wording(qa_id):
    html = qa_id.get(f"/calls/{CALL}").text
    assert '<html lang="id">' in html
    assert "Kartu nilai" in html and "Transkrip" in html and "Antrean tinjauan" in html
    # section and item names in the rubric's own (seed) wording; ids unchanged beside them
    assert "<h3>Tatakrama" in html and "<strong>Salam pembuka</strong>" in html
    assert 'id="item-opening_greeting"' in html
    # numbers with a decimal comma, dates day-month-year with a dotted time (UTC in the tests)
    assert score_of(html, "auto-score") == f"{AUTO_SCORE:.2f}".replace(".", ",")
    assert "20 Nov 2026 09.30" in html
    # verdicts and reasons in Indonesian (the stored reason stays English)
    assert '<span class="verdict pass" data-role="auto">lulus</span>' in html
    assert "opening_greeting: verdikt buatan tangan" in html
    assert "pernyataan masalah penelepon" in html  # the evidence note "caller's problem statement"
    assert "hand-built verdict" not in html


def test_accept_language_then_the_users_own_choice(app):
    browser = new_client(app, language="en-US,en;q=0.9")
    assert '<html lang="en">' in browser.get("/login").text
    assert "Masuk" in new_client(app, language="id-ID,id;q=0.9").get("/login").text
    assert '<html lang="id">' in new_client(app, language="de-DE").get("/login").text  # neither: id
    assert login(browser, "alice").status_code == 303
    assert "Scorecard" in browser.get(f"/calls/{CALL}").text
    token = csrf_of(browser)
    assert browser.post("/settings/language", data={"csrf_token": token, "language": "id"}).status_code == 303
    assert "Kartu nilai" in browser.get(f"/calls/{CALL}").text  # the preference beats the browser
    assert browser.post("/settings/language", data={"csrf_token": token, "language": "fr"}).status_code == 400


def override(client, item, verdict, reason="checked", call=CALL):
    return client.post(f"/calls/{call}/override", headers=JSON,
                       data={"csrf_token": csrf_of(client), "item_id": item, "verdict": verdict, "reason": reason})


def queue_items(client) -> list[str]:
    return re.findall(r'href="/calls/[^"#]+#item-(\w+)"', client.get("/review").text)


def test_override_as_json_gives_the_new_scores_without_a_reload(qa):
    response = override(qa, "solution_accuracy", "fail", "promised a wrong deadline")
    assert response.status_code == 200
    body = response.json()
    assert body["reviewed_score"] == "88.25" and body["awaiting"] == 0  # web_samples: SCORE_ACCURACY_FAILED
    assert body["decisions"]["solution_accuracy"] == {"verdict": "fail", "label": "fail"}
    assert body["audit"]["reason"] == "promised a wrong deadline" and body["audit"]["user"] == "alice"
    bad = qa.post(f"/calls/{CALL}/override", headers=JSON,
                  data={"csrf_token": csrf_of(qa), "item_id": "probing", "verdict": "pass", "reason": ""})
    assert bad.status_code == 400 and bad.json() == {"error": "A reason is required for every override."}


def test_escalation_keeps_an_item_in_the_queue_until_it_is_decided(qa, database):
    assert queue_items(qa) == ["solution_accuracy"]  # computed needs_review
    # Deciding needs_review on it keeps it awaiting: in the queue, and counted on the page.
    assert override(qa, "solution_accuracy", "needs_review", "ask the team lead").status_code == 200
    assert queue_items(qa) == ["solution_accuracy"]
    assert score_of(qa.get(f"/calls/{CALL}").text, "awaiting") == "1"
    # An item the machine passed, escalated by an officer, joins the queue.
    assert override(qa, "opening_greeting", "needs_review", "greeting unclear").json()["awaiting"] == 2
    assert sorted(queue_items(qa)) == ["opening_greeting", "solution_accuracy"]
    assert "escalated" in qa.get("/review").text
    assert CALL in re.findall(r'href="/calls/([^"]+)"', qa.get("/calls?flag=needs_review").text)
    assert QUIET not in qa.get("/calls?flag=needs_review").text  # every item passed
    override(qa, "empathy", "needs_review", "nada kurang ramah", call=QUIET)
    assert QUIET in qa.get("/calls?flag=needs_review").text  # escalated only: listed too
    override(qa, "empathy", "pass", call=QUIET)
    override(qa, "opening_greeting", "pass")
    override(qa, "solution_accuracy", "fail")
    assert queue_items(qa) == []
    assert CALL not in qa.get("/calls?flag=needs_review").text


def test_accept_remaining_then_sign_off_with_who_and_when(qa, database):
    token = csrf_of(qa)
    refused = qa.post(f"/calls/{CALL}/signoff", headers=JSON, data={"csrf_token": token})
    assert refused.status_code == 409 and "1 item(s) still await a decision" in refused.json()["error"]
    body = qa.post(f"/calls/{CALL}/accept-remaining", headers=JSON, data={"csrf_token": token}).json()
    # 18 items, one computed needs_review: the machine abstained there, nothing to accept
    assert len(body["accepted"]) == 17 and "solution_accuracy" not in body["accepted"]
    computed = {it.id: it.verdict for it in make_web_call(CALL, "x").scorecard.items}
    decided = dbmod.latest_verdicts(database, CALL)
    assert decided == {k: v for k, v in computed.items() if k != "solution_accuracy"}
    assert body["reviewed_score"] == f"{AUTO_SCORE:.2f}"  # the same verdicts: the same score
    override(qa, "solution_accuracy", "pass")
    before = dt.datetime.now(dt.timezone.utc)
    done = qa.post(f"/calls/{CALL}/signoff", headers=JSON, data={"csrf_token": token})
    assert done.status_code == 200 and done.json()["signoff"].startswith("Reviewed by alice on ")
    signed = workflow.latest_signoff(database, CALL)
    assert signed.user == "alice" and before <= signed.at <= dt.datetime.now(dt.timezone.utc)
    # every item passed but closing_greeting (3.75 of the 100 points): 96.25
    assert signed.score == pytest.approx(96.25)
    entries, _ = dbmod.access_log(database, call_id=CALL)
    assert entries[0].action == "sign_off"


def test_comments_are_pinned_to_a_moment_of_the_audio(qa, database):
    token = csrf_of(qa)
    first = qa.post(f"/calls/{CALL}/comments", headers=JSON, data={"csrf_token": token, "text": "nada tinggi",
                                                                   "at_s": "7.5"}).json()
    assert first["mmss"] == "0:07.5" and first["user"] == "alice"
    qa.post(f"/calls/{CALL}/comments", headers=JSON, data={"csrf_token": token, "text": "sapaan", "at_s": "1.0"})
    assert [(c.at_s, c.text) for c in workflow.comments(database, CALL)] == [(1.0, "sapaan"), (7.5, "nada tinggi")]
    html = qa.get(f"/calls/{CALL}").text
    assert '<button type="button" class="evidence" data-t="7.5">0:07.5</button>' in html
    assert 'class="comment-mark"' in html  # on the timeline too
    empty = qa.post(f"/calls/{CALL}/comments", headers=JSON, data={"csrf_token": token, "text": " ", "at_s": "1"})
    assert empty.status_code == 400


def test_a_claim_keeps_other_officers_off_the_call_until_it_expires(qa, app, database):
    dbmod.add_user(database, "bima", "bima-password", "qa_officer")
    other = new_client(app)
    assert login(other, "bima", "bima-password").status_code == 303
    assert f'action="/calls/{CALL}/claim"' in qa.get("/review").text  # claim from the queue
    claimed = qa.post(f"/calls/{CALL}/claim", data={"csrf_token": csrf_of(qa)})
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/calls/{CALL}"
    assert queue_items(other) == []  # alice's claim hides it from bima
    assert queue_items(qa) == ["solution_accuracy"] and "claimed by you" in qa.get("/review").text
    taken = other.post(f"/calls/{CALL}/claim", headers=JSON, data={"csrf_token": csrf_of(other)})
    assert taken.status_code == 409 and "Claimed by alice" in taken.json()["error"]
    # Expired claims free the call: claim again as if alice had claimed 31 minutes ago.
    workflow.release(database, CALL, "alice")
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31)
    workflow.claim(database, CALL, "alice", dt.timedelta(minutes=30), now=past)
    assert queue_items(other) == ["solution_accuracy"]
    assert other.post(f"/calls/{CALL}/claim", headers=JSON, data={"csrf_token": csrf_of(other)}).status_code == 200


def test_emails_are_listed_by_channel_and_reviewed_as_a_thread(qa, database):
    dbmod.save_call_result(database, make_email_result())
    assert re.findall(r'<td><a href="/calls/([^"]+)">', qa.get("/calls?channel=email").text) == [EMAIL]
    phones = re.findall(r'<td><a href="/calls/([^"]+)">', qa.get("/calls?channel=phone").text)
    assert EMAIL not in phones and CALL in phones
    assert qa.get("/calls?channel=fax").status_code == 400
    html = qa.get(f"/calls/{EMAIL}").text
    assert "<audio" not in html and 'id="thread"' in html
    assert html.index('<article class="message customer"><h3>Customer\'s message</h3>') < html.index(
        '<article class="message agent"><h3>Agent\'s reply</h3>')
    # the evidence of opening_sentence (sentence 2) is highlighted in the reply
    assert re.search(r'<span class="sentence evidence-mark" id="s-2" data-s="2" title="Opening sentence">Yth\. Bapak Budi',
                     html)
    assert "<strong>Opening sentence</strong>" in html  # the email rubric's names
    assert "punctuation_spelling" in queue_items(qa)
    assert override(qa, "punctuation_spelling", "pass", call=EMAIL).json()["awaiting"] == 0
    assert qa.post(f"/calls/{EMAIL}/signoff", headers=JSON, data={"csrf_token": csrf_of(qa)}).status_code == 200


def test_swap_asks_for_confirmation(qa):
    response = qa.post(f"/calls/{CALL}/swap-roles", data={"csrf_token": csrf_of(qa)})
    assert response.status_code == 400 and "Confirm the swap" in response.text


def test_waveform_peaks_are_computed_once_and_drawn_into_the_timeline(qa, database, tmp_path, call_qa_home):
    # Silence for 6 s, then a 0.5-amplitude tone for 6 s: the first half of the peaks
    # is 0, the second 1 (scaled to the loudest stretch).
    rate = 8000
    t = np.arange(6 * rate) / rate
    audio = np.concatenate([np.zeros(6 * rate), 0.5 * np.sin(2 * np.pi * 300 * t)])
    path = tmp_path / "half.wav"
    sf.write(path, audio, rate, subtype="PCM_16")
    call = make_web_call(QUIET, path)
    dbmod.save_call_result(database, call)
    html = qa.get(f"/calls/{QUIET}").text
    assert '<path id="waveform" class="wave" d="M' in html
    cache = call_qa_home / "peaks" / f"{call.content_hash}.json"
    peaks = json.loads(cache.read_text())
    assert len(peaks) == 600
    assert max(peaks[:299]) == 0.0 and min(peaks[301:]) > 0.99
    cache.write_text(json.dumps([0.5] * 10))  # read from the cache from now on
    assert html != qa.get(f"/calls/{QUIET}").text


def test_exports_are_logged(supervisor, database):
    assert supervisor.get("/coaching.csv?start=2026-11-01&end=2026-11-30").status_code == 200
    assert supervisor.get("/kb-gaps.csv").status_code == 200
    entries, _ = dbmod.access_log(database)
    exports = [(e.user, e.details) for e in entries if e.action == "export"]  # newest first
    assert [user for user, _ in exports] == ["sam", "sam"]
    assert exports[0][1].startswith("kb_gaps_") and exports[1][1].startswith("coaching_")
    assert exports[1][1].endswith("start=2026-11-01&end=2026-11-30")
