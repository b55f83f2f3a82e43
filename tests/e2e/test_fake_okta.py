"""Fast HTTP-level checks of the fake Okta org itself (the browser tests rely on these behaviours)."""

from __future__ import annotations

import base64
import http.client
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from lxml import etree
from signxml.exceptions import InvalidSignature, SignXMLException

from tests.fakes import saml_idp
from tests.fakes.okta_org import GOOGLE_TOTP_ID, OKTA_TOTP_ID, PUSH_ID, Scenario, totp_now

ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"


def call(org, method, path, body=None, cookies=None, headers=None):
    """One request, redirects not followed. Returns (status, headers, parsed JSON or raw bytes)."""
    conn = http.client.HTTPConnection(urlsplit(org.base_url).netloc, timeout=10)
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    if (resp.getheader("Content-Type") or "").startswith("application/json"):
        return resp.status, resp.headers, json.loads(raw)
    return resp.status, resp.headers, raw


def authn(org, password=None):
    return call(org, "POST", "/api/v1/authn", {"username": org.scenario.username,
                                               "password": password or org.scenario.password,
                                               "options": {"multiOptionalFactorEnroll": True}})


def verify(org, factor_id, state_token, **extra):
    return call(org, "POST", f"/api/v1/authn/factors/{factor_id}/verify?rememberDevice=false",
                {"stateToken": state_token, **extra})


def session_from(org, session_token, redirect_url=None):
    """sessionCookieRedirect -> (status, Location, sid cookie or None)."""
    query = urlencode({"checkAccountSetupComplete": "true", "token": session_token,
                       "redirectUrl": redirect_url or org.app_path})
    status, headers, _ = call(org, "GET", f"/login/sessionCookieRedirect?{query}")
    sid = None
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        if name == "sid":
            sid = rest.split(";")[0]
            assert "HttpOnly" in value and "Path=/" in value
    return status, headers.get("Location"), sid


def saml_from_app_page(org, sid):
    status, _, page = call(org, "GET", org.app_path, cookies={"sid": sid})
    assert status == 200
    doc = etree.HTML(page)
    (form,) = doc.xpath("//form")
    assert form.get("action") == "https://signin.aws.amazon.com/saml" and form.get("method").lower() == "post"
    fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
    assert fields["RelayState"] == ""
    return fields["SAMLResponse"]


# ---------------------------------------------------------------------------------------------- pages


def test_app_page_without_session_redirects_to_login_with_from_uri(org):
    status, headers, _ = call(org, "GET", org.app_path)
    assert status == 302
    location = urlsplit(headers["Location"])
    assert location.path == "/login/login.htm"
    assert parse_qs(location.query)["fromURI"] == [org.app_path]
    assert org.app_url == org.base_url + org.app_path


def test_login_page_loads_the_widget_from_this_origin(org):
    status, _, page = call(org, "GET", "/login/login.htm?fromURI=" + org.app_path)
    assert status == 200
    text = page.decode()
    assert f'"baseUrl": "{org.base_url}"' in text and '"useClassicEngine": true' in text
    assert "okta-login-container" in text and "setCookieAndRedirect" in text
    for src in etree.HTML(page).xpath("//script/@src | //link[@rel='stylesheet']/@href"):
        status, headers, body = call(org, "GET", src)
        assert status == 200 and len(body) > 10_000, src
        assert headers["Content-Type"].split(";")[0] in ("application/javascript", "text/css")


def test_static_files_stay_inside_the_widget_folder(org):
    assert call(org, "GET", "/assets/widget/../../package.json")[0] == 404
    assert call(org, "GET", "/assets/widget/js/nope.js")[0] == 404
    status, headers, _ = call(org, "GET", "/assets/widget/font/okticon.woff")
    assert status == 200 and headers["Content-Type"] == "font/woff"


def test_anonymous_sessions_me_is_404_like_okta(org):
    status, _, body = call(org, "GET", "/api/v1/sessions/me")
    assert status == 404 and body["errorCode"] == "E0000007"


# ---------------------------------------------------------------------------------------------- authn


def test_wrong_password_is_401_authentication_failed(org):
    status, _, body = authn(org, password="wrong")
    assert status == 401
    assert body["errorCode"] == "E0000004" and body["errorSummary"] == "Authentication failed"
    assert body["errorCauses"] == [] and body["errorId"]
    assert org.events == ["authn:bad-password"]


def test_locked_out(org):
    org.scenario.locked_out = True
    status, _, body = authn(org)
    assert status == 200 and body["status"] == "LOCKED_OUT"
    assert org.events == ["authn:locked-out"]


