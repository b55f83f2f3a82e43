"""Properties of aws_sts.credentials over generated credentials files, checked against configparser and botocore.

Files are built from a grammar of the lines configparser knows — headers (with text or comments after
the "]"), keys with "=" or ":", indented keys, headers and continuation lines, blank lines inside
values, comments, DEFAULT sections, unicode, and lines that are none of these — joined with any mix of
"\\n", "\\r\\n" and a lone "\\r". configparser (as botocore runs it) decides which files are valid.
"""

from __future__ import annotations

import configparser
import io
import os
import re
import shutil
import stat
import tempfile
from datetime import datetime, timezone
from itertools import product

import botocore.configloader
import botocore.exceptions
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aws_sts import credentials, inifile
from aws_sts.credentials import TemporaryCredentials, write_profile
from aws_sts.errors import CredentialsFileError
from tests.helpers import examples

SETTINGS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
MARK = "S3CR3T"  # in every line that might be quoted: no message may contain it
NAMES = ["dev", "default", "DEFAULT", "prod", "Dev", " dev", "dev ", "a b", "dev] x", "[x", "é☃", "k=v", "a:b"]
KEYS = ["aws_access_key_id", "AWS_Secret_Access_Key", "aws_session_token", "region", "Output", "x", "X",
        "mfa_serial", "s3", "é", "a b", "[dev]", "#k"]
INDENTS = ["", "", "", " ", "  ", "\t", "    ", "\x0c", "\u3000"]
TEXTS = ["", "a", "a b", "=", "==", ": x", "#x", ";", "[b]", "k = v", "é☃", "a\x0bb", "a\x1cb", "\x85",
         "\u2028", "x\t", MARK]
# The grammar, spelled out: every line a generated file may hold. Drawing one from a list is much
# cheaper for hypothesis than composing it (keeps thousands of cases within seconds).
GRAMMAR = {
    "header": [f"{i}[{n}]{t}" for i, n, t in product(INDENTS, NAMES, ["", "", " # note", " ;x", " junk", "x", "]",
                                                                    " [b]", "\t"])],
    "key": [f"{i}{k}{sep}{v}" for i, k, sep, v in product(INDENTS, KEYS, [" = ", "=", ": ", ":", " =  ", "\t= "],
                                                          TEXTS)],
    "continuation": [" " * n + t for n, t in product(range(1, 7), TEXTS) if t],
    "blank": ["", "", " ", "\t", "\x0c"],
    "comment": [f"{i}{c}{t}" for i, c, t in product(INDENTS, "#;", TEXTS)],
}
GARBAGE = [f"{i}{MARK}{t}" for i, t in product(INDENTS, ["", "x", " é", "[a", "a]"])]  # neither header nor key
KINDS = ["header", "key", "key", "key", "continuation", "blank", "comment"]
MIXES = [["\n"], ["\r\n"], ["\r"], ["\n", "\r\n"], ["\n", "\r"], ["\r\n", "\r"], ["\n", "\r\n", "\r"]]


