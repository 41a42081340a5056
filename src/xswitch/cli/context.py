"""What every command handler gets: the environment, the catalog, the sessions, a prompter."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from xswitch.core import errors
from xswitch.core.model import MFA_CODE_RULE, Catalog, DeviceAuthorization, valid_mfa_code
from xswitch.core.text import visible


@dataclass
class Context:
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    mfa_code: str | None = None
    # credential-process: called by tools, so prompts happen only on a controlling terminal.
    terminal_only: bool = False
    # Tell catalog problems and start their background pull (not for completion, not before the
    # picker's first frame: the picker does it itself).
    announce_catalogs: bool = True
    _catalog: Catalog | None = None
    _sessions: object | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        """The context of a command; a malformed --mfa-code / XSWITCH_MFA_CODE is refused here,
        before anything is asked of AWS."""
        if not hasattr(args, "mfa_code"):
            return cls()  # the command takes no code, whatever the environment holds
        source, code = "--mfa-code", (args.mfa_code or "").strip()
        if not code:
            source, code = "XSWITCH_MFA_CODE", os.environ.get("XSWITCH_MFA_CODE", "").strip()
        if code and not valid_mfa_code(code):
            raise errors.UsageError(
                f"The MFA code given by {source} is not a code: {MFA_CODE_RULE}",
                "Nothing was sent to AWS. Pass the code your device shows now, or leave "
                f"{source} out to be asked for it.",
            )
        return cls(mfa_code=code or None)

    def catalog(self) -> Catalog:
        if self._catalog is None:
            from xswitch.core.config import load_catalog

            self._catalog = load_catalog(self.env)
            if self._catalog.layers.names and self.announce_catalogs:
                from xswitch.core.catalogs.updates import after_load

                for line in after_load(self._catalog, self.env):
                    self.note(line)
        return self._catalog

    def sessions(self):
        """The SessionManager for this catalog (imported lazily: not every command needs it)."""
        if self._sessions is None:
            from xswitch.core.sessions import SessionManager

            self._sessions = SessionManager(self.catalog(), self.env)
        return self._sessions

    def prompter(self) -> TerminalPrompter:
        return TerminalPrompter(self.mfa_code, self.err, terminal_only=self.terminal_only)

    def print(self, text: str = "") -> None:
        print(text, file=self.out)

    def note(self, text: str) -> None:
        """A message for the person, on stderr so that stdout stays clean for scripts.

        Notes quote names and settings from the files: no control character reaches the terminal.
        """
        print(visible(text, keep_newlines=True), file=self.err)

    def error(self, error: errors.XswitchError) -> None:
        # Error texts embed names, paths and AWS messages: all of it is shown with escapes.
        print(f"xswitch: {visible(str(error))}", file=self.err)


class TerminalPrompter:
    """Answers the engine's questions: from --mfa-code / XSWITCH_MFA_CODE, else on /dev/tty.

    /dev/tty rather than stdin/stdout/stderr because `credential_process` and
    `eval "$(xswitch export)"` capture them: the person still sees the question and types the
    answer. Without a terminal, questions raise `NoTerminal`; SSO codes then go to stderr, unless
    `terminal_only` (credential-process: a tool waiting on a code nobody sees would hang).
    """

    def __init__(self, mfa_code: str | None, err: TextIO, *, terminal_only: bool = False) -> None:
        self._mfa_code = mfa_code
        self._err = err
        self._terminal_only = terminal_only
        self._used_code = False

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        if self._mfa_code and not self._used_code:
            self._used_code = True
            return self._mfa_code
        with _terminal("an MFA code") as tty:
            if problem:
                tty.write(plain(problem) + "\n")
            shown = ", ".join(map(plain, unlocks[:5])) + (" ..." if len(unlocks) > 5 else "")
            code = _read_line(
                tty,
                f"MFA code for {plain(serial)}" + (f" (unlocks {shown})" if shown else "") + ": ",
                "The MFA prompt",
            )
        if not code:
            raise errors.PromptCancelled("The MFA prompt")
        return code

    def sso_device_code(self, authorization: DeviceAuthorization) -> None:
        text = (
            f"To log in to SSO session '{plain(authorization.session)}', open\n"
            f"  {plain(authorization.verification_uri_complete)}\n"
            f"and check that it shows the code {plain(authorization.user_code)}.\n"
            "Waiting for the approval (Ctrl+C cancels)...\n"
        )
        tty = open_tty()
        if tty is None:
            if self._terminal_only:
                raise errors.NoTerminal("an SSO login (a code to approve in the browser)")
            self._err.write(text)
            self._err.flush()
            return
        with tty:
            tty.write(text)

    def sso_browser_login(self, session: str, url: str) -> None:
        text = (
            f"Signing in to SSO session '{plain(session)}' in the browser. If no browser window "
            f"opened, open\n  {plain(url)}\non this machine.\n"
            "Waiting for the approval (Ctrl+C cancels)...\n"
        )
        tty = open_tty()
        if tty is None:
            if self._terminal_only:
                raise errors.NoTerminal("an SSO login (a sign-in to approve in the browser)")
            self._err.write(text)
            self._err.flush()
            return
        with tty:
            tty.write(text)

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        with _terminal(
            "the passphrase of xswitch's encrypted keyring file",
            "Set XSWITCH_KEYRING_PASSPHRASE in the environment of this command, or run it "
            "from a terminal once so that xswitch can ask.",
        ) as tty:
            if problem:
                tty.write(plain(problem) + "\n")
            verb = "Choose a" if new else "Enter the"
            cancelled = "The passphrase prompt"
            passphrase = _read_secret(tty, f"{verb} passphrase for {plain(path)}: ", cancelled)
            while new and _read_secret(tty, "Repeat it: ", cancelled) != passphrase:
                tty.write("The two passphrases differ; try again.\n")
                passphrase = _read_secret(tty, f"{verb} passphrase for {plain(path)}: ", cancelled)
        return passphrase

    def cancelled(self) -> bool:
        return False

    def can_prompt(self) -> bool:
        """Whether there is a controlling terminal to show a login code or ask a question on."""
        return self.at_terminal()

    # --- questions of the command line itself ---

    def ask(self, question: str, what: str, hint: str = "") -> str:
        """A visible answer typed on the terminal (`what` names it when there is none)."""
        with _terminal(what, hint or None) as tty:
            return _read_line(tty, question, "The prompt")

    def ask_secret(self, question: str, what: str) -> str:
        """A hidden answer typed on the terminal (echo off, restored even on Ctrl+C)."""
        with _terminal(what) as tty:
            return _read_secret(tty, question, "The prompt")

    @staticmethod
    def at_terminal() -> bool:
        """True when a controlling terminal can be asked."""
        tty = open_tty()
        if tty is None:
            return False
        tty.close()
        return True


@contextlib.contextmanager
def _terminal(what: str, hint: str | None = None) -> Iterator[TextIO]:
    tty = open_tty()
    if tty is None:
        raise errors.NoTerminal(what, hint) if hint else errors.NoTerminal(what)
    with tty:
        yield tty


def _read_line(tty: TextIO, question: str, cancelled: str) -> str:
    tty.write(question)
    tty.flush()
    line = tty.readline()
    if not line:  # Ctrl+D
        tty.write("\n")
        raise errors.PromptCancelled(cancelled)
    return line.strip()


def _read_secret(tty: TextIO, question: str, cancelled: str) -> str:
    import getpass

    try:
        return getpass.getpass(question, stream=tty)
    except EOFError:
        raise errors.PromptCancelled(cancelled) from None


def plain(text: str) -> str:
    """Untrusted text (names, ARNs, AWS messages) for the terminal: `core.text.visible`, the one
    helper, which shows control characters (that could move the cursor or retitle the window),
    bidi overrides and line separators as escapes."""
    return visible(text)


def open_tty() -> TextIO | None:
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
