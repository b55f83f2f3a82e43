"""Properties of saml.parse_assertion over generated inputs: it returns the single Assertion's own roles
(de-duplicated, first-seen order) and attributes, or raises SamlError quoting nothing from the input;
never any other exception."""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, assume, example, given, note, settings
from hypothesis import strategies as st

from aws_sts import saml
from aws_sts.errors import SamlError
from tests.helpers import examples

PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION = "urn:oasis:names:tc:SAML:2.0:assertion"
# Generation, not parsing (~0.3 ms), is what costs here: the text-heavy tests run fewer examples.
MANY = settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Characters XML 1.0 cannot hold, even escaped: a document with one of them is not XML.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# --- building SAML Responses ---------------------------------------------------------------------------

def response(assertions, prefix="saml2", extensions="", before="", destination="https://signin.aws.amazon.com/saml"):
    """A Response holding the given Assertion bodies (strings of XML), in the prefix style Okta may use."""
    p = f"{prefix}:" if prefix else ""
    pp = f"{prefix}p:" if prefix else ""
    ns_a = f'xmlns{":" + prefix if prefix else ""}="{ASSERTION}"'
    ns_p = f'xmlns{":" + prefix + "p" if prefix else ""}="{PROTOCOL}"'
    body = "".join(f"<{p}Assertion {ns_a} ID=\"a{i}\">{inner}</{p}Assertion>" for i, inner in enumerate(assertions))
    ext = f"<{pp}Extensions>{extensions}</{pp}Extensions>" if extensions else ""
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><{pp}Response {ns_p} Destination={quoteattr(destination)}>'
           f"{ext}{before}{body}</{pp}Response>")
    return xml


def statement(attributes, prefix="saml2") -> str:
    """An AttributeStatement: attributes is a list of (name, [values])."""
    p = f"{prefix}:" if prefix else ""
    ns_a = f'xmlns{":" + prefix if prefix else ""}="{ASSERTION}"'
    return (f"<{p}AttributeStatement {ns_a}>" + "".join(
        f"<{p}Attribute Name={quoteattr(name)}>"
        + "".join(f"<{p}AttributeValue>{escape(v)}</{p}AttributeValue>" for v in values)
        + f"</{p}Attribute>" for name, values in attributes) + f"</{p}AttributeStatement>")


def b64(xml: str) -> str:
    return base64.b64encode(xml.encode("utf-8", "surrogatepass")).decode()


def session_name(xml_b64: str):
    """The first RoleSessionName as AWS reads the attributes (aws-sts reads them the same way for Role and
    SessionDuration; the name is the attribute that can carry any text, so the reading shows in it)."""
    return (saml.attributes(xml_b64).get(NAME) or [None])[0]


def parse(xml_b64: str):
    """parse_assertion, checking the one rule every input shares: an Assertion or a SamlError, nothing else;
    and a SamlError quotes nothing from the input."""
    try:
        return saml.parse_assertion(xml_b64)
    except SamlError as error:
        assert_quotes_nothing(str(error), xml_b64)
        return error


def assert_quotes_nothing(message: str, xml_b64: str) -> None:
    assert "\n" not in message
    assert xml_b64[:24] not in message or len(xml_b64) < 24
    try:
        text = base64.b64decode(xml_b64, validate=False).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - not base64 at all: nothing to quote from it
        return
    # Every run of 6+ characters between markup in the document (values, ARNs, names) stays out of the message,
    # as a whole: a mangled tag can leave a piece of a word ("<saml2p:R<esponse" gives "esponse"), which the
    # message's own wording ("SAML response") may hold without quoting anything.
    for piece in re.split(r"[<>\"'=]", text):
        piece = piece.strip()
        if len(piece) >= 6 and not piece.startswith(("?xml", "/", "xmlns")):
            assert not re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", message), (piece, message)


ROLE = "https://aws.amazon.com/SAML/Attributes/Role"
DURATION = "https://aws.amazon.com/SAML/Attributes/SessionDuration"
NAME = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
ONE_ROLE = ("arn:aws:iam::123456789012:role/Developer", "arn:aws:iam::123456789012:saml-provider/Okta")


def one_role_value():
    return f"{ONE_ROLE[0]},{ONE_ROLE[1]}"


