"""Use cases both front ends share (core.actions)."""

from __future__ import annotations


def test_the_production_confirmation_takes_the_name_as_the_cli_and_picker_both_do() -> None:
    from xswitch.core.actions.uses import confirms_production
    from xswitch.core.model import Client

    client = Client(key="bank", name="First Bank", prod=True)
    assert confirms_production("  first BANK ", client)
    assert not confirms_production("First", client)
    assert not confirms_production("", client)
    odd = Client(key="odd", name="Odd\x1bName", prod=True)
    assert confirms_production("Odd\\x1bName", odd)  # the escaped form, as shown, counts
    assert confirms_production("Odd\x1bName", odd)
