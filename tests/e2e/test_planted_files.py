"""Files nobody else can plant, end to end: the installed CLI against the fake org, with what another local user
could leave under ~/.aws/aws-sts (a symlinked or foreign session, a group-writable folder, a symlinked lock,
a forged cache entry). None of it is used: a warning names what is wrong and how to fix it and the run goes on
as if it were absent, or, for a lock that cannot be taken safely, one line and an exit before any sign-in.

The tests run as root: "another user" is uid 12345 (os.chown), as the store's unit tests do.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from tests.e2e.test_session import sessions_folder, signed_in, stored_session
from tests.fakes.okta_org import totp_now
from tests.helpers import ADMIN, DEV, assert_failed, assert_ok, saml_calls

OTHER_UID = 12345


def warnings_naming(result, path: Path) -> list:
    return [line for line in result.stderr.splitlines() if str(path) in line]


def test_a_planted_symlink_to_another_users_session_is_not_used(org, sts, home, run_cli, login_args, tmp_path):
    # The attacker signs in (their own session, their cookies), keeps the file where they can write, 0644,
    # and plants a symlink to it where the victim's aws-sts looks.
    signed_in(org, run_cli, login_args)
    path = stored_session(home, org)
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    planted = attacker / "session.json"
    shutil.move(str(path), planted)
    os.chmod(planted, 0o644)
    os.chown(planted, OTHER_UID, OTHER_UID)
    os.chown(attacker, OTHER_UID, OTHER_UID)
    attacker_bytes = planted.read_bytes()
    path.symlink_to(planted)

    org.events.clear()
    result = signed_in(org, run_cli, login_args)  # the victim's own run: it must sign in as the victim
    assert org.primary_sign_ins() != []
    [warning] = warnings_naming(result, path)
    assert "symbolic link" in warning and "remove it" in warning
    assert planted.read_bytes() == attacker_bytes  # never written through
    assert not path.is_symlink() and path.stat().st_uid == os.geteuid()  # the victim's own session replaced it
    assert (path.stat().st_mode & 0o777) == 0o600


def test_a_session_file_owned_by_another_user_is_not_used(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args)
    path = stored_session(home, org)
    os.chown(path, OTHER_UID, OTHER_UID)
    org.events.clear()
    result = signed_in(org, run_cli, login_args)
    assert org.primary_sign_ins() != []
    [warning] = warnings_naming(result, path)
    assert f"uid {OTHER_UID}" in warning and "remove it" in warning
    assert path.stat().st_uid == os.geteuid()  # replaced by this user's own after the sign-in


def test_a_group_writable_sessions_folder_is_not_used_nor_written(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args)
    folder, path = sessions_folder(home), stored_session(home, org)
    os.chmod(folder, 0o775)
    before = path.read_bytes()
    org.events.clear()
    result = signed_in(org, run_cli, login_args)
    assert org.primary_sign_ins() != []
    lines = warnings_naming(result, folder)
    assert lines and all("writable" in line and "chmod 700" in line for line in lines), result.stderr
    assert path.read_bytes() == before  # nothing written into a folder others can write

    os.chmod(folder, 0o700)  # fixed as the warning says: the stored session serves the next run again
    org.events.clear()
    assert_ok(run_cli())
    assert org.primary_sign_ins() == []


def test_a_symlinked_lock_for_the_credentials_file_stops_before_any_sign_in(org, sts, home, run_cli, login_args,
                                                                            tmp_path):
    credentials = home / ".aws" / "credentials"
    locks = home / ".aws" / "aws-sts" / "locks"
    locks.mkdir(parents=True, mode=0o700)
    os.chmod(home / ".aws", 0o700)
    os.chmod(home / ".aws" / "aws-sts", 0o700)
    target = tmp_path / "elsewhere.lock"
    target.write_text("keep me")
    lock = locks / (hashlib.sha256(os.fsencode(credentials)).hexdigest() + ".lock")
    lock.symlink_to(target)
    org.requests.clear()
    result = run_cli(*login_args(), "--otp", totp_now(org.scenario.totp_secret))
    err = assert_failed(result, 2, str(lock), "symbolic link", "remove it")
    assert len(err.strip().splitlines()) == 1 and "unexpected" not in err
    assert org.requests == [] and saml_calls(sts) == []  # before the sign-in: the org saw nothing
    assert target.read_text() == "keep me" and not credentials.exists()


def _cached_entry(home: Path) -> Path:
    [path] = sorted((home / ".aws" / "aws-sts" / "cache").glob("*.json"))
    return path


def _forge(path: Path, **fields) -> None:
    entry = json.loads(path.read_text())
    entry.update(fields)
    path.write_text(json.dumps(entry))


def test_a_cache_entry_claiming_another_role_or_a_2099_expiry_is_not_served(org, sts, home, run_cli, login_args):
    signed_in(org, run_cli, login_args, "--format", "process", "--role", "Developer")
    path = _cached_entry(home)
    assert json.loads(path.read_text())["RoleArn"] == DEV
    for forged in ({"RoleArn": ADMIN}, {"RoleArn": "not an arn"}, {"Expiration": "2099-01-01T00:00:00Z"}):
        _forge(path, **forged)
        calls = len(saml_calls(sts))
        org.events.clear()
        result = run_cli("--format", "process", "--role", "Developer")  # served by the stored session
        assert_ok(result)
        assert "saml:issued" in org.events and len(saml_calls(sts)) == calls + 1, forged
        entry = json.loads(path.read_text())
        assert entry["RoleArn"] == DEV and not entry["Expiration"].startswith("2099")  # replaced by a true one
        assert json.loads(result.stdout)["AccessKeyId"] == entry["AccessKeyId"]
    # The true entry is served again: no sign-in.
    calls = len(saml_calls(sts))
    org.requests.clear()
    assert_ok(run_cli("--format", "process", "--role", "Developer"))
    assert len(saml_calls(sts)) == calls and org.requests == []


def test_a_symlinked_cache_entry_is_not_served(org, sts, home, run_cli, login_args, tmp_path):
    signed_in(org, run_cli, login_args, "--format", "process", "--role", "Developer")
    path = _cached_entry(home)
    planted = tmp_path / "planted.json"
    shutil.move(str(path), planted)
    os.chmod(planted, 0o644)
    path.symlink_to(planted)
    calls = len(saml_calls(sts))
    result = run_cli("--format", "process", "--role", "Developer")
    assert_ok(result)
    assert len(saml_calls(sts)) == calls + 1
    assert not path.is_symlink() and (path.stat().st_mode & 0o777) == 0o600
