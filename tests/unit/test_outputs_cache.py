"""--format env|process text, the credential_process cache, several profiles in one write, and codes made
from AWS_STS_TOTP_SECRET."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import cache, config, credentials, outputs
from aws_sts.credentials import TemporaryCredentials
from aws_sts.errors import CredentialsFileError, UsageError
from aws_sts.prompts import Prompts
from aws_sts.providers import Answers
from tests.helpers import examples

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=timezone.utc)
CREDS = TemporaryCredentials("ASIAEXAMPLE", "secret/key+x", "token==", NOW + timedelta(hours=1))
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@settings(max_examples=examples(1000), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",))),
                min_size=4, max_size=4), st.one_of(st.none(), st.text(min_size=1).filter(lambda t: "\0" not in t)))
def test_env_lines_assign_exactly_the_values_in_bash_and_run_nothing(values, region):
    """Whatever the values hold (quotes, $(...), backticks, newlines), eval only assigns them."""
    creds = TemporaryCredentials(values[0], values[1], values[2], NOW)
    text = outputs.env_lines(creds, region)
    names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"] + (
        ["AWS_REGION", "AWS_DEFAULT_REGION"] if region else [])
    script = 'eval "$1"; for n in ' + " ".join(names) + '; do printf "%s\\0" "${!n}"; done'
    done = subprocess.run(["bash", "-c", script, "_", text], capture_output=True, env={"PATH": "/usr/bin:/bin"},
                          timeout=20)
    assert done.returncode == 0 and done.stderr == b""
    got = done.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]
    assert got == values[:3] + ([region, region] if region else [])


def test_process_json_is_the_credential_process_answer():
    answer = json.loads(outputs.process_json(CREDS))
    assert answer == {"Version": 1, "AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": "secret/key+x",
                      "SessionToken": "token==", "Expiration": "2026-12-04T13:00:00Z"}


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"region": "eu-west-1", "idpEntryUrl": "https://idp.example.com/app",
                                "defaultAccount": "staging", "provider": "okta",
                                "accounts": {"staging": "123456789012", "production": "210987654321"}}))
    return config.load(str(path), environ={"HOME": str(tmp_path)})


def test_the_cache_answers_its_own_key_only_while_valid(cfg, tmp_path):
    staging, production = cfg.account("staging"), cfg.account("production")
    cache.save(cfg, staging, "Developer", CREDS, "arn:aws:iam::123456789012:role/Developer")
    [path] = (tmp_path / ".aws" / "aws-sts" / "cache").glob("*.json")
    assert path.stat().st_mode & 0o777 == 0o600
    assert cache.lookup(cfg, staging, "Developer", now=NOW) == CREDS
    assert cache.lookup(cfg, staging, "Admin", now=NOW) is None
    assert cache.lookup(cfg, production, "Developer", now=NOW) is None
    assert cache.lookup(cfg, staging, None, now=NOW) is None
    assert cache.lookup(cfg, staging, "Developer", now=NOW + timedelta(minutes=50, seconds=1)) is None  # < 10 min


def test_a_file_for_another_key_under_the_same_name_is_not_served(cfg):
    staging = cfg.account("staging")
    cache.save(cfg, staging, "Developer", CREDS, "arn:aws:iam::123456789012:role/Developer")
    path = cache.path_of(cache.key_of(cfg, staging, "Developer"))
    entry = json.loads(path.read_text())
    entry["Key"][-1] = "Admin"  # as if Admin's key had hashed to this name
    path.write_text(json.dumps(entry))
    assert cache.lookup(cfg, staging, "Developer", now=NOW) is None


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"Key": 1}', b"\xff\xfe", b'{"Expiration": 5}'])
def test_a_broken_cache_file_means_sign_in_again(cfg, content):
    staging = cfg.account("staging")
    cache.save(cfg, staging, None, CREDS, "arn")
    cache.path_of(cache.key_of(cfg, staging, None)).write_bytes(content)
    assert cache.lookup(cfg, staging, None, now=NOW) is None


@pytest.mark.parametrize("skew", [timedelta(hours=2), timedelta(minutes=55), timedelta(0), timedelta(hours=-2)])
def test_an_entry_is_judged_by_when_its_answer_came_and_the_lifetime_sts_granted(cfg, skew):
    """STS's Expiration is NOW + 1 h by STS's clock; this machine's clock is `skew` off it. The keys serve until
    10 minutes before the end of their lifetime counted on this clock, and say so in this clock's terms."""
    staging, here = cfg.account("staging"), NOW + skew
    cache.save(cfg, staging, "Developer", CREDS, "arn:aws:iam::123456789012:role/Developer",
               issued_at=here, lifetime=timedelta(hours=1))
    served = cache.lookup(cfg, staging, "Developer", now=here + timedelta(minutes=1))
    assert served is not None and served.expiration == here + timedelta(hours=1)
    assert served[:3] == CREDS[:3]
    assert cache.lookup(cfg, staging, "Developer", now=here + timedelta(minutes=49, seconds=59)) is not None
    assert cache.lookup(cfg, staging, "Developer", now=here + timedelta(minutes=50)) is None
    # A clock that has since gone back cannot count the lifetime: signed in again.
    assert cache.lookup(cfg, staging, "Developer", now=here - timedelta(hours=1)) is None


    # Without a usable issue time (an older aws-sts's entry, a hand-edited one), STS's Expiration decides.
    for issued_at, lifetime in [(5, 3600), ("x", 3600), ("2026-12-04T12:00:00Z", 0), ("2026-12-04T12:00:00Z", 10**6),
                                ("2026-12-04T12:00:00Z", "3600"), ("2026-12-04T12:00:00Z", True), (None, None)]:
        path = cache.path_of(cache.key_of(cfg, staging, "Developer"))
        path.write_text(json.dumps({**json.loads(path.read_text()), "IssuedAt": issued_at,
                                    "LifetimeSeconds": lifetime}))
        assert cache.lookup(cfg, staging, "Developer", now=NOW) == CREDS
        assert cache.lookup(cfg, staging, "Developer", now=NOW + timedelta(minutes=51)) is None


