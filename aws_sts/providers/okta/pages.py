"""What an Okta Identity Engine page is, read from Okta's IDX answer (plain data in, plain data out).

Both widget generations draw the page an answer describes, so this is the one place that decides what a
page asks for: ``read(answer) -> Page``. The order of the checks is the order of what matters:
Okta done; Okta's terminal answers (user not assigned, access denied, session expired, rate limited,
locked out), which may still carry a form and must never be blamed on the password or the code; a page
that offers a skip (skipped, never filled); then the page by its first remediation.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

# Page kinds: idx.HANDLERS has one handler for each.
SUCCESS, TERMINAL, SKIP, BLOCKED, UNKNOWN = "success", "terminal", "skip", "blocked", "unknown"
IDENTIFY, PASSWORD, SELECT, CODE, PHONE_METHOD = "identify", "password", "select", "code", "phone-method"
PUSH_WAIT, PUSH_ENDED, KMSI, PROBING = "push", "push-ended", "keep-me-signed-in", "probing"

# How a second factor is answered (Option.kind, Page.channel).
APP_CODE, SENT_CODE, PUSH, EITHER, OTHER = "app code", "sent code", "push", "either", "other"
ANSWERABLE = (APP_CODE, SENT_CODE, PUSH, EITHER)

# Okta's i18n keys of answers that end the sign-in whatever page they come on, and what to do about each.
TERMINAL_ADVICE = {
    "idx.error.user.not.assigned.to.app": "Ask your Okta administrator to assign you the AWS app.",
    "security.access_denied": "Okta's sign-on policy does not let you in here; ask your Okta administrator.",
    "idx.session.expired": "The sign-in took too long and Okta ended it; run aws-sts again.",
    "tooManyRequests": "Okta limits how often you may sign in; wait a minute, then run aws-sts again.",
    "errors.E0000119": "Ask your Okta administrator to unlock the account, or unlock it in a browser.",
    "oie.selfservice.unlock_user.challenge.failed.permissions": "Ask your Okta administrator to unlock the account.",
}

# Pages that want something aws-sts must not do for the user (no skip offered): what Okta wants.
BLOCKING = {
    "reenroll-authenticator": "Your password has expired and must be changed.",
    "select-authenticator-enroll": "You must set up another security method.",
    "enroll-authenticator": "You must set up another security method.",
    "authenticator-enrollment-data": "You must set up another security method.",
    "select-authenticator-unlock-account": "Your account is locked; Okta offers to unlock it.",
    "unlock-account": "Your account is locked; Okta offers to unlock it.",
    "reset-authenticator": "You must reset your password.",
    "enroll-profile": "You must complete your profile.",
}

# What a skipped interstitial was, by its first remediation.
SKIPPED = {
    "select-authenticator-enroll": "offers to set up another security method — skipped",
    "enroll-authenticator-promotion": "offers to set up a passkey — skipped",
    "device-assurance-grace-period": "this device does not meet the security requirements yet — continued; "
                                     "fix it before the grace period ends",
}

CODE_APPS = {"google_otp": "Google Authenticator", "okta_verify": "Okta Verify", "custom_otp": "the authenticator app",
             "symantec_vip": "Symantec VIP", "yubikey_token": "YubiKey", "rsa_token": "RSA SecurID",
             "onprem_mfa": "the token"}


OV_METHODS = {"push": "get a push notification", "totp": "enter a code", "signed_nonce": "FastPass"}


class Option(NamedTuple):
    """One row of "Verify it's you with a security method"."""
    label: str
    key: str       # the authenticator's key (google_otp, okta_verify, okta_email, phone_number, ...)
    method: str    # its method type when the row names one (push, totp, otp, email, sms, voice, ...)
    kind: str      # APP_CODE, SENT_CODE, PUSH, EITHER or OTHER
    data_se: str   # what the widget generations mark the row with: data-se values, the likeliest first


class Page(NamedTuple):
    kind: str
    remediation: str = ""          # the first remediation's name
    authenticator: str = ""        # key of the current authenticator (enrollment)
    method: str = ""
    errors: tuple = ()             # Okta's ERROR messages, in order
    fields: tuple = ()             # names of the first remediation's fields
    options: tuple = ()            # SELECT: the rows
    methods: tuple = ()            # PHONE_METHOD: what the phone offers (sms, voice)
    channel: str = ""              # CODE: APP_CODE or SENT_CODE
    number: Optional[int] = None   # PUSH_WAIT: the number challenge
    detail: str = ""               # SKIP: what was skipped; BLOCKED: what Okta wants; TERMINAL: what to do
    sent_to: str = ""              # CODE by email or SMS: where it went
    terminal_key: str = ""

    @property
    def error_text(self) -> str:
        return " ".join(self.errors) or "Okta did not accept the sign-in"

    @property
    def what(self) -> str:
        return f"remediation {self.remediation}" if self.remediation else "an answer without a form"

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.kind, f"the Okta page ({self.what})")

    @property
    def skipped(self) -> str:
        return self.detail

    @property
    def blocked(self) -> str:
        return self.detail

    @property
    def advice(self) -> str:
        return self.detail

    @property
    def prompt(self) -> str:
        if self.channel == SENT_CODE:
            if self.authenticator == "okta_email":
                return "Code from the email:"
            return "Code from the voice call:" if self.method == "voice" else "Code from the text message:"
        name = CODE_APPS.get(self.authenticator)
        return f"{name} code:" if name else "Verification code:"


DESCRIPTIONS = {
    IDENTIFY: "the sign-in form", PASSWORD: "the password form", SELECT: "the list of security methods",
    CODE: "the code form", PHONE_METHOD: "the choice between SMS and a voice call", PUSH_WAIT: "the Okta Verify push",
    PUSH_ENDED: "the Okta Verify push", SKIP: "a page offering a skip", KMSI: "the keep-me-signed-in question",
    SUCCESS: "the redirect to AWS", PROBING: "Okta looking for Okta Verify on this device",
}


def _values(node) -> list:
    """The list inside Okta's {"type": "array", "value": [...]} wrappers (or a plain list)."""
    if isinstance(node, dict):
        node = node.get("value")
    return node if isinstance(node, list) else []


