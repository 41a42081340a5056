"""Shared by the property-based tests in this folder: a counter of the cases each one tried,
printed in the terminal summary.

Use the `fuzz_counter` fixture: it returns `count(name: str, n: int = 1)`, which adds `n` cases
under `name` (one name per test, e.g. its function name).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

_CASES: dict[str, int] = {}


@pytest.fixture(scope="session")
def fuzz_counter() -> Callable[..., None]:
    """`count(name, n=1)`: record that `n` more cases of `name` were tried."""

    def count(name: str, n: int = 1) -> None:
        _CASES[name] = _CASES.get(name, 0) + n

    return count


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _CASES:
        return
    terminalreporter.section("fuzz cases tried")
    for name, cases in sorted(_CASES.items()):
        terminalreporter.write_line(f"{name}: {cases}")
    terminalreporter.write_line(f"total: {sum(_CASES.values())}")
