"""Write temporary credentials into the AWS shared credentials file.

The file belongs to the user: we replace the keys of one profile and keep every other byte (other
profiles, comments, order, blank lines, line endings). A file botocore's configparser would not read is
never rewritten, nor is anything that is not a regular file. Writes are locked (the lock lives under
~/.aws/aws-sts/locks, out of the user's sight), atomic (temp file + fsync + rename) and leave mode 0600.
"""

from __future__ import annotations

import errno
import os
import pathlib
import re
import stat
from collections import namedtuple
from datetime import datetime, timezone

from aws_sts import inifile, store
from aws_sts.errors import CredentialsFileError
from aws_sts.strict_modes import KINDS as _KINDS
from aws_sts.timefmt import iso_utc

LOCK_TIMEOUT = 30  # seconds; a writer holds the lock for milliseconds
_FIELDS = "access_key_id secret_access_key session_token expiration"  # expiration: timezone-aware (UTC)


class TemporaryCredentials(namedtuple("TemporaryCredentials", _FIELDS)):
    """Keys STS issued. A named tuple, not a dataclass (~7 ms to import): read_profile() is on the still-valid
    skip's path, which must answer in a few tens of milliseconds (hashlib, tempfile: imported where used)."""

    __slots__ = ()

    def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
        return f"TemporaryCredentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"


_PLACEHOLDER = TemporaryCredentials("x", "x", "x", datetime(2000, 1, 1, tzinfo=timezone.utc))  # preflight


def check_profile_name(name: str) -> None:
    """Refuse a name botocore would not read back as that profile.

    configparser reads "[name]" back as exactly `name` unless the name is empty, holds a line break,
    is DEFAULT (the shared section, not a profile), or cannot be written as UTF-8 text.
    """
    try:
        name.encode("utf-8")
        ok = bool(name) and name != inifile.DEFAULT_SECTION and "\n" not in name and "\r" not in name
    except UnicodeEncodeError:
        ok = False
    if not ok:
        raise CredentialsFileError(f"Cannot write a profile named {name!r}: a profile name must be one line "
                                   "of text, not empty and not DEFAULT (the credentials file's shared section).")


def write_profile(path, profile: str, creds: TemporaryCredentials, *, region: str | None,
                  output: str | None, principal_arn: str | None = None) -> pathlib.Path:
    """Write/replace [profile]; return the real path written (symlink target).

    principal_arn: the role the credentials are for, kept as x_principal_arn (as saml2aws does), so that a
    later run for the same role can tell the profile still holds valid credentials for it."""
    return write_profiles(path, [(profile, creds, principal_arn)], region=region, output=output)


def write_profiles(path, profiles: list, *, region: str | None, output: str | None) -> pathlib.Path:
    """Write/replace every (profile, creds, principal_arn) of `profiles` in one locked, atomic rewrite: all of
    them or, on any error, none. Returns the real path written."""
    from filelock import FileLock, Timeout  # imported here to keep `aws-sts --help` fast

    edits = []
    for profile, creds, principal_arn in profiles:
        check_profile_name(profile)
        values = _profile_values(creds, region=region, output=output)
        if principal_arn is not None:
            values.append(("x_principal_arn", _one_line("x_principal_arn", principal_arn)))
        edits.append((profile, values))
    real, shown = _paths(path)
    try:
        store.make_folders(real.parent)
        lock = _lock_path(real)
        with FileLock(str(lock), timeout=LOCK_TIMEOUT, mode=0o600):
            folder_fd = os.open(real.parent, os.O_RDONLY | os.O_DIRECTORY)
            try:
                store.remove_temps(folder_fd, real.name)  # under the lock: any temp file is a killed writer's
                text = _decode(_read(real, shown) or b"", shown)
                for profile, values in edits:
                    text = _new_text(text, profile, values, shown)
                store.write_in(folder_fd, real.name, text.encode("utf-8"))
            finally:
                os.close(folder_fd)
    except Timeout:
        raise CredentialsFileError(f"{shown} is locked by another process ({lock}); "
                                   "try again in a moment.") from None
    except store.UnsafeError as exc:
        raise CredentialsFileError(f"Cannot lock {shown} safely: {exc}") from None
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise CredentialsFileError(f"Could not write {shown}: {reason}.\n"
                                   "The file was left as it was.") from None
    return real


def read_profile(path, profile: str) -> dict[str, str] | None:
    """The keys of [profile] as botocore reads them, or None when the file or the profile is missing or the
    file is not one botocore reads. Reads only: for a decision ("still valid?"), never for a rewrite."""
    real, shown = _paths(path)
    try:
        data = _read(real, shown)
        if data is None:
            return None
        parser = inifile.read_like_botocore(data.decode("utf-8"))
    except (CredentialsFileError, UnicodeDecodeError, OSError, inifile.configparser.Error):
        return None
    if profile == inifile.DEFAULT_SECTION or not parser.has_section(profile):
        return None
    return dict(parser.items(profile))


