import base64

import pytest

from aws_sts import saml
from aws_sts.errors import SamlError

DEV = "arn:aws:iam::123456789012:role/Developer"
DEV_P = "arn:aws:iam::123456789012:saml-provider/Okta"
ADMIN = "arn:aws:iam::210987654321:role/path/to/Admin"
ADMIN_P = "arn:aws:iam::210987654321:saml-provider/Okta"


def response(values, prefix="saml2", extra="", role_attr=True):
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    vals = "".join(f"<{p}AttributeValue>{v}</{p}AttributeValue>" for v in values)
    role = (f'<{p}Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">{vals}</{p}Attribute>'
            if role_attr else "")
    xml = (f'<{p}Response {ns}="urn:oasis:names:tc:SAML:2.0:protocol" Destination="https://signin.aws.amazon.com/saml">'
           f'<{p}Assertion {ns}="urn:oasis:names:tc:SAML:2.0:assertion"><{p}AttributeStatement>'
           f'{role}{extra}</{p}AttributeStatement></{p}Assertion></{p}Response>')
    return base64.b64encode(xml.encode()).decode()


@pytest.mark.parametrize("prefix", ["saml2", "saml", ""])
def test_roles_in_either_order_any_prefix(prefix):
    b64 = response([f"{DEV},{DEV_P}", f"{ADMIN_P}, {ADMIN}"], prefix=prefix)
    parsed = saml.parse_assertion(b64)
    assert [r.arn for r in parsed.roles] == [DEV, ADMIN]
    assert [r.principal_arn for r in parsed.roles] == [DEV_P, ADMIN_P]
    assert parsed.roles[1].name == "Admin" and parsed.roles[1].account_id == "210987654321"
    assert parsed.b64 == b64  # never re-encoded
    assert parsed.destination == "https://signin.aws.amazon.com/saml"


def test_session_duration_and_name():
    extra = ('<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">'
             '<saml2:AttributeValue>28800</saml2:AttributeValue></saml2:Attribute>'
             '<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
             '<saml2:AttributeValue>alice@example.com</saml2:AttributeValue></saml2:Attribute>')
    parsed = saml.parse_assertion(response([f"{DEV},{DEV_P}"], extra=extra))
    assert parsed.session_duration == 28800
    assert parsed.role_session_name == "alice@example.com"
    assert saml.parse_assertion(response([f"{DEV},{DEV_P}"])).session_duration is None


@pytest.mark.parametrize("partition", ["aws-us-gov", "aws-cn"])
def test_other_partitions(partition):
    role = f"arn:{partition}:iam::123456789012:role/R"
    prov = f"arn:{partition}:iam::123456789012:saml-provider/P"
    assert saml.parse_assertion(response([f"{role},{prov}"])).roles[0].partition == partition


def test_no_roles_message():
    with pytest.raises(SamlError, match="No roles are assigned to your SAML account"):
        saml.parse_assertion(response([], role_attr=False))
    with pytest.raises(SamlError, match="No roles are assigned"):
        saml.parse_assertion(response(["garbage", f"{DEV},{DEV}"]))


def test_not_xml_or_base64():
    with pytest.raises(SamlError, match="not valid"):
        saml.parse_assertion("!!!not base64")
    with pytest.raises(SamlError, match="not valid"):
        saml.parse_assertion(base64.b64encode(b"<a><b></a>").decode())


def test_entities_refused():
    evil = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "boom">]><r>&x;</r>'
    with pytest.raises(SamlError):
        saml.parse_assertion(base64.b64encode(evil.encode()).decode())


def test_repr_hides_assertion():
    parsed = saml.parse_assertion(response([f"{DEV},{DEV_P}"]))
    assert parsed.b64 not in repr(parsed)
