"""Base64 SAML Response -> the roles and attributes AWS cares about. Pure: no network.

Parsed with defusedxml (no entities, no DTDs, no network). The base64 is never modified: STS gets
exactly what the IdP posted.

Only what AWS itself reads counts: the Role and SessionDuration attributes of the
AttributeStatements of the Response's one Assertion. Attributes placed elsewhere (Extensions, an Advice,
a second Assertion) are never read, so the roles offered are the ones STS will accept. Every failure is a
SamlError whose message quotes nothing from the assertion.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Optional
from xml.etree.ElementTree import ParseError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from aws_sts.arns import PROVIDER_ARN, ROLE_ARN
from aws_sts.errors import SamlError

ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
NO_ROLES = "No roles are assigned to your SAML account. Ask your administrator to assign you an AWS role."
ASK_ADMIN = "Ask your administrator to check the AWS app's SAML settings."
NOT_BASE64_XML = "The IdP sent a SAML response that is not valid base64 XML."

# AWS's own bounds for a session; see _session_duration for what happens to values outside them.
MIN_DURATION, MAX_DURATION = 900, 43200
# A real SAML Response is a few kB (tens of kB with hundreds of roles). Anything this big is not one, and
# refusing it before decoding keeps time and memory bounded (a 50 MB paste fails at once, not after seconds).
MAX_BASE64_CHARS = 16 * 1024 * 1024

_BASE64_WHITESPACE = str.maketrans("", "", " \t\r\n")  # IdPs may wrap base64 lines; nothing else is allowed


@dataclass(frozen=True)
class Role:
    arn: str
    principal_arn: str  # the saml-provider ARN

    @property
    def _parts(self):
        return ROLE_ARN.fullmatch(self.arn)

    @property
    def partition(self) -> str:
        return self._parts.group(1)

    @property
    def account_id(self) -> str:
        return self._parts.group(2)

    @property
    def name(self) -> str:
        """The role name without its path (arn:...:role/path/Name -> Name)."""
        return self._parts.group(3).rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Assertion:
    b64: str  # exactly as posted; never re-encoded
    roles: tuple
    session_duration: Optional[int]

    def __repr__(self) -> str:  # keep the assertion out of tracebacks and logs
        return f"Assertion(roles={self.roles!r}, session_duration={self.session_duration!r})"


def parse_assertion(b64: str) -> Assertion:
    values = attributes(b64)
    # A dict keeps the first-seen order and makes de-duplication linear (thousands of roles stay instant).
    roles = dict.fromkeys(role for role in map(_role_from_value, values.get(ROLE_ATTRIBUTE, ())) if role)
    if not roles:
        raise SamlError(NO_ROLES)
    return Assertion(
        b64=b64,
        roles=tuple(roles),
        session_duration=_session_duration(values.get(DURATION_ATTRIBUTE)),
    )


def attributes(b64: str) -> dict:
    """Attribute name -> its non-empty values, in document order, as AWS reads them: from the AttributeStatements
    of the Response's one Assertion (SamlError when it is not one)."""
    return _attribute_values(_the_assertion(_parse_xml(_decode(b64))))


def _decode(b64: str) -> bytes:
    if not isinstance(b64, str):
        raise SamlError(NOT_BASE64_XML)
    if len(b64) > MAX_BASE64_CHARS:
        raise SamlError(f"The IdP sent a SAML response of {len(b64) // (1024 * 1024)} MB, far larger than any "
                        f"real one; it was not read. {ASK_ADMIN}")
    try:
        # validate=True: characters outside the base64 alphabet are an error, not silently dropped.
        return base64.b64decode(b64.translate(_BASE64_WHITESPACE), validate=True)
    except (binascii.Error, ValueError):  # ValueError: a non-ASCII character
        raise SamlError(NOT_BASE64_XML) from None


def _parse_xml(xml: bytes):
    try:
        return ElementTree.fromstring(xml, forbid_dtd=True)
    # LookupError: an unknown encoding in the XML declaration; UnicodeError: bytes that do not match it.
    except (ParseError, DefusedXmlException, ValueError, LookupError, UnicodeError):
        raise SamlError(NOT_BASE64_XML) from None


def _the_assertion(root):
    """The Response's single Assertion. Roles hidden anywhere else must not be offered: STS reads this one."""
    if root.tag != f"{{{PROTOCOL_NS}}}Response":
        raise SamlError(f"The IdP sent something that is not a SAML Response. {ASK_ADMIN}")
    assertions = [child for child in root if child.tag == f"{{{ASSERTION_NS}}}Assertion"]
    encrypted = [child for child in root if child.tag == f"{{{ASSERTION_NS}}}EncryptedAssertion"]
    # Any other Assertion in the document (in Extensions, in an Advice...) makes it ambiguous too.
    anywhere = sum(1 for _ in root.iter(f"{{{ASSERTION_NS}}}Assertion"))
    if len(assertions) + len(encrypted) > 1 or anywhere > 1:
        raise SamlError(f"The IdP sent a SAML Response with more than one assertion; aws-sts reads only "
                        f"responses with exactly one. {ASK_ADMIN}")
    if encrypted:
        raise SamlError("The IdP sent an encrypted SAML assertion; encrypted assertions are not supported. "
                        "Ask your administrator to turn off assertion encryption for the AWS app.")
    if not assertions:
        raise SamlError(f"The IdP sent a SAML Response without an assertion. {ASK_ADMIN}")
    return assertions[0]


def _attribute_values(assertion) -> dict:
    """Attribute name -> its non-empty values, in document order, from the Assertion's own AttributeStatements."""
    values: dict = {}
    for statement in assertion:
        if statement.tag != f"{{{ASSERTION_NS}}}AttributeStatement":
            continue
        for attribute in statement:
            if attribute.tag != f"{{{ASSERTION_NS}}}Attribute":
                continue
            texts = values.setdefault(attribute.get("Name"), [])
            for value in attribute:
                text = (value.text or "").strip() if value.tag == f"{{{ASSERTION_NS}}}AttributeValue" else ""
                if text:
                    texts.append(text)
    return values


def _session_duration(raw_values) -> Optional[int]:
    """The first SessionDuration value, in seconds; None when there is none.

    The choice: a value that is not a plain ASCII whole number ("1h", "-5", "3600.0", "٣٦٠٠", "³") cannot be
    a duration: SamlError, so the administrator's mistake is seen rather than silently replaced by an hour.
    A whole number outside AWS's 900..43200 is clamped into it: the administrator clearly meant "short" or
    "long", and STS would refuse the out-of-range value itself. (A role allowing less than the clamped value
    is handled later by the retry at 3600 s.)
    """
    if not raw_values:
        return None
    raw = raw_values[0]
    if not (raw.isascii() and raw.isdigit()):
        raise SamlError("The IdP sent a SessionDuration attribute that is not a whole number of seconds. "
                        "Ask your administrator to fix the AWS app's SessionDuration (900 to 43200).")
    digits = raw.lstrip("0")
    if len(digits) > len(str(MAX_DURATION)):  # no int() of a 5,000-digit string (Python refuses it)
        return MAX_DURATION
    return min(max(int(digits or "0"), MIN_DURATION), MAX_DURATION)


def _role_from_value(value: str) -> Optional[Role]:
    """Each value is 'role-arn,provider-arn' in either order; anything else is skipped."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2:
        return None
    role = next((p for p in parts if ROLE_ARN.fullmatch(p)), None)
    provider = next((p for p in parts if PROVIDER_ARN.fullmatch(p)), None)
    if not role or not provider:
        return None
    return Role(arn=role, principal_arn=provider)
