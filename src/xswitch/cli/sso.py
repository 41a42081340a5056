"""`xswitch sso login|sync|logout [SESSION]`: IAM Identity Center login and account discovery.

SESSION is an `[sso-session NAME]`, the start URL of legacy SSO profiles, or the name of an SSO
profile (meaning its session); it may be left out when only one SSO session is configured.
The verification URL and code go to the terminal (stderr without one); `sync` prints its summary
on stdout.
"""

from __future__ import annotations

import argparse
import threading
from datetime import datetime

from xswitch.cli.context import Context
from xswitch.core import errors
from xswitch.core.actions import uses as actions
from xswitch.core.model import Catalog, SsoSession
from xswitch.core.text import visible


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sso", help="IAM Identity Center (SSO) login and account discovery"
    )
    sso = parser.add_subparsers(title="sso commands", metavar="ACTION", required=True)

    login = sso.add_parser(
        "login",
        help="log in to an SSO session (in the browser, or with a device code)",
        description="Log in to an SSO session: authorization code with PKCE in a browser on this "
        "machine, or a device code to approve anywhere (--use-device-code, and automatically "
        "when no browser can be opened here).",
    )
    login.add_argument("session", nargs="?", metavar="SESSION")
    login.add_argument(
        "--no-browser", action="store_true", help="device code: print the URL, open nothing"
    )
    login.add_argument(
        "--use-device-code",
        action="store_true",
        help="approve a code (on any device) instead of signing in with a browser here",
    )
    login.set_defaults(func=login_command)

    sync = sso.add_parser(
        "sync", help="discover every account and role of an SSO session as profiles"
    )
    sync.add_argument("session", nargs="?", metavar="SESSION")
    sync.add_argument(
        "--rate",
        type=float,
        default=None,
        metavar="N",
        help="portal requests per second (default: settings.sso_rate_limit, 10)",
    )
    sync.add_argument(
        "--no-browser", action="store_true", help="if a login is needed, open nothing"
    )
    sync.add_argument(
        "--into-catalog",
        metavar="NAME",
        help="write the roles into a followed catalog's clone for review, not into config.toml",
    )
    sync.add_argument(
        "--use-device-code", action="store_true", help="if a login is needed, use a device code"
    )
    sync.set_defaults(func=sync_command)

    logout = sso.add_parser("logout", help="end an SSO session and delete its cached token")
    logout.add_argument("session", nargs="?", metavar="SESSION")
    logout.set_defaults(func=logout_command)


def choose_session(catalog: Catalog, wanted: str | None) -> SsoSession:
    """The session named (or implied) on the command line."""
    sessions = catalog.sso_sessions
    if wanted:
        if wanted in sessions:
            return sessions[wanted]
        profile = catalog.profiles.get(wanted)
        session = catalog.sso_session_of(profile) if profile is not None else None
        if session is not None:
            return session
        raise errors.UsageError(
            f"There is no SSO session (or SSO profile) named '{wanted}'.",
            _choices(sessions),
        )
    if len(sessions) == 1:
        return next(iter(sessions.values()))
    if not sessions:
        raise errors.UsageError(
            "No SSO session is configured.",
            "Add an [sso-session NAME] section with sso_start_url and sso_region to "
            "~/.aws/config (or a [sso-sessions.NAME] table to xswitch's config.toml).",
        )
    raise errors.UsageError("Several SSO sessions are configured; name one.", _choices(sessions))


def _choices(sessions) -> str:
    if not sessions:
        return "No SSO session is configured."
    return "Choose one of: " + ", ".join(sorted(sessions)) + "."


def _open_browser(args: argparse.Namespace, ctx: Context) -> bool:
    from xswitch.core.sso.auth import NO_BROWSER_ENV

    return not (getattr(args, "no_browser", False) or bool(ctx.env.get(NO_BROWSER_ENV)))


def _auth(session: SsoSession, args: argparse.Namespace, ctx: Context):
    from xswitch.core.browser import browser_for
    from xswitch.core.sso.auth import SsoAuth

    settings = ctx.catalog().settings
    return SsoAuth(
        session,
        ctx.env,
        open_browser=_open_browser(args, ctx),
        timeout=settings.network_timeout,
        browser=browser_for(settings.browser),
        use_device_code=getattr(args, "use_device_code", False),
    )


