"""The use cases both front ends perform: plan a subshell, run an SSO sync, build a console link,
the export lines to copy, the rows of `list` and `whoami`. The CLI and the picker only present
what these return (and word their own refusals); nothing here prints or draws.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xswitch.core.model import Catalog, Client, Credentials, MfaSessionInfo, Profile, SsoSession
from xswitch.core.times import rfc3339

if TYPE_CHECKING:
    from xswitch.core.discovery import Discovery, Progress, SyncReport
    from xswitch.core.model import Prompter, SessionInfo
    from xswitch.core.sessions import SessionManager


def production_client(catalog: Catalog, profile: Profile) -> Client | None:
    """The client of `profile` when it is marked as production (a confirmation is due)."""
    client = catalog.client(profile.client)
    return client if client is not None and client.prod else None


# --- subshell -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubshellPlan:
    """Everything needed to start a shell (or a command) with a profile's credentials."""

    profile: Profile
    client_name: str
    prod: bool
    env: dict[str, str]  # the environment of the shell: credentials and XSWITCH_* markers
    shell_path: str
    margin: int  # the prompt turns amber with less than this many seconds left
    base_env: Mapping[str, str]

    @property
    def label(self) -> str:
        """What the prompt marker and the greeting call the shell: client/profile."""
        return f"{self.client_name}/{self.profile.name}"

    @contextmanager
    def shell(self) -> Iterator[tuple[list[str], dict[str, str]]]:
        """The interactive shell's argv and full environment; its rc files live until exit."""
        from xswitch.core import shell

        with tempfile.TemporaryDirectory(prefix="xswitch-") as tmp:
            argv, extra = shell.subshell_command(
                self.shell_path,
                self.label,
                self.prod,
                Path(tmp),
                env=self.base_env,
                margin=self.margin,
            )
            yield argv, {**self.env, **extra}


def outer_subshell(env: Mapping[str, str]) -> str | None:
    """The profile of the xswitch shell this process runs in, None outside one (the
    nested-shell check: each front end says in its own words what to do)."""
    from xswitch.core.shell import in_subshell

    return env.get("XSWITCH_PROFILE", "") if in_subshell(env) else None


def plan_subshell(
    catalog: Catalog,
    profile: Profile,
    creds: Credentials | None,
    env: Mapping[str, str],
    *,
    served: Mapping[str, str] | None = None,
) -> SubshellPlan:
    """The shell for `profile`: `creds` exported, or (None) the variables in `served` of a
    container-credentials endpoint that refreshes them."""
    from xswitch.core.shell import subshell_env

    client = catalog.client(profile.client)
    client_name = client.name if client else profile.client
    prod = bool(client and client.prod)
    shell_env = subshell_env(
        env, creds, profile.region_in(env), profile.name, client_name, prod, served
    )
    return SubshellPlan(
        profile=profile,
        client_name=client_name,
        prod=prod,
        env=shell_env,
        shell_path=env.get("SHELL") or shutil.which("bash") or "/bin/sh",
        margin=catalog.settings.refresh_margin,
        base_env=env,
    )


# --- export lines and console -----------------------------------------------------------------


@dataclass(frozen=True)
class Exports:
    shell: str  # the syntax the lines are written in
    lines: str


def exports(
    catalog: Catalog,
    profile: Profile,
    creds: Credentials,
    env: Mapping[str, str],
    flag: str | None = None,
) -> Exports:
    """Export lines for `creds` in the shell syntax `flag`, else the caller's shell's."""
    from xswitch.core.shell import choose_shell, export_lines

    syntax = choose_shell(flag, env, catalog.settings.shell)
    return Exports(syntax, export_lines(creds, profile.region_in(env), syntax))


def console_url(profile: Profile, creds: Credentials, env: Mapping[str, str]) -> str:
    """The console sign-in link for `creds` (a GetSigninToken call: blocking, bounded)."""
    from xswitch.core.console import chained_role, federation_login_url

    return federation_login_url(
        creds,
        profile.region_in(env),
        chained=chained_role(creds),
        endpoint=env.get("XSWITCH_SIGNIN_ENDPOINT"),
    )


def demo_console_url(profile: Profile) -> str:
    """A switch-role link for a world without a console (the demo's local AWS)."""
    from xswitch.core.console import switch_role_url

    return switch_role_url(profile.account_id or "000000000000", profile.role_name or "")


