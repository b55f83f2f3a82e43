"""aws_sts.still_valid: the skip decision, from a real credentials file and a real config."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aws_sts import config, credentials, still_valid
from aws_sts.credentials import TemporaryCredentials
from tests.helpers import PRODUCTION, STAGING, examples

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
DEV = f"arn:aws:iam::{STAGING}:role/Developer"
PROD_DEV = f"arn:aws:iam::{PRODUCTION}:role/Developer"
SANDBOX = "444444444444"


@pytest.fixture
def cfg(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({
        "idpEntryUrl": "https://idp.example.com/app/aws", "defaultAccount": "staging", "region": "eu-west-1",
        "accounts": {"staging": STAGING, "production": PRODUCTION,
                     "sandbox": {"accountNumber": SANDBOX, "idpEntryUrl": "https://idp.example.com/app/sb"}},
    }))
    return config.load(str(path), environ={"HOME": str(tmp_path)})


def write(cfg, profile, arn, expires=NOW + timedelta(hours=1)):
    keys = TemporaryCredentials("ASIAEXAMPLE", "secret-key", "session-token", expires)
    credentials.write_profile(cfg.credentials_path, profile, keys, region="eu-west-1", output=None,
                              principal_arn=arn)


@pytest.mark.parametrize("account, profile, role, written, skips", [
    ("staging", None, "Developer", ("staging-Developer", DEV), True),
    ("staging", None, "staging/Developer", ("staging-Developer", DEV), True),
    ("staging", None, DEV, ("staging-Developer", DEV), True),
    ("staging", "mine", None, ("mine", DEV), True),  # --profile alone: the profile's role, in the account
    ("staging", "mine", "Developer", ("mine", DEV), True),
    ("staging", None, "Admin", ("staging-Developer", DEV), False),  # another role
    ("staging", "mine", "Admin", ("mine", DEV), False),
    ("production", "mine", None, ("mine", DEV), False),  # the profile holds another account's role
    ("staging", None, None, ("staging-Developer", DEV), False),  # nothing names the profile
    ("production", None, "Developer", ("production-Developer", PROD_DEV), True),  # the second hop's result
    ("staging", None, "production/Developer", ("production-Developer", PROD_DEV), True),
    ("production", None, DEV, ("production-Developer", PROD_DEV), True),  # second hop of an ARN
    ("sandbox", None, DEV, ("staging-Developer", DEV), True),  # own entry URL: no second hop
    ("staging", None, "Developer", ("staging-Developer", f"arn:aws:iam::{STAGING}:role/team/Developer"), True),
    ("staging", None, "staging/team/Developer",
     ("staging-Developer", f"arn:aws:iam::{STAGING}:role/team/Developer"), True),
])
def test_skips_only_for_the_same_role_in_the_profile_this_run_would_write(cfg, account, profile, role, written,
                                                                          skips):
    write(cfg, *written)
    found = still_valid.held(cfg, cfg.account(account), profile, role, now=NOW)
    assert (found is not None) is skips
    if found:
        assert (found.profile, found.role_arn) == written


def test_a_profile_without_the_recorded_role_never_skips(cfg):
    """Profiles written by an older aws-sts (or by hand) have no x_principal_arn: sign in."""
    write(cfg, "staging-Developer", None)
    assert still_valid.held(cfg, cfg.account(None), None, "Developer", now=NOW) is None


@pytest.mark.parametrize("text", ["", "[staging-Developer]\n", "garbage\n", "[staging-Developer]\nx_principal_arn = "
                                  f"{DEV}\nx_security_token_expires = 2099-01-01T00:00:00Z\n"])
def test_a_broken_or_incomplete_profile_never_skips(cfg, text):
    cfg.credentials_path.parent.mkdir(parents=True, exist_ok=True)
    cfg.credentials_path.write_text(text)
    assert still_valid.held(cfg, cfg.account(None), None, "Developer", now=NOW) is None


@settings(max_examples=examples(1000), deadline=None)
@given(minutes=st.integers(min_value=-60 * 24, max_value=60 * 24 * 2))
def test_skips_exactly_while_more_than_ten_minutes_remain(tmp_path_factory, minutes):
    home = tmp_path_factory.mktemp("home")
    path = home / "config.json"
    path.write_text(json.dumps({"idpEntryUrl": "https://idp.example.com/a", "defaultAccount": "s",
                                "accounts": {"s": STAGING}}))
    cfg = config.load(str(path), environ={"HOME": str(home)})
    write(cfg, "s-Developer", DEV, NOW + timedelta(minutes=minutes))
    found = still_valid.held(cfg, cfg.account(None), None, "Developer", now=NOW)
    assert (found is not None) is (minutes > 10)


def test_the_message_names_profile_role_and_time(cfg):
    write(cfg, "staging-Developer", DEV)
    text = still_valid.describe(still_valid.held(cfg, cfg.account(None), None, "Developer", now=NOW))
    assert "staging-Developer" in text and DEV in text and "--force" in text
