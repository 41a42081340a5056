"""The picker's keys about where roles are used: `w` (go to the tmux window of the selected role),
`r` (its region), and the marks of roles that a shell or window uses. (Enter's shell and window are
`ui.profile_actions`; the agent and tmux are `core.agentlink` and `core.tmux`.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xswitch.core.errors import XswitchError

if TYPE_CHECKING:
    from xswitch.ui.profile_actions import ProfileActions as _View
else:
    _View = object  # a mixin of PickerScreen (see ui.view)

OPEN_SHELLS_SECONDS = 3.0  # how often the marks of roles in use are brought up to date


class ShellActions(_View):
    def on_mount(self) -> None:
        from xswitch.core.regions import remembered

        self.profiles.regions = remembered(self.env)
        self.set_interval(OPEN_SHELLS_SECONDS, self.mark_open_shells, name="open-shells")

    def mark_open_shells(self) -> None:
        """The roles some shell or window uses (the agent's slots): marked in the table."""
        from xswitch.core import agentlink

        shells = frozenset(agentlink.open_shells(self.env)) if agentlink.present(self.env) else None
        shells = shells or frozenset()
        if shells != self.profiles.open_shells:
            self.profiles.open_shells = shells
            self.profiles.refresh()

    def action_region(self) -> None:
        """`r`: pick the region of the selected profile (remembered; every command uses it)."""
        profile = self._selected_or_say()
        if profile is None:
            return
        from xswitch.core import regions
        from xswitch.ui.screens.region import DEFAULT, RegionScreen

        def chosen(region: str | None) -> None:
            if region is None:
                return
            regions.remember(profile.name, None if region == DEFAULT else region, self.env)
            self.profiles.regions = regions.remembered(self.env)
            self.profiles.refresh()
            shown = regions.region_of(profile, self.env) or "none"
            self.app.notify(f"Region of {profile.name}: {shown}", markup=False)

        current = regions.remembered(self.env).get(profile.name)
        self.app.push_screen(RegionScreen(profile.name, current, profile.region), chosen)

    def action_jump_window(self) -> None:
        """`w`: go to the tmux window that uses the selected role (or say where its shell is)."""
        profile = self._selected_or_say()
        if profile is None:
            return
        from xswitch.core import agentlink, tmux

        pids = set(agentlink.open_shells(self.env).get(profile.name, []))
        if not pids:
            self.app.notify(f"No shell uses {profile.name} now.", markup=False)
            return
        try:
            window = tmux.window_of(pids, self.env) if tmux.in_tmux(self.env) else None
            if window is not None:
                tmux.select_window(window, self.env)
                return
        except XswitchError as error:
            self.app.notify(str(error), severity="warning", markup=False)
            return
        where = ", ".join(str(pid) for pid in sorted(pids))
        self.app.notify(
            f"{profile.name} is used by the shell with process id {where} (not a tmux window "
            "of this session).",
            markup=False,
        )