# --- SSO sync ---------------------------------------------------------------------------------


def sync_sso(
    session: SsoSession,
    env: Mapping[str, str],
    prompter: Prompter,
    *,
    rate: float,
    relogin: bool = False,
    open_browser: bool | None = None,
    timeout: float | None = None,
    on_progress: Callable[[Progress], object] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[Discovery, SyncReport]:
    """Log in if needed, discover the session's accounts and roles, store them in config.toml.

    Blocking. `relogin` starts a new device login whatever the saved token (after the portal
    refused it); `on_progress` sees each account as it arrives; `cancelled` stops the listing.
    """
    from xswitch.core.discovery import discover, store
    from xswitch.core.sso import SsoAuth

    auth = SsoAuth(session, env, open_browser=open_browser, timeout=timeout)
    token = auth.login(prompter) if relogin else auth.token(prompter)
    discovery = discover(
        session, token, env=env, rate=rate, on_progress=on_progress, cancelled=cancelled
    )
    return discovery, store(discovery, env)


# --- rows of `list` and `whoami` --------------------------------------------------------------


def session_state(left: int | None, margin: int) -> str:
    if left is None:
        return "none"
    if left <= 0:
        return "expired"
    return "expiring" if left < margin else "live"


@dataclass(frozen=True)
class MfaSessionRow:
    source: str
    mfa_serial: str | None
    expires_at: str
    seconds_left: int
    covers: tuple[str, ...]

    @classmethod
    def of(cls, mfa: MfaSessionInfo, now: datetime) -> MfaSessionRow:
        left = max(int(mfa.seconds_left(now)), 0)
        return cls(mfa.source, mfa.mfa_serial, rfc3339(mfa.expiration), left, mfa.covers)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "mfa_serial": self.mfa_serial,
            "expires_at": self.expires_at,
            "seconds_left": self.seconds_left,
            "covers": list(self.covers),
        }


@dataclass(frozen=True)
class ProfileRow:
    """One profile as `list` shows it; `to_json()` is its `--json` object, keys in this order."""

    profile: str
    client: str
    client_key: str
    prod: bool
    kind: str
    account_id: str | None
    role: str | None
    role_arn: str | None
    region: str | None
    mfa_serial: str | None
    tags: tuple[str, ...]
    expires: datetime | None
    seconds_left: int | None
    state: str
    mfa_session_cap: bool
    mfa_session: MfaSessionRow | None

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "client": self.client,
            "client_key": self.client_key,
            "prod": self.prod,
            "kind": self.kind,
            "account_id": self.account_id,
            "role": self.role,
            "role_arn": self.role_arn,
            "region": self.region,
            "mfa_serial": self.mfa_serial,
            "tags": list(self.tags),
            "expires_at": rfc3339(self.expires) if self.expires else None,
            "seconds_left": self.seconds_left,
            "state": self.state,
            "mfa_session_cap": self.mfa_session_cap,
            "mfa_session": self.mfa_session.to_json() if self.mfa_session else None,
        }


def profile_rows(
    catalog: Catalog,
    sessions: Mapping[str, SessionInfo],
    mfa_sessions: list[MfaSessionInfo],
    now: datetime,
) -> list[ProfileRow]:
    """Every profile with its session's state; `mfa_sessions` the live ones."""
    from xswitch.core.sessions import live_mfa_session

    rows = []
    for profile in catalog.profiles.values():
        client = catalog.client(profile.client)
        info = sessions.get(profile.name)
        left = int((info.expiration - now).total_seconds()) if info else None
        mfa = live_mfa_session(profile.name, mfa_sessions, now) if mfa_sessions else None
        rows.append(
            ProfileRow(
                profile=profile.name,
                client=client.name if client else profile.client,
                client_key=profile.client,
                prod=bool(client and client.prod),
                kind=profile.kind.value,
                account_id=profile.account_id,
                role=profile.role_name,
                role_arn=profile.role_arn,
                region=profile.region,
                mfa_serial=profile.mfa_serial,
                tags=tuple(profile.tags),
                expires=info.expiration if info else None,
                seconds_left=max(left, 0) if left is not None else None,
                state=session_state(left, catalog.settings.refresh_margin),
                mfa_session_cap=bool(info and info.mfa_session),
                mfa_session=MfaSessionRow.of(mfa, now) if mfa else None,
            )
        )
    return rows