def _build(numbers: list[int], shape: int, garbage: bool) -> str:
    """One whole number per line picks its kind, the line and its ending: hypothesis draws one value
    per line instead of several, which keeps thousands of cases within seconds."""
    kinds = KINDS + ["garbage"] * garbage
    endings = MIXES[shape % len(MIXES)]
    out = [f"[{NAMES[shape // 28 % len(NAMES)]}]\n"] if shape // 7 % 2 else []  # most files start so
    for n in numbers:
        kind, n = kinds[n % len(kinds)], n // len(kinds)
        choices = GARBAGE if kind == "garbage" else GRAMMAR[kind]
        out.append(choices[n % len(choices)] + endings[n // len(choices) % len(endings)])
    text = "".join(out)
    return text[:-1] if text.endswith("\n") and shape // 14 % 2 else text  # sometimes no final newline


def files(garbage: bool = False):
    return st.builds(_build, st.lists(st.integers(0, 2**24), max_size=14), st.integers(0, 28 * len(NAMES)),
                     st.just(garbage))


PROFILES = st.sampled_from([n for n in NAMES if n != "DEFAULT"] + ["new"])
VALUE = st.sampled_from(["ASIAEXAMPLE", "a+b/c==", "x:y", "#1", "[v]", "é☃", "a b", "=", "v", "a\x0bb", "a\x85b"])
CREDS = st.builds(TemporaryCredentials, VALUE, VALUE, VALUE,
                  st.just(datetime(2026, 11, 26, 10, 0, 0, tzinfo=timezone.utc)))
OPTIONAL = st.one_of(st.none(), VALUE)


def configparser_verdict(text: str) -> int:
    """0 if configparser reads `text` (as a file), else the line number it complains about."""
    try:
        configparser.RawConfigParser().read_file(io.StringIO(text, newline=None))
    except configparser.Error as exc:  # MissingSectionHeaderError is a ParsingError with a lineno
        return getattr(exc, "lineno", None) or exc.errors[0][0]
    return 0


def values_of(creds, region, output) -> dict[str, str]:
    return dict(credentials._profile_values(creds, region=region, output=output))


def read_bytes(path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def read_defaults(path) -> dict[str, str]:
    parser = configparser.RawConfigParser()
    parser.read(path, encoding="utf-8")
    return dict(parser.defaults())


def section_span(text: str, profile: str) -> tuple[int, int]:
    """Line indexes of [profile]'s header and of the next header (or DEFAULT key), found by configparser
    alone: it reads left to right, so we look at what it has read after each line."""
    parser = configparser.RawConfigParser()
    states = []

    def feed():
        for line in io.StringIO(text, newline=None):
            yield line
            states.append((parser.sections(), list(parser.defaults())))  # after configparser read `line`

    parser.read_file(feed())
    header = next(i for i, state in enumerate(states) if profile in state[0])
    end = next((i for i in range(header + 1, len(states)) if states[i] != states[i - 1]), len(states))
    return header, end


def nested(path):
    try:
        return botocore.configloader.raw_config_parse(path)
    except botocore.exceptions.ConfigParseError:  # a nested block without "=": botocore cannot read it
        return None


@pytest.fixture(scope="module")
def folder():
    """A folder for the real writes: on tmpfs where there is one (a real filesystem, where fsync costs
    nothing, so thousands of writes take seconds)."""
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    home, path = tempfile.mkdtemp(dir=shm), tempfile.mkdtemp(dir=shm)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", home)  # the lock goes under ~/.aws/aws-sts/locks
        yield path
    shutil.rmtree(path)
    shutil.rmtree(home)


@settings(SETTINGS, max_examples=examples(2000))
@given(files(garbage=True))
def test_line_model_agrees_with_configparser(text):
    """inifile.parse accepts exactly what configparser accepts and names the line configparser names."""
    try:
        inifile.parse(inifile.split_lines(text))
        line = 0
    except inifile.IniError as exc:
        line = exc.line
    assert line == configparser_verdict(text)


@settings(SETTINGS, max_examples=examples(1000))
@given(text=st.one_of(files(), files(garbage=True)), profile=PROFILES, creds=CREDS, other=CREDS, region=OPTIONAL,
       output=OPTIONAL)
def test_write_changes_only_the_profile(folder, text, profile, creds, other, region, output):
    """Files configparser rejects: refused, naming its line, untouched. Files it reads: only the profile
    changes, as botocore reads the written file, every other byte is kept, and writing again is stable."""
    path = os.path.join(folder, "credentials")
    data = text.encode()
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o640)
    bad_line = configparser_verdict(text)
    if bad_line:
        with pytest.raises(CredentialsFileError) as info:
            write_profile(path, profile, creds, region=region, output=output)
        message = str(info.value)
        assert f"{path}, line {bad_line}: " in message and MARK not in message
        assert "The file was not changed" in message and "\n" not in message
        assert read_bytes(path) == data and stat.S_IMODE(os.stat(path).st_mode) == 0o640
        assert os.listdir(folder) == ["credentials"]
        return

    before = botocore.configloader.raw_config_parse(path, parse_subsections=False)
    defaults = read_defaults(path)
    nested_before = nested(path)
    try:
        write_profile(path, profile, creds, region=region, output=output)
    except CredentialsFileError as exc:
        # Refused only when the new profile would inherit a DEFAULT value botocore cannot read (an
        # indented block with a line without "="): botocore would then give up on the whole file.
        assert "would change how botocore reads" in str(exc) and MARK not in str(exc)
        assert nested_before is not None and profile not in before
        appended = text + ("" if text.endswith(("\n", "\r")) or not text else "\n") + f"[{profile}]\n" + \
            "".join(f"{key} = {value}\n" for key, value in values_of(creds, region, output).items())
        with open(path + ".naive", "w") as handle:
            handle.write(appended)
        assert nested(path + ".naive") is None
        os.unlink(path + ".naive")
        assert read_bytes(path) == data and os.listdir(folder) == ["credentials"]
        return
    after = botocore.configloader.raw_config_parse(path, parse_subsections=False)
    new_text = read_bytes(path).decode()

    # Every other profile reads back identically, in the same order; the profile holds the new values
    # and keeps its other keys; DEFAULT is unchanged.
    assert [s for s in after if s != profile] == [s for s in before if s != profile]
    assert list(after) == list(before) + ([] if profile in before else [profile])
    assert {s: v for s, v in after.items() if s != profile} == {s: v for s, v in before.items() if s != profile}
    assert after[profile] == {**before.get(profile, defaults), **values_of(creds, region, output)}
    assert read_defaults(path) == defaults
    # botocore's default reading (indented "key = value" blocks parsed) agrees where it could read the file.
    if nested_before is not None:
        nested_after = nested(path)
        assert {s: v for s, v in nested_after.items() if s != profile} == \
            {s: v for s, v in nested_before.items() if s != profile}

    # Every byte outside the profile's section is kept.
    if profile in before:
        header, end = section_span(text, profile)
        physical = list(io.StringIO(text, newline=""))
        assert new_text.startswith("".join(physical[:header]) + physical[header].rstrip("\r\n"))
        assert new_text.endswith("".join(physical[end:]))
    else:
        assert new_text.startswith(text)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert os.listdir(folder) == ["credentials"]

    # Writing again is stable: the same values give the same bytes; other values, then these again, too
    # (in memory: set_keys makes the text write_profile writes).
    values, others = list(values_of(creds, region, output).items()), list(values_of(other, region, output).items())
    assert inifile.set_keys(new_text, profile, values) == new_text
    assert inifile.set_keys(inifile.set_keys(new_text, profile, others), profile, values) == new_text


NAME_CHARS = "[]\r\n \t#;=:\x0b\x0c\x1c\x85\u2028\x00DEFAULTé\udcff"


@settings(SETTINGS, max_examples=examples(1000))
@given(name=st.one_of(st.text(), st.text(alphabet=NAME_CHARS, max_size=8), st.text(st.characters(codec=None),
                      max_size=4), st.sampled_from(["DEFAULT", "", " ", "default"])))
def test_profile_name_accepted_iff_it_reads_back(folder, name):
    """check_profile_name accepts a name exactly when a real file with "[name]" reads back, through
    botocore, as one profile named exactly that."""
    path = os.path.join(folder, "names")
    try:
        with open(path, "wb") as handle:
            handle.write(f"[{name}]\nk = v\n".encode())
        round_trips = list(botocore.configloader.raw_config_parse(path)) == [name]
    except (UnicodeEncodeError, botocore.exceptions.ConfigParseError):
        round_trips = False
    finally:
        if os.path.exists(path):
            os.unlink(path)  # the folder holds only "credentials" for the other tests
    try:
        credentials.check_profile_name(name)
        accepted = True
    except CredentialsFileError as exc:
        assert exc.exit_code == 2 and "not empty and not DEFAULT" in str(exc)
        accepted = False
    assert accepted == round_trips


def test_generated_files_cover_both_verdicts_and_the_tricky_lines():
    """The grammar really produces what the properties are about (a guard against a vacuous test)."""
    samples = []

    @settings(max_examples=400, database=None, derandomize=True)  # the same samples every run
    @given(files(garbage=True))
    def collect(text):
        samples.append(text)

    collect()
    accepted = [t for t in samples if configparser_verdict(t) == 0]
    assert 0.1 < len(accepted) / len(samples) < 0.9  # (60 of 400 on some runs: the guard is against none)
    joined = "".join(accepted)
    assert "\r" in joined.replace("\r\n", "") and "\r\n" in joined
    assert re.search(r"\][ \t]*(#|;|junk|x|\]|\[b\])", joined)  # headers with text after the "]"
    assert re.search(r"[\r\n] +\S", joined)  # indented lines in accepted files
