"""What the picker shows of an SSO sync (`S`, run by `ui.sync_actions`): which session to sync,
the "syncing…" client whose rows appear as accounts arrive, and the one-line status shown in the
header and the details view. The sync itself is `core.actions.uses.sync_sso` (as for `xswitch sso
sync`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xswitch.core.model import Catalog, Client, Kind, Origin, Profile, SsoSession

if TYPE_CHECKING:
    from xswitch.core.sso.discovery import DiscoveredAccount, Discovery, Progress, SyncReport

# No configuration can produce this key (config.toml keys are TOML bare or quoted strings shown
# to people; a control character is refused there), so the provisional client never collides.
SYNCING_KEY = "\x00syncing"


def syncing_client(session: SsoSession) -> Client:
    """The client under which discovered roles appear until the sync is stored."""
    return Client(key=SYNCING_KEY, name=f"syncing {session.name}…", derived=True)


def session_to_sync(catalog: Catalog, profile: Profile | None) -> SsoSession | None:
    """The SSO session of `profile`, else the only one configured; None means: ask."""
    session = catalog.sso_session_of(profile) if profile is not None else None
    if session is not None:
        return session
    if len(catalog.sso_sessions) == 1:
        return next(iter(catalog.sso_sessions.values()))
    return None


def _belongs_to(profile: Profile, session: SsoSession) -> bool:
    if profile.kind is not Kind.SSO:
        return False
    if session.legacy:
        return profile.get("sso_start_url") == session.start_url
    return profile.sso_session == session.name


class SyncPreview:
    """The catalog as shown during a sync: what was configured plus the roles discovered so far.

    It owns its copy of the profile table, so adding rows never touches the configured catalog.
    """

    def __init__(self, catalog: Catalog, session: SsoSession) -> None:
        self.before = catalog
        self.session = session
        self.client = syncing_client(session)
        self.profiles: dict[str, Profile] = dict(catalog.profiles)
        self.catalog = Catalog(
            clients=(*catalog.clients, self.client),
            profiles=self.profiles,
            sso_sessions=catalog.sso_sessions,
            settings=catalog.settings,
        )
        mine = (p for p in catalog.profiles.values() if _belongs_to(p, session))
        self.known = {(p.account_id, p.role_name) for p in mine}
        self.added: list[str] = []

    def add(self, account: DiscoveredAccount) -> list[str]:
        """Provisional profiles for the roles of `account` not configured yet; their names."""
        from xswitch.core.sso.discovery import profile_name

        names = []
        for role in account.roles:
            if (account.id, role) in self.known:
                continue
            self.known.add((account.id, role))
            name = profile_name(account, role, lambda n: n in self.profiles)
            self.profiles[name] = Profile(
                name=name,
                kind=Kind.SSO,
                origin=Origin.SSO_SYNC,
                client=SYNCING_KEY,
                settings={
                    "sso_session": self.session.name,
                    "sso_account_id": account.id,
                    "sso_role_name": role,
                    "region": self.session.region,
                },
                tags=(account.name,),
            )
            names.append(name)
        self.added += names
        return names

    def is_provisional(self, name: str) -> bool:
        return name in self.profiles and name not in self.before.profiles


def progress_line(session: str, progress: Progress) -> str:
    more = "" if progress.listing_complete else "+"
    throttled = f", throttled {progress.throttled}×" if progress.throttled else ""
    return (
        f"SSO sync {session}: {progress.accounts_done}/{progress.accounts_found}{more} accounts"
        f"{throttled}…"
    )


def summary_line(session: str, discovery: Discovery, report: SyncReport) -> str:
    parts = [f"{len(report.added)} new", f"{report.kept} unchanged"]
    if report.revived:
        parts.append(f"{len(report.revived)} back")
    if report.stale:
        parts.append(f"{len(report.stale)} marked stale")
    if report.skipped:
        parts.append(f"{len(report.skipped)} already in ~/.aws/config")
    return (
        f"SSO sync {session}: {len(discovery.accounts)} accounts, {discovery.role_count} roles; "
        + ", ".join(parts)
        + "."
    )
