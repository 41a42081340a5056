"""Command palette over the catalog (Ctrl+P): every profile by name, matched with the fast index,
and every client that exists ("Client 3: Initech"), which the palette selects by number."""

from __future__ import annotations

from functools import partial
from itertools import islice
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from xswitch.core.text import visible

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
        # visible(): control characters in names are shown escaped, never sent to the terminal.
        client = visible(self.picker.client_name_of(name))
        return Content.assemble(Content(visible(name)), ("  " + client, "dim"))

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


class ClientProvider(Provider):
    """Hits are the clients of the catalog; choosing one shows its profiles."""

    @property
    def picker(self) -> XswitchApp:
        return self.app  # type: ignore[return-value]

    def _clients(self) -> list[tuple[int, str, Content]]:
        return [
            (
                number,
                f"Client {number}: {visible(client.name)}",
                _client_display(number, client.name),
            )
            for number, client in enumerate(self.picker.catalog.clients, start=1)
        ]

    async def discover(self) -> Hits:
        for number, text, display in islice(self._clients(), PALETTE_LIMIT):
            yield DiscoveryHit(display, partial(self.picker.action_jump_client, number), text=text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for number, text, display in self._clients():
            score = matcher.match(text)
            if score > 0:
                jump = partial(self.picker.action_jump_client, number)
                yield Hit(score, display, jump, text=text)


def _client_display(number: int, name: str) -> Content:
    # Content(...) takes the client's name literally (the matcher's highlight would read markup).
    return Content.assemble((f"Client {number}: ", "dim"), Content(visible(name)))