# --- roles ----------------------------------------------------------------------------------------------

ROLE_POOL = [
    (f"arn:{partition}:iam::{account}:role/{name}", f"arn:{partition}:iam::{provider_account}:saml-provider/{idp}")
    for partition, account, provider_account, name, idp in [
        ("aws", "123456789012", "123456789012", "Developer", "Okta"),
        ("aws", "123456789012", "123456789012", "Admin", "Okta"),
        ("aws", "123456789012", "123456789012", "Developer", "Idp.x-1"),  # same role, another provider
        ("aws", "210987654321", "210987654321", "path/to/Admin", "Okta"),
        ("aws", "210987654321", "123456789012", "a+b=c.d@f-g_h", "Okta"),
        ("aws-us-gov", "000000000001", "000000000001", "R", "Okta"),
        ("aws-cn", "999999999999", "999999999999", "ReadOnly", "Idp.x-1"),
    ]
]
JUNK = [
    "", "garbage", "arn:aws:iam::123456789012:role/Developer",  # one ARN alone
    "arn:aws:iam::123456789012:role/A,arn:aws:iam::123456789012:role/B",  # two roles, no provider
    "arn:aws:iam::123456789012:role/A,arn:aws:iam::123456789012:saml-provider/P,extra",
    "arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/A,arn:aws:iam::123456789012:saml-provider/P",  # Arabic-Indic digits
    "arn:aws:iam::12345678901:role/A,arn:aws:iam::12345678901:saml-provider/P",  # 11 digits
    "arn:aws:iam::123456789012:role/Dév,arn:aws:iam::123456789012:saml-provider/P",  # not an IAM name
    "arn:aws:iam::123456789012:role/A B,arn:aws:iam::123456789012:saml-provider/P",
    "arn:other:iam::123456789012:role/A,arn:other:iam::123456789012:saml-provider/P",
]
SPACES = ["", " ", "\n  ", "\t"]


def random_role_value(rnd, pair) -> str:
    """One AttributeValue for a pair: either order, optional spaces around the comma and at the ends."""
    first, second = pair if rnd.random() < 0.5 else pair[::-1]
    return "".join([rnd.choice(SPACES), first, rnd.choice(SPACES), ",", rnd.choice(SPACES), second,
                    rnd.choice(SPACES)])


def random_junk(rnd) -> str:
    """A value that is not a role pair: from JUNK, or random characters (some XML cannot hold)."""
    if rnd.random() < 0.7:
        return rnd.choice(JUNK)
    alphabet = "arn:aws:iam::0123456789/,. \t\n\x01\u0663\u00e9\U0001f600&<>\"'"
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))


@MANY
@given(rnd=st.randoms(use_true_random=True), prefix=st.sampled_from(["saml2", "saml", ""]))
def test_roles_are_the_assertions_own_deduplicated_in_first_seen_order(rnd, prefix):
    # Generated from one random source (one draw: fast), with duplicates likely from a small pool.
    picks = [rnd.choice(ROLE_POOL) if rnd.random() < 0.6 else random_junk(rnd) for _ in range(rnd.randint(0, 30))]
    values = [random_role_value(rnd, pick) if isinstance(pick, tuple) else pick for pick in picks]
    # Spread over one or two Role attributes, in one AttributeStatement or two.
    cut = rnd.randint(0, len(values))
    first, second = [(ROLE, values[:cut])], [(ROLE, values[cut:])]
    inner = statement(first, prefix) + statement(second, prefix) if rnd.random() < 0.5 else statement(
        first + second, prefix)
    note(f"values={values!r}")
    result = parse(b64(response([inner], prefix)))

    expected = list(dict.fromkeys(pick for pick in picks if isinstance(pick, tuple)))
    if any(NOT_XML.search(v) for v in values):
        assert isinstance(result, SamlError)
    elif not expected:
        assert isinstance(result, SamlError) and str(result) == saml.NO_ROLES
    else:
        assert not isinstance(result, SamlError), result
        assert [(r.arn, r.principal_arn) for r in result.roles] == expected
        for role in result.roles:  # every role's parts are readable (they name profiles later)
            assert role.partition in ("aws", "aws-us-gov", "aws-cn")
            assert re.fullmatch(r"[0-9]{12}", role.account_id) and role.name == role.arn.rsplit("/", 1)[-1]


