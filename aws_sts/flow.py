"""The sign-in flow as a library: the README's steps as plain functions with plain data between them.

    assertion = get_assertion(config, account, answers, prompts)    # steps 2-5: the IdP, in a browser
    role = pick_role(assertion, wanted, config, account, prompts)   # step 6
    issued = get_credentials(assertion, role, config, account)      # step 7: STS (and the second hop)
    emit_profile(config, profile, issued)                           # step 8: one emitter of the result

No argparse and no printing here (status lines go through Prompts.say): the CLI reads the command line,
asks for what is missing and prints; another front end could do the same with its own Prompts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from aws_sts import credentials, roles, saml, sts
from aws_sts.config import Account, Config
from aws_sts.prompts import Prompts
from aws_sts.providers import LoginRequest, get_provider


@dataclass(frozen=True)
class Answers:
    """What the user gave for the sign-in (flags, environment or prompts)."""

    username: str
    password: str = field(repr=False)
    otp: Optional[str] = field(default=None, repr=False)


@dataclass(frozen=True)
class Issued:
    """Credentials STS issued for a role, and the account label the default profile name starts with."""

    result: sts.StsResult
    role: saml.Role
    account_label: str

    @property
    def default_profile(self) -> str:
        return f"{self.account_label}-{self.role.name}"


def get_assertion(config: Config, account: Account, answers: Answers, prompts: Prompts, *,
                  debug: bool = False) -> saml.Assertion:
    """Sign in through the account's entry URL and return the SAML assertion the IdP posted to AWS."""
    sts.preload(config.region, timeout=config.timeout_seconds)  # boto3 takes ~0.25 s: overlap it with the IdP
    b64 = get_provider(config.provider).login(LoginRequest(
        entry_url=account.idp_entry_url, username=answers.username, password=answers.password, otp=answers.otp,
        prompts=prompts, timeout=config.timeout_seconds, debug=debug, browser_path=config.browser_path,
    ))
    return saml.parse_assertion(b64)


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
                                     region=config.region, output=config.output_format)


def check_before_sign_in(config: Config, profile: Optional[str], wanted_role: Optional[str]) -> None:
    """Refuse now whatever would fail after the sign-in: nobody should approve a push for nothing."""
    credentials.preflight(config.credentials_path, profile)
    if wanted_role:
        roles.check_wanted(wanted_role, config)
