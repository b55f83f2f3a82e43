"""Shell completion, by argcomplete: `aws-sts --completion bash|zsh|fish` prints the shell's script, and on
<TAB> the shell runs aws-sts again with _ARGCOMPLETE and the line in its environment; cli.parse() then calls
answer(), which completes from the real parser and exits. So the --account names are those of the config
found when <TAB> is pressed (--config on the line, else $AWS_STS_CONFIG, ./config.json, ...), never baked
into the script. argcomplete is imported only in those two cases: --version and the fast paths never load it
(tests/unit/test_layout.py).
"""

from __future__ import annotations

import argparse
import os
import sys

SHELLS = ("bash", "zsh", "fish")


class PrintScript(argparse.Action):
    """--completion SHELL: print that shell's completion script and exit, like --version (no config needed)."""

    def __call__(self, parser, namespace, values, option_string=None):
        import argcomplete

        sys.stdout.write(argcomplete.shellcode([parser.prog], shell=values))
        parser.exit()


def answer(parser: argparse.ArgumentParser) -> None:
    """Print the completions of the line in $COMP_LINE (up to $COMP_POINT) the way argcomplete's script
    reads them, and exit. The parser is the one without a config's --account choices."""
    import argcomplete
    from argcomplete.completers import FilesCompleter

    actions = parser._option_string_actions
    actions["--account"].completer = account_names
    actions["--config"].completer = FilesCompleter(("json",))
    argcomplete.autocomplete(parser)


def account_names(prefix: str, parsed_args: argparse.Namespace, **_) -> list[str]:
    """The account names of the config aws-sts would load for this line; none when it does not load."""
    from aws_sts import config
    from aws_sts.errors import ConfigError

    try:
        cfg = config.load(getattr(parsed_args, "config", None) or _config_on_line(os.environ), os.environ)
    except ConfigError:
        return []
    return [name for name in cfg.accounts if name.startswith(prefix)]


def _config_on_line(environ) -> str | None:
    """--config FILE (or --config=FILE) anywhere on the line, also after the word being completed, which
    argcomplete does not parse."""
    import shlex

    line = environ.get("COMP_LINE", "")
    try:
        words = shlex.split(line)
    except ValueError:  # an open quote in the word being completed
        words = line.split()
    found = None
    for word, following in zip(words, words[1:] + [None]):
        if word == "--config" and following:
            found = following
        elif word.startswith("--config="):
            found = word.partition("=")[2]
    return found