def _object(node) -> dict:
    if isinstance(node, dict) and isinstance(node.get("value"), dict):
        return node["value"]
    return node if isinstance(node, dict) else {}


def _messages(node) -> list:
    """(text, i18n key, class) of every message in a messages wrapper."""
    out = []
    for message in _values(node):
        if isinstance(message, dict) and isinstance(message.get("message"), str):
            key = (message.get("i18n") or {}).get("key") if isinstance(message.get("i18n"), dict) else None
            out.append((" ".join(message["message"].split()), str(key or ""), str(message.get("class") or "")))
    return out


def _field_messages(fields) -> list:
    """Messages Okta puts on the fields of a form (a wrong code), at any depth."""
    out = []
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, dict):
            continue
        out += _messages(field.get("messages"))
        out += _field_messages(_values(field.get("form")))
    return out


def _method_of(form_values) -> tuple:
    """The methodType a form fixes (value) or offers (options)."""
    for field in form_values:
        if isinstance(field, dict) and field.get("name") == "methodType":
            if isinstance(field.get("value"), str):
                return (field["value"],)
            return tuple(str(o.get("value")) for o in field.get("options") or [] if isinstance(o, dict))
    return ()


def _kind_of(key: str, method: str) -> str:
    if key == "okta_verify":
        return {"push": PUSH, "totp": APP_CODE, "": EITHER}.get(method, OTHER)
    if key in CODE_APPS:
        return APP_CODE
    if key in ("okta_email", "phone_number") and method in ("", "email", "sms", "voice"):
        return SENT_CODE
    return OTHER


def _options(remediation: dict, answer: dict) -> tuple:
    by_id = {}
    for group in ("authenticators", "authenticatorEnrollments"):
        for item in _values(answer.get(group)):
            if isinstance(item, dict) and item.get("id"):
                by_id.setdefault(item["id"], item)
                by_id.setdefault(item.get("authenticatorId") or "", item)
    rows = []
    for field in _values(remediation):
        if not isinstance(field, dict) or field.get("name") != "authenticator":
            continue
        for option in field.get("options") or []:
            if not isinstance(option, dict):
                continue
            form = _values(_object(option.get("value")).get("form"))
            ident = next((f.get("value") for f in form if isinstance(f, dict) and f.get("name") == "id"), "")
            methods = _method_of(form)
            item = by_id.get(ident, {})
            key = str(item.get("key") or _key_from_relates(option.get("relatesTo"), answer) or "")
            label = " ".join(str(option.get("label") or key or "a method").split())
            if key == "okta_verify" and len(methods) > 1:
                # the widget (both generations) draws one row per Okta Verify method, marked "<key>-<method>"
                for method in methods:
                    rows.append(Option(f"{label}: {OV_METHODS.get(method, method)}", key, method,
                                       _kind_of(key, method), f"{key}-{method}"))
                continue
            method = methods[0] if methods else ""
            if key == "okta_verify" and method:
                label += f": {OV_METHODS.get(method, method)}"
            # one method: gen3 still marks the row "<key>-<method>", gen2 only "<key>"
            marks = f"{key}-{method} {key}" if method else key
            rows.append(Option(label, key, method, _kind_of(key, method), marks))
    return tuple(rows)


def _key_from_relates(relates, answer: dict) -> str:
    """"$.authenticatorEnrollments.value[3]" -> that item's key."""
    if not isinstance(relates, str) or not relates.startswith("$."):
        return ""
    group, _, rest = relates[2:].partition(".value[")
    try:
        item = _values(answer.get(group))[int(rest.rstrip("]"))]
    except (ValueError, IndexError):
        return ""
    return str(item.get("key") or "") if isinstance(item, dict) else ""


