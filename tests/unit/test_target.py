import json

import pytest

from aws_sts import config, target
from aws_sts.errors import NoTtyError, RoleChoiceError
from aws_sts.prompts import Prompts
from aws_sts.saml import Role

STAGING, PROD, OTHER = "123456789012", "210987654321", "333333333333"


def role(account, name):
    return Role(f"arn:aws:iam::{account}:role/{name}", f"arn:aws:iam::{account}:saml-provider/Okta")


ROLES = [role(STAGING, "Developer"), role(STAGING, "Admin"), role(PROD, "Developer"), role(OTHER, "ReadOnly")]


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"idpEntryUrl": "https://x.okta.com/app", "defaultAccount": "staging",
                                "accounts": {"staging": STAGING, "production": PROD}}))
    return config.load(str(path), environ={"HOME": str(tmp_path)})


@pytest.mark.parametrize("wanted, expected", [
    (f"arn:aws:iam::{PROD}:role/Developer", ROLES[2]),
    ("production/Developer", ROLES[2]),
    (f"{PROD}/Developer", ROLES[2]),
    ("staging/Admin", ROLES[1]),
    ("ReadOnly", ROLES[3]),
    ("Admin", ROLES[1]),
])
def test_find_role_forms(cfg, wanted, expected):
    assert target.find_role(ROLES, wanted, cfg, cfg.account("staging")) == expected


def test_bare_name_prefers_chosen_account(cfg):
    assert target.find_role(ROLES, "Developer", cfg, cfg.account("staging")) == ROLES[0]
    assert target.find_role(ROLES, "Developer", cfg, cfg.account("production")) == ROLES[2]


def test_ambiguous_lists_choices(cfg):
    other = config.Account("other", OTHER, "https://x", False)
    with pytest.raises(RoleChoiceError) as info:
        target.find_role(ROLES, "Developer", cfg, other)
    assert "staging/Developer" in str(info.value) and "production/Developer" in str(info.value)


def test_not_found_lists_choices(cfg):
    with pytest.raises(RoleChoiceError) as info:
        target.find_role(ROLES, "Nope", cfg, cfg.account("staging"))
    assert f"{OTHER}/ReadOnly" in str(info.value) and "staging/Admin" in str(info.value)
    with pytest.raises(RoleChoiceError, match="neither an account"):
        target.find_role(ROLES, "qa/Developer", cfg, cfg.account("staging"))


def test_single_role_needs_no_prompt(cfg):
    prompts = Prompts(interactive=False)
    assert target.choose_role(ROLES[:1], None, cfg, cfg.account("staging"), prompts) == ROLES[0]
    # only one role in the chosen account: no prompt either
    assert target.choose_role(ROLES, None, cfg, cfg.account("production"), prompts) == ROLES[2]


def test_several_roles_without_tty_is_an_error_naming_role_flag(cfg):
    with pytest.raises(NoTtyError, match="--role"):
        target.choose_role(ROLES, None, cfg, cfg.account("staging"), Prompts(interactive=False))


def test_picker_titles_show_account_names_and_ids(cfg):
    assert target.picker_title(ROLES[2], cfg) == f"production ({PROD})  Developer"
    assert target.picker_title(ROLES[3], cfg) == f"{OTHER}  ReadOnly"


class RecordingPrompts(Prompts):
    """Answers a select with its last choice and remembers what was offered (no terminal needed)."""

    def __init__(self):
        super().__init__(interactive=True)
        self.offered = None

    def select(self, message, choices, *, what, how):
        self.offered = [c.value for c in choices]
        return self.offered[-1]


def test_picker_offers_every_role_the_chosen_accounts_first(cfg):
    shuffled = [ROLES[3], ROLES[2], ROLES[0], ROLES[1]]
    prompts = RecordingPrompts()
    chosen = target.choose_role(shuffled, None, cfg, cfg.account("staging"), prompts)
    assert prompts.offered[:2] == [ROLES[0], ROLES[1]]  # staging's own, in the assertion's order
    assert prompts.offered[2:] == [ROLES[3], ROLES[2]]  # then every other account's, none hidden
    assert chosen == ROLES[2]


def test_no_tty_error_lists_every_role(cfg):
    with pytest.raises(NoTtyError) as info:
        target.choose_role(ROLES, None, cfg, cfg.account("staging"), Prompts(interactive=False))
    assert f"{OTHER}/ReadOnly" in str(info.value) and "production/Developer" in str(info.value)


@pytest.mark.parametrize("wanted", ["qa/Developer", "12345/Developer", "staging/", " ", "arn:aws:iam::1:role/X",
                                    "arn:nonsense"])
def test_role_that_can_never_match_is_refused_before_sign_in(cfg, wanted):
    with pytest.raises(RoleChoiceError):
        target.wanted(wanted, cfg)


@pytest.mark.parametrize("wanted", ["Developer", "staging/Admin", f"{OTHER}/ReadOnly",
                                    f"arn:aws:iam::{PROD}:role/x/Dev"])
def test_role_that_may_match_passes_the_check(cfg, wanted):
    target.wanted(wanted, cfg)
