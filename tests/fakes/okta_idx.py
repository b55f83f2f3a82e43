"""The fake org's Okta Identity Engine (OIE) mode: the IDX API the Sign-In Widget's OIE bundle talks to.

``FakeOktaOrg`` hands requests to ``IdxApi.handle`` when ``scenario.engine == "oie"`` (see okta_org.py):

    GET  /login/login.htm?fromURI=..       a new transaction; the widget page (``Scenario.widget``: gen2 loads
                                           okta-sign-in.oie.min.js, gen3 okta-sign-in.next.js) configured with
                                           its ``stateToken``, as Okta-hosted pages are
    POST /idp/idx/introspect               {stateToken} -> the transaction's current view
    POST /idp/idx/identify                 {identifier, credentials.passcode?, rememberMe}
    POST /idp/idx/challenge                {authenticator: {id, methodType?, enrollmentId?}}  pick an authenticator;
                                           on the phone's "authenticator-verification-data" page: SMS or voice
    POST /idp/idx/challenge/answer         {credentials: {passcode | totp}}    password or code
    POST /idp/idx/authenticators/poll      Okta Verify push polling, FastPass probing (answers at once, never sleeps)
    POST /idp/idx/authenticators/poll/cancel  {reason, statusCode}  the probe found no Okta Verify: identify page
    POST /idp/idx/challenge/poll           the email page's polling (the fake's email has no magic link)
    POST /idp/idx/challenge/resend         push again; SMS, call or email again
    POST /idp/idx/skip                     {stateHandle} leave an interstitial ("Remind me later", "Continue")
    POST /idp/idx/keep-me-signed-in        {keepMeSignedIn} the answer to "Stay signed in?"
    POST /idp/idx/cancel                   back to the first page
    GET  /login/token/redirect?stateToken  after success: the session cookie (and the ``DT`` device cookie
                                           when "Stay signed in" was accepted), then 302 to fromURI
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

    widget: str = "gen2"                   "gen2" (okta-sign-in.oie.min.js) | "gen3" (okta-sign-in.next.js, the
        React/MUI widget): the login and step-up pages' bundle; both post the same IDX calls
    oie_identifier_first: bool = False     identifier page, then a password page (else both on one page)
    oie_authenticators: list[str] | None   the user's second factors, in the order Okta lists them, among
        "google_otp", "okta_verify_totp", "okta_verify_push", "okta_verify_fastpass", "phone_sms", "phone_voice",
        "okta_email", "webauthn". None: derived from the Classic ``factors`` (totp -> google_otp, okta_totp ->
        okta_verify_totp, push -> okta_verify_push, push+totp -> both Okta Verify methods, sms -> phone_sms).
        Methods of one authenticator are one enrollment: "phone_sms" + "phone_voice" = one Phone with both.
        One (authenticator, method), or a phone alone: Okta goes straight to its challenge; several: the
        "Verify it's you" list.
        A phone always starts at its "authenticator-verification-data" page (send the code by SMS / voice call:
        "Receive a code via SMS", "Receive a voice call instead"); the code is sent when one is picked. The email
        is sent when its challenge starts ("Verify with your email": the widget then offers "Enter a
        verification code instead"). Every code (Google Authenticator, Okta Verify, SMS, voice, email) is the
        current TOTP of ``totp_secret``.
    oie_poll_ms: int = 250                 the push poll interval the widget is told (``refresh``)
    oie_kmsi_prompt: bool = False          after the last step, the "Stay signed in?" question. Accepted
        (keepMeSignedIn true): /login/token/redirect sets the long-lived device cookie ``DT`` and the org remembers
        that device for the user: a later primary sign-in whose requests carry it skips the second factor
        (interstitials and the question still come). Declined: nothing is remembered.
    oie_before_mfa: list[str] = []         interstitial pages after the password is accepted, before the second
    oie_after_mfa: list[str] = []          factor / after it is verified (then "Stay signed in?", then success);
        with no second factor both come, in that order, between password and success. Names (INTERSTITIALS):
        skippable (a ``skip`` remediation, POST /idp/idx/skip moves on):
            "password-expiry-warning"   reenroll-authenticator-warning (change password, credentials.passcode;
                                        settings.daysToExpiry 4: "Your password will expire in 4 days") + skip
            "passkey-promotion"         enroll-authenticator-promotion (create a passkey) + skip
            "enroll-optional"           select-authenticator-enroll ("Set up security methods") + skip
            "enroll-grace-period"       select-authenticator-enroll whose authenticators have a gracePeriod + skip
            "device-assurance-grace-period"  its one remediation, device-assurance-grace-period, posts to
                                        /idp/idx/skip: the widget's "Continue" is the skip
        not skippable (POST /idp/idx/skip: 400 with a message):
            "password-expired"          reenroll-authenticator (the password must be changed)
            "enroll-required"           select-authenticator-enroll without skip
            "unlock-account"            select-authenticator-unlock-account
        Any other form posted while an interstitial is current (change the password, pick an authenticator to
        set up, create the passkey, unlock...) is answered 400 with a message and changes nothing (introspect,
        cancel and polls are no forms).
    oie_same_reminder: bool = False        every "device-assurance-grace-period" of a sign-in is the same answer
        (one policy's reminder, again: the second-generation widget does not draw an answer identical to the
        one before); else the n-th in a row is another policy's, ending n - 1 days later
    oie_terminal: str | None = None        Okta's terminal answer given instead of the next page after the step
    oie_terminal_after: str = "password"   "identify" (the answer to the identify post, before any password is
        checked), "password" (the answer to the right password), "mfa" (the answer to the verified second factor;
        with none, it comes where it would have been, after the oie_before_mfa pages). Names (TERMINALS):
            "not-assigned"      400, identify page again + "User is not assigned to this application."
                                (idx.error.user.not.assigned.to.app); the transaction is back at identify
            "access-denied"     403 "You do not have permission to perform the requested action."
                                (security.access_denied)
            "session-expired"   401 "You have been logged out due to inactivity. ..." (idx.session.expired)
            "rate-limited"      429 "Too many requests" (tooManyRequests)
        The last three end the transaction: every later call on it gets the same answer. No session, no SAML.
        Primary sign-ins only (a step-up never meets it).
    oie_device_probe: bool = False         the login page's transaction starts with Okta FastPass probing the
        loopback (device-challenge-poll, authenticatorChallenge LOOPBACK on ports nothing listens on); when
        the widget gives up it posts /idp/idx/authenticators/poll/cancel and gets the identify page

and the shared ones: username, password, totp_secret, push_result, push_waits, number_challenge, locked_out.

Events (``org.events``, no secrets): idx:page, idx:introspect, idx:identify, idx:remember-me:true/false,
idx:password:ok/bad, idx:locked-out, idx:mfa-required, idx:mfa-skipped:kmsi (a remembered device),
idx:select-authenticator, idx:challenge:<authenticator key>:<method> (push sent, code sent by SMS / call /
email, or the code page shown), idx:resend:<key>:<method>, verify:totp:ok/bad,
push:sent/waiting/approved/rejected/timeout, idx:interstitial:<name> (shown), idx:skip:<name> (skipped),
idx:skip-refused:<name> (a skip posted on a page without one), idx:form-submitted:<name> (any other form posted
on an interstitial), idx:terminal:<name>, idx:device-probe (the probe page shown), idx:device-probe:cancelled,
idx:keep-me-signed-in:true/false, idx:device-remembered (the DT cookie set), idx:cancel, idx:success,
idx:token-redirect, idx:invalid-state-token, idx:step-up (the step-up page: a transaction started at the second
factor). A primary sign-in records idx:identify and idx:password:*; a step-up records neither.
"""

