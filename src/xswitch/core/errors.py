"""The one exception hierarchy of xswitch.

Every error carries a one-paragraph explanation in the user's terms (what happened, the likely
cause, what to do) and the exit code the command line uses. The CLI prints `str(error)`; the TUI
shows it in a notification and the details view. Messages never contain secrets.
"""

from __future__ import annotations

EXIT_AWS = 1  # an AWS or credential failure
EXIT_USAGE = 2  # a usage or configuration error


class XswitchError(Exception):
    """Base class: `message` is what happened, `hint` the likely cause and what to do."""

    exit_code = EXIT_AWS

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


# --- configuration and usage (exit 2) ---------------------------------------------------------


class ConfigError(XswitchError):
    """A configuration file is malformed or inconsistent; names the file and line where known."""

    exit_code = EXIT_USAGE

    def __init__(
        self, message: str, hint: str = "", path: str | None = None, line: int | None = None
    ) -> None:
        where = f"{path}:{line}: " if path and line else f"{path}: " if path else ""
        super().__init__(where + message, hint)
        self.path = path
        self.line = line


class UnknownProfile(XswitchError):
    exit_code = EXIT_USAGE

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = (
            "Did you mean " + ", ".join(f"'{s}'" for s in suggestions) + "?"
            if suggestions
            else "Run 'xswitch list' to see the profiles xswitch knows."
        )
        super().__init__(f"There is no profile named '{name}'.", hint)
        self.name = name
        self.suggestions = suggestions


class SourceCycle(ConfigError):
    def __init__(self, chain: list[str]) -> None:
        super().__init__(
            "The source_profile settings form a cycle: " + " -> ".join(chain) + ".",
            "Point one of these profiles at a profile with keys (or an SSO login) instead.",
        )
        self.chain = chain


class UsageError(XswitchError):
    exit_code = EXIT_USAGE


class NestedSession(UsageError):
    """`exec` was called inside an xswitch subshell without --force."""


# --- credentials and AWS (exit 1) -------------------------------------------------------------


class CredentialError(XswitchError):
    """Credentials could not be obtained (missing keys, AWS refused, ...)."""


class MissingSourceKeys(CredentialError):
    pass


class AwsError(CredentialError):
    """AWS answered with an error; `code` is the AWS error code (AccessDenied, ExpiredToken...)."""

    def __init__(self, message: str, hint: str = "", code: str = "", profile: str = "") -> None:
        super().__init__(message, hint)
        self.code = code
        self.profile = profile


class EndpointUnreachable(CredentialError):
    pass


class EndpointMisbehaved(CredentialError):
    """An endpoint answered, but not with a valid answer (server error, garbage, huge, bad data)."""


class UnusableCredentials(CredentialError):
    """Credentials were obtained but cannot be handed out (expired, too short, malformed)."""


class AgentError(CredentialError):
    """The per-user agent could not be started, reached or used."""


class VaultError(CredentialError):
    """The keyring or the encrypted file store could not be used."""


class SsoLoginRequired(CredentialError):
    """The SSO token is missing, expired or revoked: the user must log in again."""

    def __init__(self, session: str, message: str = "", hint: str = "") -> None:
        super().__init__(
            message or f"You are not logged in to SSO session '{session}' (or the login expired).",
            hint or f"Run 'xswitch sso login {session}' (or press 'l' in the picker).",
        )
        self.session = session


class PromptCancelled(CredentialError):
    def __init__(self, what: str = "The prompt") -> None:
        super().__init__(f"{what} was cancelled.", "Nothing was changed.")


class NoTerminal(CredentialError):
    def __init__(
        self,
        what: str = "an MFA code",
        hint: str = "Pass --mfa-code CODE or set XSWITCH_MFA_CODE, or run the command from a "
        "terminal.",
    ) -> None:
        super().__init__(f"This needs {what}, but there is no terminal to ask on.", hint)


# --- IAM Identity Center (SSO) ----------------------------------------------------------------


class SsoDeviceCodeExpired(CredentialError):
    """The device login was not approved before its code expired (or it was denied)."""


class SsoRoleNotAssigned(AwsError):
    """The SSO portal answered ForbiddenException: the role is not (or no longer) assigned."""


class SsoThrottled(AwsError):
    """The SSO portal kept answering TooManyRequestsException after retries."""


# --- clipboard --------------------------------------------------------------------------------


class ClipboardUnavailable(UsageError):
    """No way to reach the system clipboard (no xclip/xsel/wl-clipboard, no display)."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "xswitch cannot reach a clipboard here" + (f" ({detail})." if detail else "."),
            "Install xclip or xsel (X11) or wl-clipboard (Wayland), or run 'xswitch export' and "
            "copy the lines yourself.",
        )


# --- shared catalogs (git) ----------------------------------------------------------------------


class CatalogError(ConfigError):
    """A shared catalog is malformed, refused (secrets, commands) or not set up (exit 2)."""


class GitError(XswitchError):
    """git could not reach or read a catalog's repository (network, sign-in, missing branch)."""
