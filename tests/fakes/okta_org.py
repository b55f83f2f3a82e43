"""A fake Okta org on 127.0.0.1 that serves the REAL Okta Sign-In Widget (npm, tests/node_modules).

Classic engine (``scenario.engine == "classic"``), the paths a browser meets when it opens the Okta AWS app:

    GET  /home/amazon_aws/0oaawsapp000000000001/272   no session: 302 /login/login.htm?fromURI=<app path>
                                                      session: auto-POST page, SAMLResponse -> AWS sign-in
                                                      (step-up pending: 302 /login/step-up?fromURI=<app path>)
    GET  /login/step-up?fromURI=..                    the widget started at the second factor (see Step-up)
    GET  /login/login.htm?fromURI=..                  the widget page (useClassicEngine), same origin
    POST /api/v1/authn                                primary auth (or, with only a stateToken: current state)
    POST /api/v1/authn/factors/{id}/verify[?..]       TOTP code, push send / poll, SMS / email: no passCode
                                                      sends a code (MFA_CHALLENGE), a passCode verifies it,
                                                      security question answer (Okta's Authentication API)
    POST /api/v1/authn/factors/{id}/verify/resend     push / SMS / email again
    POST /api/v1/authn/skip                           PASSWORD_WARN: "Remind me later" (then MFA or SUCCESS)
    POST /api/v1/authn/credentials/change_password    PASSWORD_WARN: the change-password form (recorded only)
    POST /api/v1/authn/previous | /cancel | /introspect
    GET  /login/sessionCookieRedirect?token=..&redirectUrl=..   sessionToken -> cookie ``sid``, 302
    GET  /api/v1/sessions/me                          the session (JSON); 404 E0000007 without one (as Okta)
    DELETE /api/v1/sessions/me                        204, the session ends ("session:deleted");
                                                      404 E0000007 without one ("session:delete-missing")
    GET  /login/signout[?fromURI=..]                  ends the cookie's session ("session:signout", else
                                                      "session:signout-missing"), expires the sid cookie,
                                                      302 to fromURI when it is on this org, else /login/login.htm
    GET  /assets/widget/...                           the widget's dist folder (js, css, img, font, labels)

Scenario (what the org's user has enrolled, how pushes end, what the SAML looks like) is a plain dataclass
that tests replace or mutate between runs; ``org.events`` records what happened ("authn:ok",
"verify:totp:bad", "push:sent", "saml:issued", ...; the Classic ones are listed below) without secrets;
``org.saml_responses`` every SAMLResponse issued; ``org.requests`` (method, path without the query) of
EVERY request the org received, static widget files included, so ``org.requests == []`` proves nothing
reached the org. ``org.reset()`` clears events, requests, sessions, transactions and assertions. No sleeps
anywhere: a push poll answers WAITING at once, the widget waits between polls.

Did a sign-in happen? A primary sign-in (username and password posted) records one of
PRIMARY_SIGN_IN_EVENTS: Classic "authn:ok", "authn:bad-password", "authn:unknown-user", "authn:locked-out"
(POST /api/v1/authn with a username); OIE "idx:identify", "idx:password:ok", "idx:password:bad",
"idx:locked-out". ``org.primary_sign_ins()`` lists those that happened: [] means the org saw no sign-in
call. Other events of a sign-in: "idx:page" (OIE login page: a new transaction), "authn:mfa-required",
"idx:mfa-required", "verify:*", "push:*", "session:created", "idx:token-redirect". A step-up is not a
primary sign-in: it records "app:step-up", "idx:step-up" (OIE), "verify:totp:*"/"push:*", "session:verified".

Classic events (POST /api/v1/authn and below), besides the primary sign-in ones:
    "authn:mfa-required"            the password was right and a second factor is needed
    "authn:password-warn"           Scenario.classic_password_warn: PASSWORD_WARN answered after the password
    "authn:skip"                    "Remind me later" (POST _links.skip.href), then MFA_REQUIRED or SUCCESS
    "authn:password-changed"        the change-password form was posted (the scenario's password stays;
                                    then MFA_REQUIRED or SUCCESS)
    "authn:previous" / "authn:cancel" / "authn:invalid-state-token"
    "verify:totp:ok" / "verify:totp:bad"     a code of Google Authenticator or Okta Verify
    "verify:sms:sent" / "verify:email:sent"  "Send code" / "Send me an email" (and each resend)
    "verify:sms:ok" / "verify:sms:bad", "verify:email:ok" / "verify:email:bad"   the code typed; the code
                                    "sent" is the current TOTP of Scenario.totp_secret, as the TOTP factor's
    "verify:sms:not-sent" / "verify:email:not-sent"   a code posted before any was sent (refused as bad)
    "verify:question:ok" / "verify:question:bad"     the security question (answer: SECURITY_ANSWER)
    "push:sent", "push:waiting", "push:approved", "push:rejected", "push:timeout"

Sessions: ``org.live_sessions()`` -> how many are live; ``org.end_sessions()`` ends all of them at once
("session:ended-by-test"; the browsers keep their now dead cookies, so the app sends them to sign in);
"app:login-required" is the app page without a live session.

Step-up (``Scenario.step_up = True``): the app page opened with a live session that has not verified a
code *for this session* records "app:step-up" and sends the browser to /login/step-up, which asks for the
one-time code again, without the sign-in pages:
    Classic: the widget page with the ``stateToken`` of a new transaction already in MFA_REQUIRED for the
        session's user (the widget introspects it and shows the TOTP / push page of ``factors``); after the
        code: SUCCESS -> /login/sessionCookieRedirect -> app -> SAML.
    OIE: the Identity Engine widget started at the challenge of the user's one authenticator (or the
        "Verify it's you" list when there are several); success -> /login/token/redirect -> app -> SAML.
    Either way the same session (same sid) then counts as verified ("session:verified"), and the app page
    answers SAML. A session counts as verified when it was created while ``step_up`` was on (its sign-in
    met the policy) or went through a step-up; sessions made before ``step_up`` was turned on do not.
    With no live session the app page behaves as always (sign-in page, MFA, SAML). A step-up needs a
    second factor: with none enrolled, /login/step-up answers 500 (kept in org.errors).

Extension seam for the Identity Engine (``scenario.engine == "oie"``): requests whose path starts with one of
``org.oie_prefixes`` (``/idp/idx/``, ``/login/token/redirect``; IdxApi.__init__ may add more, e.g.
``org.oie_prefixes += ("/oauth2/",)``), and the login page itself (GET /login/login.htm?fromURI=..), go to
``org.idx.handle(req)``, where ``org.idx`` is ``tests.fakes.okta_idx.IdxApi(org)``, created on first use;
``org.reset()`` calls ``org.idx.reset()`` when it exists. ``handle`` must answer the request through the
helpers below (an exception becomes a 500 and is kept in ``org.errors``). Everything else (app page,
sessionCookieRedirect, static files, /api/v1/sessions/me, /login/signout) stays with the org in both engines;
/login/step-up checks the session, then calls ``org.idx.step_up_page(req, username, sid, from_uri)``. The request
object ``req`` has:

    req.method   "GET" | "POST" | ...         req.path     path without the query string
    req.query    dict[str, str] (first value) req.raw_path path with the query string
    req.headers  the http.server headers      req.body     raw bytes
    req.json     parsed JSON body or None     req.form     dict[str, str] of a urlencoded body ({} otherwise)
    req.cookies  dict[str, str]               req.org      the FakeOktaOrg
    req.handler  the BaseHTTPRequestHandler (rarely needed)

and the org offers (``req`` may also be the handler itself):

    org.respond(req, status, body, content_type=None, headers=None)
        body: dict/list -> JSON (content type application/json, or pass e.g. "application/ion+json;
        okta-version=1.0.0"), str -> text/html unless told, bytes as given. headers: dict or list of pairs
        (repeat a name, e.g. several Set-Cookie, with the list form).
    org.redirect(req, location, set_cookie=None, status=302)      set_cookie: one header value or a list
    org.create_session(username, verified=None) -> sid    the cookie value; cookie name org.SESSION_COOKIE ==
        "sid"; verified: counts as stepped up (None: whether Scenario.step_up is on now);
        org.session_cookie_header(sid) gives the Set-Cookie value; org.session_user(req) -> username or None;
        org.finish_step_up(sid, username) -> sid   a code was verified for a step-up of sid (same sid back,
        or a new verified session when sid ended meanwhile)
    org.saml_page(req, username)             the auto-submitting SAMLResponse form ("saml:issued")
    org.widget_page(req, config, bundle="okta-sign-in.min.js", script=None)
        HTML loading the widget css + bundle (a file name in dist/js) with ``var config = <config JSON>;
        var signIn = new OktaSignIn(config);`` then ``script`` (JS; default: the Classic renderEl whose
        success handler calls res.session.setCookieAndRedirect(config.relayState)). Add "baseUrl"/"assets"
        yourself or take them from org.widget_config_base().
    org.login_url(from_uri) / org.record(event) / org.error_body(code, summary, causes=()) (Okta error JSON)
    org.check_password(username, password) -> bool; org.scenario; org.base_url; org.app_path
"""

