"""Shells that stay right: `init` (the `xs` hook), `_hook` (what `xs` runs), `agent`, `status`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from xswitch.cli.context import Context, plain
from xswitch.core import errors

_HOOK_HELP = """\
Add to your shell's startup file:
  bash (~/.bashrc):   eval "$(xswitch init bash)"
  zsh  (~/.zshrc):    eval "$(xswitch init zsh)"
  fish (config.fish): xswitch init fish | source
Then: xs PROFILE [--region R] switches this shell, xs - goes back to the previous profile,
xs off clears what xswitch set, xs alone opens the picker (Enter switches this shell).
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="print the shell hook that defines `xs` (switch this shell)",
        description=_HOOK_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=("bash", "zsh", "fish"))
    parser.add_argument(
        "--no-marker",
        action="store_true",
        help="leave the prompt alone (a theme such as starship shows XSWITCH_PROMPT_MARKER)",
    )
    parser.set_defaults(func=init)

    # What `xs` runs; its own name in messages. Not in --help.
    parser = subparsers.add_parser("_hook", prog="xs")
    parser.add_argument("shell", choices=("bash", "zsh", "fish"))
    parser.add_argument("pid", type=int)
    parser.add_argument("profile", nargs="?", metavar="PROFILE")
    parser.add_argument("--region", metavar="REGION")
    parser.add_argument("--keys", action="store_true", help="export keys instead of the endpoint")
    parser.add_argument("--mfa-code", metavar="CODE")
    parser.add_argument("--yes", action="store_true")
    parser.set_defaults(func=hook)

    # What a tmux window opened by the picker runs. Not in --help.
    parser = subparsers.add_parser("_window")
    parser.add_argument("slot")
    parser.add_argument("--region", metavar="REGION")
    parser.set_defaults(func=window)

    parser = subparsers.add_parser(
        "agent",
        help="the background agent that keeps every xswitch shell's credentials fresh",
        description="The per-user agent: started on demand by the commands that set up shells, "
        "gone when no shell uses it. 'status' says what it holds, 'stop' ends it.",
    )
    parser.add_argument("action", choices=("status", "stop", "start", "run"))
    parser.add_argument("--json", action="store_true", help="status as JSON")
    parser.set_defaults(func=agent)

    parser = subparsers.add_parser(
        "status", help="one line for status bars: this shell's role, sessions ending soon"
    )
    parser.add_argument("--tmux", action="store_true", help="with tmux colour codes")
    parser.set_defaults(func=status)


