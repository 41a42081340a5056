"""What every command handler gets: the environment, the catalog, the sessions, a prompter."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TextIO

from xswitch.core import errors
from xswitch.core.model import Catalog, DeviceAuthorization


@dataclass
class Context:
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    mfa_code: str | None = None
    _catalog: Catalog | None = None
    _sessions: object | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        code = getattr(args, "mfa_code", None) or os.environ.get("XSWITCH_MFA_CODE") or None
        return cls(mfa_code=code)

    def catalog(self) -> Catalog:
        if self._catalog is None:
            from xswitch.core.profiles import load_catalog

            self._catalog = load_catalog(self.env)
        return self._catalog

    def sessions(self):
        """The SessionManager for this catalog (imported lazily: not every command needs it)."""
        if self._sessions is None:
            from xswitch.core.sessions import SessionManager

            self._sessions = SessionManager(self.catalog(), self.env)
        return self._sessions

    def prompter(self) -> TerminalPrompter:
        return TerminalPrompter(self.mfa_code, self.err)

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def note(self, text: str) -> None:
        """A message for the person, on stderr so that stdout stays clean for scripts."""
        print(text, file=self.err)

    def error(self, error: errors.XswitchError) -> None:
        print(f"xswitch: {error}", file=self.err)


class TerminalPrompter:
    """Answers the engine's questions: from --mfa-code / XSWITCH_MFA_CODE, else on /dev/tty.

    /dev/tty rather than stdin/stdout because `credential_process` and `eval "$(xswitch export)"`
    capture both.
    """

    def __init__(self, mfa_code: str | None, err: TextIO) -> None:
        self._mfa_code = mfa_code
        self._err = err
        self._used_code = False

    def mfa_code(self, serial: str, unlocks: list[str]) -> str:
        if self._mfa_code and not self._used_code:
            self._used_code = True
            return self._mfa_code
        tty = _open_tty()
        if tty is None:
            raise errors.NoTerminal("an MFA code")
        with tty:
            shown = ", ".join(unlocks[:5]) + (" ..." if len(unlocks) > 5 else "")
            tty.write(f"MFA code for {serial}" + (f" (unlocks {shown})" if shown else "") + ": ")
            tty.flush()
            code = tty.readline().strip()
        if not code:
            raise errors.PromptCancelled("The MFA prompt")
        return code

    def sso_device_code(self, authorization: DeviceAuthorization) -> None:
        print(
            f"To log in to SSO session '{authorization.session}', open\n"
            f"  {authorization.verification_uri_complete}\n"
            f"and check that it shows the code {authorization.user_code}.",
            file=self._err,
        )

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        import getpass

        tty = _open_tty()
        if tty is None:
            raise errors.NoTerminal(
                "the passphrase of xswitch's encrypted keyring file",
                "Set XSWITCH_KEYRING_PASSPHRASE in the environment of this command, or run it "
                "from a terminal once so that xswitch can ask.",
            )
        with tty:
            if problem:
                tty.write(problem + "\n")
            verb = "Choose a" if new else "Enter the"
            try:
                passphrase = getpass.getpass(f"{verb} passphrase for {path}: ", stream=tty)
                while new and getpass.getpass("Repeat it: ", stream=tty) != passphrase:
                    tty.write("The two passphrases differ; try again.\n")
                    passphrase = getpass.getpass(f"{verb} passphrase for {path}: ", stream=tty)
            except EOFError:
                raise errors.PromptCancelled("The passphrase prompt") from None
        return passphrase

    def cancelled(self) -> bool:
        return False

    def can_prompt(self) -> bool:
        """Whether there is a controlling terminal to show a login code or ask a question on."""
        try:
            os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
        except OSError:
            return False
        return True


def _open_tty() -> TextIO | None:
    """The controlling terminal for reading and writing, or None when there is none.

    Opened through a raw descriptor: Python's text-mode `open("/dev/tty", "r+")` raises
    `io.UnsupportedOperation` (a character device is not seekable), which reads like "no terminal".
    """
    import io

    try:
        descriptor = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    return io.TextIOWrapper(io.FileIO(descriptor, "r+"), encoding="utf-8", write_through=True)