# --- where the roles are: only the one Assertion's AttributeStatements ----------------------------------

SHAPES = ["plain", "in_extensions", "statement_in_extensions", "in_advice", "second_assertion",
          "assertion_in_extensions", "encrypted_only", "encrypted_and_plain", "no_assertion",
          "statement_in_subject", "attribute_outside_statement", "wrong_namespace"]


@MANY
@given(rnd=st.randoms(use_true_random=True), shape=st.sampled_from(SHAPES),
       prefix=st.sampled_from(["saml2", "saml", ""]))
def test_roles_are_read_only_from_the_single_assertion(rnd, shape, prefix):
    p = f"{prefix}:" if prefix else ""
    ns_a = f'xmlns{":" + prefix if prefix else ""}="{ASSERTION}"'
    ours = [rnd.choice(ROLE_POOL) for _ in range(rnd.randint(1, 4))]
    # Roles elsewhere use an account the Assertion's own roles never use.
    elsewhere = [(f"arn:aws:iam::999999999999:role/Planted{i}", "arn:aws:iam::999999999999:saml-provider/Evil")
                 for i in range(rnd.randint(1, 3))]
    own = statement([(ROLE, [random_role_value(rnd, r) for r in ours])], prefix)
    planted = statement([(ROLE, [f"{a},{b}" for a, b in elsewhere])], prefix)
    planted_assertion_body = planted
    planted_assertion = f'<{p}Assertion {ns_a} ID="planted">{planted}</{p}Assertion>'
    encrypted = f"<{p}EncryptedAssertion {ns_a}><CipherData>AAAA</CipherData></{p}EncryptedAssertion>"

    extensions, before, assertions = "", "", [own]
    if shape == "in_extensions":
        extensions = planted
    elif shape == "statement_in_extensions":
        extensions, assertions = planted, [statement([], prefix)]
    elif shape == "in_advice":
        assertions = [f"<{p}Advice>{planted_assertion}{planted}</{p}Advice>{own}"]
    elif shape == "second_assertion":
        assertions = [own, planted_assertion_body] if rnd.random() < 0.5 else [planted_assertion_body, own]
    elif shape == "assertion_in_extensions":
        extensions = planted_assertion
    elif shape == "encrypted_only":
        before, assertions = encrypted, []
    elif shape == "encrypted_and_plain":
        before = encrypted
    elif shape == "no_assertion":
        before, assertions = planted, []
    elif shape == "statement_in_subject":
        assertions = [f"<{p}Subject>{planted}</{p}Subject>{own}"]
    elif shape == "attribute_outside_statement":
        inner_attr = planted[planted.index(">") + 1:planted.rindex("<")]
        assertions = [inner_attr + own]
    elif shape == "wrong_namespace":
        wrong = planted.replace(ASSERTION, "urn:example:not-saml")
        assertions = [wrong + own]
    result = parse(b64(response(assertions, prefix, extensions=extensions, before=before)))

    if shape in ("second_assertion", "encrypted_and_plain", "no_assertion", "encrypted_only"):
        assert isinstance(result, SamlError)
    if shape == "encrypted_only":
        assert "encrypted assertions are not supported" in str(result)
    if shape == "statement_in_extensions":
        assert isinstance(result, SamlError) and str(result) == saml.NO_ROLES
    if not isinstance(result, SamlError):
        assert [(r.arn, r.principal_arn) for r in result.roles] == list(dict.fromkeys(ours))
    if shape in ("plain", "in_extensions", "statement_in_subject", "attribute_outside_statement", "wrong_namespace"):
        assert not isinstance(result, SamlError), result  # the planted roles are ignored, not an error


# --- attribute values: SessionDuration and RoleSessionName -----------------------------------------------

