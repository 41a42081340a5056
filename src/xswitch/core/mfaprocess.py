"""`mfa_process`: a profile key naming a command that prints an MFA code (a YubiKey OATH reader,
a password manager), run before anyone is asked, as aws-vault does.

`MfaProcessPrompter` wraps the caller's prompter: the first code for a device comes from the
command; should AWS refuse it (or the command print no code), the person is asked as usual. A
command that cannot run, fails or hangs is explained in one paragraph, never a traceback.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping
from typing import Any

from xswitch.core.aws.errors import redact
from xswitch.core.errors import ConfigError, CredentialError, NoTerminal
from xswitch.core.model import MFA_CODE_RULE, Prompter, valid_mfa_code

TIMEOUT = 60  # seconds: long enough to touch a YubiKey, short enough not to look like a hang
OUTPUT_LIMIT = 4096


def run_mfa_process(command: str, profile: str, env: Mapping[str, str]) -> str:
    """The code `command` prints (its output's last non-empty line, stripped)."""
    try:
        argv = shlex.split(command)
    except ValueError as error:
        raise ConfigError(
            f"The mfa_process of profile '{profile}' cannot be parsed ({error}).",
            "Check its quoting; it is run as a command line without a shell.",
        ) from None
    if not argv:
        raise ConfigError(f"The mfa_process of profile '{profile}' is empty.")
    try:
        # stdin and the terminal stay: the tool may ask to touch the key on /dev/tty.
        done = subprocess.run(
            argv, capture_output=True, env=dict(env), check=False, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise CredentialError(
            f"The mfa_process of profile '{profile}' printed no code within {TIMEOUT} s and was "
            "stopped.",
            f"Run '{argv[0]}' yourself to see what it waits for (a key to touch, a PIN?).",
        ) from None
    except OSError as error:
        raise CredentialError(
            f"The mfa_process of profile '{profile}' could not be started: "
            f"{error.strerror or error}.",
            f"Check that '{argv[0]}' is installed and on PATH, or remove mfa_process to be "
            "asked for the code.",
        ) from None
    if done.returncode != 0:
        stderr = redact(done.stderr[:OUTPUT_LIMIT].decode(errors="replace"))
        raise CredentialError(
            f"The mfa_process of profile '{profile}' failed (exit {done.returncode})"
            + (f": {stderr}" if stderr else "."),
            f"Run '{argv[0]}' yourself to see what it needs (is the key plugged in?).",
        )
    lines = [line.strip() for line in done.stdout[:OUTPUT_LIMIT].decode(errors="replace").split()]
    code = lines[-1] if lines else ""
    if not valid_mfa_code(code):
        # The output is not quoted: it could be anything, a secret included.
        raise CredentialError(
            f"The mfa_process of profile '{profile}' did not print an MFA code. {MFA_CODE_RULE}",
            f"Run '{argv[0]}' yourself: its last line must be the 6-digit code.",
        )
    return code


class MfaProcessPrompter:
    """A prompter whose first MFA code comes from `mfa_process`; everything else, and a second
    code after a refusal, goes to `inner`."""

    def __init__(
        self, inner: Prompter, command: str, profile: str, env: Mapping[str, str] = os.environ
    ) -> None:
        self.inner = inner
        self.command = command
        self.profile = profile
        self.env = env

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        if problem is None:
            return run_mfa_process(self.command, self.profile, self.env)
        try:
            return self.inner.mfa_code(serial, unlocks, problem=problem)
        except NoTerminal:
            raise CredentialError(
                f"AWS refused the code the mfa_process of profile '{self.profile}' printed: "
                + problem,
                "Check that the mfa_process reads the device named by mfa_serial.",
            ) from None

    def sso_device_code(self, authorization: Any) -> None:
        self.inner.sso_device_code(authorization)

    def sso_browser_login(self, session: str, url: str) -> None:
        self.inner.sso_browser_login(session, url)

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        return self.inner.passphrase(path, new=new, problem=problem)

    def cancelled(self) -> bool:
        return self.inner.cancelled()

    def can_prompt(self) -> bool:
        check = getattr(self.inner, "can_prompt", None)
        return bool(check()) if callable(check) else True


def with_mfa_process(prompter: Prompter, profile: Any, env: Mapping[str, str]) -> Prompter:
    """`prompter`, or an MfaProcessPrompter when `profile` sets mfa_process."""
    command = profile.get("mfa_process") if profile is not None else None
    if not command:
        return prompter
    return MfaProcessPrompter(prompter, command, profile.name, env)
