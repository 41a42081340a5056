"""What the picker's keys do with a profile's session: log in (`l`, `L`), a subshell (Enter),
copy export lines (`c`), the console (`o`), log out (`x`); and what it shows when their workers
report back. The work itself is `core.actions` run by `ui.workers`.
"""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from xswitch.core.errors import SsoLoginRequired, XswitchError
from xswitch.core.model import Credentials, Profile
from xswitch.ui import workers
from xswitch.ui.closing import unless_closing
from xswitch.ui.messages import (
    ConsoleFailed,
    ConsoleLinkReady,
    ConsoleOpened,
    CopyDone,
    LoggedOut,
    LoginCancelled,
    LoginFailed,
    LoginSucceeded,
    Purpose,
)
from xswitch.ui.view import PickerView

if TYPE_CHECKING:
    _View = PickerView
else:
    _View = object  # a mixin of PickerScreen (see ui.view)

if TYPE_CHECKING:
    from xswitch.core.actions.uses import SubshellPlan

# core.actions.uses is imported where it is used: not before the picker's first frame.


class ProfileActions(_View):
    def action_login(self) -> None:
        profile = self._selected_or_say()
        if profile is not None:
            # After the portal refused the saved SSO login, retrying with it would fail the same
            # way: start a new device login instead.
            relogin = isinstance(self.board.errors.get(profile.name), SsoLoginRequired)
            self.start_login(profile.name, Purpose.LOGIN, force_refresh=True, sso_login=relogin)

    def action_refresh_client(self) -> None:
        profile = self._selected_or_say()
        if profile is None:
            return
        client = self.catalog.client(profile.client)
        key = client.key if client else profile.client
        now = self.clock()
        live = [n for n in self._by_client.get(key, []) if self.board.is_live(n, now)]
        if not live:
            self.app.notify(
                "No live sessions to refresh for this client; 'l' logs in the selected profile.",
                markup=False,
            )
            return
        for name in live:
            self.start_login(name, Purpose.LOGIN, force_refresh=True)

    def action_copy(self) -> None:
        self._confirm_then(Purpose.COPY, "Copy export lines")

    def action_subshell(self) -> None:
        if self.app.focused is self.clients:
            # Enter on a client goes into its profiles, as Right does; a shell needs a profile.
            self.profiles.focus()
            return
        if self.switcher.choose:  # started by `xs`: Enter switches the calling shell
            profile = self._selected_or_say()
            if profile is not None:
                self.app.exit(profile.name)
            return
        self.action_own_shell()

    def action_own_shell(self) -> None:
        """A subshell in the selected profile, also when `xs` started the picker."""
        self._confirm_then(Purpose.SHELL, "A subshell")

    def action_console(self) -> None:
        self.open_console()

    def open_console(self, service: str | None = None) -> None:
        """The console of the selected profile, on the page of `service` (palette) or home."""
        profile = self._selected_or_say()
        if profile is not None:
            self._console_problems.pop(profile.name, None)
            self._console_pages[profile.name] = service
            self.start_login(profile.name, Purpose.CONSOLE)

    def action_logout(self) -> None:
        profile = self._selected_or_say()
        if profile is not None:
            name = profile.name
            job = workers.Job("logout", name)
            work = partial(workers.logout, self.switcher, self, name)
            workers.start(self, job, work, group="logout")

    def _selected_or_say(self) -> Profile | None:
        profile = self.profiles.selected
        if profile is None:
            self.app.notify("No profile is selected.", severity="warning", markup=False)
        elif self._sync is not None and self._sync.is_provisional(profile.name):
            self.app.notify(
                f"{profile.name} was just discovered: it can be used once the SSO sync is stored.",
                severity="warning",
                markup=False,
            )
            return None
        return profile

    def _confirm_then(self, purpose: Purpose, what: str) -> None:
        profile = self._selected_or_say()
        if profile is None:
            return
        from xswitch.core.actions.uses import production_client

        client = production_client(self.catalog, profile)
        if client is None:
            self.start_login(profile.name, purpose)
            return

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.start_login(profile.name, purpose)
            else:
                self.app.notify("Cancelled: nothing was done.", markup=False)

        from xswitch.ui.screens.confirm import ConfirmProdScreen

        self.app.push_screen(ConfirmProdScreen(client, what, profile.name), confirmed)

    # --- logins -------------------------------------------------------------------------------

    def start_login(
        self, name: str, purpose: Purpose, *, force_refresh: bool = False, sso_login: bool = False
    ) -> None:
        """Obtain credentials for `name` in a thread worker; the outcome arrives as a message.

        `sso_login`: first a new SSO device login for the profile's session, whatever its token.
        """
        self.board.started(name)
        self._refresh_profile(name)
        self.remember(name)
        work = partial(
            workers.obtain,
            self.switcher,
            self,
            name,
            purpose,
            force_refresh=force_refresh,
            sso_login=sso_login,
        )
        workers.start(
            self,
            workers.Job("login", name, purpose),
            work,
            group=f"login:{purpose.value}",
            # A new Enter or copy replaces the previous one; background logins run side by side.
            exclusive=purpose in (Purpose.SHELL, Purpose.COPY),
        )

    @unless_closing
    def on_login_succeeded(self, message: LoginSucceeded) -> None:
        self.board.load(message.cached)
        self.board.succeeded(message.profile, message.credentials.expiration)
        profile = self.catalog.profiles[message.profile]
        session = self.catalog.sso_session_of(profile)
        if self._sync is None and session is not None and session.name == self._sync_session:
            self._sync_status = ""  # a sync note ("log in again") is no longer news
        self._refresh_profile(message.profile)
        if message.purpose is Purpose.SHELL:
            self._run_subshell(profile, message.credentials)
        elif message.purpose is Purpose.COPY:
            self._copy_exports(profile, message.credentials)
        elif message.purpose is Purpose.CONSOLE:
            self.app.notify(f"Signing in to the AWS console as {profile.name}…", markup=False)
            service = self._console_pages.pop(profile.name, None)
            work = partial(
                workers.console, self.switcher, self, profile, message.credentials, service
            )
            job = workers.Job("console", profile.name)
            workers.start(self, job, work, group="console", exclusive=True)
        else:
            left = message.credentials.seconds_left(self.clock())
            until = f" (session for {int(left // 60)} min)" if left else ""
            self.app.notify(f"Logged in: {profile.name}{until}", markup=False)

    @unless_closing
    def on_login_failed(self, message: LoginFailed) -> None:
        self.board.failed(message.profile, message.error)
        self._refresh_profile(message.profile)
        title = "Console sign-in failed" if message.purpose is Purpose.CONSOLE else "Login failed"
        self.app.notify(str(message.error), title=title, severity="error", markup=False, timeout=10)

    @unless_closing
    def on_login_cancelled(self, message: LoginCancelled) -> None:
        self.board.busy.discard(message.profile)
        self._refresh_profile(message.profile)
        if not self.switcher.shutdown_event.is_set():
            self.app.notify(f"Login cancelled: {message.profile}", markup=False)

    @unless_closing
    def on_logged_out(self, message: LoggedOut) -> None:
        self.board.forget(message.profiles)
        self.board.load(message.cached)
        for name in message.profiles:
            self._refresh_profile(name)
        self.profiles.refresh()
        self.app.notify("Logged out: " + ", ".join(message.profiles), markup=False)

    # --- what credentials are for -------------------------------------------------------------

    @unless_closing
    def on_console_opened(self, message: ConsoleOpened) -> None:
        self.app.notify(f"Opened the AWS console for {message.profile}.", markup=False)
        if message.note:
            self.app.notify(message.note, severity="warning", markup=False, timeout=20)

    @unless_closing
    def on_console_failed(self, message: ConsoleFailed) -> None:
        self._console_problems[message.profile] = message.error
        self._refresh_profile(message.profile)
        self.app.notify(
            str(message.error),
            title="Console sign-in failed",
            severity="error",
            markup=False,
            timeout=10,
        )

    @unless_closing
    def on_console_link_ready(self, message: ConsoleLinkReady) -> None:
        from xswitch.ui.screens.link import LinkScreen

        title = f"AWS console: {message.profile}"
        self.app.push_screen(LinkScreen(title, message.note, message.url))

    def _run_subshell(self, profile: Profile, creds: Credentials) -> None:
        from xswitch.core import agentlink, tmux
        from xswitch.core.actions.uses import outer_subshell, plan_subshell

        if tmux.in_tmux(self.env):
            self._open_window(profile, creds)  # a window of its own; the picker stays
            return
        outer = outer_subshell(self.env)
        if outer is not None:
            self.app.notify(
                f"This picker runs inside the xswitch subshell for '{outer}'. Leave it ('exit') "
                "and start the picker again to open another subshell.",
                severity="warning",
                markup=False,
            )
            return
        served = None  # the agent's endpoint: the subshell's SDKs renew by themselves
        try:
            served = agentlink.endpoint_variables(self.env, profile.name, os.getpid(), creds)
        except XswitchError as error:
            self.app.notify(f"{error} The subshell gets the session's keys instead.", markup=False)
        plan = plan_subshell(
            self.catalog, profile, None if served else creds, self.env, served=served
        )
        try:
            problem = self._hand_over(plan)
        except SuspendNotSupported:
            self._no_subshell_here(profile)
            return
        finally:
            if served is not None:
                agentlink.release(self.env, served["XSWITCH_SLOT"])
        if problem is not None:
            self.app.notify(str(problem), severity="error", markup=False)
        self._reload_sessions()

    def _open_window(self, profile: Profile, creds: Credentials) -> None:
        """A tmux window running the role's shell: its slot at the agent registered here, taken
        over by the window (`xswitch _window`), so no secret goes through tmux."""
        from xswitch.core import agentlink, tmux
        from xswitch.core.regions import region_of

        client = self.catalog.client(profile.client)
        title = tmux.window_title(client.name if client else profile.client, profile.name)
        try:
            slot = agentlink.endpoint_variables(self.env, profile.name, os.getpid(), creds)
            prod, region = bool(client and client.prod), region_of(profile, self.env)
            tmux.open_window(slot["XSWITCH_SLOT"], title, prod, self.env, region)
        except XswitchError as error:
            self.app.notify(str(error), severity="error", markup=False)

    def _hand_over(self, plan: SubshellPlan) -> XswitchError | None:
        """The terminal to the subshell until it exits; what went wrong starting it, if anything."""
        from xswitch.core.shell import run_subshell

        with self.app.suspend(), plan.shell() as (argv, env):
            print(
                f"Entering a subshell for {plan.label}; type 'exit' to come back to the picker.",
                flush=True,
            )
            try:
                run_subshell(argv, env)
            except XswitchError as error:
                return error
        return None

    def _no_subshell_here(self, profile: Profile) -> None:
        import shlex

        command = "xswitch exec " + shlex.quote(profile.name)
        self.app.copy_to_clipboard(command)
        self.app.notify(
            "This terminal cannot hand over to a subshell (the picker runs headless or in a "
            f"browser). The session is ready: run '{command}' in a terminal — the command is "
            "on the clipboard.",
            severity="warning",
            markup=False,
            timeout=10,
        )

    def _copy_exports(self, profile: Profile, creds: Credentials) -> None:
        from xswitch.core.actions.uses import exports

        lines = exports(self.catalog, profile, creds, self.env)
        what = f"{lines.shell} export lines for {profile.name}"
        work = partial(workers.clipboard, self.switcher, self, lines.lines, what)
        workers.start(self, workers.Job("clipboard"), work, group="clipboard", exclusive=True)

    @unless_closing
    def on_copy_done(self, message: CopyDone) -> None:
        if message.copied:
            self.app.notify(message.sentence, markup=False, timeout=8)
        else:
            self.app.notify(message.sentence, severity="warning", markup=False, timeout=8)
