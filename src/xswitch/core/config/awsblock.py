"""The one block xswitch writes in `~/.aws/config` (opt-in, `xswitch aws-config sync`): a
`credential_process = xswitch credential-process NAME` profile for every profile that exists only
in xswitch, so that the AWS CLI, the SDKs and every other tool can use it by name.

The block is delimited by two marker lines and sits at the end of the file (where it was, once
written). Every byte outside it stays as it was: the file is edited as bytes, the block takes the
file's own line ending (CRLF files stay CRLF), the write is atomic (a temporary file renamed over
the target, which a symbolic link is followed to), and the previous version is kept next to it.
xswitch's own reader (`awsfiles`) skips the block, so the profiles it holds never shadow the ones
they stand for (which would make credential-process call itself).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from xswitch.core import fs, locks, paths
from xswitch.core.errors import ConfigError, PromptCancelled
from xswitch.core.model import Catalog, Origin, Profile

BEGIN = "# >>> xswitch generated profiles: 'xswitch aws-config sync' rewrites this block >>>"
END = "# <<< xswitch generated profiles: edits inside this block are lost <<<"
BACKUP_SUFFIX = ".xswitch-backup"
_BEGIN_B = BEGIN.encode()
_END_B = END.encode()
# Names written as they are; others are quoted the way botocore splits `[profile NAME]` (shlex).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.@+=,/:-]+")
_REGION = re.compile(r"[a-z0-9-]{1,40}")


@dataclass(frozen=True)
class BlockReport:
    """What a sync did: the profiles now in the block, those left out (and why), whether the
    file changed, and where the previous version was kept."""

    path: Path
    written: tuple[str, ...]
    left_out: tuple[tuple[str, str], ...]
    changed: bool
    backup: Path | None


def without_block(text: str) -> str:
    """`text` with the generated block's lines blanked (line numbers kept), for xswitch's own
    reading of the file; unchanged when there is no block."""
    if BEGIN not in text:
        return text
    lines = text.split("\n")
    inside = False
    for index, line in enumerate(lines):
        stripped = line.rstrip("\r")
        if stripped == BEGIN:
            inside = True
        if inside:
            lines[index] = ""
        if stripped == END:
            inside = False
    return "\n".join(lines)


def has_block(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the AWS config file holds xswitch's block (the user opted in)."""
    raw = fs.read_config_file(paths.aws_config_file(env), directory_is_missing=True)
    return raw is not None and _span(raw) is not None


def generated_profiles(catalog: Catalog) -> tuple[list[Profile], list[tuple[str, str]]]:
    """The profiles the block should hold, and those left out with the reason."""
    chosen: list[Profile] = []
    left_out: list[tuple[str, str]] = []
    for profile in catalog.profiles.values():
        if profile.origin is Origin.AWS:
            continue
        if profile.stale:
            left_out.append((profile.name, "its SSO role is no longer assigned"))
        elif not _writable_name(profile.name):
            left_out.append((profile.name, "its name cannot be written as an INI section"))
        else:
            chosen.append(profile)
    return chosen, left_out


def render(profiles: list[Profile], command: str, newline: str = "\n") -> str:
    """The block's text: the markers and one profile section per profile."""
    lines = [BEGIN, "# Profiles that exist only in xswitch, for the AWS CLI and SDKs."]
    for profile in profiles:
        name = profile.name if _PLAIN_NAME.fullmatch(profile.name) else shlex.quote(profile.name)
        lines += ["", f"[profile {name}]"]
        lines.append(
            f"credential_process = {command} credential-process {shlex.quote(profile.name)}"
        )
        if profile.region and _REGION.fullmatch(profile.region):
            lines.append(f"region = {profile.region}")
    lines.append(END)
    return newline.join(lines) + newline


def xswitch_command(env: Mapping[str, str] = os.environ) -> str:
    """How other tools start xswitch: the `xswitch` on the PATH, else this Python with -m."""
    found = shutil.which("xswitch", path=env.get("PATH"))
    if found:
        return shlex.quote(os.path.abspath(found))
    return f"{shlex.quote(sys.executable)} -m xswitch"


def sync(
    catalog: Catalog, env: Mapping[str, str] = os.environ, *, remove: bool = False
) -> BlockReport:
    """Write (or with `remove`, take away) the block in the AWS config file."""
    path = paths.aws_config_file(env)
    target = Path(os.path.realpath(path))
    profiles, left_out = ([], []) if remove else generated_profiles(catalog)
    with locks.held(
        paths.cache_dir(env) / "aws-config.lock",
        timeout=30,
        busy=lambda: PromptCancelled("Another 'xswitch aws-config sync'"),
    ):
        raw = fs.read_config_file(target) or b""
        newline = "\r\n" if raw.count(b"\r\n") * 2 > raw.count(b"\n") else "\n"
        block = b"" if remove else render(profiles, xswitch_command(env), newline).encode("utf-8")
        updated = _with_block(raw, block, newline.encode(), str(path))
        changed = updated != raw
        backup = _write(target, raw, updated) if changed else None
    return BlockReport(
        path,
        tuple(p.name for p in profiles),
        tuple(left_out),
        changed,
        backup,
    )


def _writable_name(name: str) -> bool:
    return (
        bool(name)
        and name == name.strip()
        and name != "default"
        and not any(c in name for c in "[]")
        and all(c.isprintable() for c in name)
    )


def _span(raw: bytes) -> tuple[int, int] | None:
    """Where the block is in `raw` (start of its first line, end of its last line with its
    newline), or None; a begin marker without its end is refused."""
    start = _line_start(raw, _BEGIN_B)
    if start is None:
        return None
    end = _line_start(raw, _END_B, start)
    if end is None:
        raise ConfigError(
            "holds the start of xswitch's generated block but not its end marker.",
            f"Edit the file: remove the lines from '{BEGIN}' on (they were generated), or put "
            f"back the line '{END}' after them, then run 'xswitch aws-config sync' again.",
        )
    stop = raw.find(b"\n", end)
    return start, (len(raw) if stop < 0 else stop + 1)


def _line_start(raw: bytes, marker: bytes, after: int = 0) -> int | None:
    position = after
    while True:
        found = raw.find(marker, position)
        if found < 0:
            return None
        at_start = found == 0 or raw[found - 1 : found] == b"\n"
        rest = raw[found + len(marker) : found + len(marker) + 2]
        at_end = rest in (b"", b"\n", b"\r\n") or rest.startswith(b"\n")
        if at_start and at_end:
            return found
        position = found + 1


def _with_block(raw: bytes, block: bytes, newline: bytes, where: str) -> bytes:
    try:
        span = _span(raw)
    except ConfigError as error:
        raise ConfigError(error.message, error.hint, path=where) from None
    if span is not None:
        return raw[: span[0]] + block + raw[span[1] :]
    if not block:
        return raw
    if raw and not raw.endswith(b"\n"):
        raw += newline  # the last line ends before the block starts
    return raw + block


def _write(target: Path, before: bytes, after: bytes) -> Path | None:
    """Keep the previous version next to `target`, then replace it atomically, keeping its
    permissions (0600 for a new file)."""
    import stat
    import tempfile

    mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o600
    backup = target.with_name(target.name + BACKUP_SUFFIX) if before else None
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if backup is not None:
            fs.write_private(backup, before)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(after)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        raise ConfigError(
            f"could not be updated ({error.strerror or error}); it was left as it was.",
            "Check that you may write the file and its directory, then run the command again.",
            path=str(target),
        ) from None
    return backup
