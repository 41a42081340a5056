"""Switch-role bookmarks for the browser's own Switch Role: a Netscape bookmark file (one folder
per client) or the configuration of the "AWS Extend Switch Roles" extension (INI, targets grouped
under their source account, colours from the clients).

Only roles the console can switch to are listed: assume-role profiles with an account and a role
name and without an external ID (the switch-role page cannot send one).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

from xswitch.core.browser import hex_color
from xswitch.core.console import switch_role_url
from xswitch.core.model import Catalog, Client, Kind, Profile

_INI_UNSAFE = re.compile(r"[\[\]\r\n\x00-\x1f\x7f;#=]")


def switchable(catalog: Catalog) -> Iterator[tuple[Client | None, Profile]]:
    """The profiles a switch-role link works for, with their client, in display order."""
    for profile in catalog.profiles.values():
        if (
            profile.kind is Kind.ROLE
            and profile.account_id
            and profile.role_name
            and not profile.external_id
            and not profile.stale
        ):
            yield catalog.client(profile.client), profile


def _link(client: Client | None, profile: Profile) -> str:
    assert profile.account_id and profile.role_name  # switchable() checked
    return switch_role_url(
        profile.account_id,
        profile.role_name,
        profile.name,
        hex_color(client.color if client else None),
    )


def bookmark_file(catalog: Catalog) -> str:
    """A Netscape bookmark file (every browser imports it): a folder per client."""
    folders: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for client, profile in switchable(catalog):
        key = client.key if client else ""
        names[key] = client.name if client else "Other"
        link = html.escape(_link(client, profile), quote=True)
        folders.setdefault(key, []).append(
            f'            <DT><A HREF="{link}">{html.escape(profile.name)}</A>'
        )
    lines = [
        "<!DOCTYPE NETSCAPE-Bookmark-file-1>",
        "<!-- Switch-role links written by 'xswitch console bookmarks'. -->",
        '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
        "<TITLE>Bookmarks</TITLE>",
        "<H1>Bookmarks</H1>",
        "<DL><p>",
        "    <DT><H3>AWS switch role (xswitch)</H3>",
        "    <DL><p>",
    ]
    for key, links in folders.items():
        lines.append(f"        <DT><H3>{html.escape(names[key])}</H3>")
        lines.append("        <DL><p>")
        lines.extend(links)
        lines.append("        </DL><p>")
    lines += ["    </DL><p>", "</DL><p>", ""]
    return "\n".join(lines)


def aesr_config(catalog: Catalog) -> str:
    """AWS Extend Switch Roles' configuration: for each source whose account is known, a base
    section and its targets (`source_profile`); the other roles as plain entries."""
    grouped: dict[str, list[str]] = {}
    plain: list[str] = []
    for client, profile in switchable(catalog):
        section = [f"[{_ini_name(profile.name)}]", f"aws_account_id = {profile.account_id}"]
        section.append(f"role_name = {profile.role_name}")
        color = hex_color(client.color if client else None)
        if color:
            section.append(f"color = {color.lower()}")
        if profile.region:
            section.append(f"region = {_ini_value(profile.region)}")
        source = catalog.profiles.get(profile.source_profile or "")
        if source is not None and source.account_id:
            section.append(f"source_profile = {_ini_name(source.name)}")
            grouped.setdefault(source.name, []).append("\n".join(section))
        else:
            plain.append("\n".join(section))
    blocks: list[str] = []
    for source_name, targets in grouped.items():
        source = catalog.profiles[source_name]
        blocks.append(f"[{_ini_name(source.name)}]\naws_account_id = {source.account_id}")
        blocks.extend(targets)
    blocks.extend(plain)
    header = "; AWS Extend Switch Roles configuration written by 'xswitch console bookmarks'.\n"
    return header + "\n\n".join(blocks) + "\n"


def _ini_name(name: str) -> str:
    """A section name the extension can read: characters that would end or break the header
    become '_'."""
    return _INI_UNSAFE.sub("_", name).strip() or "_"


def _ini_value(value: str) -> str:
    return _INI_UNSAFE.sub("_", value).strip()