from __future__ import annotations

import html
import json
import mimetypes
import secrets
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from . import saml_idp
from .loopback import LoopbackServer

WIDGET_DIST = Path(__file__).parents[1] / "node_modules/@okta/okta-signin-widget/dist"
ASSETS_PREFIX = "/assets/widget"
LOGIN_PATH = "/login/login.htm"
STEP_UP_PATH = "/login/step-up"
SIGNOUT_PATH = "/login/signout"

# The events that mean a primary sign-in call reached the org (a username/password was posted): Classic
# POST /api/v1/authn with a username, OIE /idp/idx/identify or the password answer. A run that reused a
# stored session must record none of them (see FakeOktaOrg.primary_sign_ins).
PRIMARY_SIGN_IN_EVENTS = ("authn:ok", "authn:bad-password", "authn:unknown-user", "authn:locked-out",
                          "idx:identify", "idx:password:ok", "idx:password:bad", "idx:locked-out")

# Fixed ids, shaped like Okta's 20-character ones.
USER_ID = "00ufakeuser000000001"
GOOGLE_TOTP_ID = "uftfakegoogletotp001"
OKTA_TOTP_ID = "ostfakeoktatotp00001"
PUSH_ID = "opffakeoktapush00001"
SMS_ID = "smsfakesmsfactor0001"
EMAIL_ID = "emffakeemailfactor01"
QUESTION_ID = "ufsfakequestion00001"
SECURITY_QUESTION = "What is the food you least liked as a child?"
SECURITY_ANSWER = "anchovies"
PASSWORD_EXPIRE_DAYS = 4  # Scenario.classic_password_warn: "Your password will expire in 4 days"


