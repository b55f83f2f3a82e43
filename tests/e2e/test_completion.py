"""Shell completion for real: the script `aws-sts --completion SHELL` prints, loaded into bash, zsh and fish,
asking the installed aws-sts for completions. The --account names come from the config found when <TAB> is
pressed (--config on the line, $AWS_STS_CONFIG, ./config.json), never from the script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pexpect
import pytest

from tests.e2e.conftest import AWS_STS, BIN

ACCOUNTS = {"staging": "123456789012", "production": "210987654321", "sandbox": "111111111111"}
OTHER = {"dev": "222222222222", "prod": "333333333333"}


def write_config(path, accounts) -> str:
    path.write_text(json.dumps({"idpEntryUrl": "https://example.okta.com/home/amazon_aws/0oa1/272",
                                "defaultAccount": next(iter(accounts)), "accounts": accounts}))
    return str(path)


@pytest.fixture
def where(tmp_path):
    """A working folder and an environment with the installed aws-sts first on PATH, HOME in tmp_path (so no
    ~/.config/aws-sts/config.json of this machine answers) and no AWS_STS_CONFIG."""
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "_ARC", "COMP_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", HOME=str(tmp_path), LC_ALL="C.UTF-8")
    return work, env


def script(shell: str, env) -> str:
    done = subprocess.run([AWS_STS, "--completion", shell], capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


BASH = r"""
source "$1"
fn=$(complete -p aws-sts | sed -E 's/.* -F ([^ ]+) aws-sts$/\1/')
COMP_LINE=$2 COMP_POINT=$3
read -ra COMP_WORDS <<<"${COMP_LINE:0:COMP_POINT}"
[[ ${COMP_LINE:COMP_POINT-1:1} == " " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
"$fn" aws-sts "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"""


def bash_complete(work, env, line: str, point: int | None = None) -> list[str]:
    """What bash's completion function registered for aws-sts puts in COMPREPLY for `line`, the cursor at
    `point` (default: the end), as bash calls it on <TAB>."""
    path = work.parent / "aws-sts.bash"
    path.write_text(script("bash", env))
    point = len(line) if point is None else point
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", BASH, "_", str(path), line, str(point)],
                          cwd=work, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return [word.strip() for word in done.stdout.splitlines() if word.strip()]


def test_bash_completes_options_and_format_choices(where):
    work, env = where
    assert bash_complete(work, env, "aws-sts --acc") == ["--account"]
    assert bash_complete(work, env, "aws-sts --all") == ["--all-roles"]
    assert bash_complete(work, env, "aws-sts --format ") == ["credentials", "env", "process"]
    assert bash_complete(work, env, "aws-sts --format p") == ["process"]
    assert bash_complete(work, env, "aws-sts --completion ") == ["bash", "zsh", "fish"]


def test_bash_completes_the_account_names_of_the_config_found_when_completing(where):
    work, env = where
    assert bash_complete(work, env, "aws-sts --account ") == []  # no config anywhere: nothing, no error
    write_config(work / "config.json", OTHER)  # ./config.json
    assert bash_complete(work, env, "aws-sts --account ") == ["dev", "prod"]
    env["AWS_STS_CONFIG"] = write_config(work.parent / "env.json", ACCOUNTS)  # $AWS_STS_CONFIG comes first
    assert bash_complete(work, env, "aws-sts --account ") == list(ACCOUNTS)
    assert bash_complete(work, env, "aws-sts --account s") == ["staging", "sandbox"]
    # --config on the line wins, before or after the word being completed
    assert bash_complete(work, env, "aws-sts --config config.json --account ") == ["dev", "prod"]
    assert bash_complete(work, env, "aws-sts --config=config.json --account p") == ["prod"]
    line = "aws-sts --account  --config config.json"
    assert bash_complete(work, env, line, point=len("aws-sts --account ")) == ["dev", "prod"]
    # the config is read at each <TAB>: a changed file shows at once, without a new script
    write_config(work / "config.json", {"qa": "444444444444"})
    assert bash_complete(work, env, "aws-sts --config config.json --account ") == ["qa"]


def test_a_config_that_does_not_load_completes_no_account_and_says_nothing(where):
    work, env = where
    (work / "config.json").write_text('{"accounts": ')
    assert bash_complete(work, env, "aws-sts --account ") == []
    write_config(work / "config.json", {"staging": "12345"})  # loads as JSON, fails the config's checks
    assert bash_complete(work, env, "aws-sts --account ") == []


def test_bash_completes_config_files(where):
    work, env = where
    (work / "team.json").write_text("{}")
    (work / "notes.txt").write_text("")
    (work / "configs").mkdir()
    assert bash_complete(work, env, "aws-sts --config ") == ["configs/", "team.json"]
    assert bash_complete(work, env, "aws-sts --config t") == ["team.json"]


def test_tab_in_an_interactive_bash(where):
    """The same through bash's own <TAB> handling: the line is completed in place."""
    work, env = where
    write_config(work / "config.json", ACCOUNTS)
    (work.parent / "aws-sts.bash").write_text(script("bash", env))
    shell = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], cwd=str(work), encoding="utf-8", timeout=20,
                          env={**env, "PS1": "$ ", "TERM": "dumb"})
    try:
        shell.expect_exact("$ ")
        shell.sendline("source ../aws-sts.bash")
        shell.expect_exact("$ ")
        shell.send("aws-sts --acc\t")
        shell.expect_exact("--account ")
        shell.send("pr\t")
        shell.expect_exact("production ")
    finally:
        shell.close(force=True)


