"""aws_sts.credentials against real files."""

import errno
import multiprocessing
import os
import stat
import threading
from datetime import datetime, timedelta, timezone

import botocore.configloader
import pytest

from aws_sts import credentials
from aws_sts.credentials import TemporaryCredentials, write_profile
from aws_sts.errors import CredentialsFileError

EXPIRES = datetime(2026, 11, 26, 10, 0, 0, tzinfo=timezone.utc)
CREDS = TemporaryCredentials("ASIAEXAMPLEKEY000001", "secret/Key+1", "token==1", EXPIRES)
NEW_SECTION = (
    "[dev]\n"
    "output = json\n"
    "region = eu-west-1\n"
    "aws_access_key_id = ASIAEXAMPLEKEY000001\n"
    "aws_secret_access_key = secret/Key+1\n"
    "aws_session_token = token==1\n"
    "aws_security_token = token==1\n"
    "x_security_token_expires = 2026-11-26T10:00:00Z\n"
)


def write(path, profile="dev", creds=CREDS, region="eu-west-1", output="json"):
    return write_profile(path, profile, creds, region=region, output=output)


def test_new_file_and_directory(tmp_path):
    path = tmp_path / "home" / ".aws" / "credentials"
    assert write(path) == path
    assert path.read_text() == NEW_SECTION
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    parsed = botocore.configloader.raw_config_parse(str(path))
    assert parsed["dev"]["aws_session_token"] == "token==1"
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_existing_directory_mode_is_left_alone(tmp_path):
    tmp_path.chmod(0o755)
    write(tmp_path / "credentials")
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_region_and_output_left_out_when_none(tmp_path):
    path = tmp_path / "credentials"
    write(path, region=None, output=None)
    assert path.read_text().splitlines()[1] == "aws_access_key_id = ASIAEXAMPLEKEY000001"


def test_other_profiles_and_comments_kept_byte_for_byte(tmp_path):
    path = tmp_path / "credentials"
    original = (
        "# my credentials\n"
        "[default]\n"
        "aws_access_key_id=AKIADEFAULT\n"
        "aws_secret_access_key =  spaced  \n"
        "\n"
        "; another comment\n"
        "[other]\n"
        "s3 =\n"
        "    max_concurrent_requests = 20\n"
        "region: us-west-2"  # no final newline
    )
    path.write_text(original)
    write(path)
    assert path.read_text() == original + "\n\n" + NEW_SECTION