unicode_digits = st.text(st.characters(whitelist_categories=("Nd", "No")), min_size=1, max_size=8)
whitespace = st.sampled_from(["", " ", "\n", "\t ", "\r\n"])
durations = st.one_of(
    st.text(max_size=20),
    st.integers(-10 ** 6, 10 ** 6).map(str),
    st.integers(0, 10 ** 60).map(str),
    st.integers(1, 6000).map(lambda n: "9" * n),  # up to 10**6000: more digits than int() takes
    st.builds(lambda z, n: "0" * z + str(n), st.integers(0, 30), st.integers(0, 50000)),
    unicode_digits,
    st.sampled_from(["٣٦٠٠", "³", "３６００", "3600.0", "1e4", "+3600", "-3600", "0x100", "3_600", "36 00", ""]),
)


def expected_duration(value: str):
    """The rule, stated independently: blank -> none; ASCII digits -> clamped into 900..43200;
    anything else -> SamlError (returned here as the class)."""
    text = value.strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]+", text):
        return SamlError
    return int(min(max(Decimal(text), Decimal(900)), Decimal(43200)))


@SOME
@given(value=durations, before=whitespace, after=whitespace, prefix=st.sampled_from(["saml2", ""]))
@example(value="1" + "0" * 5000, before="", after="", prefix="saml2")
@example(value="٣٦٠٠", before="", after="", prefix="saml2")
@example(value="³", before="", after="", prefix="saml2")
@example(value="-1", before="", after="", prefix="saml2")
def test_session_duration_is_a_clamped_ascii_integer_or_a_saml_error(value, before, after, prefix):
    padded = before + value + after
    xml = response([statement([(ROLE, [one_role_value()]), (DURATION, [padded, "7200"])], prefix)], prefix)
    result = parse(b64(xml))
    if NOT_XML.search(padded):
        assert isinstance(result, SamlError)
        return
    expected = expected_duration(padded.replace("\r\n", "\n"))
    if expected is None:  # a blank value is no value: the next one counts
        expected = 7200
    if expected is SamlError:
        assert isinstance(result, SamlError) and "SessionDuration" in str(result)
    else:
        assert not isinstance(result, SamlError), result
        assert result.session_duration == expected


@SOME
@given(name=st.text(max_size=40), noise=st.lists(st.text(max_size=8), max_size=2))
def test_session_name_is_the_first_nonblank_value_of_the_assertion(name, noise):
    assume(not NOT_XML.search(name + "".join(noise)))
    planted = statement([(NAME, ["planted-name"]), (DURATION, ["43200"])])
    xml = response([statement([(ROLE, [one_role_value()]), (NAME, [name, *noise])])], extensions=planted)
    result = parse(b64(xml))
    assert not isinstance(result, SamlError), result
    values = [v.replace("\r\n", "\n").replace("\r", "\n").strip() for v in [name, *noise]]
    assert session_name(b64(xml)) == next((v for v in values if v), None)
    assert result.session_duration is None  # the planted SessionDuration in Extensions is not read


# --- the transport: base64, bytes, XML ---------------------------------------------------------------------

VALID = b64(response([statement([(ROLE, [one_role_value()])])]))


@MANY
@given(rnd=st.randoms(use_true_random=True))
def test_whitespace_in_base64_is_accepted_and_the_text_is_kept(rnd):
    text = VALID
    for _ in range(rnd.randint(0, 20)):
        at = rnd.randint(0, len(text))
        text = text[:at] + rnd.choice([" ", "\n", "\r\n", "\t", "  \n"]) + text[at:]
    result = parse(text)
    assert not isinstance(result, SamlError), result
    assert result.b64 == text  # STS gets exactly what the IdP posted
    assert [r.arn for r in result.roles] == [ONE_ROLE[0]]


@MANY
@given(at=st.integers(0, len(VALID)), bad=st.characters(blacklist_characters=" \t\r\n="
                                                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                          "abcdefghijklmnopqrstuvwxyz0123456789+/"))
def test_any_other_character_in_base64_is_refused(at, bad):
    assert isinstance(parse(VALID[:at] + bad + VALID[at:]), SamlError)


@MANY
@given(text=st.text(max_size=300))
def test_arbitrary_text_as_base64(text):
    parse(text)  # an Assertion or a SamlError; parse() checks that nothing else comes out


@MANY
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_as_the_document(raw):
    result = parse(base64.b64encode(raw).decode())
    assert isinstance(result, SamlError)  # random bytes are never a SAML Response with roles


VALID_XML = base64.b64decode(VALID)


