#!/usr/bin/env python3
"""Browser test of the review page served by `sentiment serve` (Sources/SentimentServer/Page/index.html).

Usage: python3 Tests/Browser/review_page_test.py PATH_TO_SENTIMENT_BINARY [--screenshot OUT.png]

Starts the server on a fresh store with a random token, seeds predictions through the API, then drives headless
Chromium (selenium, /usr/bin/chromium + /usr/bin/chromedriver): token taken from the URL's fragment and removed,
"lowest confidence first", a correction by button and one by keyboard (checked through the API), literal display of
a text full of markup. Prints `browser test: ok` and exits 0, or says what failed (with the server's stderr tail)
and exits 1.
"""
import argparse
import collections
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import traceback
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")
START_TIMEOUT = 120   # the server never answering, not a speed limit
WAIT = 20             # one page update (a request and a render)
STOP_TIMEOUT = 30

XSS_TEXT = '<img src=x onerror="window.__pwned=1">Shares <b>soar</b>'
ARABIC_TEXT = "الخدمة ممتازة جداً، شكراً لكم!"  # right to left, ending in punctuation
HEADLINES = [
    "Shares soar after record profit and strong growth",
    "Company posts quarterly loss as sales slump",
    "Central bank leaves interest rates unchanged",
    "Oil prices plunge on weak demand fears",
    "Tech giant beats estimates, stock jumps in late trading",
    "Retailer announces layoffs and store closures",
    "Annual general meeting scheduled for next Tuesday",
    "Startup raises funding to expand into Europe",
    "Regulator opens fraud investigation into lender",
    "Quarterly revenue in line with guidance",
    "Airline cuts outlook after fuel costs rise",
    "Board appoints new chief financial officer",
]


class Failure(Exception):
    pass


class Server:
    """`BINARY serve` on a temporary store; keeps its stderr for the report."""

    def __init__(self, binary, tmp, token):
        env = dict(os.environ, SENTIMENT_API_TOKEN=token)
        self.proc = subprocess.Popen([binary, "serve", "--db", os.path.join(tmp, "store.sqlite"), "--port", "0"],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, errors="replace")
        self.lines = collections.deque(maxlen=200)
        self.url = None
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))
            m = re.search(r"sentiment: serving (http://\S+?:(\d+))", line)
            if m and not self.ready.is_set():
                self.url = m.group(1)
                self.port = int(m.group(2))
                self.ready.set()
        self.ready.set()   # EOF: the server is gone

    def wait_ready(self):
        if not self.ready.wait(START_TIMEOUT):
            raise Failure(f"the server printed no 'sentiment: serving' line within {START_TIMEOUT} s")
        if self.url is None:
            try:
                code = self.proc.wait(10)
            except subprocess.TimeoutExpired:
                code = "still running"
            raise Failure(f"the server closed its standard error before serving (exit status: {code})")

    def tail(self, n=40):
        return "\n".join(list(self.lines)[-n:])