from __future__ import annotations

import copy
import datetime as dt
import secrets
import socket
import threading
from urllib.parse import quote, urlsplit

ION = "application/ion+json; okta-version=1.0.0"
BUNDLES = {"gen2": "okta-sign-in.oie.min.js",  # Scenario.widget -> the widget's bundle (dist/js)
           "gen3": "okta-sign-in.next.js"}     # the third generation (React/MUI): same config, same IDX calls

USER_ID = "00ufakeuser000000001"
APP = {"name": "amazon_aws", "label": "Amazon Web Services", "id": "0oaawsapp000000000001"}
BRAND = "Fake Okta"  # the widget config's brandName (okta_org.widget_config_base)

# Authenticators (id) and the user's enrollments of them (enrollment id).
PASSWORD = {"key": "okta_password", "type": "password", "id": "autfakepassword00001",
            "enrollment": "laefakepassword00001",
            "displayName": "Password", "methods": ["password"]}
GOOGLE = {"key": "google_otp", "type": "app", "id": "autfakegoogleotp0001", "enrollment": "uftfakegoogleotp0001",
          "displayName": "Google Authenticator", "methods": ["otp"]}
OKTA_VERIFY = {"key": "okta_verify", "type": "app", "id": "autfakeoktaverify001", "enrollment": "pfdfakeoktaverify001",
               "displayName": "Okta Verify", "methods": []}  # methods from the scenario
PHONE = {"key": "phone_number", "type": "phone", "id": "autfakephone00000001", "enrollment": "mblfakephone00000001",
         "displayName": "Phone", "methods": []}  # methods from the scenario: sms, voice or both
EMAIL = {"key": "okta_email", "type": "email", "id": "autfakeemail00000001", "enrollment": "eaefakeemail00000001",
         "displayName": "Email", "methods": ["email"]}
WEBAUTHN = {"key": "webauthn", "type": "security_key", "id": "autfakewebauthn00001",
            "enrollment": "fwffakewebauthn00001", "displayName": "Security Key or Biometric", "methods": ["webauthn"]}

# scenario name -> (authenticator, method)
FACTORS = {
    "google_otp": (GOOGLE, "otp"),
    "okta_verify_push": (OKTA_VERIFY, "push"),
    "okta_verify_totp": (OKTA_VERIFY, "totp"),
    "okta_verify_fastpass": (OKTA_VERIFY, "signed_nonce"),
    "phone_sms": (PHONE, "sms"),
    "phone_voice": (PHONE, "voice"),
    "okta_email": (EMAIL, "email"),
    "webauthn": (WEBAUTHN, "webauthn"),
}
CLASSIC_FACTORS = {"none": [], "totp": ["google_otp"], "okta_totp": ["okta_verify_totp"],
                   "push": ["okta_verify_push"], "push+totp": ["okta_verify_push", "okta_verify_totp"],
                   "sms": ["phone_sms"]}
METHOD_LABELS = {"signed_nonce": "Use Okta FastPass", "push": "Get a push notification", "totp": "Enter a code",
                 "sms": "SMS", "voice": "Voice call"}
PHONE_NUMBER = "+1 XXX-XXX-5309"
EMAIL_ADDRESS = "a***e@example.com"

# Interstitials (Scenario.oie_before_mfa / oie_after_mfa).
SKIPPABLE = ("password-expiry-warning", "passkey-promotion", "enroll-optional", "enroll-grace-period",
             "device-assurance-grace-period")
