"""The sign-in flow as a library: the README's steps as plain functions with plain data between them.

    assertion = get_assertion(config, account, answers)             # steps 2-5: the IdP (stored session, browser)
    role = pick_role(assertion, wanted, config, account, prompts)   # step 6
    issued = get_credentials(assertion, role, config, account)      # step 7: STS (and the second hop)
    emit_profile(config, profile, issued)                           # step 8: the profile in the credentials file

No argparse and no printing here (status lines go through Prompts.say): the commands (aws_sts.commands) call
these, each in its own order, and print their results.
"""

from __future__ import annotations

import importlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from aws_sts import browser, credentials, idp_session, saml, saml_form, store, sts, target
from aws_sts.config import Account, Config
from aws_sts.prompts import Prompts
from aws_sts.providers import Answers, LoginRequest, Provider, get_provider

__all__ = ["Answers", "Issued", "get_assertion", "pick_role", "get_credentials", "get_all_credentials",
           "emit_profile", "check_before_sign_in"]

PARALLEL_CALLS = 10  # botocore keeps 10 connections per client: more threads would only queue for them


@dataclass(frozen=True)
class Issued:
    """Credentials STS issued for a role, and the account label the default profile name starts with."""

    result: sts.StsResult
    role: saml.Role
    account_label: str

    @property
    def default_profile(self) -> str:
        return target.profile_name(self.account_label, self.role.name)


def get_assertion(config: Config, account: Account, answers: Answers, *, debug: bool = False,
                  provider: Optional[Provider] = None) -> saml.Assertion:
    """Sign in through the account's entry URL and return the SAML assertion the IdP posted to AWS.

    With a stored IdP session (config rememberSession, the default) a live session often answers the entry
    URL with the auto-posting SAML form at once: a plain HTTP GET reads it, with no browser at all. Any
    other answer (the sign-in page of an ended session, a code page asking to step up, an interstitial)
    is the browser's, started with the same cookies. The session is stored again after every sign-in that
    gave an assertion, and never after one that did not. provider: the config's when not given."""
    def preload() -> None:  # boto3 and filelock (its asyncio) cost ~0.2 s of imports: overlap them with the IdP
        sts.preload(config.region, timeout=config.timeout_seconds)
        _import_in_background("filelock")

    url, say = account.idp_entry_url, answers.prompts.say
    user = answers.known_username
    say(f"Signing in to {url}" + (f" as {user}..." if user else "..."))
    if debug and not browser.has_display():
        say("--debug: there is no display, so the browser stays headless; run under xvfb-run "
            "(as the Docker image does) to get a headed one. Failure screenshots are saved either way.")
    cookies = idp_session.load(url, warn=say) if config.remember_session else None
    b64 = None
    if cookies:
        preload()  # the GET waits on the network
        fetched = saml_form.fetch(url, cookies, timeout=config.timeout_seconds)
        b64, cookies = fetched.saml_response, fetched.cookies
        if debug and not b64:
            say(f"--debug: the stored session did not give the SAML form at once ({fetched.reason}); "
                "continuing in the browser.")
    if b64 is None:
        provider = provider or get_provider(config.provider, config.provider_settings)
        try:
            login = provider.login(LoginRequest(
                entry_url=url, answers=answers, timeout=config.timeout_seconds, debug=debug,
                browser_path=config.browser_path, cookies=cookies, sign_in_origins=config.sign_in_origins,
                # Not before: these imports would hold the GIL while Playwright imports and starts its driver
                # (measured: +0.15 s); once the page is loading, this thread mostly waits.
                while_loading=None if cookies else preload,
            ))
        finally:
            answers.prompts.end_progress()
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


def pick_role(assertion: saml.Assertion, wanted: Optional[str], config: Config, account: Account,
              prompts: Prompts) -> saml.Role:
    return target.choose_role(assertion.roles, wanted, config, account, prompts)


def get_credentials(assertion: saml.Assertion, role: saml.Role, config: Config, account: Account,
                    say: Optional[Callable[[str], None]] = None, prompts: Optional[Prompts] = None,
                    duration: Optional[int] = None) -> Issued:
    """prompts: where the progress line goes while STS works, and status lines (say) when say is not given.
    duration: --duration (seconds; None: the IdP's SessionDuration, else one hour)."""
    say = say or (prompts.say if prompts is not None else None)
    if prompts is not None:
        prompts.progress(f"AWS STS: assuming {role.arn}…")
    try:
        result = sts.assume_role_with_saml(assertion, role, config.region, say=say, timeout=config.timeout_seconds,
                                           duration=duration)
        if target.second_hop(config, account, role.account_id):
            if say and duration and duration > sts.CHAINED_MAX_DURATION:
                say(f"A second hop (into {account.name}) is limited to one hour by AWS: asking for "
                    f"{sts.CHAINED_MAX_DURATION} s there.")
            result = sts.assume_role_in_account(result, role, account.number, config.region,
                                                timeout=config.timeout_seconds, duration=duration)
    finally:
        if prompts is not None:
            prompts.end_progress()
    return Issued(result, role, target.written(config, account, role)[1])


def get_all_credentials(assertion: saml.Assertion, config: Config, say: Callable[[str], None],
                        duration: Optional[int] = None) -> list:
    """Every role of the assertion, its AssumeRoleWithSAML calls side by side (each with its own duration retry,
    as one role's call does): [(role, StsResult or the StsError it got)] in the assertion's order."""
    def assume(role: saml.Role):
        try:
            return sts.assume_role_with_saml(assertion, role, config.region, timeout=config.timeout_seconds,
                                             say=lambda message: say(f"{role.arn}: {message}"), duration=duration)
        except sts.StsError as error:
            return error

    roles = list(assertion.roles)
    with ThreadPoolExecutor(max_workers=max(1, min(PARALLEL_CALLS, len(roles))),
                            thread_name_prefix="all-roles") as pool:
        return list(zip(roles, pool.map(assume, roles)))


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
        target.wanted(wanted_role, config)
