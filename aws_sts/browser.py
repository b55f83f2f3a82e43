"""Find and launch Chromium, and capture the SAML POST to AWS sign-in.

The assertion is captured inside the browser: the POST to an AWS sign-in SAML endpoint is intercepted
and answered locally, so nothing is ever sent to AWS sign-in and no other page sees the assertion.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence
from urllib.parse import parse_qs, urlsplit, urlunsplit

from aws_sts import web
from aws_sts.errors import BrowserError
from aws_sts.redact import first_line

LAUNCH_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# https://signin.aws.amazon.com/saml, https://<region>.signin.aws.amazon.com/saml, GovCloud and China.
SAML_ENDPOINT = re.compile(
    r"^https://(?:(?:[a-z0-9-]+\.)?signin\.aws\.amazon\.com|signin\.amazonaws-us-gov\.com|signin\.amazonaws\.cn)"
    r"/saml/?(?:[?#].*)?$"
)
CAPTURED_PAGE = (
    "<!doctype html><html><head><title>aws-sts</title></head>"
    '<body id="aws-sts-saml-captured">aws-sts has the SAML assertion; this window can close.</body></html>'
)
CAPTURED_SELECTOR = "#aws-sts-saml-captured"
HEADLESS_SHELLS = ["chromium-headless-shell", "/usr/bin/chromium-headless-shell",
                   "/usr/lib/chromium/chromium-headless-shell"]
FULL_BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]


def _playwright_browsers(kind: str) -> list[str]:
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.expanduser("~/.cache/ms-playwright")
    patterns = {
        "shell": ["chromium_headless_shell-*/chrome-*/chrome-headless-shell",
                  "chromium_headless_shell-*/chrome-*/headless_shell"],
        "full": ["chromium-*/chrome-linux*/chrome"],
    }[kind]
    found = []
    for pattern in patterns:
        found += sorted(glob.glob(os.path.join(root, pattern)), reverse=True)
    return found


def _first_executable(candidates: Sequence[str]) -> Optional[str]:
    for candidate in candidates:
        path = shutil.which(candidate) if os.sep not in candidate else candidate
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_browser(configured: Optional[str], headless: bool) -> str:
    """$AWS_STS_BROWSER_PATH, config browserPath, Playwright's Chromium, then chromium on PATH.

    For headless runs a headless shell is preferred when there is one: it starts about twice as fast.
    """
    for source, path in (("AWS_STS_BROWSER_PATH", os.environ.get("AWS_STS_BROWSER_PATH")), ("browserPath", configured)):
        if path:
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise BrowserError(f"The browser set by {source} ({path}) does not exist or is not executable.")
            return path
    candidates = (HEADLESS_SHELLS + _playwright_browsers("shell")) if headless else []
    candidates += _playwright_browsers("full") + FULL_BROWSERS
    found = _first_executable(candidates)
    if not found:
        raise BrowserError(
            "No Chromium found. Install one (Debian/Ubuntu: sudo apt-get install chromium) or point\n"
            "AWS_STS_BROWSER_PATH (or browserPath in config.json) at chromium, chromium-browser or google-chrome."
        )
    return found


@dataclass
class SamlCapture:
    """Holds the SAMLResponse of the first POST to an AWS sign-in endpoint, and notices one posted
    anywhere else (a misconfigured app): the run then ends naming where, instead of timing out."""

    saml_response: Optional[str] = field(default=None, repr=False)
    posted_elsewhere: Optional[str] = None  # scheme://host/path of such a POST (no query: it may hold tokens)
    elsewhere_response: Optional[str] = field(default=None, repr=False)  # kept only to scrub artifacts
    # The last page the IdP served to a GET (a script may show another URL since, e.g. the widget's routes):
    # a window for the user (engine.Flow.hand_off) can open it again with the same cookies.
    document_url: Optional[str] = None

    def handle(self, route) -> None:
        request = route.request
        if request.method == "POST" and self.saml_response is None:
            values = parse_qs(request.post_data or "", keep_blank_values=True).get("SAMLResponse")
            if values and values[0]:
                self.saml_response = values[0]
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=CAPTURED_PAGE)

    def watch(self, request) -> None:
        """Every request of the page (an event, not an interception: it costs no round trip)."""
        if request.method == "GET":
            if request.is_navigation_request() and request.frame.parent_frame is None:
                self.document_url = request.url
            return
        if request.method != "POST" or SAML_ENDPOINT.match(request.url) or self.posted_elsewhere:
            return
        try:
            body = request.post_data or ""
        except Exception:  # a body that is not text is not a SAML form
            return
        if "SAMLResponse=" not in body:
            return
        parts = urlsplit(request.url)
        self.posted_elsewhere = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))
        self.elsewhere_response = (parse_qs(body).get("SAMLResponse") or [""])[0]


@dataclass
class BrowserSession:
    page: object  # playwright.sync_api.Page
    capture: SamlCapture
    context: object = None  # playwright.sync_api.BrowserContext
    started_with: list = field(default_factory=list, repr=False)  # the stored session's cookies
    headless: bool = True
    _launcher: object = field(default=None, repr=False)  # opens another browser on the same driver

    def cookies(self) -> list:
        """Every cookie of the browser now (Playwright's dicts); aws_sts.idp_session keeps the IdP's."""
        return self.context.cookies() if self.context is not None else []

    def cookie_values(self) -> list:
        """Session cookie values to scrub from failure artifacts: bearer secrets (the IdP session). Only
        HttpOnly cookies: those are the session's, and pages never see them. A cookie a page's script can
        read (Okta's `ln` remembers the username) is no secret, and the page may well show its value."""
        cookies = list(self.started_with)
        try:
            cookies += self.cookies()
        except Exception:  # the browser may be gone already; the stored ones are still scrubbed
            pass
        return [c["value"] for c in cookies if c.get("httpOnly") and len(c.get("value") or "") >= 8]

    def open_window(self) -> "BrowserSession":
        """A headed browser holding this one's cookies, for the user to finish a sign-in in (a headless
        browser cannot be shown). Closed with this one. Raises BrowserError when no window can open."""
        return self._launcher(headless=False, cookies=self.cookies())


@contextmanager
def open_browser(browser_path: Optional[str], debug: bool,
                 cookies: Optional[list] = None) -> Iterator[BrowserSession]:
    """A fresh browser and page (no profile on disk), holding `cookies` (a stored IdP session) when given;
    headless unless --debug with a display. Closed on every way out, Ctrl-C included, with any window
    opened from it."""
    from playwright.sync_api import sync_playwright

    _use_node_compile_cache()
    try:
        with _quiet_stderr(not debug):
            playwright = sync_playwright().start()
    except Exception as exc:  # the driver (a Node.js program) did not start: say why in one line
        raise BrowserError(driver_failure(exc)) from None
    browsers: list = []

    def launch(headless: bool, cookies: Optional[list]) -> BrowserSession:
        from playwright.sync_api import Error as PlaywrightError

        executable = find_browser(browser_path, headless)
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                headless=headless,
                args=LAUNCH_FLAGS,
                proxy=web.browser_proxy(),  # HTTPS_PROXY / NO_PROXY, loopback direct; None: Chromium's own settings
                slow_mo=300 if debug else 0,  # --debug: slow enough for a person to follow
            )
        except PlaywrightError as exc:
            raise BrowserError(f"Could not start the browser {executable}: {first_line(exc)}") from None
        browsers.append(browser)
        context = browser.new_context(storage_state={"cookies": cookies, "origins": []} if cookies else None)
        capture = SamlCapture()
        context.route(SAML_ENDPOINT, capture.handle)
        context.on("request", capture.watch)
        return BrowserSession(context.new_page(), capture, context, list(cookies or []), headless, launch)

    try:
        yield launch(not debug or not has_display(), cookies)
    finally:
        for browser in reversed(browsers):
            try:
                browser.close()
            except Exception:  # the browser may already be gone (Ctrl-C reaches it too)
                pass
        try:
            playwright.stop()
        except Exception:  # the driver may already be gone
            pass


@contextmanager
def _quiet_stderr(quiet: bool) -> Iterator[None]:
    """Start the driver with its stderr on /dev/null (it inherits ours): a loader error or a Node warning
    would otherwise add lines of its own to our one-line message. --debug keeps them."""
    if not quiet:
        yield
        return
    with output_to_devnull(2):
        yield


@contextmanager
def output_to_devnull(*fds: int) -> Iterator[None]:
    """These file descriptors (1: stdout, 2: stderr) on /dev/null meanwhile, for a program started meanwhile
    that inherits them; Python's own buffers are flushed first."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(fd) for fd in fds]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for fd in fds:
            os.dup2(devnull, fd)
        yield
    finally:
        for fd, copy in zip(fds, saved):
            os.dup2(copy, fd)
        for fd in (*saved, devnull):
            os.close(fd)


def driver_failure(exc: BaseException) -> str:
    """Why Playwright's driver could not start. Its own error only says that the connection closed; the
    real cause (typically a shared library its bundled Node.js needs, e.g. libatomic.so.1 on a bare
    Debian) shows when that Node.js is started on its own."""
    detail = ""
    try:
        from playwright._impl._driver import compute_driver_executable

        node = compute_driver_executable()[0]
        probe = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=15)
        if probe.returncode != 0:
            detail = (probe.stderr.strip().splitlines() or [f"{node} exited with {probe.returncode}"])[-1]
    except Exception as probe_error:  # the probe itself failed: report that instead
        detail = first_line(probe_error)
    return "Playwright's browser driver could not start: " + explain_driver_detail(detail or first_line(exc))


def explain_driver_detail(detail: str) -> str:
    missing = re.search(r"(lib[\w.+-]+?\.so[\w.]*): cannot open shared object", detail)
    if not missing:
        return detail
    library = missing.group(1)
    if library.startswith("libatomic.so"):
        return f"{library} is missing (Debian/Ubuntu: sudo apt-get install libatomic1)."
    return f"{library} is missing; install the package that provides it."


def _use_node_compile_cache() -> None:
    """Playwright's driver is a Node process that compiles ~10 MB of JavaScript at every start; Node's
    compile cache (Node >= 22) keeps the result between runs (measured: ~0.3 s -> ~0.25 s). Only
    Playwright's own code goes there, nothing of the user's."""
    if "NODE_COMPILE_CACHE" in os.environ:
        return
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aws-sts" / "node-compile-cache"
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return  # a read-only home: start without the cache
    os.environ["NODE_COMPILE_CACHE"] = str(cache)


def has_display() -> bool:
    """Whether a headed browser can show a window (X11 or Wayland)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
