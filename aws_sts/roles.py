"""Which role to assume: --role matching, account labels, the picker's choices.

The original silently took the first role when --role matched nothing; here a miss or an ambiguity is
an error that lists the choices, so a script never gets credentials for the wrong role.
"""

from __future__ import annotations

import re

from aws_sts.arns import ROLE_ARN
from aws_sts.config import Account, Config
from aws_sts.errors import RoleChoiceError

# Annotations only: the still-valid skip uses account_number() and must not pay for typing, the prompts or
# the SAML parser.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence

    from aws_sts.prompts import Prompts
    from aws_sts.saml import Role


def label(role: Role, config: Config) -> str:
    """'staging/Developer' when the account is named in the config, else '123456789012/Developer'."""
    return f"{config.account_name_for(role.account_id) or role.account_id}/{role.name}"


def picker_title(role: Role, config: Config) -> str:
    name = config.account_name_for(role.account_id)
    account = f"{name} ({role.account_id})" if name else role.account_id
    return f"{account}  {role.name}"


def _choices_text(roles: Sequence[Role], config: Config) -> str:
    return ", ".join(label(r, config) for r in roles)


def check_wanted(wanted: str, config: Config) -> None:
    """Refuse, before anyone signs in, a --role that cannot match any role whatever the assertion holds."""
    text = wanted.strip()
    if not text:
        raise RoleChoiceError("--role is empty: give a role name, a role ARN or ACCOUNT/ROLE.")
    if text.startswith("arn:"):
        if not ROLE_ARN.match(text):
            raise RoleChoiceError(f"--role {_shown(text)} is not a role ARN "
                                  "(arn:aws:iam::123456789012:role/NAME).")
    elif "/" in text:
        account_part, role_part = text.split("/", 1)
        if not role_part:
            raise RoleChoiceError(f"--role {_shown(text)} names no role after the '/'.")
        account_number(account_part, config)


def account_number(account_part: str, config: Config) -> str:
    if re.fullmatch(r"[0-9]{12}", account_part):
        return account_part
    if account_part in config.accounts:
        return config.accounts[account_part].number
    raise RoleChoiceError(
        f"--role {_shown(account_part)}/...: '{_shown(account_part)}' is neither an account in {config.path} "
        f"nor a 12-digit account id.\nAccounts in the config: {', '.join(config.accounts)}"
    )


def _shown(text: str) -> str:
    """A user's value in a message: one line, not too long."""
    text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= 80 else text[:77] + "..."


def find_role(roles: Sequence[Role], wanted: str, config: Config, account: Account) -> Role:
    """--role as a role ARN, ACCOUNT/ROLE (account name or 12-digit id), or a bare role name."""
    wanted = wanted.strip()
    if wanted.startswith("arn:"):
        matches = [r for r in roles if r.arn == wanted]
    elif "/" in wanted:
        account_part, role_part = wanted.split("/", 1)
        number = account_number(account_part, config)
        matches = [r for r in roles if r.account_id == number and role_part in (r.name, r.arn.split(":role/", 1)[1])]
    else:
        # A bare name is looked up first in the chosen account, then everywhere.
        matches = [r for r in roles if r.account_id == account.number and r.name == wanted]
        if not matches:
            matches = [r for r in roles if r.name == wanted]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise RoleChoiceError(
            f"--role {wanted} matches none of the roles in your SAML assertion.\n"
            f"Choose one of: {_choices_text(roles, config)}"
        )
    raise RoleChoiceError(
        f"--role {wanted} matches more than one role: {_choices_text(matches, config)}.\n"
        "Use ACCOUNT/ROLE or the full role ARN."
    )


def choose_role(
    roles: Sequence[Role], wanted: Optional[str], config: Config, account: Account, prompts: Prompts
) -> Role:
    if wanted:
        return find_role(roles, wanted, config, account)
    if len(roles) == 1:
        return roles[0]
    # A single role in the chosen account is taken without asking (the account was chosen, by --account or
    # defaultAccount); otherwise the picker offers every role of the assertion, the chosen account's first.
    own = [r for r in roles if r.account_id == account.number]
    if len(own) == 1:
        return own[0]
    offered = own + [r for r in roles if r.account_id != account.number]
    from aws_sts.prompts import Choice

    return prompts.select(
        "Choose a role:",
        [Choice(picker_title(r, config), r) for r in offered],
        what="a role choice",
        how=f"pass --role with one of: {_choices_text(offered, config)}",
    )
