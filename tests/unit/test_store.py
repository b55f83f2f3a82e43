"""aws_sts.store on real files: ~/.aws/aws-sts made 0700 whatever the umask, files 0600 written all or nothing,
reads that never block on a named pipe, never read a device and never read more than they allow."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import store
from tests.helpers import examples

UMASKS = [0, 0o022, 0o077, 0o777]


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("HOME", str(path))
    return path


@pytest.fixture(params=UMASKS, ids=lambda m: f"umask{m:03o}")
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def within(seconds: float, call):
    """call() in a thread: fails (instead of hanging the run) when it has not returned in time."""
    box = {}

    def run():
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s (blocked?)"
    if "error" in box:
        raise box["error"]
    return box["value"]


# -- folder ------------------------------------------------------------------------------------------------

def test_folder_is_made_0700_with_its_parents_whatever_the_umask(home, umask):
    made = store.folder("sessions")
    assert made == home / ".aws" / "aws-sts" / "sessions"
    for path in (home / ".aws", home / ".aws" / "aws-sts", made):
        assert path.is_dir() and mode(path) == 0o700, (path, oct(mode(path)))
    assert store.folder() == home / ".aws" / "aws-sts"


def test_home_is_read_when_called(tmp_path, monkeypatch):
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        monkeypatch.setenv("HOME", str(tmp_path / name))
        assert store.folder("x") == tmp_path / name / ".aws" / "aws-sts" / "x"
        assert store.root() == tmp_path / name / ".aws" / "aws-sts"


def test_folders_the_user_made_are_left_as_they_are(home):
    (home / ".aws").mkdir(mode=0o755)
    (home / ".aws" / "aws-sts").mkdir()
    os.chmod(home / ".aws", 0o755)
    os.chmod(home / ".aws" / "aws-sts", 0o750)
    made = store.folder("sessions")
    assert mode(home / ".aws") == 0o755 and mode(home / ".aws" / "aws-sts") == 0o750
    assert mode(made) == 0o700


def test_a_symlinked_aws_folder_is_used(home, tmp_path):
    elsewhere = tmp_path / "dotfiles-aws"
    elsewhere.mkdir()
    (home / ".aws").symlink_to(elsewhere)
    store.folder("sessions")
    assert (elsewhere / "aws-sts" / "sessions").is_dir()


@pytest.mark.parametrize("name", ["aws-sts", "aws-sts/sessions"])
@pytest.mark.parametrize("plant, words", [
    (lambda p, elsewhere: p.symlink_to(elsewhere), "is a symbolic link: remove it"),
    (lambda p, elsewhere: p.mkdir() or os.chmod(p, 0o775), "is writable by others (mode 0775): chmod 700 it"),
    (lambda p, elsewhere: p.mkdir(mode=0o700) or os.chown(p, 12345, 12345),
     "is owned by another user (uid 12345): remove it"),
])
def test_a_folder_another_user_could_plant_is_refused_and_left_alone(home, tmp_path, name, plant, words):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (home / ".aws" / name).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    plant(home / ".aws" / name, elsewhere)
    with pytest.raises(store.UnsafeError) as error:
        store.folder("sessions")
    assert str(error.value).startswith(f"{home / '.aws' / name} {words}") and error.value.exit_code == 2
    with pytest.raises(store.UnsafeError):
        store.write_private(store.root() / "sessions" / "f.json", b"x")
    with pytest.raises(store.UnsafeError):
        store.read_private(store.root() / "sessions" / "f.json", 10)
    assert store.remove(store.root() / "sessions" / "f.json") is False
    assert list(elsewhere.iterdir()) == []  # nothing made through a symlinked folder


def test_as_root_the_owner_of_the_aws_folder_is_the_user(home):
    # The Docker image runs as root and hands its files to the owner of the mounted ~/.aws (entrypoint.sh).
    target = store.folder("sessions") / "f.json"
    store.write_private(target, b"kept")
    for path in (home / ".aws", store.root(), target.parent, target):
        os.chown(path, 1000, 1000)
    assert store.read_private(target, 10) == b"kept"
    os.chown(home / ".aws", 0, 0)  # ~/.aws is root's: files of uid 1000 are another user's
    with pytest.raises(store.UnsafeError, match=r"aws-sts is owned by another user \(uid 1000\)"):
        store.read_private(target, 10)


def test_a_hard_link_is_refused(home, tmp_path):
    target = store.folder() / "f.json"
    store.write_private(target, b"x")
    os.link(target, tmp_path / "another-name")
    with pytest.raises(store.UnsafeError, match="has 2 hard links"):
        store.read_private(target, 10)


@pytest.mark.parametrize("blocker", [".aws", ".aws/aws-sts", ".aws/aws-sts/sessions"])
def test_a_file_where_a_folder_belongs_raises_oserror(home, blocker):
    (home / blocker).parent.mkdir(parents=True, exist_ok=True)
    (home / blocker).write_text("x")
    with pytest.raises(OSError):
        store.folder("sessions")
    assert (home / blocker).read_text() == "x"


def test_home_itself_is_never_made(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "missing"))
    with pytest.raises(OSError):
        store.folder("sessions")
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("part", ["", ".", "..", "a/b", "/abs", "a\0b"])
def test_folder_names_stay_inside(home, part):
    with pytest.raises(ValueError):
        store.folder(part)


# -- write_private -----------------------------------------------------------------------------------------

def test_written_file_is_0600_whatever_the_umask(home, umask):
    target = store.folder() / "f.json"
    store.write_private(target, b"one")
    assert target.read_bytes() == b"one" and mode(target) == 0o600
    os.chmod(target, 0o644)  # an older file, looser: the next write makes it 0600 again
    store.write_private(target, b"two")
    assert target.read_bytes() == b"two" and mode(target) == 0o600
    assert sorted(os.listdir(target.parent)) == ["f.json"]


@settings(max_examples=examples(500), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=st.lists(st.binary(max_size=3000), min_size=1, max_size=4))
def test_the_last_write_is_read_back_and_nothing_else_is_left(home, contents):
    target = store.folder() / "f.bin"
    for data in contents:
        store.write_private(target, data)
    assert store.read_private(target, 3000) == contents[-1]
    assert os.listdir(target.parent) == ["f.bin"] and mode(target) == 0o600


class Boom(Exception):
    pass


@pytest.mark.parametrize("error", [KeyboardInterrupt, OSError, Boom])
@pytest.mark.parametrize("where", ["fchmod", "fsync", "replace"])
def test_a_failed_write_leaves_the_old_file_and_no_temp_file(home, monkeypatch, where, error):
    target = store.folder() / "f.json"
    store.write_private(target, b"old")
    real = getattr(os, where)
    calls = []

    def fail(*args, **kwargs):
        calls.append(args)
        raise error("injected")

    monkeypatch.setattr(os, where, fail)
    with pytest.raises(error):
        store.write_private(target, b"new" * 1000)
    monkeypatch.setattr(os, where, real)
    assert calls, "the fault was never injected"
    assert target.read_bytes() == b"old"
    assert os.listdir(target.parent) == ["f.json"]


def test_a_failed_first_write_leaves_nothing(home, monkeypatch):
    target = store.folder() / "f.json"
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        store.write_private(target, b"secret")
    assert os.listdir(target.parent) == []


def test_a_symlink_is_replaced_not_written_through(home, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me")
    target = store.folder() / "f.json"
    target.symlink_to(outside)
    store.write_private(target, b"new")
    assert outside.read_bytes() == b"keep me"
    assert not target.is_symlink() and target.read_bytes() == b"new" and mode(target) == 0o600


def test_old_leftovers_of_killed_writers_are_removed_and_fresh_ones_kept(home):
    folder = store.folder()
    old, fresh = folder / ".f.json.abcd1234.tmp", folder / ".f.json.efgh5678.tmp"
    other = folder / ".g.json.abcd1234.tmp"  # another file's: never touched by this file's writes
    for path in (old, fresh, other):
        path.write_bytes(b"x")
    stale = time.time() - store.STALE_TEMP_SECONDS - 60
    os.utime(old, (stale, stale))
    os.utime(other, (stale, stale))
    store.write_private(folder / "f.json", b"new")
    assert not old.exists() and fresh.exists() and other.exists()


# -- read_private ------------------------------------------------------------------------------------------

def test_missing_file_and_folder_read_as_none_and_a_dangling_link_is_refused(home, tmp_path):
    assert store.read_private(store.root() / "missing.json", 10) is None  # not even ~/.aws/aws-sts yet
    folder = store.folder()
    assert store.read_private(folder / "missing.json", 10) is None
    assert store.read_private(folder / "missing" / "below.json", 10) is None
    (folder / "dangling.json").symlink_to(tmp_path / "nowhere")
    with pytest.raises(store.UnsafeError, match="is a symbolic link: remove it"):
        store.read_private(folder / "dangling.json", 10)


def test_size_limit_is_exact(home):
    target = store.folder() / "f"
    target.write_bytes(b"x" * 100)
    target.chmod(0o600)
    assert store.read_private(target, 100) == b"x" * 100
    with pytest.raises(store.StoreError, match="larger than 99 bytes"):
        store.read_private(target, 99)


def test_a_huge_file_is_refused_without_reading_it(home):
    target = store.folder() / "f"
    with open(target, "wb") as handle:
        handle.truncate(1 << 40)  # sparse: a terabyte that takes no disk
    target.chmod(0o600)
    error = within(5, lambda: pytest.raises(store.StoreError, store.read_private, target, 1 << 20))
    assert "larger than" in str(error.value) and str(target) in str(error.value)


def test_a_file_longer_than_its_stated_size_is_cut_off_at_the_limit(home, monkeypatch):
    # /proc files say they are empty and are not: the limit holds for what is read, not what stat says.
    target = store.folder() / "f"
    target.write_bytes(b"x" * 100)
    target.chmod(0o600)
    real_fstat = os.fstat

    def says_empty(fd):
        info = real_fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return info
        fields = list(info)
        fields[stat.ST_SIZE] = 0
        return os.stat_result(fields)

    monkeypatch.setattr(os, "fstat", says_empty)
    with pytest.raises(store.StoreError, match="larger than 10 bytes"):
        store.read_private(target, 10)


def test_a_file_swapped_for_a_pipe_after_the_check_is_not_waited_on(home, monkeypatch):
    regular, pipe = store.folder() / "regular", store.folder() / "pipe"
    regular.write_bytes(b"x")
    regular.chmod(0o600)
    os.mkfifo(pipe, 0o600)
    real_stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *a, **k: real_stat("regular" if path == "pipe" else path, *a, **k))
    try:
        error = within(5, lambda: pytest.raises(store.StoreError, store.read_private, pipe, 10))
    finally:
        try:
            os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # lets a blocked open() go
        except OSError:
            pass
    assert "named pipe" in error.value.reason


def test_a_symlink_to_a_regular_file_is_refused(home, tmp_path):
    (tmp_path / "real").write_bytes(b"data")
    (tmp_path / "real").chmod(0o600)
    (store.folder() / "link").symlink_to(tmp_path / "real")
    with pytest.raises(store.UnsafeError) as error:
        store.read_private(store.folder() / "link", 10)
    assert str(error.value) == f"{store.folder() / 'link'} is a symbolic link: remove it"


def _fifo(path):
    os.mkfifo(path)


def _device(path):
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # /dev/zero's numbers (the tests run as root)
    except PermissionError:  # a container without CAP_MKNOD (the bare-Debian proof under podman)
        pytest.skip("this machine does not let the tests make a device node")


def _folder(path):
    os.mkdir(path)


def _socket(path):
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()


@pytest.mark.parametrize("make, kind", [(_fifo, "named pipe"), (_device, "character device"),
                                        (_folder, "folder"), (_socket, "socket")])
def test_not_a_regular_file_is_refused_at_once(home, make, kind):
    target = store.folder() / "f.json"
    make(target)
    try:
        error = within(5, lambda: pytest.raises(store.StoreError, store.read_private, target, 1 << 20))
    finally:
        if kind == "named pipe":  # had the read blocked in open(), a writer lets it go
            try:
                os.close(os.open(target, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:
                pass
    assert kind in error.value.reason and str(target) in str(error.value)


# -- remove ------------------------------------------------------------------------------------------------

def test_remove_says_whether_there_was_a_file(home, tmp_path):
    target = store.folder() / "f.json"
    target.write_bytes(b"x")
    assert store.remove(target) is True and not target.exists()
    assert store.remove(target) is False
    assert store.remove(store.folder() / "no" / "such") is False
    (tmp_path / "real").write_bytes(b"kept")
    target.symlink_to(tmp_path / "real")
    assert store.remove(target) is True and (tmp_path / "real").read_bytes() == b"kept"


# -- the ssh-like rule: nothing another user could plant or read is used -----------------------------------------

OTHER = 12345  # another user (the tests run as root, so they can hand a file to anyone)
FOLDER_KINDS = ["folder", "symlink to a folder"]
FILE_KINDS = ["missing", "regular", "symlink to a regular file", "symlink to a folder", "fifo", "hard link"]


def _owner(who: str, aws_owner: int) -> int:
    return {"me": os.geteuid(), "aws": aws_owner, "other": OTHER}[who]


def _make_folder(path, kind, mode, uid, elsewhere):
    real = elsewhere / f"real-{path.name}" if kind != "folder" else path
    real.mkdir()
    os.chmod(real, mode)
    os.chown(real, uid, -1)
    if kind != "folder":
        path.symlink_to(real)


def _make_file(path, kind, mode, uid, elsewhere, data):
    if kind == "missing":
        return
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "symlink to a folder":
        (elsewhere / "a-folder").mkdir()
        path.symlink_to(elsewhere / "a-folder")
        return
    else:
        real = elsewhere / "real-file" if kind == "symlink to a regular file" else path
        real.write_bytes(data)
        if kind == "symlink to a regular file":
            path.symlink_to(real)
        elif kind == "hard link":
            os.link(path, elsewhere / "another-name")
        path = real
    os.chmod(path, mode)
    os.chown(path, uid, -1)


def expected(layout, users) -> tuple:
    """What the rule says about reading `sessions/f.json` in `layout`: ("ok", None), ("absent", None),
    ("unsafe", the path's name) or ("refused", the path's name): a model of the module's docstring, written
    apart from the code."""
    for name in ("aws-sts", "sessions"):
        kind, mode, uid = layout[name]
        if kind != "folder" or uid not in users or mode & 0o022:
            return "unsafe", name
    kind, mode, uid = layout["f.json"]
    if kind == "missing":
        return "absent", None
    if kind.startswith("symlink"):
        return "unsafe", "f.json"
    if kind == "fifo":
        return "refused", "f.json"
    if uid not in users or kind == "hard link" or mode & 0o077:
        return "unsafe", "f.json"
    return "ok", None


@settings(max_examples=examples(600), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folders=st.lists(st.tuples(st.sampled_from(FOLDER_KINDS), st.sampled_from([0o700, 0o755, 0o775, 0o777, 0o750]),
                                  st.sampled_from(["me", "aws", "other"])), min_size=2, max_size=2),
       file=st.tuples(st.sampled_from(FILE_KINDS), st.sampled_from([0o600, 0o400, 0o640, 0o644, 0o666]),
                      st.sampled_from(["me", "aws", "other"])),
       aws_owner=st.sampled_from([0, OTHER, 4242]))
def test_a_stored_file_is_used_exactly_when_the_rule_allows_it(tmp_path_factory, monkeypatch, folders, file,
                                                               aws_owner):
    base = tmp_path_factory.mktemp("rule")
    home, elsewhere = base / "home", base / "elsewhere"
    home.mkdir()
    elsewhere.mkdir()
    monkeypatch.setenv("HOME", str(home))
    (home / ".aws").mkdir(mode=0o700)
    os.chown(home / ".aws", aws_owner, -1)
    users = {os.geteuid(), aws_owner}  # as root: me, and the owner of ~/.aws (the Docker image's case)
    layout = {}
    parent = home / ".aws"
    for name, (kind, mode_, who) in zip(("aws-sts", "sessions"), folders):
        uid = _owner(who, aws_owner)
        _make_folder(parent / name, kind, mode_, uid, elsewhere)
        layout[name] = (kind, mode_, uid)
        parent = parent / name
    target = parent / "f.json"
    kind, mode_, who = file
    data = b'{"planted": true}'
    _make_file(target, kind, mode_, _owner(who, aws_owner), elsewhere, data)
    layout["f.json"] = (kind, mode_, _owner(who, aws_owner))
    outside = {p: p.read_bytes() for p in elsewhere.rglob("*") if p.is_file() and not p.is_fifo()}

    verdict, culprit = expected(layout, users)
    # read_private: the bytes exactly when the rule allows; otherwise None or StoreError, nothing else
    try:
        got = within(5, lambda: store.read_private(target, 1 << 10))
    except store.UnsafeError as exc:
        assert verdict == "unsafe" and exc.path.name == culprit, (layout, verdict, culprit, str(exc))
        assert "\n" not in str(exc) and str(exc).startswith(str(exc.path) + " ")
        assert any(fix in str(exc) for fix in (": remove it", ": chmod 700 it", ": chmod 600 it"))
    except store.StoreError as exc:
        assert verdict == "refused" and exc.path.name == culprit, (layout, verdict, str(exc))
    else:
        assert (verdict, got) in (("ok", data), ("absent", None)), (layout, verdict, got)

    # check_lock (the lock's check, before a sign-in): passes exactly when the same file would be read
    lock_ok = verdict in ("ok", "absent")
    try:
        within(5, lambda: store.check_lock(target, create=False))
    except store.UnsafeError:
        assert not lock_ok
    else:
        assert lock_ok, (layout, verdict)

    # write_private: only into folders that keep the rule, never through a link, never left readable by others
    folders_ok = culprit != "aws-sts" and culprit != "sessions"
    try:
        store.write_private(target, b"new")
    except store.UnsafeError as exc:
        assert not folders_ok and exc.path.name == culprit
    else:
        assert folders_ok
        assert store.read_private(target, 10) == b"new"  # now a file of the user's that keeps the rule
    assert {p: p.read_bytes() for p in outside} == outside  # nothing outside written through a link