def test_file_ending_with_blank_lines_gets_no_extra_blank(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\nx = 1\n\n\n")
    write(path)
    assert path.read_text() == "[a]\nx = 1\n\n\n" + NEW_SECTION


def test_section_replaced_in_place_extra_keys_kept(tmp_path):
    path = tmp_path / "credentials"
    before = (
        "[first]\n"
        "x = 1\n"
        "\n"
        "[dev]\n"
        "# keep me\n"
        "AWS_ACCESS_KEY_ID = OLDKEY\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/me\n"
        "aws_session_token =\n"
        "    old-token-line-1\n"
        "    old-token-line-2\n"
        "region = us-east-1\n"
        "\n"
        "# about the last profile\n"
        "[last]\n"
        "y = 2\n"
    )
    path.write_text(before)
    write(path, region=None)
    assert path.read_text() == (
        "[first]\n"
        "x = 1\n"
        "\n"
        "[dev]\n"
        "# keep me\n"
        "aws_access_key_id = ASIAEXAMPLEKEY000001\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/me\n"
        "aws_session_token = token==1\n"
        "region = us-east-1\n"  # region=None: the user's own value stays
        "output = json\n"
        "aws_secret_access_key = secret/Key+1\n"
        "aws_security_token = token==1\n"
        "x_security_token_expires = 2026-11-26T10:00:00Z\n"
        "\n"
        "# about the last profile\n"
        "[last]\n"
        "y = 2\n"
    )


def test_rewriting_same_profile_is_stable(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\nx = 1\n")
    write(path)
    first = path.read_text()
    later = TemporaryCredentials("ASIAOTHER", "s2", "t2", EXPIRES + timedelta(hours=1))
    write(path, creds=later)
    assert path.read_text() == first.replace("ASIAEXAMPLEKEY000001", "ASIAOTHER").replace(
        "secret/Key+1", "s2").replace("token==1", "t2").replace("T10:", "T11:")


def test_section_at_end_without_newline(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[dev]\nfoo = bar")
    write(path, region=None, output=None)
    assert path.read_text() == "[dev]\nfoo = bar\n" + "\n".join(NEW_SECTION.splitlines()[3:]) + "\n"


def test_crlf_file_keeps_crlf(tmp_path):
    path = tmp_path / "credentials"
    original = b"[default]\r\naws_access_key_id = AKIA\r\n\r\n[dev]\r\naws_access_key_id = OLD\r\n"
    path.write_bytes(original)
    write(path, output=None, region=None)
    data = path.read_bytes()
    assert data.startswith(b"[default]\r\naws_access_key_id = AKIA\r\n\r\n[dev]\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"aws_access_key_id = ASIAEXAMPLEKEY000001\r\n" in data


def test_expiration_converted_to_utc(tmp_path):
    path = tmp_path / "credentials"
    plus2 = timezone(timedelta(hours=2))
    write(path, creds=TemporaryCredentials("A", "B", "C", datetime(2026, 1, 1, 12, 0, 0, 500, tzinfo=plus2)))
    assert "x_security_token_expires = 2026-01-01T10:00:00Z\n" in path.read_text()


@pytest.mark.parametrize("content, line, words", [
    ("[a]\nx = 1\nthis is not ini\n", 3, "expected [section]"),
    ("# c\nkey = value\n[a]\n", 2, "before any [section]"),
    ("[a]\nx = 1\n\n[b]\n[a]\n", 5, "[a] appears a second time (first on line 1)"),
    ("[a]\nx = 1\nX = 2\n", 3, "x appears twice in [a]"),
    ("[a]\n= value\n", 2, "expected [section]"),
    ("[dev\n", 1, "expected [section]"),
])
def test_unparsable_file_left_untouched(tmp_path, content, line, words):
    path = tmp_path / "credentials"
    path.write_text(content)
    os.chmod(path, 0o640)
    with pytest.raises(CredentialsFileError) as info:
        write(path)
    message = str(info.value)
    assert f"{path}, line {line}:" in message and words in message
    assert "fix or move it, then run again" in message
    assert path.read_text() == content
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["credentials"]


def test_parse_error_does_not_quote_the_line(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\nsecretvalue-without-key\n")
    with pytest.raises(CredentialsFileError) as info:
        write(path)
    assert "secretvalue" not in str(info.value)


def test_check_file(tmp_path):
    path = tmp_path / "credentials"
    credentials.check_file(path)  # missing is fine
    path.write_text("[a]\nx = 1\n")
    credentials.check_file(path)
    path.write_text("[a]\nx = 1\n[a]\n")
    with pytest.raises(CredentialsFileError, match="line 3"):
        credentials.check_file(path)
    assert path.read_text() == "[a]\nx = 1\n[a]\n"


def test_not_utf8(tmp_path):
    path = tmp_path / "credentials"
    path.write_bytes(b"[a]\nx = 1\ny = \xff\n")
    with pytest.raises(CredentialsFileError, match=r"line 3: not UTF-8"):
        write(path)


def test_bad_profile_name(tmp_path):
    with pytest.raises(CredentialsFileError):
        write(tmp_path / "credentials", profile="a]b")
    assert not (tmp_path / "credentials").exists()


def test_symlink_followed_and_kept(tmp_path):
    target_dir = tmp_path / "dotfiles"
    target_dir.mkdir()
    target = target_dir / "aws-credentials"
    target.write_text("[default]\nx = 1\n")
    aws = tmp_path / ".aws"
    aws.mkdir()
    link = aws / "credentials"
    link.symlink_to(target)
    assert write(link) == target
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "[default]\nx = 1\n\n" + NEW_SECTION
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_dangling_symlink_creates_target(tmp_path):
    link = tmp_path / "credentials"
    link.symlink_to(tmp_path / "elsewhere" / "creds")
    assert write(link) == tmp_path / "elsewhere" / "creds"
    assert link.read_text() == NEW_SECTION


def test_existing_mode_tightened_to_0600(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\n")
    path.chmod(0o644)
    write(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize("where", ["fsync", "replace"])
def test_failed_write_leaves_original_and_no_temp_file(tmp_path, monkeypatch, where):
    path = tmp_path / "credentials"
    original = "[default]\nx = 1\n"
    path.write_text(original)

    def full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(credentials.os, where, full)
    with pytest.raises(CredentialsFileError) as info:
        write(path)
    assert str(path) in str(info.value) and "disk is full" in str(info.value)
    assert "left as it was" in str(info.value)
    assert path.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == ["credentials"]


def test_permission_denied(tmp_path, monkeypatch):
    # A read-only directory, as root (who ignores permission bits) sees it too: the temp file cannot be made.
    path = tmp_path / "credentials"
    path.write_text("[a]\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(credentials.tempfile, "mkstemp", refuse)
    with pytest.raises(CredentialsFileError, match="Could not write"):
        write(path)
    assert path.read_text() == "[a]\n"


def test_lock_held_elsewhere_times_out(tmp_path, monkeypatch):
    from filelock import FileLock

    path = tmp_path / "credentials"
    monkeypatch.setattr(credentials, "LOCK_TIMEOUT", 0.2)
    with FileLock(f"{path}.lock"):
        result = {}
        # FileLock is re-entrant within a thread: try from another one.
        thread = threading.Thread(target=lambda: result.update(error=_catch(lambda: write(path))))
        thread.start()
        thread.join()
    assert isinstance(result["error"], CredentialsFileError)
    assert "locked" in str(result["error"])
    assert not path.exists()


def _catch(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - handed back to the test
        return exc
    return None


def _writer(path, name, rounds):
    for n in range(rounds):
        creds = TemporaryCredentials(f"ASIA{name.upper()}{n}", "s", "t", EXPIRES)
        write_profile(path, name, creds, region=None, output=None)


def test_concurrent_processes_and_threads(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("# shared\n[default]\nx = 1\n")
    ctx = multiprocessing.get_context("fork")
    names = ["p1", "p2", "p3"]
    procs = [ctx.Process(target=_writer, args=(str(path), name, 15)) for name in names]
    threads = [threading.Thread(target=_writer, args=(str(path), name, 15)) for name in ("t1", "t2")]
    for worker in procs + threads:
        worker.start()
    for worker in procs + threads:
        worker.join()
    assert [p.exitcode for p in procs] == [0, 0, 0]
    parsed = botocore.configloader.raw_config_parse(str(path))
    assert set(parsed) == {"default", "p1", "p2", "p3", "t1", "t2"}
    for name in names + ["t1", "t2"]:
        assert parsed[name]["aws_access_key_id"] == f"ASIA{name.upper()}14"
    assert path.read_text().startswith("# shared\n[default]\nx = 1\n\n[")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_repr_hides_secrets():
    assert "secret" not in repr(CREDS) and "token" not in repr(CREDS)
