"""What a run targets: the role --role names, the role picked from the assertion, the second hop, and the
profile name. One rule each, used before the sign-in (a --role that can match nothing, the still-valid skip,
what the credential_process cache may serve) and after it (the role picked, the profile written).

--role is a role ARN, ACCOUNT/ROLE (an account name of the config or a 12-digit id; ROLE a name or PATH/NAME)
or a bare role name, looked up in the chosen account first and then everywhere. The original silently took
the first role when --role matched nothing; here a miss or an ambiguity is an error that lists the choices,
so a script never gets credentials for the wrong role.

The second hop is the original tool's: an account other than the default one, without an entry URL of its
own, is reached by assuming the role of the same name in it from the session of the role the assertion gave.
The profile is <account>-<role name> unless --profile names it: the account's name in the config, else its id.

Light on purpose (no typing, no dataclasses, no SAML parser): the still-valid skip and the cache use it.
"""

from __future__ import annotations

import re
from collections import namedtuple

from aws_sts.arns import ROLE_ARN
from aws_sts.errors import RoleChoiceError
from aws_sts.prompts import Choice
from aws_sts.shown import shown

# text: --role as given, stripped; number: the account it names (12 digits), None for a bare name;
# role: the role's NAME or PATH/NAME; arn: the whole role ARN when --role is one (then number and role are its).
Wanted = namedtuple("Wanted", "text number role arn")
# What a run will write, as far as the command line tells before the sign-in: the profile, the account the
# written role is in, its NAME or PATH/NAME (None: any role of the account, --profile alone) and, for --role
# ARN without a second hop, exactly that ARN.
Planned = namedtuple("Planned", "profile number role arn")


def _arn_parts(arn: str) -> tuple:
    """(account id, PATH/NAME, NAME) of a role ARN."""
    path_and_name = arn.split(":role/", 1)[1]
    return arn.split(":")[4], path_and_name, path_and_name.rsplit("/", 1)[-1]


def wanted(text: str, config) -> Wanted:
    """--role, read against the config; RoleChoiceError for one that cannot match any role whatever the
    assertion holds (checked before anyone signs in)."""
    text = text.strip()
    if not text:
        raise RoleChoiceError("--role is empty: give a role name, a role ARN or ACCOUNT/ROLE.")
    if text.startswith("arn:"):
        if not ROLE_ARN.match(text):
            raise RoleChoiceError(f"--role {shown(text)} is not a role ARN (arn:aws:iam::123456789012:role/NAME).")
        number, role, _ = _arn_parts(text) if ROLE_ARN.fullmatch(text) else (None, None, None)
        return Wanted(text, number, role, text)
    if "/" in text:
        part, role = text.split("/", 1)
        if not role:
            raise RoleChoiceError(f"--role {shown(text)} names no role after the '/'.")
        return Wanted(text, account_number(part, config), role, None)
    return Wanted(text, None, text, None)


def account_number(part: str, config) -> str:
    """The ACCOUNT of --role ACCOUNT/ROLE as a 12-digit id."""
    if re.fullmatch(r"[0-9]{12}", part):
        return part
    if part in config.accounts:
        return config.accounts[part].number
    raise RoleChoiceError(
        f"--role {shown(part)}/...: {shown(part)} is neither an account in {config.path} "
        f"nor a 12-digit account id.\nAccounts in the config: {', '.join(config.accounts)}"
    )


def matches(role_arn: str, want: Wanted) -> bool:
    """Whether a role ARN is one --role names (a bare name: in any account; see find_role for its order)."""
    if want.arn is not None:
        return role_arn == want.arn
    number, path_and_name, name = _arn_parts(role_arn)
    if want.number is None:
        return name == want.role
    return number == want.number and want.role in (path_and_name, name)


def second_hop(config, account, role_account: str) -> bool:
    """Whether a role of `role_account` leads into `account` by the second hop."""
    return (account.name != config.default_account and not account.has_own_entry_url
            and role_account != account.number)


def label(config, number: str) -> str:
    """An account as profile names and messages show it: its name in the config, else its id."""
    return config.account_name_for(number) or number


def profile_name(account_label: str, role_name: str) -> str:
    """The default profile: <account>-<role name>."""
    return f"{account_label}-{role_name}"