def test_no_mfa_then_session_cookie_then_signed_saml(org):
    org.scenario.factors = "none"
    status, _, body = authn(org)
    assert status == 200 and body["status"] == "SUCCESS" and body["sessionToken"]
    status, location, sid = session_from(org, body["sessionToken"])
    assert status == 302 and location == org.app_path and sid
    b64 = saml_from_app_page(org, sid)
    assert org.saml_responses == [b64]
    assertion = saml_idp.verify_saml_response(b64, org.idp_cert_pem)
    assert assertion.findtext(".//{*}NameID") == org.scenario.username
    assert org.events == ["authn:ok", "session:created", "saml:issued"]
    # the sessionToken is single-use
    status, _, sid2 = session_from(org, body["sessionToken"])
    assert status == 302 and sid2 is None and org.events[-1] == "session:bad-token"


def test_session_cookie_redirect_only_to_this_origin(org):
    org.scenario.factors = "none"
    body = authn(org)[2]
    assert session_from(org, body["sessionToken"], "https://evil.example.com/")[0] == 403
    status, location, sid = session_from(org, body["sessionToken"], org.app_url)
    assert status == 302 and location == org.app_url and sid


@pytest.mark.parametrize("factors, expected", [
    ("totp", [("token:software:totp", "GOOGLE", GOOGLE_TOTP_ID)]),
    ("okta_totp", [("token:software:totp", "OKTA", OKTA_TOTP_ID)]),
    ("push", [("push", "OKTA", PUSH_ID)]),
    ("push+totp", [("push", "OKTA", PUSH_ID), ("token:software:totp", "OKTA", OKTA_TOTP_ID)]),
])
def test_mfa_required_lists_the_enrolled_factors(org, factors, expected):
    org.scenario.factors = factors
    status, _, body = authn(org)
    assert status == 200 and body["status"] == "MFA_REQUIRED" and body["stateToken"]
    got = [(f["factorType"], f["provider"], f["id"]) for f in body["_embedded"]["factors"]]
    assert got == expected
    for f in body["_embedded"]["factors"]:
        assert f["_links"]["verify"]["href"] == f"{org.base_url}/api/v1/authn/factors/{f['id']}/verify"


@pytest.mark.parametrize("factors, factor_id", [("totp", GOOGLE_TOTP_ID), ("okta_totp", OKTA_TOTP_ID),
                                                ("push+totp", OKTA_TOTP_ID)])
def test_totp_wrong_then_right_code(org, factors, factor_id):
    org.scenario.factors = factors
    token = authn(org)[2]["stateToken"]
    status, _, body = verify(org, factor_id, token, passCode="000000" if totp_now(org.scenario.totp_secret)
                             != "000000" else "111111")
    assert status == 403
    assert body["errorCode"] == "E0000068" and body["errorSummary"] == "Invalid Passcode/Answer"
    assert body["errorCauses"] == [{"errorSummary": "Your passcode doesn't match our records. Please try again."}]
    status, _, body = verify(org, factor_id, token, passCode=totp_now(org.scenario.totp_secret))
    assert status == 200 and body["status"] == "SUCCESS" and body["sessionToken"]
    assert org.events == ["authn:ok", "authn:mfa-required", "verify:totp:bad", "verify:totp:ok"]
    assert verify(org, factor_id, token, passCode="123456")[0] == 403  # the transaction is over


def test_unknown_state_token_is_rejected(org):
    status, _, body = verify(org, GOOGLE_TOTP_ID, "00nope", passCode="123456")
    assert status == 403 and body["errorCode"] == "E0000011"


@pytest.mark.parametrize("result, waits, final", [("approve", 2, "SUCCESS"), ("reject", 1, "REJECTED"),
                                                  ("timeout", 0, "TIMEOUT")])
def test_push_waits_then_ends(org, result, waits, final):
    org.scenario.factors, org.scenario.push_result, org.scenario.push_waits = "push", result, waits
    token = authn(org)[2]["stateToken"]
    status, _, body = verify(org, PUSH_ID, token)
    assert status == 200 and body["status"] == "MFA_CHALLENGE" and body["factorResult"] == "WAITING"
    poll = body["_links"]["next"]
    assert poll["name"] == "poll" and poll["href"] == f"{org.base_url}/api/v1/authn/factors/{PUSH_ID}/verify"
    assert "correctAnswer" not in json.dumps(body)
    for _ in range(waits):
        body = call(org, "POST", urlsplit(poll["href"]).path, {"stateToken": token})[2]
        assert body["factorResult"] == "WAITING"
    body = call(org, "POST", urlsplit(poll["href"]).path, {"stateToken": token})[2]
    assert body["status"] == final or body.get("factorResult") == final
    expected = {"approve": "push:approved", "reject": "push:rejected", "timeout": "push:timeout"}[result]
    assert org.events == ["authn:ok", "authn:mfa-required", "push:sent"] + ["push:waiting"] * waits + [expected]
    if result != "approve":  # "Send Push" again starts a new push
        assert verify(org, PUSH_ID, token)[2]["factorResult"] == "WAITING"
        assert org.events[-1] == "push:sent"


