"""Inside an xswitch shell, typed by a person: a one-off `exec P -- CMD` runs, another interactive
shell is refused unless --force."""

from __future__ import annotations

from termtesting import BIN

WORD = r"[\w-]+"  # a value, not the typed '$VARIABLE' echoed with the command


def test_one_off_commands_run_and_nested_shells_need_force(term, dev_role):
    t = term.spawn(str(BIN / "xswitch"), ["exec", "dev"])
    t.expect(r"\(Other/dev\)")  # the subshell's prompt marker
    t.type('xswitch exec dev -- sh -c \'echo "one-off=$XSWITCH_PROFILE"\'; echo "rc=$?"')
    assert t.report("one-off", value=WORD) == "dev"
    assert t.report("rc", value=WORD) == "0"
    t.type('xswitch exec dev; echo "nested=$?"')
    t.expect("already in an xswitch subshell")
    assert t.report("nested", value=WORD) == "2"
    t.type('xswitch exec dev --force -- true; echo "forced=$?"')
    assert t.report("forced", value=WORD) == "0"
    t.type("exit")
    assert t.finish() == 0
