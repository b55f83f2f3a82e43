"""The AWS credentials file, line by line, exactly as botocore reads it.

botocore reads the file with configparser.RawConfigParser() (strict; "DEFAULT" is the shared section)
from a file opened in text mode, so "\\r\\n", "\\n" and a lone "\\r" all end a line. To change one section
and keep every other byte we must know which physical lines make up which section and key: parse()
follows RawConfigParser._read (CPython 3.11) step by step, with configparser's own regular expressions,
and reports the first error on the same line configparser does. set_keys() then checks its result with
configparser itself and refuses rather than guess.
"""

from __future__ import annotations

import configparser
import io
import re

from aws_sts.shown import name_in_file

DEFAULT_SECTION = "DEFAULT"  # configparser's shared section: its keys show in every profile
_SECTION = configparser.RawConfigParser.SECTCRE  # "[" + anything + the line's last "]"; the rest is ignored
_OPTION = configparser.RawConfigParser.OPTCRE  # key up to the first "=" or ":"
_NONSPACE = configparser.RawConfigParser.NONSPACECRE
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")  # the line breaks of Python's text mode
EXPECTED = "expected [section], key = value, or a # comment"


class IniError(Exception):
    """The file is not one configparser reads: `line` (1-based) is the line it would complain about."""

    def __init__(self, line: int, what: str):
        super().__init__(what)
        self.line, self.what = line, what


class UnsafeEdit(Exception):
    """The edited text would not read back as intended (a safety net: should never happen)."""


# Plain classes, not dataclasses (which import inspect, ~7 ms): read_like_botocore() is on the still-valid
# skip's path, which must answer in a few tens of milliseconds.
class Key:
    __slots__ = ("first", "end", "indent")

    def __init__(self, first: int, end: int, indent: str):
        self.first = first  # index of the "key = value" line
        self.end = end  # index after its last continuation line
        self.indent = indent  # the key line's leading whitespace


class Section:
    __slots__ = ("header", "end", "keys")

    def __init__(self, header: int, end: int, keys: dict | None = None):
        self.header = header  # index of the header line
        self.end = end  # index after the header, or after the last key's last continuation line
        self.keys: dict[str, Key] = {} if keys is None else keys  # lower-cased names, as configparser keeps them


def split_lines(text: str) -> list[str]:
    """Lines with their own endings: "".join(split_lines(text)) == text."""
    return _LINE.findall(text)


def _ended(line: str) -> bool:
    return line.endswith(("\n", "\r"))


def _ending(line: str, default: str) -> str:
    return line[len(line.rstrip("\r\n")):] or default


def _indent(text: str) -> str:
    return text[:_NONSPACE.search(text).start()]


def parse(lines: list[str]) -> dict[str, Section]:
    """Map the sections and keys configparser would read (DEFAULT left out), or raise IniError."""
    sections: dict[str, Section] = {}
    first_seen: dict[tuple[str, str], int] = {}  # configparser's elements_added, with line numbers
    section, name = None, ""  # where keys go (DEFAULT's too), and its name
    key = None  # the Key a more indented line continues (configparser's optname)
    level = 0  # configparser's indent_level
    bad_line = 0  # configparser reports lines it cannot read only at the end of the file
    for index, raw in enumerate(lines):
        number, text = index + 1, raw.rstrip("\r\n")
        value = text.strip()
        if not value or value.startswith(("#", ";")):
            continue  # blank lines and comments neither end a value nor change the indent level
        indent = len(_indent(text))
        if key is not None and indent > level:
            key.end = section.end = index + 1  # a continuation line, whatever it looks like
            continue
        level = indent
        header = _SECTION.match(value)
        if header:
            name, key = header.group("header"), None
            if name in sections:
                raise IniError(number, f"[{name_in_file(name)}] appears a second time "
                                       f"(first on line {sections[name].header + 1})")
            section = Section(index, index + 1)
            if name != DEFAULT_SECTION:  # DEFAULT may appear several times; it is not a profile
                sections[name] = section
            continue
        option = _OPTION.match(value)
        if section is None:
            bom = number == 1 and value.startswith("\ufeff")
            raise IniError(number, "the file starts with a byte order mark (BOM), which botocore cannot read"
                           if bom else "a key comes before any [section]" if option else EXPECTED)
        if not option:
            bad_line = bad_line or number
            continue  # configparser keeps the key before it for continuation lines
        bad_line = bad_line or (0 if option.group("option") else number)
        option_name = option.group("option").rstrip().lower()
        if (name, option_name) in first_seen:
            raise IniError(number, f"{name_in_file(option_name)} appears twice in [{name_in_file(name)}] "
                                   f"(first on line {first_seen[name, option_name]})" if option_name else EXPECTED)
        first_seen[name, option_name] = number
        key = Key(index, index + 1, _indent(text)) if option_name else None
        if key:
            section.keys[option_name] = key
            section.end = index + 1
    if bad_line:
        raise IniError(bad_line, EXPECTED)
    return sections


