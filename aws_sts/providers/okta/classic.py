"""Okta Classic engine: the Sign-In Widget's pages when the org runs the Classic engine (/api/v1/authn).

STATES lists them (sign-in, a code from an authenticator app, Okta Verify push or code, a code Okta sends by
SMS or email, the password expiry warning, and the error each can show); UNKNOWN_SELECTOR matches any widget
form, so that a form none of them knows ends the run (a voice call, a security question...).
Selectors are scoped to their form because while the widget slides between views two forms are in the DOM.
"""

from __future__ import annotations

import re

from aws_sts.errors import AuthenticationError
from aws_sts.providers.codes import code_rejected, next_code, password_rejected
from aws_sts.providers.engine import SignIn, State
from aws_sts.providers.okta.widget import (
    ERROR_BOX,
    enter,
    error_text,
    push_sent,
    resubmit,
    show_number,
)

SIGN_IN_FORM = "form.primary-auth-form"
# Codes Okta sends: SMS ("Send code", then the code field; a voice call shares the form class, not its
# data-se, and stays unknown) and email ("Send me the code", then the code field replaces the text).
SENT_CODE_FORMS = {"sms": "form.mfa-verify-passcode[data-se=factor-sms]", "email": "form.mfa-verify-email"}
SEND_BUTTONS = {"sms": "a[data-se=sms-send-code]", "email": ".o-form-button-bar [type=submit]"}
SENT_BY = {"sms": "by SMS", "email": "by email"}
SENT_PROMPTS = {"sms": "Code from the text message:", "email": "Code from the email:"}
# Sent: the widget draws the code field anew once Okta answered (SMS: a new element; email: the first one),
# or shows an error. Typing before that would type into a field about to be replaced.
MARK_FIELD_JS = "(f) => f.querySelectorAll('input[name=answer]').forEach((i) => { i.dataset.awsStsUnsent = '1'; })"
SENT_JS = f"""(form) => form.querySelector('input[name=answer]:not([data-aws-sts-unsent])')
    || form.querySelector('{ERROR_BOX}')"""
# PASSWORD_WARN: the change-password view with "Remind me later" (PASSWORD_EXPIRED has no skip link: unknown).
SKIP_LINK = "a[data-se=skip-link]"
PASSWORD_WARN_VIEW = f".password-expired:has({SKIP_LINK}), .custom-password-expired:has({SKIP_LINK})"


def classic_sign_in(signin: SignIn, form) -> None:
    enter(signin, form.locator("#okta-signin-username"), signin.request.answers.username)
    enter(signin, form.locator("#okta-signin-password"), signin.request.answers.password)
    form.locator("#okta-signin-password").press("Enter")


def classic_sign_in_error(signin: SignIn, box) -> None:
    """Okta refused the username or password: stop (no terminal, or the last try), else type them again."""
    password_rejected(signin, error_text(box))
    form = signin.page.locator(SIGN_IN_FORM).first
    password = form.locator("#okta-signin-password")
    enter(signin, form.locator("#okta-signin-username"), signin.request.answers.username)
    enter(signin, password, signin.request.answers.password)  # asks again: password_rejected forgot the refused one
    resubmit(lambda: password.press("Enter"), box)


def classic_password_warn(signin: SignIn, view) -> None:
    """"Your password will expire in N days": "Remind me later", never the change-password form."""
    title = " ".join(view.locator(".okta-form-title").first.inner_text().split())
    days = re.search(r"\b(\d+) days?\b", title)
    if days:
        when = f"in {days.group(1)} day{'' if days.group(1) == '1' else 's'}"
    else:
        when = "today" if "today" in title.lower() else "soon"
    view.locator(SKIP_LINK).first.click()
    signin.say(f"Okta: your password expires {when} — skipped; change it soon")


def classic_totp(signin: SignIn, form, error_box=None) -> None:
    answer = form.locator("input[name=answer]")
    enter(signin, answer, next_code(signin))
    submit = lambda: answer.press("Enter")  # noqa: E731 - Enter submits the form, even while it slides in
    resubmit(submit, error_box) if error_box else submit()


def classic_totp_error(signin: SignIn, box) -> None:
    code_rejected(signin, error_text(box))
    classic_totp(signin, signin.page.locator("form.mfa-verify-totp").first, box)


