"""The shape of the package: no import circle, one list of providers, nothing heavy at start-up."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "aws_sts"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(path: Path, name: str, known: set) -> set:
    """Every aws_sts module this one imports, at the top or inside a function (`from x import y` counts y
    when y is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in found if m in known and m != name}


def test_no_module_imports_one_that_imports_it_back():
    mods = modules()
    graph = {name: imports_of(path, name, set(mods)) for name, path in mods.items()}

    def reaches(start, goal, seen):
        for nxt in graph[start]:
            if nxt == goal:
                return True
            if nxt not in seen:
                seen.add(nxt)
                if reaches(nxt, goal, seen):
                    return True
        return False

    # A package's __init__ importing its own submodule (the registry naming its providers) is not a circle
    # unless the submodule needs the package back; that case is caught like any other.
    circles = sorted(name for name in graph if reaches(name, name, set()))
    assert circles == []


def test_config_takes_provider_names_from_the_registry():
    from aws_sts import config, providers

    assert "okta" in providers.names()
    assert not hasattr(config, "PROVIDERS")  # no second list to keep in step


def imported_by(*args: str) -> set:
    """The modules a new Python process imports for `python -X importtime ARGS`."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, check=True)
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}


HEAVY = {"argparse", "boto3", "botocore", "playwright", "questionary", "prompt_toolkit", "typing", "dataclasses",
         "publicsuffixlist", "filelock", "asyncio", "urllib.request", "http.cookiejar", "defusedxml", "aws_sts.cli",
         "aws_sts.config", "argcomplete"}


def test_version_imports_nothing_heavy():
    modules = imported_by("-m", "aws_sts", "--version")
    assert "aws_sts" in modules and not modules & HEAVY


def test_the_fast_paths_import_nothing_heavy():
    """The still-valid skip and a cache hit run the CLI's parser, the config and aws_sts.fastpath: standard
    library and light modules only (benchmarks/bench.py measures them)."""
    modules = imported_by("-c", "import aws_sts.cli")
    assert {"aws_sts.fastpath", "aws_sts.cache", "aws_sts.still_valid"} <= modules
    assert not modules & (HEAVY - {"argparse", "aws_sts.cli", "aws_sts.config"})
    assert not {m for m in modules if m.startswith(("aws_sts.providers.", "aws_sts.commands."))} - {
        "aws_sts.providers.origin"}


LEAVE = """
import sys
{heavy}
from aws_sts.cli import leave
import atexit
atexit.register(lambda: sys.stderr.write("tear-down ran\\n"))
print("answer", end="")
sys.stderr.write("status")
leave(3)
"""


def test_leave_skips_the_tear_down_only_after_heavy_imports_and_loses_no_output():
    """cli.leave: after a run that loaded Playwright or boto3, os._exit with stdout and stderr flushed (the
    tear-down collects their modules for ~0.1 s); the fast path and --debug exit as usual."""
    def run(heavy: str, *args: str):
        return subprocess.run([sys.executable, "-c", LEAVE.format(heavy=heavy), *args], cwd=PACKAGE.parent,
                              capture_output=True, text=True, timeout=60)

    fast = run("")
    assert (fast.returncode, fast.stdout) == (3, "answer") and "tear-down ran" in fast.stderr
    for heavy in ("import botocore", "import playwright.sync_api"):
        done = run(heavy)
        assert (done.returncode, done.stdout, done.stderr) == (3, "answer", "status"), heavy
    debug = run("import botocore", "--debug")  # --debug: the whole tear-down, and what it may log
    assert (debug.returncode, debug.stdout) == (3, "answer") and "tear-down ran" in debug.stderr

