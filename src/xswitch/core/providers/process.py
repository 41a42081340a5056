"""`credential_process`: another tool's command, run, and its Version 1 JSON read and checked."""

from __future__ import annotations

import json
from collections.abc import Mapping

from xswitch.core.aws.errors import redact
from xswitch.core.errors import ConfigError, CredentialError, UnusableCredentials
from xswitch.core.model import Credentials, Profile
from xswitch.core.providers.base import Provider
from xswitch.core.times import parse_rfc3339
from xswitch.core.validate import credential_fields_problem

# A credential_process prints a few hundred bytes; more than this is not a credentials document.
PROCESS_OUTPUT_LIMIT = 64 * 1024


class CredentialProcessProvider(Provider):
    """Runs another tool's `credential_process` command and reads its Version 1 JSON."""

    def __init__(
        self, profile: Profile, env: Mapping[str, str], timeout: float | None = None
    ) -> None:
        self.profile = profile
        self.command = profile.get("credential_process") or ""
        self.env = env
        # None: the person at the terminal can answer the tool's questions, or press Ctrl+C.
        self.timeout = timeout

    def retrieve(self) -> Credentials:
        import shlex
        import subprocess

        name = self.profile.name
        try:
            argv = shlex.split(self.command)
        except ValueError as error:
            raise ConfigError(
                f"The credential_process of profile '{name}' cannot be parsed ({error}).",
                "Check its quoting.",
            ) from None
        if not argv:
            raise ConfigError(f"The credential_process of profile '{name}' is empty.")
        try:
            # stdin and the terminal stay attached so the tool can prompt on /dev/tty.
            done = subprocess.run(
                argv, capture_output=True, env=dict(self.env), check=False, timeout=self.timeout
            )
        except subprocess.TimeoutExpired:
            raise CredentialError(
                f"The credential_process of profile '{name}' gave no answer within "
                f"{self.timeout:g} s and was stopped. With no terminal, nobody can answer a "
                "question it may be asking.",
                f"Run '{argv[0]}' yourself in a terminal to see what it waits for, or run "
                f"'xswitch login {name}' there first. The wait is four times "
                "settings.network_timeout in config.toml.",
            ) from None
        except OSError as error:
            raise CredentialError(
                f"The credential_process of profile '{name}' could not be started: "
                f"{error.strerror or error}.",
                f"Check that '{argv[0]}' is installed and on PATH.",
            ) from None
        if done.returncode != 0:
            stderr = redact(done.stderr.decode(errors="replace"))
            raise CredentialError(
                f"The credential_process of profile '{name}' failed (exit {done.returncode})"
                + (f": {stderr}" if stderr else "."),
                f"Run '{argv[0]}' yourself to see what it needs.",
            )
        return self._parse(done.stdout)

    def _parse(self, stdout: bytes) -> Credentials:
        name = self.profile.name
        hint = (
            "It must print JSON with Version 1, AccessKeyId, SecretAccessKey and optionally "
            "SessionToken and Expiration (strings). Run the command yourself to see its output."
        )

        def refuse(what: str) -> UnusableCredentials:
            # The output is never quoted: it may hold secrets.
            return UnusableCredentials(f"The credential_process of profile '{name}' {what}.", hint)

        if len(stdout) > PROCESS_OUTPUT_LIMIT:
            raise refuse(f"printed more than {PROCESS_OUTPUT_LIMIT // 1024} KB")
        try:
            data = json.loads(stdout)
        except (ValueError, RecursionError):
            raise refuse("did not print valid JSON") from None
        if not isinstance(data, dict) or data.get("Version") != 1:
            raise refuse('printed JSON without "Version": 1')
        problem = credential_fields_problem(
            data.get("AccessKeyId"), data.get("SecretAccessKey"), data.get("SessionToken")
        )
        if problem:
            raise refuse(f"printed {problem}")
        expiration = None
        raw_expiration = data.get("Expiration")
        if raw_expiration is not None:
            try:
                if not isinstance(raw_expiration, str):
                    raise TypeError
                expiration = parse_rfc3339(raw_expiration)
            except (ValueError, TypeError, OverflowError):
                raise refuse("printed an Expiration that is not an RFC 3339 time") from None
        return Credentials(
            data["AccessKeyId"],
            data["SecretAccessKey"],
            data.get("SessionToken") or None,
            expiration,
            via=(f"process:{name}",),
        )

    def describe(self) -> str:
        return f"credential_process of [{self.profile.name}]: {self.command}"

    def identity(self) -> tuple[str, ...]:
        return ("process", self.profile.name, self.command)