@dataclass
class Scenario:
    username: str = "alice@example.com"
    password: str = "correct-horse-battery"
    factors: str = "totp"        # "none" | "totp" (Google Authenticator) | "okta_totp" (Okta Verify code only)
                                 # | "push" (Okta Verify push only) | "push+totp" (Okta Verify push + code: merged view)
                                 # | "sms" (a code by SMS to +1 XXX-XXX-0042) | "email" (a code by email)
                                 # | "question" (security question: a page aws-sts does not know)
                                 # SMS and email codes: the current TOTP of totp_secret. Classic only for
                                 # "email" and "question" (okta_idx maps totp, okta_totp, push, push+totp, sms)
    totp_secret: str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"   # 32-char base32 (pyotp 2.12 rejects short ones)
    push_result: str = "approve"  # "approve" | "reject" | "timeout"
    push_waits: int = 1           # number of WAITING poll answers before the push result
    number_challenge: int | None = None   # when set, the push shows this number (Okta's number challenge)
    locked_out: bool = False      # authn answers LOCKED_OUT
    roles: list = field(default_factory=lambda: [("arn:aws:iam::123456789012:role/Developer",
                                                  "arn:aws:iam::123456789012:saml-provider/Okta")])
    provider_first: bool = False  # write each Role value as "provider,role" instead of "role,provider"
    ns_prefix: str = "saml2"      # element prefix in the Response/Assertion: "saml2", "saml" or "" (default ns)
    session_duration: int | None = None   # SessionDuration attribute, omitted when None
    role_session_name: str | None = None  # RoleSessionName attribute; defaults to the username
    include_role_attribute: bool = True   # False -> assertion without the Role attribute
    engine: str = "classic"       # "classic" | "oie" (tests/fakes/okta_idx.py)
    saml_post_path: str | None = None  # the app page posts the SAMLResponse to this path of the org, not to AWS
    step_up: bool = False         # the app asks a live session for a code again (once per session; see docstring)
    # Identity Engine only (tests/fakes/okta_idx.py):
    oie_identifier_first: bool = False    # identifier page, then a password page (else both on one page)
    oie_authenticators: list | None = None  # e.g. ["google_otp", "okta_verify_push"]; None: follow `factors`;
                                          # also "phone_sms", "phone_voice" (both: one phone, SMS or call),
                                          # "okta_email", "okta_verify_fastpass", "webauthn" (okta_idx.FACTORS)
    oie_poll_ms: int = 250                # the push poll interval the widget is told
    oie_kmsi_prompt: bool = False         # ask "Stay signed in?" after the last step; accepted, the browser gets
                                          # the DT device cookie and its next sign-in skips the second factor
    widget: str = "gen2"                  # the Identity Engine page's widget (login and step-up pages): "gen2"
                                          # (okta-sign-in.oie.min.js) or "gen3" (okta-sign-in.next.js, React/MUI)
    oie_before_mfa: list = field(default_factory=list)  # interstitials after the password, before the 2nd factor
    oie_after_mfa: list = field(default_factory=list)   # interstitials after the second factor (before KMSI);
                                          # names: okta_idx.SKIPPABLE ("password-expiry-warning",
                                          # "passkey-promotion", "enroll-optional", "enroll-grace-period",
                                          # "device-assurance-grace-period") and okta_idx.NOT_SKIPPABLE
                                          # ("password-expired", "enroll-required", "unlock-account")
    oie_same_reminder: bool = False       # every device-assurance reminder of a sign-in is the same answer (one
                                          # policy's, again); else a second one in a row is another policy's
    oie_terminal: str | None = None       # Okta's terminal answer instead of the next page: "not-assigned" (400)
                                          # | "access-denied" (403) | "session-expired" (401) | "rate-limited" (429)
    oie_terminal_after: str = "password"  # the answer to which step: "identify" | "password" | "mfa"
    oie_device_probe: bool = False        # identify starts with FastPass probing the loopback (nothing answers)
    # Classic only:
    classic_password_warn: bool = False   # after the password, PASSWORD_WARN ("Your password will expire in
                                          # PASSWORD_EXPIRE_DAYS days", "Remind me later"), then MFA or SUCCESS


def totp_now(secret: str) -> str:
    """The current TOTP code for secret (what the user's authenticator app shows)."""
    import pyotp

    return pyotp.TOTP(secret).now()


def _content_type(path: Path) -> str:
    overrides = {".js": "application/javascript", ".mjs": "application/javascript", ".css": "text/css",
                 ".json": "application/json", ".map": "application/json", ".svg": "image/svg+xml",
                 ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf", ".otf": "font/otf",
                 ".eot": "application/vnd.ms-fontobject", ".properties": "text/plain", ".png": "image/png",
                 ".gif": "image/gif", ".ico": "image/x-icon"}
    ctype = overrides.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
        ctype += "; charset=utf-8"
    return ctype


