"""Browser tests: headless Debian chromium (selenium + /usr/bin/chromedriver) against
the real app served by uvicorn on a free local port, on SQLite and PostgreSQL.

They log in, open a call, click a piece of evidence and read the audio element's
position, and override an item and read the new reviewed score.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from typing import Any, Iterator

import pytest

from call_qa import db as dbmod
from call_qa.domain import Verdict
from web_support import CALL, PASSWORDS
from web_samples import AUTO_SCORE, EVIDENCE_T, SCORE_ACCURACY_FAILED

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)),
        reason="needs Debian chromium and chromium-driver (scripts/install-system-packages.sh)",
    ),
]


@pytest.fixture
def server(app: Any) -> Iterator[str]:
    """The app served by a real uvicorn on 127.0.0.1:<free port>."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chromium(accept_language: str) -> Any:
    """Headless chromium asking for ``accept_language``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1000"):
        options.add_argument(arg)
    options.add_experimental_option("prefs", {"intl.accept_languages": accept_language})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium in English (the wording the older tests read)."""
    driver = chromium("en-US,en")
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser_id() -> Iterator[Any]:
    """Chromium as an Indonesian officer's: Accept-Language id-ID."""
    driver = chromium("id-ID,id")
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(condition, timeout: float = 20.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def log_in(browser: Any, server: str, username: str, call: str = CALL) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/calls/{call}")  # no session: sent to the login form
    assert "/login" in browser.current_url
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORDS[username])
    browser.find_element(By.ID, "login-button").click()
    wait_for(lambda: f"/calls/{call}" in browser.current_url, what="the call page after login")


def test_evidence_click_seeks_the_audio(browser, server):
    from selenium.webdriver.common.by import By

    log_in(browser, server, "alice")
    wait_for(lambda: browser.execute_script("return document.getElementById('player').readyState") >= 1,
             what="audio metadata")
    assert browser.execute_script("return document.getElementById('player').duration") == pytest.approx(12.0, abs=0.05)
    evidence = browser.find_element(By.CSS_SELECTOR, f'button.evidence[data-t="{EVIDENCE_T}"]')
    evidence.click()
    position = wait_for(
        lambda: (lambda t: t if t >= EVIDENCE_T - 0.05 else None)(
            browser.execute_script("return document.getElementById('player').currentTime")),
        what="the audio to seek",
    )
    # It seeks to the evidence's start and may play on from there.
    assert EVIDENCE_T - 0.05 <= position < EVIDENCE_T + 3.0
    # A click on the timeline seeks too: the interruption marker at 6.2 s.
    browser.execute_script("document.getElementById('player').pause()")
    browser.find_element(By.CSS_SELECTOR, "svg#timeline rect.interruption").click()
    assert wait_for(lambda: abs(browser.execute_script(
        "return document.getElementById('player').currentTime") - 6.2) < 1.0, what="timeline seek")


