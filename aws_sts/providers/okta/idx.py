"""Okta Identity Engine (OIE): every page of both widget generations, known from Okta's own answers.

Both the second-generation widget (Backbone, ``.siw-main-view``) and the third (React/MUI, no fixed class
names) talk to the same IDX API (/idp/idx/introspect, /identify, /challenge, /challenge/answer, /skip, ...)
and draw whatever its last answer says. So the page is read from that answer, not from one generation's
CSS: its ``remediation`` names say what the page asks for, ``currentAuthenticator(Enrollment)`` which
factor, ``messages`` what went wrong (pages.py turns an answer into a Page). The page itself is used only
to type and click, with what both generations share: the field names (``identifier``,
``credentials.passcode``, ``rememberMe``) and a few ``data-se`` values (``save``, ``skip``, the KMSI buttons).

How the two meet: TAG_JS (run before every look at the page, see engine.SignIn) tags the widget's elements
once the page has made IDX requests (the browser's resource timing lists them: nothing in the page is
patched); an element the handler has not seen yet means the widget drew something new, and the handler
then reads Okta's last answer (IdxAnswers, fed by Playwright's response events) and acts on it. Before
acting it marks everything drawn so far as seen, so only the next page (or a new error box) wakes it again.
"""

from __future__ import annotations

import json

from playwright.sync_api import TimeoutError as PlaywrightTimeout

import aws_sts.providers.okta.pages as pages
from aws_sts.errors import AuthenticationError
from aws_sts.prompts import Choice
from aws_sts.providers.codes import code_rejected, next_code, password_rejected
from aws_sts.providers.engine import ACTION_TIMEOUT_MS, SignIn, State
from aws_sts.providers.okta.widget import enter, push_sent

IDX_PATH = "/idp/idx/"
ANSWER_WAIT_MS = 2000  # the answer the page drew is always already here; this only bounds a lost event

# Elements whose appearance means the widget drew something (a page, an error box, a button).
DRAWN = ("input:not([type=hidden]), button, a, [role=alert], .o-form-error-container, .o-form-input-error, "
         "h1, h2, .okta-form-title, .o-form-explain, [data-se=o-form-explain]")
# The third generation may draw a page that looks like the one before it (two optional enrollments in a row)
# into the very same elements: nothing new to see. So an answer the handler has not read that is followed by
# no drawing for SETTLE_MS wakes it all the same, through a mark on the form (data-aws-sts-wake); drawn() then
# acts only when that answer is the same page as the last one, never on a page the widget has not drawn yet.
SETTLE_MS = 400
TAG_JS = """() => {
  const entries = performance.getEntriesByType('resource').filter((e) => e.name.includes('%(path)s'));
  if (!entries.length) return;
  if (!window.__awsStsIdxBuffer) { performance.setResourceTimingBufferSize(100000); window.__awsStsIdxBuffer = 1; }
  const root = document.getElementById('okta-sign-in');
  if (!root) return;
  root.dataset.awsStsIdxPage = '1';
  for (const el of root.querySelectorAll('%(drawn)s')) {
    if (!el.dataset.awsStsIdx) el.dataset.awsStsIdx = String(entries.length);
  }
  if (window.__awsStsSeen === undefined || entries.length <= window.__awsStsSeen) return;
  const now = Date.now();
  if (!window.__awsStsWaitFrom) { window.__awsStsWaitFrom = now; return; }
  const form = root.querySelector('form');
  if (now - window.__awsStsWaitFrom >= %(settle)d && form) {
    form.dataset.awsStsIdx = String(entries.length);
    form.dataset.awsStsWake = '1';
    delete form.dataset.awsStsSeen;
    delete form.dataset.awsStsClaimed;  // the loop's claim of an earlier wake, on the same form

    window.__awsStsWaitFrom = now;
  }
}""" % {"path": IDX_PATH, "drawn": DRAWN, "settle": SETTLE_MS}
NEW = "#okta-sign-in [data-aws-sts-idx]:not([data-aws-sts-seen])"
# Marks everything drawn so far as seen; says how many IDX answers the page has had and whether the widget
# drew something new (not only the settle mark). One round trip.
SEEN_JS = """() => {
  let drew = false;
  for (const el of document.querySelectorAll('#okta-sign-in [data-aws-sts-idx]')) {
    if (!el.dataset.awsStsSeen && !el.dataset.awsStsWake) drew = true;
    el.dataset.awsStsSeen = '1';
    delete el.dataset.awsStsWake;
  }
  const count = performance.getEntriesByType('resource').filter((e) => e.name.includes('%s')).length;
  window.__awsStsSeen = count;
  window.__awsStsWaitFrom = 0;
  return [count, drew];
}""" % IDX_PATH

