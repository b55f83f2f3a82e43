"""The page-state loop shared by browser-driven providers.

A provider lists the page states it knows (a name, a CSS selector that identifies the state when a
matching element is visible, and a handler). The loop waits — inside the page, on every animation
frame, never with a fixed sleep — for the first known state, lets its handler act, and repeats until the
SAML POST has been captured. One overall deadline; an error names the state it was waiting after.
A page none of the states knows ends the run with the failure artifacts, or, when a display is available,
is handed to the user in a browser window (hand_off).

Each element a state matched is "claimed" for that state (a data attribute), so a form that is still
sliding out after its handler submitted it is not handled twice, while a *new* element (the widget
re-renders its error box on every failure) is seen as a new state.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable, Optional, Sequence

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from aws_sts import artifacts
from aws_sts.browser import CAPTURED_SELECTOR, BrowserSession, has_display, open_browser
from aws_sts.errors import AuthenticationError, BrowserError, PageError
from aws_sts.providers import Login, LoginRequest
from aws_sts.providers.origin import allowed_origins, origin_of, refusal
from aws_sts.redact import first_line

UNKNOWN = "unknown"
UNKNOWN_AFTER_MS = 2000  # an unknown form must stay put this long before we give up on it
ACTION_TIMEOUT_MS = 10_000
# The wait for the next page is cut in slices so that a SAML form posted somewhere other than AWS is noticed
# soon. A slice that ends doubles the next one: on a loaded machine, or with --debug's slow_mo, starting a
# wait costs so much that a short slice could end before its first look at the page.
POLL_SLICE_MS = 1000
MAX_POLL_SLICE_MS = 16_000
HAND_OFF = ("finish signing in in the browser window; aws-sts carries on when your identity provider posts "
            "to AWS.")


@dataclass(frozen=True)
class State:
    name: str
    selector: str
    handle: Callable[["SignIn", object], None]  # (signin, playwright Locator of the matched element)
    description: str = ""


DETECT_JS = """([states, unknownSelector, unknownAfter]) => {
  const visible = (el) => {
    if (!el.isConnected || !el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0.05;
  };
  const claimed = (el, name) => (el.dataset.awsStsClaimed || '').split(' ').includes(name);
  // Only names the element: claiming it is the caller's (SignIn.claim), because a poller of an earlier,
  // timed-out wait may still run one more time and must not take an element from the current one.
  const found = (el, name) => {
    if (!el.dataset.awsStsId) el.dataset.awsStsId = String(++window.__awsStsIds || (window.__awsStsIds = 1));
    return {name, id: el.dataset.awsStsId};
  };
  for (const [name, selector] of states) {
    for (const el of document.querySelectorAll(selector)) {
      if (!claimed(el, name) && visible(el)) return found(el, name);
    }
  }
  if (!unknownSelector) return null;
  const known = (el) => states.some(([, s]) => el.matches(s) || el.querySelector(s) || el.closest(s));
  for (const el of document.querySelectorAll(unknownSelector)) {
    if (!visible(el) || known(el)) continue;
    const since = Number(el.dataset.awsStsUnknownSince || 0);
    if (!since) { el.dataset.awsStsUnknownSince = String(Date.now()); continue; }
    if (Date.now() - since >= unknownAfter) return found(el, '%s');
  }
  return null;
}""" % UNKNOWN


CLAIM_JS = """([id, name]) => {
  const el = document.querySelector(`[data-aws-sts-id="${id}"]`);
  if (el) el.dataset.awsStsClaimed = ((el.dataset.awsStsClaimed || '') + ' ' + name).trim();
}"""


# Where a field is: its document's URL and where its form posts (the getter of HTMLFormElement, so that a
# field named "action" cannot hide the form's real target; a submit button's formaction wins, as it would).
FIELD_PLACE_JS = """(el) => {
  const form = el.form;
  let action = '';
  if (form) {
    action = Object.getOwnPropertyDescriptor(HTMLFormElement.prototype, 'action').get.call(form);
    for (const button of form.querySelectorAll('[formaction]')) action = button.formAction || action;
  }
  return [el.ownerDocument.location.href, action];
}"""


class SecretRefused(Exception):
    """A secret was about to go into a page the origin rule does not allow (providers/origin.py)."""


def _navigated(exc: Exception) -> bool:
    """Playwright's error when the page navigated away under a call (its context destroyed)."""
    return "context was destroyed" in str(exc) or "navigat" in str(exc).lower()


def _no_description(signin: "SignIn", element) -> str:
    return "a page aws-sts does not know"


def sign_in(request: LoginRequest, states: Sequence[State], *, memory: Optional[dict] = None,
            prepare: Optional[Callable[["SignIn"], None]] = None, **options) -> Login:
    """A browser-driven provider's login(): open the browser, run the states, return what was posted to AWS
    with the cookies of the browser it ended in (a window the user finished in, after a hand-off).

    memory: what the provider's handlers start with (its settings); prepare(signin): the provider's work
    before the first page opens (e.g. listening to the IdP's answers)."""
    with open_browser(request.browser_path, request.debug, request.cookies) as session:
        signin = SignIn(session, request, states, **options)
        signin.memory.update(memory or {})
        if prepare is not None:
            prepare(signin)
        saml_response = signin.run()
        return Login(saml_response, signin.session.cookies())


class SignIn:
    """One sign-in: the states watched, the deadline, and what handlers remember between pages."""

    def __init__(self, session: BrowserSession, request: LoginRequest, states: Sequence[State], *,
                 idp_name: str, unknown_selector: Optional[str] = None,
                 describe_unknown: Callable[["SignIn", object], str] = _no_description,
                 classify_js: str = ""):
        self.session = session
        self.request = request
        self.states = list(states)
        self.idp_name = idp_name  # names the IdP in messages
        self.unknown_selector = unknown_selector
        self.describe_unknown = describe_unknown
        # A provider that recognises pages by more than a selector (generic.py) tags elements first: a JS
        # function run before every look at the page, so states can match its data attributes.
        self.detect_js = (f"(args) => {{ ({classify_js})(); return ({DETECT_JS})(args); }}" if classify_js
                          else DETECT_JS)
        self.handed_off = False
        self.memory: dict = {}  # handlers keep their counters here
        self._last_state = ""
        self.last_state = "opening the sign-in page"
        self._secrets: list = []
        self.deadline = time.monotonic() + request.timeout

        self.allowed_origins = allowed_origins(request.entry_url, request.sign_in_origins)
        # A handler's click or fill waits at most this long for its element (Playwright's default is 30 s).
        session.page.set_default_timeout(ACTION_TIMEOUT_MS)

    @property
    def page(self):
        return self.session.page

    @property
    def last_state(self) -> str:
        """The step the sign-in is at (named in a timeout's message), shown as the progress line."""
        return self._last_state

    @last_state.setter
    def last_state(self, step: str) -> None:
        self._last_state = step
        self.prompts.progress(f"{self.idp_name}: {step}…")

    @property
    def prompts(self):
        return self.request.prompts

    def say(self, message: str) -> None:
        self.prompts.say(message)

    def type(self, field, value, *, force: bool = False) -> None:
        """Type a username, password or code into a field, only where providers/origin.py allows (raises
        SecretRefused otherwise, before anything is typed or asked: value may be a function giving it, e.g.
        Answers.password, called only once the field passed). force: skip Playwright's wait for the field to
        stop moving (the Okta widget's slide-in costs ~0.25 s per view; the value is set the same way)."""
        frame_url, action = field.evaluate(FIELD_PLACE_JS)
        why = refusal(self.allowed_origins, self.page.url, frame_url, action)
        if why:
            where = origin_of(action or frame_url) if "target" in why else origin_of(
                frame_url if "frame" in why else self.page.url)
            raise SecretRefused(f"{where or 'a page'}: {why}")
        field.fill(value() if callable(value) else value, force=force)

    def remember_secret(self, value: Optional[str]) -> None:
        """A value to scrub from failure artifacts besides the request's (e.g. a code typed at a prompt)."""
        if value:
            self._secrets.append(value)

    def secrets(self) -> list:
        capture = self.session.capture
        return [*self.request.answers.secrets(), capture.saml_response, capture.elsewhere_response,
                *self.session.cookie_values(), *self._secrets]

    def run(self) -> str:
        self.open(self.request.entry_url)
        states = [State("captured", CAPTURED_SELECTOR, lambda signin, el: None)] + list(self.states)
        while self.session.capture.saml_response is None:
            state, element = self.wait_for_state(states)
            if state.name == "captured":
                break
            if state.name == UNKNOWN:
                self.unknown(self.describe_unknown(self, element))
                break
            self.last_state = state.description or state.name
            self.act(state, element)
        if not self.session.capture.saml_response:
            raise self.fail("The AWS sign-in form was posted without a SAMLResponse.", "no-saml-response")
        return self.session.capture.saml_response

    def act(self, state: State, element) -> None:
        """Let the state's handler act. A field or button that is not where the handler expects it (the
        IdP changed its page) ends the run with the failure artifacts, not with Playwright's own error."""
        try:
            state.handle(self, element)
        except SecretRefused as refused:
            if self.can_hand_off():
                self.hand_off(f"a page aws-sts will not type into ({refused})")
                return
            raise self.fail(f"aws-sts did not type into {refused}.\nIt types a username, a password or a code "
                            f"only into {self.idp_name}'s own pages ({', '.join(sorted(self.allowed_origins))}); "
                            "if your identity provider signs in on that host, add its https origin to "
                            '"signInOrigins" in config.json.', "refused-origin") from None
        except PlaywrightError as exc:
            if self.session.capture.saml_response or _navigated(exc):
                return  # the page moved on (to AWS, or to the IdP's next page) while the handler looked at it
            reason = first_line(exc)
            raise self.fail(f"aws-sts could not answer {state.description or state.name}: {reason}",
                            "unexpected-page", hint=True) from None

    def unknown(self, what: str) -> None:
        """A page no state can answer: the user finishes in a window where there is a display (returns once
        the SAML POST is captured), else the run ends with the failure artifacts."""
        if self.can_hand_off():
            self.hand_off(what)
            return
        raise self.fail(f"{self.idp_name} shows {what}, which aws-sts cannot answer.", "unknown-page", hint=True)

    def can_hand_off(self) -> bool:
        """A display someone looks at: not the container's virtual one for --debug (docker/entrypoint.sh)."""
        if self.handed_off or os.environ.get("AWS_STS_VIRTUAL_DISPLAY"):
            return False
        return not self.session.headless or has_display()

    def hand_off(self, what: str) -> None:
        """Let the user finish signing in in a window, and wait (a full timeout again) for the POST to AWS.
        A headless browser cannot be shown: a headed one opens with its cookies at the page it reached."""
        self.handed_off = True
        if self.session.headless:
            url = self.session.capture.document_url or self.page.url
            try:
                window = self.session.open_window()
            except BrowserError as exc:
                raise self.fail(f"{self.idp_name} shows {what}, which aws-sts cannot answer, and no browser "
                                f"window could be shown for you to finish signing in: {exc}", "unknown-page") from None
            self.session = window
            self.page.set_default_timeout(ACTION_TIMEOUT_MS)
            try:
                self.page.goto(url, wait_until="commit", timeout=self.remaining_ms())
            except PlaywrightError as exc:
                raise self.fail(f"Could not show {url} in a browser window: {first_line(exc)}", "hand-off") from None
        self.say(f"{self.idp_name} shows {what}: {HAND_OFF}")
        self.deadline = time.monotonic() + self.request.timeout
        self.last_state = "you finishing the sign-in in the browser window"
        self.unknown_selector = None  # every page is the user's now: only the POST to AWS is waited for
        self.wait_for_state([State("captured", CAPTURED_SELECTOR, lambda signin, el: None)])

    def open(self, url: str) -> None:
        try:
            response = self.page.goto(url, wait_until="commit", timeout=self.remaining_ms())
            self.request.page_requested()
        except PlaywrightError as exc:
            reason = first_line(exc)
            raise AuthenticationError(
                f"Cannot reach the sign-in page {url}: {reason.replace('Page.goto: ', '')}\n"
                "Check the network (VPN?) and idpEntryUrl in config.json."
            ) from None
        if response is not None and response.status >= 400:
            raise self.fail(f"The sign-in page {url} answered HTTP {response.status}. "
                            "Check idpEntryUrl in config.json.", "http-error")

    def remaining_ms(self) -> float:
        return max(1.0, (self.deadline - time.monotonic()) * 1000)

    def wait_for_state(self, states: Sequence[State]):
        by_name = {s.name: s for s in states}
        arg = [[s.name, s.selector] for s in states], self.unknown_selector, UNKNOWN_AFTER_MS
        slice_ms = POLL_SLICE_MS
        while True:
            self.check_posted_elsewhere()
            try:
                handle = self.page.wait_for_function(self.detect_js, arg=list(arg),
                                                     timeout=min(self.remaining_ms(), slice_ms))
                found = handle.json_value()
                # Claim it at once (a plain page call: it never waits for the element to appear).
                self.page.evaluate(CLAIM_JS, [found["id"], found["name"]])
                break
            except PlaywrightTimeout:
                if time.monotonic() < self.deadline:
                    slice_ms = min(2 * slice_ms, MAX_POLL_SLICE_MS)
                    continue
                raise self.fail(
                    f"Timed out after {self.request.timeout:.0f} s waiting for the next {self.idp_name} page "
                    f"(last step: {self.last_state}).", "timeout", hint=True) from None
            except PlaywrightError as exc:
                if self.handed_off and self.page.is_closed():
                    raise AuthenticationError("The browser window was closed before the sign-in finished; "
                                              "run aws-sts again to sign in.") from None
                # A navigation can destroy the page's context mid-wait: just look again.
                if _navigated(exc):
                    if time.monotonic() < self.deadline:
                        continue
                raise
        element = self.element(found["id"])
        if found["name"] == UNKNOWN:
            return State(UNKNOWN, "", lambda signin, el: None), element
        return by_name[found["name"]], element

    def check_posted_elsewhere(self) -> None:
        where = self.session.capture.posted_elsewhere
        if where:
            raise self.fail(f"The sign-in ended with the SAML response posted to {where}, not to AWS sign-in.\n"
                            "Ask your administrator to check the AWS app's ACS URL "
                            "(https://signin.aws.amazon.com/saml).", "saml-posted-elsewhere")

    def element(self, element_id: str):
        return self.page.locator(f'[data-aws-sts-id="{element_id}"]')

    def claim(self, locator, state_name: str) -> None:
        """Mark an element as handled for a state (e.g. the push form handled as part of a merged view)."""
        locator.evaluate(
            "(el, name) => { el.dataset.awsStsClaimed = ((el.dataset.awsStsClaimed || '') + ' ' + name).trim(); }",
            state_name,
        )

    def fail(self, message: str, label: str, hint: bool = False) -> PageError:
        folder = artifacts.save(self.page, label, self.secrets())
        if folder:
            message += f"\nA screenshot and the page HTML are in {folder}/"
        if hint and not self.request.debug:
            message += ("; run with --debug to watch the browser." if folder else
                        "\nRun with --debug to watch the browser.")
        return PageError(message)