def test_push_number_challenge(org):
    org.scenario.factors, org.scenario.number_challenge = "push", 42
    token = authn(org)[2]["stateToken"]
    body = verify(org, PUSH_ID, token)[2]
    assert body["_embedded"]["factor"]["_embedded"]["challenge"]["correctAnswer"] == 42


def test_previous_and_cancel(org):
    org.scenario.factors = "push+totp"
    token = authn(org)[2]["stateToken"]
    verify(org, PUSH_ID, token)
    status, _, body = call(org, "POST", "/api/v1/authn/previous", {"stateToken": token})
    assert status == 200 and body["status"] == "MFA_REQUIRED"
    assert call(org, "POST", "/api/v1/authn/cancel", {"stateToken": token})[0] == 200
    assert verify(org, PUSH_ID, token)[0] == 403


def test_events_hold_no_secrets_and_reset_clears_them(org):
    authn(org, password="hunter2-wrong")
    token = authn(org)[2]["stateToken"]
    code = totp_now(org.scenario.totp_secret)
    verify(org, GOOGLE_TOTP_ID, token, passCode=code)
    joined = " ".join(org.events)
    for secret in (org.scenario.password, "hunter2-wrong", code, token):
        assert secret not in joined
    org.reset()
    assert org.events == [] and org.saml_responses == []


# ---------------------------------------------------------------------------------------------- SAML


def _role_values(assertion):
    return [v.text for v in assertion.findall(f".//{{*}}Attribute[@Name='{ROLE_ATTR}']/{{*}}AttributeValue")]


@pytest.mark.parametrize("prefix", ["saml2", "saml", ""])
@pytest.mark.parametrize("provider_first", [False, True])
def test_saml_prefix_and_role_order(prefix, provider_first):
    roles = [("arn:aws:iam::123456789012:role/Developer", "arn:aws:iam::123456789012:saml-provider/Okta"),
             ("arn:aws-us-gov:iam::210987654321:role/Admin", "arn:aws-us-gov:iam::210987654321:saml-provider/Okta")]
    scenario = Scenario(roles=roles, ns_prefix=prefix, provider_first=provider_first)
    b64 = saml_idp.build_saml_response(scenario, "bob@example.com")
    xml = base64.b64decode(b64)
    root = etree.fromstring(xml)
    assert root.prefix == ((prefix + "p") if prefix else None)
    assert root.get("Destination") == "https://signin.aws.amazon.com/saml"
    if prefix:
        assert f"<{prefix}:Assertion ".encode() in xml and f"<{prefix}:AttributeValue ".encode() in xml
    else:
        assert b"<Assertion " in xml and b"<AttributeValue " in xml
    assertion = saml_idp.verify_saml_response(b64, saml_idp.idp_cert_pem())
    assert assertion.prefix == (prefix or None)
    expected = [f"{p},{r}" if provider_first else f"{r},{p}" for r, p in roles]
    assert _role_values(assertion) == expected
    assert assertion.findtext(".//{*}Audience") == "urn:amazon:webservices"
    assert assertion.findtext(".//{*}Issuer").startswith("http://www.okta.com/exk")
    # the Signature sits right after the Assertion's Issuer, as the SAML schema wants
    assert etree.QName(root.find("{*}Assertion")[1]).localname == "Signature"


def test_saml_optional_attributes():
    def attrs(scenario):
        a = saml_idp.verify_saml_response(saml_idp.build_saml_response(scenario, "carol@example.com"),
                                          saml_idp.idp_cert_pem())
        return {x.get("Name").rsplit("/", 1)[1]: [v.text for v in x] for x in a.iter("{*}Attribute")}

    assert attrs(Scenario()) == {"Role": ["arn:aws:iam::123456789012:role/Developer,"
                                          "arn:aws:iam::123456789012:saml-provider/Okta"],
                                 "RoleSessionName": ["carol@example.com"]}
    got = attrs(Scenario(session_duration=43200, role_session_name="carol", include_role_attribute=False))
    assert got == {"RoleSessionName": ["carol"], "SessionDuration": ["43200"]}


def test_saml_signature_detects_tampering():
    b64 = saml_idp.build_saml_response(Scenario(), "alice@example.com")
    xml = base64.b64decode(b64).replace(b"role/Developer", b"role/Administrator")
    with pytest.raises(InvalidSignature):
        saml_idp.verify_saml_response(base64.b64encode(xml).decode(), saml_idp.idp_cert_pem())
    other_key = _other_cert()
    with pytest.raises(SignXMLException):
        saml_idp.verify_saml_response(b64, other_key)


def _other_cert() -> bytes:
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "someone else")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)
