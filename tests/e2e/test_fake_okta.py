"""Checks of the fake Okta org itself, mostly over plain HTTP (the browser tests rely on these behaviours); the
step-up pages through a real Chromium and the real widget, recognised by aws-sts's own page selectors."""

from __future__ import annotations

import base64
import http.client
import http.cookiejar
import json
import re
import shutil
import urllib.error
import urllib.request
from urllib.parse import parse_qs, quote, urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml.exceptions import InvalidSignature, SignXMLException

from tests.fakes import saml_idp
from tests.fakes.okta_org import (
    GOOGLE_TOTP_ID,
    OKTA_TOTP_ID,
    PRIMARY_SIGN_IN_EVENTS,
    PUSH_ID,
    Scenario,
    totp_now,
)
from tests.helpers import examples

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


# ---------------------------------------------------------------------------------------------- sessions
# The plain HTTP side of a stored session, as aws-sts does it: urllib with a cookie jar.


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx comes back as it is


class Client:
    """urllib with a cookie jar (http.cookiejar); redirects not followed, so each hop can be checked."""

    def __init__(self, org):
        self.org = org
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def open(self, method, path, body=None):
        """(status, headers, parsed JSON or raw bytes)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.org.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data else {})
        try:
            resp = self.opener.open(request, timeout=10)
        except urllib.error.HTTPError as err:
            resp = err
        with resp:
            raw = resp.read()
            status, headers = resp.status if hasattr(resp, "status") else resp.code, resp.headers
        if (headers.get("Content-Type") or "").split(";")[0].endswith("json") and raw:  # JSON or Okta's ION
            return status, headers, json.loads(raw)
        return status, headers, raw

    def sid(self):
        return next((c.value for c in self.jar if c.name == "sid"), None)

    def set_sid(self, sid):
        """The cookie a stored session would bring along."""
        host = urlsplit(self.org.base_url).hostname
        self.jar.set_cookie(http.cookiejar.Cookie(0, "sid", sid, None, False, host, False, False, "/", True,
                                                  False, None, False, None, None, {}))

    def app(self):
        """The app page: ("saml", SAMLResponse) or ("redirect", Location path+query)."""
        status, headers, page = self.open("GET", self.org.app_path)
        if status == 302:
            return "redirect", headers["Location"]
        assert status == 200, status
        (form,) = etree.HTML(page).xpath("//form")
        assert form.get("action") == saml_idp.AWS_SIGNIN_URL
        return "saml", {i.get("name"): i.get("value") for i in form.xpath(".//input")}["SAMLResponse"]


def classic_sign_in(client):
    """Password, TOTP, sessionCookieRedirect over HTTP: the jar then holds the sid cookie."""
    org = client.org
    s = org.scenario
    token = client.open("POST", "/api/v1/authn", {"username": s.username, "password": s.password})[2]["stateToken"]
    body = client.open("POST", f"/api/v1/authn/factors/{GOOGLE_TOTP_ID}/verify",
                       {"stateToken": token, "passCode": totp_now(s.totp_secret)})[2]
    query = urlencode({"token": body["sessionToken"], "redirectUrl": org.app_path})
    status, headers, _ = client.open("GET", f"/login/sessionCookieRedirect?{query}")
    assert status == 302 and client.sid()


def oie_sign_in(client):
    """The Identity Engine sign-in over HTTP: login page, identify (with password), code, token redirect."""
    org = client.org
    s = org.scenario
    page = client.open("GET", org.login_url(org.app_path))[2].decode()
    token = re.search(r'"stateToken": "([^"]+)"', page).group(1)
    status, _, body = client.open("POST", "/idp/idx/identify", {
        "identifier": s.username, "credentials": {"passcode": s.password}, "stateHandle": token})
    assert status == 200 and body["remediation"]["value"][0]["name"] == "challenge-authenticator"
    status, _, body = client.open("POST", "/idp/idx/challenge/answer", {
        "credentials": {"passcode": totp_now(s.totp_secret)}, "stateHandle": token})
    assert status == 200 and body["success"]["name"] == "success-redirect"
    status, _, _ = client.open("GET", urlsplit(body["success"]["href"]).path + "?" +
                               urlsplit(body["success"]["href"]).query)
    assert status == 302 and client.sid()


SIGN_IN = {"classic": classic_sign_in, "oie": oie_sign_in}


def login_redirect(org):
    return org.login_url(org.app_path)


def test_sessions_me_shows_the_live_session(org):
    client = Client(org)
    classic_sign_in(client)
    status, _, body = client.open("GET", "/api/v1/sessions/me")
    assert status == 200 and body["id"] == client.sid() and body["login"] == org.scenario.username


def test_delete_sessions_me_ends_the_session(org):
    client = Client(org)
    classic_sign_in(client)
    sid = client.sid()
    assert client.app()[0] == "saml" and org.live_sessions() == 1
    status, headers, body = client.open("DELETE", "/api/v1/sessions/me")
    assert status == 204 and body == b"" and headers.get("Content-Length") is None
    assert org.events[-1] == "session:deleted" and org.live_sessions() == 0
    assert client.sid() == sid  # the cookie stays in the jar, but it is dead now:
    assert client.app() == ("redirect", login_redirect(org))
    assert org.events[-1] == "app:login-required"
    status, _, body = client.open("DELETE", "/api/v1/sessions/me")
    assert status == 404 and body["errorCode"] == "E0000007"
    assert org.events[-1] == "session:delete-missing"
    assert client.open("GET", "/api/v1/sessions/me")[0] == 404


def test_delete_sessions_me_without_cookie_is_404(org):
    status, _, body = Client(org).open("DELETE", "/api/v1/sessions/me")
    assert status == 404 and body["errorCode"] == "E0000007" and body["errorSummary"].startswith("Not found")
    assert org.events == ["session:delete-missing"]


def test_delete_ends_only_the_callers_session(org):
    one, two = Client(org), Client(org)
    classic_sign_in(one)
    classic_sign_in(two)
    assert org.live_sessions() == 2
    assert one.open("DELETE", "/api/v1/sessions/me")[0] == 204
    assert org.live_sessions() == 1
    assert one.app()[0] == "redirect" and two.app()[0] == "saml"


def test_signout_ends_the_session_expires_the_cookie_and_goes_to_from_uri(org):
    client = Client(org)
    classic_sign_in(client)
    status, headers, _ = client.open("GET", "/login/signout?" + urlencode({"fromURI": org.app_path}))
    assert status == 302 and headers["Location"] == org.app_path
    (cookie,) = [v for v in headers.get_all("Set-Cookie") if v.startswith("sid=")]
    assert "Max-Age=0" in cookie and "1970" in cookie
    assert client.sid() is None  # the jar dropped the expired cookie
    assert org.live_sessions() == 0 and org.events[-1] == "session:signout"
    assert client.app() == ("redirect", login_redirect(org))


def test_signout_without_session_or_from_uri_goes_to_the_login_page(org):
    status, headers, _ = Client(org).open("GET", "/login/signout")
    assert status == 302 and headers["Location"] == "/login/login.htm"
    assert org.events == ["session:signout-missing"]


TRICKY_FROM_URIS = ["//evil.example/x", "/\\evil.example", "/\t/evil.example", "/\r\nSet-Cookie: a=b",
                    "https://evil.example/", "http://127.0.0.1:1@evil.example/", "javascript:alert(1)",
                    "evil.example", "", "/ok", "/\u00e9t\u00e9", " /x", "/x y"]


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(from_uri=st.one_of(st.sampled_from(TRICKY_FROM_URIS), st.text(max_size=40),
                          st.text(max_size=40).map(lambda t: "/" + t),
                          st.text(alphabet="/\\.:@?#%abc\t", max_size=20).map(lambda t: "/" + t)))
def test_signout_redirects_only_to_this_org(org, from_uri):
    """Property: whatever fromURI says, the browser is sent to fromURI itself (when it names a place on the
    org) or to the login page, and that place resolves to the org's origin."""
    status, headers, _ = call(org, "GET", "/login/signout?" + urlencode({"fromURI": from_uri}))
    location = headers["Location"]
    assert status == 302 and location in (from_uri, "/login/login.htm")
    resolved = urlsplit(urljoin(org.base_url + "/login/signout", location))
    assert f"{resolved.scheme}://{resolved.netloc}" == org.base_url
    assert all("!" <= ch <= "~" for ch in location)  # nothing a browser would strip or read as "/"
    assert "\\" not in location