class Request:
    """What a handler needs to know about one HTTP request (see the module docstring)."""

    def __init__(self, handler: "_Handler"):
        self.handler = handler
        self.org = handler.server.org
        self.method = handler.command
        self.raw_path = handler.path
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        length = int(handler.headers.get("Content-Length") or 0)
        self.body = handler.rfile.read(length) if length else b""
        ctype = (handler.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        self.json = None
        self.form = {}
        if self.body and ctype.endswith("json"):
            try:
                self.json = json.loads(self.body)
            except ValueError:
                self.json = None
        elif self.body and ctype == "application/x-www-form-urlencoded":
            self.form = {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace"),
                                                     keep_blank_values=True).items()}
        cookie = SimpleCookie()
        try:
            cookie.load(handler.headers.get("Cookie") or "")
        except Exception:  # a malformed cookie header from another test: ignore it, as browsers' servers do
            pass
        self.cookies = {k: m.value for k, m in cookie.items()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the widget page pulls several files
    server_version = "FakeOkta/1.0"

    def log_message(self, format, *args):  # quiet; tests read org.events
        pass

    def _dispatch(self):
        org = self.server.org
        org.requests.append((self.command, self._target_path()))  # before anything can fail
        try:
            req = Request(self)
            org._handle(req)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # a bug in the fake: answer 500 and keep it for the test to see
            org.errors.append(f"{self.command} {self.path}: {type(exc).__name__}: {exc}")
            try:
                org.respond(self, 500, f"fake Okta error: {type(exc).__name__}: {exc}", "text/plain")
            except Exception:
                self.close_connection = True

    def _target_path(self) -> str:
        """The path as the client sent it, without the query (http.server folds a leading "//" in self.path)."""
        parts = self.requestline.split()
        target = parts[1] if len(parts) >= 2 else self.path
        return target.split("?", 1)[0].split("#", 1)[0]

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # a browser closed a keep-alive connection: nothing went wrong
        super().handle_error(request, client_address)


class FakeOktaOrg(LoopbackServer):
    """The fake org. ``with FakeOktaOrg(Scenario(...)) as org: ... org.app_url ...``"""

    SESSION_COOKIE = "sid"
    # With engine "oie" these paths (and the login page) go to self.idx; IdxApi may extend the tuple.
    oie_prefixes = ("/idp/idx/", "/login/token/redirect")
    app_path = "/home/amazon_aws/0oaawsapp000000000001/272"

    def __init__(self, scenario: Scenario | None = None):
        if not (WIDGET_DIST / "js" / "okta-sign-in.min.js").is_file():
            raise RuntimeError(f"The Okta Sign-In Widget is not installed in {WIDGET_DIST}: "
                               f"run `npm ci` in {WIDGET_DIST.parents[3]}")
        self.scenario = scenario or Scenario()
        self.events: list[str] = []
        self.requests: list[tuple[str, str]] = []  # (method, path without query) of every request received
        self.errors: list[str] = []  # exceptions raised while handling a request (each answered 500)
        self.saml_responses: list[str] = []
        # For the secrets scan: one-time session tokens (nowhere on disk, ever) and session ids (only in the
        # 0600 stored-session file, where the remembered sign-in lives).
        self.issued_tokens: list[str] = []
        self.issued_session_ids: list[str] = []
        self.idp_cert_pem: bytes = saml_idp.idp_cert_pem()
        # The Classic page loads the classic-only bundle: same widget code as okta-sign-in.min.js with
        # useClassicEngine, 0.6 MB less to parse. Set to "okta-sign-in.min.js" to use the full bundle.
        self.classic_bundle = "okta-sign-in.classic.min.js"
        self.idx = None  # okta_idx.IdxApi(self), made on the first Identity Engine request
        self._lock = threading.RLock()
        self._static_cache: dict[str, tuple[bytes, str]] = {}
        self.base_url = ""
        self.reset()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> "FakeOktaOrg":
        self.base_url = self.serve(_Handler, _Server, "fake-okta")
        self._server.org = self  # before anyone knows the URL: no request has come yet
        return self

    @property
    def app_url(self) -> str:
        return self.base_url + self.app_path

    def reset(self) -> None:
        """Forget what happened (events, sessions, transactions, assertions); keep the scenario."""
        with self._lock:
            self.events.clear()
            self.requests.clear()
            self.errors.clear()
            self.saml_responses.clear()
            self.issued_tokens.clear()
            self.issued_session_ids.clear()
            if self.idx is not None and hasattr(self.idx, "reset"):
                self.idx.reset()
            self._sessions: dict[str, dict] = {}       # sid -> {"username", "verified"}
            self._session_tokens: dict[str, dict] = {}  # one-time sessionToken -> {"username", "sid"}
            # stateToken -> {"username", "push": None|"waiting", "polls", "sid": the stepped-up session or None}
            self._transactions: dict[str, dict] = {}

    def record(self, event: str) -> None:
        with self._lock:
            self.events.append(event)

    def primary_sign_ins(self) -> list[str]:
        """The events that show a username/password reached the org (PRIMARY_SIGN_IN_EVENTS), in order."""
        with self._lock:
            return [e for e in self.events if e in PRIMARY_SIGN_IN_EVENTS]

    # ----------------------------------------------------------------- response helpers (also for okta_idx)
    def respond(self, req, status: int, body, content_type: str | None = None, headers=None) -> None:
        handler = getattr(req, "handler", req)
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            content_type = content_type or "application/json"
        elif isinstance(body, str):
            data = body.encode()
            content_type = content_type or "text/html; charset=utf-8"
        else:
            data = body or b""
            content_type = content_type or "application/octet-stream"
        handler.send_response(status)
        if status != 204 and status != 304:
            handler.send_header("Content-Type", content_type)
        if status != 204:  # a 204 has no body and, per RFC 9110, no Content-Length
            handler.send_header("Content-Length", str(len(data)))
        pairs = headers.items() if isinstance(headers, dict) else (headers or [])
        for name, value in pairs:
            handler.send_header(name, value)
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(data)

    def redirect(self, req, location: str, set_cookie=None, status: int = 302) -> None:
        headers = [("Location", location), ("Cache-Control", "no-store")]
        for value in ([set_cookie] if isinstance(set_cookie, str) else (set_cookie or [])):
            headers.append(("Set-Cookie", value))
        self.respond(req, status, b"", "text/plain", headers)

    def error_body(self, code: str, summary: str, causes=()) -> dict:
        return {"errorCode": code, "errorSummary": summary, "errorLink": code,
                "errorId": "oae" + secrets.token_urlsafe(16), "errorCauses": [{"errorSummary": c} for c in causes]}

    def login_url(self, from_uri: str) -> str:
        return f"{LOGIN_PATH}?{urlencode({'fromURI': from_uri})}"

    def check_password(self, username: str, password: str) -> bool:
        s = self.scenario
        return (username or "").lower() == s.username.lower() and password == s.password

    # ----------------------------------------------------------------- sessions
    def create_session(self, username: str, verified: bool | None = None) -> str:
        """A new live session. verified: whether it counts as having answered the step-up; by default a
        session made while Scenario.step_up is on does (its sign-in met the policy), one made before does not."""
        sid = "102" + secrets.token_urlsafe(24)
        if verified is None:
            verified = bool(self.scenario.step_up)
        with self._lock:
            self._sessions[sid] = {"username": username, "verified": verified}
            self.issued_session_ids.append(sid)
        self.record("session:created")
        return sid

    def session_cookie_header(self, sid: str) -> str:
        return f"{self.SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"

    def expired_session_cookie_header(self) -> str:
        return (f"{self.SESSION_COOKIE}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; "
                "HttpOnly; SameSite=Lax")

    def _cookies_of(self, req) -> dict:
        if isinstance(req, Request):
            return req.cookies
        jar = SimpleCookie()  # a bare handler
        jar.load(req.headers.get("Cookie") or "")
        return {k: m.value for k, m in jar.items()}

    def _session_of(self, req) -> tuple[str, dict] | tuple[None, None]:
        """(sid, session) of the request's live session, else (None, None)."""
        sid = self._cookies_of(req).get(self.SESSION_COOKIE, "")
        with self._lock:
            session = self._sessions.get(sid)
        return (sid, session) if session is not None else (None, None)

    def session_user(self, req) -> str | None:
        return (self._session_of(req)[1] or {}).get("username")

    def live_sessions(self) -> int:
        with self._lock:
            return len(self._sessions)

    def end_sessions(self) -> None:
        """Every session ends (as when they expire or an admin clears them); the cookies stay in the browsers."""
        with self._lock:
            self._sessions.clear()
        self.record("session:ended-by-test")

    def finish_step_up(self, sid: str | None, username: str) -> str:
        """A code was verified for the step-up of session sid: it now counts as verified. Returns the sid to
        set as cookie: the same one, or a new verified session when that one ended meanwhile."""
        with self._lock:
            session = self._sessions.get(sid or "")
            if session is not None:
                session["verified"] = True
        if session is None:
            return self.create_session(username, verified=True)
        self.record("session:verified")
        return sid

    def _new_session_token(self, username: str, step_up_sid: str | None = None) -> str:
        token = "20111" + secrets.token_urlsafe(32)
        with self._lock:
            self._session_tokens[token] = {"username": username, "sid": step_up_sid}
            self.issued_tokens.append(token)
        return token

    # ----------------------------------------------------------------- pages
    def saml_page(self, req, username: str) -> None:
        """Okta's app page: a form that POSTs the SAMLResponse to AWS sign-in as soon as it is parsed."""
        b64 = saml_idp.build_saml_response(self.scenario, username)
        with self._lock:
            self.saml_responses.append(b64)
        self.record("saml:issued")
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in...</title><link rel="icon" href="data:,"></head>
<body>
<form id="appForm" name="appForm" action="{html.escape(self.saml_post_url)}" method="POST">
<input name="SAMLResponse" type="hidden" value="{html.escape(b64)}"/>
<input name="RelayState" type="hidden" value=""/>
<noscript><button type="submit">Continue</button></noscript>
</form>
<script>document.getElementById("appForm").submit();</script>
</body></html>
"""
        self.respond(req, 200, page, headers={"Cache-Control": "no-store"})

    @property
    def saml_post_url(self) -> str:
        path = self.scenario.saml_post_path
        return f"{self.base_url}{path}" if path else saml_idp.AWS_SIGNIN_URL

    def _misdirected_saml(self, req) -> None:
        """A relying party that is not AWS and shows what it got: the assertion, as base64 and as XML text."""
        import base64

        b64 = req.form.get("SAMLResponse", "")
        self.record("saml:posted-elsewhere")
        xml = base64.b64decode(b64).decode("utf-8", "replace")
        self.respond(req, 200, f"<!DOCTYPE html><html><body><h1>Not AWS</h1><p>Got {html.escape(b64)}</p>"
                               f"<pre>{html.escape(xml)}</pre></body></html>")

    def widget_config_base(self) -> dict:
        """The parts of the widget config every hosted page has: baseUrl (this origin) and assets."""
        return {"baseUrl": self.base_url, "assets": {"baseUrl": self.base_url + ASSETS_PREFIX},
                "language": "en", "brandName": "Fake Okta", "logoText": "Fake Okta org"}

    def widget_page(self, req, config: dict, bundle: str = "okta-sign-in.min.js", script: str | None = None) -> None:
        if script is None:
            script = """
signIn.renderEl({el: '#okta-login-container'}, function (res) {
  if (res.status === 'SUCCESS') { res.session.setCookieAndRedirect(config.relayState || '/'); }
}, function (err) { console.log('widget error', err && err.message); });
"""
        # </script> inside the JSON would end the script element: escape "<" the way JSON allows.
        config_js = json.dumps(config).replace("<", "\\u003c")
        page = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake Okta - Sign In</title><link rel="icon" href="data:,">
<link href="{ASSETS_PREFIX}/css/okta-sign-in.min.css" type="text/css" rel="stylesheet">
<script src="{ASSETS_PREFIX}/js/{bundle}" type="text/javascript"></script>
</head><body class="auth okta-container">
<main id="okta-login-container"></main>
<script type="text/javascript">
var config = {config_js};
var signIn = new OktaSignIn(config);
{script}
</script>
</body></html>
"""
        self.respond(req, 200, page, headers={"Cache-Control": "no-store"})

    def _login_page(self, req, from_uri: str | None = None, state_token: str | None = None) -> None:
        from_uri = from_uri or req.query.get("fromURI") or "/"
        config = self.widget_config_base()
        if state_token:  # a transaction already under way (step-up): the widget resumes it
            config["stateToken"] = state_token
        config.update({
            "useClassicEngine": True,
            "relayState": from_uri,
            "features": {  # what an Okta-hosted Classic sign-in page turns on
                "router": True, "rememberMe": True, "autoPush": True, "multiOptionalFactorEnroll": True,
                "selfServiceUnlock": False, "smsRecovery": False, "callRecovery": False, "emailRecovery": False,
                "registration": False, "idpDiscovery": False, "passwordlessAuth": False,
                "showPasswordToggleOnSignInPage": True, "customExpiredPassword": True, "webauthn": True,
                "hideSignOutLinkInMFA": False, "restrictRedirectToForeground": True,
            },
            "helpLinks": {"help": self.base_url + "/help/login"},
        })
        self.widget_page(req, config, bundle=self.classic_bundle)

    def _static(self, req) -> None:
        rel = req.path[len(ASSETS_PREFIX) + 1:]
        with self._lock:
            cached = self._static_cache.get(rel)
        if cached is None:
            root = WIDGET_DIST.resolve()
            target = (root / rel).resolve()
            if root not in target.parents or not target.is_file():
                return self.respond(req, 404, "not found", "text/plain")
            cached = (target.read_bytes(), _content_type(target))
            with self._lock:
                self._static_cache[rel] = cached
        self.respond(req, 200, cached[0], cached[1], {"Cache-Control": "public, max-age=86400"})

    # ----------------------------------------------------------------- routing
    def _handle(self, req: Request) -> None:
        path = req.path
        if self.scenario.engine == "oie" and (path == LOGIN_PATH or path.startswith(tuple(self.oie_prefixes))):
            return self._idx().handle(req)
        if path.startswith(ASSETS_PREFIX + "/") and req.method in ("GET", "HEAD"):
            return self._static(req)
        if path == LOGIN_PATH and req.method == "GET":
            return self._login_page(req)
        if path == self.app_path and req.method == "GET":
            return self._app(req)
        if path == "/login/sessionCookieRedirect" and req.method == "GET":
            return self._session_cookie_redirect(req)
        if path == STEP_UP_PATH and req.method == "GET":
            return self._step_up_page(req)
        if path == SIGNOUT_PATH and req.method == "GET":
            return self._signout(req)
        if self.scenario.saml_post_path and path == self.scenario.saml_post_path and req.method == "POST":
            return self._misdirected_saml(req)
        if path == "/api/v1/sessions/me":
            return self._sessions_me(req)
        if path.startswith("/api/v1/authn") and req.method == "POST":
            return self._authn_api(req)
        if path == "/" and req.method == "GET":
            return self.redirect(req, self.login_url("/"))
        self.respond(req, 404, self.error_body("E0000022", "The endpoint does not support the provided HTTP method")
                     if path.startswith("/api/") else "Not found", None if path.startswith("/api/") else "text/plain")

    def _idx(self):
        with self._lock:
            if self.idx is None:
                from . import okta_idx

                self.idx = okta_idx.IdxApi(self)
            return self.idx

    def _app(self, req) -> None:
        sid, session = self._session_of(req)
        if session is None:
            self.record("app:login-required")
            return self.redirect(req, self.login_url(self.app_path))
        if self.scenario.step_up and not session["verified"]:
            self.record("app:step-up")
            return self.redirect(req, f"{STEP_UP_PATH}?{urlencode({'fromURI': self.app_path})}")
        self.saml_page(req, session["username"])

    def _local_path(self, uri: str | None) -> str | None:
        """uri when it is a place on this org (a path, or a URL of this origin), else None.

        Only printable ASCII without spaces or backslashes: browsers drop tabs and newlines and read a
        backslash as "/", so such a path could lead off the org; and a CR or LF would split the headers."""
        if not uri or any(not ("!" <= ch <= "~") or ch == "\\" for ch in uri):
            return None
        try:
            parts = urlsplit(uri)
        except ValueError:  # e.g. "//[": not a URL a browser could follow
            return None
        if parts.scheme or parts.netloc:
            return uri if f"{parts.scheme}://{parts.netloc}" == self.base_url and uri.startswith(self.base_url) \
                else None
        return uri if uri.startswith("/") and not uri.startswith("//") else None

    def _step_up_page(self, req) -> None:
        """The app's sign-on policy wants a code again: the widget, started at the second factor."""
        from_uri = self._local_path(req.query.get("fromURI")) or self.app_path
        sid, session = self._session_of(req)
        if session is None:  # the session ended on the way here: sign in again
            return self.redirect(req, self.login_url(from_uri))
        if self.scenario.engine == "oie":
            return self._idx().step_up_page(req, session["username"], sid, from_uri)
        self._classic_step_up_page(req, session["username"], sid, from_uri)

    def _classic_step_up_page(self, req, username: str, sid: str, from_uri: str) -> None:
        """As Okta's step-up redirect: the Classic widget given the stateToken of a transaction that is
        already in MFA_REQUIRED; it asks POST /api/v1/authn {stateToken} for the state and shows the factor."""
        if not self._factor_list(username):
            raise ValueError("Scenario.step_up needs a second factor: set Scenario.factors to one")
        token = "00" + secrets.token_urlsafe(30)
        with self._lock:
            self._transactions[token] = {"username": username, "push": None, "polls": 0, "sid": sid}
        self._login_page(req, from_uri, state_token=token)

    def _signout(self, req) -> None:
        sid, session = self._session_of(req)
        if session is not None:
            with self._lock:
                self._sessions.pop(sid, None)
            self.record("session:signout")
        else:
            self.record("session:signout-missing")
        target = self._local_path(req.query.get("fromURI")) or LOGIN_PATH
        self.redirect(req, target, set_cookie=self.expired_session_cookie_header())

    def _session_cookie_redirect(self, req) -> None:
        redirect_url = req.query.get("redirectUrl") or "/"
        target = urlsplit(redirect_url)
        if target.scheme or target.netloc:
            if f"{target.scheme}://{target.netloc}" != self.base_url:
                self.record("session:bad-redirect")
                return self.respond(req, 403, "redirectUrl is not on this org", "text/plain")
        with self._lock:
            grant = self._session_tokens.pop(req.query.get("token", ""), None)
        if grant is None:  # Okta sends the browser on without a session (-> sign-in page again)
            self.record("session:bad-token")
            return self.redirect(req, redirect_url)
        if grant["sid"]:  # the end of a step-up: the same session, now verified
            sid = self.finish_step_up(grant["sid"], grant["username"])
        else:
            sid = self.create_session(grant["username"])
        self.redirect(req, redirect_url, set_cookie=self.session_cookie_header(sid))

    def _sessions_me(self, req) -> None:
        sid, session = self._session_of(req)
        if req.method == "DELETE":
            if session is None:
                self.record("session:delete-missing")
            else:
                with self._lock:
                    self._sessions.pop(sid, None)
                self.record("session:deleted")
                return self.respond(req, 204, b"")
        elif req.method != "GET":
            return self.respond(req, 405, self.error_body("E0000022", "The endpoint does not support the "
                                                                      "provided HTTP method"))
        if session is None:
            return self.respond(req, 404, self.error_body("E0000007", "Not found: Resource not found: me (Session)"))
        self.respond(req, 200, {"id": sid, "login": session["username"], "userId": USER_ID, "status": "ACTIVE"})

    # ----------------------------------------------------------------- Classic Authentication API
    def _links(self, **links) -> dict:
        out = {}
        for name, spec in links.items():
            if isinstance(spec, tuple):  # (rel-name, path)
                out[name] = {"name": spec[0], "href": self.base_url + spec[1], "hints": {"allow": ["POST"]}}
            else:
                out[name] = {"href": self.base_url + spec, "hints": {"allow": ["POST"]}}
        return out

    def _user(self, username: str) -> dict:
        return {"id": USER_ID, "passwordChanged": "2024-01-15T10:00:00.000Z",
                "profile": {"login": username, "firstName": "Alice", "lastName": "Example",
                            "locale": "en", "timeZone": "America/Los_Angeles"}}

    def _factor_list(self, username: str) -> list[dict]:
        kind = self.scenario.factors
        push = {"id": PUSH_ID, "factorType": "push", "provider": "OKTA", "vendorName": "OKTA",
                "profile": {"credentialId": username, "deviceType": "SmartPhone_IPhone", "keys": [],
                            "name": "Alice's iPhone", "platform": "IOS", "version": "17.2"}}
        okta_totp = {"id": OKTA_TOTP_ID, "factorType": "token:software:totp", "provider": "OKTA",
                     "vendorName": "OKTA", "profile": {"credentialId": username}}
        google = {"id": GOOGLE_TOTP_ID, "factorType": "token:software:totp", "provider": "GOOGLE",
                  "vendorName": "GOOGLE", "profile": {"credentialId": username}}
        sms = {"id": SMS_ID, "factorType": "sms", "provider": "OKTA", "vendorName": "OKTA",
               "profile": {"phoneNumber": "+1 XXX-XXX-0042"}}
        email = {"id": EMAIL_ID, "factorType": "email", "provider": "OKTA", "vendorName": "OKTA",
                 "profile": {"email": username[0] + "...@" + username.partition("@")[2]}}  # masked, as Okta
        question = {"id": QUESTION_ID, "factorType": "question", "provider": "OKTA", "vendorName": "OKTA",
                    "profile": {"question": "disliked_food", "questionText": SECURITY_QUESTION}}
        factors = {"none": [], "totp": [google], "okta_totp": [okta_totp], "push": [push],
                   "push+totp": [push, okta_totp], "sms": [sms], "email": [email], "question": [question]}.get(kind)
        if factors is None:
            raise ValueError(f"unknown Scenario.factors {kind!r}")
        for f in factors:
            f["_links"] = {"verify": {"href": f"{self.base_url}/api/v1/authn/factors/{f['id']}/verify",
                                      "hints": {"allow": ["POST"]}}}
        return factors

    def _expires(self) -> str:
        import datetime as dt

        t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
        return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _success(self, username: str, step_up_sid: str | None = None) -> dict:
        token = self._new_session_token(username, step_up_sid)
        return {"expiresAt": self._expires(), "status": "SUCCESS", "sessionToken": token,
                "_embedded": {"user": self._user(username)},
                "_links": self._links(cancel="/api/v1/authn/cancel")}

    def _policy(self, factors: list[dict]) -> dict:
        policy = {"allowRememberDevice": True, "rememberDeviceLifetimeInMinutes": 0,
                  "rememberDeviceByDefault": False, "factorsPolicyInfo": {}}
        if any(f["factorType"] == "push" for f in factors):
            policy["factorsPolicyInfo"] = {PUSH_ID: {"autoPushEnabled": False}}
        return policy

    def _mfa_required(self, token: str, txn: dict) -> dict:
        factors = self._factor_list(txn["username"])
        return {"stateToken": token, "expiresAt": self._expires(), "status": "MFA_REQUIRED",
                "_embedded": {"user": self._user(txn["username"]), "policy": self._policy(factors),
                              "factors": factors},
                "_links": self._links(cancel="/api/v1/authn/cancel")}

    def _password_warn(self, token: str, txn: dict) -> dict:
        """PASSWORD_WARN as Okta answers it: the password is right but expires soon; `next` changes it,
        `skip` ("Remind me later") goes on."""
        policy = {"expiration": {"passwordExpireDays": PASSWORD_EXPIRE_DAYS},
                  "complexity": {"minLength": 8, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1,
                                 "minSymbol": 0, "excludeUsername": True},
                  "age": {"minAgeMinutes": 0, "historyCount": 4}}
        return {"stateToken": token, "expiresAt": self._expires(), "status": "PASSWORD_WARN",
                "_embedded": {"user": self._user(txn["username"]), "policy": policy},
                "_links": self._links(next=("changePassword", "/api/v1/authn/credentials/change_password"),
                                      skip=("skip", "/api/v1/authn/skip"), cancel="/api/v1/authn/cancel")}

    def _current_state(self, token: str, txn: dict) -> dict:
        """What the transaction answers now (resume, introspect): PASSWORD_WARN until skipped, else MFA."""
        if txn.get("state") == "PASSWORD_WARN":
            return self._password_warn(token, txn)
        return self._mfa_required(token, txn)

    def _after_password(self, req, token: str, txn: dict) -> None:
        """The password is dealt with (right, and any expiry warning skipped): the second factor, or SUCCESS."""
        if not self._factor_list(txn["username"]):
            with self._lock:
                self._transactions.pop(token, None)
            return self.respond(req, 200, self._success(txn["username"], txn.get("sid")))
        with self._lock:
            txn["state"] = "MFA_REQUIRED"
        self.record("authn:mfa-required")
        self.respond(req, 200, self._mfa_required(token, txn))

    def _push_challenge(self, token: str, txn: dict, result: str) -> dict:
        factor = next(f for f in self._factor_list(txn["username"]) if f["id"] == PUSH_ID)
        factor.pop("_links")
        verify = f"/api/v1/authn/factors/{PUSH_ID}/verify"
        if result == "WAITING" and self.scenario.number_challenge is not None:
            factor["_embedded"] = {"challenge": {"correctAnswer": self.scenario.number_challenge}}
        elif result != "WAITING":
            factor["_embedded"] = {"verification": None}
        links = self._links(next=("poll" if result == "WAITING" else "verify", verify),
                            cancel="/api/v1/authn/cancel", prev="/api/v1/authn/previous")
        links["resend"] = [{"name": "push", "href": self.base_url + verify + "/resend", "hints": {"allow": ["POST"]}}]
        return {"stateToken": token, "expiresAt": self._expires(), "status": "MFA_CHALLENGE",
                "factorResult": result, "_embedded": {"user": self._user(txn["username"]), "factor": factor},
                "_links": links}

    def _code_challenge(self, token: str, txn: dict, factor: dict) -> dict:
        """MFA_CHALLENGE after an SMS or email was sent: `next` verifies the code, `resend` sends another."""
        factor = {k: v for k, v in factor.items() if k != "_links"}
        factor["_embedded"] = {"verification": None}
        verify = f"/api/v1/authn/factors/{factor['id']}/verify"
        links = self._links(next=("verify", verify), prev="/api/v1/authn/previous", cancel="/api/v1/authn/cancel")
        links["resend"] = [{"name": factor["factorType"], "href": self.base_url + verify + "/resend",
                            "hints": {"allow": ["POST"]}}]
        return {"stateToken": token, "expiresAt": self._expires(), "status": "MFA_CHALLENGE",
                "factorResult": "CHALLENGE",
                "_embedded": {"user": self._user(txn["username"]), "factor": factor,
                              "policy": self._policy([factor])},
                "_links": links}

    def _invalid_token(self, req) -> None:
        self.record("authn:invalid-state-token")
        self.respond(req, 403, self.error_body("E0000011", "Invalid token provided"))

    def _not_allowed(self, req) -> None:
        self.respond(req, 403, self.error_body("E0000079", "This operation is not allowed in the current "
                                                           "authentication state."))

    def _authn_api(self, req) -> None:
        body = req.json if isinstance(req.json, dict) else {}
        path = req.path.rstrip("/")
        token = body.get("stateToken")
        with self._lock:
            txn = self._transactions.get(token) if token else None

        if path == "/api/v1/authn" and "username" not in body:
            # authClient.tx.resume / status: the transaction's current state
            if txn is None:
                return self._invalid_token(req)
            return self.respond(req, 200, self._current_state(token, txn))
        if path == "/api/v1/authn":
            return self._primary_auth(req, body)
        if txn is None:
            return self._invalid_token(req)
        if path == "/api/v1/authn/introspect":
            return self.respond(req, 200, self._current_state(token, txn))
        if path == "/api/v1/authn/previous":
            self.record("authn:previous")
            with self._lock:
                txn["push"] = txn["sent"] = None
            return self.respond(req, 200, self._current_state(token, txn))
        if path == "/api/v1/authn/cancel":
            with self._lock:
                self._transactions.pop(token, None)
            self.record("authn:cancel")
            return self.respond(req, 200, {})
        if path in ("/api/v1/authn/skip", "/api/v1/authn/credentials/change_password"):
            if txn.get("state") != "PASSWORD_WARN":
                return self._not_allowed(req)
            # A posted change-password form is recorded whatever it holds (tests assert it never comes).
            self.record("authn:skip" if path.endswith("skip") else "authn:password-changed")
            return self._after_password(req, token, txn)
        parts = path.split("/")  # ['', 'api', 'v1', 'authn', 'factors', ID, 'verify'(, 'resend')]
        if len(parts) in (7, 8) and parts[4] == "factors" and parts[6] == "verify":
            if txn.get("state") == "PASSWORD_WARN":
                return self._not_allowed(req)
            factor_id = parts[5]
            factor = next((f for f in self._factor_list(txn["username"]) if f["id"] == factor_id), None)
            if factor is None:
                return self.respond(req, 404, self.error_body("E0000007", f"Not found: Resource not found: "
                                                                          f"{factor_id} (UserFactor)"))
            resend = len(parts) == 8
            if factor_id == PUSH_ID:
                return self._verify_push(req, token, txn, resend=resend)
            if factor["factorType"] in ("sms", "email"):
                return self._verify_sent_code(req, body, txn, token, factor, resend=resend)
            if factor["factorType"] == "question":
                return self._verify_question(req, body, txn, token)
            return self._verify_totp(req, body, txn, token)
        self.respond(req, 404, self.error_body("E0000022", "The endpoint does not support the provided HTTP method"))

    def _primary_auth(self, req, body) -> None:
        username, password = body.get("username") or "", body.get("password") or ""
        s = self.scenario
        if not self.check_password(username, password):
            self.record("authn:bad-password" if username.lower() == s.username.lower() else "authn:unknown-user")
            return self.respond(req, 401, self.error_body("E0000004", "Authentication failed"))
        if s.locked_out:
            self.record("authn:locked-out")
            return self.respond(req, 200, {"status": "LOCKED_OUT", "_links": self._links(
                next=("unlock", "/api/v1/authn/recovery/unlock"))})
        self.record("authn:ok")
        if s.factors == "none" and not s.classic_password_warn:
            return self.respond(req, 200, self._success(s.username))
        token = "00" + secrets.token_urlsafe(30)
        # state: "PASSWORD_WARN" | "MFA_REQUIRED"; sent: the SMS/email factor a code was sent for
        txn = {"username": s.username, "push": None, "polls": 0, "sent": None, "state": "MFA_REQUIRED"}
        with self._lock:
            self._transactions[token] = txn
        if s.classic_password_warn:
            with self._lock:
                txn["state"] = "PASSWORD_WARN"
            self.record("authn:password-warn")
            return self.respond(req, 200, self._password_warn(token, txn))
        self._after_password(req, token, txn)

    def _code_ok(self, code: str) -> bool:
        import pyotp

        return bool(code) and pyotp.TOTP(self.scenario.totp_secret).verify(code, valid_window=1)

    def _verified(self, req, token: str, txn: dict, event: str) -> None:
        self.record(event)
        with self._lock:
            self._transactions.pop(token, None)
        self.respond(req, 200, self._success(txn["username"], txn.get("sid")))

    def _bad_passcode(self, req, event: str) -> None:
        self.record(event)
        self.respond(req, 403, self.error_body("E0000068", "Invalid Passcode/Answer",
                                               ["Your passcode doesn't match our records. Please try again."]))

    def _verify_totp(self, req, body, txn, token) -> None:
        code = str(body.get("passCode") or body.get("answer") or "").strip()
        if self._code_ok(code):
            return self._verified(req, token, txn, "verify:totp:ok")
        self._bad_passcode(req, "verify:totp:bad")

    def _verify_sent_code(self, req, body, txn, token, factor: dict, resend: bool) -> None:
        """SMS or email, as Okta: a verify without a passCode (or a resend) sends a code and answers
        MFA_CHALLENGE; a passCode is checked against the code sent (here: the current TOTP of totp_secret)."""
        kind = factor["factorType"]
        code = str(body.get("passCode") or "").strip()
        if resend or not code:
            with self._lock:
                txn["sent"] = factor["id"]
            self.record(f"verify:{kind}:sent")
            return self.respond(req, 200, self._code_challenge(token, txn, factor))
        if txn.get("sent") != factor["id"]:  # no code was sent in this transaction: nothing can match
            return self._bad_passcode(req, f"verify:{kind}:not-sent")
        if self._code_ok(code):
            return self._verified(req, token, txn, f"verify:{kind}:ok")
        self._bad_passcode(req, f"verify:{kind}:bad")

    def _verify_question(self, req, body, txn, token) -> None:
        if str(body.get("answer") or "").strip().lower() == SECURITY_ANSWER:
            return self._verified(req, token, txn, "verify:question:ok")
        self.record("verify:question:bad")
        wrong = "The recovery question answer did not match our records."
        self.respond(req, 403, self.error_body("E0000087", wrong, [wrong]))

    def _verify_push(self, req, token, txn, resend: bool) -> None:
        s = self.scenario
        with self._lock:
            if txn["push"] != "waiting" or resend:  # a new push to the phone
                txn["push"], txn["polls"] = "waiting", 0
                sent = True
            else:
                txn["polls"] += 1
                sent = False
            polls = txn["polls"]
        if sent:
            self.record("push:sent")
            return self.respond(req, 200, self._push_challenge(token, txn, "WAITING"))
        if polls <= s.push_waits:
            self.record("push:waiting")
            return self.respond(req, 200, self._push_challenge(token, txn, "WAITING"))
        with self._lock:
            txn["push"] = None
        if s.push_result == "approve":
            return self._verified(req, token, txn, "push:approved")
        if s.push_result == "reject":
            self.record("push:rejected")
            return self.respond(req, 200, self._push_challenge(token, txn, "REJECTED"))
        self.record("push:timeout")
        self.respond(req, 200, self._push_challenge(token, txn, "TIMEOUT"))