IDENTIFIER = "input[name=identifier]"
TITLE_JS = """() => {  // what names the page: its first heading with text, and its main button
  const root = document.getElementById('okta-sign-in');
  const shown = (el) => el.getClientRects().length && (el.innerText || el.value || '').trim();
  const title = [...root.querySelectorAll('[data-se=o-form-head]')].find(shown);
  const button = [...root.querySelectorAll(
    'a[data-se=button], [data-se=save], [type=submit], button:not([data-se=cancel])')].find(shown);
  return [title ? title.innerText : '', button ? (button.innerText || button.value) : ''];
}"""
PASSCODE = 'input[name="credentials.passcode"], input[name="credentials.totp"]'
REMEMBER_ME = "input[type=checkbox][name=rememberMe]"
SUBMIT = "#okta-sign-in form [type=submit]"
# The skip of an interstitial: a link or button marked as one (gen2: "Remind me later" .js-skip, "Maybe later"
# .js-skip-setup, "Continue" .skip-all; gen3: [data-se=skip]); else, where the page's own form IS the skip
# (device assurance's "Continue to app", gen3's "Continue" on optional enrollment), its submit button or its
# one button, but only on a page with nothing to type into.
SKIP_JS = """() => {
  const root = document.getElementById('okta-sign-in');
  const shown = (el) => el.getClientRects().length > 0;
  const pick = () => {
    const marked = [...root.querySelectorAll(
      '[data-se=skip], [data-se=skip-setup], .js-skip, .js-skip-setup, .skip-all')].find(shown);
    if (marked) return marked;
    const typed = 'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=checkbox]), '
      + 'textarea, select';
    if ([...root.querySelectorAll(typed)].some(shown)) return null;
    const submit = [...root.querySelectorAll('form [type=submit]')].find(shown);
    if (submit) return submit;
    const buttons = [...root.querySelectorAll('button:not([data-se=cancel])')].filter(shown);
    return buttons.length === 1 ? buttons[0] : null;
  };
  root.querySelectorAll('[data-aws-sts-skip]').forEach((el) => delete el.dataset.awsStsSkip);
  const found = pick();
  if (found) found.dataset.awsStsSkip = '1';
  return !!found;
}"""
CHECKBOX_JS = """([name, checked]) => {
  const box = document.querySelector(`#okta-sign-in input[type=checkbox][name="${name}"]`);
  if (box && box.checked !== checked) box.click();
}"""
STAY = {True: "[data-se=stay-signed-in-btn]", False: "[data-se=do-not-stay-signed-in-btn]"}
# "Enter a verification code instead" on the email page: gen2 marks it, gen3 draws it as the page's one button
# besides "Back to sign in".
CODE_INSTEAD_JS = """() => {
  const root = document.getElementById('okta-sign-in');
  const shown = (el) => el.getClientRects().length > 0;
  const marked = [...root.querySelectorAll('.enter-auth-code-instead-link')].find(shown);
  const buttons = [...root.querySelectorAll('button:not([data-se=cancel]):not([type=submit])')].filter(shown);
  const link = marked || (buttons.length === 1 ? buttons[0] : null);
  if (link) link.click();
  return !!link;
}"""
# A row of the list: the element marked with the first of these data-se values that is there, then its button
# (gen3: the row is a button holding the mark) or the link inside it (gen2: the mark is on the row).
CHOOSE_JS = """(marks) => {
  for (const mark of marks) {
    const el = document.querySelector(`#okta-sign-in [data-se="${mark}"]`);
    if (!el) continue;
    (el.closest('button') || el.querySelector('a, button') || el).click();
    return true;
  }
  return false;
}"""
RESUBMIT_TRIES = 8
RESUBMIT_WAIT_MS = 400
SKIP_POST_WAIT_MS = 2000  # a skip control stands still and is enabled, and its click posts, within this


