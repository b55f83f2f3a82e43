"""Okta Classic engine: the Sign-In Widget's pages when the org runs the Classic engine (/api/v1/authn).

STATES lists them (sign-in, a code from an authenticator app, Okta Verify push or code, and the error each
can show); UNKNOWN_SELECTOR matches any widget form, so that a form none of them knows ends the run.
Selectors are scoped to their form because while the widget slides between views two forms are in the DOM.
"""

from __future__ import annotations

from aws_sts.errors import AuthenticationError
from aws_sts.providers.codes import code_rejected, next_code
from aws_sts.providers.engine import Flow, State
from aws_sts.providers.okta.widget import (
    ERROR_BOX,
    enter,
    error_text,
    push_sent,
    resubmit,
    show_number,
)


def classic_sign_in(flow: Flow, form) -> None:
    enter(form.locator("#okta-signin-username"), flow.request.answers.username())
    enter(form.locator("#okta-signin-password"), flow.request.answers.password())
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
    if flow.request.has_code:
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


STATES = [
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
UNKNOWN_SELECTOR = "#okta-sign-in form.o-form"
