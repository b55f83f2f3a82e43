"""The documentation says what the code does: README.md's usage block is `aws-sts --help`, its relative links
(and those of CONTRIBUTING.md and docs/) lead somewhere, it stays short, and "Try it: two commands" holds the
two commands CI runs (tests/container/fresh-machine.sh reads them from there). Also bin/aws-sts, which
CONTRIBUTING.md says runs from a checkout."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from aws_sts import __version__
from aws_sts.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
MAX_README_BYTES = 16_000
HELP_COLUMNS = "100"
FENCE = re.compile(r"^(```|~~~)")


def section(text: str, heading: str) -> str:
    """The lines under `heading` (a whole line) up to the next heading of the same or a higher level."""
    lines = text.splitlines()
    level = len(heading) - len(heading.lstrip("#"))
    start = lines.index(heading) + 1
    end = next((i for i in range(start, len(lines))
                if re.match(r"#{1,%d} " % level, lines[i]) and not in_fence(lines, i)), len(lines))
    return "\n".join(lines[start:end])


def in_fence(lines: list, index: int) -> bool:
    return sum(1 for line in lines[:index] if FENCE.match(line)) % 2 == 1


def first_block(text: str, info: str = "") -> str:
    """The body of the first fenced block in text (the first ```info one, when info is given)."""
    match = re.search(r"^```%s\n(.*?)^```$" % (re.escape(info) if info else r"[^\n`]*"), text, re.S | re.M)
    assert match, f"no ```{info} block found"
    return match.group(1)


def help_text() -> str:
    """`aws-sts --help` with no config file, at the width COLUMNS sets (argparse asks shutil.get_terminal_size,
    which reads COLUMNS first)."""
    text = build_parser().format_help()
    return text.replace("\noptional arguments:\n", "\noptions:\n")  # Python 3.9 says "optional arguments"


def test_the_usage_block_is_aws_sts_help(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")  # Python 3.14's argparse colours help when it may
    monkeypatch.setenv("COLUMNS", HELP_COLUMNS)
    documented = first_block(section(README.read_text(), "## Usage"), "text")
    actual = help_text()
    if documented != actual:
        diff = "".join(difflib.unified_diff(documented.splitlines(True), actual.splitlines(True),
                                            "README.md (## Usage)", "aws-sts --help"))
        pytest.fail("README.md's usage block is not what `aws-sts --help` prints. Replace the body of the ```text "
                    f"block under \"## Usage\" with the output of\n    COLUMNS={HELP_COLUMNS} aws-sts --help   "
                    "(run with no config.json around, e.g. from /tmp)\nwhich is:\n\n"
                    f"{actual}\nThe difference:\n{diff}", pytrace=False)


def test_the_readme_is_short():
    size = len(README.read_bytes())
    assert size <= MAX_README_BYTES, (f"README.md is {size} bytes, more than {MAX_README_BYTES}: it is for users; "
                                      "move details to docs/ or CONTRIBUTING.md and link them")


def test_try_it_holds_exactly_the_two_commands_ci_runs():
    """As tests/container/fresh-machine.sh reads them: the non-empty lines of the first fenced block under
    the heading, run as shell lines (so a comment after a command is fine)."""
    block = first_block(section(README.read_text(), "## Try it: two commands"))
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_try_it_states_the_prerequisites_the_fresh_machine_installs():
    script = (ROOT / "tests/container/fresh-machine.sh").read_text()
    packages = re.search(r"^PREREQUISITES=\((.*)\)$", script, re.M).group(1)
    assert f"`sudo apt-get install {packages}`" in section(README.read_text(), "## Try it: two commands")


# ------------------------------------------------------------------------------------------- links

LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.M)


def documents() -> list:
    return [README, ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]


def outside_code(text: str) -> str:
    """text without fenced blocks and inline code, where a [x](y) is not a link."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            kept.append(re.sub(r"`[^`]*`", "", line))
    return "\n".join(kept)


def anchors(path: Path) -> set:
    """The anchors GitHub makes of a Markdown file's headings: lower case, punctuation dropped, spaces to -."""
    found, fenced = set(), False
    text = path.read_text()
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,6} ", line):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return found


def relative_links(path: Path) -> list:
    text = outside_code(path.read_text())
    targets = LINK.findall(text) + REFERENCE.findall(text)
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I)]  # not https:, mailto: ...


def test_the_documents_exist():
    for path in documents()[:2]:
        assert path.is_file(), path
    assert len(documents()) > 2, "docs/*.md is missing"


@pytest.mark.parametrize("path", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(path):
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            broken.append(f"{target}: {linked} does not exist")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: {linked.name} has no heading whose anchor is #{anchor}")
        elif file_part and ROOT not in linked.parents:
            broken.append(f"{target}: outside the repository")
    assert not broken, f"{path.relative_to(ROOT)}: broken links:\n" + "\n".join(broken)


def test_the_link_check_sees_links():
    assert "docs/organisation.md" in relative_links(README)
    assert "try-it-two-commands" in anchors(README)


# ----------------------------------------------------------------------------------- bin/aws-sts

LAUNCHER = ROOT / "bin" / "aws-sts"


def run_launcher(launcher: Path, *args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    """The launcher under this Python without site-packages (-S) and without PYTHON* variables (-E): a checkout
    run with a bare system python3, none of aws-sts's dependencies importable."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "LC_ALL": "C.UTF-8"}
    return subprocess.run([sys.executable, "-S", "-E", str(launcher), *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)


def test_bin_aws_sts_runs_from_a_checkout(tmp_path):
    done = run_launcher(LAUNCHER, "--version", cwd=tmp_path, home=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"aws-sts {__version__}\n", "")
    link = tmp_path / "aws-sts"
    link.symlink_to(LAUNCHER)  # e.g. ~/bin/aws-sts -> the checkout's
    assert run_launcher(link, "--version", cwd=tmp_path, home=tmp_path).stdout == f"aws-sts {__version__}\n"


def test_bin_aws_sts_names_a_missing_dependency(tmp_path):
    config = tmp_path / "config.json"
    config.write_text((ROOT / "config.example.json").read_text())
    for args in (["--format", "process"], ["--username", "u", "--password", "p", "--otp", "123456"]):
        done = run_launcher(LAUNCHER, "--config", str(config), *args, cwd=tmp_path, home=tmp_path)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
        assert re.search(r"^aws-sts: the Python package '(\w+)' is missing: install aws-sts \(pipx install \. "
                         r"or make setup\)$", done.stderr, re.M), done.stderr
        assert not (tmp_path / ".aws" / "credentials").exists()


def test_an_installed_bin_aws_sts_does_not_take_its_folder_for_a_checkout(tmp_path):
    """Installed, the launcher sits in <environment>/bin: nothing is put on sys.path (here, with no aws_sts
    installed, the import fails as Python says it, not with the missing-dependency line)."""
    installed = tmp_path / "venv" / "bin" / "aws-sts"
    installed.parent.mkdir(parents=True)
    installed.write_text(LAUNCHER.read_text())
    done = run_launcher(installed, "--version", cwd=tmp_path, home=tmp_path)
    assert done.returncode == 1 and "No module named 'aws_sts'" in done.stderr
    assert "is missing: install" not in done.stderr
