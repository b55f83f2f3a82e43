"""A small SAML IdP of our own on 127.0.0.1, with the plain pages SimpleSAMLphp does not show.

The generic provider is tested against the real SimpleSAMLphp (tests/fakes/simplesaml.py); this fake shows
the other shapes a sign-in takes at other IdPs, each page built the way such IdPs build theirs:

    "login"       username and password on one form (label "Email address", button "Sign in")
    "login-extra" the same with a third field ("Domain"): a form aws-sts is not sure of, so never fills
    "login-twice" two sign-in forms ("Employees", "Partners"): not sure which one is meant, so neither is filled
    "identifier"  the username alone ("loginfmt", type email, button "Next"), as Entra ID and Google do
    "password"    the password alone, the username shown as text
    "code"        a one-time code, server-rendered (autocomplete="one-time-code"); a wrong one renders the
                  page again with an error
    "code-inline" a one-time code checked by the page's own script (fetch): a wrong one shows an alert in
                  place, without a new page; a right one moves the page on
    "consent"     a page aws-sts does not know ("Allow access?", buttons Allow / Deny): the user's to answer

    with PlainIdp(steps=["identifier", "password", "code"]) as idp:
        idp.entry_url      # GET: the current step of this browser's sign-in, or the SAML form with a session
        idp.events         # "login:ok", "password:bad", "code:ok", "consent:allow", "saml:issued", ...

The SAML Response is the fake Okta org's (tests/fakes/saml_idp.py), signed with the same key, so the fake STS
of the tests trusts it. No sleeps; every page answers at once.
"""

from __future__ import annotations

import html
import secrets
import threading
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl

from tests.fakes import saml_idp
from tests.fakes.loopback import LoopbackServer
from tests.fakes.okta_org import Scenario

USERNAME, PASSWORD = "bob@example.com", "plain-pages-password"
TOTP_SECRET = "KRUGS4ZANFZSAYLTMVRXEZLUEBSGK3LP"  # 32-char base32

def code_ok(code, secret: str) -> bool:
    """As IdPs check codes: the current one, or the one of the 30 s step before or after (clock drift, and a
    code read at the end of its step)."""
    import pyotp

    return bool(code) and pyotp.TOTP(secret).verify(code, valid_window=1)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><link rel="icon" href="data:,">
