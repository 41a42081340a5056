"""What credentials are used for, and the sync that finds them: plan a subshell, the export lines
to copy, a console link, an SSO sync. The CLI and the picker only present what these return (and
word their own refusals); nothing here prints or draws.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from xswitch.core.model import Catalog, Client, Credentials, Profile, SsoSession

if TYPE_CHECKING:
    from xswitch.core.console import ConsoleLink
    from xswitch.core.model import Prompter
    from xswitch.core.sso.discovery import Discovery, Progress, SyncReport


def production_client(catalog: Catalog, profile: Profile) -> Client | None:
    """The client of `profile` when it is marked as production (a confirmation is due)."""
    client = catalog.client(profile.client)
    return client if client is not None and client.prod else None


def confirms_production(typed: str, client: Client) -> bool:
    """Whether `typed` is the production client's name: case and surrounding spaces ignored, and a
    name with control characters counts in its escaped form, as shown (it cannot be typed)."""
    from xswitch.core.text import visible

    wanted = {client.name.strip().casefold(), visible(client.name).strip().casefold()}
    return typed.strip().casefold() in wanted


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
    region: str | None = None,
) -> SubshellPlan:
    """The shell for `profile`: `creds` exported, or (None) the variables in `served` of a
    container-credentials endpoint that refreshes them (the agent's). `region`: a --region."""
    from xswitch.core.regions import region_of
    from xswitch.core.shell import subshell_env

    client = catalog.client(profile.client)
    client_name = client.name if client else profile.client
    prod = bool(client and client.prod)
    shell_env = subshell_env(
        env, creds, region_of(profile, env, region), profile.name, client_name, prod, served
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
    region: str | None = None,
) -> Exports:
    """Export lines for `creds` in the shell syntax `flag`, else the caller's shell's;
    `region`: a --region."""
    from xswitch.core.regions import region_of
    from xswitch.core.shell import choose_shell, export_lines

    syntax = choose_shell(flag, env, catalog.settings.shell)
    return Exports(syntax, export_lines(creds, region_of(profile, env, region), syntax))


def console_link(
    catalog: Catalog,
    profile: Profile,
    creds: Credentials,
    env: Mapping[str, str],
    *,
    region: str | None = None,
    service: str | None = None,
    path: str | None = None,
) -> ConsoleLink:
    """The console sign-in for `creds` (a GetSigninToken call: blocking, bounded), on the page of
    `service` or `path` in `region` (default: the profile's); for a chained role, its limit and
    the switch-role alternative."""
    from xswitch.core.console import console_link as link

    return link(profile, creds, catalog, region=region, service=service, path=path, env=env)


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
    into_catalog: str | None = None,
    browser: str = "default",
    use_device_code: bool = False,
) -> tuple[Discovery, SyncReport]:
    """Log in if needed, discover the session's accounts and roles, store them in config.toml
    (or, `into_catalog`, in that followed catalog's clone, for review).

    Blocking. `relogin` starts a new device login whatever the saved token (after the portal
    refused it); `on_progress` sees each account as it arrives; `cancelled` stops the listing.
    `browser`/`use_device_code`: how a login signs in (the browser setting, or a device code).
    """
    from xswitch.core.browser import parse_browser
    from xswitch.core.sso.auth import SsoAuth
    from xswitch.core.sso.discovery import discover, store

    auth = SsoAuth(
        session,
        env,
        open_browser=open_browser,
        timeout=timeout,
        browser=parse_browser(browser),
        use_device_code=use_device_code,
    )
    token = auth.login(prompter) if relogin else auth.token(prompter)
    discovery = discover(
        session, token, env=env, rate=rate, on_progress=on_progress, cancelled=cancelled
    )
    if into_catalog:
        from xswitch.core.catalogs.intake import sync_into

        return discovery, sync_into(into_catalog, discovery, env)[0]
    return discovery, store(discovery, env)
