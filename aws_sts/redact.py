"""One place that scrubs secrets: from messages, from --debug tracebacks, and from failure artifacts.

Secrets are the password, one-time codes, the SAML assertion, Okta's state and session tokens, the keys STS
issues, and the console's sign-in token (the URL of --console). Two kinds of scrubbing: the values we know
(given by flag or environment, typed at a prompt, captured), in the forms a page or a log may show them (as
is, URL-encoded, line-wrapped), and anything *shaped* like a secret, known or not (long base64 runs, SAML XML,
token fields, STS answers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import quote, quote_plus

MARK = "[redacted]"
MIN_SECRET = 3  # shorter values would scrub ordinary words; codes are 6 digits, passwords longer

SHAPES = [
    # Playwright's call logs quote typed values: fill("..."), type("..."), press_sequentially("...")
    re.compile(r'((?:fill|type|press|press_sequentially|pressSequentially)\(")(?:[^"\\]|\\.)*(")'),
    re.compile(r'(name=["\']?SAMLResponse["\']?[^>]*?value=["\'])[^"\']*', re.I),
    # the SAML POST's fields; the console's sign-in token and the getSigninToken request's Session (the keys)
    re.compile(r'((?:SAMLResponse|SAMLRequest|SigninToken|[?&;]Session)=)[^&"\'\s<]+', re.I),
    re.compile(r'((?:stateToken|sessionToken|stateHandle|interactionHandle|state_token|session_token)'
               r'["\']?\s*[:=]\s*["\']?)[^"\'&,\s}<]+', re.I),
    re.compile(r'((?:[?&;]|&amp;)token=)[^"\'&\s<]+', re.I),
    # STS answers, as XML or as botocore's parsed dict (SecretAccessKey, SessionToken)
    re.compile(r'(<(?:SecretAccessKey|SessionToken)>)[^<]*', re.I),
    re.compile(r'(["\']?(?:SecretAccessKey|SessionToken|aws_secret_access_key|aws_session_token|'
               r'aws_security_token|SigninToken|sessionKey)["\']?\s*[:=]\s*["\']?)[^"\'\s,}]+', re.I),
]
# A SAML document shown as text, raw or HTML-escaped: from its first element to its end (to the end of
# the text when it has no end). Opening and closing tags are found separately, so the scan stays linear.
SAML_OPEN = re.compile(r"(?:<|&lt;)(?:[\w-]+:)?(Response|Assertion|EncryptedAssertion)\b")
SAML_CLOSE = "(?:<|&lt;)/(?:[\\w-]+:)?{}(?:>|&gt;)"
# Base64 of 100 characters or more (an assertion, a certificate, a token), also when wrapped in lines.
# Runs are found without backtracking (line breaks are the only separators) and measured afterwards.
# Percent-encoded +, / and = count too: a URL-encoded assertion is still one.
_B64 = r"(?:[A-Za-z0-9+/]|%2[BbFf])"
_PAD = r"(?:=|%3[Dd])"
BASE64_RUN = re.compile(rf"{_B64}{{16,}}{_PAD}{{0,2}}(?:\r?\n{_B64}{{16,}}{_PAD}{{0,2}})*")
LONG_RUN = 100


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (Playwright's and botocore's carry more below it)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def variants(secret: str) -> set:
    """The forms in which a page or a log may show a value: as is, URL-encoded, without line breaks."""
    forms = {secret, quote(secret, safe=""), quote_plus(secret), re.sub(r"\s+", "", secret)}
    return {f for f in forms if len(f) >= MIN_SECRET}


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Text with every known secret and everything shaped like one replaced by [redacted]."""
    for secret in sorted({v for s in secrets if s for v in variants(s)}, key=len, reverse=True):
        text = text.replace(secret, MARK)
    text = _scrub_saml_xml(text)
    for pattern in SHAPES:
        text = pattern.sub(lambda m: m.group(1) + MARK + (m.group(2) if m.lastindex == 2 else ""), text)
    return BASE64_RUN.sub(lambda m: MARK if len(m.group(0)) >= LONG_RUN else m.group(0), text)


def _scrub_saml_xml(text: str) -> str:
    out, at = [], 0
    while True:
        opening = SAML_OPEN.search(text, at)
        if not opening:
            return "".join(out) + text[at:]
        closing = re.compile(SAML_CLOSE.format(opening.group(1))).search(text, opening.end())
        out.append(text[at:opening.start()] + MARK)
        if not closing:
            return "".join(out)
        at = closing.end()


def shows_secret(text: str, secrets: Iterable[str | None] = ()) -> bool:
    """Whether text (what a page shows) holds a known secret or something shaped like an assertion."""
    return scrub(text, secrets) != text


def given_secrets(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> list:
    """The secrets the user handed us on the command line or in the environment."""
    found = [environ.get("AWS_STS_PASSWORD", ""), environ.get("AWS_STS_TOTP_SECRET", "")]
    for i, arg in enumerate(argv):
        for flag in ("--password", "--otp"):
            if arg == flag and i + 1 < len(argv):
                found.append(argv[i + 1])
            elif arg.startswith(flag + "="):
                found.append(arg.split("=", 1)[1])
    return [s for s in found if s]
