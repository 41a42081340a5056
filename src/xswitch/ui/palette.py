"""Command palette over the catalog: every profile by name (Ctrl+P), matched with the fast index."""

from __future__ import annotations

from functools import partial
from itertools import islice
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

if TYPE_CHECKING:
    from xswitch.ui.app import XswitchApp

PALETTE_LIMIT = 40


class ProfileProvider(Provider):
    """Hits are profiles; choosing one selects it in the picker."""

    @property
    def picker(self) -> XswitchApp:
        return self.app  # type: ignore[return-value]

    def _display(self, name: str) -> Content:
        # Content(...) takes the text literally: a profile named "[red]x[/]" shows as typed.
        return Content.assemble(Content(name), ("  " + self.picker.client_name_of(name), "dim"))

    async def discover(self) -> Hits:
        for name in islice(self.picker.catalog.profiles, PALETTE_LIMIT):
            yield DiscoveryHit(
                self._display(name), partial(self.picker.select_profile, name), text=name
            )

    async def search(self, query: str) -> Hits:
        matches = self.picker.profile_index().search(query, limit=PALETTE_LIMIT)
        for rank, match in enumerate(matches):
            yield Hit(
                1.0 - rank / (len(matches) + 1),
                self._display(match.key),
                partial(self.picker.select_profile, match.key),
                text=match.key,
            )