NOT_SKIPPABLE = ("password-expired", "enroll-required", "unlock-account")
INTERSTITIALS = SKIPPABLE + NOT_SKIPPABLE
DAYS_TO_EXPIRY = 4

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
MSG_NO_SKIP = {"message": "This page cannot be skipped.", "class": "ERROR"}
MSG_FORM_NOT_DONE = {"message": "The fake org does not carry out this form: only its skip, when it has one.",
                     "class": "ERROR"}
MSG_PASSWORD_EXPIRING = {"message": f"When your password expires, you will have to change your password before you "
                                    f"can login to your {BRAND} account.",
                         "i18n": {"key": "idx.password.expiring.message", "params": [BRAND]}, "class": "INFO"}

# Okta's terminal answers (Scenario.oie_terminal): name -> (HTTP status, message)
TERMINALS = {
    "not-assigned": (400, {"message": "User is not assigned to this application.",
                           "i18n": {"key": "idx.error.user.not.assigned.to.app"}, "class": "ERROR"}),
    "access-denied": (403, {"message": "You do not have permission to perform the requested action.",
                            "i18n": {"key": "security.access_denied"}, "class": "ERROR"}),
    "session-expired": (401, {"message": "You have been logged out due to inactivity. Refresh or return to the "
                                         "sign in screen.", "i18n": {"key": "idx.session.expired"}, "class": "ERROR"}),
    "rate-limited": (429, {"message": "Too many requests", "i18n": {"key": "tooManyRequests"}, "class": "ERROR"}),
}
TERMINAL_STEPS = ("identify", "password", "mfa")

DEVICE_COOKIE = "DT"  # Okta's device token cookie: the device "Stay signed in" remembers
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600
PROBE_PORTS = 4  # as many loopback ports as Okta Verify's usual list


