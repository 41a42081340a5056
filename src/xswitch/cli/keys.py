"""`xswitch keys add|list|remove NAME`: long-lived access keys kept in the keyring.

Secrets are read from a hidden prompt on the terminal (/dev/tty, so a captured stdout changes
nothing) or from stdin, never from argv. Adding keys for a name that no profile uses yet also
registers a `keys` profile of that name in xswitch's config.toml, so that roles can name it as
their `source_profile`. Stored keys are replaced only when the person says so (or `--force`).
"""

from __future__ import annotations

import argparse
import re
import sys

from xswitch.cli.context import Context, plain
from xswitch.core import errors
from xswitch.core.model import Credentials
from xswitch.core.text import visible

_KEY_ID = re.compile(r"^(AKIA|ASIA)[A-Z0-9]{12,124}$")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("keys", help="manage long-lived access keys in the keyring")
    keys = parser.add_subparsers(title="keys commands", metavar="ACTION", required=True)

    add = keys.add_parser("add", help="store an access key pair (read from a prompt or stdin)")
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--stdin",
        action="store_true",
        help="read two lines from stdin: access key ID, then secret access key",
    )
    add.add_argument("--force", action="store_true", help="replace keys already stored under NAME")
    add.set_defaults(func=add_keys)

    listing = keys.add_parser("list", help="list the names of stored key pairs")
    listing.add_argument(
        "--ages", action="store_true", help="also each key's ID and age, asked of IAM"
    )
    listing.set_defaults(func=list_keys)

    from xswitch.cli.rotate import add_rotate_parser

    add_rotate_parser(keys)

    remove = keys.add_parser("remove", help="delete a stored key pair")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=remove_keys)


def _from_stdin(args: argparse.Namespace) -> bool:
    return args.stdin or not sys.stdin.isatty()


def _read_pair(args: argparse.Namespace, ctx: Context) -> tuple[str, str]:
    if _from_stdin(args):
        lines = sys.stdin.read().splitlines()
        if len(lines) < 2:
            raise errors.UsageError(
                "Expected two lines on stdin: the access key ID, then the secret access key.",
                'Example: printf \'%s\\n%s\\n\' "$ID" "$SECRET" | xswitch keys add NAME --stdin',
            )
        return lines[0].strip(), lines[1].strip()
    prompter = ctx.prompter()
    key_id = prompter.ask("Access key ID: ", "the access key ID").strip()
    secret = prompter.ask_secret("Secret access key (hidden): ", "the secret access key").strip()
    return key_id, secret


def _mask(key_id: str) -> str:
    from xswitch.core.iam import masked

    return plain(masked(key_id))


def add_keys(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.vault import Vault

    # A configuration error shows before the questions: the keys would be stored, then the
    # profile that uses them not registered.
    ctx.catalog()
    vault = Vault(ctx.env, ctx.prompter())
    stored = vault.get_keys(args.name)
    if stored is not None and not args.force:
        already = f"Keys {_mask(stored.access_key_id)} are already stored as '{plain(args.name)}'"
        if _from_stdin(args):
            raise errors.UsageError(
                f"{already}; nothing was changed.",
                "Pass --force to replace them, or remove them first with "
                f"'xswitch keys remove {plain(args.name)}'.",
            )
        answer = ctx.prompter().ask(
            f"{already}. Replace them? [y/N] ", "a confirmation to replace the stored keys"
        )
        if answer.strip().lower() not in ("y", "yes"):
            raise errors.UsageError(f"{already}; they were kept, nothing was changed.")
    key_id, secret = _read_pair(args, ctx)
    if not _KEY_ID.match(key_id):
        raise errors.UsageError(
            "That does not look like an AWS access key ID (they start with AKIA and have 20 "
            "characters).",
            "Paste the key ID first and the secret second; nothing was stored.",
        )
    if len(secret) < 16:
        raise errors.UsageError(
            "The secret access key looks too short.", "Nothing was stored; try again."
        )
    vault.set_keys(args.name, Credentials(key_id, secret))
    registered = _register_profile(ctx, args.name)
    ctx.note(f"Stored keys {_mask(key_id)} as '{plain(args.name)}' in the keyring.")
    if registered:
        ctx.note(
            f"Added profile '{plain(args.name)}' to xswitch's config; roles can use "
            f"source_profile = {plain(args.name)}."
        )
    return 0


def _register_profile(ctx: Context, name: str) -> bool:
    """Add `[profiles.NAME] keys = NAME` unless a profile of that name exists already."""
    from xswitch.core.config.settings import edit_document
    from xswitch.core.paths import config_file

    if name in ctx.catalog().profiles:
        return False
    with edit_document(config_file(ctx.env)) as doc:
        profiles = doc.setdefault("profiles", {})
        if name in profiles:
            return False
        profiles[name] = {"keys": name}
    return True


def list_keys(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.vault import Vault

    vault = Vault(ctx.env, ctx.prompter())
    names = vault.names()
    if not names:
        ctx.note(f"No keys stored ({vault.backend_name()}). Add some with 'xswitch keys add NAME'.")
        return 0
    if getattr(args, "ages", False):
        from xswitch.cli.rotate import print_ages

        return print_ages(ctx, vault, names)
    for name in names:
        ctx.print(visible(name))
    return 0


def remove_keys(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.vault import Vault

    if not Vault(ctx.env, ctx.prompter()).delete_keys(args.name):
        raise errors.UsageError(
            f"No keys are stored under '{plain(args.name)}'.", "See 'xswitch keys list'."
        )
    ctx.note(f"Removed keys '{plain(args.name)}' from the keyring.")
    users = _profiles_using(ctx, args.name)
    if users:
        shown = ", ".join(map(plain, users[:10])) + (" ..." if len(users) > 10 else "")
        ctx.note(
            f"Profiles that still use the name '{plain(args.name)}': {shown}. They fail until "
            f"keys are stored again with 'xswitch keys add {plain(args.name)}' (or their "
            "configuration changes)."
        )
    return 0


def _profiles_using(ctx: Context, name: str) -> list[str]:
    """Profiles whose keys are the keyring's NAME, and roles assumed from those profiles."""
    try:
        profiles = ctx.catalog().profiles
    except errors.XswitchError:
        return []  # the keys are gone either way; a broken config is reported by other commands
    holders = {p.name for p in profiles.values() if p.keyring_name == name}
    return [p.name for p in profiles.values() if p.name in holders or p.source_profile in holders]