@MANY
@example(at=VALID_XML.index(b"Response>", VALID_XML.index(b"</saml2:Assertion>")) + 1, how="inserted",
         inserted=b"<")  # a piece of a tag's name ("esponse") that the message's own words hold
@given(at=st.integers(0, len(VALID_XML)), how=st.sampled_from(["truncated", "inserted", "dropped"]),
       inserted=st.binary(min_size=1, max_size=8))
def test_truncated_or_mangled_documents(at, how, inserted):
    xml = VALID_XML
    mangled = {"truncated": xml[:at], "inserted": xml[:at] + inserted + xml[at:],
               "dropped": xml[:at] + xml[at + 1:]}[how]
    result = parse(base64.b64encode(mangled).decode())
    if how == "truncated" and at < len(xml.rstrip()):
        assert isinstance(result, SamlError)
    if not isinstance(result, SamlError):
        assert result.roles  # whatever survived and parsed is still a valid reading


@SOME
@given(encoding=st.sampled_from(["utf-8", "iso-8859-1", "utf-16", "windows-1252"]), name=st.text(
    st.characters(max_codepoint=0xFF, blacklist_categories=("Cc", "Cs")), min_size=2, max_size=20))
def test_declared_encodings_are_honoured(encoding, name):
    assume(name.strip())
    if encoding == "windows-1252":
        assume(all(ch.encode("cp1252", "ignore") for ch in name))
    xml = response([statement([(ROLE, [one_role_value()]), (NAME, [name])])])
    xml = xml.replace('encoding="UTF-8"', f'encoding="{encoding}"')
    result = parse(base64.b64encode(xml.encode(encoding)).decode())
    assert not isinstance(result, SamlError), result
    assert session_name(base64.b64encode(xml.encode(encoding)).decode()) == name.strip()


@pytest.mark.parametrize("raw", [
    b'<?xml version="1.0" encoding="no-such-encoding"?><a/>',
    b'<?xml version="1.0" encoding="UTF-8"?><a>\xff\xfe</a>',  # not UTF-8
    b"\xef\xbb\xbf\xef\xbb\xbf<a/>",  # two byte-order marks
    b'<?xml version="1.0" encoding="utf-16"?><a/>',  # declared UTF-16, written in ASCII
    b"",
])
def test_undecodable_documents(raw):
    result = parse(base64.b64encode(raw).decode())
    assert isinstance(result, SamlError) and str(result) == saml.NOT_BASE64_XML


LAUGHS = "".join(f'<!ENTITY l{n} "{f"&l{n - 1};" * 10 if n else "lol"}">' for n in range(10))


@pytest.mark.parametrize("doctype", [
    f"<!DOCTYPE r [{LAUGHS}<!ENTITY d \"&l9;\">]>",  # a billion laughs
    '<!DOCTYPE r [<!ENTITY d SYSTEM "file:///etc/passwd">]>',  # external entity
    '<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd">',  # external DTD
], ids=["laughs", "external-entity", "external-dtd"])
def test_xml_bombs_and_entities_refused(doctype):
    xml = response([statement([(ROLE, [one_role_value() + "&d;"])]).replace("&amp;d;", "&d;")])
    xml = xml.replace("?>", "?>" + doctype, 1)
    assert isinstance(parse(b64(xml)), SamlError)


def test_twenty_thousand_roles_with_duplicates():
    distinct = [(f"arn:aws:iam::{n:012d}:role/R{n}", f"arn:aws:iam::{n:012d}:saml-provider/Okta")
                for n in range(20000)]
    values = []
    for i, (role, provider) in enumerate(distinct):
        values.append(f"{provider},{role}" if i % 2 else f"{role},{provider}")
        if i % 4 == 3:
            values.append(f"{distinct[i // 2][0]}, {distinct[i // 2][1]}")  # a duplicate of an earlier one
    xml = response([statement([(ROLE, values)])])
    result = saml.parse_assertion(b64(xml))
    assert len(values) == 25000
    assert [(r.arn, r.principal_arn) for r in result.roles] == distinct


def test_oversized_input_refused_without_reading_it():
    huge = "A" * (50 * 1024 * 1024)
    with pytest.raises(SamlError, match="far larger than any real one"):
        saml.parse_assertion(huge)
