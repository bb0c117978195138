"""The sign-in page at `/` in headless Chromium, against a live `jwtauth serve`.

The server runs with short lifetimes (`--access-ttl 3s --leeway 0s`, so an access token
really stops working three seconds after it was issued) and `--refresh-cookie`. The page is
driven through Selenium (Debian's chromium and chromium-driver); where the test must hold or
fail one of the page's requests it talks to the same browser over the DevTools protocol
(Fetch domain), and it reads what the page sent and received from chromedriver's performance
log, not from the page's own account of it.

What is checked, in order (the tests share one browser and one server):

 1. the page and its assets are served under the strict Content-Security-Policy and contain
    no inline script, inline style or eval;
 2. registering through the form signs the user in;
 3. across more than two access-token lifetimes the page refreshes silently (at least two
    refreshes), the user stays signed in and `GET /api/me` keeps working;
 4. no token is readable by scripts: not in `document.cookie`, `localStorage`,
    `sessionStorage` or the DOM; the refresh cookie is HttpOnly, SameSite=Strict, Path=/auth;
 5. the cookie routes refuse requests without the CSRF header or from another origin, and
    such refusals do not use up the cookie;
 6. single flight in one tab: with the access token expired, two API calls at once get two
    401s but send one refresh, and both are retried once and succeed;
 7. two tabs on the same cookie: while one tab's refresh is in flight the other tab's refresh
    waits (Web Locks), so reuse detection never fires; both stay signed in;
 8. revoking the page's session from a second login (an API client) drops the page to the
    sign-in form;
 9. signing in with the keyboard only, then "Log out everywhere"; then "Log out"; the cookie
    is gone and a reload stays signed out;
10. at 375 px the page has no horizontal scrolling; inputs have labels, buttons names;
11. the browser console shows no Content-Security-Policy violation and no script error.

With JWTAUTH_SCREENSHOTS=1 the signed-in page is saved to docs/screenshot.png (1200×800).

Environment: JWTAUTH_BIN (the jwtauth binary, required unless JWTAUTH_BROWSER_URL is set),
CHROMIUM / CHROMEDRIVER (default: found on PATH), JWTAUTH_SCREENSHOTS, JWTAUTH_SCREENSHOT_DIR
(default: docs/ of the repository), JWTAUTH_BROWSER_URL (drive an already running server that
was started with the flags below instead of starting one; for working on the page).
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import shutil
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import websocket
from jwtauth_testing import ServeProcess, clean_environment, wait_for
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
ACCESS_TTL = 3  # seconds
USERNAME = "alice"
PASSWORD = "correct horse battery staple"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SERVER_FLAGS = [
    "--access-ttl", f"{ACCESS_TTL}s",
    "--refresh-ttl", "60s",
    "--leeway", "0s",
    "--bcrypt-cost", "10",
    "--refresh-cookie",
    "--register-limit", "1000/1h",  # every test user registers from loopback
]
SCREENSHOTS = os.environ.get("JWTAUTH_SCREENSHOTS", "") not in ("", "0")
SCREENSHOT_DIR = Path(os.environ.get("JWTAUTH_SCREENSHOT_DIR") or REPO / "docs")


# ------------------------------------------------------------------------------------------
# Waiting
# ------------------------------------------------------------------------------------------

# ------------------------------------------------------------------------------------------
# The server
# ------------------------------------------------------------------------------------------

class Server:
    def __init__(self) -> None:
        self.process: ServeProcess | None = None
        self.base = ""
        self.log_path: Path | None = None

    def start(self, work: Path) -> None:
        external = os.environ.get("JWTAUTH_BROWSER_URL")
        if external:
            self.base = external.rstrip("/")
            return
        binary = os.environ.get("JWTAUTH_BIN")
        if not binary or not os.access(binary, os.X_OK):
            pytest.exit("JWTAUTH_BIN must name the jwtauth binary (Tests/Browser/run.sh sets it)", returncode=2)
        self.log_path = work / "server.log"
        self.process = ServeProcess(
            binary,
            ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(work / "data"), *SERVER_FLAGS],
            self.log_path,
            env=clean_environment(JWTAUTH_LOG_LEVEL="info"),
        )
        self.process.start()
        try:
            # The page's origin is 127.0.0.1 (the cookie and the Origin check).
            self.base = self.process.wait_listening()
        except BaseException:
            self.stop()
            pytest.exit(f"jwtauth serve did not start; its log:\n{self.log_text()}", returncode=2)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def stop(self) -> int | None:
        return self.process.stop() if self.process else None


# ------------------------------------------------------------------------------------------
# A plain HTTP client (the "second device", and requests a page could never send)
# ------------------------------------------------------------------------------------------

def http_request(base: str, method: str, path: str, body=None, headers: dict | None = None):
    """Returns (status, headers, parsed JSON body or raw text or None)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    try:
        payload = None
        all_headers = {"User-Agent": "jwtauth-browser-test (python http.client)"}
        if body is not None:
            payload = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        raw = response.read()
        text = raw.decode(errors="replace")
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return response.status, response.headers, parsed
    finally:
        connection.close()


