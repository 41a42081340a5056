"""`doctor`'s checks as the picker's details pane shows them: one line per check, the status
coloured, the cause and the fix under a failure. Built as `rich.text.Text` piece by piece: names,
ARNs and AWS messages are never read as markup."""

from __future__ import annotations

from rich.text import Text

from xswitch.core.doctor import Check, Status
from xswitch.core.text import visible

_STYLES = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}


def diagnosis_text(profile: str, checks: list[Check] | None) -> Text:
    """The checks of `profile`; None while they run."""
    text = Text()
    text.append("doctor ", style="bold")
    text.append(visible(profile), style="bold")
    if checks is None:
        text.append("\nTesting every link of the chain against AWS...", style="dim")
        return text
    for check in checks:
        text.append("\n")
        text.append(f"{check.status!s:<5}", style=_STYLES[check.status])
        text.append(visible(check.name), style="bold")
        text.append(": ")
        text.append(visible(check.summary))
        for label, value in (("cause", check.cause), ("fix", check.fix)):
            if value:
                text.append(f"\n      {label}: ", style="dim")
                text.append(visible(value))
    return text
