"""Helpers for the picker tests: the sample world, waiting on the app, reading what it draws."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime

from textual.pilot import Pilot

from xswitch.core.config import load_catalog
from xswitch.core.sessions import SessionManager
from xswitch.ui.app import XswitchApp

FROZEN = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)
MFA_SERIAL = "arn:aws:iam::123456789012:mfa/me"
SIZE = (120, 36)
# How long a wait may take before it fails: generous, for a loaded two-core machine (a login or
# a sync there can take many times its usual second); pytest's timeout bounds the whole test.
WAIT = 30.0


def write_world(home) -> None:
    home.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    home.write_aws_config(
        f"""
        [profile me]
        region = eu-west-1

        [profile acme-dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        region = eu-west-1

        [profile acme-ops]
        role_arn = arn:aws:iam::111111111111:role/Operator
        source_profile = me
        region = eu-central-1

        [profile acme-admin]
        role_arn = arn:aws:iam::111111111111:role/Admin
        source_profile = me
        mfa_serial = {MFA_SERIAL}
        region = eu-west-1

        [profile bank-prod]
        role_arn = arn:aws:iam::222222222222:role/ReadOnly
        source_profile = me
        region = us-east-1

        [profile bank-audit]
        role_arn = arn:aws:iam::222222222222:role/Auditor
        source_profile = me
        mfa_serial = {MFA_SERIAL}
        region = us-east-1
        """
    )
    home.write_xswitch_config(
        """
        [clients.acme]
        name = "Acme Retail"
        color = "#3b82f6"
        match = ["acme-*"]
        tags = ["retail"]

        [clients.bank]
        name = "First Bank"
        color = "#e5484d"
        prod = true
        notes = "Production: change tickets required"
        match = ["bank-*"]
        """
    )


async def wait_until(
    pilot: Pilot, condition: Callable[[], bool], what: str, timeout: float = WAIT
) -> None:
    """Let the app run until `condition()` holds; fail naming `what` if it never does."""
    deadline = time.monotonic() + timeout
    app = pilot.app
    while True:
        if app._exception is not None:  # the app crashed: show why, not a symptom of it
            raise AssertionError(f"the app failed while waiting for {what}") from app._exception
        if not app.is_running:
            raise AssertionError(f"the app stopped while waiting for {what}")
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def wait_for_dialog(pilot: Pilot, kind: type, timeout: float = WAIT) -> None:
    """Wait until a dialog of `kind` is up, drawn and has the focus: keys pressed as soon as it
    was pushed could arrive before it took the focus, and go to the picker's own keys."""
    app = pilot.app

    def ready() -> bool:
        screen = app.screen
        return isinstance(screen, kind) and screen.focused is not None and bool(screen_text(app))

    await wait_until(pilot, ready, f"the {kind.__name__} dialog", timeout)


def row_text(app: XswitchApp, name: str) -> str:
    """The profile table's rendered line for `name` (it must be visible)."""
    table = app.profiles
    index = table.index_of(name)
    assert index is not None, f"{name} is not shown"
    return table.render_line(index - int(table.scroll_offset.y)).text


def screen_text(app: XswitchApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def notifications(app: XswitchApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def settle() -> None:
    await asyncio.sleep(0)


def new_app(clock: Callable[[], datetime] | None = None, **kwargs) -> XswitchApp:
    """An app over the configuration in the (isolated) environment, with a real SessionManager."""
    catalog = load_catalog(os.environ)
    return XswitchApp(
        catalog, SessionManager(catalog, os.environ), env=os.environ, clock=clock, **kwargs
    )


# Realistic names: long, and alike up to their last word.
LONG_NAMES = (
    "bigco-payments-prod-admin",
    "bigco-payments-prod-audit",
    "bigco-payments-settlement-readonly-admin",  # 40 characters
)


def write_long_names_world(home) -> None:
    """One client whose profiles have long names that differ only at the end."""
    home.write_aws_credentials(
        """
        [me]
        aws_access_key_id = AKIAIOSFODNN7EXAMPLE
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        """
    )
    sections = [
        f"[profile {name}]\n"
        f"role_arn = arn:aws:iam::333333333333:role/{name.rsplit('-', 1)[1].title()}\n"
        "source_profile = me\nregion = eu-central-1\n"
        for name in LONG_NAMES
    ]
    home.write_aws_config("\n".join(sections))
    home.write_xswitch_config(
        """
        [clients.bigco]
        name = "BigCo Payments"
        match = ["bigco-*"]
        """
    )