def init(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.hook import init_script

    ctx.out.write(init_script(args.shell, marker=not args.no_marker))
    return 0


# --- xs -----------------------------------------------------------------------------------------


def hook(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core import agentlink
    from xswitch.core.hook import off_variables
    from xswitch.core.shell import render_exports

    if args.profile == "off":
        agentlink.release(ctx.env, ctx.env.get("XSWITCH_SLOT"))
        ctx.out.write(render_exports(*off_variables(ctx.env), args.shell))
        return 0
    name = args.profile
    if name == "-":
        name = ctx.env.get("XSWITCH_PREVIOUS")
        if not name:
            raise errors.UsageError(
                "This shell has no previous profile to go back to.",
                "'xs -' returns to the profile used before the last 'xs PROFILE'.",
            )
    region = args.region
    if name is None:
        name, region = _pick(ctx, region)
    ctx.out.write(switch_code(ctx, args, name, region))
    return 0


def _pick(ctx: Context, region: str | None) -> tuple[str, str | None]:
    """The picker, whose Enter chooses instead of opening a subshell."""
    import sys

    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        raise errors.UsageError(
            "'xs' without a profile opens the picker, which needs a terminal.",
            "Name the profile: xs PROFILE.",
        )
    from xswitch.ui.heap import paused_for_startup

    startup = paused_for_startup()
    from xswitch.ui.app import XswitchApp

    app = XswitchApp(ctx.catalog(), ctx.sessions(), env=ctx.env, startup=startup, choose=True)
    chosen = app.run()
    if not chosen:
        raise errors.PromptCancelled("The picker")
    return str(chosen), region


def switch_code(ctx: Context, args: argparse.Namespace, name: str, region: str | None) -> str:
    """Shell code that switches the calling shell to `name` (obtaining the session first)."""
    from xswitch.cli.handoff import confirm_production, obtain
    from xswitch.core import agentlink, regions
    from xswitch.core.config import resolve
    from xswitch.core.hook import switch_variables
    from xswitch.core.shell import credential_variables, render_exports
    from xswitch.core.times import countdown, local_time

    catalog = ctx.catalog()
    confirm_production(ctx, args, resolve(catalog, name).name)
    profile, creds = obtain(ctx, name)
    region = regions.region_of(profile, ctx.env, region)
    client = catalog.client(profile.client)
    client_name = client.name if client else profile.client
    endpoint = None
    if not args.keys:
        try:
            endpoint = agentlink.endpoint_variables(ctx.env, profile.name, args.pid, creds)
        except errors.AgentError as error:
            ctx.note(f"xswitch: {error} Exporting the session's keys instead (no auto-refresh).")
    agentlink.release(ctx.env, ctx.env.get("XSWITCH_SLOT"))
    expires = int(creds.expiration.timestamp()) if creds.expiration else None
    variables = switch_variables(
        ctx.env,
        profile=profile.name,
        client=client_name,
        prod=bool(client and client.prod),
        region=region,
        creds_variables=credential_variables(None if endpoint else creds, region),
        endpoint=endpoint,
        expires=expires,
        margin=catalog.settings.refresh_margin,
    )
    how = "refreshed by the agent" if endpoint else "exported keys"
    until = ""
    if creds.expiration is not None:
        left = max(creds.seconds_left() or 0, 0)
        until = f", session until {local_time(creds.expiration)} ({countdown(left)} left)"
    where = f" in {region}" if region else ""
    ctx.note(f"xs: {plain(client_name)}/{plain(profile.name)}{where}{until}, {how}.")
    return render_exports(*variables, args.shell)


def window(args: argparse.Namespace, ctx: Context) -> int:
    """The shell of a tmux window the picker opened: the agent's slot taken over (the session
    came with it: no keyring, no prompt), the prompt marker, the window closes with the shell."""
    import os
    import shutil
    import tempfile

    from xswitch.core import agentlink, shell
    from xswitch.core.config import resolve

    name, endpoint = agentlink.adopt(ctx.env, args.slot, os.getpid())
    catalog = ctx.catalog()
    profile = resolve(catalog, name)
    client = catalog.client(profile.client)
    client_name = client.name if client else profile.client
    prod = bool(client and client.prod)
    env = shell.subshell_env(ctx.env, None, args.region, profile.name, client_name, prod, endpoint)
    shell_path = ctx.env.get("SHELL") or shutil.which("bash") or "/bin/sh"
    with tempfile.TemporaryDirectory(prefix="xswitch-") as tmp:
        argv, extra = shell.subshell_command(
            shell_path,
            f"{client_name}/{profile.name}",
            prod,
            Path(tmp),
            env=ctx.env,
            margin=catalog.settings.refresh_margin,
        )
        ctx.note(
            f"Entering a subshell for {plain(client_name)}/{plain(profile.name)}; "
            "'exit' closes this window."
        )
        return shell.run_subshell(argv, {**env, **extra})


# --- agent --------------------------------------------------------------------------------------


def agent(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core import agentlink

    if args.action == "run":
        from xswitch.core.agentd import run

        return run(ctx.env)
    if args.action == "start":
        answer = agentlink.ensure(ctx.env)
        ctx.note(f"The xswitch agent runs (pid {answer['pid']}).")
        return 0
    if args.action == "stop":
        pid = agentlink.stop(ctx.env)
        ctx.note(f"Stopped the xswitch agent (pid {pid})." if pid else "No agent was running.")
        return 0
    try:
        answer = agentlink.request(ctx.env, "status")
    except agentlink.AgentNotRunning:
        if args.json:
            ctx.print('{"running": false}')
            return 0
        ctx.print(
            f"The xswitch agent is not running (directory {agentlink.directory(ctx.env)}); the "
            "next 'xs', 'exec' or picker subshell starts it."
        )
        _print_log_tail(ctx, agentlink.directory(ctx.env) / agentlink.LOG_FILE)
        return 0
    if args.json:
        import json

        ctx.print(json.dumps({"running": True, **answer}, indent=2))
        return 0
    _print_agent_status(ctx, answer)
    return 0


def _print_agent_status(ctx: Context, answer: dict) -> None:
    from xswitch.core.text import visible
    from xswitch.core.times import countdown, parse_rfc3339

    now = datetime.now(UTC)
    started = datetime.fromtimestamp(float(answer["started"]), UTC)
    up = countdown((now - started).total_seconds())
    ctx.print(
        f"The xswitch agent runs: pid {answer['pid']}, endpoint 127.0.0.1:{answer['port']}, up "
        f"{up}, directory {visible(str(answer['directory']))}"
    )
    ctx.print(f"  stops after {countdown(float(answer['idle_limit']))} with no shell using it")
    for shell in answer.get("shell_list", []):
        note = f"  ({visible(shell['note'])})" if shell.get("note") else ""
        ctx.print(f"  shell {shell['pid']}: {visible(str(shell['profile']))}{note}")
    for session in answer.get("session_list", []):
        left = ""
        if session.get("expiration"):
            seconds = (parse_rfc3339(session["expiration"]) - now).total_seconds()
            left = f", {countdown(max(seconds, 0))} left"
        ctx.print(f"  session: {visible(str(session['profile']))}{left}")


def _print_log_tail(ctx: Context, path: Path) -> None:
    from xswitch.core import fs
    from xswitch.core.text import visible

    try:
        lines = fs.read_private_file(path, 1024 * 1024).decode(errors="replace").splitlines()
    except OSError:
        return
    if lines:
        ctx.print("Its log ends with:")
        for line in lines[-3:]:
            ctx.print("  " + visible(line))


# --- status -------------------------------------------------------------------------------------


def status(args: argparse.Namespace, ctx: Context) -> int:
    """One line: this shell's profile and time left, then the live sessions ending first."""
    from xswitch.core.text import visible
    from xswitch.core.times import countdown

    catalog = ctx.catalog()
    margin = catalog.settings.refresh_margin
    now = datetime.now(UTC)
    parts: list[str] = []

    def paint(text: str, prod: bool, soon: bool) -> str:
        if not args.tmux:
            return text
        color = "red" if prod else "yellow" if soon else "cyan"
        # '#' starts a tmux format: names are shown with it doubled.
        return f"#[fg={color}]{text.replace('#', '##')}#[default]"

    current = ctx.env.get("XSWITCH_PROFILE")
    if current:
        expires = ctx.env.get("XSWITCH_EXPIRES", "")
        state = _state_epoch(ctx.env.get("XSWITCH_STATE"))
        epoch = state or (int(expires) if expires.isdigit() else None)
        left = None if epoch is None else epoch - now.timestamp()
        text = visible(f"{ctx.env.get('XSWITCH_CLIENT', '')}/{current}")
        if left is not None:
            text += " " + (countdown(left) if left > 0 else "expired")
        soon = left is not None and left < margin
        parts.append(paint(text, ctx.env.get("XSWITCH_PROD") == "1", soon))
    sessions = ctx.sessions().cached_sessions()
    live = sorted(
        (info for info in sessions.values() if info.expiration > now),
        key=lambda info: info.expiration,
    )
    if live:
        first = live[0]
        left = (first.expiration - now).total_seconds()
        profile = catalog.profiles.get(first.profile)
        client = catalog.client(profile.client) if profile else None
        text = f"{len(live)} live, next ends in {countdown(left)} ({visible(first.profile)})"
        parts.append(paint(text, bool(client and client.prod), left < margin))
    ctx.print(" | ".join(parts) if parts else "no live session")
    return 0


def _state_epoch(path: str | None) -> int | None:
    if not path:
        return None
    from xswitch.core import fs

    try:
        first = fs.read_private_file(Path(path), 4096).split(b"\n", 1)[0]
    except OSError:
        return None
    return int(first) if first.isdigit() else None