def preflight(path, profile: str | None = None) -> None:
    """Raise CredentialsFileError now if write_profile(path, profile, ...) would fail later.

    Lets the CLI stop before the sign-in instead of after it. Creates and changes nothing.
    A missing file is fine when its folder can be made and written.
    """
    if profile is not None:
        check_profile_name(profile)
    real, shown = _paths(path)
    data = _read(real, shown)
    if data is not None and profile is not None:  # a dry run, with the keys every write sets
        _new_text(_decode(data, shown), profile, _profile_values(_PLACEHOLDER, region=None, output=None), shown)
    elif data is not None:
        try:
            inifile.parse(inifile.split_lines(_decode(data, shown)))
        except inifile.IniError as exc:
            raise _parse_error(shown, exc) from None
    problem = _unwritable(real.parent)
    if problem:
        raise CredentialsFileError(f"Cannot write {shown}: {problem}.\n"
                                   "Fix that, or point AWS_SHARED_CREDENTIALS_FILE at another file.")
    # The lock goes to ~/.aws/aws-sts/locks (it must be safe to take: store's rule), else beside the file.
    try:
        store.check_lock(_lock_name(real), create=False)
    except store.UnsafeError as exc:
        raise CredentialsFileError(f"Cannot lock {shown} safely: {exc}") from None
    except OSError:  # the locks folder cannot be made: the lock goes beside the file, in the folder just checked
        pass


def _paths(path) -> tuple[pathlib.Path, str]:
    """The real path (symlinks resolved: we write through a link and keep it) and how to show it."""
    path = pathlib.Path(os.path.expanduser(os.fspath(path)))
    real = pathlib.Path(os.path.realpath(path))
    return real, str(path) if real == path.absolute() else f"{path} (-> {real})"


def _read(real: pathlib.Path, shown: str) -> bytes | None:
    """The file's bytes, or None when it does not exist. Only a regular file is ever opened: opening a
    FIFO blocks, and a device is not a file to rewrite."""
    try:
        _require_regular(os.stat(real), shown)
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except (FileNotFoundError, NotADirectoryError):  # no file (yet): the folder checks say more
        return None
    except OSError as exc:
        raise CredentialsFileError(f"Could not read {shown}: {exc.strerror or exc}.") from None
    try:
        _require_regular(os.fstat(fd), shown)  # it may have been swapped since the stat
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    except OSError as exc:
        raise CredentialsFileError(f"Could not read {shown}: {exc.strerror or exc}.") from None
    finally:
        os.close(fd)


def _require_regular(info: os.stat_result, shown: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise CredentialsFileError(f"{shown} is {kind}, not a regular file: it was left alone.\n"
                                   "Point AWS_SHARED_CREDENTIALS_FILE (or awsConfigPath) at a regular file.")


def _unwritable(folder: pathlib.Path) -> str | None:
    """Why files cannot be created in `folder` (made first if missing), or None. Changes nothing."""
    probe = folder
    while not os.path.lexists(probe):  # the folder that mkdir would create the rest in
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a folder"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"the folder {probe} is not writable"
    return None


def _lock_path(real: pathlib.Path) -> pathlib.Path:
    """~/.aws/aws-sts/locks/<sha256 of the real path>.lock: every writer of one file takes the same lock
    and the user's folder stays clean. Where that folder cannot be made (HOME read-only, e.g. in some
    containers) the lock goes beside the file, as it used to. store.UnsafeError: one another user could plant."""
    lock = _lock_name(real)
    try:
        store.check_lock(lock)  # makes the folders (never HOME itself) and the lock file, checked
    except OSError:  # not UnsafeError: that is no OSError
        return real.with_name(real.name + ".lock")
    return lock


def _lock_name(real: pathlib.Path) -> pathlib.Path:
    import hashlib  # here, not at the top: start-up time
    return store.root() / "locks" / (hashlib.sha256(os.fsencode(real)).hexdigest() + ".lock")


def _profile_values(creds: TemporaryCredentials, *, region, output) -> list[tuple[str, str]]:
    if creds.expiration.tzinfo is None:
        raise ValueError("TemporaryCredentials.expiration must be timezone-aware")
    expires = iso_utc(creds.expiration)  # x_security_token_expires, as saml2aws writes it
    values = [("output", output), ("region", region),
              ("aws_access_key_id", creds.access_key_id),
              ("aws_secret_access_key", creds.secret_access_key),
              ("aws_session_token", creds.session_token),
              # The original Node tool wrote it too; old SDKs (boto2) read this name.
              ("aws_security_token", creds.session_token),
              ("x_security_token_expires", expires)]
    return [(k, _one_line(k, v)) for k, v in values if v is not None]


def _one_line(key: str, value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError(f"{key} contains a line break")
    return value


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = len(re.findall(rb"\r\n|\r|\n", data[:exc.start])) + 1
        raise CredentialsFileError(f"{shown}, line {line}: not UTF-8 text. The file was not changed; "
                                   "fix or move it, then run again.") from None


def _parse_error(shown: str, error: inifile.IniError) -> CredentialsFileError:
    # Never quote the line: it may hold a secret key.
    return CredentialsFileError(f"{shown}, line {error.line}: {error.what}. The file was not changed; "
                                "fix or move it, then run again.")


def _new_text(text: str, profile: str, values: list[tuple[str, str]], shown: str) -> str:
    try:
        return inifile.set_keys(text, profile, values)
    except inifile.IniError as exc:
        raise _parse_error(shown, exc) from None
    except inifile.UnsafeEdit:
        raise CredentialsFileError(f"{shown}: writing [{profile}] would change how botocore reads the rest of "
                                   "the file. The file was not changed; edit or move it, then run again.") from None
