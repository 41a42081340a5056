"""What the details pane says of a profile. What takes a scan of every profile to find (its
source chain, the profiles one MFA code unlocks, the live MFA session it is assumed from) is found
once per profile and kept until the catalog changes (the MFA sessions: until the session board is
read again)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text

from xswitch.core.errors import XswitchError
from xswitch.core.model import Catalog, MfaSessionInfo, Profile
from xswitch.ui.sync import SYNCING_KEY
from xswitch.ui.widgets.details import details_text

if TYPE_CHECKING:
    from xswitch.core.sessions import SessionManager
    from xswitch.ui.board import SessionBoard

# No configuration can produce this client key: the provisional rows of a running SSO sync.


class ProfileFacts:
    def __init__(self) -> None:
        self._chains: dict[str, list[str] | XswitchError] = {}
        self._unlocked: dict[str, list[str]] = {}
        self._mfa_sessions: list[MfaSessionInfo] = []
        self._mfa_read = -1

    def forget(self) -> None:
        """The catalog changed: chains and unlocks are found anew."""
        self._chains.clear()
        self._unlocked.clear()

    def chain(self, sessions: SessionManager, profile: Profile) -> list[str] | XswitchError:
        if profile.name not in self._chains:
            try:
                self._chains[profile.name] = sessions.chain_description(profile)
            except XswitchError as error:
                self._chains[profile.name] = error
        return self._chains[profile.name]

    def unlocks(self, sessions: SessionManager, profile: Profile) -> list[str]:
        if profile.name not in self._unlocked:
            try:
                self._unlocked[profile.name] = sessions.unlocks(profile)
            except XswitchError:
                self._unlocked[profile.name] = []
        return self._unlocked[profile.name]

    def live_mfa(
        self, sessions: SessionManager, profile: Profile, now: datetime, loads: int
    ) -> MfaSessionInfo | None:
        """`loads`: how often the board read the session cache (the MFA sessions follow it)."""
        from xswitch.core.sessions import live_mfa_session

        if self._mfa_read != loads:
            self._mfa_read = loads
            try:
                self._mfa_sessions = sessions.mfa_sessions()
            except XswitchError:
                self._mfa_sessions = []
        return live_mfa_session(profile.name, self._mfa_sessions, now)

    def details(
        self,
        catalog: Catalog,
        sessions: SessionManager,
        board: SessionBoard,
        profile: Profile,
        notes: Sequence[tuple[str, str]],
        now: datetime,
        *,
        provisional: bool = False,
    ) -> Text:
        """The details of `profile` (`provisional`: found by a sync not stored yet, which the
        engine does not know; nor is a syncing row's MFA device worth a scan)."""
        chain = [] if provisional else self.chain(sessions, profile)
        error = board.errors.get(profile.name)
        if isinstance(chain, XswitchError):
            error, chain = error or chain, []
        unlocks: list[str] = []
        if profile.mfa_serial and profile.client != SYNCING_KEY:
            unlocks = self.unlocks(sessions, profile)
        return details_text(
            profile,
            catalog.client(profile.client),
            chain,
            unlocks,
            board.row(profile.name, now),
            board.expirations.get(profile.name),
            error,
            now,
            notes=notes,
            mfa=self.live_mfa(sessions, profile, now, board.loads),
            source=catalog.source_of(profile),
        )
