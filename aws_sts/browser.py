"""Find and launch Chromium, capture the SAML POST to AWS sign-in, save failure artifacts.

The assertion is captured inside the browser: the POST to an AWS sign-in SAML endpoint is intercepted
and answered locally, so nothing is ever sent to AWS sign-in and no other page sees the assertion.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence
from urllib.parse import parse_qs

from aws_sts.errors import BrowserError

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
        "shell": ["chromium_headless_shell-*/chrome-*/chrome-headless-shell", "chromium_headless_shell-*/chrome-*/headless_shell"],
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
    """Holds the SAMLResponse of the first POST to an AWS sign-in endpoint."""

    saml_response: Optional[str] = field(default=None, repr=False)

    def handle(self, route) -> None:
        request = route.request
        if request.method == "POST" and self.saml_response is None:
            values = parse_qs(request.post_data or "", keep_blank_values=True).get("SAMLResponse")
            if values and values[0]:
                self.saml_response = values[0]
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=CAPTURED_PAGE)


@dataclass
class BrowserSession:
    page: object  # playwright.sync_api.Page
    capture: SamlCapture


@contextmanager
def open_browser(browser_path: Optional[str], debug: bool) -> Iterator[BrowserSession]:
    """A fresh browser and page (no stored profile); closed on every way out, Ctrl-C included."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    headless = not debug or not has_display()
    executable = find_browser(browser_path, headless)
    _use_node_compile_cache()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=executable,
                headless=headless,
                args=LAUNCH_FLAGS,
                slow_mo=300 if debug else 0,  # --debug: slow enough for a person to follow
            )
        except PlaywrightError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown error"
            raise BrowserError(f"Could not start the browser {executable}: {first_line}") from None
        try:
            context = browser.new_context()
            capture = SamlCapture()
            context.route(SAML_ENDPOINT, capture.handle)
            yield BrowserSession(context.new_page(), capture)
        finally:
            try:
                browser.close()
            except Exception:  # the browser may already be gone (Ctrl-C reaches it too)
                pass


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


def debug_dir() -> Path:
    return Path.home() / ".aws" / "aws-sts-debug"


REDACT_JS = """() => {
  const keep = ['submit', 'button', 'reset', 'image', 'checkbox', 'radio'];  // labels, not typed values
  for (const el of document.querySelectorAll('input, textarea')) {
    if (keep.includes((el.type || '').toLowerCase())) continue;
    el.value = '';
    if (el.hasAttribute('value')) el.setAttribute('value', '');
  }
}"""


def save_artifacts(page, label: str, secrets: Sequence[Optional[str]]) -> Optional[Path]:
    """Screenshot + HTML of the current page, scrubbed of secrets. Returns the folder, or None on failure.

    Typed values are cleared from the page first (a screenshot would show an OTP in clear), then the HTML
    is scrubbed of every known secret and of anything shaped like a SAMLResponse or a state/session token.
    """
    folder = debug_dir()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "page"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        try:
            page.evaluate(REDACT_JS)
        except Exception:
            pass
        html = redact(page.content(), secrets)
        base = folder / f"{stamp}-{slug}"
        fd = os.open(f"{base}.html", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        png = page.screenshot(full_page=True)
        fd = os.open(f"{base}.png", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(png)
        return folder
    except Exception:
        return None


TOKEN_PATTERNS = [
    re.compile(r'(name="?SAMLResponse"?[^>]*?value=")[^"]*', re.I),
    re.compile(r'(value="?)[A-Za-z0-9+/=]{200,}'),  # any long base64 blob in a form field
    re.compile(r'((?:stateToken|sessionToken|stateHandle|interactionHandle)["\']?\s*[:=]\s*["\']?)[^"\'&,\s}]+', re.I),
    re.compile(r'((?:token|stateToken)=)[^"\'&\s]+', re.I),
]


def redact(text: str, secrets: Sequence[Optional[str]]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 3:
            text = text.replace(secret, "[redacted]")
    for pattern in TOKEN_PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + "[redacted]", text)
    return text
