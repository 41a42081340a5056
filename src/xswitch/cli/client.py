"""`xswitch client add|edit|remove|policy`: onboard a client's cross-account role.

`add` takes flags (scripts) or, at a terminal, asks for what the flags left out (a wizard on
/dev/tty); it writes xswitch's config.toml only, then tries the role at once and shows the
result as `doctor` does. `policy` prints the trust policy for the client, the identity policy for
your side and a request to paste into an email. The rules live in `core.onboard`.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from xswitch.cli.context import Context, plain
from xswitch.core import errors
from xswitch.core.onboard import GENERATE, ClientSpec
from xswitch.core.text import visible


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("client", help="onboard a client: add, edit, remove, policy")
    actions = parser.add_subparsers(title="client commands", metavar="ACTION", required=True)

    add = actions.add_parser(
        "add",
        help="add a client and its role (asks for what the flags leave out, at a terminal)",
        description="Add a client and the role you assume in its account. Without --role-arn "
        "and --source-profile, asks for the values at the terminal.",
    )
    add.add_argument("name", metavar="NAME", nargs="?", help="the client's name (e.g. acme)")
    _role_flags(add)
    add.add_argument("--no-check", action="store_true", help="do not try the role after adding")
    add.set_defaults(func=add_client)

    edit = actions.add_parser("edit", help="change a client's role settings")
    edit.add_argument("name", metavar="NAME")
    _role_flags(edit)
    edit.add_argument("--no-check", action="store_true", help="do not try the role after editing")
    edit.set_defaults(func=edit_client)

    remove = actions.add_parser("remove", help="remove a client and the profiles xswitch made")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(func=remove_client)

    policy = actions.add_parser(
        "policy",
        help="print the trust policy to send, your side's policy, and the request text",
    )
    policy.add_argument("name", metavar="CLIENT")
    policy.add_argument("--mfa", action="store_true", help="the trust policy requires MFA")
    policy.add_argument(
        "--account", action="store_true", help="trust your whole account (its root), not you"
    )
    policy.add_argument(
        "--all", action="store_true", help="your side's policy covers every client's roles"
    )
    policy.add_argument("--json", action="store_true", help="print everything as one JSON object")
    policy.add_argument(
        "--only",
        choices=("trust", "identity", "request"),
        help="print only that document (e.g. for --assume-role-policy-document)",
    )
    policy.add_argument("--mfa-code", metavar="CODE", help="MFA code (or set XSWITCH_MFA_CODE)")
    policy.set_defaults(func=client_policy)


def _role_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--role-arn", metavar="ARN", help="arn:aws:iam::ACCOUNT:role/NAME")
    parser.add_argument(
        "--external-id",
        metavar="ID",
        help="the external ID (case-sensitive); 'generate' makes a random one",
    )
    parser.add_argument("--source-profile", metavar="PROFILE", help="your profile to assume from")
    parser.add_argument("--mfa-serial", metavar="ARN", help="your MFA device")
    parser.add_argument("--session-name", metavar="NAME", help="role session name (CloudTrail)")
    parser.add_argument("--duration", metavar="SECONDS", help="session duration in seconds")
    parser.add_argument("--region", metavar="REGION", help="the client's default region")
    parser.add_argument("--prod", action=argparse.BooleanOptionalAction, help="production client")
    parser.add_argument("--color", metavar="COLOUR", help="a colour name or #rrggbb")
    parser.add_argument("--display-name", metavar="TEXT", help="the name shown in the picker")
    parser.add_argument("--profile", metavar="NAME", help="the role profile's name (default NAME)")
    parser.add_argument("--mfa-code", metavar="CODE", help="MFA code for trying the role")


def _flag_values(args: argparse.Namespace) -> dict[str, Any]:
    from xswitch.core.onboard import parse_duration

    values: dict[str, Any] = {
        "role_arn": args.role_arn,
        "source_profile": args.source_profile,
        "external_id": args.external_id,
        "mfa_serial": args.mfa_serial,
        "session_name": args.session_name,
        "duration": parse_duration(args.duration) if args.duration else args.duration,
        "region": args.region,
        "prod": args.prod,
        "color": args.color,
        "name": args.display_name,
        "profile": args.profile,
    }
    return values


# --- add ------------------------------------------------------------------------------------------


def add_client(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.onboard import check_spec, generate_external_id, write_client
    from xswitch.core.paths import config_file

    catalog = ctx.catalog()
    values = _flag_values(args)
    scripted = bool(args.name and values["role_arn"] and values["source_profile"])
    if not scripted:
        if not ctx.prompter().at_terminal():
            missing = [
                flag
                for flag, value in (
                    ("NAME", args.name),
                    ("--role-arn", values["role_arn"]),
                    ("--source-profile", values["source_profile"]),
                )
                if not value
            ]
            raise errors.UsageError(
                "client add needs " + ", ".join(missing) + " (there is no terminal to ask on).",
                "Example: xswitch client add acme --role-arn arn:aws:iam::123456789012:role/"
                "Contractor --source-profile me --external-id generate",
            )
        from xswitch.cli.client_wizard import Wizard

        spec, generated = Wizard(ctx, catalog, args.name, values).run()
    else:
        generated = values["external_id"] == GENERATE
        if generated:
            values["external_id"] = generate_external_id()
        spec = ClientSpec(
            key=args.name,
            **{k: v for k, v in values.items() if v is not None and k != "prod"},
            prod=bool(values["prod"]),
        )
    check_spec(spec, catalog)
    write_client(config_file(ctx.env), spec)
    ctx.note(
        f"Added client '{spec.key}' with profile '{spec.profile_name}' to {config_file(ctx.env)}."
    )
    if generated and spec.external_id:
        ctx.print(f"External ID (generated; send it to the client): {spec.external_id}")
        ctx.note(
            "It is case-sensitive. 'xswitch client policy "
            f"{spec.key}' prints the trust policy that holds it."
        )
    return _try_role(args, ctx, spec)


def _try_role(args: argparse.Namespace, ctx: Context, spec: ClientSpec) -> int:
    """Assume the new role at once and show the result in doctor's words."""
    if args.no_check:
        return 0
    from xswitch.cli.doctor import show_checks
    from xswitch.core.config.catalog import load_catalog
    from xswitch.core.doctor import Status, diagnose

    catalog = load_catalog(ctx.env)
    ctx.note(f"Trying the role of '{spec.profile_name}'...")
    checks = diagnose(catalog.profiles[spec.profile_name], catalog, ctx.prompter(), ctx.env)
    show_checks(ctx, checks)
    if any(c.status is Status.FAIL for c in checks):
        ctx.note(
            "The client was added, but the role cannot be assumed yet (see above). Until the "
            f"client has set the trust policy, that is expected: 'xswitch client policy "
            f"{spec.key}' prints what to send, and 'xswitch doctor {spec.profile_name}' tries "
            "again."
        )
    else:
        ctx.note(f"The role works: 'xswitch exec {spec.profile_name}' opens a shell in it.")
    return 0