class IdxAnswers:
    """Okta's IDX answers as the page received them, in order (Playwright's response events: an event,
    not an interception, so they cost no round trip)."""

    def __init__(self):
        self.responses: list = []
        self._read: dict = {}  # index -> the answer's JSON, read once

    def watch(self, response) -> None:
        if IDX_PATH in response.url and response.request.method == "POST":
            self.responses.append(response)

    def latest(self, page, count: int) -> tuple:
        """(index, JSON) of the last answer, once at least `count` have arrived (the page drew from the
        count-th: the browser listed it, so its response event is on its way if not here yet). The JSON is
        None when the page navigated away before the answer could be read."""
        while len(self.responses) < count:
            try:
                page.wait_for_event("response", predicate=lambda r: IDX_PATH in r.url, timeout=ANSWER_WAIT_MS)
            except PlaywrightTimeout:
                break
        if not self.responses:
            return -1, {}
        index = len(self.responses) - 1
        if index not in self._read:
            response = self.responses[index]
            try:
                body = response.body()
            except Exception:  # the page navigated away (to the app, after success): nothing to answer
                return index, None
            try:
                self._read[index] = json.loads(body)
            except ValueError:  # not JSON (a proxy's error page): nothing Okta said
                self._read[index] = {}
        return index, self._read[index]


def prepare(signin: SignIn) -> None:
    """Before the first page: record Okta's answers."""
    answers = IdxAnswers()
    signin.memory["idx_answers"] = answers
    signin.page.on("response", answers.watch)


# -- the one state: the widget drew something ---------------------------------------------------------------

POLLED = (pages.PUSH_WAIT, pages.PROBING, pages.SUCCESS)  # answers that come again and again on one page


def drawn(signin: SignIn, element) -> None:
    answers: IdxAnswers = signin.memory["idx_answers"]
    # Before acting, whatever the widget has drawn is seen: what it draws from now on is the next page. (The
    # element found may be gone already, the third generation re-renders freely: the page's count is used.)
    count, drew = signin.page.evaluate(SEEN_JS)
    index, answer = answers.latest(signin.page, int(count or 0))
    if answer is None or index == signin.memory.get("idx_answered"):
        return  # more of a page already answered (a late button, a resend link)
    page = pages.read(answer)
    same = (page.kind, page.remediation, page.authenticator)
    if not drew and same != signin.memory.get("idx_last"):
        return  # woken by the settle mark for a page the widget is still drawing: its drawing wakes us
    signin.memory["idx_answered"], signin.memory["idx_last"] = index, same
    if page.kind in POLLED and same == signin.memory.get("idx_polled") and not page.errors:
        return  # one more poll of the page being waited on
    signin.memory["idx_polled"] = same
    signin.last_state = page.description
    HANDLERS.get(page.kind, unknown)(signin, page)


STATE = State("idx", NEW, drawn, "the Okta page")
# Any widget form on a page that is not an IDX page: a Classic page none of classic.STATES knows. (An IDX
# page is read from Okta's answer, and one aws-sts does not know is found there.)
CLASSIC_FORMS = "#okta-sign-in:not([data-aws-sts-idx-page]) form.o-form"


# -- typing and submitting ----------------------------------------------------------------------------------

def _field(signin: SignIn, selector: str):
    return signin.page.locator(f"#okta-sign-in {selector}").first


def _submit(signin: SignIn, field=None, again: bool = False) -> None:
    """Enter in the last field (it submits at once, even while gen2's view slides in), else the submit button.
    After an error the second-generation widget drops a submit that follows the last one within ~200 ms:
    then press again until the widget posts to Okta."""
    def press():
        if field is not None:
            field.press("Enter")
        else:
            signin.page.locator(SUBMIT).first.click()

    if not again:
        press()
        return
    for _ in range(RESUBMIT_TRIES):
        try:
            with signin.page.expect_request(_posts_to_okta, timeout=RESUBMIT_WAIT_MS):
                press()
            return
        except PlaywrightTimeout:
            continue


def _posts_to_okta(request) -> bool:
    return IDX_PATH in request.url and request.method == "POST"


def _click(signin: SignIn, selector: str) -> None:
    signin.page.locator(selector).first.click()


def _set_checkbox(signin: SignIn, name: str, checked: bool) -> None:
    """Both generations draw their own checkbox over the input; a click on the input itself toggles it. One
    round trip: the third generation's page answers each one slowly while it renders."""
    signin.page.evaluate(CHECKBOX_JS, [name, checked])