def test_a_failure_is_answered_to_the_callers_that_waited_on_it_and_to_those_that_cannot_ask(cfg):
    from aws_sts import last_failure
    from aws_sts.errors import AwsStsError, UsageError

    entry = cache.path_of(cache.key_of(cfg, cfg.account("staging"), "Developer"))
    key = cache.key_of(cfg, cfg.account("staging"), "Developer")
    t = 1_000_000.0
    assert last_failure.recall(entry, key, waited_since=t, can_ask=False, now=t) is None  # nothing remembered
    entry.parent.mkdir(parents=True)
    last_failure.remember(entry, key, UsageError("No stored sign-in.\nRun it once in a terminal."), now=t)
    assert last_failure.path_for(entry).stat().st_mode & 0o777 == 0o600
    waited = last_failure.recall(entry, key, waited_since=t - 5, can_ask=True, now=t + 1)
    assert isinstance(waited, AwsStsError) and waited.exit_code == 2
    assert str(waited) == "No stored sign-in.\nRun it once in a terminal."
    assert last_failure.recall(entry, key, waited_since=t + 1, can_ask=False, now=t + 59).exit_code == 2
    assert last_failure.recall(entry, key, waited_since=t + 1, can_ask=True, now=t + 2) is None  # can ask: tries
    assert last_failure.recall(entry, key, waited_since=t + 1, can_ask=False, now=t + 61) is None  # too old
    assert last_failure.recall(entry, key, waited_since=t - 5, can_ask=False, now=t - 10) is None  # clock went back
    other = cache.key_of(cfg, cfg.account("production"), "Developer")
    assert last_failure.recall(entry, other, waited_since=t - 5, can_ask=False, now=t + 1) is None  # another key's
    last_failure.forget(entry)
    assert last_failure.recall(entry, key, waited_since=t - 5, can_ask=False, now=t + 1) is None