def test_signout_accepts_an_absolute_url_of_this_org(org):
    target = org.app_url
    status, headers, _ = call(org, "GET", "/login/signout?" + urlencode({"fromURI": target}))
    assert status == 302 and headers["Location"] == target


def test_end_sessions_ends_every_session_and_reset_forgets_them(org):
    clients = [Client(org), Client(org)]
    for client in clients:
        classic_sign_in(client)
    assert org.live_sessions() == 2
    org.end_sessions()
    assert org.live_sessions() == 0 and org.events[-1] == "session:ended-by-test"
    for client in clients:
        assert client.sid() and client.app() == ("redirect", login_redirect(org))
    classic_sign_in(clients[0])
    assert org.live_sessions() == 1
    org.reset()
    assert org.live_sessions() == 0 and clients[0].app()[0] == "redirect"


def test_requests_lists_every_request_without_its_query(org):
    status, _, page = call(org, "GET", "/login/login.htm?fromURI=" + quote(org.app_path, safe=""))
    assets = etree.HTML(page).xpath("//script/@src | //link[@rel='stylesheet']/@href")
    for src in assets:
        call(org, "GET", src)
    call(org, "POST", "/api/v1/authn?x=1", {"username": "nobody", "password": "x"})
    call(org, "DELETE", "/api/v1/sessions/me")
    call(org, "GET", "/no/such/page?a=b#c")
    assert org.requests == ([("GET", "/login/login.htm")] + [("GET", src) for src in assets] +
                            [("POST", "/api/v1/authn"), ("DELETE", "/api/v1/sessions/me"),
                             ("GET", "/no/such/page")])
    assert len(assets) == 2
    org.reset()
    assert org.requests == []


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"]),
       path=st.text(alphabet="abcAZ09-._~/%!$&'()*+,;=:@", max_size=30).map(lambda p: "/" + p),
       query=st.one_of(st.none(), st.text(alphabet="abc=&%20/?", max_size=20)))
def test_requests_records_method_and_path_of_anything(org, method, path, query):
    """Property: whatever arrives (any method, any path, any query, an answer 200, 404 or 500), org.requests
    gets (method, path without the query) of it, last."""
    raw = path + ("?" + query if query is not None else "")
    before = len(org.requests)
    call(org, method, raw)
    assert org.requests[before:] == [(method, path)]


def test_primary_sign_ins_name_the_sign_in_calls(org):
    assert org.primary_sign_ins() == []
    authn(org, password="wrong")
    classic_sign_in(Client(org))
    assert org.primary_sign_ins() == ["authn:bad-password", "authn:ok"]
    org.reset()
    org.scenario.engine = "oie"
    oie_sign_in(Client(org))
    assert org.primary_sign_ins() == ["idx:identify", "idx:password:ok"]
    assert set(org.primary_sign_ins()) <= set(PRIMARY_SIGN_IN_EVENTS)


# ---------------------------------------------------------------------------------------------- step-up


@pytest.mark.parametrize("engine", ["classic", "oie"])
def test_step_up_sends_an_unverified_session_to_the_code_page_over_http(org, engine):
    org.scenario.engine = engine
    client = Client(org)
    SIGN_IN[engine](client)  # signed in before the policy asks for a step-up
    assert client.app()[0] == "saml"
    org.scenario.step_up = True
    before = len(org.events)
    kind, location = client.app()
    assert (kind, location) == ("redirect", "/login/step-up?" + urlencode({"fromURI": org.app_path}))
    assert org.events[before:] == ["app:step-up"]
    status, _, page = client.open("GET", location)
    assert status == 200 and b'"stateToken": "' in page
    token = re.search(rb'"stateToken": "([^"]+)"', page).group(1).decode()
    if engine == "classic":
        assert b"okta-sign-in.classic.min.js" in page
        status, _, body = client.open("POST", "/api/v1/authn/introspect", {"stateToken": token})
        assert status == 200 and body["status"] == "MFA_REQUIRED"
        assert body["_embedded"]["user"]["profile"]["login"] == org.scenario.username
    else:
        assert b"okta-sign-in.oie.min.js" in page and org.events[-1] == "idx:step-up"
        status, _, body = client.open("POST", "/idp/idx/introspect", {"stateToken": token})
        assert org.events[-2:] == ["idx:introspect", "idx:challenge:google_otp:otp"]
        names = [r["name"] for r in body["remediation"]["value"]]
        assert status == 200 and names == ["challenge-authenticator"]
        assert body["currentAuthenticatorEnrollment"]["value"]["key"] == "google_otp"
        assert body["user"]["value"]["identifier"] == org.scenario.username
    assert not [e for e in org.events[before:] if e in PRIMARY_SIGN_IN_EVENTS]  # the step-up is no sign-in
    assert len(org.primary_sign_ins()) == (1 if engine == "classic" else 2)  # the first sign-in only


