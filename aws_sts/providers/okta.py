"""Okta: the Sign-In Widget's pages, driven in a real browser.

The Classic engine pages are below; the Identity Engine pages are in okta_idx.py. Both sets of states
are watched at once, so no config switch is needed: whichever page Okta shows is recognised.
Selectors are scoped to their form because while the widget slides between views two forms are in the DOM.
"""

from __future__ import annotations

import re

from aws_sts.browser import open_browser
from aws_sts.errors import AuthenticationError
from aws_sts.providers import LoginRequest
from aws_sts.providers.pages import Flow, State

MAX_CODE_TRIES = 3
# The widget marks the error box, not the form: .o-form-error-container.o-form-has-errors > ... > .okta-form-infobox-error
ERROR_BOX = ".o-form-has-errors .okta-form-infobox-error"


# -- shared by the Classic and Identity Engine handlers ---------------------------------------------

def next_code(flow: Flow, prompt="Verification code:", allow_empty: bool = False) -> str:
    """--otp on the first try; later tries (and no --otp) ask, when there is a terminal.

    prompt: the question, or a function giving it (called only when there is something to ask)."""
    tries = flow.memory.get("code_tries", 0)
    flow.memory["code_tries"] = tries + 1
    if tries == 0 and flow.request.otp:
        return flow.request.otp
    if callable(prompt):
        prompt = prompt()
    code = flow.prompts.code(prompt, what="A verification code", how="pass --otp CODE", allow_empty=allow_empty)
    flow.memory.setdefault("codes", []).append(code)
    return code


def code_rejected(flow: Flow, message: str) -> None:
    """A wrong code: ask again (up to MAX_CODE_TRIES) when interactive, else stop."""
    # Okta's own text often ends with "Please try again."; we say what to do ourselves.
    message = re.sub(r"\s*(?:please\s+)?try again\W*$", "", message, flags=re.I).strip() or "Invalid code."
    tries = flow.memory.get("code_tries", 0)
    if not flow.prompts.interactive or tries >= MAX_CODE_TRIES:
        after = f" after {tries} tries" if tries > 1 else ""
        raise AuthenticationError(
            f"Okta did not accept the verification code{after}: {message}\n"
            "Run again with a fresh code (--otp), checking the authenticator app's clock."
        )
    flow.say(f"Okta: {message} Try again.")


def error_text(element) -> str:
    text = " ".join(element.inner_text().split())
    return text or "Okta reported an error"


def resubmit(click, error_box, tries: int = 8) -> None:
    """Submit again after an error. The widget ignores a submit that comes within ~200 ms of the previous
    one, so instead of sleeping, click until the old error box goes away (the widget clears it on submit)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(tries):
        click()
        try:
            error_box.wait_for(state="hidden", timeout=300)
            return
        except PlaywrightTimeout:
            continue


def push_sent(flow: Flow) -> None:
    flow.memory["push_sent"] = True
    flow.say("Okta Verify push sent: approve it on your phone...")


def show_number(flow: Flow, element) -> None:
    number = " ".join(element.inner_text().split())
    flow.say(f"Okta Verify asks for a number: tap {number} on your phone.")


# -- Okta Classic engine ---------------------------------------------------------------------------

def enter(field, value: str) -> None:
    """Type into a field without waiting for the widget's slide-in animation to settle (force skips
    Playwright's "stable" check, which costs ~0.25 s per view; the value is set the same way)."""
    field.fill(value, force=True)


def classic_sign_in(flow: Flow, form) -> None:
    enter(form.locator("#okta-signin-username"), flow.request.username)
    enter(form.locator("#okta-signin-password"), flow.request.password)
    form.locator("#okta-signin-password").press("Enter")


def classic_sign_in_error(flow: Flow, box) -> None:
    raise AuthenticationError(f"Okta: {error_text(box)}")


def classic_totp(flow: Flow, form, error_box=None) -> None:
    answer = form.locator("input[name=answer]")
    enter(answer, next_code(flow))
    submit = lambda: answer.press("Enter")  # noqa: E731 - Enter submits the form, even while it slides in
    resubmit(submit, error_box) if error_box else submit()


