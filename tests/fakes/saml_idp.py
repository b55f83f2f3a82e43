"""The fake Okta org's SAML IdP: builds and signs the SAML Response the Okta AWS app POSTs to AWS.

The shape follows what Okta sends to https://signin.aws.amazon.com/saml: an unsigned Response holding one
Assertion signed in place (enveloped, RSA-SHA256, exclusive c14n, the signature right after the
Assertion's Issuer), with the AWS attributes Role, RoleSessionName and optionally SessionDuration.

    build_saml_response(scenario, username) -> base64 SAMLResponse
    verify_saml_response(b64, cert_pem)     -> the verified Assertion (lxml element); raises on a bad signature
    idp_cert_pem()                          -> PEM of the signing certificate (made once per process)

Only the Assertion returned by verify_saml_response was checked by the signature: read roles from it,
never from the document you decoded yourself (XML signature wrapping).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import threading

from lxml import etree

AWS_SIGNIN_URL = "https://signin.aws.amazon.com/saml"
AUDIENCE = "urn:amazon:webservices"
ISSUER = "http://www.okta.com/exkawsfakeokta000001"
PROTOCOL_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ASSERTION_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
DS_NS = "http://www.w3.org/2000/09/xmldsig#"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
DURATION_ATTR = "https://aws.amazon.com/SAML/Attributes/SessionDuration"

_lock = threading.Lock()
_key_and_cert = None  # (private key object, certificate PEM), made on first use


def _signing_material():
    """A self-signed RSA-2048 key and certificate, generated once per process (the key object is kept: loading
    it from PEM costs ~50 ms per signature)."""
    global _key_and_cert
    with _lock:
        if _key_and_cert is None:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            from cryptography.x509.oid import NameOID

            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            name = x509.Name([
                x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Okta"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "SSOProvider"),
                x509.NameAttribute(NameOID.COMMON_NAME, "fake-okta-org"),
            ])
            now = dt.datetime.now(dt.timezone.utc)
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(
                    x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                  data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                  crl_sign=False, encipher_only=False, decipher_only=False),
                    critical=True,
                )
                .sign(key, hashes.SHA256())
            )
            _key_and_cert = (key, cert.public_bytes(serialization.Encoding.PEM))
        return _key_and_cert


def idp_cert_pem() -> bytes:
    return _signing_material()[1]


def _instant(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _new_id() -> str:
    return "id" + "".join(str(secrets.randbelow(10)) for _ in range(31))


def build_saml_response(scenario, username: str) -> str:
    """The base64 SAMLResponse Okta would POST to AWS for this user, per the scenario's SAML options."""
    from signxml import XMLSigner, methods

    prefix = scenario.ns_prefix or None  # None = default namespace
    if prefix not in (None, "saml", "saml2"):
        raise ValueError(f"ns_prefix must be 'saml2', 'saml' or '', not {scenario.ns_prefix!r}")
    p_prefix = prefix + "p" if prefix else None

    def P(tag):
        return f"{{{PROTOCOL_NS}}}{tag}"

    def A(tag):
        return f"{{{ASSERTION_NS}}}{tag}"

    now = dt.datetime.now(dt.timezone.utc)
    issued = _instant(now)
    not_before = _instant(now - dt.timedelta(minutes=5))
    not_after = _instant(now + dt.timedelta(minutes=5))

    # The Assertion, built on its own (its own namespace declarations) and signed before it goes in the Response.
    assertion = etree.Element(A("Assertion"), nsmap={prefix: ASSERTION_NS},
                              ID=_new_id(), IssueInstant=issued, Version="2.0")
    etree.SubElement(assertion, A("Issuer"),
                     Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity").text = ISSUER
    etree.SubElement(assertion, f"{{{DS_NS}}}Signature", nsmap={"ds": DS_NS}, Id="placeholder")
    subject = etree.SubElement(assertion, A("Subject"))
    etree.SubElement(subject, A("NameID"),
                     Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified").text = username
    confirmation = etree.SubElement(subject, A("SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    etree.SubElement(confirmation, A("SubjectConfirmationData"), NotOnOrAfter=not_after, Recipient=AWS_SIGNIN_URL)
    conditions = etree.SubElement(assertion, A("Conditions"), NotBefore=not_before, NotOnOrAfter=not_after)
    restriction = etree.SubElement(conditions, A("AudienceRestriction"))
    etree.SubElement(restriction, A("Audience")).text = AUDIENCE
    authn = etree.SubElement(assertion, A("AuthnStatement"), AuthnInstant=issued, SessionIndex=_new_id())
    context = etree.SubElement(authn, A("AuthnContext"))
    etree.SubElement(context, A("AuthnContextClassRef")).text = (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")

    statement = etree.SubElement(assertion, A("AttributeStatement"))

    def attribute(name, values):
        attr = etree.SubElement(statement, A("Attribute"), Name=name,
                                NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri")
        for value in values:
            el = etree.SubElement(attr, A("AttributeValue"), nsmap={"xs": XS_NS, "xsi": XSI_NS})
            el.set(f"{{{XSI_NS}}}type", "xs:string")
            el.text = value

    if scenario.include_role_attribute:
        values = [f"{provider},{role}" if scenario.provider_first else f"{role},{provider}"
                  for role, provider in scenario.roles]
        attribute(ROLE_ATTR, values)
    attribute(SESSION_NAME_ATTR, [scenario.role_session_name or username])
    if scenario.session_duration is not None:
        attribute(DURATION_ATTR, [str(scenario.session_duration)])

    key, cert_pem = _signing_material()
    signer = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256",
                       c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    # Okta adds InclusiveNamespaces PrefixList="xs" to the reference's c14n transform; signxml 5.2 digests with
    # such a list but does not write it out (the signature then never verifies), so the list is left out here.
    signed = signer.sign(assertion, key=key, cert=cert_pem.decode(), reference_uri="#" + assertion.get("ID"))

    response = etree.Element(P("Response"), nsmap={p_prefix: PROTOCOL_NS}, Destination=AWS_SIGNIN_URL,
                             ID=_new_id(), IssueInstant=issued, Version="2.0")
    etree.SubElement(response, A("Issuer"), nsmap={prefix: ASSERTION_NS},
                     Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity").text = ISSUER
    status = etree.SubElement(response, P("Status"))
    etree.SubElement(status, P("StatusCode"), Value="urn:oasis:names:tc:SAML:2.0:status:Success")
    response.append(signed)
    xml = etree.tostring(response, xml_declaration=True, encoding="UTF-8")
    return base64.b64encode(xml).decode("ascii")


def verify_saml_response(b64: str, cert_pem: bytes):
    """Check the signature of the Assertion, or of the Response holding it, against cert_pem; return the
    verified Assertion element.

    Raises signxml.exceptions.InvalidSignature (or InvalidInput / ValueError) when it does not verify.
    """
    from cryptography import x509
    from signxml import XMLVerifier

    xml = base64.b64decode(b64, validate=True)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    cert = x509.load_pem_x509_certificate(cert_pem)
    result = XMLVerifier().verify(xml, x509_cert=cert, parser=parser)
    signed = result.signed_xml
    if signed is not None and signed.tag == f"{{{PROTOCOL_NS}}}Response":
        # A signed Response (SimpleSAMLphp, ADFS) covers its Assertion: AWS takes it when it holds exactly one.
        inside = signed.findall(f"{{{ASSERTION_NS}}}Assertion")
        if len(inside) != 1:
            raise ValueError("the signed Response does not hold exactly one Assertion")
        return inside[0]
    if signed is None or signed.tag != f"{{{ASSERTION_NS}}}Assertion":
        raise ValueError("the signature does not cover a SAML Assertion")
    return signed