@pytest.mark.parametrize("engine", ["classic", "oie"])
def test_step_up_on_without_a_session_is_a_normal_sign_in_that_counts_as_verified(org, engine):
    org.scenario.engine, org.scenario.step_up = engine, True
    client = Client(org)
    assert client.app() == ("redirect", login_redirect(org))
    SIGN_IN[engine](client)
    kind, b64 = client.app()
    assert kind == "saml" and "app:step-up" not in org.events
    assert saml_idp.verify_saml_response(b64, org.idp_cert_pem).findtext(".//{*}NameID") == org.scenario.username


def test_step_up_page_without_a_session_goes_to_sign_in(org):
    org.scenario.step_up = True
    status, headers, _ = call(org, "GET", "/login/step-up?" + urlencode({"fromURI": org.app_path}))
    assert status == 302 and headers["Location"] == login_redirect(org)
    status, headers, _ = call(org, "GET", "/login/step-up?fromURI=https://evil.example/")
    assert headers["Location"] == login_redirect(org)


# The code pages as aws-sts recognises them: the selectors of its own page handlers, not copies.


def _selector(states, name):
    return next(s.selector for s in states if s.name == name)


def _pages(engine):
    from aws_sts.providers.okta import classic, idx

    if engine == "classic":
        return {"code": _selector(classic.STATES, "classic:totp"),
                "code-error": _selector(classic.STATES, "classic:totp-error"),
                "push": _selector(classic.STATES, "classic:push"),
                "input": "input[name=answer]", "answer": "/api/v1/authn/factors/",
                "sign-in": _selector(classic.STATES, "classic:sign-in")}
    # aws-sts reads an Identity Engine page from Okta's answer, not from selectors: these are the second-generation
    # widget's own (the org's default), with the field names aws-sts types into.
    return {"code": "#okta-sign-in form[data-se=o-form]:has(input[name='credentials.passcode'])",
            "code-error": "#okta-sign-in .o-form-error-container .okta-form-infobox-error",
            "push": "#okta-sign-in .siw-main-view.challenge-poll--okta_verify", "input": idx.PASSCODE,
            "answer": "/idp/idx/challenge/answer", "sign-in": f"#okta-sign-in {idx.IDENTIFIER}"}