<style>body {{ font-family: sans-serif; margin: 3em; }} .error {{ color: #b00; }}</style></head>
<body><main><h1>{title}</h1>{error}{body}</main></body></html>
"""
FORMS = {
    "login": """<form method="post" action="/sso">
  <label for="user">Email address</label> <input id="user" name="username" type="text" autocomplete="username">
  <label for="pw">Password</label> <input id="pw" name="password" type="password" autocomplete="current-password">
  <input type="checkbox" name="remember" id="remember"> <label for="remember">Keep me signed in</label>
  <button type="submit">Sign in</button> <a href="/help">Forgot your password?</a>
</form>""",
    "login-extra": """<form method="post" action="/sso">
  <label for="user">Username</label> <input id="user" name="username" type="text">
  <label for="pw">Password</label> <input id="pw" name="password" type="password">
  <label for="domain">Domain</label> <input id="domain" name="domain" type="text">
  <button type="submit">Sign in</button>
</form>""",
    "login-twice": """<h2>Employees</h2><form method="post" action="/sso">
  <label for="user">Username</label> <input id="user" name="username" type="text">
  <label for="pw">Password</label> <input id="pw" name="password" type="password">
  <button type="submit">Sign in</button>
</form>
<h2>Partners</h2><form method="post" action="/sso">
  <label for="puser">Partner ID</label> <input id="puser" name="username" type="text">
  <label for="ppw">Password</label> <input id="ppw" name="password" type="password">
  <button type="submit">Sign in</button>
</form>""",
    "identifier": """<form method="post" action="/sso">
  <input name="loginfmt" type="email" placeholder="Email, phone, or Skype" aria-label="Sign-in name">
  <input type="button" value="Back" onclick="history.back()"> <input type="submit" value="Next">
</form>""",
    "password": """<form method="post" action="/sso">
  <p>{username}</p>
  <input name="passwd" type="password" placeholder="Password" aria-label="Password">
  <input type="submit" value="Sign in">
</form>""",
    "code": """<form method="post" action="/sso">
  <label for="otc">Enter the code from your authenticator app</label>
  <input id="otc" name="otc" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6">
  <button type="submit">Verify</button>
</form>""",
    "code-inline": """<div role="form">
  <label for="passcode">Verification code</label> <input id="passcode" name="passcode" type="tel" maxlength="8">
  <p id="problem" class="error" role="alert" hidden></p>
  <button id="verify" type="button">Verify</button>
</div>
<script>
document.getElementById('verify').addEventListener('click', async () => {
  const problem = document.getElementById('problem');
  problem.hidden = true;
  const answer = await fetch('/code', {method: 'POST', body: new URLSearchParams(
    {passcode: document.getElementById('passcode').value})});
  if (answer.ok) { location.href = '/sso'; return; }
  problem.textContent = await answer.text();
  problem.hidden = false;
});
</script>""",
    "consent": """<form method="post" action="/sso">
  <p>Amazon Web Services would like to know your name and your groups.</p>
  <button type="submit" name="consent" value="allow" autofocus>Allow</button>
  <button type="submit" name="consent" value="deny">Deny</button>
</form>""",
}
TITLES = {"login": "Sign in", "login-extra": "Sign in", "login-twice": "Sign in", "identifier": "Sign in",
          "password": "Enter password",
          "code": "Verify your identity",
          "code-inline": "Verify your identity", "consent": "Allow access?"}


class PlainIdp(LoopbackServer):
    def __init__(self, steps=("login",), roles=None):
        self.steps = list(steps)
        self.scenario = Scenario(username=USERNAME, password=PASSWORD, totp_secret=TOTP_SECRET,
                                 roles=list(roles or Scenario().roles))
        self.events: list[str] = []
        self.saml_responses: list[str] = []
        self.errors: list[str] = []
        self._transactions: dict[str, dict] = {}  # cookie "txn" -> {"step": i, "username": ...}
        self._sessions: set[str] = set()            # cookie "sid"
        self.issued_session_ids: list[str] = []     # every sid ever set (the secrets scan looks for them)
        self._lock = threading.Lock()
        self.base_url = ""

    # --- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> PlainIdp:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                idp._handle(self, "GET")

            def do_POST(self):
                idp._handle(self, "POST")

            def log_message(self, *args):
                pass

        self.base_url = self.serve(Handler, name="plain-idp")
        return self

    @property
    def entry_url(self) -> str:
        return f"{self.base_url}/sso"

    @property
    def logout_url(self) -> str:
        return f"{self.base_url}/logout"

    def reset(self, steps=None) -> None:
        with self._lock:
            if steps is not None:
                self.steps = list(steps)
            self.events.clear()
            self.saml_responses.clear()
            self.errors.clear()
            self._transactions.clear()
            self._sessions.clear()
            self.issued_session_ids.clear()

    def live_sessions(self) -> int:
        return len(self._sessions)

    def record(self, event: str) -> None:
        with self._lock:
            self.events.append(event)

    # --- requests --------------------------------------------------------------------------------------
    def _handle(self, handler, method: str) -> None:
        try:
            path = handler.path.split("?", 1)[0]
            length = int(handler.headers.get("Content-Length") or 0)
            form = dict(parse_qsl(handler.rfile.read(length).decode())) if length else {}
            jar = SimpleCookie(handler.headers.get("Cookie") or "")
            cookies = {name: morsel.value for name, morsel in jar.items()}
            if path == "/sso":
                self._sso(handler, method, form, cookies)
            elif path == "/code" and method == "POST":
                self._inline_code(handler, form, cookies)
            elif path == "/logout":
                ended = cookies.get("sid") in self._sessions
                self._sessions.discard(cookies.get("sid"))
                self.record("logout:ended" if ended else "logout:no-session")
                self._send(handler, 200, "<!DOCTYPE html><title>Signed out</title><p>You are signed out.</p>",
                           cookies=["sid=; Path=/; Max-Age=0"])
            else:
                self._send(handler, 404, "<!DOCTYPE html><title>Not found</title><p>Not found.</p>")
        except Exception as exc:  # kept for the tests: the fake itself must never fail
            self.errors.append(repr(exc))
            raise

    def _sso(self, handler, method: str, form: dict, cookies: dict) -> None:
        if cookies.get("sid") in self._sessions:
            return self._saml_page(handler, self.scenario.username)
        txn_id = cookies.get("txn")
        txn = self._transactions.get(txn_id)
        if txn is None:
            txn_id, txn = secrets.token_urlsafe(16), {"step": 0, "username": None}
            self._transactions[txn_id] = txn
        error = ""
        if method == "POST":
            error = self._answer(txn, form)
        if txn["step"] >= len(self.steps):  # every step answered: a session, and the SAML form
            del self._transactions[txn_id]
            sid = secrets.token_urlsafe(24)
            self._sessions.add(sid)
            self.issued_session_ids.append(sid)
            self.record("session:created")
            return self._saml_page(handler, txn["username"], [f"sid={sid}; Path=/; HttpOnly",
                                                               "txn=; Path=/; Max-Age=0"])
        self._step_page(handler, txn, error, [f"txn={txn_id}; Path=/; HttpOnly"])

    def _answer(self, txn: dict, form: dict) -> str:
        """Check what the current step's form sent: '' and the next step, or the error to show."""
        step, s = self.steps[txn["step"]], self.scenario
        if step in ("login", "login-extra", "login-twice"):
            ok = form.get("username") == s.username and form.get("password") == s.password
            txn["username"] = form.get("username")
            error = "Incorrect username or password."
        elif step == "identifier":
            ok = form.get("loginfmt") == s.username
            txn["username"] = form.get("loginfmt")
            error = "We couldn't find an account with that username."
        elif step == "password":
            ok = form.get("passwd") == s.password
            error = "Your account or password is incorrect."
        elif step == "code":
            ok = code_ok(form.get("otc"), s.totp_secret)
            error = "That code didn't work. Check the code and try again."
        elif step == "consent":
            ok = form.get("consent") == "allow"
            error = "You declined: Amazon Web Services cannot sign you in."
        else:  # code-inline answers through /code
            ok, error = False, "Use the Verify button."
        self.record(f"{step}:{'ok' if ok else 'bad'}" if step != "consent" else f"consent:{form.get('consent')}")
        if ok:
            txn["step"] += 1
            return ""
        return error

    def _inline_code(self, handler, form: dict, cookies: dict) -> None:
        txn = self._transactions.get(cookies.get("txn") or "")
        if txn is None or self.steps[txn["step"]] != "code-inline":
            return self._send(handler, 400, "No code was asked for.", content_type="text/plain")
        if not code_ok(form.get("passcode"), self.scenario.totp_secret):
            self.record("code-inline:bad")
            return self._send(handler, 403, "The code is wrong or has expired.", content_type="text/plain")
        self.record("code-inline:ok")
        txn["step"] += 1
        self._send(handler, 200, "ok", content_type="text/plain")

    # --- pages -----------------------------------------------------------------------------------------
    def _step_page(self, handler, txn: dict, error: str, cookies: list) -> None:
        step = self.steps[txn["step"]]
        shown = f'<div class="alert alert-danger" role="alert">{html.escape(error)}</div>' if error else ""
        body = FORMS[step].replace("{username}", html.escape(txn["username"] or ""))
        self._send(handler, 200, PAGE.format(title=TITLES[step], error=shown, body=body), cookies=cookies)

    def _saml_page(self, handler, username: str, cookies=()) -> None:
        b64 = saml_idp.build_saml_response(self.scenario, username)
        with self._lock:
            self.saml_responses.append(b64)
            self.events.append("saml:issued")
        page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Working...</title></head>
<body onload="document.forms[0].submit()">
<form method="post" action="{saml_idp.AWS_SIGNIN_URL}">
<input type="hidden" name="SAMLResponse" value="{html.escape(b64)}">
<noscript><input type="submit" value="Continue"></noscript>
</form></body></html>"""
        self._send(handler, 200, page, cookies=list(cookies))

    @staticmethod
    def _send(handler, status: int, body: str, cookies=(), content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.send_header("Cache-Control", "no-store")
        for cookie in cookies:
            handler.send_header("Set-Cookie", cookie)
        handler.end_headers()
        handler.wfile.write(data)
