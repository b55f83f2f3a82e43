"""StrictModes for ~/.aws/aws-sts: the check ssh makes of ~/.ssh, made of everything aws-sts keeps.

Nothing here is used that another user could have planted or could read, checked the way ssh checks ~/.ssh
(the rule, in check_folder() and check_file()):
- ~/.aws/aws-sts and every folder below it is a real folder (not a symbolic link), owned by the user, and not
  writable by its group or others;
- every file in them is a regular file (not a symbolic link, not a pipe or a device), owned by the user, with
  no other hard link, and neither readable nor writable by its group or others.
"The user" is the effective uid and, when that is root, also the owner of ~/.aws: the Docker image runs as
root and hands what it writes to the owner of the mounted ~/.aws (docker/entrypoint.sh). ~/.aws itself may be
a symlink (dotfiles) and is followed; nothing below it is. Folders are walked with file descriptors (openat,
O_NOFOLLOW) and every check is an fstat of what was opened, so nothing can be swapped between check and use.
What breaks the rule raises UnsafeError: its message says what is wrong and how to fix it, in one line.
"""

from __future__ import annotations

import errno
import os
import pathlib
import stat

from aws_sts.errors import EXIT_USAGE, AwsStsError

FOLDER_MODE = 0o700
FILE_MODE = 0o600
KINDS = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]
CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | CLOEXEC


class StoreError(Exception):
    """A stored file cannot be read: str() names the file and why, `reason` says only why."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = pathlib.Path(path)
        self.reason = reason


class UnsafeError(StoreError, AwsStsError):
    """A file or folder under ~/.aws/aws-sts breaks the rule (see the module's docstring): it is not used.
    str() is one line: the path, what is wrong, how to fix it. `path` is what is wrong (a folder or the file),
    `reason` what is wrong ("is a symbolic link"), `fix` the fix ("remove it")."""

    exit_code = EXIT_USAGE  # as the credentials file's own problems: the user fixes a file and runs again

    def __init__(self, path, reason: str, fix: str):
        super().__init__(path, reason)
        self.fix = fix
        self.args = (f"{path} {reason}: {fix}",)

    def __str__(self) -> str:
        return self.args[0]


def users(aws_owner: int | None) -> frozenset:
    """The uids whose files and folders are the user's: the effective uid, and when that is root, also the owner
    of ~/.aws (None: there is no ~/.aws)."""
    me = os.geteuid()
    return frozenset((me,)) if me != 0 or aws_owner is None else frozenset((me, aws_owner))


def check_folder(path, info: os.stat_result, owners: frozenset) -> None:
    """Raise UnsafeError unless `info` (an lstat or fstat of `path`) is a folder of the user's that nobody else
    can write."""
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeError(path, "is a symbolic link", "remove it (aws-sts makes the folder it needs)")
    if not stat.S_ISDIR(info.st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(path))
    if info.st_uid not in owners:
        raise UnsafeError(path, f"is owned by another user (uid {info.st_uid})", "remove it")
    if info.st_mode & 0o022:
        raise UnsafeError(path, f"is writable by others (mode {stat.S_IMODE(info.st_mode):04o})", "chmod 700 it")


def check_file(path, info: os.stat_result, owners: frozenset) -> None:
    """Raise StoreError (UnsafeError for what another user could have planted or could read) unless `info` (an
    lstat or fstat of `path`) is a regular file of the user's, with one link, that nobody else can read or write.
    """
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeError(path, "is a symbolic link", "remove it")
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in KINDS if test(info.st_mode)), "not a regular file")
        raise StoreError(path, f"is {kind}, not a regular file")
    if info.st_uid not in owners:
        raise UnsafeError(path, f"is owned by another user (uid {info.st_uid})", "remove it")
    if info.st_nlink != 1:
        raise UnsafeError(path, f"has {info.st_nlink} hard links (other names for the same file)", "remove it")
    if info.st_mode & 0o077:
        raise UnsafeError(path, f"is readable or writable by others (mode {stat.S_IMODE(info.st_mode):04o})",
                          "chmod 600 it")


def open_folder(aws: pathlib.Path, parts: tuple, create: bool) -> tuple:
    """(fd, owners) of `aws`/aws-sts[/parts] (`aws` is ~/.aws), every folder from aws-sts down opened with
    O_NOFOLLOW and checked by fstat; (None, owners) when one is missing and `create` is false. `create` makes
    the missing ones 0700 (and ~/.aws, never HOME). Raises UnsafeError, or OSError (NotADirectoryError where a
    file is, FileNotFoundError without HOME)."""
    try:
        fd = os.open(aws, os.O_RDONLY | os.O_DIRECTORY | CLOEXEC)  # ~/.aws may be a symlink: followed
    except FileNotFoundError:
        if not create:
            return None, users(None)
        try:
            os.mkdir(aws, FOLDER_MODE)  # fails without HOME: HOME itself is never made
            os.chmod(aws, FOLDER_MODE)  # mkdir's mode goes through the umask
        except FileExistsError:
            pass
        fd = os.open(aws, os.O_RDONLY | os.O_DIRECTORY | CLOEXEC)
    try:
        owners = users(os.fstat(fd).st_uid)
        path = aws
        for name in ("aws-sts",) + tuple(parts):
            path = path / name
            made = False
            try:
                child = os.open(name, _FOLDER_FLAGS, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    os.close(fd)
                    return None, owners
                try:
                    os.mkdir(name, FOLDER_MODE, dir_fd=fd)
                    made = True
                except FileExistsError:
                    pass  # another aws-sts made it a moment ago: checked below like any other
                child = _open_child_folder(fd, name, path)
            except OSError as exc:
                if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
                    raise
                child = _open_child_folder(fd, name, path)
            os.close(fd)
            fd = child
            if made:
                os.fchmod(fd, FOLDER_MODE)  # mkdir's mode goes through the umask: make it exactly 0700
            check_folder(path, os.fstat(fd), owners)
    except BaseException:
        os.close(fd)
        raise
    return fd, owners


def _open_child_folder(fd: int, name: str, path: pathlib.Path) -> int:
    try:
        return os.open(name, _FOLDER_FLAGS, dir_fd=fd)
    except OSError as exc:
        if exc.errno not in (errno.ENOTDIR, errno.ELOOP):
            raise
        if stat.S_ISLNK(os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode):
            raise UnsafeError(path, "is a symbolic link", "remove it (aws-sts makes the folder it needs)") from None
        raise


def open_file(dir_fd: int, path: pathlib.Path, flags: int, owners: frozenset, mode: int = FILE_MODE):
    """The fd of the file `path.name` in the (checked) folder dir_fd, opened with O_NOFOLLOW and checked by fstat
    (check_file); None when there is none. An lstat first keeps pipes and devices from being opened at all
    (opening some devices does something); the fstat is what decides."""
    created = False
    try:
        check_file(path, os.stat(path.name, dir_fd=dir_fd, follow_symlinks=False), owners)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            return None
        created = True
    except OSError as exc:
        raise StoreError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        fd = os.open(path.name, flags, mode, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # swapped for a symlink since the lstat
            raise UnsafeError(path, "is a symbolic link", "remove it") from None
        raise StoreError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        info = os.fstat(fd)
        if created and info.st_uid == os.geteuid() and stat.S_IMODE(info.st_mode) != mode:
            os.fchmod(fd, mode)  # made through the umask: exactly `mode`
            info = os.fstat(fd)
        check_file(path, info, owners)
    except BaseException:
        os.close(fd)
        raise
    return fd