class Api:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def __call__(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                return json.loads(res.read())
        except urllib.error.HTTPError as e:
            raise Failure(f"{method} {path}: HTTP {e.code}: {e.read()[:500]!r}") from None


def check(condition, what):
    if not condition:
        raise Failure(what)


def wait(driver, condition, what, timeout=WAIT):
    try:
        # The page re-renders rows and panels as answers arrive: an element found in one poll may be replaced
        # before it is read, which only means "not yet".
        return WebDriverWait(driver, timeout, poll_frequency=0.1,
                             ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(condition)
    except TimeoutException:
        message = driver.find_elements(By.ID, "message-text")
        shown = message[0].text if message and message[0].is_displayed() else ""
        raise Failure(f"timed out waiting for {what}" + (f" (page message: {shown})" if shown else "")) from None


def first_row_id(driver):
    rows = driver.find_elements(By.CSS_SELECTOR, "#rows tr[data-id]")
    return rows[0].get_attribute("data-id") if rows else None


def corrected_text(driver, pid):
    cells = driver.find_elements(By.CSS_SELECTOR, f'#rows tr[data-id="{pid}"] td.corrected')
    return cells[0].text.strip() if cells else None


def other_label(prediction):
    """The first label (sorted) other than the predicted one, and its 1-based key."""
    labels = sorted(prediction["probabilities"])
    for i, label in enumerate(labels):
        if label != prediction["label"]:
            return label, i + 1
    raise Failure(f"prediction {prediction['id']} has a single label")


def run(args, tmp):
    token = secrets.token_urlsafe(32)
    server = Server(args.binary, tmp, token)
    driver = None
    try:
        server.wait_ready()
        base = f"http://127.0.0.1:{server.port}"
        api = Api(base, token)

        # Seed: a dozen headlines and one text full of markup.
        seeded = api("POST", "/v1/predict", {"texts": HEADLINES + [XSS_TEXT, ARABIC_TEXT]})["predictions"]
        check(len(seeded) == len(HEADLINES) + 2 and all(p.get("id") is not None for p in seeded),
              f"predict did not store every text: {seeded!r}")
        xss_id, arabic_id = seeded[-2]["id"], seeded[-1]["id"]

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_window_size(1280, 900)

        # 1. The token from the fragment: rows appear, the fragment is gone from the address bar.
        driver.get(f"{base}/#token={token}")
        wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "#rows tr[data-id]")), "the first rows")
        check("token" not in driver.current_url, f"the token is still in the URL: {driver.current_url}")
        check(driver.execute_script("return sessionStorage.getItem('sentiment.token')") == token,
              "the token is not kept in sessionStorage")

        # 2. Markup in a text is shown literally and never runs.
        xss_row = wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, f'#rows tr[data-id="{xss_id}"]')),
                       f"the row of prediction {xss_id}")
        text = xss_row.get_attribute("textContent")
        check("<b>soar</b>" in text and "<img src=x" in text, f"the markup text is not shown literally: {text!r}")
        check(not driver.find_elements(By.CSS_SELECTOR, "#rows img, #rows b"), "the markup text became elements")
        check(driver.execute_script("return typeof window.__pwned") == "undefined", "window.__pwned is set")

        # 2b. Each text takes its own direction: Arabic right to left (its final "!" on the left), English left to right.
        direction = lambda pid: driver.execute_script(
            "const c = document.querySelector(`#rows tr[data-id='${arguments[0]}'] td.text`);"
            "return c && c.getAttribute('dir') + ' ' + getComputedStyle(c).direction;", str(pid))
        wait(driver, lambda d: direction(arabic_id) == "auto rtl", f"the Arabic text's cell to be dir=auto, rtl: {direction(arabic_id)!r}")
        check(direction(xss_id) == "auto ltr", f"the English text's cell is not dir=auto, ltr: {direction(xss_id)!r}")
        check(driver.find_element(By.ID, "search").get_attribute("dir") == "auto", "the search box is not dir=auto")

        # 3. Lowest confidence first.
        expected = api("GET", "/v1/predictions?order=confidence-ascending&limit=1")["predictions"][0]
        old_first = driver.find_element(By.CSS_SELECTOR, "#rows tr[data-id]")
        Select(driver.find_element(By.ID, "order")).select_by_value("confidence-ascending")
        driver.find_element(By.ID, "apply").click()
        wait(driver, EC.staleness_of(old_first), "the rows to be redrawn after Apply")
        wait(driver, lambda d: first_row_id(d) == str(expected["id"]),
             f"prediction {expected['id']} (lowest confidence {expected['confidence']}) to be the first row")
        ids = wait(driver, lambda d: [r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#rows tr[data-id]")],
                   "the rows' ids")
        check(len(ids) >= 2, f"fewer than two rows: {ids}")

        # 4. Correct the first row with its button.
        first = api("GET", f"/v1/predictions/{ids[0]}")
        label1, _ = other_label(first)
        driver.find_element(By.CSS_SELECTOR, f'#rows tr[data-id="{ids[0]}"] button[data-label="{label1}"]').click()
        wait(driver, lambda d: corrected_text(d, ids[0]) == label1, f"row {ids[0]} to show its correction {label1}")

        # 5. Correct the second row with the keyboard: j (unless already selected), then the label's digit.
        # A key typed into an input is text, not a command.
        selected = lambda d: [r.get_attribute("data-id") for r in d.find_elements(By.CSS_SELECTOR, "#rows tr.selected")]
        before = selected(driver)
        search = driver.find_element(By.ID, "search")
        search.send_keys("j")
        check(selected(driver) == before, "typing j in the search box moved the selection")
        search.clear()
        driver.find_element(By.TAG_NAME, "h1").click()   # focus out of the input
        second = api("GET", f"/v1/predictions/{ids[1]}")
        label2, key2 = other_label(second)
        if selected(driver) != [ids[1]]:
            ActionChains(driver).send_keys("j").perform()
        wait(driver, lambda d: selected(d) == [ids[1]], f"row {ids[1]} to be selected after j")
        ActionChains(driver).send_keys(str(key2)).perform()
        wait(driver, lambda d: corrected_text(d, ids[1]) == label2, f"row {ids[1]} to show its correction {label2}")

        # 6. Both corrections are stored.
        for pid, label in ((ids[0], label1), (ids[1], label2)):
            stored = api("GET", f"/v1/predictions/{pid}")
            check(stored.get("corrected_label") == label,
                  f"prediction {pid}: corrected_label {stored.get('corrected_label')!r}, expected {label!r}")

        # 7. The summary follows (corrections counted, chart drawn); screenshot.
        wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "#chart svg rect")), "the summary chart")
        wait(driver, lambda d: d.find_element(By.ID, "summary-corrected").text == "2", "the summary to count 2 corrections")
        wait(driver, lambda d: d.find_element(By.ID, "summary-total").text == str(len(seeded)),
             f"the summary total to be {len(seeded)}")
        check(driver.execute_script("return typeof window.__pwned") == "undefined", "window.__pwned is set")
        if args.screenshot:
            driver.execute_script("window.scrollTo(0, 0)")
            check(driver.save_screenshot(args.screenshot), f"could not save {args.screenshot}")

        # 8. A wrong token brings back the token form; the right one typed there works.
        driver.execute_script("sessionStorage.clear()")
        driver.get(f"{base}/#token=wrong")
        wait(driver, EC.visibility_of_element_located((By.ID, "token-note")), "the token form after a wrong token")
        driver.find_element(By.ID, "token-input").send_keys(token)
        driver.find_element(By.ID, "token-save").click()
        wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "#rows tr[data-id]")), "rows after typing the token")

        driver.quit()
        driver = None

        # 9. SIGTERM: exit 0.
        server.proc.send_signal(signal.SIGTERM)
        try:
            code = server.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise Failure(f"the server did not exit within {STOP_TIMEOUT} s of SIGTERM") from None
        check(code == 0, f"the server exited {code} after SIGTERM")
    except Exception as e:
        tail = server.tail()
        if isinstance(e, Failure):
            print(f"browser test: FAILED: {e}", file=sys.stderr)
        else:
            print("browser test: FAILED", file=sys.stderr)
            traceback.print_exc()
        print("--- server stderr (tail) ---\n" + tail, file=sys.stderr)
        return 1
    finally:
        if driver is not None:
            try:
                driver.quit()
            except Exception:
                pass
        if server.proc.poll() is None:
            server.proc.kill()
            server.proc.wait()
    print("browser test: ok")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", help="the sentiment executable")
    parser.add_argument("--screenshot", metavar="OUT.png", help="save a screenshot after the corrections")
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="sentiment-browser-")
    try:
        return run(args, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
