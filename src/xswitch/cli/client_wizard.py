"""The `client add` wizard: at a terminal, the values the flags left out asked one at a time on
/dev/tty, each checked as typed (a refused one is asked again with the reason); the source
profile chosen from the profiles with credentials, the MFA device from the source user's devices
when IAM lists them."""

from __future__ import annotations

from typing import Any

from xswitch.cli.context import Context
from xswitch.core import errors
from xswitch.core.onboard import GENERATE, ClientSpec
from xswitch.core.text import visible


class Wizard:
    """The questions of `client add` at a terminal, one value at a time, each checked as typed."""

    def __init__(
        self, ctx: Context, catalog: Any, name: str | None, values: dict[str, Any]
    ) -> None:
        self.ctx = ctx
        self.catalog = catalog
        self.name = name
        self.values = values
        self.prompter = ctx.prompter()

    def ask(self, question: str, what: str) -> str:
        return self.prompter.ask(question, what)

    def say(self, text: str) -> None:
        from xswitch.cli.context import open_tty

        tty = open_tty()
        if tty is not None:
            with tty:
                tty.write(visible(text, keep_newlines=True) + "\n")

    def run(self) -> tuple[ClientSpec, bool]:
        """The client's values: those given as flags, the others asked for."""
        from xswitch.core import onboard

        values = self.values
        key = self.name or self._until(
            "Client name (e.g. acme): ",
            "the client's name",
            lambda text: (
                None
                if onboard.CLIENT_KEY.match(text)
                else "Use letters, digits, '.', '_' or '-', starting with a letter or digit."
            ),
        )
        role_arn = values["role_arn"] or self._until(
            "Role ARN (from the client): ", "the role ARN", onboard.role_arn_problem
        )
        external_id, generated = self._external_id()
        source = values["source_profile"] or self._source()
        mfa_serial = values["mfa_serial"]
        if mfa_serial is None:
            mfa_serial = self._mfa(source)
        session_name = values["session_name"] or self._optional(
            "Session name (shown in the client's CloudTrail; Enter for the default): ",
            onboard.SESSION_NAME,
            "2 to 64 characters: letters, digits and +=,.@_-.",
        )
        spec = ClientSpec(
            key=key,
            role_arn=role_arn,
            source_profile=source,
            profile=values["profile"] or "",
            name=values["name"] or "",
            external_id=external_id,
            mfa_serial=mfa_serial or None,
            session_name=session_name,
            duration=self._duration(),
            **self._presentation(),
        )
        return spec, generated

    def _external_id(self) -> tuple[str | None, bool]:
        """The external ID (given, typed, or generated), and whether it was generated."""
        from xswitch.core import onboard

        external_id = self.values["external_id"]
        if external_id is None:
            answer = self._until(
                "External ID (as the client gave it; 'generate' for a new one; Enter for none): ",
                "the external ID",
                lambda text: (
                    None
                    if not text or text == GENERATE or onboard.EXTERNAL_ID.match(text)
                    else "2 to 1224 characters: letters, digits and +=,.@:/_-, no spaces."
                ),
            )
            external_id = answer or None
        if external_id == GENERATE:
            return onboard.generate_external_id(), True
        return external_id, False

    def _duration(self) -> int | None:
        from xswitch.core.onboard import MAX_DURATION, MIN_DURATION

        if self.values["duration"] is not None:
            return int(self.values["duration"])
        text = self._until(
            "Session duration in seconds (Enter for the role's default, 1 hour): ",
            "the duration",
            lambda text: (
                None
                if not text or (text.isdigit() and MIN_DURATION <= int(text) <= MAX_DURATION)
                else "A whole number from 900 (15 minutes) to 43200 (12 hours)."
            ),
        )
        return int(text) if text else None

    def _presentation(self) -> dict[str, Any]:
        """The region, the production flag and the colour."""
        from xswitch.core import onboard

        values = self.values
        region = values["region"] or self._optional(
            "Region (e.g. eu-west-1; Enter for none): ", onboard.REGION, "e.g. eu-west-1."
        )
        prod = values["prod"]
        if prod is None:
            answer = self.ask("Production client (asks before each use)? [y/N] ", "yes or no")
            prod = answer.strip().lower() in ("y", "yes")
        color = values["color"] or self._optional(
            "Colour (a name or #rrggbb; Enter for none): ", onboard.COLOUR, "e.g. red or #e5484d."
        )
        return {"region": region, "prod": bool(prod), "color": color}

    def _until(self, question: str, what: str, problem: Any) -> str:
        while True:
            answer = self.ask(question, what).strip()
            trouble = problem(answer)
            if trouble is None:
                return answer
            self.say(trouble)

    def _optional(self, question: str, pattern: Any, example: str) -> str | None:
        answer = self._until(
            question,
            question.split(" (")[0].lower(),
            lambda text: None if not text or pattern.match(text) else "Not valid: " + example,
        )
        return answer or None

    def _source(self) -> str:
        from xswitch.core.model import Kind

        choices = [p.name for p in self.catalog.profiles.values() if p.kind is not Kind.OTHER]
        if not choices:
            raise errors.UsageError(
                "There is no profile with credentials to assume the role from.",
                "Store your own access keys first: 'xswitch keys add me'.",
            )
        self.say("Your profiles (the role is assumed with the credentials of one of them):")
        for number, name in enumerate(choices[:30], 1):
            self.say(f"  {number}. {name}")

        def problem(text: str) -> str | None:
            if text.isdigit() and 1 <= int(text) <= min(30, len(choices)):
                return None
            return None if text in self.catalog.profiles else "Type a number or a profile name."

        answer = self._until("Source profile (number or name): ", "the source profile", problem)
        return choices[int(answer) - 1] if answer.isdigit() else answer

    def _mfa(self, source: str) -> str | None:
        from xswitch.core import onboard
        from xswitch.core.identity import mfa_devices_of

        self.say(f"Looking up the MFA devices of '{source}'...")
        devices = mfa_devices_of(self.ctx.sessions(), source, self.prompter)
        if devices:
            for number, serial in enumerate(devices, 1):
                self.say(f"  {number}. {serial}")
            answer = self._until(
                "MFA device (number, or Enter for none): ",
                "the MFA device",
                lambda text: (
                    None
                    if not text
                    or (text.isdigit() and 1 <= int(text) <= len(devices))
                    or onboard.MFA_SERIAL.match(text)
                    else "Type one of the numbers, or a device ARN."
                ),
            )
            if answer.isdigit() and 1 <= int(answer) <= len(devices):
                return devices[int(answer) - 1]
            return answer or None
        return self._optional(
            "MFA device ARN (if the client requires MFA; Enter for none): ",
            onboard.MFA_SERIAL,
            "arn:aws:iam::123456789012:mfa/NAME.",
        )
