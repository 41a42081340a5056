"""Bridges login threads to the app: a Prompter answered by modals, and calls that can be abandoned.

Every question (MFA code, keyring passphrase, SSO device code) is a modal: nothing in the picker's
process reads the terminal, which Textual owns. Login threads never touch widgets. They post
messages to the app and wait for the answer in short timeouts, checking for cancellation in
between, so that Esc, a cancelled worker or quitting the app never leaves a thread waiting forever
(a bare `Future.result()` would hang process exit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from typing import TypeVar

from textual.message import Message
from textual.message_pump import MessagePump

from xswitch.core.errors import PromptCancelled
from xswitch.core.model import DeviceAuthorization
from xswitch.ui.messages import (
    DeviceCodeShown,
    MfaRequested,
    PassphraseRequested,
    PromptWithdrawn,
)

T = TypeVar("T")

POLL_SECONDS = 0.05


class Abandoned(Exception):
    """The caller stopped waiting for a call (its worker was cancelled or the app is closing)."""


class UiPrompter:
    """Asks the person with modals; one instance per login, cancelled as a whole.

    `cancel` is set when this login is given up (its worker was cancelled, or Esc on a prompt);
    `closing` is set once when the app shuts down.
    """

    def __init__(
        self, target: MessagePump, cancel: threading.Event, closing: threading.Event
    ) -> None:
        self._target = target
        self._cancel = cancel
        self._closing = closing
        self.showed_device_code = False

    def cancelled(self) -> bool:
        return self._cancel.is_set() or self._closing.is_set()

    def mfa_code(self, serial: str, unlocks: list[str], *, problem: str | None = None) -> str:
        reply: Future[str | None] = Future()
        request = MfaRequested(serial, list(unlocks), reply, problem)
        return self._ask(request, reply, "The MFA prompt")

    def passphrase(self, path: str, *, new: bool, problem: str | None) -> str:
        reply: Future[str | None] = Future()
        request = PassphraseRequested(path, new, problem, reply)
        return self._ask(request, reply, "The keyring passphrase prompt")

    def _ask(self, request: Message, reply: Future[str | None], what: str) -> str:
        """Post `request` (the app shows its modal) and wait for the answer in `reply`."""
        # A login given up already (Esc on an earlier prompt) asks nothing more.
        if self.cancelled() or not self._target.post_message(request):
            raise PromptCancelled(what)
        try:
            answer = wait_for(reply, self.cancelled)
        except Abandoned:
            reply.cancel()
            self._target.post_message(PromptWithdrawn(reply))
            raise PromptCancelled(what) from None
        if answer is None:
            # Esc: give up the whole login, so no second prompt pops up for the same attempt.
            self._cancel.set()
            raise PromptCancelled(what)
        return answer

    def sso_device_code(self, authorization: DeviceAuthorization) -> None:
        self.showed_device_code = True
        self._target.post_message(DeviceCodeShown(authorization, self._cancel))

    def sso_browser_login(self, session: str, url: str) -> None:
        # The same modal without a code: it says to approve in the browser, Esc cancels.
        self.sso_device_code(DeviceAuthorization(session, url, url, "", 0))


def wait_for(future: Future[T], given_up: Callable[[], bool]) -> T:
    """The result of `future`, waiting in short slices; raises `Abandoned` once `given_up()`."""
    while True:
        if given_up():
            raise Abandoned
        try:
            return future.result(timeout=POLL_SECONDS)
        except TimeoutError:
            continue
        except CancelledError:
            raise Abandoned from None


def call_abandonable(function: Callable[[], T], given_up: Callable[[], bool], name: str) -> T:
    """Run `function` in a daemon thread and wait for it unless `given_up()`.

    A network call that hangs (an STS endpoint that accepts and never answers) then cannot keep the
    worker, or the process at exit, waiting: the worker returns at once and the daemon thread is
    left to finish or die with the process.
    """
    outcome: Future[T] = Future()

    def run() -> None:
        try:
            outcome.set_result(function())
        except BaseException as error:  # handed to the waiting worker, which reports it
            outcome.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return wait_for(outcome, given_up)