def _expires(minutes: int = 10, since: dt.datetime | None = None) -> str:
    t = (since or dt.datetime.now(dt.timezone.utc)) + dt.timedelta(minutes=minutes)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _free_ports(count: int) -> list[int]:
    """Loopback ports nothing listens on: bound by the OS, then closed at once."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class IdxApi:
    def __init__(self, org):
        self.org = org
        self._lock = threading.RLock()
        self._txns: dict[str, dict] = {}  # stateToken (== stateHandle) -> transaction
        self._devices: dict[str, str] = {}  # DT cookie value -> the username whose device it is

    def reset(self) -> None:
        """Forget every transaction and remembered device (org.reset() calls this)."""
        with self._lock:
            self._txns.clear()
            self._devices.clear()

    # ------------------------------------------------------------------ scenario
    @property
    def s(self):
        return self.org.scenario

    def bundle(self) -> str:
        try:
            return BUNDLES[self.s.widget]
        except KeyError:
            raise ValueError(f"unknown Scenario.widget {self.s.widget!r}; known: {sorted(BUNDLES)}") from None

    def check_scenario(self) -> None:
        """Unknown names in the IDX knobs fail loudly (a 500 kept in org.errors) instead of being ignored."""
        self.bundle()
        self.factor_names()
        for name in list(self.s.oie_before_mfa or []) + list(self.s.oie_after_mfa or []):
            if name not in INTERSTITIALS:
                raise ValueError(f"unknown interstitial {name!r}; known: {list(INTERSTITIALS)}")
        if self.s.oie_terminal is not None and self.s.oie_terminal not in TERMINALS:
            raise ValueError(f"unknown Scenario.oie_terminal {self.s.oie_terminal!r}; known: {list(TERMINALS)}")
        if self.s.oie_terminal_after not in TERMINAL_STEPS:
            raise ValueError(f"unknown Scenario.oie_terminal_after {self.s.oie_terminal_after!r}; "
                             f"known: {list(TERMINAL_STEPS)}")

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
                    if method not in methods:
                        methods.append(method)
                    break
            else:
                grouped.append((auth, [method]))
        return grouped

    def _methods_of(self, auth: dict) -> list[str]:
        return next((methods for a, methods in self.options() if a is auth), [])

    @staticmethod
    def _one_way(options) -> bool:
        """One authenticator with one method, or only a phone (its methods are picked on its own page): Okta
        goes straight to it, without the "Verify it's you" list."""
        return len(options) == 1 and (len(options[0][1]) == 1 or options[0][0] is PHONE)

    def _terminal_at(self, step: str) -> bool:
        return self.s.oie_terminal is not None and self.s.oie_terminal_after == step

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
        with self._lock:
            if txn["view"] == "terminal":  # a finished transaction answers every call the same way
                return self._terminal_answer(req, txn)
            if txn["view"] == "interstitial" and action not in ("introspect", "cancel", "skip", "authenticators/poll",
                                                                "challenge/poll"):  # a late poll is no form
                return self._interstitial_form(req, txn, action)
            handler = {
                "introspect": self._introspect,
                "identify": self._identify,
                "challenge": self._challenge,
                "challenge/answer": self._answer,
                "authenticators/poll": self._poll,
                "authenticators/poll/cancel": self._probe_cancel,
                "challenge/poll": self._poll,
                "challenge/resend": self._resend,
                "skip": self._skip,
                "cancel": self._cancel,
                "keep-me-signed-in": self._kmsi,
            }.get(action)
            if handler is None:
                return self._send(req, 400, self._view(txn, messages=[{
                    "message": f"The fake org does not implement /idp/idx/{action}", "class": "ERROR"}]))
            handler(req, txn, body)

    def _send(self, req, status: int, body: dict) -> None:
        self.org.respond(req, status, body, ION, {"Cache-Control": "no-store"})

    # ------------------------------------------------------------------ pages
    def _new_txn(self, from_uri: str, **fields) -> dict:
        token = "02" + secrets.token_urlsafe(30)
        txn = {"token": token, "from_uri": from_uri, "username": None, "view": "identify", "current": None,
               "push": None, "polls": 0, "success": False, "sid": None, "steps": None, "interstitial": None,
               "terminal": None, "kmsi": None, "remembered": False, "shown": [],
               "started": dt.datetime.now(dt.timezone.utc).replace(microsecond=0), **fields}
        with self._lock:
            self._txns[token] = txn
        return txn

    def _login_page(self, req) -> None:
        self.check_scenario()
        fields = {}
        if self.s.oie_device_probe:  # Okta FastPass looks for Okta Verify on the loopback first
            fields = {"view": "probe", "probe_ports": _free_ports(PROBE_PORTS), "probe_shown": False}
        txn = self._new_txn(req.query.get("fromURI") or "/", **fields)
        self.org.record("idx:page")
        self._widget_page(req, txn["token"])

    def step_up_page(self, req, username: str, sid: str, from_uri: str) -> None:
        """The app asks the live session sid for a second factor again: a transaction that starts at the
        challenge (no identify, no password), as Okta's step-up does; success goes back to from_uri."""
        self.check_scenario()
        options = self.options()
        if not options:
            raise ValueError("Scenario.step_up needs a second factor: set Scenario.factors or oie_authenticators")
        txn = self._new_txn(from_uri, username=username, sid=sid, view="select", steps=[("kmsi",)])
        if self._one_way(options):  # one way to verify: its challenge at once...
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
        self.org.widget_page(req, config, bundle=self.bundle(), script=script)

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
        cookies = [self.org.session_cookie_header(sid)]
        if txn["kmsi"]:  # "Stay signed in": this browser's device is remembered for the user
            device = req.cookies.get(DEVICE_COOKIE, "")  # a device already known keeps its token
            with self._lock:
                if self._devices.get(device) != txn["username"].lower():
                    device = secrets.token_urlsafe(24)
                self._devices[device] = txn["username"].lower()
            cookies.append(f"{DEVICE_COOKIE}={device}; Path=/; Max-Age={DEVICE_COOKIE_MAX_AGE}; HttpOnly; "
                           "SameSite=Lax")
            self.org.record("idx:device-remembered")
        self.org.redirect(req, txn["from_uri"], set_cookie=cookies)

    def _remembered(self, req, username: str) -> bool:
        device = (getattr(req, "cookies", None) or {}).get(DEVICE_COOKIE, "")
        with self._lock:
            return bool(device) and self._devices.get(device) == username.lower()

    # ------------------------------------------------------------------ IDX actions
    def _introspect(self, req, txn, body) -> None:
        self.org.record("idx:introspect")
        if txn.get("pending"):  # a step-up's challenge starts when the widget first looks
            self._enter_challenge(txn, *txn.pop("pending"))
        if txn["view"] == "probe" and not txn["probe_shown"]:
            txn["probe_shown"] = True
            self.org.record("idx:device-probe")
        self._send(req, 200, self._view(txn))

    def _identify(self, req, txn, body) -> None:
        if txn["view"] != "identify":
            return self._send(req, 400, self._view(txn))
        identifier = str(body.get("identifier") or "").strip()
        self.org.record("idx:identify")
        self.org.record(f"idx:remember-me:{'true' if body.get('rememberMe') in (True, 'true') else 'false'}")
        if not identifier:
            return self._send(req, 400, self._view(txn, messages=[MSG_AUTH_FAILED]))
        txn["username"] = identifier
        if self._terminal_at("identify"):
            return self._terminal(req, txn)
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
        if self._terminal_at("password"):
            return self._terminal(req, txn)
        txn["remembered"] = self._remembered(req, txn["username"])
        steps = [("interstitial", name) for name in self.s.oie_before_mfa or []]
        steps.append(("mfa",))
        if self._terminal_at("mfa"):
            steps.append(("terminal",))
        steps += [("interstitial", name) for name in self.s.oie_after_mfa or []]
        steps.append(("kmsi",))
        txn["steps"] = steps
        self._advance(req, txn)

    def _advance(self, req, txn) -> None:
        """Go to the transaction's next step (txn["steps"]: interstitials, second factor, terminal answer,
        "Stay signed in?"); none left: success."""
        steps = txn["steps"] or []
        while steps:
            step, *args = steps.pop(0)
            if step == "interstitial":
                txn["view"], txn["interstitial"] = "interstitial", args[0]
                txn["shown"].append(args[0])
                self.org.record(f"idx:interstitial:{args[0]}")
                return self._send(req, 200, self._view(txn))
            if step == "mfa":
                options = self.options()
                if not options:
                    continue
                if txn["remembered"]:
                    self.org.record("idx:mfa-skipped:kmsi")
                    continue
                self.org.record("idx:mfa-required")
                if self._one_way(options):  # one way to verify: Okta starts it at once
                    auth, methods = options[0]
                    return self._start_challenge(req, txn, auth, methods[0])
                txn["view"] = "select"
                return self._send(req, 200, self._view(txn))
            if step == "terminal":
                return self._terminal(req, txn)
            if step == "kmsi" and self.s.oie_kmsi_prompt:
                txn["view"] = "kmsi"
                return self._send(req, 200, self._view(txn))
        txn["success"] = True
        txn["view"] = "success"
        self.org.record("idx:success")
        self._send(req, 200, self._view(txn))

    def _terminal(self, req, txn) -> None:
        name = self.s.oie_terminal
        self.org.record(f"idx:terminal:{name}")
        if name == "not-assigned":  # Okta's answer: the sign-in page again, with the message on it
            txn.update(view="identify", username=None, current=None, steps=None, interstitial=None)
            return self._send(req, TERMINALS[name][0], self._view(txn, messages=[TERMINALS[name][1]]))
        txn.update(view="terminal", terminal=name, steps=None, interstitial=None)
        self._terminal_answer(req, txn)

    def _terminal_answer(self, req, txn) -> None:
        """A terminal answer: only messages (error-403-access-denied, error-401-session-expired,
        error-429-too-many-request): no remediation, no cancel, nothing to do but start again."""
        status, message = TERMINALS[txn["terminal"]]
        body = {"version": "1.0.0", "messages": {"type": "array", "value": [copy.deepcopy(message)]}}
        if txn["terminal"] != "rate-limited":  # a 429 carries no transaction
            body.update({"stateHandle": txn["token"], "expiresAt": _expires(), "intent": "LOGIN"})
        self._send(req, status, body)

    def _interstitial_form(self, req, txn, action: str) -> None:
        """A form of an interstitial page other than skip (change the password, set up an authenticator...)."""
        self.org.record(f"idx:form-submitted:{txn['interstitial']}")
        self._send(req, 400, self._view(txn, messages=[MSG_FORM_NOT_DONE]))

    def _skip(self, req, txn, body) -> None:
        name = txn["interstitial"] if txn["view"] == "interstitial" else None
        if name in SKIPPABLE:
            self.org.record(f"idx:skip:{name}")
            txn["interstitial"] = None
            return self._advance(req, txn)
        if name:
            self.org.record(f"idx:skip-refused:{name}")
        self._send(req, 400, self._view(txn, messages=[MSG_NO_SKIP]))

    def _probe_cancel(self, req, txn, body) -> None:
        """The widget found no Okta Verify on the loopback (reason OV_UNREACHABLE_BY_LOOPBACK...): the identify
        page (identify-with-device-probing-loopback-challenge-not-received)."""
        if txn["view"] != "probe":
            return self._send(req, 400, self._view(txn))
        self.org.record("idx:device-probe:cancelled")
        txn["view"] = "identify"
        self._send(req, 200, self._view(txn))

    def _challenge(self, req, txn, body) -> None:
        chosen = body.get("authenticator") or {}
        if txn["view"] in ("identify", "probe") or not txn["username"]:
            return self._send(req, 400, self._view(txn))
        if txn["view"] == "password":  # "verify with something else" offers only the password here
            return self._send(req, 200, self._view(txn))
        if txn["view"] == "phone-data" and chosen.get("id") == PHONE["id"]:  # SMS or voice call
            return self._send_phone_code(req, txn, chosen.get("methodType"))
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
        """Move txn to the challenge of (auth, method); a push or an email is sent now, as Okta does on choosing
        it; a phone first asks how to send its code."""
        if auth is PHONE:
            txn["current"], txn["view"] = (PHONE, None), "phone-data"
            return
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
        else:
            txn["view"] = "code"

    def _send_phone_code(self, req, txn, method: str | None) -> None:
        """The phone's authenticator-verification-data answered: the code goes out by SMS or voice call."""
        methods = self._methods_of(PHONE)
        method = method or methods[0]
        if method not in methods:
            return self._send(req, 400, self._view(txn, messages=[{"message": "Invalid method type.",
                                                                   "class": "ERROR"}]))
        txn["current"], txn["view"] = (PHONE, method), "code"
        self.org.record(f"idx:challenge:{PHONE['key']}:{method}")
        self._send(req, 200, self._view(txn))

    def _answer(self, req, txn, body) -> None:
        credentials = body.get("credentials") or {}
        if txn["view"] == "password":
            return self._after_password(req, txn, credentials.get("passcode") or "", MSG_BAD_PASSWORD)
        if txn["view"] == "phone-data":  # older shape of the same answer
            return self._send_phone_code(req, txn, (body.get("authenticator") or {}).get("methodType"))
        if txn["view"] != "code":
            return self._send(req, 400, self._view(txn))
        import pyotp

        code = str(credentials.get("passcode") or credentials.get("totp") or "").strip()
        if code and pyotp.TOTP(self.s.totp_secret).verify(code, valid_window=1):
            self.org.record("verify:totp:ok")
            return self._advance(req, txn)
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
            return self._advance(req, txn)
        txn["push"] = result
        txn["view"] = "push-ended"
        self.org.record("push:rejected" if result == "reject" else "push:timeout")
        self._send(req, 200, self._view(txn, messages=[MSG_PUSH_REJECTED if result == "reject" else MSG_PUSH_TIMEOUT]))

    def _resend(self, req, txn, body) -> None:
        if txn["view"] == "code" and txn["current"][0] in (PHONE, EMAIL):  # the SMS, call or email again
            auth, method = txn["current"]
            self.org.record(f"idx:resend:{auth['key']}:{method}")
            return self._send(req, 200, self._view(txn))
        if txn["view"] not in ("push", "push-ended"):
            return self._send(req, 400, self._view(txn))
        txn["view"], txn["push"], txn["polls"] = "push", "waiting", 0
        self.org.record("push:sent")
        self._send(req, 200, self._view(txn))

    def _cancel(self, req, txn, body) -> None:
        self.org.record("idx:cancel")
        txn.update(view="identify", username=None, current=None, push=None, polls=0, kmsi=None, steps=None,
                   interstitial=None, remembered=False, sid=None, pending=None)  # a step-up becomes a sign-in
        self._send(req, 200, self._view(txn))

    def _kmsi(self, req, txn, body) -> None:
        if txn["view"] != "kmsi":
            return self._send(req, 400, self._view(txn))
        accepted = body.get("keepMeSignedIn") in (True, "true")
        self.org.record(f"idx:keep-me-signed-in:{'true' if accepted else 'false'}")
        txn["kmsi"] = accepted
        self._advance(req, txn)

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
            out["profile"] = {"phoneNumber": PHONE_NUMBER}
        if auth is EMAIL:
            out["profile"] = {"email": EMAIL_ADDRESS}
        if auth is OKTA_VERIFY:
            out["profile"] = {"deviceName": "Alice's iPhone"}
        if auth is WEBAUTHN:
            out["credentialId"] = "ZmFrZS1jcmVkZW50aWFsLWlk"
        return out

    def _select_form(self, txn, options) -> dict:
        choices = []
        for index, (auth, methods) in enumerate(options):
            fields = [{"name": "id", "required": True, "value": auth["id"], "mutable": False}]
            if len(methods) > 1 or auth is PHONE:  # Okta lists a phone's methods even when there is one
                fields.append({"name": "methodType", "type": "string", "required": False, "options": [
                    {"label": METHOD_LABELS.get(m, m), "value": m} for m in methods]})
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
        if txn["username"] and txn["view"] not in ("identify", "probe"):
            base["user"] = {"type": "object", "value": {"id": USER_ID, "identifier": txn["username"]}}
        if messages:
            base["messages"] = {"type": "array", "value": copy.deepcopy(messages)}
        view = txn["view"]
        remediation: list[dict] = []

        if view == "identify":
            fields = [{"name": "identifier", "label": "Username", "required": True}]
            if not self.s.oie_identifier_first:
                fields.append(self._passcode_field("Password", secret=True))
                base["currentAuthenticator"] = {"type": "object", "value": self._authenticator(PASSWORD, ["password"])}
            fields.append({"name": "rememberMe", "label": "Keep me signed in", "type": "boolean"})
            remediation.append(self._form(txn, "identify", "/idp/idx/identify", fields))
        elif view == "probe":
            self._probe_view(txn, base, remediation)
        elif view == "password":
            remediation.append(self._form(txn, "challenge-authenticator", "/idp/idx/challenge/answer",
                                          [self._passcode_field("Password", secret=True)],
                                          relatesTo=["$.currentAuthenticatorEnrollment"]))
            remediation.append(self._select_form(txn, [(PASSWORD, ["password"])]))
            base["currentAuthenticatorEnrollment"] = {"type": "object",
                                                      "value": self._enrollment(PASSWORD, ["password"])}
            base["authenticators"] = {"type": "array", "value": [self._authenticator(PASSWORD, ["password"])]}
            base["authenticatorEnrollments"] = {"type": "array", "value": [self._enrollment(PASSWORD, ["password"])]}
        elif view == "interstitial":
            self._interstitial_view(txn, base, remediation, own_messages=not messages)
        elif view == "kmsi":
            remediation.append(self._form(txn, "keep-me-signed-in", "/idp/idx/keep-me-signed-in",
                                          [{"name": "keepMeSignedIn", "type": "boolean", "label": "Stay signed in",
                                            "required": True, "value": False, "mutable": True}]))
        elif view == "success":
            base.pop("cancel")
            base["success"] = {"name": "success-redirect",
                               "href": f"{self.org.base_url}/login/token/redirect?stateToken={quote(txn['token'])}"}
        else:
            self._factor_view(txn, base, remediation, field_messages)
        if remediation:
            base["remediation"] = {"type": "array", "value": remediation}
        return base

    def _factor_view(self, txn, base: dict, remediation: list, field_messages) -> None:
        """The second factor's pages: the "Verify it's you" list, a code, a push, the phone's SMS-or-call page..."""
        view = txn["view"]
        options = self.options()
        base["authenticators"] = {"type": "array", "value": [self._authenticator(a, m) for a, m in options]}
        base["authenticatorEnrollments"] = {"type": "array", "value": [self._enrollment(a, m) for a, m in options]}
        select = self._select_form(txn, options)
        if view == "select":
            remediation.append(select)
            return
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
                field = self._passcode_field("Enter code from Okta Verify app", "totp", messages=field_messages)
                relates = "$.currentAuthenticator"
            else:
                field = self._passcode_field("Enter code", messages=field_messages)
                relates = "$.currentAuthenticatorEnrollment"
            remediation.append(self._form(txn, "challenge-authenticator", "/idp/idx/challenge/answer",
                                          [field], relatesTo=[relates]))
            if relates == "$.currentAuthenticator":
                base["currentAuthenticator"] = {"type": "object", "value": current}
            else:
                enrollment = self._enrollment(auth, [method])
                if auth in (PHONE, EMAIL):  # "Send again" / "Call again"; the email page also polls (magic link)
                    enrollment["resend"] = self._form(txn, "resend", "/idp/idx/challenge/resend", [])
                if auth is EMAIL:
                    enrollment["poll"] = self._form(txn, "poll", "/idp/idx/challenge/poll", [], refresh=4000)
                base["currentAuthenticatorEnrollment"] = {"type": "object", "value": enrollment}
        elif view == "phone-data":  # authenticator-verification-data: send the code by SMS or by voice call
            methods = self._methods_of(PHONE)
            index = next(i for i, (a, _) in enumerate(options) if a is PHONE)
            remediation.append(self._form(txn, "authenticator-verification-data", "/idp/idx/challenge", [
                {"name": "authenticator", "type": "object", "label": "Phone", "form": {"value": [
                    {"name": "id", "required": True, "value": auth["id"], "mutable": False},
                    {"name": "methodType", "type": "string", "required": True,
                     "options": [{"label": METHOD_LABELS[m], "value": m} for m in methods]},
                    {"name": "enrollmentId", "required": True, "value": auth["enrollment"], "mutable": False}]},
                 "relatesTo": f"$.authenticatorEnrollments.value[{index}]"}],
                relatesTo=["$.currentAuthenticatorEnrollment"]))
            enrollment = self._enrollment(PHONE, methods)
            enrollment["resend"] = self._form(txn, "resend", "/idp/idx/challenge/resend", [])
            base["currentAuthenticatorEnrollment"] = {"type": "object", "value": enrollment}
        elif view == "fastpass":
            current["contextualData"] = {"challenge": {"value": {
                "challengeMethod": "CUSTOM_URI", "href": "oktaverify://fake/authenticate",
                "downloadHref": "https://apps.apple.com/us/app/okta-verify/id490179405"}}}
            remediation.append(self._form(txn, "launch-authenticator", "/idp/idx/authenticators/okta-verify/launch",
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
        if len(options) > 1 or (len(options[0][1]) > 1 and auth is not PHONE):
            remediation.append(select)  # "Verify with something else"

    def _probe_view(self, txn, base: dict, remediation: list) -> None:
        """identify-with-device-probing-loopback: Okta FastPass asks the widget to find Okta Verify."""
        remediation.append(self._form(txn, "device-challenge-poll", "/idp/idx/authenticators/poll", [],
                                      relatesTo="authenticatorChallenge", refresh=2000))
        base["authenticatorChallenge"] = {"type": "object", "value": {
            "challengeMethod": "LOOPBACK",
            "challengeRequest": "eyJraWQiOiJmYWtlIiwiYWxnIjoiUlMyNTYifQ." + secrets.token_urlsafe(48) + ".c2ln",
            "domain": "http://localhost",
            "ports": [str(port) for port in txn["probe_ports"]],
            "cancel": self._form(txn, "cancel-polling", "/idp/idx/authenticators/poll/cancel", []),
        }}

    def _password_settings(self, days_to_expiry: int | None = None) -> dict:
        settings = {"complexity": {"minLength": 8, "minLowerCase": 1, "minUpperCase": 1, "minNumber": 1,
                                   "minSymbol": 0, "excludeUsername": True, "excludeFirstName": True,
                                   "excludeLastName": True},
                    "age": {"minAgeMinutes": 0, "historyCount": 4}}
        if days_to_expiry is not None:
            settings["daysToExpiry"] = days_to_expiry
        return settings

    def _enroll_catalogue(self, txn, grace: bool) -> tuple[list, list]:
        """What select-authenticator-enroll offers: (authenticators, options) for those the user has not set up
        among Phone and Security Key or Biometric (the latter when the user has both)."""
        enrolled = {a["key"] for a, _ in self.options()}
        offer = [a for a in (PHONE, WEBAUTHN) if a["key"] not in enrolled] or [WEBAUTHN]
        authenticators, options = [], []
        for index, auth in enumerate(offer):
            entry = {"type": auth["type"], "key": auth["key"], "id": auth["id"], "displayName": auth["displayName"]}
            fields = [{"name": "id", "required": True, "value": auth["id"], "mutable": False}]
            if auth is PHONE:
                entry["methods"] = [{"type": "sms"}, {"type": "voice"}]
                fields += [{"name": "methodType", "required": False, "options": [
                               {"label": "SMS", "value": "sms"}, {"label": "Voice call", "value": "voice"}]},
                           {"name": "phoneNumber", "required": False, "type": "string"}]
            else:
                entry["methods"] = [{"type": "webauthn"}]
                fields.append({"name": "methodType", "required": False, "value": "webauthn", "mutable": False})
            if grace:
                entry["gracePeriod"] = {"type": "BY_DATE_TIME", "expiry": _expires(14 * 24 * 60,
                                                                                    since=txn["started"])}
            authenticators.append(entry)
            options.append({"label": auth["displayName"], "value": {"form": {"value": fields}},
                            "relatesTo": f"$.authenticators.value[{index}]"})
        return authenticators, options

    def _interstitial_view(self, txn, base: dict, remediation: list, own_messages: bool = True) -> None:
        """The pages between password, second factor and success (Scenario.oie_before_mfa / oie_after_mfa).
        own_messages: the page's informational messages (not on an error answer: the error alone)."""
        name = txn["interstitial"]
        password_enrollment = self._enrollment(PASSWORD, ["password"])
        if name in ("password-expiry-warning", "password-expired"):
            warning = name == "password-expiry-warning"
            current = self._authenticator(PASSWORD, ["password"])
            current["settings"] = self._password_settings(DAYS_TO_EXPIRY if warning else None)
            remediation.append(self._form(
                txn, "reenroll-authenticator-warning" if warning else "reenroll-authenticator",
                "/idp/idx/challenge/answer", [self._passcode_field("New password", secret=True)],
                relatesTo=["$.currentAuthenticator"]))
            base["currentAuthenticator"] = {"type": "object", "value": current}
            base["authenticators"] = {"type": "array", "value": []}
            base["authenticatorEnrollments"] = {"type": "array", "value": [password_enrollment]}
            if warning and own_messages:
                base["messages"] = {"type": "array", "value": [copy.deepcopy(MSG_PASSWORD_EXPIRING)]}
            else:
                recovery = self._authenticator(PASSWORD, ["password"])
                recovery["settings"] = self._password_settings()
                base["recoveryAuthenticator"] = {"type": "object", "value": recovery}
        elif name == "passkey-promotion":
            host = urlsplit(self.org.base_url).hostname
            current = {"displayName": "Passkeys", "catalogKey": "webauthn", "type": "security_key",
                       "key": "webauthn", "id": WEBAUTHN["id"], "settings": {}, "contextualData": {
                           "activationData": {
                               "rp": {"name": BRAND, "id": host},
                               "user": {"displayName": "Alice Example", "name": txn["username"], "id": USER_ID},
                               "pubKeyCredParams": [{"type": "public-key", "alg": -7},
                                                    {"type": "public-key", "alg": -257}],
                               "challenge": secrets.token_urlsafe(16), "attestation": "direct",
                               "authenticatorSelection": {"userVerification": "discouraged"},
                               "hints": ["client-device"], "u2fParams": {"appid": self.org.base_url}}}}
            remediation.append(self._form(txn, "enroll-authenticator-promotion", "/idp/idx/credential/enroll", [
                {"name": "credentials", "form": {"value": [
                    {"name": field, "label": label, "visible": False, "required": True, "hint": "webauthn"}
                    for field, label in (("clientData", "Client Data"), ("attestation", "Attestation"),
                                         ("transports", "Transports"),
                                         ("clientExtensions", "clientExtensions"))]}}],
                relatesTo=["$.currentAuthenticator"]))
            base["currentAuthenticator"] = {"type": "object", "value": current}
            base["authenticators"] = {"type": "array", "value": [
                {"displayName": "Passkeys", "type": "security_key", "key": "webauthn", "id": WEBAUTHN["id"]}]}
            base["authenticatorEnrollments"] = {"type": "array", "value": [password_enrollment]}
            base["enrollmentAuthenticator"] = {"type": "object", "value": {
                "type": "security_key", "key": "webauthn", "id": WEBAUTHN["id"], "displayName": "Passkeys",
                "methods": [{"type": "webauthn"}]}}
        elif name in ("enroll-optional", "enroll-required", "enroll-grace-period"):
            authenticators, options = self._enroll_catalogue(txn, grace=name == "enroll-grace-period")
            remediation.append(self._form(txn, "select-authenticator-enroll", "/idp/idx/credential/enroll", [
                {"name": "authenticator", "type": "object", "required": True, "options": options}]))
            base["authenticators"] = {"type": "array", "value": authenticators}
            base["authenticatorEnrollments"] = {"type": "array", "value": [password_enrollment]}
        elif name == "device-assurance-grace-period":
            # a grace period ends at a set time, the same in every answer; a second reminder in a row is
            # another policy's, which ends a day later (oie_same_reminder: the same answer again)
            again = 1 if self.s.oie_same_reminder else txn["shown"].count(name)
            due = _expires(24 * 60 * (6 + again), since=txn["started"])
            # its one form posts to /idp/idx/skip: the widget's button goes on (as in Okta's mock
            # device-assurance-grace-period-one-option)
            remediation.append(self._form(txn, "device-assurance-grace-period", "/idp/idx/skip", []))
            if own_messages:  # the page itself: what is wrong with the device, by when to fix it
                base["messages"] = {"type": "array", "value": [
                    {"message": f"Your device doesn't meet the security requirements. Fix the issue by {due} to "
                                "prevent lockout.",
                     "i18n": {"key": "idx.device_assurance.grace_period.warning.title.due_by_date", "params": [due]},
                     "class": "WARNING"},
                    {"links": [{"url": "https://okta.com/android-upgrade-os"}], "message": "Update to Android 100",
                     "i18n": {"key": "idx.error.code.access_denied.device_assurance.remediation.android."
                                     "upgrade_os_version", "params": ["100"]}, "class": "ERROR"},
                    {"links": [{"url": "https://okta.com/help"}],
                     "message": "For more information, follow the instructions on the help page or contact your "
                                "administrator for help",
                     "i18n": {"key": "idx.error.code.access_denied.device_assurance.remediation."
                                     "additional_help_default"}, "class": "ERROR"}]}
        elif name == "unlock-account":
            options = [(EMAIL, "email", "Email"), (PHONE, "voice", "Phone")]
            remediation.append(self._form(txn, "select-authenticator-unlock-account", "/idp/idx/challenge", [
                {"name": "identifier", "label": "Username", "required": True},
                {"name": "authenticator", "type": "object", "options": [
                    {"label": label, "value": {"form": {"value": [
                        {"name": "id", "required": True, "value": auth["id"], "mutable": False},
                        {"name": "methodType", "required": False, "value": method, "mutable": False}]}},
                     "relatesTo": f"$.authenticatorEnrollments.value[{index}]"}
                    for index, (auth, method, label) in enumerate(options)]}]))
            base["authenticators"] = {"type": "array", "value": [
                self._authenticator(auth, [method]) for auth, method, _ in options]}
            base["authenticatorEnrollments"] = {"type": "array", "value": [
                {"type": auth["type"], "key": auth["key"], "methods": [{"type": method}]}
                for auth, method, _ in options]}
        if name in SKIPPABLE and name != "device-assurance-grace-period":
            remediation.append(self._form(txn, "skip", "/idp/idx/skip", []))
