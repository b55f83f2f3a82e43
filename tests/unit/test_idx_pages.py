"""aws_sts.providers.okta.pages: what an Okta Identity Engine page is, from Okta's IDX answer alone.

The answers below are the project's own, trimmed to what matters, in the shapes of Okta's playground
answers (okta-signin-widget playground/mocks/data/idp/idx). The properties run over generated answers:
reading never fails, Okta's terminal answers always win, and a page that offers a skip is never one to fill.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts.providers.okta import pages
from tests.helpers import examples


def wrap(value):
    return {"type": "array" if isinstance(value, list) else "object", "value": value}


def remediation(name, *fields):
    return {"rel": ["create-form"], "name": name, "href": f"https://org.example/idp/idx/{name}", "method": "POST",
            "value": [*fields, {"name": "stateHandle", "required": True, "value": "02state", "visible": False}]}


def message(text, key, cls="ERROR"):
    return {"message": text, "i18n": {"key": key}, "class": cls}


CREDENTIALS = {"name": "credentials", "type": "object", "form": {"value": [{"name": "passcode", "label": "Password"}]}}
IDENTIFIER = {"name": "identifier", "label": "Username"}
SELECT = remediation("select-authenticator-authenticate", {"name": "authenticator", "type": "object", "options": []})


def answer(*remediations, messages=(), **extra):
    out = {"version": "1.0.0", "stateHandle": "02state", "remediation": wrap(list(remediations)), **extra}
    if messages:
        out["messages"] = wrap(list(messages))
    return out


def current(key, kind="app", methods=("otp",), **more):
    return wrap({"key": key, "type": kind, "id": f"aut{key}", "methods": [{"type": m} for m in methods], **more})


def test_identify_with_and_without_password():
    page = pages.read(answer(remediation("identify", IDENTIFIER, CREDENTIALS), remediation("select-enroll-profile")))
    assert page.kind == pages.IDENTIFY and "credentials" in page.fields and not page.errors
    assert "credentials" not in pages.read(answer(remediation("identify", IDENTIFIER))).fields


def test_wrong_password_quotes_okta():
    page = pages.read(answer(remediation("identify", IDENTIFIER, CREDENTIALS),
                             messages=[message("Authentication failed", "errors.E0000004")]))
    assert page.kind == pages.IDENTIFY and page.error_text == "Authentication failed"


def test_password_and_code_pages_by_authenticator():
    challenge = remediation("challenge-authenticator", CREDENTIALS)
    assert pages.read(answer(challenge, SELECT, currentAuthenticatorEnrollment=current(
        "okta_password", "password", ("password",)))).kind == pages.PASSWORD
    google = pages.read(answer(challenge, SELECT, currentAuthenticator=current("google_otp")))
    assert (google.kind, google.channel, google.prompt) == (pages.CODE, pages.APP_CODE, "Google Authenticator code:")
    email = pages.read(answer(challenge, SELECT, currentAuthenticatorEnrollment=current(
        "okta_email", "email", ("email",), profile={"email": "a***e@example.com"})))
    assert (email.kind, email.channel) == (pages.CODE, pages.SENT_CODE)
    assert "a***e@example.com" in email.sent_to and "email" in email.prompt
    sms = pages.read(answer(challenge, currentAuthenticatorEnrollment=current(
        "phone_number", "phone", ("sms",), profile={"phoneNumber": "+1 XXX-XXX-0042"})))
    assert (sms.kind, sms.channel) == (pages.CODE, pages.SENT_CODE) and "+1 XXX-XXX-0042" in sms.sent_to
    webauthn = pages.read(answer(challenge, currentAuthenticator=current("webauthn", "security_key", ("webauthn",))))
    assert webauthn.kind == pages.UNKNOWN and webauthn.remediation == "challenge-authenticator"


def test_wrong_code_is_a_field_message():
    field = dict(CREDENTIALS, form={"value": [{"name": "passcode", "messages": wrap(
        [message("Invalid code. Try again.", "api.authn.error.PASSCODE_INVALID")])}]})
    page = pages.read(answer(remediation("challenge-authenticator", field), currentAuthenticator=current("google_otp")))
    assert page.kind == pages.CODE and page.errors == ("Invalid code. Try again.",)


def test_phone_method_choice_and_push():
    data = remediation("authenticator-verification-data", {"name": "authenticator", "form": {"value": [
        {"name": "id", "value": "autphone"}, {"name": "methodType", "options": [
            {"label": "SMS", "value": "sms"}, {"label": "Voice call", "value": "voice"}]}]}})
    page = pages.read(answer(data, SELECT, currentAuthenticatorEnrollment=current("phone_number", "phone", ("sms",))))
    assert page.kind == pages.PHONE_METHOD and page.methods == ("sms", "voice")
    push = pages.read(answer(remediation("challenge-poll"), SELECT, currentAuthenticator=current(
        "okta_verify", methods=("push",), contextualData={"correctAnswer": 73})))
    assert (push.kind, push.number) == (pages.PUSH_WAIT, 73)
    rejected = pages.read(answer(
        remediation("resend"), currentAuthenticator=current("okta_verify", methods=("push",)),
        messages=[message("You have chosen to reject this login.", "api.authn.poll.error.push_rejected")]))
    assert rejected.kind == pages.PUSH_ENDED and "reject" in rejected.error_text


def test_select_rows_as_the_widget_draws_them():
    options = [
        {"label": "Okta Verify", "value": {"form": {"value": [{"name": "id", "value": "autov"}, {
            "name": "methodType", "options": [{"value": "push"}, {"value": "totp"}, {"value": "signed_nonce"}]}]}}},
        {"label": "Google Authenticator", "value": {"form": {"value": [{"name": "id", "value": "autg"},
                                                                       {"name": "methodType", "value": "otp"}]}}},
        {"label": "Email", "value": {"form": {"value": [{"name": "id", "value": "aute"},
                                                        {"name": "methodType", "value": "email"}]}}},
        {"label": "Security Key", "value": {"form": {"value": [{"name": "id", "value": "autw"}]}},
         "relatesTo": "$.authenticators.value[3]"},
    ]
    authenticators = wrap([{"id": "autov", "key": "okta_verify"}, {"id": "autg", "key": "google_otp"},
                           {"id": "aute", "key": "okta_email"}, {"id": "autw", "key": "webauthn"}])
    page = pages.read(answer(remediation("select-authenticator-authenticate", {
        "name": "authenticator", "type": "object", "options": options}), authenticators=authenticators))
    rows = [(o.data_se, o.kind) for o in page.options]
    assert rows == [("okta_verify-push", pages.PUSH), ("okta_verify-totp", pages.APP_CODE),
                    ("okta_verify-signed_nonce", pages.OTHER), ("google_otp-otp google_otp", pages.APP_CODE),
                    ("okta_email-email okta_email", pages.SENT_CODE), ("webauthn", pages.OTHER)]


def test_interstitials_are_skipped_and_say_what():
    warning = pages.read(answer(remediation("reenroll-authenticator-warning", CREDENTIALS), remediation("skip"),
                                currentAuthenticator=current("okta_password", "password", ("password",),
                                                             settings={"daysToExpiry": 4}),
                                messages=[message("When your password expires...", "idx.password.expiring.message",
                                                  "INFO")]))
    assert warning.kind == pages.SKIP and "expires in 4 days" in warning.skipped and not warning.errors
    promotion = pages.read(answer(remediation("enroll-authenticator-promotion", CREDENTIALS), remediation("skip")))
    assert promotion.kind == pages.SKIP and "passkey" in promotion.skipped
    assert pages.read(answer(remediation("select-authenticator-enroll"), remediation("skip"))).kind == pages.SKIP


def test_pages_that_cannot_be_skipped_say_what_okta_wants():
    expired = pages.read(answer(remediation("reenroll-authenticator", CREDENTIALS)))
    assert expired.kind == pages.BLOCKED and "expired" in expired.blocked
    assert pages.read(answer(remediation("select-authenticator-enroll"))).kind == pages.BLOCKED
    assert pages.read(answer(remediation("select-authenticator-unlock-account"))).kind == pages.BLOCKED


def test_terminal_answers_are_never_the_passwords_fault():
    not_assigned = pages.read(answer(remediation("identify", IDENTIFIER), messages=[
        message("User is not assigned to this application.", "idx.error.user.not.assigned.to.app")]))
    assert not_assigned.kind == pages.TERMINAL and "assign" in not_assigned.advice
    for text, key in [("You do not have permission to perform the requested action.", "security.access_denied"),
                      ("You have been logged out due to inactivity.", "idx.session.expired"),
                      ("Too many requests", "tooManyRequests")]:
        page = pages.read({"version": "1.0.0", "messages": wrap([message(text, key)])})
        assert page.kind == pages.TERMINAL and page.error_text == text and page.advice


def test_other_pages():
    assert pages.read({"success": {"name": "success-redirect", "href": "https://x"}}).kind == pages.SUCCESS
    assert pages.read(answer(remediation("keep-me-signed-in", {"name": "keepMeSignedIn"}))).kind == pages.KMSI
    assert pages.read(answer(remediation("device-challenge-poll"))).kind == pages.PROBING
    odd = pages.read(answer(remediation("redirect-idp")))
    assert odd.kind == pages.UNKNOWN and "redirect-idp" in odd.what
    assert pages.read({}).kind == pages.UNKNOWN and pages.read(None).kind == pages.UNKNOWN


# -- properties over generated answers ------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=20)
NAMES = st.sampled_from(["identify", "challenge-authenticator", "select-authenticator-authenticate", "challenge-poll",
                         "skip", "reenroll-authenticator-warning", "enroll-authenticator-promotion", "resend",
                         "select-authenticator-enroll", "keep-me-signed-in", "authenticator-verification-data",
                         "device-challenge-poll", "reenroll-authenticator", "redirect-idp", "launch-authenticator"])
KEYS = st.sampled_from(["okta_password", "google_otp", "okta_verify", "okta_email", "phone_number", "webauthn", ""])
MESSAGES = st.lists(st.tuples(st.text("abc .", min_size=1, max_size=20).filter(str.strip), st.sampled_from(
    ["errors.E0000004", "incorrectPassword", "api.authn.error.PASSCODE_INVALID", "idx.password.expiring.message",
     *pages.TERMINAL_ADVICE]), st.sampled_from(["ERROR", "INFO", "WARNING"])), max_size=3)


@st.composite
def answers(draw, mangled=True):
    names = draw(st.lists(NAMES, max_size=4))
    fields = [draw(st.sampled_from([IDENTIFIER, CREDENTIALS, {"name": "authenticator"}])) for _ in names]
    out = answer(*[remediation(n, f) for n, f in zip(names, fields)],
                 messages=[message(*m) for m in draw(MESSAGES)])
    if draw(st.booleans()):
        out["currentAuthenticator"] = current(draw(KEYS), methods=draw(st.lists(
            st.sampled_from(["otp", "totp", "push", "sms", "voice", "email", "password"]), max_size=2)))
    if mangled and draw(st.booleans()):
        out[draw(st.sampled_from(["success", "remediation", "messages", "authenticators"]))] = draw(JSON)
    return out


@settings(max_examples=examples(3000), deadline=None)
@given(st.one_of(answers(), JSON))
def test_reading_any_answer_gives_a_page_and_never_fails(data):
    page = pages.read(data)
    assert page.kind in {pages.SUCCESS, pages.TERMINAL, pages.SKIP, pages.BLOCKED, pages.UNKNOWN, pages.IDENTIFY,
                         pages.PASSWORD, pages.SELECT, pages.CODE, pages.PHONE_METHOD, pages.PUSH_WAIT,
                         pages.PUSH_ENDED, pages.KMSI, pages.PROBING}
    assert page.description and page.error_text


@settings(max_examples=examples(3000), deadline=None)
@given(answers(mangled=False))
def test_terminal_answers_win_and_skips_are_never_filled(data):
    page = pages.read(data)
    terminal = [m for m in data.get("messages", {}).get("value", [])
                if m["class"] == "ERROR" and m["i18n"]["key"] in pages.TERMINAL_ADVICE]
    names = [r["name"] for r in data["remediation"]["value"]]
    if terminal:
        assert page.kind == pages.TERMINAL and page.error_text.startswith(" ".join(terminal[0]["message"].split()))
    if names and "skip" in names and names[0] != "skip" and not terminal:
        assert page.kind == pages.SKIP  # never IDENTIFY/PASSWORD/CODE: their fields would be typed into
    if page.kind in (pages.IDENTIFY, pages.PASSWORD, pages.CODE):
        assert names and "skip" not in names
