"""The fake org's Okta Identity Engine (OIE) mode: the IDX API the Sign-In Widget's OIE bundle talks to.

``FakeOktaOrg`` hands requests to ``IdxApi.handle`` when ``scenario.engine == "oie"`` (see okta_org.py):

    GET  /login/login.htm?fromURI=..       a new transaction; the widget page (okta-sign-in.oie.min.js)
                                           configured with its ``stateToken``, as Okta-hosted pages are
    POST /idp/idx/introspect               {stateToken} -> the transaction's current view
    POST /idp/idx/identify                 {identifier, credentials.passcode?, rememberMe}
    POST /idp/idx/challenge                {authenticator: {id, methodType?}}  pick an authenticator
    POST /idp/idx/challenge/answer         {credentials: {passcode | totp}}    password or code
    POST /idp/idx/authenticators/poll      Okta Verify push polling (answers at once, never sleeps)
    POST /idp/idx/challenge/resend         push again
    POST /idp/idx/keep-me-signed-in        {keepMeSignedIn} the answer to "Stay signed in?"
    POST /idp/idx/cancel                   back to the first page
    GET  /login/token/redirect?stateToken  after success: the session cookie, then 302 to fromURI
                                           (after a step-up: the same session, now verified)

Step-up (``Scenario.step_up``, see okta_org.py): the org's GET /login/step-up calls
``step_up_page(req, username, sid, from_uri)``: a transaction for the session's user that starts at the
challenge of the one authenticator (or the select list when there are several), no identify or password.
The challenge starts at the widget's first introspect, so a plain HTTP GET of the page sends no push.

The JSON is written here from Okta's IDX shapes (``remediation`` forms, ``currentAuthenticator``,
``currentAuthenticatorEnrollment``, ``authenticators``, ``authenticatorEnrollments``, ``messages``,
``success``). Errors come back the way Okta sends them: HTTP 4xx whose body is a whole IDX response
carrying ``messages`` (form level) or field ``messages`` (a wrong code).

Scenario knobs (``Scenario`` fields; these are the Identity Engine ones):

    oie_identifier_first: bool = False     identifier page, then a password page (else both on one page)
    oie_authenticators: list[str] | None   the user's second factors, in the order Okta lists them, among
        "google_otp", "okta_verify_totp", "okta_verify_push", "okta_verify_fastpass", "phone_sms", "webauthn".
        None: derived from the Classic ``factors`` (totp -> google_otp, okta_totp -> okta_verify_totp,
        push -> okta_verify_push, push+totp -> both Okta Verify methods, sms -> phone_sms). One (authenticator, method):
        Okta goes straight to its challenge; several: the "Verify it's you" list.
    oie_poll_ms: int = 250                 the push poll interval the widget is told (``refresh``)
    oie_kmsi_prompt: bool = False          after the last factor, the "Stay signed in?" question

and the shared ones: username, password, totp_secret (Google Authenticator, Okta Verify code and the SMS
code all take its current TOTP), push_result, push_waits, number_challenge, locked_out.

Events (``org.events``, no secrets): idx:page, idx:introspect, idx:identify, idx:remember-me,
idx:password:ok/bad, idx:locked-out, idx:mfa-required, idx:select-authenticator,
idx:challenge:<authenticator>, verify:totp:ok/bad, push:sent/waiting/approved/rejected/timeout,
idx:keep-me-signed-in:true/false, idx:cancel, idx:success, idx:token-redirect, idx:invalid-state-token,
idx:step-up (the step-up page: a transaction started at the second factor). A primary sign-in records
idx:identify and idx:password:*; a step-up records neither.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import threading
from urllib.parse import quote, urlsplit

ION = "application/ion+json; okta-version=1.0.0"
BUNDLE = "okta-sign-in.oie.min.js"

USER_ID = "00ufakeuser000000001"
APP = {"name": "amazon_aws", "label": "Amazon Web Services", "id": "0oaawsapp000000000001"}

# Authenticators (id) and the user's enrollments of them (enrollment id).
PASSWORD = {"key": "okta_password", "type": "password", "id": "autfakepassword00001",
            "enrollment": "laefakepassword00001",
            "displayName": "Password", "methods": ["password"]}
GOOGLE = {"key": "google_otp", "type": "app", "id": "autfakegoogleotp0001", "enrollment": "uftfakegoogleotp0001",
          "displayName": "Google Authenticator", "methods": ["otp"]}
OKTA_VERIFY = {"key": "okta_verify", "type": "app", "id": "autfakeoktaverify001", "enrollment": "pfdfakeoktaverify001",
               "displayName": "Okta Verify", "methods": []}  # methods from the scenario
PHONE = {"key": "phone_number", "type": "phone", "id": "autfakephone00000001", "enrollment": "mblfakephone00000001",
         "displayName": "Phone", "methods": ["sms"]}
WEBAUTHN = {"key": "webauthn", "type": "security_key", "id": "autfakewebauthn00001",
            "enrollment": "fwffakewebauthn00001", "displayName": "Security Key or Biometric", "methods": ["webauthn"]}

# scenario name -> (authenticator, method)
FACTORS = {
    "google_otp": (GOOGLE, "otp"),
    "okta_verify_push": (OKTA_VERIFY, "push"),
    "okta_verify_totp": (OKTA_VERIFY, "totp"),
    "okta_verify_fastpass": (OKTA_VERIFY, "signed_nonce"),
    "phone_sms": (PHONE, "sms"),
    "webauthn": (WEBAUTHN, "webauthn"),
}
CLASSIC_FACTORS = {"none": [], "totp": ["google_otp"], "okta_totp": ["okta_verify_totp"],
                   "push": ["okta_verify_push"], "push+totp": ["okta_verify_push", "okta_verify_totp"],
                   "sms": ["phone_sms"]}
OV_METHOD_LABELS = {"signed_nonce": "Use Okta FastPass", "push": "Get a push notification", "totp": "Enter a code"}

MSG_AUTH_FAILED = {"message": "Authentication failed", "i18n": {"key": "errors.E0000004"}, "class": "ERROR"}
MSG_BAD_PASSWORD = {"message": "Password is incorrect", "i18n": {"key": "incorrectPassword"}, "class": "ERROR"}
MSG_LOCKED = {"message": "Your account is locked. Please contact your administrator.",
              "i18n": {"key": "errors.E0000119"}, "class": "ERROR"}
MSG_BAD_CODE = {"message": "Invalid code. Try again.", "i18n": {"key": "api.authn.error.PASSCODE_INVALID",
                                                               "params": []}, "class": "ERROR"}
MSG_PUSH_REJECTED = {"message": "You have chosen to reject this login.",
                     "i18n": {"key": "api.authn.poll.error.push_rejected", "params": []}, "class": "ERROR"}
MSG_PUSH_TIMEOUT = {"message": "Your push notification has expired. Try again.",
                    "i18n": {"key": "api.authn.poll.error.push_timeout", "params": []}, "class": "ERROR"}


def _expires() -> str:
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=10)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class IdxApi:
    def __init__(self, org):
        self.org = org
        self._lock = threading.RLock()
        self._txns: dict[str, dict] = {}  # stateToken (== stateHandle) -> transaction

    def reset(self) -> None:
        """Forget every transaction (org.reset() calls this)."""
        with self._lock:
            self._txns.clear()

    # ------------------------------------------------------------------ scenario
    @property
    def s(self):
        return self.org.scenario

    def factor_names(self) -> list[str]:
        names = self.s.oie_authenticators
        if names is None:
            names = CLASSIC_FACTORS.get(self.s.factors)
            if names is None:
                raise ValueError(f"unknown Scenario.factors {self.s.factors!r}")
        for name in names:
            if name not in FACTORS:
                raise ValueError(f"unknown oie_authenticators entry {name!r}; known: {sorted(FACTORS)}")
        return list(names)

    def options(self) -> list[tuple[dict, list[str]]]:
        """The second factors grouped by authenticator, in the scenario's order: [(authenticator, methods)]."""
        grouped: list[tuple[dict, list[str]]] = []
        for name in self.factor_names():
            auth, method = FACTORS[name]
            for existing, methods in grouped:
                if existing is auth:
                    methods.append(method)
                    break
            else:
                grouped.append((auth, [method]))
        return grouped

    def state_tokens(self) -> list[str]:
        """The state tokens of the transactions not finished yet (tests check they leak nowhere)."""
        with self._lock:
            return list(self._txns)

    # ------------------------------------------------------------------ routing
    def handle(self, req) -> None:
        path = req.path.rstrip("/") or "/"
        if path == "/login/login.htm" and req.method == "GET":
            return self._login_page(req)
        if path == "/login/token/redirect" and req.method == "GET":
            return self._token_redirect(req)
        if not path.startswith("/idp/idx/") or req.method != "POST":
            return self.org.respond(req, 404, self.org.error_body("E0000022", "The endpoint does not support "
                                                                              "the provided HTTP method"))
        body = req.json if isinstance(req.json, dict) else {}
        token = body.get("stateHandle") or body.get("stateToken") or ""
        with self._lock:
            txn = self._txns.get(token)
        if txn is None:
            self.org.record("idx:invalid-state-token")
            return self._send(req, 401, {"version": "1.0.0", "messages": {"type": "array", "value": [
                {"message": "The session has expired.", "i18n": {"key": "idx.session.expired"}, "class": "ERROR"}]}})
        action = path[len("/idp/idx/"):]
        handler = {
            "introspect": self._introspect,
            "identify": self._identify,
            "challenge": self._challenge,
            "challenge/answer": self._answer,
            "authenticators/poll": self._poll,
            "challenge/poll": self._poll,
            "challenge/resend": self._resend,
            "cancel": self._cancel,
            "keep-me-signed-in": self._kmsi,
        }.get(action)
        if handler is None:
            return self._send(req, 400, self._view(txn, messages=[{
                "message": f"The fake org does not implement /idp/idx/{action}", "class": "ERROR"}]))
        with self._lock:
            handler(req, txn, body)

    def _send(self, req, status: int, body: dict) -> None:
        self.org.respond(req, status, body, ION, {"Cache-Control": "no-store"})

    # ------------------------------------------------------------------ pages
    def _new_txn(self, from_uri: str, **fields) -> dict:
        token = "02" + secrets.token_urlsafe(30)
        txn = {"token": token, "from_uri": from_uri, "username": None, "view": "identify", "current": None,
               "push": None, "polls": 0, "success": False, "sid": None, **fields}
        with self._lock:
            self._txns[token] = txn
        return txn

    def _login_page(self, req) -> None:
        txn = self._new_txn(req.query.get("fromURI") or "/")
        self.org.record("idx:page")
        self._widget_page(req, txn["token"])

    def step_up_page(self, req, username: str, sid: str, from_uri: str) -> None:
        """The app asks the live session sid for a second factor again: a transaction that starts at the
        challenge (no identify, no password), as Okta's step-up does; success goes back to from_uri."""
        options = self.options()
        if not options:
            raise ValueError("Scenario.step_up needs a second factor: set Scenario.factors or oie_authenticators")
        txn = self._new_txn(from_uri, username=username, sid=sid, view="select")
        if len(options) == 1 and len(options[0][1]) == 1:  # one way to verify: its challenge at once...
            auth, methods = options[0]
            txn["pending"] = (auth, methods[0])  # ...started when the widget asks, so a plain GET sends no push
        self.org.record("idx:step-up")
        self._widget_page(req, txn["token"])

    def _widget_page(self, req, token: str) -> None:
        config = self.org.widget_config_base()
        config.update({
            "stateToken": token,  # Okta-hosted pages hand the widget the transaction's state token
            "useClassicEngine": False,
            "interstitialBeforeLoginRedirect": "DEFAULT",
            "features": {"router": False, "rememberMe": True, "showPasswordToggleOnSignInPage": True,
                         "registration": False, "selfServiceUnlock": False, "hideSignOutLinkInMFA": False},
            "helpLinks": {"help": self.org.base_url + "/help/login"},
        })
        script = """
signIn.renderEl({el: '#okta-login-container'}, function (res) {}, function (err) {
  console.log('widget error', err && err.message);
});
"""
        self.org.widget_page(req, config, bundle=BUNDLE, script=script)

    def _token_redirect(self, req) -> None:
        token = req.query.get("stateToken", "")
        with self._lock:
            txn = self._txns.get(token)
            ok = bool(txn and txn["success"])
            if ok:
                self._txns.pop(token, None)
        if not ok:  # Okta sends the browser back to sign in
            self.org.record("idx:invalid-state-token")
            return self.org.redirect(req, self.org.login_url(self.org.app_path))
        self.org.record("idx:token-redirect")
        if txn["sid"]:  # the end of a step-up: the same session, now verified
            sid = self.org.finish_step_up(txn["sid"], txn["username"])
        else:
            sid = self.org.create_session(txn["username"])
        self.org.redirect(req, txn["from_uri"], set_cookie=self.org.session_cookie_header(sid))

    # ------------------------------------------------------------------ IDX actions
    def _introspect(self, req, txn, body) -> None:
        self.org.record("idx:introspect")
        if txn.get("pending"):  # a step-up's challenge starts when the widget first looks
            self._enter_challenge(txn, *txn.pop("pending"))
        self._send(req, 200, self._view(txn))

    def _identify(self, req, txn, body) -> None:
        if txn["view"] != "identify":
            return self._send(req, 400, self._view(txn))
        identifier = str(body.get("identifier") or "").strip()
        self.org.record("idx:identify")
        self.org.record(f"idx:remember-me:{'true' if body.get('rememberMe') else 'false'}")
        if not identifier:
            return self._send(req, 400, self._view(txn, messages=[MSG_AUTH_FAILED]))
        txn["username"] = identifier
        if self.s.oie_identifier_first:
            txn["view"] = "password"  # Okta does not tell whether the user exists
            return self._send(req, 200, self._view(txn))
        passcode = (body.get("credentials") or {}).get("passcode") or ""
        self._after_password(req, txn, passcode, MSG_AUTH_FAILED)

    def _after_password(self, req, txn, password: str, bad_message: dict) -> None:
        if not self.org.check_password(txn["username"], password):
            self.org.record("idx:password:bad")
            return self._send(req, 401, self._view(txn, messages=[bad_message]))
        if self.s.locked_out:
            self.org.record("idx:locked-out")
            return self._send(req, 403, self._view(txn, messages=[MSG_LOCKED]))
        self.org.record("idx:password:ok")
        txn["username"] = self.s.username
        options = self.options()
        if not options:
            return self._succeed(req, txn)
        self.org.record("idx:mfa-required")
        if len(options) == 1 and len(options[0][1]) == 1:  # one way to verify: Okta starts it at once
            auth, methods = options[0]
            return self._start_challenge(req, txn, auth, methods[0])
        txn["view"] = "select"
        self._send(req, 200, self._view(txn))

    def _challenge(self, req, txn, body) -> None:
        chosen = body.get("authenticator") or {}
        if txn["view"] in ("identify",) or not txn["username"]:
            return self._send(req, 400, self._view(txn))
        if txn["view"] == "password":  # "verify with something else" offers only the password here
            return self._send(req, 200, self._view(txn))
        for auth, methods in self.options():
            if auth["id"] == chosen.get("id"):
                method = chosen.get("methodType") or methods[0]
                if method not in methods:
                    break
                self.org.record("idx:select-authenticator")
                return self._start_challenge(req, txn, auth, method)
        self._send(req, 400, self._view(txn, messages=[{"message": "Invalid authenticator.", "class": "ERROR"}]))

    def _start_challenge(self, req, txn, auth: dict, method: str) -> None:
        self._enter_challenge(txn, auth, method)
        self._send(req, 200, self._view(txn))

    def _enter_challenge(self, txn, auth: dict, method: str) -> None:
        """Move txn to the challenge of (auth, method); a push is sent now, as Okta does on choosing it."""
        txn["current"] = (auth, method)
        self.org.record(f"idx:challenge:{auth['key']}:{method}")
        if method == "push":
            txn["view"] = "push"
            txn["push"], txn["polls"] = "waiting", 0
            self.org.record("push:sent")
        elif method == "signed_nonce":
            txn["view"] = "fastpass"
        elif method == "webauthn":
            txn["view"] = "webauthn"
        elif method == "sms":
            txn["view"] = "phone-data"  # "Receive a code via SMS" first
        else:
            txn["view"] = "code"

    def _answer(self, req, txn, body) -> None:
        credentials = body.get("credentials") or {}
        if txn["view"] == "password":
            return self._after_password(req, txn, credentials.get("passcode") or "", MSG_BAD_PASSWORD)
        if txn["view"] == "phone-data":  # the SMS was "sent": now the code form
            txn["view"] = "code"
            return self._send(req, 200, self._view(txn))
        if txn["view"] != "code":
            return self._send(req, 400, self._view(txn))
        import pyotp

        code = str(credentials.get("passcode") or credentials.get("totp") or "").strip()
        if code and pyotp.TOTP(self.s.totp_secret).verify(code, valid_window=1):
            self.org.record("verify:totp:ok")
            return self._succeed(req, txn)
        self.org.record("verify:totp:bad")
        self._send(req, 400, self._view(txn, field_messages=[MSG_BAD_CODE]))

    def _poll(self, req, txn, body) -> None:
        if txn["view"] != "push" or txn["push"] != "waiting":
            return self._send(req, 200, self._view(txn))
        txn["polls"] += 1
        if txn["polls"] <= self.s.push_waits:
            self.org.record("push:waiting")
            return self._send(req, 200, self._view(txn))
        result = self.s.push_result
        if result == "approve":
            self.org.record("push:approved")
            return self._succeed(req, txn)
        txn["push"] = result
        txn["view"] = "push-ended"
        self.org.record("push:rejected" if result == "reject" else "push:timeout")
        self._send(req, 200, self._view(txn, messages=[MSG_PUSH_REJECTED if result == "reject" else MSG_PUSH_TIMEOUT]))

    def _resend(self, req, txn, body) -> None:
        if txn["view"] not in ("push", "push-ended"):
            return self._send(req, 400, self._view(txn))
        txn["view"], txn["push"], txn["polls"] = "push", "waiting", 0
        self.org.record("push:sent")
        self._send(req, 200, self._view(txn))

    def _cancel(self, req, txn, body) -> None:
        self.org.record("idx:cancel")
        txn.update(view="identify", username=None, current=None, push=None, polls=0, kmsi_answered=False,
                   sid=None, pending=None)  # a step-up cancelled becomes a plain sign-in
        self._send(req, 200, self._view(txn))

    def _kmsi(self, req, txn, body) -> None:
        if txn["view"] != "kmsi":
            return self._send(req, 400, self._view(txn))
        self.org.record(f"idx:keep-me-signed-in:{'true' if body.get('keepMeSignedIn') else 'false'}")
        txn["kmsi_answered"] = True
        self._succeed(req, txn)

    def _succeed(self, req, txn) -> None:
        if self.s.oie_kmsi_prompt and not txn.get("kmsi_answered"):
            txn["view"] = "kmsi"
            return self._send(req, 200, self._view(txn))
        txn["success"] = True
        txn["view"] = "success"
        self.org.record("idx:success")
        self._send(req, 200, self._view(txn))

    # ------------------------------------------------------------------ IDX JSON
    def _form(self, txn, name: str, path: str, fields: list, **extra) -> dict:
        form = {"rel": ["create-form"], "name": name, "href": self.org.base_url + path, "method": "POST",
                "produces": ION, **extra,
                "value": fields + [{"name": "stateHandle", "required": True, "value": txn["token"],
                                    "visible": False, "mutable": False}],
                "accepts": "application/json; okta-version=1.0.0"}
        return form

    @staticmethod
    def _passcode_field(label: str, name: str = "passcode", secret: bool = False, messages=None) -> dict:
        field = {"name": name, "label": label, "required": True}
        if secret:
            field["secret"] = True
        if messages:
            field["messages"] = {"type": "array", "value": messages}
        return {"name": "credentials", "type": "object", "form": {"value": [field]}, "required": True}

    def _authenticator(self, auth: dict, methods: list[str]) -> dict:
        return {"type": auth["type"], "key": auth["key"], "id": auth["id"], "displayName": auth["displayName"],
                "methods": [{"type": m} for m in methods]}

    def _enrollment(self, auth: dict, methods: list[str]) -> dict:
        out = {"type": auth["type"], "key": auth["key"], "id": auth["enrollment"], "authenticatorId": auth["id"],
               "displayName": auth["displayName"], "methods": [{"type": m} for m in methods]}
        if auth is PHONE:
            out["profile"] = {"phoneNumber": "+1 XXX-XXX-5309"}
        if auth is OKTA_VERIFY:
            out["profile"] = {"deviceName": "Alice's iPhone"}
        if auth is WEBAUTHN:
            out["credentialId"] = "ZmFrZS1jcmVkZW50aWFsLWlk"
        return out

    def _select_form(self, txn, options) -> dict:
        choices = []
        for index, (auth, methods) in enumerate(options):
            fields = [{"name": "id", "required": True, "value": auth["id"], "mutable": False}]
            if len(methods) > 1:
                fields.append({"name": "methodType", "type": "string", "required": False, "options": [
                    {"label": OV_METHOD_LABELS.get(m, m), "value": m} for m in methods]})
            else:
                fields.append({"name": "methodType", "required": False, "value": methods[0], "mutable": False})
            if auth is PHONE:
                fields.append({"name": "enrollmentId", "required": True, "value": auth["enrollment"],
                               "mutable": False})
            choices.append({"label": auth["displayName"], "value": {"form": {"value": fields}},
                            "relatesTo": f"$.authenticatorEnrollments.value[{index}]"})
        return self._form(txn, "select-authenticator-authenticate", "/idp/idx/challenge",
                          [{"name": "authenticator", "type": "object", "options": choices}])

    def _view(self, txn, messages=None, field_messages=None) -> dict:
        """The IDX response for the transaction's current view."""
        base = {"version": "1.0.0", "stateHandle": txn["token"], "expiresAt": _expires(), "intent": "LOGIN",
                "cancel": self._form(txn, "cancel", "/idp/idx/cancel", []),
                "app": {"type": "object", "value": dict(APP)}}
        if txn["username"] and txn["view"] != "identify":
            base["user"] = {"type": "object", "value": {"id": USER_ID, "identifier": txn["username"]}}
        if messages:
            base["messages"] = {"type": "array", "value": copy.deepcopy(messages)}
        view = txn["view"]
        options = self.options() if view != "identify" else []
        remediation: list[dict] = []

        if view == "identify":
            fields = [{"name": "identifier", "label": "Username", "required": True}]
            if not self.s.oie_identifier_first:
                fields.append(self._passcode_field("Password", secret=True))
                base["currentAuthenticator"] = {"type": "object", "value": self._authenticator(PASSWORD, ["password"])}
            fields.append({"name": "rememberMe", "label": "Keep me signed in", "type": "boolean"})
            remediation.append(self._form(txn, "identify", "/idp/idx/identify", fields))
        elif view == "password":
            remediation.append(self._form(txn, "challenge-authenticator", "/idp/idx/challenge/answer",
                                          [self._passcode_field("Password", secret=True)],
                                          relatesTo=["$.currentAuthenticatorEnrollment"]))
            remediation.append(self._select_form(txn, [(PASSWORD, ["password"])]))
            base["currentAuthenticatorEnrollment"] = {"type": "object",
                                                      "value": self._enrollment(PASSWORD, ["password"])}
            base["authenticators"] = {"type": "array", "value": [self._authenticator(PASSWORD, ["password"])]}
            base["authenticatorEnrollments"] = {"type": "array", "value": [self._enrollment(PASSWORD, ["password"])]}
        elif view == "kmsi":
            remediation.append(self._form(txn, "keep-me-signed-in", "/idp/idx/keep-me-signed-in",
                                          [{"name": "keepMeSignedIn", "type": "boolean", "required": True}]))
        elif view == "success":
            base.pop("cancel")
            base["success"] = {"name": "success-redirect",
                               "href": f"{self.org.base_url}/login/token/redirect?stateToken={quote(txn['token'])}"}
        else:
            base["authenticators"] = {"type": "array", "value": [self._authenticator(a, m) for a, m in options]}
            base["authenticatorEnrollments"] = {"type": "array", "value": [self._enrollment(a, m) for a, m in options]}
            select = self._select_form(txn, options)
            if view == "select":
                remediation.append(select)
            else:
                auth, method = txn["current"]
                current = self._authenticator(auth, [method])
                if view in ("push", "push-ended"):
                    current["resend"] = self._form(txn, "resend", "/idp/idx/challenge/resend", [])
                    if view == "push":
                        remediation.append(self._form(txn, "challenge-poll", "/idp/idx/authenticators/poll", [],
                                                      relatesTo=["$.currentAuthenticator"],
                                                      refresh=int(self.s.oie_poll_ms)))
                        if self.s.number_challenge is not None:
                            current["contextualData"] = {"correctAnswer": self.s.number_challenge}
                    else:
                        remediation.append(self._form(txn, "resend", "/idp/idx/challenge/resend", [],
                                                      relatesTo=["$.currentAuthenticator"]))
                    base["currentAuthenticator"] = {"type": "object", "value": current}
                elif view == "code":
                    if auth is OKTA_VERIFY:
                        field = self._passcode_field("Enter code from Okta Verify app", "totp",
                                                     messages=field_messages)
                        relates = "$.currentAuthenticator"
                    else:
                        field = self._passcode_field("Enter code", messages=field_messages)
                        relates = "$.currentAuthenticatorEnrollment"
                    remediation.append(self._form(txn, "challenge-authenticator", "/idp/idx/challenge/answer",
                                                  [field], relatesTo=[relates]))
                    if relates == "$.currentAuthenticator":
                        base["currentAuthenticator"] = {"type": "object", "value": current}
                    else:
                        base["currentAuthenticatorEnrollment"] = {"type": "object",
                                                                  "value": self._enrollment(auth, [method])}
                elif view == "phone-data":
                    remediation.append(self._form(txn, "authenticator-verification-data", "/idp/idx/challenge/answer",
                                                  [{"name": "authenticator", "label": "Phone", "form": {"value": [
                                                      {"name": "id", "required": True, "value": auth["id"],
                                                       "mutable": False},
                                                      {"name": "methodType", "type": "string", "required": False,
                                                       "options": [{"label": "SMS", "value": "sms"}]},
                                                      {"name": "enrollmentId", "required": True,
                                                       "value": auth["enrollment"], "mutable": False}]}}],
                                                  relatesTo=["$.currentAuthenticatorEnrollment"]))
                    base["currentAuthenticatorEnrollment"] = {"type": "object",
                                                              "value": self._enrollment(auth, [method])}
                elif view == "fastpass":
                    current["contextualData"] = {"challenge": {"value": {
                        "challengeMethod": "CUSTOM_URI", "href": "oktaverify://fake/authenticate",
                        "downloadHref": "https://apps.apple.com/us/app/okta-verify/id490179405"}}}
                    remediation.append(self._form(txn, "launch-authenticator",
                                                  "/idp/idx/authenticators/okta-verify/launch",
                                                  [{"name": "rememberDevice", "type": "boolean",
                                                    "label": "Remember this device"}],
                                                  relatesTo=["$.currentAuthenticator"]))
                    base["currentAuthenticator"] = {"type": "object", "value": current}
                elif view == "webauthn":
                    current["contextualData"] = {"challengeData": {
                        "challenge": secrets.token_urlsafe(16), "userVerification": "preferred", "extensions": {},
                        "rpId": urlsplit(self.org.base_url).hostname}}
                    remediation.append(self._form(txn, "challenge-authenticator", "/idp/idx/challenge/answer",
                                                  [{"name": "credentials", "type": "object", "form": {"value": [
                                                      {"name": "clientData", "label": "Client Data", "required": True,
                                                       "visible": False},
                                                      {"name": "authenticatorData", "label": "Authenticator Data",
                                                       "required": True, "visible": False},
                                                      {"name": "signatureData", "label": "Signature Data",
                                                       "required": True, "visible": False}]}, "required": True}],
                                                  relatesTo=["$.currentAuthenticator"]))
                    base["currentAuthenticator"] = {"type": "object", "value": current}
                if len(options) > 1 or len(options[0][1]) > 1:
                    remediation.append(select)  # "Verify with something else"
        if remediation:
            base["remediation"] = {"type": "array", "value": remediation}
        return base
