"""The picker's onboarding keys: `d` runs `doctor` on the selected profile (its checks shown under
the profile's details), `a` opens the add-a-client form, writes the client, selects it and tries
its role. A mixin of `ui.screen.PickerScreen`; the work runs in `ui.workers` (`doctor`,
`add_client`), which post `Diagnosed` and `ClientAdded` back.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text

from xswitch.core.model import Profile
from xswitch.ui import workers
from xswitch.ui.closing import unless_closing
from xswitch.ui.messages import ClientAdded, Diagnosed

if TYPE_CHECKING:  # the rest is imported when a key is pressed, not before the first frame
    from xswitch.core.doctor import Check
    from xswitch.core.onboard import ClientSpec
    from xswitch.ui.view import PickerView

    _View = PickerView
else:
    _View = object  # a mixin of PickerScreen (see ui.view)


class OnboardingActions(_View):
    # Doctor results by profile: None while it runs (shown under the details, see `diagnosis`).
    _diagnoses: dict[str, list[Check] | None]

    def diagnosis(self, profile: str) -> Text | None:  # the view's hook
        """The lines to add under the profile's details, if doctor ran (or runs) for it."""
        diagnoses = getattr(self, "_diagnoses", {})
        if profile not in diagnoses:
            return None
        from xswitch.ui.diagnosis import diagnosis_text

        return diagnosis_text(profile, diagnoses[profile])

    # --- d: doctor ------------------------------------------------------------------------------

    def action_doctor(self) -> None:
        profile = self.profiles.selected
        if profile is None:
            self.app.notify("No profile is selected.", severity="warning", markup=False)
        else:
            self._start_doctor(profile)

    def _start_doctor(self, profile: Profile) -> None:
        if not hasattr(self, "_diagnoses"):
            self._diagnoses = {}
        self._diagnoses[profile.name] = None
        self._update_details()
        work = partial(workers.doctor, self.switcher, self, profile)
        job = workers.Job("doctor", profile.name)
        workers.start(self, job, work, group="doctor", exclusive=True)

    @unless_closing
    def on_diagnosed(self, message: Diagnosed) -> None:
        from xswitch.core.doctor import Status

        self._diagnoses[message.profile] = message.checks
        self._update_details()
        failed = sum(check.status is Status.FAIL for check in message.checks)
        self.app.notify(
            f"doctor {message.profile}: "
            + (f"{failed} check(s) failed" if failed else "every check passed"),
            severity="error" if failed else "information",
            markup=False,
        )

    # --- a: add a client ------------------------------------------------------------------------

    def action_add_client(self) -> None:
        from xswitch.ui.screens.client_form import ClientFormScreen

        self.app.push_screen(ClientFormScreen(self.catalog), callback=self._client_submitted)

    def _client_submitted(self, result: tuple[ClientSpec, bool] | None) -> None:
        if result is None:
            return
        work = partial(workers.add_client, self.switcher, self, *result)
        job = workers.Job("add-client", result[0].key)
        workers.start(self, job, work, group="add-client", exclusive=True)

    @unless_closing
    def on_client_added(self, message: ClientAdded) -> None:
        spec = message.spec
        self.sessions.reload(message.catalog)
        self._show_catalog(message.catalog)
        self.select_profile(spec.profile_name)
        profile = message.catalog.profiles.get(spec.profile_name)
        if profile is not None:
            self._start_doctor(profile)
        if message.generated and spec.external_id:
            from xswitch.ui.screens.link import LinkScreen

            self.app.push_screen(
                LinkScreen(
                    f"External ID for {spec.key}",
                    "Generated for this client and shown once: send it to the client for the "
                    "role's trust policy ('xswitch client policy' prints the whole policy). It is "
                    "case-sensitive.",
                    spec.external_id,
                )
            )
