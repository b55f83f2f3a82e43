"""A strict fake AWS STS endpoint: AssumeRoleWithSAML, AssumeRole, GetCallerIdentity over HTTP.

moto's server answers a single-role assertion but fails on the normal Okta shape (several Role values),
and checks nothing. This one speaks what botocore 1.44 / awscli 1.46 send for STS — the Query protocol:
a form-encoded POST to "/" with Action and Version=2011-06-15, AssumeRoleWithSAML unsigned, the others
SigV4-signed with X-Amz-Security-Token — and answers AWS XML, errors included, so botocore raises
ClientError with the code and message real STS would give.

    with FakeSts(trusted_cert_pem=idp_cert_pem()) as sts:
        env["AWS_ENDPOINT_URL_STS"] = sts.endpoint_url
        ...
        assert sts.calls[-1]["action"] == "AssumeRoleWithSAML"

Error messages are the ones real STS gives where they are known (see MESSAGES); a few checks that have no
known real wording (Destination, Audience) use a plain sentence of our own with the real error code.

Faults: ``sts.faults`` is a queue; each request takes the first entry (then answers normally once it is
empty). An entry is a mode name, or a (mode, argument) tuple:

    "truncated" / ("truncated", n)  200 with the real answer cut in half / to its first n bytes
    "garbage"                       200 with bytes that are not XML
    "html"                          200 with an HTML page (a captive portal, a proxy's error page)
    "empty"                         200 with an empty body
    ("body", b"...")                200 with exactly these bytes
    "500" / "503"                   InternalFailure / ServiceUnavailable, as AWS XML
    "throttle"                      400 Throttling "Rate exceeded"
    "hang" / ("hang", seconds)      no answer: wait hang_seconds (or seconds), then close the connection;
                                    stop() ends every wait at once
    "close"                         200 headers and half the real answer, then the connection is closed
    "linebreak"                     the real answer with a line break (&#10;) in the middle of its SessionToken

    sts.faults.extend(["500", "500"])   # two failures, then the real answer
    sts.calls[i]["fault"]               # the mode applied to that request (absent for normal answers)
    sts.calls[i]["region"]              # the region a signed call's signature names (absent: unsigned)

"truncated" and "close" run the real request first, so the cut answer holds part of real issued keys.

It is also AWS's federation endpoint for the sessions it issued (aws-sts --console reaches it through
AWS_ENDPOINT_URL_SIGNIN = sts.endpoint_url): GET /federation?Action=getSigninToken&Session=<JSON of sessionId,
sessionKey, sessionToken> answers {"SigninToken": ...} when the three are a live session's (else 400, as AWS
does), and GET /federation?Action=login&SigninToken=...&Destination=... redirects to the Destination for a
token it gave. ``sts.signin_tokens`` maps each token given to its session; ``sts.federation_calls`` records
the requests (their Action and, for login, Issuer and Destination).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import socket
import string
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, quote, urlsplit
from xml.sax.saxutils import escape

from tests.fakes.loopback import LoopbackServer

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
VERSION = "2011-06-15"
SAML_NS = "urn:oasis:names:tc:SAML:2.0:assertion"
SAMLP_NS = "urn:oasis:names:tc:SAML:2.0:protocol"
ROLE_ATTR = "https://aws.amazon.com/SAML/Attributes/Role"
SESSION_NAME_ATTR = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
# The AWS sign-in SAML endpoints an assertion may be addressed to (Destination / Recipient).
SIGNIN_URL = re.compile(r"https://([a-z0-9-]+\.)?signin\.aws\.amazon\.com/saml(/acs/[A-Za-z0-9-]+)?/?"
                        r"|https://signin\.amazonaws-us-gov\.com/saml/?|https://signin\.amazonaws\.cn/saml/?")
AUDIENCES = {"urn:amazon:webservices", "urn:amazon:webservices:govcloud", "urn:amazon:webservices:cn"}
ROLE_ARN = re.compile(r"arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):role/(?:[\w+=,.@/-]*/)?([\w+=,.@-]+)")
PROVIDER_ARN = re.compile(r"arn:(aws|aws-us-gov|aws-cn):iam::(\d{12}):saml-provider/([\w+=,.@-]+)")
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
REDEEM_WITHIN = timedelta(minutes=5)  # STS refuses assertions issued longer ago than this
CHAINED_MAX = 3600

# Real STS wording (seen in AWS docs and in users' reports).
MESSAGES = {
    "bad_base64": "Invalid base64 SAMLResponse",
    "signature": "Response signature invalid",
    "confirmation": "Responses must contain SubjectConfirmatonData with a Recipient and NotOnOrAfter",  # sic
    "audience": "Response does not contain the required audience.",
    "expired": "Token must be redeemed within 5 minutes of issuance",
    "no_session_name": "RoleSessionName is required in AuthnResponse",
    "bad_session_name": "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
    "pair": "SAML Assertion doesn't contain the requested Role and Metadata in the attributes",
    "saml_denied": "Not authorized to perform sts:AssumeRoleWithSAML",
    "max_duration": "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    "chained": "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    "invalid_token": "The security token included in the request is invalid.",
    "expired_token": "The security token included in the request is expired",
    "missing_auth": "Request is missing Authentication Token",
    "signature_mismatch": ("The request signature we calculated does not match the signature you provided. "
                           "Check your AWS Secret Access Key and signing method. "
                           "Consult the service documentation for details."),
    "bad_arn": "Request ARN is invalid",
}


class StsFault(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _validation(message: str) -> StsFault:
    return StsFault(400, "ValidationError", message)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_instant(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class FakeSts(LoopbackServer):
    def __init__(self, trusted_cert_pem: bytes | None = None, max_session_duration: dict[str, int] | None = None,
                 default_max_session_duration: int = 3600):
        self.trusted_cert_pem = trusted_cert_pem
        self.max_session_duration: dict[str, int] = dict(max_session_duration or {})
        self.default_max_session_duration = default_max_session_duration
        self.deny_roles: set[str] = set()  # role ARNs whose trust policy refuses the caller -> AccessDenied
        self.clock = _now  # tests may replace it to move time forward
        self.calls: list[dict] = []
        self.sessions: dict[str, dict] = {}  # access key id -> the session it belongs to
        self.signin_tokens: dict[str, dict] = {}  # console sign-in token -> the session it was given for
        self.federation_calls: list[dict] = []
        self.faults: list = []  # see the module docstring: one entry per request, then normal answers
        self.hang_seconds = 30.0  # how long "hang" waits before closing, unless stop() comes first
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.endpoint_url = ""

    # --- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> FakeSts:
        fake = self
        self._stopping.clear()

        class Handler(_Handler):
            sts = fake

        self.endpoint_url = self.serve(Handler, name="fake-sts", poll_interval=0.05)
        return self

    def stop(self) -> None:
        self._stopping.set()  # a "hang" in progress ends now, so shutting down never waits for it
        super().stop()

    # --- request dispatch ------------------------------------------------------------------------------
    def next_fault(self):
        """The fault for this request as (mode, argument), or None; taken from the queue under the lock."""
        with self._lock:
            if not self.faults:
                return None
            fault = self.faults.pop(0)
        return fault if isinstance(fault, tuple) else (fault, None)

    def record_fault(self, method: str, path: str, body: bytes, mode: str, status) -> None:
        """A request answered by a fault that skipped handle(): still counted, as an attempt."""
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        if method == "POST":
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        record = {"action": params.get("Action", ""), "fault": mode, "status": status, "error_code": None,
                  "params": {k: v for k, v in params.items() if k not in ("Action", "Version", "SAMLAssertion")}}
        with self._lock:
            self.calls.append(record)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes,
               fault_mode: str | None = None) -> tuple[int, str]:
        url = urlsplit(path)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        if method == "POST":
            params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = params.get("Action", "")
        record = {"action": action, "params": {k: v for k, v in params.items()
                                               if k not in ("Action", "Version", "SAMLAssertion")}}
        scope = re.search(r"Credential=[^/,\s]+/\d{8}/([\w-]+)/sts/", headers.get("authorization", ""))
        if scope:
            record["region"] = scope[1]  # the region a signed call was signed for
        request_id = str(uuid.uuid4())
        try:
            if params.get("Version") != VERSION or action not in ("AssumeRoleWithSAML", "AssumeRole",
                                                                  "GetCallerIdentity"):
                raise StsFault(400, "InvalidAction",
                               f"Could not find operation {action} for version {params.get('Version')}")
            if action == "AssumeRoleWithSAML":
                result = self._assume_role_with_saml(params)
            else:
                caller = self._authenticate(method, url, headers, body)
                if action == "AssumeRole":
                    result = self._assume_role(caller, params)
                else:
                    result = (f"<Arn>{escape(caller['arn'])}</Arn><UserId>{escape(caller['user_id'])}</UserId>"
                              f"<Account>{caller['account']}</Account>")
            status, code = 200, None
            xml = (f'<{action}Response xmlns="{NS}"><{action}Result>{result}</{action}Result>'
                   f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>")
        except Exception as exc:  # noqa: BLE001 - a bug here must reach the test as an answer, not a hang
            fault = exc if isinstance(exc, StsFault) else StsFault(500, "InternalFailure", f"fake STS: {exc!r}")
            status, code = fault.status, fault.code
            fault_type = "Sender" if status < 500 else "Receiver"
            xml = (f'<ErrorResponse xmlns="{NS}"><Error><Type>{fault_type}</Type><Code>{fault.code}</Code>'
                   f"<Message>{escape(fault.message)}</Message></Error>"
                   f"<RequestId>{request_id}</RequestId></ErrorResponse>")
        record.update(status=status, error_code=code)
        if fault_mode:
            record["fault"] = fault_mode
        with self._lock:
            self.calls.append(record)
        return status, xml

    # --- the federation endpoint (console sign-in) ----------------------------------------------------------
    def federation(self, path: str) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of a /federation request (see the module docstring)."""
        params = dict(parse_qsl(urlsplit(path).query, keep_blank_values=True))
        action = params.get("Action", "")
        record = {"action": action}
        try:
            if action == "getSigninToken":
                if "SessionDuration" in params:  # aws-sts asks for none: the credentials' own lifetime
                    raise ValueError("SessionDuration is not accepted for a role's session here")
                asked = json.loads(params.get("Session", ""))
                with self._lock:
                    session = self.sessions.get(asked.get("sessionId"))
                if (session is None or asked.get("sessionKey") != session["secret"]
                        or asked.get("sessionToken") != session["token"] or self.clock() >= session["expiration"]):
                    raise ValueError("not a live session's keys")
                token = base64.urlsafe_b64encode(secrets.token_bytes(600)).decode().rstrip("=")
                with self._lock:
                    self.signin_tokens[token] = session
                return self._federation_answer(record, 200, {"Content-Type": "application/json"},
                                               json.dumps({"SigninToken": token}).encode())
            if action == "login":
                record.update(issuer=params.get("Issuer"), destination=params.get("Destination"))
                if params.get("SigninToken") not in self.signin_tokens or not params.get("Destination"):
                    raise ValueError("unknown sign-in token")
                return self._federation_answer(record, 302, {"Location": params["Destination"]}, b"")
            raise ValueError(f"unknown Action {action!r}")
        except (ValueError, AttributeError) as exc:  # AWS answers a bare 400 page, whatever was wrong
            record["error"] = str(exc)
            return self._federation_answer(record, 400, {"Content-Type": "text/html"},
                                           b"<html><body><h1>400 Bad Request</h1></body></html>")

    def _federation_answer(self, record: dict, status: int, headers: dict, body: bytes):
        record["status"] = status
        with self._lock:
            self.federation_calls.append(record)
        return status, headers, body

    # --- AssumeRoleWithSAML ----------------------------------------------------------------------------
    def _assume_role_with_saml(self, params: dict) -> str:
        role_arn, principal_arn, b64 = (_required(params, name, member) for name, member in
                                        (("RoleArn", "roleArn"), ("PrincipalArn", "principalArn"),
                                         ("SAMLAssertion", "sAMLAssertion")))
        duration = _duration(params)
        role = ROLE_ARN.fullmatch(role_arn)
        provider = PROVIDER_ARN.fullmatch(principal_arn)
        if not role or not provider:
            raise _validation(MESSAGES["bad_arn"])
        saml = self._read_assertion(b64)
        pairs = [set(part.strip() for part in value.split(",")) for value in saml["roles"]]
        if {role_arn, principal_arn} not in pairs:
            raise StsFault(400, "InvalidIdentityToken", MESSAGES["pair"])
        if role_arn in self.deny_roles:
            raise StsFault(403, "AccessDenied", MESSAGES["saml_denied"])
        self._check_role_max(role_arn, duration)

        expires = self.clock() + timedelta(seconds=duration)
        if saml["session_not_on_or_after"]:
            expires = min(expires, saml["session_not_on_or_after"])  # STS honours the IdP's session end
        session = self._new_session(role, saml["session_name"], expires, chained=False)
        qualifier = base64.b64encode(hashlib.sha1(
            (saml["issuer"] + role[2] + "/" + provider[3]).encode()).digest()).decode()
        return (self._credentials_xml(session)
                + f"<Audience>{escape(saml['recipient'])}</Audience>"
                + f"<Issuer>{escape(saml['issuer'])}</Issuer>"
                + f"<Subject>{escape(saml['subject'])}</Subject>"
                + f"<SubjectType>{escape(saml['subject_type'])}</SubjectType>"
                + f"<NameQualifier>{qualifier}</NameQualifier>")

    def _read_assertion(self, b64: str) -> dict:
        """Decode, (optionally) verify and read the SAML Response the way STS does; raise StsFault."""
        import defusedxml.ElementTree as SafeET
        from lxml import etree

        def invalid(key_or_message: str) -> StsFault:
            return StsFault(400, "InvalidIdentityToken", MESSAGES.get(key_or_message, key_or_message))

        try:
            # IdPs may wrap long base64 lines; any other character outside the alphabet is an error.
            b64 = re.sub(r"[ \t\r\n]+", "", b64)
            xml = base64.b64decode(b64, validate=True)
            document = SafeET.fromstring(xml)  # no DTDs, no entities, no network
        except Exception:  # noqa: BLE001 - bad base64, not XML, a DTD or entity: all the same to STS
            raise invalid("bad_base64") from None
        if self.trusted_cert_pem is not None:
            try:
                from .saml_idp import verify_saml_response
                signed = verify_saml_response(b64, self.trusted_cert_pem)
            except Exception:  # noqa: BLE001 - any verification failure is a bad signature to STS
                raise invalid("signature") from None
            # Read only what the signature covers (no signature-wrapping tricks).
            assertion = SafeET.fromstring(etree.tostring(signed))
        else:
            found = document.findall(f".//{{{SAML_NS}}}Assertion")
            if len(found) != 1:
                raise invalid("bad_base64")
            assertion = found[0]

        destination = document.get("Destination")
        if document.tag == f"{{{SAMLP_NS}}}Response" and destination and not SIGNIN_URL.fullmatch(destination):
            raise invalid(f"Response Destination {destination} is not an AWS sign-in SAML endpoint")

        def a(path):
            return assertion.find(path, {"a": SAML_NS})

        data = a("./a:Subject/a:SubjectConfirmation/a:SubjectConfirmationData")
        recipient = data.get("Recipient") if data is not None else None
        not_on_or_after = _parse_instant(data.get("NotOnOrAfter")) if data is not None else None
        if not recipient or not not_on_or_after:
            raise invalid("confirmation")
        if not SIGNIN_URL.fullmatch(recipient):
            raise invalid(f"Recipient {recipient} is not an AWS sign-in SAML endpoint")
        audiences = {el.text.strip() for el in assertion.iter(f"{{{SAML_NS}}}Audience") if el.text}
        if audiences and not (audiences & (AUDIENCES | {recipient})):
            raise invalid("audience")

        now = self.clock()
        issued = _parse_instant(assertion.get("IssueInstant"))
        conditions = a("./a:Conditions")
        ends = [not_on_or_after, _parse_instant(conditions.get("NotOnOrAfter")) if conditions is not None else None]
        if (issued and now - issued > REDEEM_WITHIN) or any(end and now >= end for end in ends):
            raise StsFault(400, "ExpiredTokenException", MESSAGES["expired"])

        attributes = {}
        for attribute in assertion.iter(f"{{{SAML_NS}}}Attribute"):
            values = [(v.text or "").strip() for v in attribute.iter(f"{{{SAML_NS}}}AttributeValue")]
            attributes.setdefault(attribute.get("Name"), []).extend(values)
        session_names = attributes.get(SESSION_NAME_ATTR) or []
        if not session_names:
            raise invalid("no_session_name")
        if not SESSION_NAME.fullmatch(session_names[0]):
            raise invalid("bad_session_name")
        name_id = a("./a:Subject/a:NameID")
        subject_type = (name_id.get("Format") if name_id is not None else None) or "transient"
        authn = a("./a:AuthnStatement")
        issuer = a("./a:Issuer")
        return {
            "roles": attributes.get(ROLE_ATTR, []),
            "session_name": session_names[0],
            "recipient": recipient,
            "issuer": (issuer.text or "").strip() if issuer is not None else "",
            "subject": (name_id.text or "").strip() if name_id is not None else "",
            "subject_type": subject_type.replace("urn:oasis:names:tc:SAML:2.0:nameid-format:", ""),
            "session_not_on_or_after": _parse_instant(authn.get("SessionNotOnOrAfter"))
            if authn is not None else None,
        }

    # --- AssumeRole / GetCallerIdentity ----------------------------------------------------------------
    def _assume_role(self, caller: dict, params: dict) -> str:
        role_arn = _required(params, "RoleArn", "roleArn")
        session_name = _required(params, "RoleSessionName", "roleSessionName")
        duration = _duration(params)
        role = ROLE_ARN.fullmatch(role_arn)
        if not role:
            raise _validation(MESSAGES["bad_arn"])
        if not SESSION_NAME.fullmatch(session_name):
            raise _validation(f"1 validation error detected: Value '{session_name}' at 'roleSessionName' "
                              r"failed to satisfy constraint: Member must satisfy regular expression pattern: "
                              r"[\w+=,.@-]*")
        if role_arn in self.deny_roles:
            raise StsFault(403, "AccessDenied", f"User: {caller['arn']} is not authorized to perform: "
                                                f"sts:AssumeRole on resource: {role_arn}")
        # Every caller here holds temporary credentials, so every AssumeRole is role chaining.
        if duration > CHAINED_MAX:
            raise _validation(MESSAGES["chained"])
        self._check_role_max(role_arn, duration)
        session = self._new_session(role, session_name, self.clock() + timedelta(seconds=duration), chained=True)
        return self._credentials_xml(session)

    def _authenticate(self, method: str, url, headers: dict[str, str], body: bytes) -> dict:
        """The session behind a SigV4-signed request; the signature itself is checked too."""
        auth = headers.get("authorization")
        if not auth:
            raise StsFault(403, "MissingAuthenticationToken", MESSAGES["missing_auth"])
        match = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([\w-]+)/sts/aws4_request,\s*"
                             r"SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})", auth.strip())
        if not match or "x-amz-date" not in headers:
            raise StsFault(400, "IncompleteSignature", "Authorization header requires Credential, "
                                                       "SignedHeaders and Signature, and X-Amz-Date is required")
        key_id, day, region, signed_headers, signature = match.groups()
        with self._lock:
            session = self.sessions.get(key_id)
        if session is None or headers.get("x-amz-security-token") != session["token"]:
            raise StsFault(403, "InvalidClientTokenId", MESSAGES["invalid_token"])
        if self.clock() >= session["expiration"]:
            raise StsFault(400, "ExpiredToken", MESSAGES["expired_token"])
        names = signed_headers.split(";")
        if "host" not in names or any(name not in headers for name in names):
            raise StsFault(400, "IncompleteSignature", "Signed headers must include host and be present")
        canonical = "\n".join([
            method,
            quote(url.path or "/", safe="/~"),
            "&".join(sorted(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
                            for k, v in parse_qsl(url.query, keep_blank_values=True))),
            "".join(f"{name}:{' '.join(headers[name].split())}\n" for name in names),
            signed_headers,
            headers.get("x-amz-content-sha256") or hashlib.sha256(body).hexdigest(),
        ])
        scope = f"{day}/{region}/sts/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", headers["x-amz-date"], scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + session["secret"]).encode()
        for part in (day, region, "sts", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise StsFault(403, "SignatureDoesNotMatch", MESSAGES["signature_mismatch"])
        return session

    # --- helpers ---------------------------------------------------------------------------------------
    def _check_role_max(self, role_arn: str, duration: int) -> None:
        if duration > self.max_session_duration.get(role_arn, self.default_max_session_duration):
            raise _validation(MESSAGES["max_duration"])

    def _new_session(self, role: re.Match, session_name: str, expires: datetime, *, chained: bool) -> dict:
        partition, account, role_name = role.groups()
        role_id = "AROA" + hashlib.sha1(role[0].encode()).hexdigest()[:17].upper()  # stable per role
        session = {
            "access_key_id": "ASIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits)
                                              for _ in range(16)),
            "secret": base64.b64encode(secrets.token_bytes(30)).decode(),
            # Real tokens are long base64 with "+", "/" and "="; so are these.
            "token": base64.b64encode(secrets.token_bytes(301)).decode(),
            "expiration": expires.replace(microsecond=0),
            "arn": f"arn:{partition}:sts::{account}:assumed-role/{role_name}/{session_name}",
            "user_id": f"{role_id}:{session_name}",
            "account": account,
            "role_arn": role[0],
            "chained": chained,
        }
        with self._lock:
            self.sessions[session["access_key_id"]] = session
        return session

    @staticmethod
    def _credentials_xml(session: dict) -> str:
        return (f"<Credentials><AccessKeyId>{session['access_key_id']}</AccessKeyId>"
                f"<SecretAccessKey>{escape(session['secret'])}</SecretAccessKey>"
                f"<SessionToken>{escape(session['token'])}</SessionToken>"
                f"<Expiration>{_iso(session['expiration'])}</Expiration></Credentials>"
                f"<AssumedRoleUser><AssumedRoleId>{escape(session['user_id'])}</AssumedRoleId>"
                f"<Arn>{escape(session['arn'])}</Arn></AssumedRoleUser>")


