"""Helpers the Okta Classic and Identity Engine handlers share: error boxes, pushes, typing,
and naming a page aws-sts does not know. Both engines render their pages with the Okta Sign-In Widget."""

from __future__ import annotations

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from aws_sts.providers.engine import SignIn

# The widget marks the error box's container, not the form:
# .o-form-error-container.o-form-has-errors > ... > .okta-form-infobox-error
ERROR_BOX = ".o-form-has-errors .okta-form-infobox-error"


def error_text(element) -> str:
    text = " ".join(element.inner_text().split())
    return text or "Okta reported an error"


def resubmit(click, error_box, tries: int = 8) -> None:
    """Submit again after an error. The widget ignores a submit that comes within ~200 ms of the previous
    one, so instead of sleeping, click until the old error box goes away (the widget clears it on submit)."""
    for _ in range(tries):
        click()
        try:
            error_box.wait_for(state="hidden", timeout=300)
            return
        except PlaywrightTimeout:
            continue


def push_sent(signin: SignIn) -> None:
    signin.say("Okta Verify push sent: approve it on your phone...")


def show_number(signin: SignIn, element) -> None:
    number = " ".join(element.inner_text().split())
    signin.say(f"Okta Verify asks for a number: tap {number} on your phone.")


def enter(signin: SignIn, field, value: str) -> None:
    """Type into a field without waiting for the widget's slide-in animation to settle (force skips
    Playwright's "stable" check, which costs ~0.25 s per view), where the origin rule allows."""
    signin.type(field, value, force=True)


def describe_unknown(signin: SignIn, element) -> str:
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
