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


def test_session_duration_and_name():
    extra = ('<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">'
             '<saml2:AttributeValue>28800</saml2:AttributeValue></saml2:Attribute>'
             '<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
             '<saml2:AttributeValue>alice@example.com</saml2:AttributeValue></saml2:Attribute>')
    parsed = saml.parse_assertion(response([f"{DEV},{DEV_P}"], extra=extra))
    assert parsed.session_duration == 28800
    assert saml.attributes(response([f"{DEV},{DEV_P}"], extra=extra))[
        "https://aws.amazon.com/SAML/Attributes/RoleSessionName"] == ["alice@example.com"]
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


def duration_response(value):
    extra = ('<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration">'
             f"<saml2:AttributeValue>{value}</saml2:AttributeValue></saml2:Attribute>")
    return response([f"{DEV},{DEV_P}"], extra=extra)


@pytest.mark.parametrize("value, expected", [
    ("3600", 3600), (" 7200\n", 7200), ("00900", 900),
    ("60", 900), ("0", 900),  # below AWS's minimum: clamped up
    ("99999", 43200), ("1" + "0" * 5000, 43200),  # above AWS's maximum, however far: clamped down
])
def test_session_duration_clamped_into_aws_range(value, expected):
    assert saml.parse_assertion(duration_response(value)).session_duration == expected


@pytest.mark.parametrize("value", ["٣٦٠٠", "³", "３６００", "-3600", "+3600", "3600.0", "1h", "1e4", "36 00"])
def test_session_duration_that_is_not_a_whole_number_is_an_error(value):
    with pytest.raises(SamlError, match="SessionDuration attribute that is not a whole number") as info:
        saml.parse_assertion(duration_response(value))
    assert value not in str(info.value)


def wrap(inner: str) -> str:
    xml = (f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
           f'xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">{inner}</samlp:Response>')
    return base64.b64encode(xml.encode()).decode()


def one_assertion(role=DEV, provider=DEV_P) -> str:
    return ('<saml2:Assertion><saml2:AttributeStatement>'
            '<saml2:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
            f"<saml2:AttributeValue>{role},{provider}</saml2:AttributeValue>"
            "</saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>")


def test_encrypted_assertion_not_supported():
    encrypted = "<saml2:EncryptedAssertion><xenc:EncryptedData xmlns:xenc='x'/></saml2:EncryptedAssertion>"
    with pytest.raises(SamlError, match="encrypted assertions are not supported"):
        saml.parse_assertion(wrap(encrypted))


@pytest.mark.parametrize("inner", [
    one_assertion() + one_assertion(ADMIN, ADMIN_P),
    f"<samlp:Extensions>{one_assertion(ADMIN, ADMIN_P)}</samlp:Extensions>{one_assertion()}",
    one_assertion() + "<saml2:EncryptedAssertion/>",
], ids=["two", "one-in-extensions", "plain-and-encrypted"])
def test_more_than_one_assertion_refused(inner):
    with pytest.raises(SamlError, match="more than one assertion"):
        saml.parse_assertion(wrap(inner))


def test_roles_outside_the_assertion_ignored():
    statement = one_assertion(ADMIN, ADMIN_P)[len("<saml2:Assertion>"):-len("</saml2:Assertion>")]
    parsed = saml.parse_assertion(wrap(f"<samlp:Extensions>{statement}</samlp:Extensions>{one_assertion()}"))
    assert [r.arn for r in parsed.roles] == [DEV]
    with pytest.raises(SamlError, match="No roles"):
        saml.parse_assertion(wrap(f"{statement}<saml2:Assertion/>"))


def test_not_a_response_or_no_assertion():
    with pytest.raises(SamlError, match="not a SAML Response"):
        saml.parse_assertion(base64.b64encode(b"<Response><Assertion/></Response>").decode())
    with pytest.raises(SamlError, match="without an assertion"):
        saml.parse_assertion(wrap(""))


def test_account_and_name_must_be_ascii():
    arabic = "١٢٣٤٥٦٧٨٩٠١٢"
    with pytest.raises(SamlError, match="No roles"):
        saml.parse_assertion(response([f"arn:aws:iam::{arabic}:role/R,arn:aws:iam::{arabic}:saml-provider/P"]))
    with pytest.raises(SamlError, match="No roles"):
        saml.parse_assertion(response([f"arn:aws:iam::123456789012:role/Dév,{DEV_P}"]))