def _required(params: dict, name: str, member: str) -> str:
    value = params.get(name)
    if not value:
        raise _validation(f"1 validation error detected: Value null at '{member}' failed to satisfy "
                          "constraint: Member must not be null")
    return value


def _duration(params: dict) -> int:
    raw = params.get("DurationSeconds", "3600")
    try:
        value = int(raw)
    except ValueError:
        raise _validation(f"Value '{raw}' for parameter DurationSeconds is invalid") from None
    if value < 900:
        raise _validation(f"1 validation error detected: Value '{value}' at 'durationSeconds' failed to "
                          "satisfy constraint: Member must have value greater than or equal to 900")
    if value > 43200:
        raise _validation(f"1 validation error detected: Value '{value}' at 'durationSeconds' failed to "
                          "satisfy constraint: Member must have value less than or equal to 43200")
    return value


FAULT_ERRORS = {
    "500": (500, "InternalFailure", "An internal error occurred."),
    "503": (503, "ServiceUnavailable", "Service is unavailable. Try again later."),
    "throttle": (400, "Throttling", "Rate exceeded"),
}
GARBAGE = b"\x00\xff\xfe garbage \x1f\x8b\x08 not XML at all"
HTML = (b"<!DOCTYPE html><html><head><title>Proxy error</title></head>"
        b"<body><h1>502 Bad Gateway</h1><p>The proxy could not reach the server.</p></body></html>")


