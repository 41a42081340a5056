"""`xswitch catalog add|list|pull|remove|init`: client catalogs shared by a team through git."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from xswitch.cli.context import Context
from xswitch.core import errors
from xswitch.core.text import counted, visible

SHOWN = 20  # names listed per kind of change; the rest are counted


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("catalog", help="client catalogs shared by a team through git")
    catalog = parser.add_subparsers(title="catalog commands", metavar="ACTION", required=True)

    add = catalog.add_parser("add", help="follow a catalog: clone its git repository")
    add.add_argument("name", metavar="NAME", help="a short name for it, e.g. team")
    add.add_argument("url", metavar="URL", help="any URL git understands, or a local path")
    add.add_argument("--ref", default="", metavar="BRANCH", help="branch (default: the remote's)")
    add.add_argument(
        "--path", default="catalog.toml", metavar="FILE", help="the catalog file in the repository"
    )
    add.add_argument(
        "--allow-commands",
        action="store_true",
        help="let its profiles run credential_process / mfa_process (trust every committer)",
    )
    add.set_defaults(func=add_command)

    show = catalog.add_parser("list", help="the catalogs followed, their last pull and content")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=list_command)

    pull = catalog.add_parser("pull", help="fetch catalogs now and show what changed")
    pull.add_argument("name", nargs="?", metavar="NAME", help="one catalog (default: all)")
    pull.add_argument("--background", action="store_true", help=argparse.SUPPRESS)
    pull.set_defaults(func=pull_command)

    remove = catalog.add_parser("remove", help="stop following a catalog and delete its clone")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument(
        "--force", action="store_true", help="delete the clone even with work not pushed"
    )
    remove.set_defaults(func=remove_command)

    init = catalog.add_parser("init", help="start a new catalog repository (with a README)")
    init.add_argument("directory", metavar="DIR", type=Path)
    init.set_defaults(func=init_command)


def add_command(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.catalogs import registry, store

    result = store.add(
        args.name,
        args.url,
        ref=args.ref,
        path=args.path,
        allow_commands=args.allow_commands,
        env=ctx.env,
    )
    changes = result.changes
    ctx.print(
        f"Catalog '{args.name}' added at commit {result.commit[:10]}: "
        f"{counted(len(changes.clients_added), 'client')}, "
        f"{counted(len(changes.profiles_added), 'profile')}."
    )
    if changes.prod_on:
        more = len(changes.prod_on) - SHOWN
        ctx.print(
            "Production clients: "
            + ", ".join(map(visible, changes.prod_on[:SHOWN]))
            + (f" and {more} more" if more > 0 else "")
        )
    ctx.note(f"Its clone is {registry.clone_dir(args.name, ctx.env)}.")
    return 0


def pull_command(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.catalogs import store, updates

    if args.background:
        updates.pull_due(ctx.env)
        return 0
    names = [args.name] if args.name else [entry.name for entry in store.followed(ctx.env)]
    if not names:
        ctx.note("xswitch follows no catalog yet. Add one with 'xswitch catalog add NAME URL'.")
        return 0
    code = 0
    for name in names:
        try:
            result = store.pull(name, ctx.env)
        except errors.XswitchError as error:
            ctx.error(error)
            ctx.note(f"Catalog '{name}': the last good copy stays in use.")
            code = max(code, error.exit_code)
            continue
        for line in describe(result):
            ctx.print(line)
    return code


def describe(result) -> list[str]:
    """The lines `catalog pull` prints for one catalog: production flags turned on first."""
    changes = result.changes
    name = visible(result.name)
    if result.old_commit == result.commit and changes.empty:
        lines = [f"{name}: up to date (commit {result.commit[:10]})."]
    else:
        start = result.old_commit[:10] or "nothing"
        lines = [f"{name}: {start} -> {result.commit[:10]}"]
        if changes.empty:
            lines.append("  no change to clients or profiles")
    sections = (
        ("! production now", changes.prod_on),
        ("! runs a command now", changes.commands_added),
        ("+ client", changes.clients_added),
        ("- client", changes.clients_removed),
        ("~ client", changes.clients_changed),
        ("+ profile", changes.profiles_added),
        ("- profile", changes.profiles_removed),
        ("~ profile", changes.profiles_changed),
    )
    for label, names in sections:
        lines.extend(f"  {label}: {visible(item)}" for item in names[:SHOWN])
        if len(names) > SHOWN:
            lines.append(f"  {label}: ... and {len(names) - SHOWN} more")
    if result.local_work:
        lines.append(
            "  (the clone holds local work, so its files were left as they were; the new "
            "commit is in use)"
        )
    return lines


def list_command(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.catalogs import registry, store

    statuses = store.statuses(ctx.env)
    if args.json:
        rows = [
            {
                "name": status.entry.name,
                "url": status.entry.url,
                "ref": status.entry.ref,
                "path": status.entry.path,
                "allow_commands": status.entry.allow_commands,
                "clone": str(registry.clone_dir(status.entry.name, ctx.env)),
                "commit": status.state.commit or None,
                "pulled_at": status.state.pulled_at or None,
                "attempted_at": status.state.attempted_at or None,
                "problem": status.state.problem or None,
                "clients": status.clients,
                "profiles": status.profiles,
                "left_out": status.left_out or None,
            }
            for status in statuses
        ]
        ctx.print(json.dumps(rows, indent=2))
        return 0
    if not statuses:
        ctx.note("xswitch follows no catalog yet. Add one with 'xswitch catalog add NAME URL'.")
        return 0
    now = datetime.now(UTC)
    for status in statuses:
        entry, state = status.entry, status.state
        ctx.print(
            f"{visible(entry.name)}  branch {visible(entry.ref or '(default)')}  "
            f"{_ago(state.pulled_at, now)}  "
            f"{counted(status.clients, 'client')}, {counted(status.profiles, 'profile')}"
            + ("  (may run commands)" if entry.allow_commands else "")
        )
        ctx.print(f"  {visible(entry.url)}  file {visible(entry.path)}")
        if not status.cloned:
            ctx.print(f"  not cloned yet: run 'xswitch catalog pull {visible(entry.name)}'")
        if state.problem:
            ctx.print("  last update failed: " + visible(state.problem))
        if status.left_out:
            ctx.print("  left out: " + visible(status.left_out))
    return 0


def _ago(moment: str, now: datetime) -> str:
    from xswitch.core.times import local_time, parse_rfc3339

    try:
        pulled = parse_rfc3339(moment)
    except ValueError:
        return "never pulled"
    hours = int((now - pulled).total_seconds() // 3600)
    age = "less than an hour ago" if hours < 1 else f"{hours} h ago"
    return f"pulled {local_time(pulled, now)} ({age})"


def remove_command(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.catalogs import store

    store.remove(args.name, ctx.env, force=args.force)
    ctx.print(f"Catalog '{visible(args.name)}' removed: its clients and profiles are gone.")
    return 0


def init_command(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.catalogs.newrepo import init

    written = init(args.directory, ctx.env)
    for path in written:
        ctx.print(f"wrote {visible(str(path))}")
    ctx.note(
        "Edit the catalog, then commit and push it to your team's git server "
        f"(git -C {visible(str(args.directory))} commit -m 'Client catalog'); each person then "
        "runs 'xswitch catalog add NAME URL'."
    )
    return 0
