"""The AWS files (`~/.aws/config`, `~/.aws/credentials`), read by botocore's rules, fast.

botocore reads them with `configparser.RawConfigParser`: `[profile NAME]` with NAME split like a
shell word, `[default]`, bare section names in the credentials file, credentials-file keys winning
over config-file keys, option names lower-cased, inline `#` kept as part of the value, duplicate
sections or keys refused. Nested blocks (`s3 =` followed by indented `key = value` lines) become
dicts. This module gives the same sections (its contract: tests/core/test_profiles_differential.py
compares it with botocore on generated files) in a fraction of the time: one reader, `_IniParser`,
with a one-regex fast path for plain files (`_simple_ini`).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xswitch.core import fs, paths
from xswitch.core.config.awsblock import without_block
from xswitch.core.errors import ConfigError

IniValue = str | dict[str, str]
IniSections = dict[str, dict[str, IniValue]]
# Where a section header (option None) or an option starts: (section, option) -> line number.
LineNumbers = dict[tuple[str, str | None], int]

_PLAIN_HEADER = re.compile(r"[^'\"\\\s]*(?:[ \t\r\n]+[^'\"\\\s]*)*\Z")


def read_ini(path: Path) -> IniSections:
    """Sections of an AWS INI file as botocore sees them; a missing file has none."""
    text = _text_of(path)
    return _parse_ini(path, text) if text else {}


def _text_of(path: Path) -> str:
    """The file's text ("" when there is none); ConfigError when it is not UTF-8."""
    raw = fs.read_config_file(path, directory_is_missing=True)
    if not raw:
        return ""
    try:
        # Universal newlines, like configparser's own file reading in text mode.
        text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8").read()
    except UnicodeDecodeError:
        raise ConfigError(
            "is not valid UTF-8 text.",
            "Re-save the file as UTF-8; the AWS CLI cannot read it either.",
            path=str(path),
        ) from None
    # The profiles xswitch generated for other tools stand for xswitch's own: never read back.
    return without_block(text)


def _parse_ini(path: Path, text: str) -> IniSections:
    simple = _simple_ini(text)
    if simple is not None:
        return simple
    import configparser

    try:
        parsed = _IniParser(str(path)).parse(text)
    except configparser.Error as error:
        raise _ini_error(path, error) from None
    sections: IniSections = {}
    for section, values in parsed.items():
        sections[section] = {
            option: _nested(path, section, option, value) if value[:1] == "\n" else value
            for option, value in values.items()
        }
    return sections


# Nearly every AWS file is ASCII with `[name]` headers and `key = value` lines at column 0, blank
# and comment lines: `_simple_ini` reads those with one whole-text regex pass. Each alternative
# starts at a newline, so a file whose every line matches has exactly one match per line.
_SIMPLE_LINE = re.compile(
    r"\n(?:"
    r"\[([^\n]+)\][ \t]*(?=\n|\Z)"  # a header: the name runs to the last "]"
    r"|([^\n\[#;=: \t][^\n=:]*)[=:]([^\n]*)"  # an option: the key runs to the first "=" or ":"
    r"|[ \t]*(?:[#;][^\n]*)?(?=\n|\Z)"  # a blank or comment line
    r")"
)
# Whitespace that str.strip removes but the pattern above does not expect.
_UNUSUAL_WHITESPACE = "\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _simple_ini(text: str) -> IniSections | None:
    """The sections of a plain AWS file, exactly as `_IniParser` gives them; None when the file
    has anything else (indented lines, [DEFAULT], a malformed, duplicate or orphan line, unusual
    whitespace), for the exact parser to handle and report."""
    if not text.isascii() or any(char in text for char in _UNUSUAL_WHITESPACE):
        return None
    lines = _SIMPLE_LINE.findall("\n" + text)
    if len(lines) != text.count("\n") + 1:
        return None
    sections: IniSections = {}
    current: dict[str, IniValue] | None = None
    for header, key, value in lines:
        if header:
            if header == "DEFAULT" or header in sections:
                return None
            current = sections[header] = {}
        elif key:
            key = key.rstrip().lower()
            if current is None or key in current:
                return None
            current[key] = value.strip()
    return sections


