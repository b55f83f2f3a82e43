"""Plain sign-in pages, recognised by what they show rather than by one IdP's markup.

CLASSIFY_JS runs before every look at the page (engine.SignIn's classify_js). It groups the visible fields a
person could type into by their form, and tags the one field that names what a form asks for:

  login       a password field, and one username or email field beside it (the form has nothing else to type)
  password    a password field alone (identifier-first, after the username)
  identifier  a username or email field alone (identifier-first, before the password)
  code        a one-time code: autocomplete="one-time-code", or a single short field named like otp/code/token
  error       an error message that appeared on a form aws-sts has already submitted (a page that re-renders
              in place; a server-rendered IdP sends the form again instead, which the handlers notice)

A form with any other field, two forms that both look like sign-in forms, or a field whose purpose is not
clear are not tagged at all: aws-sts never types into a field it is not sure of. The page then counts as
one aws-sts does not know (`other`, on <body>, once the page has loaded and shows something to act on), and
the engine hands it to the user or ends the run with the failure artifacts.
"""

from __future__ import annotations

from aws_sts.errors import AuthenticationError
from aws_sts.providers.codes import code_rejected, next_code
from aws_sts.providers.engine import SignIn, State

CLASSIFY_JS = r"""() => {
  const USER = /user|login|e-?mail|ident|account|upn|principal/i;
  const CODE = /otp|code|passcode|token|totp|mfa|one.?time/i;
  const NOT_TYPED = new Set(['hidden', 'submit', 'button', 'reset', 'image', 'checkbox', 'radio', 'file',
                             'range', 'color']);
  const SUBMIT = 'button[type=submit], input[type=submit], button:not([type])';
  const SENDS = /sign|log|next|continue|submit|verify|send|ok\b/i;
  const BUTTONS = 'button, input[type=button], [role=button]';
  const ERRORS = '%(errors)s';
  const visible = (el) => {
    if (!el.isConnected || !el.getClientRects().length) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' && Number(style.opacity) > 0.05;
  };
  const type = (el) => el.tagName === 'INPUT' ? (el.getAttribute('type') || 'text').toLowerCase() : el.tagName;
  const words = (el) => [el.name, el.id, el.getAttribute('autocomplete'), el.placeholder,
                         el.getAttribute('aria-label'), ...[...(el.labels || [])].map((l) => l.textContent)]
                        .filter(Boolean).join(' ');
  const named = (el) => [el.name, el.id].filter(Boolean).join(' ');
  const oneTimeCode = (el) => /one-time-code/i.test(el.getAttribute('autocomplete') || '');
  const shortCode = (el) => ['text', 'tel', 'number', 'password'].includes(type(el)) && CODE.test(named(el))
                            && (el.maxLength < 0 || el.maxLength <= 12);
  const userLike = (el) => ['text', 'email'].includes(type(el)) && !CODE.test(named(el)) && !oneTimeCode(el)
                           && (type(el) === 'email' || USER.test(words(el)));

  for (const el of document.querySelectorAll('[data-aws-sts-kind]')) delete el.dataset.awsStsKind;
  for (const el of document.querySelectorAll('[data-aws-sts-submit]')) delete el.dataset.awsStsSubmit;

  // Visible fields a person could type into (or choose in), by the form they belong to.
  const scopes = new Map();
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if ((el.tagName === 'INPUT' && NOT_TYPED.has(type(el))) || el.disabled || el.readOnly || !visible(el)) continue;
    const scope = el.form || el.closest('[role=form], main') || document.body;
    if (!scopes.has(scope)) scopes.set(scope, []);
    scopes.get(scope).push(el);
  }
  const found = [];
  for (const [scope, fields] of scopes) {
    const passwords = fields.filter((el) => type(el) === 'password');
    let kind = null, key = null, user = null;
    if (fields.length === 1 && (oneTimeCode(fields[0]) || shortCode(fields[0]))) {
      [kind, key] = ['code', fields[0]];
    } else if (fields.length === 1 && passwords.length === 1) {
      [kind, key] = ['password', passwords[0]];
    } else if (fields.length === 2 && passwords.length === 1) {
      const other = fields.find((el) => el !== passwords[0]);
      if (userLike(other)) [kind, key, user] = ['login', passwords[0], other];
    } else if (fields.length === 1 && userLike(fields[0])) {
      [kind, key] = ['identifier', fields[0]];
    }
    if (kind) found.push({scope, kind, key, user});
  }
  if (found.length === 1) {  // two sign-in forms at once: not sure which one is meant, so neither
    const {scope, kind, key, user} = found[0];
    key.dataset.awsStsKind = kind;
    if (user) user.dataset.awsStsKind = 'username';
    // Its submit button: one named like sign in / next / verify, else the form's first submit button. A
    // plain button counts only when named so (a page whose script sends the form: type=button, role=button).
    const says = (b) => SENDS.test(b.textContent || b.value || b.getAttribute('aria-label') || '');
    const submits = [...scope.querySelectorAll(SUBMIT)].filter(visible);
    const plain = [...scope.querySelectorAll(BUTTONS)].filter(visible);
    const button = submits.find(says) || plain.find(says) || submits[0];
    if (button) button.dataset.awsStsSubmit = kind;
  }
  // An error shown on a form aws-sts submitted, in place (errors already there before are marked seen).
  if (document.querySelector('[data-aws-sts-claimed]')) {
    for (const el of document.querySelectorAll(ERRORS)) {
      if (!el.dataset.awsStsSeen && visible(el) && (el.innerText || '').trim()
          && !el.querySelector('input, select, textarea')) { el.dataset.awsStsKind = 'error'; break; }
    }
  }
  // Anything else (two sign-in forms included), once loaded, with something to act on: a page aws-sts does
  // not know. (The auto-posting
  // SAML form is not one: it is on its way to AWS. A page with nothing to click, such as a spinner, is
  // waited for.)
  const actionable = [...document.querySelectorAll(
    'input:not([type=hidden]), button, select, textarea, a[href], [role=button], iframe')].some(visible);
  if (document.body && found.length !== 1 && document.readyState === 'complete' && actionable
      && !document.querySelector('input[name=SAMLResponse]')) {
    document.body.dataset.awsStsKind = 'other';
  }
}"""