def _wrong_code(secret):
    """A code the org refuses: none of those valid now (the org accepts one 30 s step either side)."""
    import time

    import pyotp

    totp, now = pyotp.TOTP(secret), int(time.time())
    valid = {totp.at(now, counter_offset=k) for k in (-2, -1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444", "555555") if c not in valid)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium-headless-shell") or shutil.which("chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable)
        yield browser
        browser.close()


@pytest.fixture
def browser_with_session(chromium, org):
    """open(sid) -> (page, posts): a fresh browser context holding the org's session cookie; POSTs to AWS
    sign-in never leave it, they are answered here and their form fields kept in posts."""
    contexts = []

    def open_(sid):
        context = chromium.new_context()
        contexts.append(context)
        context.add_cookies([{"name": "sid", "value": sid, "url": org.base_url}])
        page = context.new_page()
        posts = []

        def aws(route):
            posts.append({k: v[0] for k, v in parse_qs(route.request.post_data or "").items()})
            route.fulfill(status=200, content_type="text/html", body="<html><body>AWS</body></html>")

        page.route(saml_idp.AWS_SIGNIN_URL, aws)
        return page, posts

    yield open_
    for context in contexts:
        context.close()


def _is_aws_post(response):
    """A response to the POST to AWS sign-in: by then the route handler has kept the form."""
    return response.url == saml_idp.AWS_SIGNIN_URL and response.request.method == "POST"


def _check_stepped_up(org, page, posts, sid):
    """The SAML reached AWS, the same session is now verified, and no sign-in call was made."""
    assert len(posts) == 1 and posts[0]["SAMLResponse"] == org.saml_responses[-1]
    assertion = saml_idp.verify_saml_response(posts[0]["SAMLResponse"], org.idp_cert_pem)
    assert assertion.findtext(".//{*}NameID") == org.scenario.username
    assert org.primary_sign_ins() == [] and ("GET", "/login/login.htm") not in org.requests
    assert "session:verified" in org.events and org.events.count("session:created") == 1  # the test's own
    assert org.live_sessions() == 1
    assert [c["value"] for c in page.context.cookies() if c["name"] == "sid"] == [sid]
    # verified now: the app answers SAML at once
    page.wait_for_url(saml_idp.AWS_SIGNIN_URL)  # the first POST's page has loaded: nothing is navigating
    with page.expect_response(_is_aws_post):
        # not page.goto: it fails when the page it waits for posts itself away at once
        page.evaluate("url => { window.location.assign(url); }", org.app_url)
    assert org.events.count("app:step-up") == 1 and len(posts) == 2


@pytest.mark.parametrize("engine", ["classic", "oie"])
def test_step_up_in_the_real_widget_wrong_code_then_right_code(org, browser_with_session, engine):
    org.scenario.engine = engine
    sid = org.create_session(org.scenario.username)  # made before the policy asked for a step-up
    org.scenario.step_up = True
    pages = _pages(engine)
    page, posts = browser_with_session(sid)
    page.goto(org.app_url)
    form = page.locator(pages["code"]).first
    form.wait_for(state="visible", timeout=15000)
    assert page.locator(pages["sign-in"]).count() == 0
    assert org.events[:2] == ["session:created", "app:step-up"]
    field = form.locator(pages["input"]).first
    field.fill(_wrong_code(org.scenario.totp_secret))
    field.press("Enter")
    page.locator(pages["code-error"]).first.wait_for(state="visible", timeout=10000)
    assert "verify:totp:bad" in org.events and posts == []
    field.fill(totp_now(org.scenario.totp_secret))
    with page.expect_response(_is_aws_post, timeout=15000):
        _submit_until_sent(page, field, pages["answer"])
    assert "verify:totp:ok" in org.events
    _check_stepped_up(org, page, posts, sid)


def _submit_until_sent(page, field, answer_path):
    """Enter in the code field until the widget posts the code: right after an error it ignores a submit
    that comes too soon. Waits on the request itself, so nothing is pressed once the page moves on."""
    return _until_posted(page, lambda: field.press("Enter", timeout=2000), answer_path, wait_ms=400)


def _until_posted(page, act, path, wait_ms=1500):
    """act() (a click, a key) until the widget posts to Okta's `path` (a folder when it ends with "/"); the
    request. The second generation drops a submit made while its view still slides in (seen under load), and
    nothing then comes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    def posted(request):
        where = urlsplit(request.url).path
        return request.method == "POST" and (where.startswith(path) if path.endswith("/") else where == path)

    for _ in range(10):
        try:
            with page.expect_request(posted, timeout=wait_ms) as request:
                act()
            return request.value
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the widget never posted to {path}")


def test_step_up_in_the_real_oie_widget_with_push(org, browser_with_session):
    org.scenario.engine, org.scenario.factors, org.scenario.push_waits = "oie", "push", 0
    org.scenario.oie_poll_ms = 100
    sid = org.create_session(org.scenario.username, verified=False)
    org.scenario.step_up = True
    page, posts = browser_with_session(sid)
    with page.expect_response(_is_aws_post, timeout=15000):
        page.goto(org.app_url)
        page.locator(_pages("oie")["push"]).first.wait_for(state="visible", timeout=15000)
    assert "push:approved" in org.events
    _check_stepped_up(org, page, posts, sid)


def test_oie_step_up_page_fetched_without_a_browser_sends_no_push(org):
    """aws-sts's plain HTTP try reads the step-up page without running it: no push may reach the phone."""
    org.scenario.engine, org.scenario.factors = "oie", "push"
    client = Client(org)
    client.set_sid(org.create_session(org.scenario.username))
    org.scenario.step_up = True
    kind, location = client.app()
    page = client.open("GET", location)[2]
    assert kind == "redirect" and "push:sent" not in org.events
    token = re.search(rb'"stateToken": "([^"]+)"', page).group(1).decode()
    body = client.open("POST", "/idp/idx/introspect", {"stateToken": token})[2]  # what the widget does first
    assert [r["name"] for r in body["remediation"]["value"]] == ["challenge-poll"]
    assert org.events[-3:] == ["idx:introspect", "idx:challenge:okta_verify:push", "push:sent"]


def test_step_up_in_the_real_classic_widget_shows_the_push_page(org, browser_with_session):
    """The push page and the push sent; its approval is left to the HTTP test below (the Classic widget
    waits seconds between polls)."""
    org.scenario.factors = "push"
    sid = org.create_session(org.scenario.username, verified=False)
    org.scenario.step_up = True
    page, posts = browser_with_session(sid)
    with page.expect_response(lambda r: r.request.method == "POST" and PUSH_ID in r.url, timeout=15000):
        page.goto(org.app_url)
        push = page.locator(_pages("classic")["push"]).first
        push.wait_for(state="visible", timeout=15000)
        push.locator("[type=submit]").first.click()  # the Classic widget sends it when asked (autoPush off)
    assert org.events == ["session:created", "app:step-up", "push:sent"] and org.primary_sign_ins() == []


def test_classic_step_up_with_push_approved_verifies_the_same_session(org):
    org.scenario.factors, org.scenario.push_waits = "push", 0
    client = Client(org)
    sid = org.create_session(org.scenario.username)
    client.set_sid(sid)
    org.scenario.step_up = True
    location = client.app()[1]
    token = re.search(rb'"stateToken": "([^"]+)"', client.open("GET", location)[2]).group(1).decode()
    verify_path = f"/api/v1/authn/factors/{PUSH_ID}/verify"
    assert client.open("POST", verify_path, {"stateToken": token})[2]["factorResult"] == "WAITING"
    body = client.open("POST", verify_path, {"stateToken": token})[2]
    assert body["status"] == "SUCCESS"
    query = urlencode({"token": body["sessionToken"], "redirectUrl": org.app_path})
    status, headers, _ = client.open("GET", f"/login/sessionCookieRedirect?{query}")
    assert status == 302 and client.sid() == sid and org.live_sessions() == 1
    assert org.events[-2:] == ["push:approved", "session:verified"]
    assert client.app()[0] == "saml" and org.primary_sign_ins() == []


def test_step_up_session_ended_meanwhile_gives_a_new_verified_session(org):
    """A code verified for a session that ended during the step-up: Okta's answer is a new session."""
    client = Client(org)
    classic_sign_in(client)
    org.scenario.step_up = True
    location = client.app()[1]
    token = re.search(rb'"stateToken": "([^"]+)"', client.open("GET", location)[2]).group(1).decode()
    org.end_sessions()
    body = client.open("POST", f"/api/v1/authn/factors/{GOOGLE_TOTP_ID}/verify",
                       {"stateToken": token, "passCode": totp_now(org.scenario.totp_secret)})[2]
    old = client.sid()
    query = urlencode({"token": body["sessionToken"], "redirectUrl": org.app_path})
    assert client.open("GET", f"/login/sessionCookieRedirect?{query}")[0] == 302
    assert client.sid() != old and org.live_sessions() == 1
    assert client.app()[0] == "saml"


# ---------------------------------------------------------------------------------------------- IDX pages, both widgets
# The Identity Engine pages of okta_idx in the real widget, second (okta-sign-in.oie.min.js) and third generation
# (okta-sign-in.next.js), driven with plain Playwright: the fake must answer what each widget posts.

GENS = ["gen2", "gen3"]
# What each generation shows for a control (gen2: Backbone views, `.siw-main-view`; gen3: React/MUI, no view class).
UI = {
    "gen2": {"code": 'input[name="credentials.passcode"]', "submit": ".o-form-button-bar [type=submit]",
             "message": "[data-se=o-form-error-container]", "stay": "a[data-se=stay-signed-in-btn]",
             "do-not-stay": "a[data-se=do-not-stay-signed-in-btn]",
             "email-code-instead": "button.enter-auth-code-instead-link",
             "voice-instead": "a[data-se=phone-authenticator-challenge__link]"},
    "gen3": {"code": 'input[name="credentials.passcode"]', "submit": "button[data-se=save]",
             "message": "[data-se=infobox-error]", "stay": "button[data-se=stay-signed-in-btn]",
             "do-not-stay": "button[data-se=do-not-stay-signed-in-btn]",
             "email-code-instead": 'button:has-text("Enter a verification code instead")',
             "voice-instead": 'button:has-text("Receive a voice call instead")'},
}
# interstitial -> (what its page says, its skip control in gen2, in gen3)
SKIPPABLE_PAGES = {
    "password-expiry-warning": ("Your password will expire in 4 days", "a[data-se=skip]", "button[data-se=skip]"),
    "passkey-promotion": ("Set up a passkey", "a[data-se=skip-setup]", "button[data-se=skip]"),
    "enroll-optional": ("Set up security methods", "a.skip-all", "button[data-se=save]"),
    "enroll-grace-period": ("Required soon", "a.skip-all", "button[data-se=save]"),
    "device-assurance-grace-period": ("Device assurance reminder", 'input[type=submit][value="Continue to app"]',
                                      'button:has-text("Continue to app")'),
}
UNSKIPPABLE_PAGES = {"password-expired": {"gen2": "password has expired", "gen3": "password has expired"},
                     "enroll-required": {"gen2": "Required now", "gen3": "Required now"},
                     "unlock-account": {"gen2": "Select from the following options", "gen3": "Unlock account"}}
# Console errors the real widget logs by itself: a 4xx answer, and the FastPass probe of ports nothing listens on.
EXPECTED_CONSOLE = ("Failed to load resource", "checking port", "checking url", "not listening on port",
                    "No available ports")


@pytest.fixture(scope="module")
def widget_chromium(chromium):
    """The full Chromium (not the headless shell), from the same Playwright (one per process)."""
    browser = chromium.browser_type.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                           args=["--no-sandbox"])
    yield browser
    browser.close()


class WidgetPage:
    """A page of a fresh browser context on the org's app; AWS sign-in answered here; console errors kept."""

    def __init__(self, browser, org):
        self.org = org
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.page.on("pageerror", lambda e: self.console_errors.append(f"page error: {e}"))
        self.page.route(saml_idp.AWS_SIGNIN_URL, lambda route: route.fulfill(status=200, content_type="text/html",
                                                                            body="<html><body>AWS</body></html>"))

    def open(self):
        self.page.goto(self.org.app_url)
        return self

    def sign_in(self, password=None):
        s = self.org.scenario
        # Filled, clicked, and all of it again if the widget did not post within 5 s: under load the second
        # generation can take a value typed before its view listens (its model stays empty, so the submit only
        # shows "cannot be left blank"), or drop a submit made while the view is still being set up.
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for _ in range(3):
            self.page.locator("input[name=identifier]").fill(s.username, timeout=20000)
            if not s.oie_identifier_first:
                self.page.locator('input[name="credentials.passcode"]').fill(password or s.password)
            try:
                with self.page.expect_request(lambda r: "/idp/idx/identify" in r.url and r.method == "POST",
                                              timeout=5000):
                    self.page.locator("#okta-sign-in form [type=submit]").first.click(timeout=15000)
                return
            except PlaywrightTimeout:
                continue
        raise AssertionError("the widget never posted the sign-in")

    def enter_code(self, gen, code=None):
        field = self.page.locator(f'{UI[gen]["code"]}:not([type=password])')
        field.fill(code or totp_now(self.org.scenario.totp_secret), timeout=15000)
        field.press("Enter")

    def wait_for_aws(self):
        self.page.wait_for_url(saml_idp.AWS_SIGNIN_URL, timeout=15000)

    def text(self) -> str:
        return self.page.locator("#okta-login-container").inner_text()

    def unexpected_console_errors(self) -> list[str]:
        return [e for e in self.console_errors if not any(known in e for known in EXPECTED_CONSOLE)]


@pytest.fixture
def widget(widget_chromium, org):
    """widget(gen, **scenario) -> WidgetPage on the app page of an OIE org with the given widget generation
    (go=False: not opened yet)."""
    pages = []

    def open_(gen, go=True, **scenario):
        org.scenario.engine, org.scenario.widget = "oie", gen
        for name, value in scenario.items():
            assert hasattr(org.scenario, name), name
            setattr(org.scenario, name, value)
        page = WidgetPage(widget_chromium, org)
        pages.append(page)
        return page.open() if go else page

    yield open_
    for page in pages:
        page.context.close()
    for page in pages:  # the fake's JSON makes the real widget render without errors of its own
        assert page.unexpected_console_errors() == [], page.console_errors


def idx_call(org, path, body, cookies=None):
    """POST an IDX call: (status, parsed answer); Okta answers application/ion+json."""
    status, _, raw = call(org, "POST", path, body, cookies=cookies)
    return status, json.loads(raw)


def _signed_in(org):
    assert org.events[-3:] == ["idx:token-redirect", "session:created", "saml:issued"] or \
        org.events[-4:-1] == ["idx:token-redirect", "session:created", "idx:device-remembered"], org.events
    assert not [e for e in org.events if e.startswith("idx:form-submitted")], org.events


@pytest.mark.parametrize("gen", GENS)
def test_oie_login_page_loads_the_bundle_of_the_scenario_widget(org, gen):
    org.scenario.engine, org.scenario.widget = "oie", gen
    page = call(org, "GET", login_redirect(org))[2]
    (src,) = [s for s in etree.HTML(page).xpath("//script/@src")]
    assert src == "/assets/widget/js/" + {"gen2": "okta-sign-in.oie.min.js", "gen3": "okta-sign-in.next.js"}[gen]
    assert call(org, "GET", src)[0] == 200
    client = Client(org)
    client.set_sid(org.create_session(org.scenario.username))
    org.scenario.step_up = True
    step_up = client.open("GET", client.app()[1])[2]
    assert etree.HTML(step_up).xpath("//script/@src") == [src]


@pytest.mark.parametrize("name", list(SKIPPABLE_PAGES))
@pytest.mark.parametrize("gen", GENS)
def test_oie_skippable_interstitial_skipped_in_the_real_widget(org, widget, gen, name):
    says, *skip = SKIPPABLE_PAGES[name]
    page = widget(gen, factors="none", oie_before_mfa=[name])
    page.sign_in()
    page.page.get_by_text(says).first.wait_for(timeout=15000)  # gen3's skip may look like the sign-in button
    control = page.page.locator(skip[GENS.index(gen)])
    (token,) = org.idx.state_tokens()
    posted = _until_posted(page.page, control.click, "/idp/idx/skip")
    assert json.loads(posted.post_data) == {"stateHandle": token}
    page.wait_for_aws()
    assert org.events[org.events.index("idx:password:ok") + 1:] == [
        f"idx:interstitial:{name}", f"idx:skip:{name}", "idx:success", "idx:token-redirect", "session:created",
        "saml:issued"]


@pytest.mark.parametrize("gen", GENS)
def test_oie_interstitials_before_and_after_the_second_factor_then_kmsi(org, widget, gen):
    before, after = ["password-expiry-warning", "enroll-optional"], ["passkey-promotion",
                                                                     "device-assurance-grace-period"]
    page = widget(gen, factors="totp", oie_before_mfa=before, oie_after_mfa=after, oie_kmsi_prompt=True)
    page.sign_in()
    for name in before + ["code"] + after:
        if name == "code":
            page.enter_code(gen)
            continue
        says, *skip = SKIPPABLE_PAGES[name]
        page.page.get_by_text(says).first.wait_for(timeout=15000)
        page.page.locator(skip[GENS.index(gen)]).click()
    page.page.locator(UI[gen]["do-not-stay"]).click(timeout=15000)
    page.wait_for_aws()
    shown = [e for e in org.events if e.startswith(("idx:interstitial", "idx:skip", "idx:challenge", "verify:",
                                                    "idx:keep-me"))]
    assert shown == ["idx:interstitial:password-expiry-warning", "idx:skip:password-expiry-warning",
                     "idx:interstitial:enroll-optional", "idx:skip:enroll-optional", "idx:challenge:google_otp:otp",
                     "verify:totp:ok", "idx:interstitial:passkey-promotion", "idx:skip:passkey-promotion",
                     "idx:interstitial:device-assurance-grace-period",
                     "idx:skip:device-assurance-grace-period", "idx:keep-me-signed-in:false"]
    _signed_in(org)


@pytest.mark.parametrize("name", list(UNSKIPPABLE_PAGES))
@pytest.mark.parametrize("gen", GENS)
def test_oie_unskippable_interstitial_has_no_skip_and_okta_refuses_one(org, widget, gen, name):
    page = widget(gen, factors="none", oie_after_mfa=[name])
    page.sign_in()
    page.page.get_by_text(UNSKIPPABLE_PAGES[name][gen]).first.wait_for(timeout=15000)
    assert page.page.locator("[data-se=skip], [data-se=skip-setup], .skip-all").count() == 0
    token = org.idx.state_tokens()[0]
    status, body = idx_call(org, "/idp/idx/skip", {"stateHandle": token})
    assert status == 400 and body["messages"]["value"][0]["message"] == "This page cannot be skipped."
    assert [r["name"] for r in body["remediation"]["value"]] == [{
        "password-expired": "reenroll-authenticator", "enroll-required": "select-authenticator-enroll",
        "unlock-account": "select-authenticator-unlock-account"}[name]]
    assert org.events[-2:] == [f"idx:interstitial:{name}", f"idx:skip-refused:{name}"]
    assert "session:created" not in org.events and org.live_sessions() == 0


@pytest.mark.parametrize("gen", GENS)
def test_oie_interstitial_form_posted_is_recorded_and_goes_nowhere(org, widget, gen):
    """Changing the password on the expiry warning (instead of "Remind me later") is what aws-sts must never do."""
    page = widget(gen, factors="none", oie_before_mfa=["password-expiry-warning"])
    page.sign_in()
    new = "Another-Passw0rd-x"
    page.page.locator("input[name=confirmPassword]").fill(new, timeout=15000)  # the change-password form is up
    field = page.page.locator('input[name="credentials.passcode"]')
    field.fill(new)
    with page.page.expect_response(lambda r: r.url.endswith("/idp/idx/challenge/answer")) as answered:
        # gen2 drops a submit made while its view still slides in (seen under load): until it posts
        _submit_until_sent(page.page, field, "/idp/idx/challenge/answer")
    assert answered.value.status == 400
    if gen == "gen2":  # gen3 shows no message on this page when the org has a brand name (its own choice)
        page.page.locator(UI[gen]["message"]).get_by_text("only its skip").wait_for(timeout=10000)
    assert org.events[-1] == "idx:form-submitted:password-expiry-warning" and org.live_sessions() == 0
    assert "Your password will expire in 4 days" in page.text()  # still there: nothing moved on


@pytest.mark.parametrize("gen", GENS)
def test_oie_enrollment_choice_is_a_form_submitted(org, widget, gen):
    page = widget(gen, factors="none", oie_before_mfa=["enroll-optional"])
    page.sign_in()
    choice = "a[data-se=button][aria-label^='Set up Phone']" if gen == "gen2" else \
        "button[data-se=authenticator-button][aria-label^='Set up Phone']"
    with page.page.expect_response(lambda r: r.url.endswith("/idp/idx/credential/enroll")) as answered:
        page.page.locator(choice).click(timeout=15000)
    assert answered.value.status == 400
    assert json.loads(answered.value.request.post_data)["authenticator"]["id"] == "autfakephone00000001"
    assert org.events[-1] == "idx:form-submitted:enroll-optional"


TERMINAL_TEXT = {"not-assigned": "User is not assigned to this application.",
                 "access-denied": "You do not have permission to perform the requested action",
                 "session-expired": "You have been logged out due to inactivity.",
                 "rate-limited": "Too many attempts. Try again later."}  # the widgets' own words (tooManyRequests)


@pytest.mark.parametrize("name", list(TERMINAL_TEXT))
@pytest.mark.parametrize("gen", GENS)
def test_oie_terminal_answer_shows_oktas_message(org, widget, gen, name):
    page = widget(gen, factors="none", oie_terminal=name)
    with page.page.expect_response(lambda r: r.url.endswith("/idp/idx/identify")) as answered:
        page.sign_in()
    assert answered.value.status == {"not-assigned": 400, "access-denied": 403, "session-expired": 401,
                                     "rate-limited": 429}[name]
    page.page.locator(UI[gen]["message"]).get_by_text(TERMINAL_TEXT[name]).wait_for(timeout=20000)
    # The widget may look at the transaction again after drawing the message: the terminal answer came right
    # after the password, whatever follows it.
    events = org.events
    assert events[events.index(f"idx:terminal:{name}") - 1] == "idx:password:ok", events
    assert org.live_sessions() == 0 and org.saml_responses == []


@pytest.mark.parametrize("after", ["identify", "password", "mfa"])
@pytest.mark.parametrize("name", list(TERMINAL_TEXT))
def test_oie_terminal_answer_at_each_step_over_http(org, name, after):
    org.scenario.engine, org.scenario.oie_terminal, org.scenario.oie_terminal_after = "oie", name, after
    org.scenario.oie_identifier_first = True
    client = Client(org)
    page = client.open("GET", login_redirect(org))[2]
    token = re.search(rb'"stateToken": "([^"]+)"', page).group(1).decode()
    steps = [("/idp/idx/identify", {"identifier": org.scenario.username}),
             ("/idp/idx/challenge/answer", {"credentials": {"passcode": org.scenario.password}}),
             ("/idp/idx/challenge/answer", {"credentials": {"passcode": totp_now(org.scenario.totp_secret)}})]
    for path, body in steps[:["identify", "password", "mfa"].index(after) + 1]:
        status, _, answer = client.open("POST", path, {**body, "stateHandle": token})
    status_of, message = {"not-assigned": (400, "idx.error.user.not.assigned.to.app"),
                          "access-denied": (403, "security.access_denied"),
                          "session-expired": (401, "idx.session.expired"),
                          "rate-limited": (429, "tooManyRequests")}[name]
    assert status == status_of and [m["i18n"]["key"] for m in answer["messages"]["value"]] == [message]
    assert org.events[-1] == f"idx:terminal:{name}"
    if name == "not-assigned":  # the sign-in page again
        assert [r["name"] for r in answer["remediation"]["value"]] == ["identify"]
    else:  # the transaction is over: every later call gets the same answer
        assert "remediation" not in answer
        again = client.open("POST", "/idp/idx/introspect", {"stateToken": token})
        assert again[0] == status_of and again[2]["messages"] == answer["messages"]
    assert client.open("GET", f"/login/token/redirect?stateToken={token}")[0] == 302
    assert org.live_sessions() == 0 and client.sid() is None


@pytest.mark.parametrize("gen", GENS)
def test_oie_fastpass_probe_of_the_loopback_ends_on_identify(org, widget, gen):
    """Okta FastPass looks for Okta Verify on the loopback; nothing answers; the widget says so and Okta answers the
    identify page. It takes a fraction of a second (no timeout to wait for): measured, and printed with -s."""
    import time

    page = widget(gen, go=False, factors="none", oie_device_probe=True)
    probes, marks = [], {}
    page.page.on("request", lambda r: urlsplit(r.url).path == "/probe" and probes.append(urlsplit(r.url).port))
    page.page.on("response", lambda r: r.url.endswith("/idp/idx/introspect") and
                 marks.setdefault("probe page", time.monotonic()))
    with page.page.expect_request(lambda r: r.url.endswith("/idp/idx/authenticators/poll/cancel")) as cancelled:
        page.open()
    page.page.locator("input[name=identifier]").wait_for(state="visible", timeout=15000)
    took = time.monotonic() - marks["probe page"]
    print(f"\n{gen}: FastPass probe page to identify page in {took * 1000:.0f} ms")  # measured, not asserted
    assert org.events[-3:] == ["idx:introspect", "idx:device-probe", "idx:device-probe:cancelled"]
    (token,) = org.idx.state_tokens()
    assert json.loads(cancelled.value.post_data) == {"reason": "OV_UNREACHABLE_BY_LOOPBACK", "statusCode": None,
                                                     "stateHandle": token}
    status, now = idx_call(org, "/idp/idx/introspect", {"stateToken": token})  # identify now: no more probing
    assert status == 200 and "authenticatorChallenge" not in now
    assert len(set(probes)) == 4 and all(probes)  # every port offered was tried
    page.sign_in()
    page.wait_for_aws()
    _signed_in(org)


@pytest.mark.parametrize("gen", GENS)
def test_oie_email_enter_a_verification_code_instead(org, widget, gen):
    page = widget(gen, oie_authenticators=["okta_email"])
    page.sign_in()
    instead = page.page.locator(UI[gen]["email-code-instead"])
    instead.wait_for(timeout=15000)
    assert "Verify with your email" in page.text() and "a***e@example.com" in page.text()
    assert org.events[-1] == "idx:challenge:okta_email:email"  # the email went out with the page
    instead.click()
    page.enter_code(gen, _wrong_code(org.scenario.totp_secret))
    page.page.get_by_text("Invalid code").first.wait_for(timeout=10000)
    field = page.page.locator(UI[gen]["code"])
    field.fill(totp_now(org.scenario.totp_secret))
    _submit_until_sent(page.page, field, "/idp/idx/challenge/answer")  # a submit right after an error is dropped
    page.wait_for_aws()
    assert org.events.count("verify:totp:bad") == 1 and "verify:totp:ok" in org.events
    _signed_in(org)


@pytest.mark.parametrize("factors, choose, method", [
    (["phone_sms"], "submit", "sms"),
    (["phone_voice"], "submit", "voice"),
    (["phone_sms", "phone_voice"], "submit", "sms"),
    (["phone_sms", "phone_voice"], "voice-instead", "voice"),
])
@pytest.mark.parametrize("gen", GENS)
def test_oie_phone_sms_or_voice_then_code(org, widget, gen, factors, choose, method):
    page = widget(gen, oie_authenticators=factors)
    page.sign_in()
    page.page.get_by_text("Verify with your phone").wait_for(timeout=15000)
    control = page.page.locator(UI[gen][choose])
    assert "+1 XXX-XXX-5309" in page.text()
    assert page.page.locator(UI[gen]["voice-instead"]).count() == (1 if len(factors) == 2 else 0)
    assert not [e for e in org.events if e.startswith("idx:challenge")]  # nothing sent before the user asks
    posted = _until_posted(page.page, control.click, "/idp/idx/challenge")
    assert json.loads(posted.post_data)["authenticator"] == {
        "id": "autfakephone00000001", "methodType": method, "enrollmentId": "mblfakephone00000001"}
    page.enter_code(gen)
    page.wait_for_aws()
    assert [e for e in org.events if e.startswith(("idx:challenge", "verify:"))] == [
        f"idx:challenge:phone_number:{method}", "verify:totp:ok"]
    _signed_in(org)


@pytest.mark.parametrize("accept", [True, False])
@pytest.mark.parametrize("gen", GENS)
def test_oie_stay_signed_in_remembers_the_device(org, widget, gen, accept):
    """Accepted, the browser gets Okta's long-lived DT cookie; declined, nothing is remembered. (That a later
    sign-in with it skips the second factor is proven over HTTP below, and through aws-sts in test_idx.py.)"""
    page = widget(gen, oie_kmsi_prompt=True)
    page.sign_in()
    page.enter_code(gen)
    button = page.page.locator(UI[gen]["stay" if accept else "do-not-stay"])
    button.wait_for(timeout=15000)
    posted = _until_posted(page.page, button.click, "/idp/idx/keep-me-signed-in")
    assert json.loads(posted.post_data)["keepMeSignedIn"] is accept
    page.wait_for_aws()
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert ("DT" in cookies) is accept
    if accept:
        assert cookies["DT"]["httpOnly"] and cookies["DT"]["expires"] > 0
        assert org.events.count("idx:device-remembered") == 1
    assert org.events.count(f"idx:keep-me-signed-in:{str(accept).lower()}") == 1


def test_oie_remembered_device_skips_only_the_second_factor(org):
    """The DT cookie skips the second factor only: the password is still checked; a device the org does not know
    (forgotten, or never remembered) skips nothing."""
    org.scenario.engine, org.scenario.oie_kmsi_prompt = "oie", True
    client = Client(org)
    token = re.search(rb'"stateToken": "([^"]+)"', client.open("GET", login_redirect(org))[2]).group(1).decode()
    s = org.scenario
    client.open("POST", "/idp/idx/identify", {"identifier": s.username, "credentials": {"passcode": s.password},
                                              "stateHandle": token})
    client.open("POST", "/idp/idx/challenge/answer", {"credentials": {"passcode": totp_now(s.totp_secret)},
                                                      "stateHandle": token})
    body = client.open("POST", "/idp/idx/keep-me-signed-in", {"keepMeSignedIn": True, "stateHandle": token})[2]
    href = urlsplit(body["success"]["href"])
    client.open("GET", f"{href.path}?{href.query}")
    device = next(c.value for c in client.jar if c.name == "DT")
    page = client.open("GET", login_redirect(org))[2]
    token = re.search(rb'"stateToken": "([^"]+)"', page).group(1).decode()
    wrong = client.open("POST", "/idp/idx/identify", {"identifier": s.username, "stateHandle": token,
                                                      "credentials": {"passcode": "wrong"}})
    assert wrong[0] == 401
    body = client.open("POST", "/idp/idx/identify", {"identifier": s.username, "stateHandle": token,
                                                     "credentials": {"passcode": s.password}})[2]
    assert [r["name"] for r in body["remediation"]["value"]] == ["keep-me-signed-in"]
    org.reset()  # the org forgets the device: the cookie alone is nothing
    other = Client(org)
    page = other.open("GET", login_redirect(org))[2]
    token = re.search(rb'"stateToken": "([^"]+)"', page).group(1).decode()
    status, body = idx_call(org, "/idp/idx/identify", {"identifier": s.username, "stateHandle": token,
                                                       "credentials": {"passcode": s.password}}, cookies={"DT": device})
    assert status == 200 and body["remediation"]["value"][0]["name"] == "challenge-authenticator"


@pytest.mark.parametrize("identifier_first, says", [(False, "Unable to sign in"),
                                                    (True, "Password is incorrect")])
@pytest.mark.parametrize("gen", GENS)
def test_oie_wrong_password_then_right_one(org, widget, gen, identifier_first, says):
    page = widget(gen, factors="none", oie_identifier_first=identifier_first)
    if identifier_first:
        page.sign_in()
        field = page.page.locator('input[name="credentials.passcode"]')
        field.fill("not-the-password", timeout=15000)
        field.press("Enter")
    else:
        page.sign_in(password="not-the-password")
    page.page.locator(UI[gen]["message"]).get_by_text(says).wait_for(timeout=10000)
    assert org.events[-1] == "idx:password:bad"
    field = page.page.locator('input[name="credentials.passcode"]')
    field.fill(org.scenario.password)
    _submit_until_sent(page.page, field, "/idp/idx/")  # a submit right after an error is dropped
    page.wait_for_aws()
    _signed_in(org)


def test_oie_gen3_push_and_the_list_of_methods(org, widget):
    """The third generation on pages the second one already had: the list, then Okta Verify push."""
    page = widget("gen3", oie_authenticators=["google_otp", "okta_verify_push", "okta_verify_totp"], oie_poll_ms=100,
                  push_waits=2, number_challenge=42)
    page.sign_in()
    push = page.page.locator("[data-se=authenticator-button]:has([data-se=okta_verify-push])")
    push.click(timeout=15000)
    page.wait_for_aws()
    assert org.events.count("push:waiting") == 2 and "push:approved" in org.events
    _signed_in(org)


@pytest.mark.parametrize("factors", [["google_otp"], ["phone_sms", "phone_voice"], ["okta_email"]])
def test_oie_gen3_step_up(org, browser_with_session, factors):
    org.scenario.engine, org.scenario.widget, org.scenario.oie_authenticators = "oie", "gen3", factors
    sid = org.create_session(org.scenario.username, verified=False)
    org.scenario.step_up = True
    page, posts = browser_with_session(sid)
    page.goto(org.app_url)
    if factors[0] == "phone_sms":
        page.get_by_text("Verify with your phone").wait_for(timeout=15000)
        page.locator(UI["gen3"]["submit"]).click()
    elif factors[0] == "okta_email":
        page.locator(UI["gen3"]["email-code-instead"]).click(timeout=15000)
    field = page.locator(UI["gen3"]["code"])
    field.fill(totp_now(org.scenario.totp_secret), timeout=15000)
    with page.expect_response(_is_aws_post, timeout=15000):
        field.press("Enter")
    assert org.events[:3] == ["session:created", "app:step-up", "idx:step-up"] and "verify:totp:ok" in org.events
    _check_stepped_up(org, page, posts, sid)
