"""`xswitch keys add|list|remove NAME`: long-lived access keys kept in the keyring.

Secrets are read from a hidden prompt or from stdin, never from argv. Adding keys for a name that
no profile uses yet also registers a `keys` profile of that name in xswitch's config.toml, so that
roles can name it as their `source_profile`.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys

from xswitch.cli.context import Context
from xswitch.core import errors
from xswitch.core.model import Credentials

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
    add.set_defaults(func=add_keys)

    listing = keys.add_parser("list", help="list the names of stored key pairs")
    listing.set_defaults(func=list_keys)

    remove = keys.add_parser("remove", help="delete a stored key pair")
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(func=remove_keys)


def _read_pair(args: argparse.Namespace) -> tuple[str, str]:
    if args.stdin or not sys.stdin.isatty():
        lines = sys.stdin.read().splitlines()
        if len(lines) < 2:
            raise errors.UsageError(
                "Expected two lines on stdin: the access key ID, then the secret access key.",
                'Example: printf \'%s\\n%s\\n\' "$ID" "$SECRET" | xswitch keys add NAME --stdin',
            )
        return lines[0].strip(), lines[1].strip()
    key_id = input("Access key ID: ").strip()
    secret = getpass.getpass("Secret access key (hidden): ").strip()
    return key_id, secret


def add_keys(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.vault import Vault

    key_id, secret = _read_pair(args)
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
    Vault(ctx.env, ctx.prompter()).set_keys(args.name, Credentials(key_id, secret))
    registered = _register_profile(ctx, args.name)
    masked = key_id[:4] + "…" + key_id[-4:]
    ctx.note(f"Stored keys {masked} as '{args.name}' in the keyring.")
    if registered:
        ctx.note(
            f"Added profile '{args.name}' to xswitch's config; roles can use "
            f"source_profile = {args.name}."
        )
    return 0


def _register_profile(ctx: Context, name: str) -> bool:
    """Add `[profiles.NAME] keys = NAME` unless a profile of that name exists already."""
    from xswitch.core.paths import config_file
    from xswitch.core.settings import edit_document

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
    for name in names:
        ctx.print(name)
    return 0


def remove_keys(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.vault import Vault

    if not Vault(ctx.env, ctx.prompter()).delete_keys(args.name):
        raise errors.UsageError(
            f"No keys are stored under '{args.name}'.", "See 'xswitch keys list'."
        )
    ctx.note(f"Removed keys '{args.name}' from the keyring.")
    return 0