# What error messages look like on the pages of the IdPs we know of (ARIA alerts, Bootstrap, SimpleSAMLphp's
# .message-box.error, ADFS's #errorText, Keycloak's kc-feedback-text...).
ERRORS = ('[role=alert], [aria-live=assertive], .error, .errors, .alert-danger, .alert-error, .error-message, '
          '[class*="error" i], [id*="error" i]')
CLASSIFY_JS = CLASSIFY_JS % {"errors": ERRORS}

UNKNOWN_SELECTOR = "body[data-aws-sts-kind=other]"

# The text of the first visible error message (not a container holding fields), and what names a page. An
# error mark without text (SimpleSAMLphp's img.erroricon) names the box around it: the nearest ancestor that
# has text and no fields.
ERROR_TEXT_JS = r"""() => {
  const text = (el) => (el.innerText || '').replace(/\s+/g, ' ').trim();
  const fields = (el) => el.querySelector('input, select, textarea');
  for (let el of document.querySelectorAll('%(errors)s')) {
    if (!el.getClientRects().length) continue;
    for (let up = 0; up < 3 && !text(el) && el.parentElement && !fields(el.parentElement); up++) el = el.parentElement;
    if (text(el) && !fields(el)) return text(el);
  }
  return '';
}""" % {"errors": ERRORS}
# Errors on the page when a form is sent are not its answer: marked seen, until the page changes them (shows
# a hidden one, rewrites its text or class), which a page that checks a form by script does for each answer.
SEEN_JS = r"""() => {
  for (const el of document.querySelectorAll('%s')) {
    if (el.dataset.awsStsSeen) continue;
    el.dataset.awsStsSeen = '1';
    new MutationObserver((changes, observer) => { delete el.dataset.awsStsSeen; observer.disconnect(); })
      .observe(el, {attributes: true, attributeFilter: ['hidden', 'class', 'style'], childList: true,
                    characterData: true, subtree: true});
  }
}""" % ERRORS
DESCRIBE_JS = r"""() => {
  const visible = (el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden';
  const text = (el) => ((el && (el.innerText || el.value)) || '').replace(/\s+/g, ' ').trim();
  const title = [...document.querySelectorAll('h1, h2, legend')].filter(visible).map(text).find(Boolean)
                || document.title.trim();
  const button = [...document.querySelectorAll('button, input[type=submit], [role=button]')]
                 .filter(visible).map(text).find(Boolean) || '';
  return {title, button};
}"""
MAX_QUOTED = 300