@pytest.mark.skipif(not shutil.which("zsh"), reason="zsh is not installed (scripts/setup installs it)")
def test_zsh(where):
    """The zsh script's completion function, called as zsh's completion system calls it (words, BUFFER,
    CURSOR), with _describe (which shows the matches) replaced by a print of what it was given."""
    work, env = where
    write_config(work / "config.json", ACCOUNTS)
    path = work.parent / "_aws-sts"
    path.write_text(script("zsh", env))
    code = r"""
    autoload -U compinit && compinit -u -d "$HOME/.zcompdump"
    source "$1"
    _describe() { print -rl -- "${(@P)2}" }
    BUFFER=$2 CURSOR=${#2}
    words=(${(z)BUFFER})
    [[ $BUFFER == *' ' ]] && words+=('')
    _python_argcomplete
    """
    for line, expected in (("aws-sts --acc", ["--account"]), ("aws-sts --account ", list(ACCOUNTS)),
                           ("aws-sts --format e", ["env"])):
        done = subprocess.run(["zsh", "-f", "-c", code, "_", str(path), line], cwd=work, env=env,
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert [w.split(":")[0] for w in done.stdout.splitlines()] == expected, line


@pytest.mark.skipif(not shutil.which("fish"), reason="fish is not installed (scripts/setup installs it)")
def test_fish(where):
    """fish's own `complete -C LINE`: what <TAB> would offer, from the loaded script."""
    work, env = where
    write_config(work / "config.json", ACCOUNTS)
    path = work.parent / "aws-sts.fish"
    path.write_text(script("fish", env))
    for line, expected in (("aws-sts --acc", ["--account"]), ("aws-sts --account ", sorted(ACCOUNTS)),
                           ("aws-sts --format ", ["credentials", "env", "process"])):
        done = subprocess.run(["fish", "--no-config", "-c", f"source {path}; complete -C '{line}'"], cwd=work,
                              env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert sorted(w.split("\t")[0] for w in done.stdout.splitlines()) == expected, line


def test_completion_needs_no_config_and_names_its_shells(where):
    work, env = where
    done = subprocess.run([AWS_STS, "--completion", "tcsh"], cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "invalid choice: 'tcsh'" in done.stderr
    for shell in ("bash", "zsh", "fish"):
        assert "aws-sts" in script(shell, env)