# -- sign-in: identifier and password on one page, or identifier first ----------------------------------------

def identify(signin: SignIn, page: pages.Page) -> None:
    if page.errors:
        password_rejected(signin, page.error_text)
    last = _field(signin, IDENTIFIER)
    enter(signin, last, signin.request.answers.username)
    if "credentials" in page.fields:
        last = _field(signin, PASSCODE)
        enter(signin, last, signin.request.answers.password)
    _set_checkbox(signin, "rememberMe", bool(signin.memory.get("stay_signed_in")))
    _submit(signin, last, again=bool(page.errors))


def password(signin: SignIn, page: pages.Page) -> None:
    if page.errors:
        password_rejected(signin, page.error_text)
    field = _field(signin, PASSCODE)
    enter(signin, field, signin.request.answers.password)
    _submit(signin, field, again=bool(page.errors))


# -- "Verify it's you with a security method" ----------------------------------------------------------------

def select(signin: SignIn, page: pages.Page) -> None:
    fitting = [o for o in page.options if o.kind in pages.ANSWERABLE]
    if not fitting:
        listed = "; ".join(o.label for o in page.options) or "nothing aws-sts knows"
        raise signin.fail(f"Okta asks to verify with one of: {listed}. aws-sts can answer Google Authenticator, "
                        "Okta Verify (code or push), email and SMS codes.", "unknown-page", hint=True)
    option = _choose(signin, fitting)
    if len(fitting) > 1:
        signin.say(f"Verifying with {option.label}.")

    try:  # the rows may still be on their way in (the third generation draws the list in steps)
        signin.page.wait_for_function(CHOOSE_JS, arg=option.data_se.split(), timeout=ACTION_TIMEOUT_MS)
    except PlaywrightTimeout:
        raise signin.fail(f"aws-sts could not find {option.label} in Okta's list of security methods.",
                        "unexpected-page", hint=True) from None


def _choose(signin: SignIn, options):
    """A code when one was given (--otp, AWS_STS_TOTP_SECRET) or can be typed; else Okta Verify push; ask when
    several fit. AWS_STS_TOTP_SECRET makes authenticator-app codes only, never an email's or an SMS's."""
    apps = [o for o in options if o.kind in (pages.APP_CODE, pages.EITHER)]
    sent = [o for o in options if o.kind == pages.SENT_CODE]
    pushes = [o for o in options if o.kind in (pages.PUSH, pages.EITHER)]
    if signin.request.otp:
        fitting = apps or sent or pushes
    elif signin.request.answers.makes_codes:
        fitting = apps or pushes or sent
    elif signin.prompts.interactive:
        fitting = options
    else:
        fitting = pushes or apps or sent  # a code: its page then explains that --otp is needed
    if len(fitting) == 1 or not signin.prompts.interactive:
        return fitting[0]
    index = signin.prompts.select("Okta asks for a second factor. Verify with:",
                                [Choice(o.label, i) for i, o in enumerate(fitting)],
                                what="The choice of a second factor", how="pass --otp CODE to use a code")
    return fitting[index]


# -- codes: authenticator apps, email, SMS ----------------------------------------------------------------------

def code(signin: SignIn, page: pages.Page) -> None:
    made = page.channel == pages.APP_CODE  # AWS_STS_TOTP_SECRET makes app codes, not an email's or an SMS's
    if page.errors:
        code_rejected(signin, page.error_text, made=made)
    elif not made:
        signin.say(f"Okta sent a code {page.sent_to}.")
    value = next_code(signin, page.prompt, made=made)  # before the page is touched: no terminal, no code, no change
    field = _field(signin, PASSCODE)
    if not field.is_visible() and signin.page.evaluate(CODE_INSTEAD_JS):
        field.wait_for(state="visible")  # the email page shows its link first, the code field "instead"
    enter(signin, field, value)
    _submit(signin, field, again=bool(page.errors))


def phone_method(signin: SignIn, page: pages.Page) -> None:
    """"Verify with your phone": SMS, or a voice call when that is all there is; then the code page."""
    method = "sms" if "sms" in page.methods or not page.methods else page.methods[0]
    choice = signin.page.locator(f'#okta-sign-in input[type=radio][value="{method}"]')
    if choice.count():
        choice.first.evaluate("(el) => el.click()")
    button = signin.page.locator(f'#okta-sign-in [data-se="{method}"], #okta-sign-in [data-se="{method}-button"]')
    if button.count():
        button.first.click()
    else:
        _click(signin, SUBMIT)