def error_text(signin: SignIn) -> str:
    text = signin.page.evaluate(ERROR_TEXT_JS)
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED - 1] + "…"


def submit(signin: SignIn, kind: str, field) -> None:
    """Mark what the page shows now as seen (an error already there is not this submit's answer), then click
    the form's submit button, or press Enter in the field when the form has none."""
    signin.memory.setdefault("sent", []).append(kind)
    signin.page.evaluate(SEEN_JS)
    button = signin.page.locator(f'[data-aws-sts-submit="{kind}"]')
    if button.count():
        button.first.click()
    else:
        field.press("Enter")


def sent(signin: SignIn, *kinds: str) -> bool:
    return any(kind in signin.memory.get("sent", []) for kind in kinds)


def refused_sign_in(signin: SignIn, what: str = "the username or password") -> AuthenticationError:
    error = error_text(signin)
    if error:
        return AuthenticationError(f'{signin.idp_name} did not accept {what}: "{error}"\n'
                                   "Check them (--username, AWS_STS_PASSWORD or the prompt) and run again.")
    return AuthenticationError(f"{signin.idp_name} showed its sign-in form again without saying why: it did not "
                               f"accept {what}.\nCheck them and run again; --debug shows the browser.")


def sign_in(signin: SignIn, password_field) -> None:
    if sent(signin, "login", "password"):
        raise refused_sign_in(signin)
    user = signin.page.locator("[data-aws-sts-kind=username]").first
    answers = signin.request.answers
    # A username the page already holds (remembered by the IdP) is kept unless one was given.
    if answers.known_username is not None or not user.input_value():
        signin.type(user, answers.username)
    signin.type(password_field, answers.password)
    submit(signin, "login", password_field)


def password_only(signin: SignIn, field) -> None:
    if sent(signin, "login", "password"):
        raise refused_sign_in(signin)
    signin.type(field, signin.request.answers.password)
    submit(signin, "password", field)


def identifier(signin: SignIn, field) -> None:
    if sent(signin, "identifier", "login", "password"):  # back to the first page: what was typed was refused
        raise refused_sign_in(signin, "the username" if not sent(signin, "login", "password") else
                              "the username or password")
    answers = signin.request.answers
    if answers.known_username is not None or not field.input_value():
        signin.type(field, answers.username)
    submit(signin, "identifier", field)


def one_time_code(signin: SignIn, field) -> None:
    if sent(signin, "code"):
        code_rejected(signin, error_text(signin) or "The code was not accepted.")
    signin.type(field, next_code(signin))
    submit(signin, "code", field)


def error_in_place(signin: SignIn, element) -> None:
    """An error on the form just submitted (a page that re-renders in place): a code is asked again,
    anything else ends the run quoting the page."""
    if signin.memory.get("sent", [""])[-1] == "code":
        field = signin.page.locator("[data-aws-sts-kind=code]")
        if field.count():
            code_rejected(signin, error_text(signin) or "The code was not accepted.")
            signin.page.evaluate(SEEN_JS)
            signin.type(field.first, next_code(signin))
            submit(signin, "code", field.first)
            return
    raise refused_sign_in(signin)


def describe_unknown(signin: SignIn, element) -> str:
    try:
        shown = signin.page.evaluate(DESCRIBE_JS)
    except Exception:  # the page went away while being described
        return "a page aws-sts does not know"
    text = f'a page titled "{shown["title"]}"' if shown.get("title") else "a page aws-sts does not know"
    if shown.get("button"):
        text += f' (button "{shown["button"]}")'
    return text


STATES = [
    State("login", "[data-aws-sts-kind=login]", sign_in, "the sign-in form"),
    State("password", "[data-aws-sts-kind=password]", password_only, "the password page"),
    State("identifier", "[data-aws-sts-kind=identifier]", identifier, "the username page"),
    State("code", "[data-aws-sts-kind=code]", one_time_code, "the verification code page"),
    State("error", "[data-aws-sts-kind=error]", error_in_place, "an error on the page"),
]
