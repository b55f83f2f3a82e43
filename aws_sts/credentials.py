"""Write temporary credentials into the AWS shared credentials file.

The file belongs to the user: we replace the keys of one profile and keep every other byte (other
profiles, comments, order, blank lines, line endings). A file we cannot parse is never rewritten.
Writes are locked, atomic (temp file + fsync + rename) and leave the file mode 0600.
"""

from __future__ import annotations

import errno
import os
import pathlib
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone

from aws_sts.errors import CredentialsFileError

# Format of x_security_token_expires: ISO 8601 in UTC with a "Z", whole seconds
# (e.g. 2026-11-26T10:00:00Z), as saml2aws writes it and as datetime.fromisoformat reads it (3.11+).
EXPIRES_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
LOCK_TIMEOUT = 30  # seconds; a writer holds the lock for milliseconds

_SECTION = re.compile(r"\[(?P<name>[^\]]+)\]")
# Like configparser (which botocore uses): the key ends at the first "=" or ":".
_OPTION = re.compile(r"(?P<key>[^=:]*?)\s*[=:]")


@dataclass(frozen=True)
class TemporaryCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: datetime  # timezone-aware (UTC)

    def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
        return f"TemporaryCredentials(access_key_id={self.access_key_id!r}, expiration={self.expiration!r})"


def write_profile(path, profile: str, creds: TemporaryCredentials, *, region: str | None,
                  output: str | None) -> pathlib.Path:
    """Write/replace [profile]; return the real path written (symlink target)."""
    from filelock import FileLock, Timeout  # imported here to keep `aws-sts --help` fast

    if not profile or profile != profile.strip() or any(c in profile for c in "[]\r\n"):
        raise CredentialsFileError(f"Cannot write a profile named {profile!r}: "
                                   "use a name without brackets, line breaks or surrounding spaces.")
    values = _profile_values(creds, region=region, output=output)
    path = pathlib.Path(os.path.expanduser(os.fspath(path)))
    real = pathlib.Path(os.path.realpath(path))  # write through a symlink, keep the link
    shown = str(path) if real == path.absolute() else f"{path} (-> {real})"

    try:
        if not real.parent.is_dir():
            real.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(real.parent, 0o700)  # mkdir's mode goes through the umask: make it exactly 0700
        lock = FileLock(f"{real}.lock", timeout=LOCK_TIMEOUT, mode=0o600)
        with lock:
            try:
                data = real.read_bytes()
            except FileNotFoundError:
                data = b""
            text = _decode(data, shown)
            new_text = update_profile_text(text, profile, values, shown)
            _atomic_write(real, new_text.encode("utf-8"))
    except Timeout:
        raise CredentialsFileError(f"{shown} is locked by another process ({real}.lock); "
                                   "try again in a moment.") from None
    except OSError as exc:
        reason = "the disk is full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise CredentialsFileError(f"Could not write {shown}: {reason}.\n"
                                   "The file was left as it was.") from None
    return real


def check_file(path) -> None:
    """Raise CredentialsFileError now if `path` could not be updated later (unparsable, unreadable).

    Lets the CLI stop before the browser login instead of after it. A missing file is fine.
    """
    path = pathlib.Path(os.path.expanduser(os.fspath(path)))
    real = pathlib.Path(os.path.realpath(path))
    shown = str(path) if real == path.absolute() else f"{path} (-> {real})"
    try:
        data = real.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CredentialsFileError(f"Could not read {shown}: {exc.strerror or exc}.") from None
    _parse(_split_lines(_decode(data, shown)), shown)


def _profile_values(creds: TemporaryCredentials, *, region, output) -> list[tuple[str, str]]:
    if creds.expiration.tzinfo is None:
        raise ValueError("TemporaryCredentials.expiration must be timezone-aware")
    expires = creds.expiration.astimezone(timezone.utc).strftime(EXPIRES_FORMAT)
    values = [("output", output), ("region", region),
              ("aws_access_key_id", creds.access_key_id),
              ("aws_secret_access_key", creds.secret_access_key),
              ("aws_session_token", creds.session_token),
              # The original Node tool wrote it too; old SDKs (boto2) read this name.
              ("aws_security_token", creds.session_token),
              ("x_security_token_expires", expires)]
    for key, value in values:
        if value is not None and ("\n" in value or "\r" in value):
            raise ValueError(f"{key} contains a line break")
    return [(k, v) for k, v in values if v is not None]


