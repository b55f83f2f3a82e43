"""Which role to assume: --role matching, account labels, the picker's choices.

The original silently took the first role when --role matched nothing; here a miss or an ambiguity is
an error that lists the choices, so a script never gets credentials for the wrong role.
"""

from __future__ import annotations

import re
from typing import Optional, Sequence

from aws_sts.config import Account, Config
from aws_sts.errors import RoleChoiceError
from aws_sts.prompts import Choice, Prompts
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


def find_role(roles: Sequence[Role], wanted: str, config: Config, account: Account) -> Role:
    """--role as a role ARN, ACCOUNT/ROLE (account name or 12-digit id), or a bare role name."""
    wanted = wanted.strip()
    if wanted.startswith("arn:"):
        matches = [r for r in roles if r.arn == wanted]
    elif "/" in wanted:
        account_part, role_part = wanted.split("/", 1)
        if re.fullmatch(r"\d{12}", account_part):
            number = account_part
        elif account_part in config.accounts:
            number = config.accounts[account_part].number
        else:
            raise RoleChoiceError(
                f"--role {wanted}: '{account_part}' is neither an account in {config.path} nor a 12-digit account id.\n"
                f"Roles in your SAML assertion: {_choices_text(roles, config)}"
            )
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
    # The picker offers the chosen account's roles when the assertion has any.
    offered = [r for r in roles if r.account_id == account.number] or list(roles)
    if len(offered) == 1:
        return offered[0]
    return prompts.select(
        "Choose a role:",
        [Choice(picker_title(r, config), r) for r in offered],
        what="a role choice",
        how=f"pass --role with one of: {_choices_text(offered, config)}",
    )