# --- edit, remove ---------------------------------------------------------------------------------


def edit_client(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.onboard import (
        check_spec,
        edited,
        generate_external_id,
        spec_of,
        write_client,
    )
    from xswitch.core.paths import config_file

    catalog = ctx.catalog()
    current = spec_of(catalog, args.name, args.profile)
    values = _flag_values(args)
    values.pop("profile")
    generated = values["external_id"] == GENERATE
    if generated:
        values["external_id"] = generate_external_id()
    spec = edited(current, values)
    if spec == current:
        raise errors.UsageError(
            f"Nothing to change in client '{args.name}'.",
            "Pass the settings to change, e.g. --external-id ID or --duration 3600 ('' clears "
            "one).",
        )
    check_spec(spec, catalog, editing=True)
    write_client(config_file(ctx.env), spec)
    ctx.note(f"Updated client '{spec.key}' (profile '{spec.profile_name}').")
    if generated and spec.external_id:
        ctx.print(f"External ID (generated; send it to the client): {spec.external_id}")
    return _try_role(args, ctx, spec)


def remove_client(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.onboard import remove_client as remove
    from xswitch.core.paths import config_file

    if not args.yes:
        prompter = ctx.prompter()
        if not prompter.at_terminal():
            raise errors.UsageError(
                f"Removing client '{plain(args.name)}' needs a confirmation.",
                "Pass --yes (there is no terminal to ask on). Nothing was changed.",
            )
        answer = prompter.ask(
            f"Remove client '{plain(args.name)}' and its profiles from xswitch's config? [y/N] ",
            "a confirmation",
        )
        if answer.strip().lower() not in ("y", "yes"):
            ctx.note("Nothing was changed.")
            return 0
    removed = remove(config_file(ctx.env), args.name)
    ctx.note(
        f"Removed client '{args.name}'"
        + (f" and its profiles {', '.join(removed)}." if removed else ".")
        + " Keys in the keyring and cached sessions were left as they are."
    )
    return 0


# --- policy ---------------------------------------------------------------------------------------


def client_policy(args: argparse.Namespace, ctx: Context) -> int:
    from xswitch.core.identity import client_policies
    from xswitch.core.policies import pretty

    found = client_policies(
        ctx.catalog(),
        args.name,
        ctx.sessions(),
        ctx.prompter(),
        mfa=args.mfa,
        account=args.account,
        every_client=args.all,
    )
    if args.json:
        ctx.print(json.dumps(found.as_json(), indent=2))
        return 0
    if args.only == "trust":
        ctx.print(pretty(found.trust))
        return 0
    if args.only == "identity":
        ctx.print(pretty(found.identity))
        return 0
    if args.only == "request":
        ctx.print(visible(found.request(), keep_newlines=True))
        return 0
    ctx.print("# 1. The trust policy: the client sets it on the role, in the Trust relationships")
    ctx.print("#    tab (not the permissions). It trusts " + plain(found.principal) + ".")
    ctx.print(pretty(found.trust))
    ctx.print()
    ctx.print("# 2. Your side (often missed): allow yourself sts:AssumeRole on the role.")
    from xswitch.core.iam import Caller

    owner = Caller(found.caller_arn, "").principal_arn
    ctx.print("#    Attach it to " + plain(owner) + ", e.g. with:")
    ctx.print("#    " + plain(found.attach_command("identity.json")))
    ctx.print(pretty(found.identity))
    ctx.print()
    ctx.print("# 3. A request to paste into an email:")
    ctx.print(visible(found.request(), keep_newlines=True))
    return 0
