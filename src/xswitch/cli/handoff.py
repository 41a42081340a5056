"""Credentials handed over: `export` (lines for a shell or the clipboard), `exec` (a subshell or a
command), `console` (a browser); and the production guard they all pass first."""

from __future__ import annotations

import argparse

from xswitch.cli.context import Context, plain
from xswitch.cli.hot import CREDENTIAL_PROCESS_MIN_SECONDS
from xswitch.core import errors
from xswitch.core.actions import uses as actions
from xswitch.core.model import Credentials, Profile


def obtain(
    ctx: Context, name: str, *, force: bool = False, min_seconds_left: int | None = None
) -> tuple[Profile, Credentials]:
    from xswitch.core.config import resolve

    profile = resolve(ctx.catalog(), name)
    creds = ctx.sessions().credentials(
        profile, ctx.prompter(), force_refresh=force, min_seconds_left=min_seconds_left
    )
    return profile, creds


def confirm_production(ctx: Context, args: argparse.Namespace, name: str) -> None:
    """Ask for the client's name before handing out a production client's credentials.

    At a terminal the name must be typed (case and surrounding spaces ignored); without one,
    `--yes` confirms. Called before any credential is obtained, so a refusal changes nothing.
    """
    from xswitch.core.config import resolve

    profile = resolve(ctx.catalog(), name)
    client = actions.production_client(ctx.catalog(), profile)
    if client is None or getattr(args, "yes", False):
        return
    prompter = ctx.prompter()
    what = f"'{plain(profile.name)}' belongs to the production client '{plain(client.name)}'"
    if not prompter.at_terminal():
        raise errors.UsageError(
            f"{what}, and there is no terminal to confirm on, so nothing was done.",
            "Pass --yes to confirm from a script.",
        )
    typed = prompter.ask(
        f"{what}.\nType the client's name to go on: ", "a confirmation of the production client"
    )
    if not actions.confirms_production(typed, client):
        raise errors.UsageError(
            f"That is not the name of the client ('{plain(client.name)}'), so nothing was done.",
            "Run the command again and type the name as shown (or pass --yes).",
        )


def export(args: argparse.Namespace, ctx: Context) -> int:
    confirm_production(ctx, args, args.profile)
    profile, creds = obtain(ctx, args.profile)
    lines = actions.exports(ctx.catalog(), profile, creds, ctx.env, args.shell)
    if args.copy:
        _copy(ctx, lines.lines, f"{lines.shell} export lines for '{plain(profile.name)}'")
        return 0
    text = lines.lines
    ctx.out.write(text if text.endswith("\n") else text + "\n")
    return 0


def _copy(ctx: Context, text: str, what: str) -> None:
    """Put `text` on the system clipboard, else send it by OSC 52 to the terminal (/dev/tty: the
    output may be captured), and say which; exit 2 when neither happened."""
    from xswitch.cli.context import TerminalPrompter, open_tty
    from xswitch.core.clipboard import Route, copy, osc52_sequence

    def to_terminal(data: str) -> None:
        tty = open_tty()
        if tty is not None:
            with tty:
                tty.write(osc52_sequence(data))

    terminal = to_terminal if TerminalPrompter.at_terminal() else None
    copied = copy(text, terminal=terminal, env=ctx.env)
    if copied.route is Route.NONE:
        raise errors.UsageError(copied.describe(what))
    ctx.note(copied.describe(what))


_EXEC_FLAGS = {"--force": "force", "--server": "server", "--yes": "yes"}


def exec_options(args: argparse.Namespace) -> None:
    """Take exec's own options from between PROFILE and `--` (`exec P --server -- CMD`):
    argparse leaves everything after PROFILE to the command."""
    command = list(args.command)
    while command and command[0] != "--":
        word = command[0]
        if word in _EXEC_FLAGS:
            setattr(args, _EXEC_FLAGS[word], True)
            del command[0]
        elif word == "--mfa-code":
            if len(command) < 2 or command[1] == "--":
                raise errors.UsageError(
                    "--mfa-code needs a value.", "Example: xswitch exec P --mfa-code 123456 -- CMD"
                )
            args.mfa_code = command[1]
            del command[:2]
        elif word.startswith("--mfa-code="):
            args.mfa_code = word.partition("=")[2]
            del command[0]
        elif word.startswith("-") and len(word) > 1:
            raise _unknown_exec_option(word)
        else:
            break
    args.command = command[1:] if command[:1] == ["--"] else command


def _unknown_exec_option(word: str) -> errors.UsageError:
    """A mistyped option (`--sever`) is not a program to look for on PATH."""
    import difflib

    known = [*_EXEC_FLAGS, "--mfa-code"]
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return errors.UsageError(
        f"exec has no option '{plain(word)}'." + (f" Did you mean '{close[0]}'?" if close else ""),
        "Its options are --server, --force, --yes and --mfa-code CODE; the command "
        "to run goes after '--': xswitch exec PROFILE [OPTIONS] -- CMD ARGS.",
    )


