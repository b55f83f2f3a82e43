"""The folder where aws-sts keeps its own files: ~/.aws/aws-sts (0700), files in it 0600, written atomically.

What lives here is private to the user (stored IdP sessions are bearer secrets), so the folder is made 0700
whatever the umask, every file is 0600 from the moment it exists, a write is all or nothing, and a read opens
only a regular file of a bounded size (a named pipe would block, a device would never end).

Nothing here is used that another user could have planted or could read: see strict_modes (the rule ssh
applies to ~/.ssh).
"""

from __future__ import annotations

import errno
import os
import pathlib
import re
import stat
import time

from aws_sts import strict_modes
from aws_sts.strict_modes import FILE_MODE, FOLDER_MODE, StoreError, UnsafeError  # noqa: F401 - store's names

STALE_TEMP_SECONDS = 3600  # a temp file this old belongs to a writer that was killed before its rename
_CLOEXEC = strict_modes.CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_NOFOLLOW | _CLOEXEC
_TEMP_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # as mkstemp names them (and remove_temps finds them)


def root() -> pathlib.Path:
    """~/.aws/aws-sts, with HOME read now (tests and the Docker wrapper change it). Creates nothing."""
    return pathlib.Path(os.path.expanduser("~")) / ".aws" / "aws-sts"


def _parts_of(folder_path: pathlib.Path) -> tuple:
    """The names of `folder_path` below ~/.aws/aws-sts ("sessions",): ValueError for a folder outside it."""
    top = root()
    folder_path = pathlib.Path(os.path.abspath(folder_path))
    if folder_path != top and top not in folder_path.parents:
        raise ValueError(f"{folder_path} is not under {top}")
    return folder_path.relative_to(top).parts


def folder(*parts: str) -> pathlib.Path:
    """~/.aws/aws-sts[/parts], made (with missing parents) mode 0700 when missing, and checked: raises
    UnsafeError when it, or a folder above it up to ~/.aws/aws-sts, breaks the rule. Folders that exist are
    otherwise left as they are (the user may have chosen 0750). Raises OSError when it cannot be made or is no
    folder."""
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\0" in part:
            raise ValueError(f"not a folder name: {part!r}")
    fd, _ = strict_modes.open_folder(root().parent, parts, create=True)
    os.close(fd)
    return root().joinpath(*parts)


def make_folders(path: pathlib.Path) -> None:
    """Create `path` and any missing parents 0700 (like ~/.aws); leave existing ones alone."""
    missing = []
    while not os.path.lexists(path):
        missing.append(path)
        path = path.parent
    for new in reversed(missing):
        try:
            new.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue  # another aws-sts made it a moment ago: theirs, as it is
        os.chmod(new, FOLDER_MODE)  # mkdir's mode goes through the umask: make it exactly 0700


def write_private(path, data: bytes) -> None:
    """Replace `path` (under ~/.aws/aws-sts) with `data`, mode 0600, atomically: readers see the old file or
    the new one, never a part, and no temp file stays behind whatever goes wrong (KeyboardInterrupt included).
    The folders are checked first (UnsafeError); a symlink or another user's file at `path` is replaced, never
    written through. The folder must exist (see folder())."""
    path = pathlib.Path(path)
    dir_fd, _ = strict_modes.open_folder(root().parent, _parts_of(path.parent), create=False)
    if dir_fd is None:
        raise FileNotFoundError(errno.ENOENT, "no such folder", str(path.parent))
    try:
        write_in(dir_fd, path.name, data)
        remove_temps(dir_fd, path.name, older_than=STALE_TEMP_SECONDS)
    finally:
        os.close(dir_fd)


def write_in(dir_fd: int, name: str, data: bytes) -> None:
    """Replace `name` in the open folder `dir_fd` with `data`, mode 0600, atomically (temp file, fsync,
    rename, fsync of the folder): readers see the old file or the new one, and no temp file stays behind
    whatever goes wrong. Also the credentials file's writer (aws_sts.credentials), in its own folder."""
    fd, tmp = _create_temp(dir_fd, name)
    try:
        os.fchmod(fd, FILE_MODE)  # created 0600 but through the umask; exactly 0600 before any byte
        with os.fdopen(fd, "wb") as handle:
            fd = -1  # the handle owns it now
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the rename makes it visible
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except FileNotFoundError:
            pass
        raise
    try:
        os.fsync(dir_fd)  # makes the rename durable; some filesystems cannot fsync a folder: the file is in place
    except OSError:
        pass