def login_command(args: argparse.Namespace, ctx: Context) -> int:
    session = choose_session(ctx.catalog(), args.session)
    token = _auth(session, args, ctx).login(ctx.prompter())
    from xswitch.core.times import local_time

    until = local_time(token.expires_at, datetime.now().astimezone())
    ctx.note(f"Logged in to SSO session '{session.name}' until {until}.")
    return 0


def logout_command(args: argparse.Namespace, ctx: Context) -> int:
    session = choose_session(ctx.catalog(), args.session)
    if _auth(session, args, ctx).logout():
        ctx.note(f"Logged out of SSO session '{session.name}'.")
    else:
        ctx.note(f"Not logged in to SSO session '{session.name}'; nothing to do.")
    return 0


def sync_command(args: argparse.Namespace, ctx: Context) -> int:
    catalog = ctx.catalog()
    session = choose_session(catalog, args.session)
    rate = args.rate if args.rate is not None else catalog.settings.sso_rate_limit
    if not rate > 0:
        raise errors.UsageError("--rate must be a positive number of requests per second.")
    if args.into_catalog:
        from xswitch.core.catalogs.intake import clone_file

        written = clone_file(args.into_catalog, ctx.env)  # refused before any login if need be
    bar = ProgressBar(ctx.err)
    try:
        discovery, report = actions.sync_sso(
            session,
            ctx.env,
            ctx.prompter(),
            rate=rate,
            open_browser=_open_browser(args, ctx),
            timeout=catalog.settings.network_timeout,
            on_progress=bar.update,
            into_catalog=args.into_catalog,
            browser=catalog.settings.browser,
            use_device_code=args.use_device_code,
        )
    finally:
        bar.close()
    ctx.print(
        f"SSO session '{visible(session.name)}': {len(discovery.accounts)} accounts, "
        f"{discovery.role_count} roles in {discovery.seconds:.1f} s "
        f"({discovery.requests} requests, {discovery.throttled} throttled)."
    )
    ctx.print(
        f"{len(report.added)} new profiles, {report.kept} unchanged, "
        f"{len(report.revived)} back, {len(report.stale)} marked stale"
        + (f", {len(report.skipped)} already in ~/.aws/config" if report.skipped else "")
        + "."
    )
    for name in report.added[:20]:
        ctx.print(f"  + {visible(name)}")  # names come from the SSO portal
    if len(report.added) > 20:
        ctx.print(f"  ... and {len(report.added) - 20} more")
    for name in report.stale:
        ctx.print(f"  - {visible(name)} (stale: the role is no longer assigned)")
    if args.into_catalog:
        ctx.print(f"Written to {visible(str(written))}, not committed.")
        ctx.note(
            f"Review it (git -C {visible(str(written.parent))} diff), then commit and push it; "
            "everyone following the catalog gets it with their next pull."
        )
    _offer_aws_config(ctx)
    return 0


def _offer_aws_config(ctx: Context) -> None:
    """Once the user opted in (the block exists), keep it current; else say how to opt in."""
    from xswitch.core.config import load_catalog
    from xswitch.core.config.awsblock import has_block, sync

    if has_block(ctx.env):
        from xswitch.cli.awsconfig import say

        say(ctx, sync(load_catalog(ctx.env), ctx.env))
    else:
        ctx.note(
            "To use these profiles from the AWS CLI, SDKs and other tools by name, run "
            "'xswitch aws-config sync' (it adds one generated block to ~/.aws/config)."
        )


class ProgressBar:
    """A one-line progress display on stderr, redrawn at most ten times a second, on terminals."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream
        self.enabled = bool(getattr(stream, "isatty", lambda: False)())
        self._last = 0.0
        self._lock = threading.Lock()
        self._drawn = False

    def update(self, progress) -> None:
        if not self.enabled:
            return
        now = datetime.now().timestamp()
        with self._lock:
            final = progress.listing_complete and progress.accounts_done == progress.accounts_found
            if now - self._last < 0.1 and not final:
                return
            self._last = now
            total = progress.accounts_found
            filled = int(self.WIDTH * progress.accounts_done / total) if total else 0
            more = "" if progress.listing_complete else "+"
            account = visible(progress.account.name)[:30]
            line = (
                f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                f"{progress.accounts_done}/{total}{more} accounts  {account:<30}"
            )
            self.stream.write(line)
            self.stream.flush()
            self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
