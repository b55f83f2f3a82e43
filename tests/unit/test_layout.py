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


def test_version_imports_nothing_heavy():
    code = ("import sys; from aws_sts import cli; cli.main(['--version']); "
            "print(sorted(m for m in ('argparse', 'boto3', 'botocore', 'playwright', 'questionary', 'typing',"
            " 'publicsuffixlist')"
            " if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