# ------------------------------------------------------------------------------------------
# DevTools: a second client on a page target, for the Fetch domain (hold or fail requests)
# ------------------------------------------------------------------------------------------

class DevTools:
    """A minimal Chrome DevTools Protocol client for one page (tab)."""

    def __init__(self, debugger_address: str, target_id: str) -> None:
        with urllib.request.urlopen(f"http://{debugger_address}/json/list", timeout=10) as response:
            targets = json.load(response)
        target = next((t for t in targets if t["id"] == target_id), None)
        assert target, f"no DevTools target {target_id} in {[t['id'] for t in targets]}"
        self.socket = websocket.create_connection(target["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.replies: dict[int, queue.Queue] = {}
        self.events: queue.Queue = queue.Queue()
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while not self.closed:
            try:
                message = json.loads(self.socket.recv())
            except Exception:
                break
            if "id" in message:
                with self.lock:
                    box = self.replies.pop(message["id"], None)
                if box:
                    box.put(message)
            else:
                self.events.put(message)

    def send(self, method: str, params: dict | None = None) -> dict:
        box: queue.Queue = queue.Queue()
        with self.lock:
            self.next_id += 1
            message_id = self.next_id
            self.replies[message_id] = box
        self.socket.send(json.dumps({"id": message_id, "method": method, "params": params or {}}))
        reply = box.get(timeout=15)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def next_event(self, method: str, timeout: float):
        """The next event named `method` within `timeout` seconds, or None."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                return None
            if event.get("method") == method:
                return event["params"]

    def hold_refreshes(self) -> None:
        """Pauses every request to /auth/refresh until it is continued or failed."""
        while not self.events.empty():
            self.events.get_nowait()
        self.send("Fetch.enable", {"patterns": [{"urlPattern": "*/auth/refresh", "requestStage": "Request"}]})

    def release(self) -> None:
        self.send("Fetch.disable")

    def close(self) -> None:
        self.closed = True
        try:
            self.send("Fetch.disable")
        except Exception:
            pass
        self.socket.close()


# ------------------------------------------------------------------------------------------
# Network log: what the page really sent and received (chromedriver's performance log)
# ------------------------------------------------------------------------------------------

class NetworkLog:
    def __init__(self, driver) -> None:
        self.driver = driver
        self.requests: dict[str, dict] = {}
        self.order: list[dict] = []

    def collect(self) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])
            tab = message.get("webview")
            event = message["message"]
            method, params = event.get("method"), event.get("params", {})
            if method == "Network.requestWillBeSent":
                request_id = params["requestId"]
                if request_id in self.requests and params.get("redirectResponse"):
                    continue
                record = {
                    "id": request_id,
                    "tab": tab,
                    "method": params["request"]["method"],
                    "path": urllib.parse.urlsplit(params["request"]["url"]).path,
                    "headers": params["request"].get("headers", {}),
                    "status": None,
                    "failed": False,
                    "at": time.monotonic(),
                }
                self.requests[request_id] = record
                self.order.append(record)
            elif method == "Network.responseReceived" and params["requestId"] in self.requests:
                self.requests[params["requestId"]]["status"] = params["response"]["status"]
            elif method == "Network.loadingFailed" and params["requestId"] in self.requests:
                self.requests[params["requestId"]]["failed"] = True

    def mark(self) -> int:
        self.collect()
        return len(self.order)

    def since(self, mark: int, method: str | None = None, path: str | None = None, tab: str | None = None) -> list[dict]:
        self.collect()
        return [
            r for r in self.order[mark:]
            if (method is None or r["method"] == method)
            and (path is None or r["path"] == path)
            and (tab is None or r["tab"] == tab)
        ]


# ------------------------------------------------------------------------------------------
# Fixtures
# ------------------------------------------------------------------------------------------

def _executable(env: str, *names: str) -> str:
    configured = os.environ.get(env)
    if configured:
        return configured
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.exit(f"{' or '.join(names)} not found (apt-get install chromium chromium-driver, or set {env})", returncode=2)


@pytest.fixture(scope="module")
def work():
    path = Path(tempfile.mkdtemp(prefix="jwtauth-browser."))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def server(work):
    server = Server()
    server.start(work)
    yield server
    status = server.stop()
    if server.process is not None:
        assert status == 0, f"jwtauth serve exited with {status} on SIGTERM; its log:\n{server.log_text()}"


@pytest.fixture(scope="module")
def browser(work):
    options = webdriver.ChromeOptions()
    options.binary_location = _executable("CHROMIUM", "chromium", "chromium-browser", "google-chrome")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1200,800",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={work / 'profile'}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    service = Service(
        executable_path=_executable("CHROMEDRIVER", "chromedriver"),
        log_output=str(work / "chromedriver.log"),
    )
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(30)
    driver.jwtauth_console = []  # every console message, collected as the tests go
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def net(browser):
    return NetworkLog(browser)


@pytest.fixture(scope="module")
def state():
    """What the ordered tests hand to each other."""
    return {}


@pytest.fixture(autouse=True)
def _collect_console(request):
    yield
    if "browser" in request.fixturenames:
        driver = request.getfixturevalue("browser")
        try:
            driver.jwtauth_console.extend(driver.get_log("browser"))
        except Exception:
            pass


@pytest.fixture(autouse=True)
def _server_log_on_failure(request, server):
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and server.log_path:
        print(f"\n--- jwtauth serve log (tail) ---\n{server.log_text()[-4000:]}")


# ------------------------------------------------------------------------------------------
# Page helpers
# ------------------------------------------------------------------------------------------

def body_data(driver, name: str) -> str:
    return driver.execute_script("return document.body.dataset[arguments[0]] || ''", name)


def page_state(driver) -> str:
    return body_data(driver, "state")


def refresh_count(driver) -> int:
    return int(body_data(driver, "refreshCount") or 0)


def retry_count(driver) -> int:
    return int(body_data(driver, "retryCount") or 0)


def wait_state(driver, wanted: str, timeout: float = 15) -> None:
    wait_for(lambda: page_state(driver) == wanted, timeout, f"the page to be {wanted!r} (it is {page_state(driver)!r})")


def text(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def claim(driver, name: str) -> str:
    return driver.execute_script(
        "const dd = document.querySelector(`#claims dd[data-claim='${arguments[0]}']`); return dd ? dd.textContent : null;",
        name,
    )


def call_me(driver, timeout: float = 10) -> dict:
    """Clicks "Call /api/me" and returns the JSON the page shows."""
    driver.execute_script("delete document.getElementById('api-status').dataset.status")
    driver.find_element(By.ID, "call-me").click()
    status = wait_for(
        lambda: driver.find_element(By.ID, "api-status").get_attribute("data-status"),
        timeout,
        "the /api/me call to finish",
    )
    assert status == "200", f"/api/me from the page: {text(driver, 'api-status')!r}"
    return json.loads(text(driver, "api-output"))


def fill(driver, element_id: str, value: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(value)


def sign_in_through_form(driver) -> None:
    wait_state(driver, "signed-out")
    fill(driver, "login-username", USERNAME)
    fill(driver, "login-password", PASSWORD)
    driver.find_element(By.ID, "login-submit").click()
    wait_state(driver, "signed-in")


def refresh_cookie(driver, base: str):
    cookies = driver.execute_cdp_cmd("Network.getCookies", {"urls": [base + "/auth/refresh"]})["cookies"]
    return next((c for c in cookies if c["name"] == "jwtauth_refresh"), None)


def first_paused(tools: dict, timeout: float):
    """(tab, Fetch.requestPaused params) of the first request held in any of `tools`' tabs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for handle, t in tools.items():
            paused = t.next_event("Fetch.requestPaused", 0.05)
            if paused:
                return handle, paused
    return None, None


def devtools_for_current_tab(driver) -> DevTools:
    address = driver.capabilities["goog:chromeOptions"]["debuggerAddress"]
    return DevTools(address, driver.current_window_handle)


def set_viewport(driver, width: int, height: int, mobile: bool = False) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def clear_viewport(driver) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


# ------------------------------------------------------------------------------------------
# 1. What is served
# ------------------------------------------------------------------------------------------

def test_page_is_served_under_a_strict_content_security_policy(server):
    expected_types = {"/": "text/html", "/app.js": "text/javascript", "/app.css": "text/css"}
    sources = {}
    for path, content_type in expected_types.items():
        status, headers, body = http_request(server.base, "GET", path)
        assert status == 200, f"GET {path}: {status}"
        assert headers.get("Content-Type", "").startswith(content_type), f"{path}: {headers.get('Content-Type')}"
        assert headers.get("Content-Security-Policy") == CSP, f"{path}: {headers.get('Content-Security-Policy')!r}"
        assert headers.get("X-Content-Type-Options") == "nosniff", path
        sources[path] = body if isinstance(body, str) else json.dumps(body)

    html, script = sources["/"], sources["/app.js"]
    code = re.sub(r"/\*.*?\*/", "", script, flags=re.S)
    code = re.sub(r"(^|\s)//(\s.*)?$", "", code, flags=re.M)  # comments may name what the code avoids
    # Nothing the policy would block (the console check at the end catches the rest).
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> in index.html"
    assert "<style" not in html, "<style> block in index.html"
    assert not re.search(r"\sstyle\s*=", html), "style attribute in index.html"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler in index.html"
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html), "an absolute URL (third party?) in index.html"
    assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|\.innerHTML\s*=|document\.write", code), \
        "eval, new Function, innerHTML or document.write in app.js"
    assert not re.search(r"localStorage|sessionStorage|document\.cookie", code), "app.js touches script-readable storage"


# ------------------------------------------------------------------------------------------
# 2–3. Register, sign in, silent refresh
# ------------------------------------------------------------------------------------------

def test_register_signs_the_user_in(server, browser, net, state):
    visit = net.mark()
    browser.get(server.base + "/")
    # No cookie yet: the page asks whether there is one, tries no refresh, and shows the forms.
    wait_state(browser, "signed-out")
    assert browser.find_element(By.ID, "login-form").is_displayed()
    assert text(browser, "message") == "", f"unexpected message: {text(browser, 'message')!r}"
    paths = [r["path"] for r in net.since(visit)]
    assert "/auth/session" in paths and "/auth/refresh" not in paths, f"a signed-out visit sent {paths}"
    entries = browser.get_log("browser")
    browser.jwtauth_console.extend(entries)
    errors = [e["message"] for e in entries if e["level"] == "SEVERE"]
    assert errors == [], f"a signed-out visit shows errors in the console: {errors}"

    mark = net.mark()
    fill(browser, "register-username", USERNAME)
    fill(browser, "register-password", PASSWORD)
    browser.find_element(By.ID, "register-submit").click()
    wait_state(browser, "signed-in")
    state["signed_in_at"] = time.monotonic()
    state["refreshes_at_sign_in"] = refresh_count(browser)

    assert text(browser, "hello-name") == USERNAME
    assert claim(browser, "preferred_username") == USERNAME
    state["sid"] = claim(browser, "sid")
    assert state["sid"], "the page shows no sid claim"

    sent = net.since(mark)
    register = [r for r in sent if r["path"] == "/auth/register"]
    login = [r for r in sent if r["path"] == "/auth/login"]
    assert [r["status"] for r in register] == [201]
    assert [r["status"] for r in login] == [200]
    assert login[0]["headers"].get("X-JWTAuth-CSRF") == "1", "the login did not carry the CSRF header"

    # The sessions list shows this browser, marked as the current session.
    wait_for(
        lambda: browser.find_elements(By.CSS_SELECTOR, f"#sessions li.is-current[data-session-id='{state['sid']}']"),
        10,
        "the sessions list to show this session as current",
    )


def test_silent_refresh_keeps_the_user_signed_in(server, browser, net, state):
    mark = net.mark()
    start_count = state["refreshes_at_sign_in"]
    # Past two expiries of the first access token, and at least two refreshes by then.
    wait_for(
        lambda: time.monotonic() - state["signed_in_at"] >= 2 * ACCESS_TTL + 1.5
        and refresh_count(browser) >= start_count + 2,
        4 * ACCESS_TTL + 10,
        "two silent refreshes and two access-token lifetimes",
    )
    assert page_state(browser) == "signed-in"
    assert refresh_count(browser) >= start_count + 2

    me = call_me(browser)
    assert me["username"] == USERNAME
    assert me["sid"] == state["sid"], "the session changed: the page signed in again instead of refreshing"

    refreshes = net.since(mark, "POST", "/auth/refresh")
    ok = [r for r in refreshes if r["status"] == 200]
    assert len(ok) >= 2, f"expected at least two refreshes on the wire, saw {[r['status'] for r in refreshes]}"
    assert all(r["status"] == 200 for r in refreshes), f"a refresh failed: {[r['status'] for r in refreshes]}"
    assert all(r["headers"].get("X-JWTAuth-CSRF") == "1" for r in refreshes), "a refresh without the CSRF header"
    assert "Authorization" not in json.dumps([r["headers"] for r in refreshes]), "a refresh sent a bearer token"
    # Every API call went out with a bearer token.
    for r in net.since(0, path="/api/me") + net.since(0, path="/auth/sessions"):
        assert r["headers"].get("Authorization", "").startswith("Bearer "), r
    assert text(browser, "countdown") not in ("", "–", "expired")

    if SCREENSHOTS:
        set_viewport(browser, 1200, 800)
        try:
            call_me(browser)
            browser.find_element(By.ID, "sessions-reload").click()
            wait_for(
                lambda: browser.find_element(By.ID, "sessions-reload").get_attribute("aria-busy") is None
                and browser.find_element(By.ID, "sessions").get_attribute("aria-busy") == "false",
                10,
                "the session list to reload",
            )
            wait_for(lambda: text(browser, "message") == "", 10, "the welcome message to clear")
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            path = SCREENSHOT_DIR / "screenshot.png"
            assert browser.save_screenshot(str(path)), "could not save the screenshot"
            print(f"\nscreenshot: {path}")
        finally:
            clear_viewport(browser)


# ------------------------------------------------------------------------------------------
# 4–5. Tokens out of reach of scripts; CSRF
# ------------------------------------------------------------------------------------------

def test_no_token_is_readable_by_scripts(server, browser):
    seen = browser.execute_script(
        """
        const storage = (s) => { const out = {}; for (let i = 0; i < s.length; i++) out[s.key(i)] = s.getItem(s.key(i)); return out; };
        return {
          cookie: document.cookie,
          local: storage(window.localStorage),
          session: storage(window.sessionStorage),
          html: document.documentElement.outerHTML,
        };
        """
    )
    assert seen["cookie"] == "", f"document.cookie is {seen['cookie']!r}"
    assert seen["local"] == {}, f"localStorage holds {list(seen['local'])}"
    assert seen["session"] == {}, f"sessionStorage holds {list(seen['session'])}"
    # A JWT starts with the base64url of '{"': "eyJ". None may sit in the DOM.
    assert "eyJ" not in seen["html"], "a token is in the page's DOM"

    cookie = refresh_cookie(browser, server.base)
    assert cookie, "no jwtauth_refresh cookie for /auth/refresh"
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/auth"
    assert cookie["value"].startswith("eyJ")
    # Not visible to the page's path either: scripts on / never see a /auth cookie, and
    # HttpOnly keeps it from scripts on /auth.
    assert not any(c["name"] == "jwtauth_refresh" for c in browser.get_cookies())


def test_cookie_routes_refuse_cross_site_requests(server, browser):
    cookie = refresh_cookie(browser, server.base)["value"]
    jar = {"Cookie": f"jwtauth_refresh={cookie}"}
    origin = {"Origin": server.base}
    before = refresh_count(browser)

    cases = {
        "no CSRF header": {**jar, **origin},
        "another origin": {**jar, "Origin": "http://evil.test", "X-JWTAuth-CSRF": "1"},
        "no Origin": {**jar, "X-JWTAuth-CSRF": "1"},
    }
    for name, headers in cases.items():
        status, _, body = http_request(server.base, "POST", "/auth/refresh", {}, headers)
        assert status == 403 and body["error"] == "csrf_rejected", f"refresh, {name}: {status} {body}"
        status, _, body = http_request(server.base, "POST", "/auth/logout", {}, headers)
        assert status == 403 and body["error"] == "csrf_rejected", f"logout, {name}: {status} {body}"

    # A cookie login from another site (login CSRF) is refused too.
    status, headers, body = http_request(
        server.base, "POST", "/auth/login",
        {"username": USERNAME, "password": PASSWORD, "mode": "cookie"},
        {"Origin": "http://evil.test", "X-JWTAuth-CSRF": "1"},
    )
    assert status == 403 and body["error"] == "csrf_rejected", f"cookie login from another origin: {status} {body}"
    assert "Set-Cookie" not in headers

    # None of that used up the cookie: the page keeps refreshing with it.
    wait_for(lambda: refresh_count(browser) >= before + 1, 2 * ACCESS_TTL + 5, "the page's next refresh")
    assert page_state(browser) == "signed-in"
    call_me(browser)


# ------------------------------------------------------------------------------------------
# 6–7. Single flight: in one tab, and across tabs
# ------------------------------------------------------------------------------------------

def test_concurrent_401s_share_one_refresh_and_retry_once(server, browser, net):
    tools = devtools_for_current_tab(browser)
    try:
        tools.hold_refreshes()
        # The next scheduled refresh is failed as if the network were down: the page keeps
        # its (soon expired) token and schedules a retry a few seconds later.
        paused = tools.next_event("Fetch.requestPaused", 2 * ACCESS_TTL + 5)
        assert paused, "the page did not refresh before its access token expired"
        failures = int(body_data(browser, "refreshFailures") or 0)
        tools.send("Fetch.failRequest", {"requestId": paused["requestId"], "errorReason": "ConnectionRefused"})
        wait_for(lambda: int(body_data(browser, "refreshFailures") or 0) == failures + 1, 5, "the page to see the failed refresh")
        assert page_state(browser) == "signed-in", "a network error must not sign the user out"
        wait_for(lambda: text(browser, "countdown") == "expired", ACCESS_TTL + 2, "the access token to expire")

        # Two calls at once with the expired token.
        mark = net.mark()
        retries = retry_count(browser)
        browser.execute_script(
            "delete document.getElementById('api-status').dataset.status;"
            "document.getElementById('call-me').click(); document.getElementById('sessions-reload').click();"
        )
        paused = tools.next_event("Fetch.requestPaused", 5)
        assert paused, "no refresh after the 401s"
        # Both calls got their 401 and wait on the one refresh; no second refresh is sent.
        wait_for(lambda: len([r for r in net.since(mark) if r["status"] == 401]) >= 2, 5, "two 401 answers")
        assert tools.next_event("Fetch.requestPaused", 1.5) is None, "a second refresh was sent while one was in flight"
        tools.send("Fetch.continueRequest", {"requestId": paused["requestId"]})

        wait_for(lambda: browser.find_element(By.ID, "api-status").get_attribute("data-status"), 10, "the call to finish")
        assert text(browser, "api-status").startswith("200"), text(browser, "api-status")
        wait_for(lambda: retry_count(browser) == retries + 2, 5, "both calls to be retried once")
        assert page_state(browser) == "signed-in"

        sent = net.since(mark)
        me = [r["status"] for r in sent if r["path"] == "/api/me"]
        sessions = [r["status"] for r in sent if r["path"] == "/auth/sessions"]
        # Only the refreshes sent before the last retried call: on a slow machine the page's
        # next scheduled refresh of the new token may already have started (and be held).
        last_retry = max(i for i, r in enumerate(sent) if r["path"] in ("/api/me", "/auth/sessions"))
        refreshes = [r["status"] for r in sent[:last_retry] if r["path"] == "/auth/refresh"]
        assert me == [401, 200], f"/api/me: {me}"
        assert sessions == [401, 200], f"/auth/sessions: {sessions}"
        assert refreshes == [200], f"/auth/refresh: {refreshes}"
    finally:
        tools.close()
    # And the session lives on (a second refresh of the same cookie would have revoked it).
    before = refresh_count(browser)
    wait_for(lambda: refresh_count(browser) > before, 2 * ACCESS_TTL + 5, "the next silent refresh")
    call_me(browser)


def test_two_tabs_never_refresh_the_same_cookie_at_once(server, browser, net, state):
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    second = browser.current_window_handle
    mark = net.mark()
    browser.get(server.base + "/")
    # The second tab restores the session from the cookie.
    wait_state(browser, "signed-in")
    assert claim(browser, "sid") == state["sid"]

    tools = {first: None, second: None}
    try:
        browser.switch_to.window(first)
        tools[first] = devtools_for_current_tab(browser)
        browser.switch_to.window(second)
        tools[second] = devtools_for_current_tab(browser)
        for t in tools.values():
            t.hold_refreshes()

        # Both tabs want a refresh now (the button; a timer may beat it). The first one out is
        # held in flight; the other tab must wait for it: nothing leaves that tab meanwhile.
        for handle in (first, second):
            browser.switch_to.window(handle)
            browser.execute_script("document.getElementById('refresh-now').click()")
        held_tab, held = first_paused(tools, 5)
        assert held, "no tab sent a refresh"
        other = second if held_tab == first else first
        assert tools[other].next_event("Fetch.requestPaused", 2) is None, \
            "both tabs sent a refresh at once (the cookie would be presented twice)"

        # The first refresh completes (the cookie rotates); only then does the other tab's go out.
        tools[held_tab].send("Fetch.continueRequest", {"requestId": held["requestId"]})
        followed = tools[other].next_event("Fetch.requestPaused", 5)
        assert followed, "the other tab never refreshed after the first one finished"
        assert tools[held_tab].next_event("Fetch.requestPaused", 0.5) is None, "the first tab refreshed twice"
        tools[other].send("Fetch.continueRequest", {"requestId": followed["requestId"]})

        for t in tools.values():
            t.release()
        # Any request that was paused when Fetch was disabled continues by itself.

        # Both tabs keep refreshing on their own timers without ever tripping reuse detection.
        counts = {}
        for handle in (first, second):
            browser.switch_to.window(handle)
            counts[handle] = refresh_count(browser)
        deadline = time.monotonic() + 3 * ACCESS_TTL + 10
        for handle in (second, first):
            browser.switch_to.window(handle)
            wait_for(lambda: refresh_count(browser) >= counts[handle] + 2, max(1, deadline - time.monotonic()),
                     "two more refreshes in each tab")
            assert page_state(browser) == "signed-in"
            me = call_me(browser)
            assert me["sid"] == state["sid"]
        refreshes = net.since(mark, "POST", "/auth/refresh")
        assert refreshes and all(r["status"] == 200 for r in refreshes), \
            f"a refresh failed with two tabs open: {[r['status'] for r in refreshes]}"
    finally:
        for t in tools.values():
            if t:
                t.close()
        browser.switch_to.window(second)
        browser.close()
        browser.switch_to.window(first)
    assert page_state(browser) == "signed-in"


# ------------------------------------------------------------------------------------------
# 8–9. Revocation from elsewhere, log out everywhere, log out
# ------------------------------------------------------------------------------------------

def api_login(server) -> str:
    """Signs in as a second device (an API client, refresh token in the body)."""
    status, _, body = http_request(server.base, "POST", "/auth/login", {"username": USERNAME, "password": PASSWORD, "mode": "json"})
    assert status == 200, f"API login: {status} {body}"
    assert body.get("refresh_token"), "mode json must return the refresh token in the body"
    return body["access_token"]


def test_revoking_the_session_elsewhere_signs_the_page_out(server, browser, state):
    assert page_state(browser) == "signed-in"
    token = api_login(server)
    bearer = {"Authorization": f"Bearer {token}"}
    status, _, sessions = http_request(server.base, "GET", "/auth/sessions", headers=bearer)
    assert status == 200
    others = [s for s in sessions if not s["current"]]
    assert state["sid"] in [s["id"] for s in others], f"the page's session {state['sid']} is not listed: {sessions}"

    status, _, body = http_request(server.base, "DELETE", f"/auth/sessions/{urllib.parse.quote(state['sid'])}", headers=bearer)
    assert status == 204, f"DELETE the page's session: {status} {body}"
    revoked_at = time.monotonic()

    # The page finds out at its next refresh (at most one access-token lifetime away).
    wait_state(browser, "signed-out", timeout=ACCESS_TTL + 5)
    print(f"\npage signed out {time.monotonic() - revoked_at:.2f} s after the revocation")
    assert browser.find_element(By.ID, "login-form").is_displayed()
    assert "session has ended" in text(browser, "message").lower(), text(browser, "message")
    assert refresh_cookie(browser, server.base) is None, "the dead cookie was not cleared"

    # The second device is unaffected.
    status, _, me = http_request(server.base, "GET", "/api/me", headers=bearer)
    assert status == 200 and me["username"] == USERNAME
    state["api_bearer"] = bearer


def test_keyboard_sign_in_and_log_out_everywhere(server, browser, state):
    wait_state(browser, "signed-out")
    username = browser.find_element(By.ID, "login-username")
    username.click()
    username.send_keys(USERNAME, Keys.TAB)
    active = browser.switch_to.active_element
    assert active.get_attribute("id") == "login-password", "Tab from the username does not reach the password"
    active.send_keys(PASSWORD, Keys.ENTER)
    wait_state(browser, "signed-in")
    new_sid = claim(browser, "sid")
    assert new_sid and new_sid != state["sid"]
    # Focus moved to the signed-in view's heading.
    assert browser.switch_to.active_element.get_attribute("id") == "signed-in-title"

    browser.find_element(By.ID, "logout-all").click()
    wait_state(browser, "signed-out")
    assert "every device" in text(browser, "message")
    assert refresh_cookie(browser, server.base) is None, "log out everywhere left the cookie"
    # Every session of the user ended, the API client's access token included, at once.
    status, _, body = http_request(server.base, "GET", "/api/me", headers=state["api_bearer"])
    assert status == 401, f"the API client's token still works after log out everywhere: {status} {body}"

    browser.refresh()
    wait_state(browser, "signed-out")


def test_log_out(server, browser):
    sign_in_through_form(browser)
    sid = claim(browser, "sid")
    browser.find_element(By.ID, "logout").click()
    wait_state(browser, "signed-out")
    assert refresh_cookie(browser, server.base) is None, "log out left the cookie"
    token = api_login(server)
    status, _, sessions = http_request(server.base, "GET", "/auth/sessions", headers={"Authorization": f"Bearer {token}"})
    assert status == 200 and sid not in [s["id"] for s in sessions], "the page's session outlived its logout"
    browser.refresh()
    wait_state(browser, "signed-out")


# ------------------------------------------------------------------------------------------
# 10–11. Phone width, labels, console
# ------------------------------------------------------------------------------------------

def overflow(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")


def test_phone_width_and_labels(server, browser):
    set_viewport(browser, 375, 740, mobile=True)
    try:
        browser.refresh()
        wait_state(browser, "signed-out")
        assert overflow(browser) <= 0, "the sign-in view scrolls sideways at 375 px"
        sign_in_through_form(browser)
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#sessions li"), 10, "the sessions list")
        call_me(browser)
        assert overflow(browser) <= 0, "the signed-in view scrolls sideways at 375 px"
        for element_id in ("call-me", "refresh-now", "logout", "logout-all"):
            button = browser.find_element(By.ID, element_id)
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
            assert button.is_displayed()
            box = button.rect
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, f"#{element_id} is cut off: {box}"

        problems = browser.execute_script(
            """
            const problems = [];
            if (!document.documentElement.lang) problems.push('no lang on <html>');
            for (const input of document.querySelectorAll('input, select, textarea')) {
              if (!input.labels || input.labels.length === 0) problems.push(`#${input.id} has no <label>`);
            }
            for (const button of document.querySelectorAll('button')) {
              const name = (button.getAttribute('aria-label') || button.textContent || '').trim();
              if (!name) problems.push(`a button has no name: ${button.outerHTML.slice(0, 80)}`);
            }
            const live = document.querySelector('[aria-live]');
            if (!live) problems.push('no aria-live region');
            if (!document.querySelector('h1')) problems.push('no <h1>');
            return problems;
            """
        )
        assert problems == []
    finally:
        clear_viewport(browser)
    browser.find_element(By.ID, "logout").click()
    wait_state(browser, "signed-out")


def test_console_shows_no_policy_violation_or_script_error(browser):
    browser.jwtauth_console.extend(browser.get_log("browser"))
    bad = [
        entry["message"] for entry in browser.jwtauth_console
        if entry["source"] != "network"  # the 4xx answers the tests provoke are expected
        and (entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"] or "Refused to" in entry["message"])
    ]
    assert bad == [], "console errors:\n" + "\n".join(bad)