def _decode(data: bytes, shown: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CredentialsFileError(f"{shown}, line {line}: not UTF-8 text. The file was not changed; "
                                   "fix or move it, then run again.") from None


def update_profile_text(text: str, profile: str, values: list[tuple[str, str]], shown: str = "") -> str:
    """Return text with [profile] holding `values`; everything else is kept as it was."""
    lines = _split_lines(text)
    nl = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    sections = _parse(lines, shown)

    if profile not in sections:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += nl
        if lines and lines[-1].strip():
            lines.append(nl)  # one blank line between the last section and ours
        lines.append(f"[{profile}]{nl}")
        lines.extend(f"{key} = {value}{nl}" for key, value in values)
        return "".join(lines)

    keys, last = sections[profile]
    replaced: dict[int, tuple[int, str]] = {}  # first line -> (line after its continuation, new line)
    missing = []
    for key, value in values:
        if key in keys:
            start, end = keys[key]
            replaced[start] = (end, f"{key} = {value}{nl}")
        else:
            missing.append(f"{key} = {value}{nl}")
    out, i = [], 0
    while i < len(lines):
        if i in replaced:
            end, new_line = replaced[i]
            out.append(new_line)
            i = end
        else:
            out.append(lines[i])
            i += 1
        # Missing keys go right after the section's last key (or its header): trailing blank lines
        # and comments usually introduce the next section, so they stay below.
        if i == last and missing:
            if not out[-1].endswith("\n"):
                out[-1] += nl
            out.extend(missing)
    return "".join(out)


def _split_lines(text: str) -> list[str]:
    """Lines with their own endings, so that "".join(lines) == text (str.splitlines also splits on
    characters configparser does not treat as line ends)."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _parse(lines: list[str], shown: str) -> dict[str, tuple[dict[str, tuple[int, int]], int]]:
    """Check the file the way botocore's configparser would and map it out.

    Returns {section: ({key: (first line, line after its continuation lines)}, line after the last
    key or the header)}, with 0-based line indexes. Raises CredentialsFileError naming the line.
    """

    def fail(number: int, what: str):
        # Never quote the line: it may hold a secret key.
        raise CredentialsFileError(f"{shown}, line {number}: {what}. The file was not changed; "
                                   "fix or move it, then run again.")

    sections: dict[str, tuple[dict[str, tuple[int, int]], int]] = {}
    header_line: dict[str, int] = {}
    current = None  # (keys, name) of the section being read
    key, key_indent = None, 0  # the key a more indented line would continue, and its indent
    for index, raw in enumerate(lines):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        indent = len(line) - len(line.lstrip())
        if key is not None and indent > key_indent:
            current[0][key] = (current[0][key][0], index + 1)
            sections[current[1]] = (current[0], index + 1)
            continue
        section = _SECTION.fullmatch(stripped)
        if section:
            name = section["name"]
            if name in sections:
                fail(index + 1, f"[{name}] appears a second time (first on line {header_line[name]})")
            header_line[name] = index + 1
            current, key = ({}, name), None
            sections[name] = (current[0], index + 1)
            continue
        option = _OPTION.match(stripped)
        if not option or not option["key"]:
            fail(index + 1, "expected [section], key = value, or a # comment")
        if current is None:
            fail(index + 1, "a key comes before any [section]")
        key, key_indent = option["key"].lower(), indent  # configparser: keys are case-insensitive
        if key in current[0]:
            fail(index + 1, f"{key} appears twice in [{current[1]}] "
                            f"(first on line {current[0][key][0] + 1})")
        current[0][key] = (index, index + 1)
        sections[current[1]] = (current[0], index + 1)
    return sections


def _atomic_write(real: pathlib.Path, data: bytes) -> None:
    # Temp file in the same directory so os.replace is an atomic rename on one filesystem;
    # mkstemp creates it 0600, so the secret is never readable by others, not even briefly.
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # data on disk before the rename makes it visible
        os.chmod(tmp, 0o600)
        os.replace(tmp, real)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    # Make the rename itself durable. Some filesystems cannot fsync a directory: the file is
    # already in place then, so that is not worth failing for.
    try:
        dir_fd = os.open(real.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
