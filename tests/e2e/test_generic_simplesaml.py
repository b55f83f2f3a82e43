"""The generic provider against a real open-source SAML IdP: SimpleSAMLphp 1.19 (Debian's package) under
`php -S` (tests/fakes/simplesaml.py). It signs the Response and the Assertion with its own key; the fake STS
of this module trusts that key, as AWS trusts the IdP's metadata.

Its own sign-in page and error page, its session (the second run is served by the stored session with a plain
HTTP GET, no browser), its IdP-initiated logout (logoutUrl), and the real AWS CLI reading the profile.
"""

from __future__ import annotations

import json
import shutil

import pytest

from tests.fakes.simplesaml import ACCOUNT, SimpleSamlIdp
from tests.fakes.sts_server import FakeSts
from tests.helpers import assert_failed, assert_ok, read_profile, saml_calls

LOGIN = ["--username", "alice", "--password", "correct-horse"]
DEVELOPER = f"arn:aws:iam::{ACCOUNT}:role/Developer"
READ_ONLY = f"arn:aws:iam::{ACCOUNT}:role/ReadOnly"


@pytest.fixture(scope="module")
def ssp():
    with SimpleSamlIdp() as idp:
        yield idp


@pytest.fixture(scope="module")
def sts_server(ssp):  # this module's STS trusts SimpleSAMLphp's certificate (conftest's, the fake org's)
    with FakeSts(trusted_cert_pem=ssp.cert_pem) as sts:
        yield sts


@pytest.fixture
def configure(ssp, home):
    def write(**extra):
        config = {"awsConfigPath": "/.aws/credentials", "region": "us-east-1", "provider": "generic",
                  "idpEntryUrl": ssp.entry_url, "defaultAccount": "dev", "accounts": {"dev": ACCOUNT}, **extra}
        (home / "config.json").write_text(json.dumps(config))

    write()
    return write


def log_since(ssp, start: int) -> str:
    return ssp.log_text(limit=10**7)[start:]


def test_sign_in_with_role_and_the_aws_cli_uses_the_profile(ssp, sts, home, configure, run_cli, aws_cli):
    result = run_cli(*LOGIN, "--role", "ReadOnly")
    assert_ok(result)
    assert "dev-ReadOnly" in result.stdout
    profile = read_profile(home, "dev-ReadOnly")
    assert profile["x_principal_arn"] == READ_ONLY
    [call] = saml_calls(sts)
    assert call["params"]["RoleArn"] == READ_ONLY and call["status"] == 200
    identity = aws_cli("sts", "get-caller-identity", "--profile", "dev-ReadOnly", "--output", "json")
    assert identity.returncode == 0, identity.stderr
    assert json.loads(identity.stdout)["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/ReadOnly/alice"


def test_a_wrong_password_quotes_simplesamlphps_error_and_writes_nothing(ssp, sts, home, configure, run_cli):
    start = len(ssp.log_text(limit=10**7))
    result = run_cli("--username", "alice", "--password", "not-the-password", "--role", "Developer")
    err = assert_failed(result, 1, "did not accept the username or password", "Incorrect username or password")
    assert "not-the-password" not in err
    assert "Sending SAML 2.0 Response" not in log_since(ssp, start)
    assert not (home / ".aws" / "credentials").exists() and saml_calls(sts) == []


def test_the_second_run_is_served_by_the_stored_session_without_a_browser(ssp, sts, home, configure, run_cli):
    assert_ok(run_cli(*LOGIN, "--role", "Developer"))
    first = read_profile(home, "dev-Developer")["aws_access_key_id"]
    start = len(ssp.log_text(limit=10**7))
    result = run_cli("--role", "Developer", "--force")  # nothing to sign in with, no terminal
    assert_ok(result)
    log = log_since(ssp, start)
    assert "Sending SAML 2.0 Response" in log
    # The browser would load the sign-in page's or the POST page's script and styles: a plain GET does not.
    assert "loginuserpass.php" not in log and "/resources/" not in log, log
    assert read_profile(home, "dev-Developer")["aws_access_key_id"] != first
    assert len(saml_calls(sts)) == 2


def test_logout_ends_the_session_at_simplesamlphp(ssp, sts, home, configure, run_cli):
    configure(logoutUrl=ssp.logout_url)
    assert_ok(run_cli(*LOGIN, "--role", "Developer"))
    [stored] = (home / ".aws" / "aws-sts" / "sessions").iterdir()
    kept = home / "kept-session.json"
    shutil.copy(stored, kept)
    result = run_cli("--logout")
    assert_ok(result)
    assert "ended the session" in result.stdout + result.stderr and not stored.exists()
    # The old cookies no longer open a session there: SimpleSAMLphp shows its sign-in page again, and with no
    # terminal and no username that is a usage error naming the flag.
    shutil.copy(kept, stored)
    again = run_cli("--role", "Developer", "--force")
    assert_failed(again, 2, "--username")


def test_the_rest_is_the_flows_skip_list_all_roles_and_env(ssp, sts, home, configure, run_cli):
    assert_ok(run_cli(*LOGIN, "--role", "ReadOnly"))
    start = len(ssp.log_text(limit=10**7))
    skipped = run_cli("--role", "ReadOnly")  # the profile still holds valid keys for that role
    assert_ok(skipped)
    assert log_since(ssp, start) == "" and len(saml_calls(sts)) == 1
    listed = run_cli("--list-roles")  # through the stored session from here on: nothing to sign in with
    assert_ok(listed)
    assert {line.split("\t")[-1] for line in listed.stdout.splitlines()} == {DEVELOPER, READ_ONLY}
    assert_ok(run_cli("--all-roles"))
    assert read_profile(home, "dev-Developer")["x_principal_arn"] == DEVELOPER
    assert read_profile(home, "dev-ReadOnly")["x_principal_arn"] == READ_ONLY
    exported = run_cli("--format", "env", "--role", "Developer")
    assert_ok(exported)
    assert "export AWS_ACCESS_KEY_ID=" in exported.stdout and "export AWS_SESSION_TOKEN=" in exported.stdout