class _IniParser:
    """`configparser.RawConfigParser` with its default options, re-done for speed.

    The standard parser needs about half a second for 10,000 profiles; this one gives the same
    sections, options, values and errors (the differential tests compare the two on generated
    files) in a fraction of that. Its rules: `#`/`;` start comment lines only (never inline);
    indented lines continue the previous value; blank lines inside a value are kept; `=` or `:`
    separates a key from its value; `[DEFAULT]` supplies keys to every section; duplicate sections
    or keys are errors; malformed lines are collected and reported after the whole file is read.
    Given `lines`, it also records where each header and option is (for error messages).
    """

    def __init__(self, source: str, lines: LineNumbers | None = None) -> None:
        self.source = source
        self.lines = lines
        self.sections: dict[str, dict[str, list[str]]] = {}
        self.defaults: dict[str, list[str]] = {}
        self.current: dict[str, list[str]] | None = None  # set by the first section header
        self.section_name = ""
        self.option: str | None = None  # the option an indented line continues
        self.malformed: list[tuple[int, str]] = []

    def parse(self, text: str) -> dict[str, dict[str, str]]:
        indent_level = 0
        for lineno, line in enumerate(text.split("\n"), start=1):
            value = line.strip()
            if not value or value[0] in "#;":
                self._blank(value)
                continue
            indent = 0 if line[0] == value[0] else len(line) - len(line.lstrip())
            if self.option and indent > indent_level and self.current is not None:
                self.current[self.option].append(value)
                continue
            indent_level = indent
            if value[0] == "[" and value.rfind("]") >= 2:
                self._header(value[1 : value.rfind("]")], lineno)
            else:
                self._setting(line, value, lineno)
        if self.malformed:
            import configparser

            error = configparser.ParsingError(self.source)
            for lineno, line in self.malformed:
                error.append(lineno, line)
            raise error
        return self._result()

    def _blank(self, value: str) -> None:
        # A blank line (not a comment line) belongs to a value being continued.
        if not value and self.option and self.current is not None:
            self.current[self.option].append("")

    def _header(self, name: str, lineno: int) -> None:
        if name in self.sections:
            import configparser

            raise configparser.DuplicateSectionError(name, self.source, lineno)
        self.section_name = name
        if name == "DEFAULT":
            self.current = self.defaults
        else:
            self.current = self.sections[name] = {}
        self.option = None
        if self.lines is not None:
            self.lines[(name, None)] = lineno

    def _setting(self, line: str, value: str, lineno: int) -> None:
        import configparser

        current = self.current
        if current is None:
            raise configparser.MissingSectionHeaderError(self.source, lineno, line)
        delimiter = value.find("=")
        colon = value.find(":", 0, delimiter) if delimiter >= 0 else value.find(":")
        if colon >= 0:
            delimiter = colon
        if delimiter < 0:
            self.malformed.append((lineno, repr(line)))
            return
        option = value[:delimiter].rstrip().lower()
        if not option:
            self.malformed.append((lineno, repr(line)))
        # Sections are never re-entered (a repeat is an error), except [DEFAULT], whose keys
        # must still be unique: so the section's own dict is the record of keys seen.
        if option in current:
            raise configparser.DuplicateOptionError(self.section_name, option, self.source, lineno)
        current[option] = [value[delimiter + 1 :].strip()]
        self.option = option
        if self.lines is not None:
            self.lines[(self.section_name, option)] = lineno

    def _result(self) -> dict[str, dict[str, str]]:
        joined_defaults = {key: _joined(lines) for key, lines in self.defaults.items()}
        result: dict[str, dict[str, str]] = {}
        for name, options in self.sections.items():
            values = {key: _joined(lines) for key, lines in options.items()}
            for key, default in joined_defaults.items():
                values.setdefault(key, default)
            result[name] = values
        return result


def _joined(lines: list[str]) -> str:
    # A one-line value is already stripped; only continued values need joining.
    return lines[0] if len(lines) == 1 else "\n".join(lines).rstrip()


def _nested(path: Path, section: str, option: str, value: str) -> dict[str, str]:
    """An indented block under `option =`: one level of `key = value` lines, like botocore."""
    nested: dict[str, str] = {}
    for line in value.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, sub_value = line.partition("=")
        if not sep:
            raise ConfigError(
                f"the indented lines under '{option}' in [{section}] must each be 'key = value'.",
                "Indent only nested settings (like `s3 =` blocks); otherwise start the line at "
                "column 0. The AWS CLI cannot read this file either.",
                path=str(path),
            )
        nested[key.strip()] = sub_value.strip()
    return nested


def _ini_error(path: Path, error: Exception) -> ConfigError:
    """A configparser error in our words. Line contents are never quoted: they may hold a secret."""
    import configparser

    hint = "Fix the line; the AWS CLI cannot read this file either."
    if isinstance(error, configparser.DuplicateSectionError):
        return ConfigError(
            f"the section [{error.section}] appears twice.",
            "Merge the two sections into one. " + hint,
            path=str(path),
            line=error.lineno,
        )
    if isinstance(error, configparser.DuplicateOptionError):
        return ConfigError(
            f"the key '{error.option}' appears twice in [{error.section}].",
            "Keep one of them. " + hint,
            path=str(path),
            line=error.lineno,
        )
    if isinstance(error, configparser.MissingSectionHeaderError):
        return ConfigError(
            "has a setting before the first [section] header.",
            "Every setting must follow a header such as [default] or [profile NAME]. " + hint,
            path=str(path),
            line=error.lineno,
        )
    if isinstance(error, configparser.ParsingError):
        lines = [lineno for lineno, _ in error.errors]
        more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
        return ConfigError(
            f"has a line that is neither a [section] header nor 'key = value'{more}.",
            "Start comments with # or ;, and write settings as key = value. " + hint,
            path=str(path),
            line=lines[0] if lines else None,
        )
    return ConfigError("could not be parsed.", hint, path=str(path))