def exec_command(args: argparse.Namespace, ctx: Context) -> int:
    import contextlib

    from xswitch.core.shell import run_subshell

    command = list(args.command)
    outer = actions.outer_subshell(ctx.env)
    # A one-off command inside an xswitch shell is fine; a shell in a shell is easy to forget.
    if outer is not None and not command and not args.force:
        raise errors.NestedSession(
            f"You are already in an xswitch subshell for '{plain(outer)}'.",
            "Type 'exit' to leave it first, pass --force to nest anyway, or run a single "
            "command with 'xswitch exec PROFILE -- CMD'.",
        )
    confirm_production(ctx, args, args.profile)
    profile, creds = obtain(ctx, args.profile)
    with contextlib.ExitStack() as stack:
        if args.server:
            from xswitch.core.server import CredentialsServer

            sessions, prompter = ctx.sessions(), ctx.prompter()
            server = stack.enter_context(
                CredentialsServer(
                    lambda: sessions.credentials(
                        profile, prompter, min_seconds_left=CREDENTIAL_PROCESS_MIN_SECONDS
                    )
                )
            )
            plan = actions.plan_subshell(
                ctx.catalog(), profile, None, ctx.env, served=server.environment()
            )
        else:
            plan = actions.plan_subshell(ctx.catalog(), profile, creds, ctx.env)
        if command:
            return run_subshell(command, plan.env)
        argv, env = stack.enter_context(plan.shell())
        ctx.note(
            f"Entering a subshell for {plain(plan.client_name)}/{plain(profile.name)}; "
            "type 'exit' to leave."
        )
        return run_subshell(argv, env)


CONSOLE_HANDOFF_WAIT = 60  # seconds the command waits for the browser to pick up the link


def console(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.browser import browser_for
    from xswitch.core.config import resolve
    from xswitch.core.console import destination_for
    from xswitch.core.handoff import open_secret_url

    catalog = ctx.catalog()
    if args.profile == "bookmarks" and "bookmarks" not in catalog.profiles:
        return console_bookmarks(args, ctx)
    profile = resolve(catalog, args.profile)
    client = catalog.client(profile.client)
    # Everything the command line can get wrong is refused before any login or prompt.
    destination_for(args.region or profile.region_in(ctx.env), args.service, args.path)
    browser = browser_for(catalog.settings.browser, client, args.browser)
    confirm_production(ctx, args, args.profile)
    profile, creds = obtain(ctx, args.profile)
    link = actions.console_link(
        catalog, profile, creds, ctx.env, region=args.region, service=args.service, path=args.path
    )
    if link.chained:
        ctx.note(plain(link.chained_notice(profile.name)))
    if args.print:
        ctx.print(link.url)
        return 0
    handoff = open_secret_url(link.url, browser, client, ctx.env, profile.name)
    if handoff is None:
        raise errors.UsageError(
            "No web browser could be opened here, so the console was not opened.",
            f"Run 'xswitch console {plain(args.profile)} --print' for the sign-in link (valid "
            "for 15 minutes, once) and open it in a browser yourself, or set a browser command "
            "(the browser setting, or --browser).",
        )
    try:
        if not handoff.wait(CONSOLE_HANDOFF_WAIT):
            raise errors.UsageError(
                f"The browser was started but did not open the sign-in link within "
                f"{CONSOLE_HANDOFF_WAIT} s.",
                "Check the browser setting: with firefox-container, the 'Open external links "
                "in a container' extension must be installed; a command template must open "
                "its {url}. Or use --print and open the link yourself.",
            )
    finally:
        handoff.close()
    where = f" ({args.service})" if args.service else ""
    ctx.note(f"Opened the AWS console for '{plain(profile.name)}'{where}.")
    return 0


def console_bookmarks(args: argparse.Namespace, ctx: Context) -> int:
    """`xswitch console bookmarks`: switch-role links for the browser's own Switch Role."""
    from xswitch.core.bookmarks import aesr_config, bookmark_file

    catalog = ctx.catalog()
    text = aesr_config(catalog) if args.format == "aesr" else bookmark_file(catalog)
    if not args.output:
        ctx.print(text.rstrip("\n"))
        return 0
    from pathlib import Path

    from xswitch.core import fs

    target = Path(args.output).expanduser()
    try:
        fs.write_private(target, text.encode("utf-8"))
    except OSError as error:
        raise errors.UsageError(
            f"Could not write {plain(str(target))} ({error.strerror or error}).",
            "Check that its directory exists and is writable.",
        ) from None
    ctx.note(f"Wrote {plain(str(target))}.")
    return 0
