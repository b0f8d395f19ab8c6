"""Browser tests of issue 16 (headless Debian chromium, selenium, real uvicorn; SQLite
and PostgreSQL): an agent reads its own scorecard, seeks the audio from evidence,
acknowledges and disputes; a second officer reviews the dispute; a supervisor
clicks a dashboard point through to its calls and runs a calibration session whose
κ is the hand-computed one (test_web_calibration_sessions.py: −0.333).
"""

from __future__ import annotations

from typing import Any

import pytest

from call_qa import db as dbmod
from test_web_browser import CHROMEDRIVER, CHROMIUM, browser, server, wait_for  # noqa: F401 (fixtures)
from web_support import CALL, PASSWORDS, QUIET
from web_samples import EVIDENCE_T

import shutil

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
                       reason="needs Debian chromium and chromium-driver"),
]

EXTRA = {"sari-agent": ("agent-password-1", "agent", "sari"), "olga": ("olga-password-1", "qa_officer", None)}


@pytest.fixture
def people(database):
    for name, (password, role, agent_id) in EXTRA.items():
        dbmod.add_user(database, name, password, role, agent_id=agent_id)


def sign_in(browser: Any, server: str, username: str, target: str) -> None:
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(f"{server}{target}")
    assert "/login" in browser.current_url
    password = EXTRA[username][0] if username in EXTRA else PASSWORDS[username]
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "login-button").click()
    wait_for(lambda: "/login" not in browser.current_url, what=f"{username} logged in")


def test_agent_dispute_goes_to_a_second_officer(browser, server, database, people):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    dbmod.add_override(database, CALL, "solution_accuracy", "pass", "checked", "alice")
    dbmod.workflow.sign_off(database, CALL, "alice", None)  # signed off: the agent sees it
    sign_in(browser, server, "sari-agent", "/my/calls")
    browser.find_element(By.LINK_TEXT, CALL).click()
    wait_for(lambda: browser.execute_script("return document.getElementById('player').readyState") >= 1,
             what="audio metadata")
    browser.find_element(By.CSS_SELECTOR, f'button.evidence[data-t="{EVIDENCE_T}"]').click()
    assert wait_for(lambda: browser.execute_script("return document.getElementById('player').currentTime")
                    >= EVIDENCE_T - 0.05, what="the audio to seek")
    browser.find_element(By.ID, "acknowledge").click()
    wait_for(lambda: browser.find_elements(By.ID, "acknowledged"), what="the acknowledgement")
    form = browser.find_element(By.ID, "dispute-form")
    Select(form.find_element(By.NAME, "item_id")).select_by_visible_text("closing_greeting")
    form.find_element(By.NAME, "reason").send_keys("I did say goodbye")
    form.find_element(By.TAG_NAME, "button").click()
    wait_for(lambda: "open" in browser.find_element(By.ID, "disputes").text, what="the open dispute")
    # not its call, not the officers' pages
    browser.get(f"{server}/my/calls/{QUIET}")
    assert "404" in browser.page_source
    browser.get(f"{server}/calls/{CALL}")
    assert "403" in browser.page_source

    sign_in(browser, server, "alice", "/disputes")  # the officer who signed it off
    assert "another officer reviews it" in browser.find_element(By.ID, "open-disputes").text
    sign_in(browser, server, "olga", "/disputes")
    row = browser.find_element(By.CSS_SELECTOR, "#open-disputes tbody tr")
    Select(row.find_element(By.NAME, "verdict")).select_by_visible_text("pass")
    row.find_element(By.NAME, "note").send_keys("heard it at the end")
    row.find_element(By.TAG_NAME, "button").click()
    wait_for(lambda: "No open disputes" in browser.find_element(By.ID, "open-disputes").text, what="resolved")

    sign_in(browser, server, "sari-agent", f"/my/calls/{CALL}")
    assert "changed" in browser.find_element(By.ID, "disputes").text
    assert browser.find_element(By.ID, "reviewed-score").text == "100.0"


def test_a_dashboard_point_opens_its_calls(browser, server):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "sam", "/dashboard?start=2026-11-20&end=2026-11-20&compare=agent&pick=budi")
    point = browser.find_element(By.CSS_SELECTOR, "#daily-charts svg a circle.dot")
    assert "budi" in point.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    browser.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", point)
    wait_for(lambda: "/calls?" in browser.current_url, what="the calls list")
    assert "agent=budi" in browser.current_url
    rows = browser.find_elements(By.CSS_SELECTOR, "table.list tbody tr")
    assert len(rows) == 1 and QUIET in rows[0].text


def test_calibration_session_in_the_browser(browser, server, database, people):
    from selenium.webdriver.common.by import By

    sign_in(browser, server, "sam", "/calibration/sessions")
    form = browser.find_element(By.ID, "new-session")
    form.find_element(By.NAME, "name").send_keys("Browser session")
    form.find_element(By.NAME, "calls").send_keys(f"{CALL}\n{QUIET}")
    for officer in ("alice", "olga"):
        form.find_element(By.CSS_SELECTOR, f'input[name="officers"][value="{officer}"]').click()
    form.find_element(By.TAG_NAME, "button").click()
    wait_for(lambda: "/calibration/sessions/" in browser.current_url, what="the new session")
    session_url = browser.current_url

    def score_all(officer: str, fail_closing_on_call: bool) -> None:
        sign_in(browser, server, officer, session_url.replace(server, ""))
        for call_id in (CALL, QUIET):
            browser.find_element(By.LINK_TEXT, call_id).click()
            wait_for(lambda: browser.find_elements(By.ID, "blind-score"), what="the scoring form")
            verdict = "fail" if (fail_closing_on_call and call_id == CALL) else "pass"
            browser.execute_script(
                "document.querySelectorAll('#blind-score select').forEach(s => s.value = 'pass');"
                "document.querySelector('select[name=\"item:closing_greeting\"]').value = arguments[0];", verdict)
            browser.find_element(By.CSS_SELECTOR, "#blind-score button").click()
            wait_for(lambda: browser.current_url == session_url, what="back to the session")

    score_all("alice", True)
    assert not browser.find_elements(By.ID, "agreement")  # blind until olga has scored
    score_all("olga", False)
    row = browser.find_element(By.ID, "agree-closing_greeting")
    assert row.find_element(By.CLASS_NAME, "kappa").text == "-0.333"