# -- Okta Verify push ---------------------------------------------------------------------------------------

def push(signin: SignIn, page: pages.Page) -> None:
    if page.number is not None:
        signin.say(f"Okta Verify asks for a number: tap {page.number} on your phone.")
    push_sent(signin)  # Okta sent it when the push was chosen; the widget polls on its own


def push_ended(signin: SignIn, page: pages.Page) -> None:
    raise AuthenticationError(f"The Okta Verify push was not approved: {page.error_text}\n"
                              "Run again and approve the notification on your phone.")


# -- pages between the factors and after them ----------------------------------------------------------------

def skip(signin: SignIn, page: pages.Page) -> None:
    """An interstitial that offers a skip is skipped, never filled: the password expiry warning carries a
    change-password form whose field is named like the code field. The control is clicked as a user would,
    once it stands still and is enabled; a click the widget drops is made again until it posts to Okta."""
    what = page.skipped.split(" — ")[0]  # what Okta says, without what aws-sts did
    try:  # looked for on every frame until there: the widget may still be drawing the page
        signin.page.wait_for_function(SKIP_JS, timeout=ACTION_TIMEOUT_MS)
    except PlaywrightTimeout:
        raise signin.fail(f"Okta {what}, and aws-sts could not find how to skip it.",
                          "unexpected-page", hint=True) from None
    control = signin.page.locator("#okta-sign-in [data-aws-sts-skip]").first
    for _ in range(RESUBMIT_TRIES):
        try:
            with signin.page.expect_request(_posts_to_okta, timeout=SKIP_POST_WAIT_MS):
                control.click(timeout=SKIP_POST_WAIT_MS)
            break
        except PlaywrightTimeout:
            if not signin.page.evaluate(SKIP_JS):
                break  # the page moved on
            if control.is_disabled():  # still "saving" the skip before: Okta's answer came, the widget kept it
                raise signin.fail(
                    f"Okta answered the skip with the same page again ({what}), and its "
                    "sign-in widget does not draw a page twice in a row.\nFinish signing in in a browser; if Okta "
                    "keeps showing that page, ask your Okta administrator about it.", "unexpected-page") from None
    signin.say(f"Okta: {page.skipped}")


def keep_me_signed_in(signin: SignIn, page: pages.Page) -> None:
    _click(signin, STAY[bool(signin.memory.get("stay_signed_in"))])


def waiting(signin: SignIn, page: pages.Page) -> None:
    """Nothing to answer: Okta is done (the widget goes on to the app) or the widget probes on its own."""


def blocked(signin: SignIn, page: pages.Page) -> None:
    """A page Okta will not let anyone skip (an expired password, an enrollment it requires): the user's own
    business, in a window where there is a display, else one line saying what Okta wants."""
    if signin.can_hand_off():
        signin.hand_off(f"a page that needs you: {page.blocked}")
        return
    raise signin.fail(f"Okta: {page.blocked} Finish that in a browser at your Okta sign-in page, then run aws-sts "
                    "again.", "blocked-page")


def terminal(signin: SignIn, page: pages.Page) -> None:
    raise AuthenticationError(f"Okta: {page.error_text}\n{page.advice}")


def unknown(signin: SignIn, page: pages.Page) -> None:
    try:
        title, button = (" ".join(str(text or "").split()) for text in signin.page.evaluate(TITLE_JS))
    except Exception:  # the page moved on: the remediation still names it
        title = button = ""
    named = f'a page titled "{title}"' if title else "a page aws-sts does not know"
    shows = f'button "{button}"; ' if button else ""
    signin.unknown(f"{named} ({shows}Okta's {page.what})")


HANDLERS = {
    pages.IDENTIFY: identify,
    pages.PASSWORD: password,
    pages.SELECT: select,
    pages.CODE: code,
    pages.PHONE_METHOD: phone_method,
    pages.PUSH_WAIT: push,
    pages.PUSH_ENDED: push_ended,
    pages.SKIP: skip,
    pages.KMSI: keep_me_signed_in,
    pages.SUCCESS: waiting,
    pages.PROBING: waiting,
    pages.BLOCKED: blocked,
    pages.TERMINAL: terminal,
}