class _Handler(BaseHTTPRequestHandler):
    sts: FakeSts
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        if urlsplit(self.path).path == "/federation" and self.command == "GET":
            status, extra, data = self.sts.federation(self.path)
            self.send_response(status)
            for name, value in {**extra, "Content-Length": str(len(data))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            return
        fault = self.sts.next_fault()
        mode, argument = fault or (None, None)
        if mode == "hang":
            self.sts.record_fault(self.command, self.path, body, mode, None)
            self.sts._stopping.wait(self.sts.hang_seconds if argument is None else argument)
            self._drop()
            return
        if mode in FAULT_ERRORS:
            status, code, message = FAULT_ERRORS[mode]
            self.sts.record_fault(self.command, self.path, body, mode, status)
            request_id = str(uuid.uuid4())
            xml = (f'<ErrorResponse xmlns="{NS}"><Error><Type>{"Receiver" if status >= 500 else "Sender"}</Type>'
                   f"<Code>{code}</Code><Message>{message}</Message></Error>"
                   f"<RequestId>{request_id}</RequestId></ErrorResponse>")
            self._answer(status, xml.encode(), request_id)
            return
        if mode in ("garbage", "html", "empty", "body"):
            self.sts.record_fault(self.command, self.path, body, mode, 200)
            data = {"garbage": GARBAGE, "html": HTML, "empty": b"", "body": argument}[mode]
            self._answer(200, bytes(data), str(uuid.uuid4()), "text/html" if mode == "html" else "text/xml")
            return
        if mode not in (None, "truncated", "close", "linebreak"):  # a typo in a test: say so in the answer
            self.sts.record_fault(self.command, self.path, body, str(mode), 500)
            self._answer(500, f"fake STS: unknown fault {mode!r}".encode(), str(uuid.uuid4()), "text/plain")
            return
        status, xml = self.sts.handle(self.command, self.path, headers, body, fault_mode=mode)
        if mode == "linebreak":
            xml = re.sub(r"(<SessionToken>[^<]{20})", r"\1&#10;", xml)
        data = xml.encode("utf-8")
        request_id = re.search(r"<RequestId>([^<]+)", xml)[1]
        if mode == "truncated":
            self._answer(status, data[:len(data) // 2 if argument is None else argument], request_id)
        elif mode == "close":  # promise the whole answer, send half, hang up
            self._answer(status, data[:len(data) // 2], request_id, length=len(data))
            self._drop()
        else:
            self._answer(status, data, request_id)

    def _answer(self, status: int, data: bytes, request_id: str, content_type: str = "text/xml",
                length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.send_header("x-amzn-RequestId", request_id)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _drop(self) -> None:
        """Close the connection without (the rest of) an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    do_POST = do_GET = _serve

    def log_message(self, *args):  # quiet: the test output is for the tests
        pass
