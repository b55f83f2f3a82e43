"""The providers aws-sts can sign in with, and the one small interface they share.

A provider turns a LoginRequest into the base64 SAMLResponse its IdP posts to AWS sign-in. Adding one is a
module (or package) with a class that has the three members of Provider, plus one line in PROVIDERS.

This module stays light: config.py imports names() from it to check "provider", and `aws-sts --version`
must not load Playwright, so a provider's module is imported only when get_provider() asks for it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Optional, Protocol

from aws_sts.prompts import Prompts

# Config name -> "module:class". The only list of providers.
PROVIDERS = {
    "okta": "aws_sts.providers.okta:OktaProvider",
}


@dataclass
class LoginRequest:
    entry_url: str
    username: str
    password: str = field(repr=False)
    otp: Optional[str] = field(repr=False)
    prompts: Prompts
    timeout: float = 120.0
    debug: bool = False
    browser_path: Optional[str] = None


class Provider(Protocol):
    name: str  # the IdP's name as messages show it, e.g. "Okta"
    config_keys: frozenset  # config.json keys this provider accepts beyond the common ones

    def login(self, request: LoginRequest) -> str:
        """Sign in and return the SAMLResponse exactly as the IdP posted it (base64)."""


def names() -> tuple:
    """The provider names config.json may give."""
    return tuple(PROVIDERS)


def config_keys(name: str) -> frozenset:
    """The config.json keys the named provider adds (none for an unknown name: config reports that)."""
    if name not in PROVIDERS:
        return frozenset()
    module_name, _, class_name = PROVIDERS[name].partition(":")
    return frozenset(getattr(getattr(importlib.import_module(module_name), class_name), "config_keys", ()))


def get_provider(name: str) -> Provider:
    """A new provider of that name; its module is imported only now."""
    module_name, _, class_name = PROVIDERS[name].partition(":")  # KeyError: config only lets known names through
    return getattr(importlib.import_module(module_name), class_name)()
