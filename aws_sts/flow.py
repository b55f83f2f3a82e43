"""The sign-in flow as a library: the README's steps as plain functions with plain data between them.

    assertion = get_assertion(config, account, answers)             # steps 2-5: the IdP (stored session, browser)
    role = pick_role(assertion, wanted, config, account, prompts)   # step 6
    issued = get_credentials(assertion, role, config, account)      # step 7: STS (and the second hop)
    emit_profile(config, profile, issued)                           # step 8: one emitter of the result

No argparse and no printing here (status lines go through Prompts.say): the CLI reads the command line,
asks for what is missing and prints; another front end could do the same with its own Prompts.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from aws_sts import credentials, idp_session, roles, saml, store, sts
from aws_sts.config import Account, Config
from aws_sts.prompts import Prompts
from aws_sts.providers import Answers, LoginRequest, get_provider

__all__ = ["Answers", "Issued", "get_assertion", "pick_role", "get_credentials", "emit_profile", "logout"]


@dataclass(frozen=True)
class Issued:
    """Credentials STS issued for a role, and the account label the default profile name starts with."""

    result: sts.StsResult
    role: saml.Role
    account_label: str

    @property
    def default_profile(self) -> str:
        return f"{self.account_label}-{self.role.name}"


def get_assertion(config: Config, account: Account, answers: Answers, *, debug: bool = False) -> saml.Assertion:
    """Sign in through the account's entry URL and return the SAML assertion the IdP posted to AWS.

    With a stored IdP session (config rememberSession, the default) a live session often answers the entry
    URL with the auto-posting SAML form at once: a plain HTTP GET reads it, with no browser at all. Any
    other answer (the sign-in page of an ended session, a code page asking to step up, an interstitial)
    is the browser's, started with the same cookies. The session is stored again after every sign-in that
    gave an assertion, and never after one that did not."""
    def preload() -> None:  # boto3 and filelock (its asyncio) cost ~0.2 s of imports: overlap them with the IdP
        sts.preload(config.region, timeout=config.timeout_seconds)
        _import_in_background("filelock")

    url, say = account.idp_entry_url, answers.prompts.say
    cookies = idp_session.load(url, warn=say) if config.remember_session else None
    b64 = None
    if cookies:
        from aws_sts import saml_form

        preload()  # the GET waits on the network
        fetched = saml_form.fetch(url, cookies, timeout=config.timeout_seconds)
        b64, cookies = fetched.saml_response, fetched.cookies
        if debug and not b64:
            say(f"--debug: the stored session did not give the SAML form at once ({fetched.reason}); "
                "continuing in the browser.")
    if b64 is None:
        login = get_provider(config.provider, config.provider_settings).login(LoginRequest(
            entry_url=url, answers=answers, timeout=config.timeout_seconds, debug=debug,
            browser_path=config.browser_path, cookies=cookies, sign_in_origins=config.sign_in_origins,
            # Not before: these imports would hold the GIL while Playwright imports and starts its driver
            # (measured: +0.15 s); once the page is loading, this thread mostly waits.
            while_loading=None if cookies else preload,
        ))
        b64, cookies = login.saml_response, login.cookies
    assertion = saml.parse_assertion(b64)
    if config.remember_session:
        _store_session(url, cookies, say)
    return assertion


def _import_in_background(module: str) -> None:
    def load():
        try:
            importlib.import_module(module)
        except ImportError:  # the real import, later, reports it
            pass

    threading.Thread(target=load, name=f"preload-{module}", daemon=True).start()


def _store_session(url: str, cookies: list, say: Callable[[str], None]) -> None:
    try:
        idp_session.save(url, cookies)
    except (OSError, store.StoreError) as exc:  # the sign-in worked: not remembering it is worth a warning only
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc  # UnsafeError: what to fix
        say(f"aws-sts: warning: could not store the sign-in for next time ({reason}); "
            "the next run will sign in again.")


def logout(config: Config, accounts: list, say: Callable[[str], None]) -> bool:
    """End the stored IdP session of each account's IdP host, at the IdP and here, and forget the
    credential_process cache entries signed in through it. Returns False when an IdP could not be told (its
    local file is deleted all the same)."""
    from aws_sts import cache
    from aws_sts.providers import NotEnded

    all_told = True
    done = set()
    for account in accounts:
        url = account.idp_entry_url
        host = idp_session.host_of(url)
        if host in done:
            continue
        done.add(host)
        cookies = idp_session.load(url, warn=say)
        if not cookies:
            idp_session.forget(url)
            say(f"No stored sign-in for {host}.")
            _say_forgotten(cache.forget_signed_in_through(host), host, say)
            continue
        provider = get_provider(config.provider, config.provider_settings)
        deleted = f"Deleted the stored sign-in for {host}"
        try:
            ended = provider.logout(url, cookies, config.timeout_seconds)
        except NotEnded as exc:
            all_told = False
            line = f"{deleted}; not signed out at {provider.name}: {exc}."
        except OSError as exc:
            all_told = False
            line = (f"Signed out of {host}: {provider.name} could not be told ({_network_failure(exc)}), so the "
                    "session may stay open there until it times out; the stored sign-in was deleted.")
        else:
            if ended is None:  # the provider cannot end the session (the generic one without logoutUrl)
                line = (f"{deleted}; the session stays open at {provider.name} until it times out "
                        f"({provider.no_logout_hint}).")
            else:
                told = f"{provider.name} ended the session" if ended else \
                    f"the session had already ended at {provider.name}"
                line = f"Signed out of {host}: {told}; the stored sign-in was deleted."
        idp_session.forget(url)
        say(line)
        _say_forgotten(cache.forget_signed_in_through(host), host, say)
    return all_told


def _say_forgotten(count: int, host: str, say: Callable[[str], None]) -> None:
    if count:
        say(f"Forgot {count} cached credential{'' if count == 1 else 's'} of --format process signed in "
            f"through {host}.")


def _network_failure(exc: OSError) -> str:
    """Why a request failed, in a few plain words: urllib's "<urlopen error [Errno 111] Connection refused>"
    becomes "Connection refused"; a provider's own OSError("... answered HTTP 500") stays as it is."""
    reason = getattr(exc, "reason", None)  # URLError wraps the socket (or TLS) error
    inner = reason if isinstance(reason, BaseException) else exc
    if isinstance(inner, TimeoutError) or type(inner).__name__ == "timeout":
        return "no answer in time"
    text = getattr(inner, "verify_message", None) or getattr(inner, "strerror", None)
    if not text and isinstance(reason, str):
        text = reason
    if not text and type(exc) is OSError and len(exc.args) == 1 and isinstance(exc.args[0], str):
        text = exc.args[0]
    from aws_sts.redact import first_line

    return first_line(text) if text else f"network error: {type(inner).__name__}"


