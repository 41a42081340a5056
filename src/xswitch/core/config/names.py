"""Name resolution: the profile a user means by `NAME` or `client/NAME`, else did-you-mean."""

from __future__ import annotations

from collections.abc import Iterable

from xswitch.core.errors import UnknownProfile
from xswitch.core.model import Catalog, Profile
from xswitch.core.text import visible


def resolve(catalog: Catalog, name: str) -> Profile:
    """The profile called `name`, or `client/profile` (client key or display name, any case)."""
    profile = catalog.profiles.get(name)
    if profile is not None:
        return profile
    start = 0
    while (slash := name.find("/", start)) != -1:
        client_part, profile_part = name[:slash], name[slash + 1 :]
        start = slash + 1
        profile = catalog.profiles.get(profile_part)
        if profile is None:
            continue
        client = catalog.client(profile.client)
        if client and client_part.casefold() in (client.key.casefold(), client.name.casefold()):
            return profile
    if "\\" in name:
        # A name with control characters is shown (and completed) with them escaped: accept that
        # form too, so that what the completion offered can be used.
        for known, profile in catalog.profiles.items():
            if not known.isprintable() and visible(known) == name:
                return profile
    raise UnknownProfile(name, suggest(catalog, name))


def suggest(catalog: Catalog, name: str, limit: int = 3) -> list[str]:
    """Up to `limit` known names close to `name` (profile names or `client/profile` forms)."""
    import difflib

    folded = name.casefold()
    exact_case = [known for known in catalog.profiles if known.casefold() == folded]
    # A "client/" form is offered only when the name itself looks like one.
    if "/" in name:
        candidates = [f"{p.client}/{p.name}" for p in catalog.profiles.values()]
    else:
        candidates = list(catalog.profiles)
    close = difflib.get_close_matches(name, candidates, n=limit, cutoff=0.6)
    return _unique([*exact_case, *close])[:limit]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