def _sent_code(kind: str):
    """The handler of the SMS or email page: Okta sends the code, then it is typed. The code is --otp or
    asked for, never made from AWS_STS_TOTP_SECRET (made=False); without a terminal and without --otp the
    run stops before Okta sends anything."""

    def handle(signin: SignIn, form) -> None:
        code = None
        if signin.request.otp or not signin.prompts.interactive:
            code = next_code(signin, SENT_PROMPTS[kind], made=False)
        where = _sent_to(form, kind)
        form.evaluate(MARK_FIELD_JS)
        form.locator(SEND_BUTTONS[kind]).first.click()
        signin.page.wait_for_function(SENT_JS, arg=form.element_handle())
        if form.locator(ERROR_BOX).count():
            raise AuthenticationError(f"Okta could not send the code {SENT_BY[kind]}: "
                                      f"{error_text(form.locator(ERROR_BOX).first)}")
        signin.say(f"Okta sent a code {SENT_BY[kind]}" + (f" to {where}." if where else "."))
        if code is None:
            code = next_code(signin, SENT_PROMPTS[kind], made=False)
        answer = form.locator("input[name=answer]")
        enter(signin, answer, code)
        answer.press("Enter")

    return handle


def _sent_code_error(kind: str):
    def handle(signin: SignIn, box) -> None:
        code_rejected(signin, error_text(box), made=False)
        answer = signin.page.locator(SENT_CODE_FORMS[kind]).first.locator("input[name=answer]")
        enter(signin, answer, next_code(signin, SENT_PROMPTS[kind], made=False))
        resubmit(lambda: answer.press("Enter"), box)

    return handle


def _sent_to(form, kind: str) -> str:
    """Where Okta sends the code, as the page shows it (masked): "+1 XXX-XXX-0042", "a...@example.com"."""
    where = form.locator(".okta-form-subtitle" if kind == "sms" else ".mask-email").first
    if not where.count():
        return ""
    return " ".join(where.inner_text().split()).strip("()")


def classic_push(signin: SignIn, form) -> None:
    form.locator("[type=submit]").first.click()
    push_sent(signin)


def classic_push_error(signin: SignIn, box) -> None:
    raise AuthenticationError(f"Okta Verify push was not approved: {error_text(box)}")


def classic_push_and_code(signin: SignIn, inline_form) -> None:
    """Okta Verify with push and code enrolled: one view holding both forms."""
    page = signin.page
    push_form = page.locator("form.mfa-verify-push").first
    signin.claim(push_form, "classic:push")  # handled here, whichever way we go
    if signin.request.has_code:
        code = next_code(signin)
    elif signin.prompts.interactive:
        code = next_code(signin, "Code from Okta Verify (press Enter to send a push instead):", allow_empty=True)
    else:
        code = ""
    if not code:
        classic_push(signin, push_form)
        return
    classic_inline_code(signin, inline_form, code)


def classic_inline_code(signin: SignIn, inline_form, code: str, error_box=None) -> None:
    add = inline_form.locator("a[data-se=inline-totp-add]")
    if add.is_visible():
        add.click()
    enter(signin, inline_form.locator("input[name=answer]"), code)
    verify = inline_form.locator("a[data-se=inline-totp-verify]")
    resubmit(verify.click, error_box) if error_box else verify.click()


def classic_inline_code_error(signin: SignIn, box) -> None:
    code_rejected(signin, error_text(box))
    classic_inline_code(signin, signin.page.locator("form.mfa-verify-totp-inline").first, next_code(signin), box)


def _error_in(form: str) -> str:
    return f"{form} {ERROR_BOX}"


STATES = [
    State("classic:sign-in-error", _error_in(SIGN_IN_FORM), classic_sign_in_error, "the sign-in form"),
    State("classic:totp-error", _error_in("form.mfa-verify-totp"), classic_totp_error, "the code form"),
    State("classic:inline-code-error", _error_in("form.mfa-verify-totp-inline"), classic_inline_code_error,
          "the Okta Verify code form"),
    State("classic:sms-error", _error_in(SENT_CODE_FORMS["sms"]), _sent_code_error("sms"), "the SMS code form"),
    State("classic:email-error", _error_in(SENT_CODE_FORMS["email"]), _sent_code_error("email"),
          "the email code form"),
    State("classic:push-error", _error_in("form.mfa-verify-push"), classic_push_error, "the Okta Verify push"),
    State("classic:push-number", "form.mfa-verify-push [data-se=challenge-number]", show_number,
          "the Okta Verify number challenge"),
    State("classic:sign-in", SIGN_IN_FORM, classic_sign_in, "the sign-in form"),
    State("classic:password-warn", PASSWORD_WARN_VIEW, classic_password_warn, "the password expiry warning"),
    State("classic:push-and-code", "form.mfa-verify-totp-inline", classic_push_and_code, "the Okta Verify view"),
    State("classic:totp", "form.mfa-verify-totp", classic_totp, "the code form"),
    State("classic:sms", SENT_CODE_FORMS["sms"], _sent_code("sms"), "the SMS code form"),
    State("classic:email", SENT_CODE_FORMS["email"], _sent_code("email"), "the email code form"),
    State("classic:push", "form.mfa-verify-push", classic_push, "the Okta Verify push"),
]
UNKNOWN_SELECTOR = "#okta-sign-in form.o-form"
