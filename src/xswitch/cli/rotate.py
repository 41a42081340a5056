"""`xswitch keys rotate NAME` and `keys list --ages`: replacing a stored access key without ever
being left without a working one, and how old each stored key is (`core.rotation`)."""

from __future__ import annotations

import argparse
from typing import Any

from xswitch.cli.context import Context, plain
from xswitch.core.text import visible


def add_rotate_parser(keys: argparse._SubParsersAction) -> None:
    rotate = keys.add_parser(
        "rotate",
        help="replace a stored key with a new one of the same IAM user",
        description="Create a new access key, wait until it works, store it, then delete the "
        "old key (or deactivate it with --keep-old).",
    )
    rotate.add_argument("name", metavar="NAME")
    rotate.add_argument(
        "--keep-old", action="store_true", help="deactivate the old key instead of deleting it"
    )
    rotate.add_argument(
        "--wait",
        type=int,
        default=60,
        metavar="SECONDS",
        help="how long the new key is given to start working (default 60)",
    )
    rotate.set_defaults(func=rotate_keys)


def rotate_keys(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.iam import masked
    from xswitch.core.rotation import rotate

    catalog_timeout = ctx.catalog().settings.network_timeout
    done = rotate(
        args.name,
        ctx.env,
        ctx.prompter(),
        keep_old=args.keep_old,
        wait=max(1, args.wait),
        timeout=catalog_timeout,
        progress=ctx.note,
    )
    old = "deactivated (Inactive)" if done.old_kept else "deleted"
    ctx.note(
        f"Rotated '{plain(done.name)}' (IAM user {plain(done.user)}): the new key "
        f"{masked(done.new_key)} is stored and works; the old key {masked(done.old_key)} was "
        f"{old}."
    )
    return 0


def print_ages(ctx: Context, vault: Any, names: list[str]) -> int:
    from datetime import UTC, datetime

    from xswitch.core.doctor import KEY_AGE_LIMIT
    from xswitch.core.iam import masked
    from xswitch.core.rotation import key_ages

    now = datetime.now(UTC)
    for age in key_ages(names, ctx.env, ctx.prompter(), ctx.catalog().settings.network_timeout):
        if age.created is None:
            text = f"age unknown ({age.problem})"
        else:
            days = int((now - age.created).total_seconds() // 86400)
            text = f"{days} days old" + (
                f" - over {KEY_AGE_LIMIT}: rotate it with 'xswitch keys rotate {visible(age.name)}'"
                if days > KEY_AGE_LIMIT
                else ""
            )
        ctx.print(f"{visible(age.name)}\t{masked(age.key_id)}\t{text}")
    return 0