def _current(answer: dict) -> dict:
    return _object(answer.get("currentAuthenticatorEnrollment")) or _object(answer.get("currentAuthenticator"))


def read(answer) -> Page:
    """The page an IDX answer describes."""
    if not isinstance(answer, dict):
        answer = {}
    remediations = [r for r in _values(answer.get("remediation")) if isinstance(r, dict) and r.get("name")]
    names = [str(r["name"]) for r in remediations]
    first = remediations[0] if remediations else {}
    fields = tuple(str(f.get("name")) for f in _values(first) if isinstance(f, dict) and f.get("name"))
    messages = _messages(answer.get("messages")) + _field_messages(_values(first))
    errors = tuple(text for text, _, cls in messages if cls == "ERROR")
    current = _current(answer)
    key = str(current.get("key") or "")
    common = dict(remediation=names[0] if names else "", authenticator=key, errors=errors, fields=fields)

    if answer.get("success") and not names:
        return Page(SUCCESS, **common)
    for text, i18n, cls in messages:
        if cls == "ERROR" and i18n in TERMINAL_ADVICE:
            advice = TERMINAL_ADVICE.get(i18n, "Ask your Okta administrator.")
            return Page(TERMINAL, detail=advice, terminal_key=i18n, **dict(common, errors=(text,) if text else ()))
    if not names:
        if errors:
            return Page(TERMINAL, detail="Run aws-sts again; if it happens again, ask your Okta administrator.",
                        **common)
        return Page(UNKNOWN, **common)
    if "skip" in names and names[0] != "skip":
        return Page(SKIP, detail=_skipped(names[0], current, messages), **common)
    name = names[0]
    if name == "device-assurance-grace-period":  # its one form is the skip ("Continue to app")
        said = next((text for text, _, _ in messages if text), "")
        return Page(SKIP, detail=f"{said.rstrip('.')} — continued" if said else SKIPPED[name],
                    **dict(common, errors=()))
    if name in BLOCKING:
        return Page(BLOCKED, detail=BLOCKING[name], **common)
    if name == "identify":
        return Page(IDENTIFY, **common)
    if name == "select-authenticator-authenticate":
        return Page(SELECT, options=_options(first, answer), **common)
    if name == "challenge-authenticator":
        if key == "okta_password":
            return Page(PASSWORD, **common)
        methods = [m.get("type") for m in current.get("methods") or [] if isinstance(m, dict)]
        method = str(methods[0]) if len(methods) == 1 else ""
        kind = _kind_of(key, method or ("totp" if key == "okta_verify" else ""))
        if kind == APP_CODE:
            return Page(CODE, channel=APP_CODE, method=method, **common)
        if kind == SENT_CODE:
            return Page(CODE, channel=SENT_CODE, method=method, sent_to=_sent_to(key, method, current), **common)
        return Page(UNKNOWN, method=method, **common)
    if name == "authenticator-verification-data":
        methods = ()
        for field in _values(first):
            if isinstance(field, dict) and field.get("name") == "authenticator":
                methods = _method_of(_values(field.get("form")))
        if key in ("phone_number", "") and set(methods) <= {"sms", "voice"} and methods:
            return Page(PHONE_METHOD, methods=methods, **common)
        return Page(UNKNOWN, methods=methods, **common)
    if name == "challenge-poll" and key == "okta_verify":
        number = (current.get("contextualData") or {}).get("correctAnswer") if isinstance(
            current.get("contextualData"), dict) else None
        return Page(PUSH_WAIT, number=number if isinstance(number, int) else None, method="push", **common)
    if name == "resend" and key == "okta_verify":
        return Page(PUSH_ENDED, **common)
    if name == "keep-me-signed-in":
        return Page(KMSI, **common)
    if name == "device-challenge-poll":
        return Page(PROBING, **common)
    return Page(UNKNOWN, **common)


def _skipped(name: str, current: dict, messages: list) -> str:
    if name == "reenroll-authenticator-warning":
        days = (current.get("settings") or {}).get("daysToExpiry") if isinstance(current.get("settings"), dict) \
            else None
        when = f"in {days} day{'s' if days != 1 else ''}" if isinstance(days, int) and days >= 0 else "soon"
        return f"your password expires {when} — skipped; change it soon"
    return SKIPPED.get(name, f"offers {name.replace('-', ' ')} — skipped")


def _sent_to(key: str, method: str, current: dict) -> str:
    profile = current.get("profile") if isinstance(current.get("profile"), dict) else {}
    if key == "okta_email":
        where = profile.get("email")
        return f"by email to {where}" if isinstance(where, str) and where else "by email"
    how = "by voice call" if method == "voice" else "by text message"
    where = profile.get("phoneNumber")
    return f"{how} to {where}" if isinstance(where, str) and where else how
