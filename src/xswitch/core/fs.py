"""Files xswitch writes and reads itself: 0700 directories and 0600 files whatever the umask,
written atomically (a reader sees the old or the new file, never half of one), read without ever
blocking (regular files only, size-capped), so that a FIFO or a device in a file's place cannot hang
a command."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from xswitch.core.errors import ConfigError


def write_private(path: Path, data: bytes) -> None:
    """Replace `path` with `data` atomically (a reader sees the old or the new file, never half of
    one), readable by the user only; its directory is created private."""
    import tempfile

    private_dir(path.parent)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) readable only by the user; return it.

    Every directory created here is 0700 whatever the umask; `path` itself is made 0700 even if
    it existed. Existing parents are left as they are.
    """
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            continue  # another process made it at the same time
        os.chmod(directory, 0o700)
    os.chmod(path, 0o700)
    return path


def read_private_file(
    path: Path, limit: int, warn: Callable[[Path, int], None] | None = None
) -> bytes:
    """The bytes of a small regular file, read without ever blocking.

    Opened with O_NONBLOCK (a FIFO in its place cannot hang the caller) and refused with an
    OSError unless it is a regular file of at most `limit` bytes. `warn(path, mode)` is called
    when group or others may read it. FileNotFoundError when it does not exist.
    """
    with _opened(path) as (descriptor, info):
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "it is not a regular file")
        if info.st_size > limit:
            raise _too_large(limit)
        if warn is not None and info.st_mode & 0o077:
            warn(path, stat.S_IMODE(info.st_mode))
        return _read_all(descriptor, info, limit)


def read_config_file(path: Path, *, directory_is_missing: bool = False) -> bytes | None:
    """The bytes of a configuration file, or None when there is none.

    Anything but a regular file is refused with a ConfigError: reading a FIFO would block every
    command until something writes to it, and a device may never end. The file is opened without
    blocking and checked on the open descriptor, so it cannot be swapped in between. `/dev/null`
    (a common way to say "no file") reads as empty. A directory is refused too, unless
    `directory_is_missing` (botocore ignores a directory where an AWS file should be).
    """
    try:
        with _opened(path) as (descriptor, info):
            kind = _kind(path, info.st_mode)
            if kind is None:
                return _read_all(descriptor, info, None)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        kind = "a directory"
    except OSError as error:
        raise ConfigError(
            f"could not be read ({error.strerror or error}).",
            "Check the file's permissions.",
            path=str(path),
        ) from None
    if kind == "a directory" and directory_is_missing:
        return None
    if not kind:
        return b""  # /dev/null
    raise ConfigError(
        f"is {kind}, not a regular file, so xswitch does not read it.",
        "Replace it with an ordinary text file, or point the variable that names it "
        "(AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, XSWITCH_CONFIG) elsewhere.",
        path=str(path),
    )


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tuple[int, os.stat_result]]:
    """`path` opened for reading without blocking (a FIFO cannot hang the open), with its fstat:
    what is checked is what is read, even if the file is swapped meanwhile."""
    flags = os.O_RDONLY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    descriptor = os.open(path, flags)
    try:
        yield descriptor, os.fstat(descriptor)
    finally:
        os.close(descriptor)


def _kind(path: Path, mode: int) -> str | None:
    """None for a regular file; "" for /dev/null; else what the file is, in words."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) and os.path.realpath(path) == os.devnull:
        return ""
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a special file"


def _read_all(descriptor: int, info: os.stat_result, limit: int | None) -> bytes:
    """The rest of a regular file; OSError when it grows past `limit` bytes while being read."""
    os.set_blocking(descriptor, True)
    chunks = []
    size = 0
    while chunk := os.read(descriptor, max(65536, info.st_size + 1 - size)):
        size += len(chunk)
        if limit is not None and size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> OSError:
    return OSError(0, f"it is larger than {limit // 1024} KB")
