"""Catalog updates nobody has to wait for: at most one background pull per period (the
`catalog_pull_hours` setting), run by a detached `xswitch catalog pull --background` so that no
command and no picker frame waits for git; and each problem a background pull met, told once."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from xswitch.core.catalogs import registry
from xswitch.core.model import Catalog
from xswitch.core.times import parse_rfc3339


def due(name: str, hours: int, env: Mapping[str, str] = os.environ) -> bool:
    """Whether catalog `name` has not been tried for `hours` (never due when `hours` is 0)."""
    if hours <= 0:
        return False
    attempted = registry.read_state(name, env).attempted_at
    try:
        last = parse_rfc3339(attempted)
    except ValueError:
        return True
    return datetime.now(UTC) - last >= timedelta(hours=hours)


def notices(catalog: Catalog, env: Mapping[str, str] = os.environ) -> list[str]:
    """What to tell about the catalogs now: problems of background pulls not told yet (marked
    told by this call), and catalogs left out of this configuration."""
    told: list[str] = []
    for name in catalog.layers.names:
        state = registry.read_state(name, env)
        if state.problem and not state.problem_shown:
            told.append(
                f"The last update of catalog '{name}' failed; its last good copy stays in use. "
                + state.problem
            )
            # Told again next time rather than not at all if the state cannot be written.
            with contextlib.suppress(OSError):
                registry.write_state(name, replace(state, problem_shown=True), env)
    return [*told, *catalog.layers.problems]


def start_background_pull(catalog: Catalog, env: Mapping[str, str] = os.environ) -> bool:
    """Start a detached pull when a followed catalog is due; whether one was started."""
    hours = catalog.settings.catalog_pull_hours
    if not any(due(name, hours, env) for name in catalog.layers.names):
        return False
    try:
        subprocess.Popen(
            [sys.executable, "-m", "xswitch", "catalog", "pull", "--background"],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,  # not the terminal's: Ctrl+C and the shell's exit spare it
        )
    except OSError:
        return False
    return True


def after_load(catalog: Catalog, env: Mapping[str, str] = os.environ) -> list[str]:
    """For a front end once its catalog is loaded (and, in the picker, drawn): start the
    background pull if one is due, and return what to tell the user."""
    if not catalog.layers.names:
        return []
    start_background_pull(catalog, env)
    return notices(catalog, env)


def pull_due(env: Mapping[str, str] = os.environ, hours: int | None = None) -> list[str]:
    """The background pull itself: every followed catalog that is due, one after the other;
    the names of those updated. Failures are recorded by `store.pull` and told later."""
    from xswitch.core import paths
    from xswitch.core.catalogs import store
    from xswitch.core.config.settings import load_document, validate_settings
    from xswitch.core.errors import XswitchError

    doc = load_document(paths.config_file(env))
    if hours is None:
        hours = validate_settings(doc, env).catalog_pull_hours
    updated = []
    for entry in registry.entries(doc):
        if not due(entry.name, hours, env):
            continue
        try:
            store.pull(entry.name, env, background=True)
        except XswitchError:
            continue
        updated.append(entry.name)
    return updated
