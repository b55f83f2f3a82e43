"""The folder where aws-sts keeps its own files: ~/.aws/aws-sts (0700), files in it 0600, written atomically.

What lives here is private to the user (stored IdP sessions are bearer secrets), so the folder is made 0700
whatever the umask, every file is 0600 from the moment it exists, a write is all or nothing, and a read opens
only a regular file of a bounded size (a named pipe would block, a device would never end).
"""

from __future__ import annotations

import os
import pathlib
import re
import stat
import time

FOLDER_MODE = 0o700
FILE_MODE = 0o600
STALE_TEMP_SECONDS = 3600  # a temp file this old belongs to a writer that was killed before its rename
_KINDS = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")]


class StoreError(Exception):
    """A stored file cannot be read: str() names the file and why, `reason` says only why."""

    def __init__(self, path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = pathlib.Path(path)
        self.reason = reason


def root() -> pathlib.Path:
    """~/.aws/aws-sts, with HOME read now (tests and the Docker wrapper change it). Creates nothing."""
    return pathlib.Path(os.path.expanduser("~")) / ".aws" / "aws-sts"


def folder(*parts: str) -> pathlib.Path:
    """~/.aws/aws-sts[/parts], made (with missing parents) mode 0700 when missing. Folders that exist are left
    as they are: the user may have chosen their mode. Raises OSError when it cannot be made or is no folder."""
    for part in parts:
        if not part or part in (".", "..") or "/" in part or "\0" in part:
            raise ValueError(f"not a folder name: {part!r}")
    home = pathlib.Path(os.path.expanduser("~"))
    if not home.is_dir():
        raise NotADirectoryError(f"the home folder {home} does not exist")  # never create HOME itself
    path = root().joinpath(*parts)
    make_folders(path)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    return path


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
    """Replace `path` with `data`, mode 0600, atomically: readers see the old file or the new one, never a
    part, and no temp file stays behind whatever goes wrong (KeyboardInterrupt included). A symlink at
    `path` is replaced by the file, never written through. The folder must exist (see folder())."""
    import tempfile  # here, not at the top: start-up time (it imports random, hashlib, shutil)

    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)  # mkstemp asks for 0600 but through the umask; exactly 0600 before any byte
        with os.fdopen(fd, "wb") as handle:
            fd = -1  # the handle owns it now
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the data is on disk before the rename makes it visible
        os.replace(tmp, path)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_folder(path.parent)
    _remove_stale_temps(path)


def _fsync_folder(folder_path: pathlib.Path) -> None:
    # Makes the rename durable. Some filesystems cannot fsync a folder; the file is in place anyway.
    try:
        dir_fd = os.open(folder_path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _remove_stale_temps(path: pathlib.Path) -> None:
    """Temp files of writers killed (SIGKILL, power loss) before their rename hold secrets nobody reads:
    remove those old enough that no live writer can still own them. Best effort."""
    leftover = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")  # mkstemp's names above
    cutoff = time.time() - STALE_TEMP_SECONDS
    try:
        for entry in os.scandir(path.parent):
            if leftover.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
    except OSError:
        pass


def read_private(path, max_bytes: int) -> bytes | None:
    """The bytes of `path`, or None when there is no such file. Raises StoreError for anything that is not a
    regular file (a symlink to one is fine), for a file over max_bytes, and when it cannot be read. Never
    blocks on a named pipe and never reads a device."""
    path = pathlib.Path(path)
    try:
        _require_regular(path, os.stat(path))  # before open: opening some devices does something
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise StoreError(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from None
    try:
        info = os.fstat(fd)
        _require_regular(path, info)  # it may have been swapped since the stat
        if info.st_size > max_bytes:
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


def _require_regular(path: pathlib.Path, info: os.stat_result) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _KINDS if test(info.st_mode)), "not a regular file")
        raise StoreError(path, f"is {kind}, not a regular file")


def remove(path) -> bool:
    """Remove the file (or symlink) at `path`; True if there was one. Other errors (a folder there, no
    permission) raise OSError."""
    try:
        os.unlink(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return True
