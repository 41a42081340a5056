"""Closing the picker while work still arrives: a countdown tick, a worker's message, a reload.

The picker's screen is taken down one widget at a time while timers still fire, callbacks from
worker threads still run, and the messages queued meanwhile are handled once the screens are gone.
Work arriving then must be dropped quietly, not crash looking for a widget already gone (seen as
`NoMatches '#profiles'` at the end of random tests on a busy machine).

`HoldsTheScreen` makes that moment last: mounted on the picker's screen, it is taken down with the
others, and in its unmount handler, once the profile list is gone, delivers the late work.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, WorkerState
from uitesting import FROZEN, SIZE, WAIT, new_app, wait_until

from xswitch.core.model import Credentials, DeviceAuthorization
from xswitch.ui.app import XswitchApp
from xswitch.ui.messages import (
    DeviceCodeDone,
    DeviceCodeShown,
    LoginCancelled,
    LoginSucceeded,
    Purpose,
)
from xswitch.ui.screens.device_code import DeviceCodeScreen
from xswitch.ui.widgets.virtual_list import VirtualList


class Before:
    """What the late work refers to, taken while the picker ran."""

    def __init__(self, app: XswitchApp) -> None:
        self.table = app.profiles
        self.device_login = threading.Event()  # identifies a device login, as its worker's does
        self.posted: list[Message] = []  # late messages, each to be seen by the app's handlers
        self.worker: Worker | None = None  # a late worker, to be seen finishing without error


# Delivers late work through the app as a timer, worker or list would.
Arrival = Callable[[XswitchApp, Before], None]


def profiles_gone(app: XswitchApp) -> bool:
    try:
        app.profiles  # noqa: B018 (the query is the point)
    except NoMatches:
        return True
    return False


class HoldsTheScreen(Widget):
    """Delivers `arrive`'s work while the picker's screen is half taken down."""

    def __init__(self, arrive: Arrival, before: Before) -> None:
        super().__init__()
        self.arrive = arrive
        self.before = before
        self.delivered = False
        self.ran = False

    async def on_unmount(self) -> None:
        app = self.app
        assert isinstance(app, XswitchApp)
        deadline = time.monotonic() + WAIT
        # The other widgets go at the same time, without waiting for this one.
        while not profiles_gone(app):
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.01)
        self.arrive(app, self.before)
        self.delivered = True
        worker = self.before.worker
        while worker is not None and not worker.is_finished:
            if time.monotonic() > deadline or app._exception is not None:
                return
            await asyncio.sleep(0.01)
        self.ran = True


def a_countdown_tick(app: XswitchApp, before: Before) -> None:
    app.picker.tick()  # as the countdown's timer calls it, once a second


def post(app: XswitchApp, before: Before, message: Message) -> None:
    # Dialog requests go to the app; worker results and list moves to the picker's screen.
    # A screen already closing refuses them itself (dropped unseen, which is the point); those
    # it still takes must reach their handler and be dropped there without a crash.
    target = app if isinstance(message, DeviceCodeDone) else app.picker
    if target.post_message(message):
        before.posted.append(message)
    else:
        assert target is not app, "the app refused a message before it closed"


def a_login_finishing(app: XswitchApp, before: Before) -> None:
    creds = Credentials("ASIAEXAMPLE", "secret", "token", FROZEN + timedelta(hours=1))
    post(app, before, LoginSucceeded("acme-dev", Purpose.LOGIN, creds))


def a_cursor_move(app: XswitchApp, before: Before) -> None:
    post(app, before, VirtualList.CursorMoved(before.table, 1))  # posted as the list went


def a_device_login_given_up(app: XswitchApp, before: Before) -> None:
    # What the login worker posts when its modal was open and the login was given up.
    post(app, before, LoginCancelled("acme-dev"))
    post(app, before, DeviceCodeDone(before.device_login))


def a_reload_finishing(app: XswitchApp, before: Before) -> None:
    app.picker.action_reload()  # its worker hands the new catalog back with call_from_thread
    (before.worker,) = (w for w in app.workers if w.group == "reload")


def details(app: XswitchApp) -> str:
    return str(app.query_one("#details").render())


@pytest.mark.parametrize(
    "arrive",
    [
        a_countdown_tick,
        a_login_finishing,
        a_cursor_move,
        a_device_login_given_up,
        a_reload_finishing,
    ],
)
async def test_work_arriving_while_the_picker_closes_is_dropped(world, arrive):
    handled: list[Message] = []
    app = new_app(clock=lambda: FROZEN)
    async with app.run_test(size=SIZE, message_hook=handled.append) as pilot:
        await wait_until(pilot, lambda: "acme-dev" in details(app), "the details")
        before = Before(app)
        if arrive is a_device_login_given_up:
            authorization = DeviceAuthorization(
                "acme", "https://device.example", "https://device.example?c=1", "ABCD-EFGH", 600
            )
            app.post_message(DeviceCodeShown(authorization, before.device_login))
            await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen), "the modal")
        holder = HoldsTheScreen(arrive, before)
        await app.picker.mount(holder)
    # Leaving `run_test` re-raised whatever crashed the app while it closed.
    assert holder.delivered, "the screen was never seen half taken down"
    assert holder.ran, "the late worker did not finish"
    for message in before.posted:  # not dropped by Textual unseen: the app had them
        assert any(seen is message for seen in handled), message
    if before.worker is not None:
        assert before.worker.state is WorkerState.SUCCESS, before.worker.error