def pick_role(assertion: saml.Assertion, wanted: Optional[str], config: Config, account: Account,
              prompts: Prompts) -> saml.Role:
    return roles.choose_role(assertion.roles, wanted, config, account, prompts)


def needs_second_hop(config: Config, account: Account, role: saml.Role) -> bool:
    """The original tool's rule: an account other than the default one, without an entry URL of its own,
    is reached by assuming the same role name in it from the session of the role the assertion gave."""
    return (account.name != config.default_account and not account.has_own_entry_url
            and role.account_id != account.number)


def get_credentials(assertion: saml.Assertion, role: saml.Role, config: Config, account: Account,
                    say: Optional[Callable[[str], None]] = None) -> Issued:
    result = sts.assume_role_with_saml(assertion, role, config.region, say=say, timeout=config.timeout_seconds)
    if needs_second_hop(config, account, role):
        result = sts.assume_role_in_account(result, role, account.number, config.region,
                                            timeout=config.timeout_seconds)
        return Issued(result, role, account.name)
    if role.account_id == account.number:
        return Issued(result, role, account.name)
    return Issued(result, role, config.account_name_for(role.account_id) or role.account_id)


def emit_profile(config: Config, profile: str, issued: Issued) -> Path:
    """Step 8 as a profile in the credentials file; returns the file written (a symlink's target)."""
    return credentials.write_profile(config.credentials_path, profile, issued.result.credentials,
                                     region=config.region, output=config.output_format,
                                     principal_arn=issued.result.role_arn)


def check_before_sign_in(config: Config, profile: Optional[str], wanted_role: Optional[str], *,
                         writes: bool = True) -> None:
    """Refuse now whatever would fail after the sign-in: nobody should approve a push for nothing.
    writes: False when nothing goes to the credentials file (--format env|process, --list-roles)."""
    if writes:
        credentials.preflight(config.credentials_path, profile)
    if wanted_role:
        roles.check_wanted(wanted_role, config)
