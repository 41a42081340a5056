"""Copy text (export lines, console URLs) to the system clipboard.

pyperclip finds the mechanism (pbcopy, clip.exe, wl-copy, xclip, xsel, the Windows API). The text
always travels on a pipe, never on a command line (visible in `ps`). Clipboard programs run with
their error output captured, so a failure (e.g. no X server) is reported cleanly instead of being
printed over the picker, and their exit status is checked, which pyperclip does not do.
"""

from __future__ import annotations

import subprocess
import tempfile

from xswitch.core.errors import ClipboardUnavailable

# pyperclip's mechanisms that are plain programs reading stdin: run them ourselves (see above).
_PROGRAMS = {
    "copy_xclip": ["xclip", "-selection", "clipboard"],
    "copy_xsel": ["xsel", "--clipboard", "--input"],
    "copy_wl": ["wl-copy"],
    "copy_osx_pbcopy": ["pbcopy"],
}
# KDE Klipper receives the text as a qdbus argument: secrets would show in `ps`.
_REFUSED = {"copy_klipper": "only KDE Klipper was found, which would expose the text in `ps`"}


def copy(text: str) -> None:
    """Put `text` on the clipboard, or raise ClipboardUnavailable explaining what to install."""
    import pyperclip

    copy_function, _paste = pyperclip.determine_clipboard()
    name = getattr(copy_function, "__name__", "")
    if name in _REFUSED:
        raise ClipboardUnavailable(_REFUSED[name])
    if name in _PROGRAMS:
        _run(_PROGRAMS[name], text)
        return
    try:
        copy_function(text)
    except pyperclip.PyperclipException:
        raise ClipboardUnavailable("no clipboard program or display was found") from None
    except (OSError, ValueError) as error:
        raise ClipboardUnavailable(f"the clipboard failed: {type(error).__name__}") from None


def _run(argv: list[str], text: str) -> None:
    # xclip and wl-copy stay in the background to serve the selection, holding their stderr open:
    # a pipe would never reach end-of-file, a temporary file does not care.
    with tempfile.TemporaryFile() as errors:
        try:
            result = subprocess.run(
                argv,
                input=text.encode("utf-8"),
                stdout=subprocess.DEVNULL,
                stderr=errors,
                timeout=10,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ClipboardUnavailable(f"{argv[0]} failed: {type(error).__name__}") from None
        if result.returncode != 0:
            errors.seek(0)
            message = errors.read(300).decode(errors="replace").strip().splitlines()
            detail = message[0] if message else f"exit status {result.returncode}"
            raise ClipboardUnavailable(f"{argv[0]}: {detail}")
