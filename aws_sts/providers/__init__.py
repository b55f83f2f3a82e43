"""Provider name -> class. One small interface: login(request) -> the base64 SAML assertion."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Protocol

from aws_sts.prompts import Prompts


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
    meanwhile: Optional[Callable[[], None]] = None  # started once the browser runs, to overlap slow work


class Provider(Protocol):
    def login(self, request: LoginRequest) -> str:
        """Sign in and return the SAMLResponse exactly as the IdP posted it (base64)."""


def get_provider(name: str) -> Provider:
    if name == "okta":
        from aws_sts.providers.okta import OktaProvider

        return OktaProvider()
    raise KeyError(name)  # config validation only lets known names through
