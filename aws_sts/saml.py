"""Base64 SAML Response -> the roles and attributes AWS cares about. Pure: no network.

Parsed with defusedxml (no entities, no DTDs, no network). The base64 is never modified: STS gets
exactly what the IdP posted.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Optional

from aws_sts.errors import SamlError

ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
DURATION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
NO_ROLES = "No roles are assigned to your SAML account. Ask your administrator to assign you an AWS role."

ROLE_ARN = re.compile(r"^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role/(.+)$")
PROVIDER_ARN = re.compile(r"^arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):saml-provider/(.+)$")


@dataclass(frozen=True)
class Role:
    arn: str
    principal_arn: str  # the saml-provider ARN

    @property
    def _parts(self):
        return ROLE_ARN.match(self.arn)

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
    role_session_name: Optional[str]
    session_duration: Optional[int]
    destination: Optional[str]

    def __repr__(self) -> str:  # keep the assertion out of tracebacks and logs
        return f"Assertion(roles={self.roles!r}, session_duration={self.session_duration!r})"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_assertion(b64: str) -> Assertion:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    try:
        xml = base64.b64decode(b64, validate=False)
        root = ElementTree.fromstring(xml, forbid_dtd=True)
    except (binascii.Error, ValueError, ElementTree.ParseError, DefusedXmlException):
        raise SamlError("The IdP sent a SAML response that is not valid base64 XML.") from None

    values: dict = {}
    for element in root.iter():
        if _local(element.tag) != "Attribute":
            continue
        name = element.get("Name")
        texts = [
            (child.text or "").strip()
            for child in element
            if _local(child.tag) == "AttributeValue" and (child.text or "").strip()
        ]
        values.setdefault(name, []).extend(texts)

    roles = []
    for value in values.get(ROLE_ATTRIBUTE, []):
        role = _role_from_value(value)
        if role and role not in roles:
            roles.append(role)
    if not roles:
        raise SamlError(NO_ROLES)

    duration = None
    for raw in values.get(DURATION_ATTRIBUTE, [])[:1]:
        if raw.isdigit() and int(raw) > 0:
            duration = int(raw)
    session_names = values.get(SESSION_NAME_ATTRIBUTE) or [None]
    return Assertion(
        b64=b64,
        roles=tuple(roles),
        role_session_name=session_names[0],
        session_duration=duration,
        destination=root.get("Destination"),
    )


def _role_from_value(value: str) -> Optional[Role]:
    """Each value is 'role-arn,provider-arn' in either order."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2:
        return None
    role = next((p for p in parts if ROLE_ARN.match(p)), None)
    provider = next((p for p in parts if PROVIDER_ARN.match(p)), None)
    if not role or not provider:
        return None
    return Role(arn=role, principal_arn=provider)