def classic_totp_error(flow: Flow, box) -> None:
    code_rejected(flow, error_text(box))
    classic_totp(flow, flow.page.locator("form.mfa-verify-totp").first, box)


def classic_push(flow: Flow, form) -> None:
    form.locator("[type=submit]").first.click()
    push_sent(flow)


def classic_push_error(flow: Flow, box) -> None:
    raise AuthenticationError(f"Okta Verify push was not approved: {error_text(box)}")


def classic_push_and_code(flow: Flow, inline_form) -> None:
    """Okta Verify with push and code enrolled: one view holding both forms."""
    page = flow.page
    push_form = page.locator("form.mfa-verify-push").first
    flow.claim(push_form, "classic:push")  # handled here, whichever way we go
    if flow.request.otp:
        code = next_code(flow)
    elif flow.prompts.interactive:
        code = next_code(flow, "Code from Okta Verify (press Enter to send a push instead):", allow_empty=True)
    else:
        code = ""
    if not code:
        classic_push(flow, push_form)
        return
    classic_inline_code(flow, inline_form, code)


def classic_inline_code(flow: Flow, inline_form, code: str, error_box=None) -> None:
    add = inline_form.locator("a[data-se=inline-totp-add]")
    if add.is_visible():
        add.click()
    enter(inline_form.locator("input[name=answer]"), code)
    verify = inline_form.locator("a[data-se=inline-totp-verify]")
    resubmit(verify.click, error_box) if error_box else verify.click()


def classic_inline_code_error(flow: Flow, box) -> None:
    code_rejected(flow, error_text(box))
    classic_inline_code(flow, flow.page.locator("form.mfa-verify-totp-inline").first, next_code(flow), box)


def _error_in(form: str) -> str:
    return f"{form} {ERROR_BOX}"


CLASSIC_STATES = [
    State("classic:sign-in-error", _error_in("form.primary-auth-form"), classic_sign_in_error, "the sign-in form"),
    State("classic:totp-error", _error_in("form.mfa-verify-totp"), classic_totp_error, "the code form"),
    State("classic:inline-code-error", _error_in("form.mfa-verify-totp-inline"), classic_inline_code_error,
          "the Okta Verify code form"),
    State("classic:push-error", _error_in("form.mfa-verify-push"), classic_push_error, "the Okta Verify push"),
    State("classic:push-number", "form.mfa-verify-push [data-se=challenge-number]", show_number,
          "the Okta Verify number challenge"),
    State("classic:sign-in", "form.primary-auth-form", classic_sign_in, "the sign-in form"),
    State("classic:push-and-code", "form.mfa-verify-totp-inline", classic_push_and_code, "the Okta Verify view"),
    State("classic:totp", "form.mfa-verify-totp", classic_totp, "the code form"),
    State("classic:push", "form.mfa-verify-push", classic_push, "the Okta Verify push"),
]
CLASSIC_UNKNOWN = "#okta-sign-in form.o-form"


def describe_unknown(flow: Flow, element) -> str:
    """Name what the unknown page asks for: its title, its main button, the error it shows (Classic and OIE)."""
    def text_of(selector: str) -> str:
        try:
            found = element.locator(selector).first
            if not found.count():
                return ""
            text = found.inner_text(timeout=1000) or found.get_attribute("value", timeout=1000) or ""
            return " ".join(text.split())
        except Exception:
            return ""

    title = text_of(".okta-form-title, h2, .o-form-head")
    text = f'a page titled "{title}"' if title else "a page aws-sts does not know"
    button = text_of("a[data-se=button], .o-form-button-bar [type=submit], button")
    if button:
        text += f' (button "{button}")'
    error = text_of(".okta-form-infobox-error, .infobox-error")
    if error:
        text += f' saying "{error}"'
    return text


class OktaProvider:
    def login(self, request: LoginRequest) -> str:
        from aws_sts.providers import okta_idx

        # Both engines' states are watched at once: whichever page the org serves is recognised.
        states = CLASSIC_STATES + okta_idx.STATES
        unknown = f"{CLASSIC_UNKNOWN}, {okta_idx.UNKNOWN_SELECTOR}"
        with open_browser(request.browser_path, request.debug) as session:
            flow = Flow(session, request, states, unknown_selector=unknown, describe_unknown=describe_unknown)
            return flow.run()