def _create_temp(dir_fd: int, name: str) -> tuple:
    """A new file .<name>.XXXXXXXX.tmp in the folder, 0600, made by this call (O_EXCL, O_NOFOLLOW)."""
    for _ in range(100):
        suffix = "".join(_TEMP_CHARS[b % len(_TEMP_CHARS)] for b in os.urandom(8))
        tmp = f".{name}.{suffix}.tmp"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | _CLOEXEC
            return os.open(tmp, flags, FILE_MODE, dir_fd=dir_fd), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", name)


def remove_temps(dir_fd: int, name: str, older_than: float = 0) -> None:
    """Temp files of writers of `name` killed (SIGKILL, power loss) before their rename hold secrets nobody
    reads: remove those older than `older_than` seconds (0: all, for a caller that holds the file's lock, so
    that no live writer can own one). Best effort."""
    leftover = re.compile(re.escape(f".{name}.") + r"[a-z0-9_]{8}\.tmp")  # _create_temp's names
    cutoff = time.time() - older_than
    try:
        for entry in os.listdir(dir_fd):
            if leftover.fullmatch(entry):
                info = os.stat(entry, dir_fd=dir_fd, follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and (not older_than or info.st_mtime < cutoff):
                    os.unlink(entry, dir_fd=dir_fd)
    except OSError:
        pass


def read_private(path, max_bytes: int) -> bytes | None:
    """The bytes of `path` (under ~/.aws/aws-sts), or None when there is no such file or folder. Raises
    UnsafeError when the file or a folder above it breaks the rule, StoreError for anything else that is not a
    regular file, for a file over max_bytes, and when it cannot be read. Never blocks on a named pipe and never
    reads a device."""
    path = pathlib.Path(path)
    try:
        dir_fd, owners = strict_modes.open_folder(root().parent, _parts_of(path.parent), create=False)
    except NotADirectoryError:
        return None  # a file where a folder belongs: no stored file (writes will say what is wrong)
    except OSError as exc:
        raise StoreError(path.parent, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    if dir_fd is None:
        return None
    try:
        fd = strict_modes.open_file(dir_fd, path, _READ_FLAGS, owners)
    finally:
        os.close(dir_fd)
    if fd is None:
        return None
    try:
        if os.fstat(fd).st_size > max_bytes:
            raise StoreError(path, f"is larger than {max_bytes} bytes")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:  # it grew while we read
                raise StoreError(path, f"is larger than {max_bytes} bytes")
    except OSError as exc:
        raise StoreError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    finally:
        os.close(fd)


def check_lock(path, create: bool = True) -> None:
    """Make sure the lock file `path` (under ~/.aws/aws-sts) can be taken safely: its folders and, once made
    (0600, O_NOFOLLOW, when `create`), the file itself follow the rule. Raises UnsafeError (an AwsStsError:
    one line, exit 2) or OSError. With create=False (a preflight) nothing is made: missing parts are fine.

    The lock itself is then taken by path (filelock): in a folder only the user can write, nobody else can put
    anything else there in between."""
    path = pathlib.Path(path)
    dir_fd, owners = strict_modes.open_folder(root().parent, _parts_of(path.parent), create=create)
    if dir_fd is None:
        return
    try:
        fd = strict_modes.open_file(dir_fd, path, _READ_FLAGS | (os.O_CREAT if create else 0), owners)
    except StoreError as exc:
        if isinstance(exc, UnsafeError):
            raise
        raise UnsafeError(path, exc.reason, "remove it") from None
    finally:
        os.close(dir_fd)
    if fd is not None:
        os.close(fd)


def remove(path) -> bool:
    """Remove the file (or symlink) at `path` (under ~/.aws/aws-sts); True if there was one. A folder that breaks
    the rule is left alone (False): nothing in it was ours to use. Other errors (a folder there, no permission)
    raise OSError."""
    path = pathlib.Path(path)
    try:
        dir_fd, _ = strict_modes.open_folder(root().parent, _parts_of(path.parent), create=False)
    except (UnsafeError, NotADirectoryError):
        return False
    if dir_fd is None:
        return False
    try:
        os.unlink(path.name, dir_fd=dir_fd)
    except FileNotFoundError:
        return False
    finally:
        os.close(dir_fd)
    return True
