"""The picker's onboarding keys: `d` runs `doctor` on the selected profile (its checks shown in the
details pane), `a` opens the add-a-client form, writes the client, selects it and tries its role.

The work runs in thread workers that call core and hand their result back to the UI thread; the
app keeps one `Onboarding` and asks it for the details pane's extra lines.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from rich.text import Text

from xswitch.core.errors import PromptCancelled, XswitchError
from xswitch.core.model import Profile

if TYPE_CHECKING:  # the rest is imported when a key is pressed, not at the picker's start
    from xswitch.core.doctor import Check
    from xswitch.core.onboard import ClientSpec


class Onboarding:
    """Doctor results by profile (None while running) and the add-a-client flow of one app."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.results: dict[str, list[Check] | None] = {}

    def details(self, profile: str) -> Text | None:
        """The lines to add under the profile's details, if doctor ran (or runs) for it."""
        if profile not in self.results:
            return None
        from xswitch.ui.diagnosis import diagnosis_text

        return diagnosis_text(profile, self.results[profile])

    # --- d: doctor --------------------------------------------------------------------------------

    def doctor(self, profile: Profile | None) -> None:
        if profile is None:
            return
        self.results[profile.name] = None
        self.app._update_details()
        self.app.run_worker(
            lambda: self._diagnose(profile),
            thread=True,
            group="doctor",
            exclusive=True,
            exit_on_error=False,
        )

    def _diagnose(self, profile: Profile) -> None:
        from xswitch.core.doctor import Check, Status, diagnose
        from xswitch.ui.prompter import UiPrompter

        app = self.app
        prompter = UiPrompter(app, threading.Event(), app._shutdown_event)
        try:
            checks = diagnose(profile, app.catalog, prompter, app.env)
        except PromptCancelled:
            checks = [Check(profile.name, "doctor", Status.FAIL, "cancelled at a prompt")]
        except XswitchError as error:
            checks = [Check(profile.name, "doctor", Status.FAIL, error.message, fix=error.hint)]
        if not app._shutdown_event.is_set():
            app.call_from_thread(self._diagnosed, profile.name, checks)

    def _diagnosed(self, name: str, checks: list[Check]) -> None:
        from xswitch.core.doctor import Status

        self.results[name] = checks
        self.app._update_details()
        failed = sum(check.status is Status.FAIL for check in checks)
        self.app.notify(
            f"doctor {name}: " + (f"{failed} check(s) failed" if failed else "every check passed"),
            severity="error" if failed else "information",
            markup=False,
        )

    # --- a: add a client --------------------------------------------------------------------------

    def add_client(self) -> None:
        from xswitch.ui.screens.client_form import ClientFormScreen

        self.app.push_screen(ClientFormScreen(self.app.catalog), callback=self._submitted)

    def _submitted(self, result: tuple[ClientSpec, bool] | None) -> None:
        if result is None:
            return
        spec, generated = result
        self.app.run_worker(
            lambda: self._write(spec, generated),
            thread=True,
            group="add-client",
            exclusive=True,
            exit_on_error=False,
        )

    def _write(self, spec: ClientSpec, generated: bool) -> None:
        from xswitch.core.config.catalog import load_catalog
        from xswitch.core.onboard import write_client
        from xswitch.core.paths import config_file

        app = self.app
        try:
            write_client(config_file(app.env), spec)
            catalog = load_catalog(app.env)
        except XswitchError as error:
            app.notify(str(error), title="The client was not added", severity="error", markup=False)
            return
        if not app._shutdown_event.is_set():
            app.call_from_thread(self._added, catalog, spec, generated)

    def _added(self, catalog: Any, spec: ClientSpec, generated: bool) -> None:
        app = self.app
        app._reloaded(catalog)
        app.select_profile(spec.profile_name)
        self.doctor(catalog.profiles.get(spec.profile_name))
        if generated and spec.external_id:
            from xswitch.ui.screens.link import LinkScreen

            app.push_screen(
                LinkScreen(
                    f"External ID for {spec.key}",
                    "Generated for this client and shown once: send it to the client for the "
                    "role's trust policy ('xswitch client policy' prints the whole policy). It is "
                    "case-sensitive.",
                    spec.external_id,
                )
            )
