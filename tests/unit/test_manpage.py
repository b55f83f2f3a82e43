"""man/aws-sts.1 is generated from the real parser (scripts/make-manpage) and must be kept current."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MANPAGE = ROOT / "man" / "aws-sts.1"
REGENERATE = "run scripts/make-manpage and commit man/aws-sts.1"


def without_date(page: str) -> str:
    # argparse-manpage stamps the generation date into the .TH line
    return "".join(line for line in page.splitlines(keepends=True) if not line.startswith(".TH "))


def roff_to_text(page: str) -> str:
    """Roff source to plain words: font escapes out, '\\-' to '-'."""
    text = re.sub(r"\\f[BIRP]|\\[,/]", "", page)
    return text.replace("\\-", "-")


@pytest.fixture(scope="module")
def fresh_page(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("man") / "aws-sts.1"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make-manpage"), str(out)], check=True, cwd=ROOT)
    return out.read_text(encoding="utf-8")


def test_committed_manpage_is_current(fresh_page):
    assert MANPAGE.exists(), f"man/aws-sts.1 is missing: {REGENERATE}"
    committed = MANPAGE.read_text(encoding="utf-8")
    assert committed.startswith(".TH AWS\\-STS \"1\" ")
    assert without_date(committed) == without_date(fresh_page), f"man/aws-sts.1 is out of date: {REGENERATE}"


def test_every_help_option_is_in_the_manpage(fresh_page):
    help_text = subprocess.run(
        [sys.executable, "-m", "aws_sts", "--help"], check=True, cwd=ROOT, capture_output=True, text=True,
    ).stdout
    options = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", help_text.split("options:", 1)[-1]))
    assert {"--help", "--version", "--debug"} <= options, help_text
    page = roff_to_text(MANPAGE.read_text(encoding="utf-8"))
    missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", page))
    assert not missing, f"options in `aws-sts --help` but not in man/aws-sts.1: {missing}"


def test_manpage_names_the_environment_the_help_names():
    from aws_sts.cli import build_parser

    epilog = build_parser().epilog or ""
    page = roff_to_text(MANPAGE.read_text(encoding="utf-8"))
    missing = sorted(v for v in set(re.findall(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b", epilog)) if v not in page)
    assert not missing, f"environment variables in the --help epilog but not in man/aws-sts.1: {missing}"