def read_like_botocore(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()  # botocore's settings: strict, DEFAULT, no interpolation
    parser.read_file(io.StringIO(text, newline=None))  # newline=None: "\r" ends a line, as in a file
    return parser


def set_keys(text: str, name: str, values: list[tuple[str, str]]) -> str:
    """Return `text` with [name] holding `values` (lower-case keys); every other line kept as it was."""
    lines = split_lines(text)
    nl = next((_ending(line, "") for line in lines if _ended(line)), "\n")  # for a last line without one
    sections = parse(lines)
    if name in sections:
        new_text = _replace_keys(lines, sections[name], values, nl)
    else:
        new_text = _append_section(lines, name, values, nl)
    _check(text, new_text, name, values)
    return new_text


def _append_section(lines: list[str], name: str, values: list[tuple[str, str]], nl: str) -> str:
    out = list(lines)
    if out and not _ended(out[-1]):
        out[-1] += nl
    nl = _ending(out[-1], nl) if out else nl  # continue the file's last line ending
    if out and out[-1].strip():
        out.append(nl)  # one blank line between the last section and ours
    # At column 0 the header cannot continue the value above it, nor can our keys continue the header.
    out.append(f"[{name}]{nl}")
    out.extend(f"{key} = {value}{nl}" for key, value in values)
    return "".join(out)


def _replace_keys(lines: list[str], section: Section, values: list[tuple[str, str]], nl: str) -> str:
    # A key keeps its line's indentation, so it continues nothing above it and the lines below it are
    # read as before (a line continues a key only when indented deeper).
    # New lines end like the line they replace or follow: that ending was not merged with the next line
    # (a lone "\r" before a line starting "\n" would make one "\r\n" line break of the two).
    replaced: dict[int, tuple[int, str]] = {}  # first line -> (line after its continuation, new line)
    missing = []
    for key, value in values:
        old = section.keys.get(key)
        if old:
            replaced[old.first] = (old.end, f"{old.indent}{key} = {value}{_ending(lines[old.end - 1], nl)}")
        else:
            missing.append(f"{key} = {value}")
    # Missing keys go right after the section's last key (or its header): trailing blank lines and
    # comments usually introduce the next section, so they stay below. Indented like that last key,
    # or, right under the header, like the next line, so that line does not become their continuation.
    keys = sorted(section.keys.values(), key=lambda k: k.first)
    indent = keys[-1].indent if keys else _next_indent(lines, section.end)
    out, index = [], 0
    while index < len(lines):
        index, line = replaced.get(index, (index + 1, lines[index]))
        out.append(line)
        if index == section.end and missing:
            if not _ended(out[-1]):
                out[-1] += nl
            ending = _ending(out[-1], nl)
            out.extend(f"{indent}{new}{ending}" for new in missing)
            missing = []
    return "".join(out)


def _next_indent(lines: list[str], start: int) -> str:
    for raw in lines[start:]:
        text = raw.rstrip("\r\n")
        if text.strip() and not text.strip().startswith(("#", ";")):
            return _indent(text)
    return ""


def _check(old_text: str, new_text: str, name: str, values: list[tuple[str, str]]) -> None:
    """Read both texts with configparser: only [name] may differ, and only by holding `values`."""
    try:
        before = read_like_botocore(old_text)
    except configparser.ParsingError as exc:
        raise IniError(exc.errors[0][0], EXPECTED) from None
    except configparser.Error as exc:  # parse() should have said so: keep configparser's line
        raise IniError(getattr(exc, "lineno", 0), "configparser cannot read this line") from None
    try:
        after = read_like_botocore(new_text)
    except configparser.Error:
        raise UnsafeEdit(name) from None
    expected = dict(before.items(name)) if before.has_section(name) else dict(before.defaults())
    expected.update(values)
    if (after.sections() != before.sections() + ([] if before.has_section(name) else [name])
            or after.defaults() != before.defaults()
            or any(after.items(s) != before.items(s) for s in before.sections() if s != name)
            or dict(after.items(name)) != expected
            or _botocore_reads(before) and not _botocore_reads(after)):
        raise UnsafeEdit(name)


def _botocore_reads(parser: configparser.RawConfigParser) -> bool:
    """botocore reads a value that starts on the next line ("s3 =\n  k = v") as nested keys and gives up
    on the whole file at a line without "=". A new profile inherits DEFAULT's values: one such value there
    would make a file botocore reads (with no profile yet) one it cannot."""
    return all("=" in line for section in parser.sections() for _, value in parser.items(section)
               if value.startswith("\n") for line in map(str.strip, value.splitlines()) if line)
