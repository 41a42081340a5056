"""The picker's "add a client" form: the values of `xswitch client add` as one modal, checked by
`core.onboard` when saved (the problem shown under the fields, nothing written until it passes)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, Static

from xswitch.core.errors import UsageError
from xswitch.core.model import Catalog, Kind
from xswitch.core.onboard import (
    GENERATE,
    ClientSpec,
    check_spec,
    generate_external_id,
    parse_duration,
)
from xswitch.core.text import visible

# (field id, label, placeholder)
FIELDS = (
    ("name", "Client name", "e.g. acme"),
    ("role-arn", "Role ARN", "arn:aws:iam::123456789012:role/Contractor"),
    ("external-id", "External ID", "as given (case-sensitive), or 'generate'"),
    ("source-profile", "Source profile", "your profile with credentials"),
    ("mfa-serial", "MFA device", "arn:aws:iam::111122223333:mfa/you (optional)"),
    ("session-name", "Session name", "optional"),
    ("duration", "Duration (s)", "optional, 900-43200"),
    ("region", "Region", "optional, e.g. eu-west-1"),
    ("color", "Colour", "optional, red or #e5484d"),
)


class ClientFormScreen(ModalScreen[tuple[ClientSpec, bool] | None]):
    """Dismissed with (the checked spec, whether its external ID was generated), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="client-form.cancel"),
        Binding("ctrl+s", "save", "Save", id="client-form.save"),
        # A priority binding runs as the key is read, before the keys typed after it are routed:
        # type-ahead after Enter lands in the next field (a Submitted message would come late).
        Binding("enter", "next_field", "Next field", id="client-form.next", priority=True),
    ]

    def __init__(self, catalog: Catalog) -> None:
        super().__init__()
        self.catalog = catalog
        self.sources = [p.name for p in catalog.profiles.values() if p.kind is not Kind.OTHER]

    def compose(self) -> ComposeResult:
        with Vertical(id="client-form-dialog", classes="dialog"):
            yield Label("Add a client", classes="dialog-title")
            with VerticalScroll(id="client-form-fields", can_focus=False):
                for field, label, placeholder in FIELDS:
                    value = self.sources[0] if field == "source-profile" and self.sources else ""
                    with Horizontal(classes="cf-row"):
                        yield Label(label, classes="cf-label")
                        yield Input(
                            value=visible(value),
                            placeholder=placeholder,
                            id=f"cf-{field}",
                            compact=True,
                            select_on_focus=False,
                        )
                yield Checkbox("Production (asks before each use)", id="cf-prod", compact=True)
            yield Static("", id="client-form-problem", classes="problem")
            yield Static(
                Text("Enter: next field · Ctrl+S: save and try the role · Esc: cancel", "dim")
            )

    def on_mount(self) -> None:
        self.query_one(f"#cf-{FIELDS[0][0]}", Input).focus()

    def action_next_field(self) -> None:
        """Enter: the next field, or save after the last one."""
        if self.focused is not None and self.focused.id == f"cf-{FIELDS[-1][0]}":
            self.action_save()
        else:
            self.focus_next()

    def _value(self, field: str) -> str | None:
        return self.query_one(f"#cf-{field}", Input).value.strip() or None

    def action_save(self) -> None:
        problem = self.query_one("#client-form-problem", Static)
        try:
            external_id = self._value("external-id")
            generated = external_id == GENERATE
            duration = self._value("duration")
            spec = ClientSpec(
                key=self._value("name") or "",
                role_arn=self._value("role-arn") or "",
                source_profile=self._value("source-profile") or "",
                external_id=generate_external_id() if generated else external_id,
                mfa_serial=self._value("mfa-serial"),
                session_name=self._value("session-name"),
                duration=parse_duration(duration) if duration else None,
                region=self._value("region"),
                prod=self.query_one("#cf-prod", Checkbox).value,
                color=self._value("color"),
            )
            check_spec(spec, self.catalog)
        except UsageError as error:
            problem.update(Text(visible(str(error).replace(" Nothing was written.", ""))))
            return
        self.dismiss((spec, generated))

    def action_cancel(self) -> None:
        self.dismiss(None)