def written(config, account, role) -> tuple:
    """(role ARN, account label) of what a run writes for `role`, the role picked from the assertion: the
    same role name in the chosen account after a second hop."""
    if second_hop(config, account, role.account_id):
        return f"arn:{role.partition}:iam::{account.number}:role/{role.name}", account.name
    if role.account_id == account.number:
        return role.arn, account.name
    return role.arn, label(config, role.account_id)


def could_be_written(role_arn: object, config, account, wanted_text) -> bool:
    """Whether `role_arn` is a role ARN a run for --role `wanted_text` (None: any) could have written: the
    credential_process cache serves an entry only then."""
    if not isinstance(role_arn, str) or not ROLE_ARN.fullmatch(role_arn):
        return False
    if not (wanted_text or "").strip():
        return True
    try:
        want = wanted(wanted_text, config)
    except RoleChoiceError:
        return False
    if matches(role_arn, want):
        return True
    # After a second hop the written role is the one of the same name in the chosen account.
    number, _, name = _arn_parts(role_arn)
    hop = (account.name != config.default_account and not account.has_own_entry_url and number == account.number)
    return hop and want.role is not None and name == want.role.rsplit("/", 1)[-1]


def planned(config, account, profile, wanted_text) -> Planned | None:
    """What a run would write, as far as the command line tells before the sign-in (None: it cannot tell)."""
    if not wanted_text:
        return Planned(profile, account.number, None, None) if profile else None
    want = wanted(wanted_text, config)
    if want.arn is not None and want.number is None:  # an ARN no role can be: find_role will say so
        return None
    number, role, arn = want.number or account.number, want.role, want.arn
    if second_hop(config, account, number):  # the role of the same name, assumed in the chosen account
        number, role, arn = account.number, role.rsplit("/", 1)[-1], None
    account_label = account.name if number == account.number else label(config, number)
    return Planned(profile or profile_name(account_label, role.rsplit("/", 1)[-1]), number, role, arn)


def holds(planned_: Planned, principal: str) -> bool:
    """Whether the role ARN a profile holds (x_principal_arn) is the one `planned_` would write."""
    if planned_.arn is not None:
        return principal == planned_.arn
    number, path_and_name, name = _arn_parts(principal)
    return number == planned_.number and planned_.role in (None, path_and_name, name)


def find_role(roles, wanted_text: str, config, account):
    """The one role of the assertion --role names; RoleChoiceError listing the choices otherwise."""
    want = wanted(wanted_text, config)
    found = [r for r in roles if matches(r.arn, want)]
    if want.number is None and want.arn is None:  # a bare name: the chosen account's role first
        found = [r for r in found if r.account_id == account.number] or found
    if len(found) == 1:
        return found[0]
    if not found:
        raise RoleChoiceError(f"--role {want.text} matches none of the roles in your SAML assertion.\n"
                              f"Choose one of: {_choices(roles, config)}")
    raise RoleChoiceError(f"--role {want.text} matches more than one role: {_choices(found, config)}.\n"
                          "Use ACCOUNT/ROLE or the full role ARN.")


def choose_role(roles, wanted_text, config, account, prompts):
    """The role to assume: --role's, the only one, the chosen account's only one, or the user's pick."""
    if wanted_text:
        return find_role(roles, wanted_text, config, account)
    if len(roles) == 1:
        return roles[0]
    # A single role in the chosen account is taken without asking (the account was chosen, by --account or
    # defaultAccount); otherwise the picker offers every role of the assertion, the chosen account's first.
    own = [r for r in roles if r.account_id == account.number]
    if len(own) == 1:
        return own[0]
    offered = own + [r for r in roles if r.account_id != account.number]
    return prompts.select("Choose a role:", [Choice(picker_title(r, config), r) for r in offered],
                          what="a role choice", how=f"pass --role with one of: {_choices(offered, config)}")


def picker_title(role, config) -> str:
    name = config.account_name_for(role.account_id)
    return f"{f'{name} ({role.account_id})' if name else role.account_id}  {role.name}"


def _choices(roles, config) -> str:
    return ", ".join(f"{label(config, r.account_id)}/{r.name}" for r in roles)
