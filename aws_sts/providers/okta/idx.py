"""Okta Identity Engine (OIE): the Sign-In Widget's pages when the org runs the Identity Engine.

The widget talks to /idp/idx/* and renders one view at a time inside ``.siw-main-view``, whose class
names the IDX remediation and, when there is one, the authenticator: ``identify``,
``challenge-authenticator--okta_password``, ``select-authenticator-authenticate``,
``challenge-authenticator--google_otp``, ``challenge-poll--okta_verify``... Those classes (the widget's own
``<form name>--<authenticator key>`` convention) and its ``data-se`` attributes are what the states below
match, so no config switch is needed: these states and the Classic ones are watched together.

Anything else the widget shows (Okta FastPass, a security key, SMS, a terminal error...) is an unknown
page: widget.describe_unknown names it, and the run stops with the failure artifacts.
"""

from __future__ import annotations

from aws_sts.errors import AuthenticationError
from aws_sts.prompts import Choice
from aws_sts.providers.codes import code_rejected, next_code
from aws_sts.providers.engine import Flow, State
from aws_sts.providers.okta.widget import (
    enter,
    error_text,
    push_sent,
    resubmit,
    show_number,
)

VIEW = "#okta-sign-in .siw-main-view"
FORM = "form[data-se=o-form]"
SUBMIT = ".o-form-button-bar [type=submit]"
FORM_ERROR = ".o-form-error-container .okta-form-infobox-error, .o-form-error-container .infobox-error"
FIELD_ERROR = ".o-form-input-error"
CODE_INPUT = 'input[name="credentials.passcode"], input[name="credentials.totp"]'

SIGN_IN_VIEWS = [".identify", ".identify--okta_password"]
PASSWORD_VIEWS = [".challenge-authenticator--okta_password"]
CODE_VIEWS = {  # view class -> what the code prompt calls it
    ".challenge-authenticator--google_otp": "Google Authenticator",
    ".challenge-authenticator--okta_verify": "Okta Verify",
}
PUSH_VIEWS = [".challenge-poll--okta_verify"]
PUSH_ENDED_VIEWS = [".resend--okta_verify"]  # the push was rejected or expired: "Resend push notification"

# Rows of the "Verify it's you with a security method" list, by the data-se of their button.
PUSH, CODE, EITHER = "push", "code", "either"
ROWS = {
    "okta_verify-push": (PUSH, "Okta Verify: get a push notification"),
    "okta_verify-totp": (CODE, "Okta Verify: enter a code"),
    "google_otp": (CODE, "Google Authenticator: enter a code"),
    "okta_verify": (EITHER, "Okta Verify"),  # one Okta Verify method only: the next page says which
}


def _in(views, inner: str = FORM) -> str:
    return ", ".join(f"{VIEW}{view} {part.strip()}" for view in views for part in inner.split(","))


def _form_of(element):
    return element.locator("xpath=ancestor-or-self::form[1]")


def _error_message(box) -> str:
    """The form's field errors when it has some (the box then only says "We found some errors"), else the box."""
    fields = _form_of(box).locator(FIELD_ERROR)
    texts = [" ".join(t.split()) for t in fields.all_inner_texts() if t.strip()]
    return " ".join(texts) if texts else error_text(box)


def _submit(form, field=None) -> None:
    """Enter in the last field submits at once; a click would first wait for the view's slide-in to end."""
    if field is not None:
        field.press("Enter")
    else:
        form.locator(SUBMIT).first.click()


# -- sign-in: identifier and password on one page, or identifier first ------------------------------

def sign_in(flow: Flow, form) -> None:
    last = form.locator("input[name=identifier]")
    enter(last, flow.request.answers.username())
    password = form.locator('input[name="credentials.passcode"]')
    if password.count():
        enter(password, flow.request.answers.password())
        last = password
    _leave_unticked(form, "rememberMe")  # "Keep me signed in": never for a headless one-off browser
    _submit(form, last)


def _leave_unticked(form, name: str) -> None:
    checked = form.evaluate("(f, n) => !!f.querySelector(`input[type=checkbox][name=${n}]:checked`)", name)
    if checked:
        form.locator(f'label[data-se-for-name="{name}"]').click()


def sign_in_error(flow: Flow, box) -> None:
    raise AuthenticationError(f"Okta: {_error_message(box)}")


def password(flow: Flow, form) -> None:
    field = form.locator('input[name="credentials.passcode"]')
    enter(field, flow.request.answers.password())
    _submit(form, field)


# -- "Verify it's you with a security method" ----------------------------------------------------------