def test_several_profiles_in_one_write_all_or_none(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[keep]\nx = 1\n")
    credentials.write_profiles(path, [("a-Dev", CREDS, "arn:a"), ("b-Dev", CREDS, "arn:b")], region=None,
                               output=None)
    assert credentials.read_profile(path, "a-Dev")["x_principal_arn"] == "arn:a"
    assert credentials.read_profile(path, "b-Dev")["x_principal_arn"] == "arn:b"
    before = path.read_bytes()
    with pytest.raises(CredentialsFileError):
        credentials.write_profiles(path, [("c-Dev", CREDS, "arn:c"), ("DEFAULT", CREDS, "arn:d")], region=None,
                                   output=None)
    assert path.read_bytes() == before


def test_codes_are_made_from_the_secret_and_the_next_one_waits_for_the_next_step(monkeypatch):
    import time

    clock = [1_000_000_005.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    monkeypatch.setattr(time, "sleep", lambda s: clock.__setitem__(0, clock[0] + s))
    answers = Answers(Prompts(interactive=False), totp_secret=SECRET.lower()[:16] + " " + SECRET[16:])
    assert answers.makes_codes and answers.can_make_code()
    first = answers.made_code()
    assert first == pyotp.TOTP(SECRET).at(1_000_000_005)
    second = answers.made_code()
    assert clock[0] == 1_000_000_020.0 and second == pyotp.TOTP(SECRET).at(1_000_000_020)  # the next 30 s step
    assert not answers.can_make_code()
    assert {first, second, answers._totp_secret} <= set(answers.secrets())


@pytest.mark.parametrize("secret", ["not base32 at all!", "0189", "===="])
def test_a_secret_that_is_not_base32_is_a_usage_error_that_does_not_quote_it(secret):
    with pytest.raises(UsageError, match="AWS_STS_TOTP_SECRET") as info:
        Answers(Prompts(interactive=False), totp_secret=secret)
    assert secret not in str(info.value)


# -- a cache entry is served only when it is what it claims, from a file nobody else could plant ----------------

def _forge(cfg, account, wanted, **fields):
    cache.save(cfg, account, wanted, CREDS, "arn:aws:iam::123456789012:role/Developer")
    path = cache.path_of(cache.key_of(cfg, account, wanted))
    entry = json.loads(path.read_text())
    entry.update(fields)
    entry = {k: v for k, v in entry.items() if v is not None}
    path.write_text(json.dumps(entry))
    return path


@pytest.mark.parametrize("account, wanted, role_arn, served", [
    ("staging", "Developer", "arn:aws:iam::123456789012:role/Developer", True),
    ("staging", "Developer", "arn:aws:iam::123456789012:role/team/Developer", True),  # a role with a path
    ("staging", "Developer", "arn:aws:iam::210987654321:role/Developer", True),  # bare names match anywhere
    ("staging", "Developer", "arn:aws:iam::123456789012:role/Admin", False),
    ("staging", "Developer", "arn:aws:iam::123456789012:role/DeveloperX", False),
    ("staging", "Developer", None, False),  # no RoleArn
    ("staging", "Developer", "Developer", False),  # not a role ARN
    ("staging", "Developer", "arn:aws:iam::123456789012:user/Developer", False),
    ("staging", "Developer", "arn:aws:iam::123456789012:role/Developer\n", False),
    ("staging", None, "arn:aws:iam::123456789012:role/Admin", True),  # no role named: any role ARN
    ("staging", None, "not an arn", False),
    ("staging", "arn:aws:iam::123456789012:role/Developer", "arn:aws:iam::123456789012:role/Developer", True),
    ("staging", "arn:aws:iam::123456789012:role/Developer", "arn:aws:iam::210987654321:role/Developer", False),
    ("staging", "production/Developer", "arn:aws:iam::210987654321:role/Developer", True),
    ("staging", "production/Developer", "arn:aws:iam::123456789012:role/Developer", False),
    ("staging", "nowhere/Developer", "arn:aws:iam::123456789012:role/Developer", False),  # no such account
    # the second hop: production without an entry URL of its own assumes the same name in production
    ("production", "staging/Developer", "arn:aws:iam::210987654321:role/Developer", True),
    ("production", "arn:aws:iam::123456789012:role/Developer", "arn:aws:iam::210987654321:role/Developer", True),
    ("production", "arn:aws:iam::123456789012:role/Developer", "arn:aws:iam::210987654321:role/Admin", False),
])
def test_a_cache_entry_is_served_only_for_the_role_its_key_asks_for(cfg, account, wanted, role_arn, served):
    account = cfg.account(account)
    _forge(cfg, account, wanted, RoleArn=role_arn)
    assert (cache.lookup(cfg, account, wanted, now=NOW) == CREDS) is served


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ahead=st.one_of(st.integers(-10**9, 10**9), st.integers(9 * 60, 13 * 3600)))
def test_a_cache_entry_is_served_only_with_an_expiry_sts_could_have_given(cfg, ahead):
    staging = cfg.account("staging")
    expires = NOW + timedelta(seconds=ahead)
    if not 1 <= expires.year <= 9999 - 1:
        return
    _forge(cfg, staging, "Developer", Expiration=expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
    plausible = cache.MARGIN < timedelta(seconds=ahead) <= timedelta(hours=12, minutes=1)
    got = cache.lookup(cfg, staging, "Developer", now=NOW)
    assert (got is not None) is plausible, (ahead, got)


def test_a_missing_or_2099_expiry_is_not_served(cfg):
    staging = cfg.account("staging")
    for expiration in (None, "", "2099-01-01T00:00:00Z", "soon"):
        _forge(cfg, staging, "Developer", Expiration=expiration)
        assert cache.lookup(cfg, staging, "Developer", now=NOW) is None, expiration


def test_a_symlinked_or_foreign_cache_entry_is_not_served_and_said_once(cfg, tmp_path, capsys, monkeypatch):
    import os

    monkeypatch.setattr(cache, "_warned", set())
    staging = cfg.account("staging")
    path = _forge(cfg, staging, "Developer")
    assert cache.lookup(cfg, staging, "Developer", now=NOW) == CREDS
    planted = tmp_path / "planted.json"
    os.replace(path, planted)
    path.symlink_to(planted)
    assert cache.lookup(cfg, staging, "Developer", now=NOW) is None
    assert cache.lookup(cfg, staging, "Developer", now=NOW) is None  # refreshing() looks again: no second line
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"aws-sts: warning: the cached credentials are not used: {path} is a symbolic link: remove it"
    path.unlink()
    os.replace(planted, path)
    os.chown(path, 12345, 12345)
    assert cache.lookup(cfg, staging, "Developer", now=NOW) is None
    assert "is owned by another user (uid 12345): remove it" in capsys.readouterr().err