def section_name(section: str) -> str | None:
    """The name in `[profile NAME]`-style headers, split like a shell word; None if unusable."""
    if _PLAIN_HEADER.match(section):
        # Nothing for shlex to interpret, and only its whitespace: str.split gives the same words.
        parts = section.split()
    else:
        try:
            import shlex

            parts = shlex.split(section)
        except ValueError:
            return None
    return parts[1] if len(parts) == 2 else None


@dataclass
class AwsFiles:
    """The merged view of ~/.aws/config and ~/.aws/credentials that botocore builds."""

    profiles: dict[str, dict[str, IniValue]] = field(default_factory=dict)
    sso_sessions: dict[str, dict[str, IniValue]] = field(default_factory=dict)
    # Profiles whose access key came from the credentials file (botocore ranks those above
    # credential_process; keys in the config file rank below it).
    keys_from_credentials: set[str] = field(default_factory=set)


def read_aws_files(env: Mapping[str, str] = os.environ) -> AwsFiles:
    """Profiles and sso-sessions of the AWS files, merged the way botocore's Session does."""
    config = read_ini(paths.aws_config_file(env))
    credentials = read_ini(paths.aws_credentials_file(env))
    files = AwsFiles()
    for section, values in config.items():
        # Prefix tests, not word tests: that is how botocore tells the section kinds apart.
        if section.startswith("profile"):
            name = section_name(section)
            if name is not None:
                files.profiles[name] = values
        elif section.startswith("sso-session"):
            name = section_name(section)
            if name is not None:
                files.sso_sessions[name] = values
        elif section == "default":
            files.profiles[section] = values
    for name, values in credentials.items():
        files.profiles.setdefault(name, {}).update(values)
        if "aws_access_key_id" in values:
            files.keys_from_credentials.add(name)
    return files


def profile_lines(
    path: Path, profile: str, key: str | None, *, credentials: bool
) -> tuple[int | None, int | None]:
    """The line of `profile`'s section header in an AWS file and of its `key` (None where not
    found). For error messages only: the file is read again, and a file that no longer parses
    gives what was found before the fault."""
    import configparser
    import contextlib

    lines: LineNumbers = {}
    with contextlib.suppress(ConfigError, configparser.Error):
        _IniParser(str(path), lines).parse(_text_of(path))
    for (section, option), number in lines.items():
        if option is None and (
            section == profile == "default"
            or (credentials and section == profile)
            or (section.startswith("profile") and section_name(section) == profile)
        ):
            return number, lines.get((section, key)) if key else None
    return None, None


# --- what botocore reads -------------------------------------------------------------------------

_HEADER = re.compile(r"^\[([^\n]*)\][ \t]*$", re.MULTILINE)


def botocore_config(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The part of botocore's `Session.full_config` that a session without a profile reads.

    xswitch's botocore clients use no profile, so botocore looks only at `[default]` and the
    `[services NAME]` sections it may name; yet it parses (and deep-copies) the whole file to find
    them: seconds for 50,000 profiles, on every call. This reads those sections alone.
    """
    config = _sections_where(
        paths.aws_config_file(env), lambda name: name == "default" or name.startswith("services")
    )
    credentials = _sections_where(paths.aws_credentials_file(env), lambda name: name == "default")
    default = dict(config.get("default", {}))
    default.update(credentials.get("default", {}))
    services: dict[str, Any] = {}
    for section, values in config.items():
        if section.startswith("services"):
            name = section_name(section)
            if name is not None:
                services[name] = values
    return {"profiles": {"default": default} if default else {}, "sso_sessions": {},
            "services": services}  # fmt: skip


def _sections_where(path: Path, wanted: Callable[[str], bool]) -> IniSections:
    """The sections of an AWS file whose names pass `wanted`, parsed like `read_ini`."""
    try:
        text = _text_of(path)
    except ConfigError:
        return {}
    headers = list(_HEADER.finditer(text))
    if not headers:
        return {}
    kept = [
        text[header.start() : following.start() if following else len(text)]
        for header, following in zip(headers, [*headers[1:], None], strict=True)
        if wanted(header.group(1))
    ]
    try:
        return _parse_ini(path, "\n".join(kept)) if kept else {}
    except ConfigError:
        return {}
