"""The providers aws-sts can sign in with, and the one small interface they share.

A provider turns a LoginRequest into the base64 SAMLResponse its IdP posts to AWS sign-in (and the cookies
of the session it leaves), and can end that session. Adding one is a package with a subclass of Provider (an
abc.ABC: a provider that lacks a member cannot be made), plus one line in PROVIDERS.

This module stays light: config.py reads the provider names and their config keys from it, on the path of the
runs that must answer in milliseconds (aws_sts.fastpath), so a provider's package is imported only when asked
for, and its class imports the browser machinery only in login().
"""

from __future__ import annotations

import abc
import binascii
import importlib
import time
from collections.abc import Callable

from aws_sts.errors import UsageError
from aws_sts.prompts import Prompts

# Config name -> "module:class". The only list of providers.
PROVIDERS = {
    "okta": "aws_sts.providers.okta:OktaProvider",
    "generic": "aws_sts.providers.generic:GenericProvider",
}


class Answers:
    """What the user gave for the sign-in (flags, environment); whatever is missing is asked only when a
    page asks for it, so that a run served by a live IdP session asks nothing at all."""

    def __init__(self, prompts: Prompts, username: str | None = None, password: str | None = None,
                 otp: str | None = None, totp_secret: str | None = None):
        self.prompts = prompts
        self._username, self._password, self.otp = username, password, otp
        self._typed: list = []  # codes typed at a prompt or made (scrubbed from artifacts like the password)
        self._totp = _totp(totp_secret) if totp_secret else None
        self._totp_secret = totp_secret
        self._last_step = None  # the 30 s step of the last code made from the secret
        self._made: list = []  # the codes made from it

    def __repr__(self) -> str:  # keep secrets out of tracebacks
        return f"Answers(username={self._username!r})"

    @property
    def known_username(self) -> str | None:
        return self._username

    def username(self) -> str:
        if self._username is None:
            self._username = self.prompts.text("Username:", what="Your SSO username",
                                               how="pass --username or set AWS_STS_USERNAME")
        return self._username

    def password(self) -> str:
        if self._password is None:
            self._password = self.prompts.password("Password:", what="Your SSO password",
                                                   how="pass --password or set AWS_STS_PASSWORD")
        return self._password

    def forget_password(self) -> None:
        """The IdP refused the password: the next password() asks again (the refused one stays scrubbed)."""
        if self._password is not None:
            self._typed.append(self._password)
        self._password = None

    @property
    def makes_codes(self) -> bool:
        """Whether codes come from a TOTP secret (AWS_STS_TOTP_SECRET) when the IdP asks for one."""
        return self._totp is not None

    def can_make_code(self) -> bool:
        """A first code, or one more after a refusal (the IdP refuses a code it has already seen, e.g. one an
        earlier run used seconds ago; the next 30 s step gives a new one). Two refused: the secret is wrong."""
        return self._totp is not None and len(self._made) < 2

    def made_code(self) -> str:
        """A code from the TOTP secret; after the first, waits for the next time step (at most 30 s) so that
        the code is a new one. Call only when can_make_code()."""
        step = self._totp.interval
        if self._last_step is not None:
            time.sleep(max(0.0, (self._last_step + 1) * step - time.time()))
        now = time.time()
        self._last_step = int(now // step)
        code = self._totp.at(now)
        self._made.append(code)
        return code

    def secrets(self) -> list:
        """The secrets known so far (never asks)."""
        return [s for s in (self._password, self.otp, self._totp_secret, *self._typed, *self._made) if s]


def _totp(secret: str):
    """pyotp's TOTP for a base32 secret (spaces and case as authenticator apps show them are fine)."""
    import pyotp


    cleaned = "".join(secret.split()).upper()
    try:
        totp = pyotp.TOTP(cleaned)
        totp.now()  # decodes the secret
    except (binascii.Error, ValueError, TypeError):
        raise UsageError("AWS_STS_TOTP_SECRET is not a base32 secret (the key shown when the authenticator app "
                         "was set up, e.g. JBSW Y3DP EHPK 3PXP...).") from None
    return totp


class LoginRequest:
    """What a provider's login() gets: the entry URL, the Answers, the overall timeout, --debug, the browser
    to use, the cookies of a stored IdP session to start with (None: a fresh browser), work of the
    caller's to start once the entry URL has been requested (`while_loading`, called once at most), and the
    other origins config.json allows secrets to be typed into (signInOrigins)."""

    def __init__(self, entry_url: str, answers: Answers, timeout: float = 120.0, debug: bool = False,
                 browser_path: str | None = None, cookies: list | None = None,
                 while_loading: Callable[[], None] | None = None, sign_in_origins: tuple = ()):
        self.entry_url, self.answers, self.timeout = entry_url, answers, timeout
        self.sign_in_origins = tuple(sign_in_origins)  # where else secrets may be typed (providers/origin.py)
        self.debug, self.browser_path, self.cookies = debug, browser_path, cookies
        self._while_loading = while_loading

    def page_requested(self) -> None:
        """The provider asked for the entry URL: the browser now waits for the IdP and the caller's work
        can run without slowing the browser's start (see aws_sts.flow.get_assertion)."""
        work, self._while_loading = self._while_loading, None
        if work:
            work()

    def __repr__(self) -> str:  # the cookies are a bearer secret
        return f"LoginRequest(entry_url={self.entry_url!r}, answers={self.answers!r}, timeout={self.timeout!r})"

    @property
    def prompts(self) -> Prompts:
        return self.answers.prompts

    @property
    def otp(self) -> str | None:
        return self.answers.otp

    @property
    def has_code(self) -> bool:
        """A code can be given without asking: --otp, or AWS_STS_TOTP_SECRET."""
        return bool(self.answers.otp) or self.answers.makes_codes


class Login:
    """What a sign-in gives: the SAMLResponse exactly as the IdP posted it (base64), and the browser's
    cookies afterwards (all of them: aws_sts.idp_session keeps only the IdP's)."""

    def __init__(self, saml_response: str, cookies: list | None = None):
        self.saml_response, self.cookies = saml_response, list(cookies or [])

    def __repr__(self) -> str:  # both are secrets
        return f"Login({len(self.cookies)} cookies)"


class NotEnded(Exception):
    """Raised by logout() when it did not try to end the IdP session because it could not have: str() says
    why in one line (no secret). The local copy is forgotten all the same."""


class Provider(abc.ABC):
    """What every provider has. Class attributes: name (the IdP's name as messages show it, e.g. "Okta");
    config_keys (config.json keys this provider accepts beyond the common ones; a key ending in "Url" is
    checked as a URL, like idpEntryUrl); switch_keys (those of them that must be true or false);
    no_logout_hint (what to set so that logout() can end the session at the IdP, when it returns None)."""

    name: str = "the identity provider"
    config_keys: frozenset = frozenset()
    switch_keys: frozenset = frozenset()
    no_logout_hint: str = ""

    def __init__(self, settings: dict | None = None):
        """settings: those of config_keys that config.json gives (checked when it loaded)."""
        self.settings = dict(settings or {})

    @abc.abstractmethod
    def login(self, request: LoginRequest) -> Login:
        """Sign in (starting with request.cookies when given) and return what the IdP posted to AWS."""

    @abc.abstractmethod
    def logout(self, entry_url: str, cookies: list, timeout: float) -> bool | None:
        """End the IdP session of these cookies (the stored session's): True when it ended, False when it had
        already ended, None when this provider cannot end it (the local copy is forgotten all the same).
        Raises OSError (urllib's errors are OSErrors) when the IdP cannot be reached, NotEnded when what the
        config names could not have ended it (e.g. a logoutUrl the session's cookies are not sent to)."""


def names() -> tuple:
    """The provider names config.json may give."""
    return tuple(PROVIDERS)


def config_keys(name: str, switches: bool = False) -> frozenset:
    """The config.json keys the named provider adds (none for an unknown name: config reports that); with
    switches, those of them that must be true or false."""
    if name not in PROVIDERS:
        return frozenset()
    provider = provider_class(name)
    return frozenset(provider.switch_keys if switches else provider.config_keys)


def get_provider(name: str, settings: dict | None = None) -> Provider:
    """A new provider of that name with its config.json settings; its package is imported only now."""
    return provider_class(name)(dict(settings or {}))


def provider_class(name: str) -> type:
    """The class of the provider config.json names "name" (KeyError for an unknown one)."""
    module_name, _, class_name = PROVIDERS[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)
