"""aws_sts.redact: known secrets and secret-shaped text never survive, however a page or a log shows them."""

from __future__ import annotations

import base64
import html
import textwrap
from urllib.parse import quote, quote_plus

from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts import redact
from tests.helpers import examples

# Text around a secret: prose, markup, JSON, a little of everything a page or a traceback holds.
filler = st.text(alphabet=st.sampled_from(list("abc XYZ<>=\"'/:;,.{}[]\n\t-_?&0123456789")), max_size=80)
assertion_xml = st.builds(
    lambda who, role, sig: (
        f'<saml2p:Response xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol"><saml2:Assertion ID="_{sig[:8]}">'
        f"<ds:SignatureValue>{sig}</ds:SignatureValue><saml2:Attribute Name=\"Role\"><saml2:AttributeValue>"
        f"{role}</saml2:AttributeValue></saml2:Attribute><saml2:NameID>{who}</saml2:NameID></saml2:Assertion>"
        f"</saml2p:Response>"
    ),
    st.text(alphabet="abcdefxyz.@-", min_size=3, max_size=24),
    st.just("arn:aws:iam::123456789012:role/Developer,arn:aws:iam::123456789012:saml-provider/Okta"),
    st.binary(min_size=64, max_size=256).map(lambda b: base64.b64encode(b).decode()),
)


def shown_as(xml: str, b64: str, how: str) -> str:
    return {
        "b64": b64,
        "url-encoded": quote(b64, safe=""),
        "form-encoded": "SAMLResponse=" + quote_plus(b64) + "&RelayState=",
        "wrapped-76": "\n".join(textwrap.wrap(b64, 76)),
        "wrapped-64-crlf": "\r\n".join(textwrap.wrap(b64, 64)),
        "hidden-input": f'<input type="hidden" name="SAMLResponse" value="{b64}"/>',
        "xml": xml,
        "escaped-xml": html.escape(xml),
        "json": '{"SAMLResponse": "%s"}' % b64,
    }[how]


HOWS = ["b64", "url-encoded", "form-encoded", "wrapped-76", "wrapped-64-crlf", "hidden-input", "xml",
        "escaped-xml", "json"]


@settings(max_examples=examples(1500), deadline=None)
@given(xml=assertion_xml, how=st.sampled_from(HOWS), before=filler, after=filler, known=st.booleans())
def test_an_assertion_never_survives(xml, how, before, after, known):
    b64 = base64.b64encode(xml.encode()).decode()
    text = before + shown_as(xml, b64, how) + after
    out = redact.scrub(text, [b64] if known else [])
    signature = xml.split("<ds:SignatureValue>")[1][:40]
    for fragment in (b64[:40], b64[-40:], signature, quote(b64, safe="")[:40]):
        assert fragment not in out
    assert redact.shows_secret(text, [b64] if known else [])


@settings(max_examples=examples(1500), deadline=None)
@given(secret=st.text(min_size=redact.MIN_SECRET, max_size=40).filter(lambda s: s.strip() == s and s),
       before=filler, after=filler)
def test_a_known_secret_never_survives(secret, before, after):
    for form in (secret, quote(secret, safe=""), quote_plus(secret)):
        out = redact.scrub(before + form + after, [secret])
        assert secret not in out.replace(redact.MARK, "\0")


def test_sts_answers_and_tokens_are_scrubbed():
    text = ("<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>"
            "<SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken> {'SessionToken': 'abc123'} "
            'var c = {"stateToken": "00abcDEF-token"}; /login?token=20111xyz&x=1 '
            'Locator.fill("hunter2") aws_secret_access_key = 123secret')
    out = redact.scrub(text)
    for secret in ("wJalrXUtnFEMI", "FwoGZXIvYXdzEXAMPLE", "abc123", "00abcDEF-token", "20111xyz", "hunter2",
                   "123secret"):
        assert secret not in out
    assert 'Locator.fill("[redacted]")' in out


def test_ordinary_text_is_left_alone():
    text = ("Okta: Your passcode doesn't match our records. Try again.\n"
            "https://example.okta.com/home/amazon_aws/0oa1234567890abcdef/272 staging/Developer")
    assert redact.scrub(text, ["hunter22"]) == text
    assert not redact.shows_secret(text)


def test_given_secrets_from_flags_and_environment():
    argv = ["--password", "pw-one", "--otp=123456", "--role", "Admin"]
    found = redact.given_secrets(argv, {"AWS_STS_PASSWORD": "pw-env", "AWS_STS_TOTP_SECRET": "JBSWY3DP"})
    assert sorted(found) == ["123456", "JBSWY3DP", "pw-env", "pw-one"]


def test_first_line():
    assert redact.first_line(ValueError("one\ntwo")) == "one"
    assert redact.first_line(ValueError("")) == "ValueError"


def test_long_hostile_input_is_handled_in_linear_time():
    # Unterminated SAML openings and endless base64-like runs: each would be quadratic with a naive regex.
    for text in ("&lt;saml:Response " * 50_000, "A" * 1_000_000, "<Assertion>" * 50_000):
        assert redact.MARK in redact.scrub(text) or text.startswith("A")
