"""aws_sts.credentials against real files."""

import configparser
import errno
import multiprocessing
import os
import pathlib
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
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


@pytest.fixture(autouse=True)
def user_home(tmp_path_factory, monkeypatch):
    """A HOME of its own (outside tmp_path, so tmp_path holds only what the test puts there): the lock
    lives under ~/.aws/aws-sts/locks."""
    path = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(path))
    return path


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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials"]


def test_parse_error_does_not_quote_the_line(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\nsecretvalue-without-key\n")
    with pytest.raises(CredentialsFileError) as info:
        write(path)
    assert "secretvalue" not in str(info.value)


def test_preflight_without_a_profile_checks_the_whole_file(tmp_path):
    path = tmp_path / "credentials"
    credentials.preflight(path)  # missing is fine
    path.write_text("[a]\nx = 1\n")
    credentials.preflight(path)
    path.write_text("[a]\nx = 1\n[a]\n")
    with pytest.raises(CredentialsFileError, match="line 3"):
        credentials.preflight(path)
    assert path.read_text() == "[a]\nx = 1\n[a]\n"


def test_not_utf8(tmp_path):
    path = tmp_path / "credentials"
    path.write_bytes(b"[a]\nx = 1\ny = \xff\n")
    with pytest.raises(CredentialsFileError, match=r"line 3: not UTF-8"):
        write(path)


@pytest.mark.parametrize("name", ["DEFAULT", "", "a\nb", "a\rb", "\udcff"])
def test_bad_profile_name(tmp_path, name):
    with pytest.raises(CredentialsFileError, match="not empty and not DEFAULT") as info:
        write(tmp_path / "credentials", profile=name)
    assert info.value.exit_code == 2
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

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(credentials.os, where, full)
    with pytest.raises(CredentialsFileError) as info:
        write(path)
    assert str(path) in str(info.value) and "disk is full" in str(info.value)
    assert "left as it was" in str(info.value)
    assert path.read_text() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials"]


def test_permission_denied(tmp_path, monkeypatch):
    # A read-only directory, as root (who ignores permission bits) sees it too: the temp file cannot be made.
    path = tmp_path / "credentials"
    path.write_text("[a]\n")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    from aws_sts import store  # its atomic write makes the temp file

    monkeypatch.setattr(store, "_create_temp", refuse)
    with pytest.raises(CredentialsFileError, match="Could not write"):
        write(path)
    assert path.read_text() == "[a]\n"


def test_lock_held_elsewhere_times_out(tmp_path, monkeypatch):
    from filelock import FileLock

    path = tmp_path / "credentials"
    monkeypatch.setattr(credentials, "LOCK_TIMEOUT", 0.2)
    with FileLock(str(credentials._lock_path(path))):
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


# --- Files botocore reads differently from a naive line reader (issue 7) ----------------------------------

VALUES = dict(line.split(" = ") for line in NEW_SECTION.splitlines()[1:])


def parsed_like_botocore(path):
    return botocore.configloader.raw_config_parse(str(path), parse_subsections=False)


@pytest.mark.parametrize("before", [
    "[dev] # work account\nx = 1\n[prod]\ny = 2\n",  # configparser ignores text after the header's "]"
    "[dev] junk\nx = 1\n[prod]\ny = 2\n",
    "[prod]\ry = 2\r[dev]\rx = 1\r",  # a lone CR ends a line
    "[prod]\ny = 2\r[dev]\r\nx = 1",
    "[dev]\n  x = 1\n [prod]\n y = 2\n",  # indented key, less indented header after it
    "[dev]\n [prod]\n y = 2\n",  # an indented header right under ours: new keys must not swallow it
    "[prod]\ny = 2\n  [dev]\n  z = 3\n[dev]\nx = 1\n",  # "  [dev]" continues y: not a section
    "[dev]\nx = 1\n\n    still x\n[prod]\ny = 2\n",  # blank lines do not end a continuation
    "[dev]\naws_session_token = old\n  old-line-2\n\n  old-line-3\n# c\n[prod]\ny = 2\n",
    "[dev]\n  aws_access_key_id = OLD\n output = text\n[prod]\ny = 2\n",
    "[DEFAULT]\nregion = us-east-2\n[prod]\ny = 2\n[DEFAULT]\nz = 1\n",
])
def test_other_sections_read_back_identically(tmp_path, before):
    path = tmp_path / "credentials"
    path.write_bytes(before.encode())
    old = parsed_like_botocore(path)
    write(path)
    new = parsed_like_botocore(path)
    assert {s: v for s, v in new.items() if s != "dev"} == {s: v for s, v in old.items() if s != "dev"}
    parser = configparser.RawConfigParser()
    parser.read(path)
    assert new["dev"] == {**old.get("dev", parser.defaults()), **VALUES}  # other keys kept, ours set
    write(path)  # a second write changes nothing
    assert parsed_like_botocore(path) == new


def test_header_comment_edits_in_place_and_keeps_endings(tmp_path):
    path = tmp_path / "credentials"
    path.write_bytes(b"[dev] # work\rregion = us-east-1\r[prod]\ry = 2\r")
    write(path, region=None, output=None)
    data = path.read_bytes()
    assert data.startswith(b"[dev] # work\rregion = us-east-1\raws_access_key_id = ASIAEXAMPLEKEY000001\r")
    assert data.endswith(b"x_security_token_expires = 2026-11-26T10:00:00Z\r[prod]\ry = 2\r")
    assert b"\n" not in data and data.count(b"[dev]") == 1


def test_new_keys_take_the_indentation_that_keeps_the_next_line_a_header(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[dev]\n    mfa = m\n  [prod]\n  y = 2\n")
    write(path, region=None, output=None)
    text = path.read_text()
    assert "    aws_access_key_id = ASIAEXAMPLEKEY000001\n" in text
    assert text.endswith("  [prod]\n  y = 2\n")
    assert parsed_like_botocore(path)["prod"] == {"y": "2"}


@pytest.mark.parametrize("call", ["write", "preflight"])
def test_default_value_botocore_cannot_read_in_a_profile_is_refused(tmp_path, call):
    # botocore reads DEFAULT's indented block as nested keys in every profile and gives up on the whole
    # file at a line without "=": with no profile yet it reads this file; with [dev] it could not.
    path = tmp_path / "credentials"
    path.write_text("[DEFAULT]\ns3 =\n  not-a-key\n")
    assert botocore.configloader.raw_config_parse(str(path)) == {}
    with pytest.raises(CredentialsFileError, match="would change how botocore reads"):
        write(path) if call == "write" else credentials.preflight(path, "dev")
    assert path.read_text() == "[DEFAULT]\ns3 =\n  not-a-key\n"


def test_bom_is_named(tmp_path):
    path = tmp_path / "credentials"
    path.write_bytes(b"\xef\xbb\xbf[dev]\nx = 1\n")
    with pytest.raises(CredentialsFileError, match="line 1: the file starts with a byte order mark"):
        write(path)


# --- Lock and temp files ---------------------------------------------------------------------------------

def test_no_lock_or_temp_file_beside_the_credentials(tmp_path, user_home):
    path = tmp_path / "credentials"
    write(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials"]
    locks = user_home / ".aws" / "aws-sts" / "locks"
    assert [p.suffix for p in locks.iterdir()] == [".lock"]
    for folder in (user_home / ".aws", user_home / ".aws" / "aws-sts", locks):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.parametrize("home_kind", ["under-a-file", "missing"])
def test_home_not_usable_puts_the_lock_beside_the_file(tmp_path, monkeypatch, home_kind):
    (tmp_path / "not-a-folder").write_text("")
    home = tmp_path / ("not-a-folder" if home_kind == "under-a-file" else "nowhere") / "home"
    monkeypatch.setenv("HOME", str(home))  # mkdir fails there, even for root; a missing HOME is not made
    target = tmp_path / "creds"
    target.mkdir()
    write(target / "credentials")
    assert sorted(p.name for p in target.iterdir()) == ["credentials", "credentials.lock"]
    assert not home.exists()


def _killed_writer(path):
    # A real writer, killed between writing its temp file and renaming it.
    credentials.os.replace = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
    write_profile(path, "child", TemporaryCredentials("ASIACHILD", "child-secret", "t", EXPIRES),
                  region=None, output=None)


def test_leftover_of_a_killed_writer_is_removed_and_never_read(tmp_path):
    path = tmp_path / "credentials"
    path.write_text("[a]\nx = 1\n")
    child = multiprocessing.get_context("fork").Process(target=_killed_writer, args=(str(path),))
    child.start()
    child.join()
    assert child.exitcode == -signal.SIGKILL
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert len(leftovers) == 1 and "child-secret" in leftovers[0].read_text()
    (tmp_path / ".credentials.notes.tmp").write_text("mine")  # not a name the writer uses: kept
    write(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".credentials.notes.tmp", "credentials"]
    assert set(parsed_like_botocore(path)) == {"a", "dev"}


# --- Not a regular file ----------------------------------------------------------------------------------

def _call_with_timeout(fn, seconds=5):
    result = {}
    thread = threading.Thread(target=lambda: result.update(error=_catch(fn)), daemon=True)
    thread.start()
    thread.join(seconds)
    return thread.is_alive(), result.get("error")


@pytest.mark.parametrize("kind", ["fifo", "devnull", "folder", "socket"])
@pytest.mark.parametrize("call", ["write", "preflight"])
def test_not_a_regular_file_is_refused_and_left_alone(tmp_path, kind, call):
    path = tmp_path / "credentials"
    expected = {"fifo": "a named pipe (FIFO)", "devnull": "a character device", "folder": "a folder",
                "socket": "a socket"}[kind]
    server = None
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "devnull":
        path.symlink_to("/dev/null")
    elif kind == "folder":
        path.mkdir()
    else:
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(path))
    before = os.lstat(path)
    blocked, error = _call_with_timeout(lambda: write(path) if call == "write" else credentials.preflight(path))
    if blocked:  # unblock the stuck open() so the test run can end, then fail
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    if server:
        server.close()
    assert not blocked
    assert isinstance(error, CredentialsFileError) and error.exit_code == 2, repr(error)
    assert str(path) in str(error) and f"is {expected}, not a regular file" in str(error), str(error)
    after = os.lstat(path)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials"]


# --- preflight -------------------------------------------------------------------------------------------

def _tree(root):
    return sorted((str(p), p.lstat().st_mode, p.lstat().st_mtime_ns) for p in root.rglob("*"))


def test_preflight_accepts_and_changes_nothing(tmp_path, user_home):
    before = _tree(user_home)
    credentials.preflight(user_home / ".aws" / "credentials", "dev")  # missing file and folder: fine
    (tmp_path / "credentials").write_text("[dev]\nx = 1\n")
    credentials.preflight(tmp_path / "credentials", "dev")
    credentials.preflight(tmp_path / "credentials")
    assert _tree(user_home) == before and sorted(p.name for p in tmp_path.iterdir()) == ["credentials"]


@pytest.mark.parametrize("content, words", [
    (b"[a]\nx = 1\n[b]\r[a]\n", "line 4: [a] appears a second time"),
    (b"[a]\rx = \xff\n", "line 2: not UTF-8"),
])
def test_preflight_names_the_line(tmp_path, content, words):
    path = tmp_path / "credentials"
    path.write_bytes(content)
    with pytest.raises(CredentialsFileError) as info:
        credentials.preflight(path, "dev")
    assert words in str(info.value) and str(path) in str(info.value)
    assert path.read_bytes() == content


def test_preflight_refuses_a_bad_profile_name(tmp_path):
    with pytest.raises(CredentialsFileError, match="DEFAULT"):
        credentials.preflight(tmp_path / "credentials", "DEFAULT")


def test_preflight_parent_is_a_file(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(CredentialsFileError, match="is not a folder"):
        credentials.preflight(tmp_path / "file" / "sub" / "credentials")


@pytest.fixture
def immutable(tmp_path):
    """A folder nobody, not even root, can write into (chattr +i); skipped where the filesystem or the
    missing CAP_LINUX_IMMUTABLE does not allow it."""
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "credentials").write_text("[a]\nx = 1\n")
    if subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here: no folder that root cannot write to")
    yield folder
    subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_read_only_folder(immutable):
    path = immutable / "credentials"
    with pytest.raises(CredentialsFileError, match=f"the folder {immutable} is not writable"):
        credentials.preflight(path, "dev")
    with pytest.raises(CredentialsFileError, match="Could not write"):
        write(path)
    assert path.read_text() == "[a]\nx = 1\n"
    with pytest.raises(CredentialsFileError, match=f"the folder {immutable} is not writable"):
        credentials.preflight(immutable / "new" / "credentials", "dev")  # the folder would be made there


def _preflight_as_nobody(paths, queue):
    os.setgid(65534)
    os.setuid(65534)
    queue.put([str(_catch(lambda p=p: credentials.preflight(p, "dev"))) for p in paths])


def test_preflight_permissions_as_an_ordinary_user():
    # Root ignores mode bits: check the real permission logic in a child that gave up root.
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an ordinary user")
    root = pathlib.Path(tempfile.mkdtemp())
    try:
        root.chmod(0o755)
        (root / "ro").mkdir(mode=0o555)
        (root / "ro").chmod(0o555)
        (root / "secret").mkdir(mode=0o777)
        (root / "secret").chmod(0o777)
        (root / "secret" / "credentials").write_text("[a]\n")
        (root / "secret" / "credentials").chmod(0o600)
        paths = [root / "ro" / "credentials", root / "ro" / "sub" / "credentials",
                 root / "secret" / "credentials", root / "secret" / "new-credentials"]
        queue = multiprocessing.get_context("fork").SimpleQueue()
        child = multiprocessing.get_context("fork").Process(target=_preflight_as_nobody, args=(paths, queue))
        child.start()
        child.join()
        assert child.exitcode == 0
        ro, ro_sub, unreadable, fine = queue.get()
        assert f"the folder {root / 'ro'} is not writable" in ro
        assert f"the folder {root / 'ro'} is not writable" in ro_sub
        assert unreadable == f"Could not read {paths[2]}: Permission denied."
        assert fine == "None"
    finally:
        shutil.rmtree(root)


# --- The lock under ~/.aws/aws-sts/locks: taken only when nobody else could have planted it --------------------

def _planted_symlink(lock, target):
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.symlink_to(target)


def _foreign_file(lock, target):
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    os.chmod(lock, 0o600)
    os.chown(lock, 12345, 12345)


def _writable_folder(lock, target):
    lock.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(lock.parent, 0o777)


def _symlinked_folder(lock, target):
    lock.parent.parent.mkdir(parents=True, exist_ok=True)
    target.parent.joinpath("elsewhere").mkdir()
    lock.parent.symlink_to(target.parent / "elsewhere")


def _fifo_lock(lock, target):
    lock.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(lock, 0o600)


@pytest.mark.parametrize("plant, words", [
    (_planted_symlink, "is a symbolic link: remove it"),
    (_foreign_file, "is owned by another user (uid 12345): remove it"),
    (_writable_folder, "is writable by others (mode 0777): chmod 700 it"),
    (_symlinked_folder, "is a symbolic link: remove it"),
    (_fifo_lock, "named pipe"),
])
def test_a_lock_another_user_could_plant_stops_the_preflight_and_the_write(tmp_path, plant, words):
    path = tmp_path / "credentials"
    path.write_text("[a]\n")
    lock = credentials._lock_name(path.resolve())
    target = tmp_path / "victim" / "file"
    target.parent.mkdir()
    target.write_text("keep me")
    plant(lock, target)
    for attempt in (lambda: credentials.preflight(path, "dev"), lambda: write(path)):
        with pytest.raises(CredentialsFileError) as error:
            attempt()
        message = str(error.value)
        assert "\n" not in message and message.startswith(f"Cannot lock {path} safely: ") and words in message
    assert target.read_text() == "keep me" and path.read_text() == "[a]\n"


def test_as_root_a_lock_of_the_owner_of_the_aws_folder_is_taken(tmp_path, user_home):
    # The Docker image runs as root and hands what it writes to the owner of the mounted ~/.aws.
    assert os.geteuid() == 0
    path = tmp_path / "credentials"
    write(path)
    for folder in (user_home / ".aws", user_home / ".aws" / "aws-sts", user_home / ".aws" / "aws-sts" / "locks"):
        os.chown(folder, 1000, 1000)
    [lock] = (user_home / ".aws" / "aws-sts" / "locks").iterdir()
    os.chown(lock, 1000, 1000)
    credentials.preflight(path, "dev")
    write(path, creds=CREDS._replace(access_key_id="ASIASECOND"))
    assert "ASIASECOND" in path.read_text()