def test_override_shows_the_new_score(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    log_in(browser, server, "alice")
    assert browser.find_element(By.ID, "auto-score").text == f"{AUTO_SCORE:.2f}"
    assert browser.find_element(By.ID, "reviewed-score").text == f"{AUTO_SCORE:.2f}"
    form = browser.find_element(By.CSS_SELECTOR, "#item-solution_accuracy form.override")
    Select(form.find_element(By.NAME, "verdict")).select_by_visible_text("fail")
    form.find_element(By.NAME, "reason").send_keys("told the caller a wrong deadline")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(lambda: browser.find_element(By.ID, "reviewed-score").text == f"{SCORE_ACCURACY_FAILED:.2f}",
             what="the reviewed score")
    assert browser.find_element(By.ID, "auto-score").text == f"{AUTO_SCORE:.2f}"
    audit = browser.find_element(By.ID, "audit").text
    assert "alice" in audit and "told the caller a wrong deadline" in audit


# --------------------------------------------------------------------------- the officer's workspace (issue #15)

# English words of the interface: none may be left on the call page in Indonesian
# (the transcript and the item ids in <code> are not interface text).
ENGLISH = ("Scorecard", "Transcript", "Override", "reason", "required", "Calls", "Automatic", "score",
           "awaiting", "confidence", "pass", "fail", "partial", "agent", "customer", "Comments", "Audit",
           "When", "Who", "out", "hand-built", "verdict", "caller", "statement", "reviewed", "Review",
           "queue", "Dashboard", "Accept", "remaining", "Swap", "Keyboard", "shortcuts", "Length")


def visible_words(browser: Any) -> set[str]:
    text = browser.execute_script("""
        const body = document.body.cloneNode(true);
        body.querySelectorAll('code, #transcript .utt, script').forEach(e => e.remove());
        return body.innerText;""")
    # item ids (snake_case, unchanged in every language) count as one word, not English
    return set(re.findall(r"[A-Za-z][A-Za-z_\\-]*", text))


def press(browser: Any, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(browser)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def current_time(browser: Any) -> float:
    return browser.execute_script("return document.getElementById('player').currentTime")


def select_item(browser: Any, item_id: str) -> None:
    for _ in range(40):
        if browser.execute_script("const s = document.querySelector('.item.selected'); return s && s.dataset.item;") == item_id:
            return
        press(browser, "j")
    raise AssertionError(f"item {item_id} not reached with j")


def test_indonesian_by_default_with_no_english_left_on_the_call_page(browser_id, server):
    log_in(browser_id, server, "alice")
    assert browser_id.execute_script("return document.documentElement.lang") == "id"
    assert browser_id.execute_script("return document.querySelectorAll('[lang=en]').length") == 0
    words = visible_words(browser_id)
    assert {"Kartu", "nilai", "Transkrip", "Salam", "pembuka"} <= words
    assert sorted(words & set(ENGLISH)) == []


def test_audio_keeps_playing_across_an_override_made_with_the_keyboard(browser_id, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    log_in(browser_id, server, "alice")
    browser_id.execute_script("window.notReloaded = true; document.getElementById('player').play();")
    wait_for(lambda: current_time(browser_id) > 0.5, what="playback")
    select_item(browser_id, "solution_accuracy")
    press(browser_id, "3")  # fail; the reason field takes the focus
    press(browser_id, "janji tenggat yang salah", Keys.ENTER)
    wait_for(lambda: browser_id.find_element(By.ID, "reviewed-score").text
             == f"{SCORE_ACCURACY_FAILED:.2f}".replace(".", ","), what="the reviewed score")
    before = current_time(browser_id)
    time.sleep(1.0)
    assert current_time(browser_id) > before + 0.5  # still playing: no reload, no jump to 0:00
    assert browser_id.execute_script("return window.notReloaded === true && !document.getElementById('player').paused")
    assert "janji tenggat yang salah" in browser_id.find_element(By.ID, "audit").text


def test_keyboard_review_escalate_accept_and_sign_off(browser_id, server, database):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    log_in(browser_id, server, "alice")
    wait_for(lambda: browser_id.execute_script("return document.getElementById('player').readyState") >= 1,
             what="audio metadata")
    browser_id.execute_script("window.scrollTo(0, 400)")
    y = browser_id.execute_script("return window.scrollY")
    press(browser_id, " ")  # Space plays, and does not scroll the page
    wait_for(lambda: current_time(browser_id) > 0.3, what="play on Space")
    assert browser_id.execute_script("return window.scrollY") == y
    press(browser_id, " ")
    assert wait_for(lambda: browser_id.execute_script("return document.getElementById('player').paused"))
    start = current_time(browser_id)
    press(browser_id, Keys.ARROW_RIGHT)
    wait_for(lambda: abs(current_time(browser_id) - (start + 5)) < 0.3, what="seek +5 s")
    press(browser_id, "?")
    assert browser_id.find_element(By.ID, "help").is_displayed()
    press(browser_id, Keys.ESCAPE)
    assert not browser_id.find_element(By.ID, "help").is_displayed()
    # Escalate opening_greeting: it stays awaiting (counted, and in the queue).
    select_item(browser_id, "opening_greeting")
    press(browser_id, "e")
    press(browser_id, "sapaan kurang jelas", Keys.ENTER)
    wait_for(lambda: browser_id.find_element(By.ID, "awaiting").text == "2", what="2 awaiting")
    press(browser_id, Keys.ESCAPE, "S")  # sign-off refused while items await
    wait_for(lambda: "2 item masih menunggu" in browser_id.find_element(By.ID, "status").text, what="refusal")
    # Accept the machine's verdict on the escalated item (a), accept the rest (Shift+A),
    # decide the abstained item (1 = pass), then sign off (Shift+S).
    press(browser_id, "a")
    wait_for(lambda: browser_id.find_element(By.ID, "awaiting").text == "1", what="1 awaiting")
    press(browser_id, "A")
    select_item(browser_id, "solution_accuracy")
    press(browser_id, "1", "sesuai basis pengetahuan", Keys.ENTER)
    wait_for(lambda: browser_id.find_element(By.ID, "awaiting").text == "0", what="none awaiting")
    press(browser_id, Keys.ESCAPE, "S")
    wait_for(lambda: "Ditinjau oleh alice" in browser_id.find_element(By.ID, "signoff").text, what="sign-off")
    from call_qa.db import workflow

    assert workflow.latest_signoff(database, CALL).user == "alice"
    decided = dbmod.latest_verdicts(database, CALL)
    assert len(decided) == 18 and decided["opening_greeting"] == Verdict.PASS


def test_email_review_in_indonesian_with_the_keyboard(browser_id, server, database):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from web_samples import EMAIL, make_email_result

    dbmod.save_call_result(database, make_email_result())
    log_in(browser_id, server, "alice", call=EMAIL)
    thread = browser_id.find_element(By.ID, "thread").text
    assert "Pesan pelanggan" in thread and "Balasan agen" in thread
    marked = browser_id.find_elements(By.CSS_SELECTOR, ".sentence.evidence-mark")
    assert [m.text for m in marked] == ["Yth. Bapak Budi, terima kasih atas email Bapak."]
    select_item(browser_id, "punctuation_spelling")
    press(browser_id, "1", "ejaan sudah baik", Keys.ENTER)
    wait_for(lambda: browser_id.find_element(By.ID, "awaiting").text == "0", what="none awaiting")
    press(browser_id, Keys.ESCAPE, "S")
    wait_for(lambda: "Ditinjau oleh alice" in browser_id.find_element(By.ID, "signoff").text, what="sign-off")
    assert sorted(visible_words(browser_id) & set(ENGLISH)) == []
