"""Browser tests: headless Debian chromium (selenium + /usr/bin/chromedriver) against
the real app served by uvicorn on a free local port, on SQLite and PostgreSQL.

They log in, open a call, click a piece of evidence and read the audio element's
position, and override an item and read the new reviewed score.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from typing import Any, Iterator

import pytest

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


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
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


def log_in(browser: Any, server: str, username: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/calls/{CALL}")  # no session: sent to the login form
    assert "/login" in browser.current_url
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(PASSWORDS[username])
    browser.find_element(By.ID, "login-button").click()
    wait_for(lambda: f"/calls/{CALL}" in browser.current_url, what="the call page after login")


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