def select_authenticator(flow: Flow, form) -> None:
    rows = []  # (kind, title, button locator)
    others = []
    for row in form.locator(".authenticator-row").all():
        button = row.locator(".authenticator-button[data-se]").first
        key = button.get_attribute("data-se") or ""
        if key in ROWS:
            kind, title = ROWS[key]
            rows.append((kind, title, button.locator("a, button").first))
        else:
            label = " ".join(row.locator(".authenticator-label").first.inner_text().split())
            detail = row.locator(".authenticator-description--text")
            detail = " ".join(detail.first.inner_text().split()) if detail.count() else ""
            others.append(f"{label} ({detail})" if detail and label else label or detail)
    if not rows:
        listed = "; ".join(o for o in others if o) or "nothing aws-sts knows"
        raise flow.fail(f"Okta asks to verify with one of: {listed}. aws-sts can only answer Google Authenticator "
                        "and Okta Verify (code or push).", "unknown-page", hint=True)
    _, title, button = _choose(flow, rows)
    if len(rows) > 1:
        flow.say(f"Verifying with {title}.")
    button.click()


def _choose(flow: Flow, rows):
    """A code when one was given (--otp, AWS_STS_TOTP_SECRET) or can be typed; else Okta Verify push; ask when
    several fit."""
    codes = [r for r in rows if r[0] == CODE] + [r for r in rows if r[0] == EITHER]
    pushes = [r for r in rows if r[0] == PUSH] + [r for r in rows if r[0] == EITHER]
    if flow.request.has_code:
        fitting = codes or pushes
    elif flow.prompts.interactive:
        fitting = rows
    else:
        fitting = pushes or codes  # codes: the code page then explains that --otp is needed
    if len(fitting) == 1 or not flow.prompts.interactive:
        return fitting[0]
    index = flow.prompts.select(
        "Okta asks for a second factor. Verify with:",
        [Choice(title, i) for i, (_, title, _) in enumerate(fitting)],
        what="The choice of a second factor", how="pass --otp CODE to use a code",
    )
    return fitting[index]


# -- codes: Google Authenticator, Okta Verify -----------------------------------------------------------

def _code_prompt(form) -> str:
    view = form.locator("xpath=ancestor::div[contains(concat(' ', @class, ' '), ' siw-main-view ')][1]")
    classes = " " + (view.get_attribute("class") or "") + " "
    for cls, name in CODE_VIEWS.items():
        if f" {cls[1:]} " in classes:
            return f"{name} code:"
    return "Verification code:"


def code(flow: Flow, form, error_box=None) -> None:
    field = form.locator(CODE_INPUT).first
    enter(field, next_code(flow, lambda: _code_prompt(form)))
    if error_box is None:
        _submit(form, field)
    else:  # the widget drops a submit that follows the previous one too closely
        resubmit(lambda: _submit(form, field), error_box)


def code_error(flow: Flow, box) -> None:
    code_rejected(flow, _error_message(box))
    form = _form_of(box)
    flow.claim(form, "idx:code")  # should the widget re-render the form, answer it here, not twice
    code(flow, form, error_box=box)


# -- Okta Verify push -------------------------------------------------------------------------------

def push(flow: Flow, form) -> None:
    push_sent(flow)  # Okta sent it when the push was chosen; the widget polls on its own


def push_ended(flow: Flow, box) -> None:
    raise AuthenticationError(f"The Okta Verify push was not approved: {error_text(box)}\n"
                              "Run again and approve the notification on your phone.")


# -- after the last factor --------------------------------------------------------------------------

def keep_me_signed_in(flow: Flow, form) -> None:
    form.locator("[data-se=do-not-stay-signed-in-btn]").first.click()


def redirecting(flow: Flow, form) -> None:
    """Signed in: the widget is on its way to the app, which POSTs the assertion."""


STATES = [
    # errors first: they sit on top of a form that is already claimed
    State("idx:sign-in-error", _in(SIGN_IN_VIEWS, FORM_ERROR), sign_in_error, "the sign-in form"),
    State("idx:password-error", _in(PASSWORD_VIEWS, FORM_ERROR), sign_in_error, "the password form"),
    State("idx:code-error", _in(CODE_VIEWS, FORM_ERROR), code_error, "the code form"),
    State("idx:push-ended", _in(PUSH_ENDED_VIEWS, FORM_ERROR), push_ended, "the Okta Verify push"),
    State("idx:sign-in", _in(SIGN_IN_VIEWS), sign_in, "the sign-in form"),
    State("idx:password", _in(PASSWORD_VIEWS), password, "the password form"),
    State("idx:select-authenticator", _in([".select-authenticator-authenticate"]), select_authenticator,
          "the list of security methods"),
    State("idx:code", _in(CODE_VIEWS), code, "the code form"),
    State("idx:push", _in(PUSH_VIEWS), push, "the Okta Verify push"),
    State("idx:push-number", _in(PUSH_VIEWS, "[data-se=challenge-number]"), show_number,
          "the Okta Verify number challenge"),
    State("idx:keep-me-signed-in", _in([".keep-me-signed-in"]), keep_me_signed_in, "the keep-me-signed-in question"),
    State("idx:redirecting", _in([".success-redirect"]), redirecting, "the redirect to AWS"),
]
UNKNOWN_SELECTOR = f"{VIEW} {FORM}"
