"""A fake Okta org on 127.0.0.1 that serves the REAL Okta Sign-In Widget (npm, tests/node_modules).

Classic engine (``scenario.engine == "classic"``), the paths a browser meets when it opens the Okta AWS app:

    GET  /home/amazon_aws/0oaawsapp000000000001/272   no session: 302 /login/login.htm?fromURI=<app path>
                                                      session: auto-POST page, SAMLResponse -> AWS sign-in
    GET  /login/login.htm?fromURI=..                  the widget page (useClassicEngine), same origin
    POST /api/v1/authn                                primary auth (or, with only a stateToken: current state)
    POST /api/v1/authn/factors/{id}/verify[?..]       TOTP code, push send / poll (Okta's Authentication API)
    POST /api/v1/authn/factors/{id}/verify/resend     push again
    POST /api/v1/authn/previous | /cancel | /introspect
    GET  /login/sessionCookieRedirect?token=..&redirectUrl=..   sessionToken -> cookie ``sid``, 302
    GET  /api/v1/sessions/me                          404 E0000007 without a session (as Okta answers)
    GET  /assets/widget/...                           the widget's dist folder (js, css, img, font, labels)

Scenario (what the org's user has enrolled, how pushes end, what the SAML looks like) is a plain dataclass
that tests replace or mutate between runs; ``org.events`` records what happened ("authn:ok",
"verify:totp:bad", "push:sent", "saml:issued", ...) without secrets; ``org.saml_responses`` every
SAMLResponse issued. No sleeps anywhere: a push poll answers WAITING at once, the widget waits between polls.

Extension seam for the Identity Engine (``scenario.engine == "oie"``): requests whose path starts with one of
``org.oie_prefixes`` (``/idp/idx/``, ``/login/token/redirect``; IdxApi.__init__ may add more, e.g.
``org.oie_prefixes += ("/oauth2/",)``), and the login page itself (GET /login/login.htm?fromURI=..), go to
``org.idx.handle(req)``, where ``org.idx`` is ``tests.fakes.okta_idx.IdxApi(org)``, created on first use;
``org.reset()`` calls ``org.idx.reset()`` when it exists. ``handle`` must answer the request through the
helpers below (an exception becomes a 500 and is kept in ``org.errors``). Everything else (app page,
sessionCookieRedirect, static files, /api/v1/sessions/me) stays with the org in both engines. The request
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
    org.create_session(username) -> sid      the cookie value; cookie name org.SESSION_COOKIE == "sid";
        org.session_cookie_header(sid) gives the Set-Cookie value; org.session_user(req) -> username or None
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

WIDGET_DIST = Path(__file__).parents[1] / "node_modules/@okta/okta-signin-widget/dist"
ASSETS_PREFIX = "/assets/widget"
LOGIN_PATH = "/login/login.htm"

# Fixed ids, shaped like Okta's 20-character ones.
USER_ID = "00ufakeuser000000001"
GOOGLE_TOTP_ID = "uftfakegoogletotp001"
OKTA_TOTP_ID = "ostfakeoktatotp00001"
PUSH_ID = "opffakeoktapush00001"


@dataclass
class Scenario:
    username: str = "alice@example.com"
    password: str = "correct-horse-battery"
    factors: str = "totp"        # "none" | "totp" (Google Authenticator) | "okta_totp" (Okta Verify code only)
                                 # | "push" (Okta Verify push only) | "push+totp" (Okta Verify push + code: merged view)
                                 # | "sms" (SMS only: a page aws-sts does not know)
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
    # Identity Engine only (tests/fakes/okta_idx.py):
    oie_identifier_first: bool = False    # identifier page, then a password page (else both on one page)
    oie_authenticators: list | None = None  # e.g. ["google_otp", "okta_verify_push"]; None: follow `factors`
    oie_poll_ms: int = 250                # the push poll interval the widget is told
    oie_kmsi_prompt: bool = False         # ask "Stay signed in?" after the last factor


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

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _dispatch


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return  # a browser closed a keep-alive connection: nothing went wrong
        super().handle_error(request, client_address)


class FakeOktaOrg:
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
        self.errors: list[str] = []  # exceptions raised while handling a request (each answered 500)
        self.saml_responses: list[str] = []
        self.issued_tokens: list[str] = []  # session ids and one-time session tokens, for the secrets scan
        self.idp_cert_pem: bytes = saml_idp.idp_cert_pem()
        # The Classic page loads the classic-only bundle: same widget code as okta-sign-in.min.js with
        # useClassicEngine, 0.6 MB less to parse. Set to "okta-sign-in.min.js" to use the full bundle.
        self.classic_bundle = "okta-sign-in.classic.min.js"
        self.idx = None  # okta_idx.IdxApi(self), made on the first Identity Engine request
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._static_cache: dict[str, tuple[bytes, str]] = {}
        self.base_url = ""
        self.reset()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> "FakeOktaOrg":
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.org = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-okta", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeOktaOrg":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def app_url(self) -> str:
        return self.base_url + self.app_path

    def reset(self) -> None:
        """Forget what happened (events, sessions, transactions, assertions); keep the scenario."""
        with self._lock:
            self.events.clear()
            self.errors.clear()
            self.saml_responses.clear()
            self.issued_tokens.clear()
            if self.idx is not None and hasattr(self.idx, "reset"):
                self.idx.reset()
            self._sessions: dict[str, str] = {}        # sid -> username
            self._session_tokens: dict[str, str] = {}  # one-time sessionToken -> username
            self._transactions: dict[str, dict] = {}   # stateToken -> {"username", "push": None|"waiting", "polls"}

    def record(self, event: str) -> None:
        with self._lock:
            self.events.append(event)

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
    def create_session(self, username: str) -> str:
        sid = "102" + secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[sid] = username
            self.issued_tokens.append(sid)
        self.record("session:created")
        return sid

    def session_cookie_header(self, sid: str) -> str:
        return f"{self.SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax"

    def session_user(self, req) -> str | None:
        if isinstance(req, Request):
            cookies = req.cookies
        else:  # a bare handler
            jar = SimpleCookie()
            jar.load(req.headers.get("Cookie") or "")
            cookies = {k: m.value for k, m in jar.items()}
        with self._lock:
            return self._sessions.get(cookies.get(self.SESSION_COOKIE, ""))

    def _new_session_token(self, username: str) -> str:
        token = "20111" + secrets.token_urlsafe(32)
        with self._lock:
            self._session_tokens[token] = username
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

    def _login_page(self, req) -> None:
        from_uri = req.query.get("fromURI") or "/"
        config = self.widget_config_base()
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
            if self.idx is None:
                from . import okta_idx

                self.idx = okta_idx.IdxApi(self)
            return self.idx.handle(req)
        if path.startswith(ASSETS_PREFIX + "/") and req.method in ("GET", "HEAD"):
            return self._static(req)
        if path == LOGIN_PATH and req.method == "GET":
            return self._login_page(req)
        if path == self.app_path and req.method == "GET":
            return self._app(req)
        if path == "/login/sessionCookieRedirect" and req.method == "GET":
            return self._session_cookie_redirect(req)
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

    def _app(self, req) -> None:
        username = self.session_user(req)
        if username is None:
            self.record("app:login-required")
            return self.redirect(req, self.login_url(self.app_path))
        self.saml_page(req, username)

    def _session_cookie_redirect(self, req) -> None:
        redirect_url = req.query.get("redirectUrl") or "/"
        target = urlsplit(redirect_url)
        if target.scheme or target.netloc:
            if f"{target.scheme}://{target.netloc}" != self.base_url:
                self.record("session:bad-redirect")
                return self.respond(req, 403, "redirectUrl is not on this org", "text/plain")
        with self._lock:
            username = self._session_tokens.pop(req.query.get("token", ""), None)
        if username is None:  # Okta sends the browser on without a session (-> sign-in page again)
            self.record("session:bad-token")
            return self.redirect(req, redirect_url)
        sid = self.create_session(username)
        self.redirect(req, redirect_url, set_cookie=self.session_cookie_header(sid))

    def _sessions_me(self, req) -> None:
        username = self.session_user(req)
        if username is None:
            return self.respond(req, 404, self.error_body("E0000007", "Not found: Resource not found: me (Session)"))
        self.respond(req, 200, {"id": req.cookies[self.SESSION_COOKIE], "login": username, "userId": USER_ID,
                                "status": "ACTIVE"})

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
        sms = {"id": "smsfakesmsfactor0001", "factorType": "sms", "provider": "OKTA", "vendorName": "OKTA",
               "profile": {"phoneNumber": "+1 XXX-XXX-0042"}}  # a factor aws-sts does not answer headless
        factors = {"none": [], "totp": [google], "okta_totp": [okta_totp], "push": [push],
                   "push+totp": [push, okta_totp], "sms": [sms]}.get(kind)
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

    def _success(self, username: str) -> dict:
        return {"expiresAt": self._expires(), "status": "SUCCESS", "sessionToken": self._new_session_token(username),
                "_embedded": {"user": self._user(username)},
                "_links": self._links(cancel="/api/v1/authn/cancel")}

    def _mfa_required(self, token: str, txn: dict) -> dict:
        factors = self._factor_list(txn["username"])
        policy = {"allowRememberDevice": True, "rememberDeviceLifetimeInMinutes": 0,
                  "rememberDeviceByDefault": False}
        if any(f["factorType"] == "push" for f in factors):
            policy["factorsPolicyInfo"] = {PUSH_ID: {"autoPushEnabled": False}}
        return {"stateToken": token, "expiresAt": self._expires(), "status": "MFA_REQUIRED",
                "_embedded": {"user": self._user(txn["username"]), "policy": policy, "factors": factors},
                "_links": self._links(cancel="/api/v1/authn/cancel")}

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

    def _invalid_token(self, req) -> None:
        self.record("authn:invalid-state-token")
        self.respond(req, 403, self.error_body("E0000011", "Invalid token provided"))

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
            return self.respond(req, 200, self._mfa_required(token, txn))
        if path == "/api/v1/authn":
            return self._primary_auth(req, body)
        if txn is None:
            return self._invalid_token(req)
        if path in ("/api/v1/authn/introspect", "/api/v1/authn/previous"):
            if path.endswith("previous"):
                self.record("authn:previous")
            with self._lock:
                txn["push"] = None
            return self.respond(req, 200, self._mfa_required(token, txn))
        if path == "/api/v1/authn/cancel":
            with self._lock:
                self._transactions.pop(token, None)
            self.record("authn:cancel")
            return self.respond(req, 200, {})
        parts = path.split("/")  # ['', 'api', 'v1', 'authn', 'factors', ID, 'verify'(, 'resend')]
        if len(parts) in (7, 8) and parts[4] == "factors" and parts[6] == "verify":
            factor_id = parts[5]
            if factor_id not in {f["id"] for f in self._factor_list(txn["username"])}:
                return self.respond(req, 404, self.error_body("E0000007", f"Not found: Resource not found: "
                                                                          f"{factor_id} (UserFactor)"))
            if factor_id == PUSH_ID:
                return self._verify_push(req, token, txn, resend=len(parts) == 8)
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
        if s.factors == "none":
            return self.respond(req, 200, self._success(s.username))
        token = "00" + secrets.token_urlsafe(30)
        txn = {"username": s.username, "push": None, "polls": 0}
        with self._lock:
            self._transactions[token] = txn
        self.record("authn:mfa-required")
        self.respond(req, 200, self._mfa_required(token, txn))

    def _verify_totp(self, req, body, txn, token) -> None:
        import pyotp

        code = str(body.get("passCode") or body.get("answer") or "").strip()
        if code and pyotp.TOTP(self.scenario.totp_secret).verify(code, valid_window=1):
            self.record("verify:totp:ok")
            with self._lock:
                self._transactions.pop(token, None)
            return self.respond(req, 200, self._success(txn["username"]))
        self.record("verify:totp:bad")
        self.respond(req, 403, self.error_body("E0000068", "Invalid Passcode/Answer",
                                               ["Your passcode doesn't match our records. Please try again."]))

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
            self.record("push:approved")
            with self._lock:
                self._transactions.pop(token, None)
            return self.respond(req, 200, self._success(txn["username"]))
        if s.push_result == "reject":
            self.record("push:rejected")
            return self.respond(req, 200, self._push_challenge(token, txn, "REJECTED"))
        self.record("push:timeout")
        self.respond(req, 200, self._push_challenge(token, txn, "TIMEOUT"))