@dataclass(frozen=True)
class IdentityRow:
    """`whoami`: who the credentials belong to, and their session."""

    profile: str
    account: str | None
    arn: str | None
    user_id: str | None
    expires: datetime | None
    mfa_session_cap: bool
    mfa_session: MfaSessionRow | None

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "account": self.account,
            "arn": self.arn,
            "user_id": self.user_id,
            "expires_at": rfc3339(self.expires) if self.expires else None,
            "mfa_session_cap": self.mfa_session_cap,
            "mfa_session": self.mfa_session.to_json() if self.mfa_session else None,
        }


def whoami(
    manager: SessionManager, profile: Profile, prompter: Prompter, now: datetime
) -> tuple[IdentityRow, MfaSessionInfo | None]:
    """GetCallerIdentity with the profile's credentials, with its cached session's expiry and
    the MFA session it was assumed from."""
    from xswitch.core.sessions import live_mfa_session

    identity = manager.caller_identity(profile, prompter)
    info = manager.cached_sessions().get(profile.name)
    mfa = live_mfa_session(profile.name, manager.mfa_sessions(), now)
    row = IdentityRow(
        profile=profile.name,
        account=identity.get("Account"),
        arn=identity.get("Arn"),
        user_id=identity.get("UserId"),
        expires=info.expiration if info else None,
        mfa_session_cap=bool(info and info.mfa_session),
        mfa_session=MfaSessionRow.of(mfa, now) if mfa else None,
    )
    return row, mfa


# --- the picker's keys ------------------------------------------------------------------------

# Every picker action by id, with its default key (Textual's key names). config.toml's [keys]
# table remaps them (`login = "ctrl+l"`, checked by core.settings); the picker's action table
# (ui/keymap.py) says what each does, and which show in the key bar, help and palette.
PICKER_KEYS: dict[str, str] = {
    "filter": "slash",
    "clear-filter": "escape",
    "subshell": "enter",
    "login": "l",
    "refresh-client": "L",
    "copy": "c",
    "console": "o",
    "sso-sync": "S",
    "logout": "x",
    "reload": "R",
    "help": "question_mark",
    "quit": "q",
    "quit-ctrl-c": "ctrl+c",
    "column-profiles": "right",
    "column-clients": "left",
    "client-number": "0",
    **{f"jump-client-{n}": str(n) for n in range(1, 10)},
}


def normal_key(key: str) -> str:
    """A key as Textual names it: one punctuation character by its Unicode name ('?' is
    'question_mark'), anything longer ('ctrl+r', 'f5') as written."""
    import unicodedata

    key = key.strip()
    if len(key) != 1 or key.isalnum():
        return key
    try:
        return unicodedata.name(key).lower().replace("-", "_").replace(" ", "_")
    except ValueError:
        return key


def picker_keymap(remapped: Mapping[str, str]) -> dict[str, list[str]]:
    """Every action id with its keys once `remapped` (id -> "key" or "key1,key2") applies."""
    keymap = {name: [key] for name, key in PICKER_KEYS.items()}
    for name, keys in remapped.items():
        keymap[name] = [normal_key(key) for key in keys.split(",")]
    return keymap


def key_clash(remapped: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(key, action, other action) when two actions end up on one key, else None."""
    owner: dict[str, str] = {}
    for name, keys in picker_keymap(remapped).items():
        for key in keys:
            if key in owner:
                return key, owner[key], name
            owner[key] = name
    return None


def keys_problem(table: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """What is wrong with config.toml's [keys] table, if anything: (the action it is about,
    what is wrong, what to do)."""
    for name, value in table.items():
        where = f"keys.{name}"
        if name not in PICKER_KEYS:
            actions = ", ".join(PICKER_KEYS)
            return name, f"unknown picker action '{where}'.", f"The actions are: {actions}."
        if not isinstance(value, str) or not all(k.strip() for k in value.split(",")):
            return name, f'{where} must be a key in quotes, e.g. "ctrl+l".', ""
    clash = key_clash(table)
    if clash is None:
        return None
    key, first, second = clash
    return (
        second if second in table else first,
        f"[keys] gives the key '{key}' to both {first} and {second}.",
        "Give one of them another key (each key does one thing in the picker).",
    )
