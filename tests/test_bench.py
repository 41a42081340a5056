"""The benchmark must keep running: `bench/run.py --quick` produces a full, sane table and a chart.

No timing assertions (this machine is shared); what is checked is that every case produced its
rows, that measured figures are consistent numbers, and that xswitch itself never failed a case.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CASES = ("1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "9.", "10.", "11.")
NUMBER = re.compile(r"^(\d+(?:\.\d+)?) (ms|s|MB|req/s)$")


def _value(cell: str) -> float:
    match = NUMBER.match(cell)
    assert match, f"not a measurement: {cell!r}"
    value = float(match.group(1))
    return value * 1000 if match.group(2) == "s" else value


def _table_rows(table: str) -> list[list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| case | contender | median | min | max | ratio | target | met |")
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("bench")
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, out


@pytest.mark.timeout(180)
def test_quick_run_has_a_row_for_every_case(quick_run):
    stdout, out = quick_run
    rows = _table_rows((out / "table.md").read_text())
    assert _table_rows(stdout) == rows
    for case in CASES:
        assert any(row[0].startswith(case) for row in rows), f"no row for case {case}"


@pytest.mark.timeout(180)
def test_measured_rows_are_consistent_numbers(quick_run):
    _, out = quick_run
    measured = 0
    for case, contender, median, low, high, ratio, target, met in _table_rows(
        (out / "table.md").read_text()
    ):
        if median.startswith(("n/a", "failed")):
            assert not contender.startswith("xswitch"), f"{case}: {contender}: {median}"
            continue
        assert "failed" not in contender, f"{case}: {contender}"
        measured += 1
        assert 0 < _value(low) <= _value(median) <= _value(high), (case, contender)
        if ratio != "-":
            assert float(ratio.split("×")[0]) > 0
        if ratio.endswith("(ref)"):
            assert ratio.startswith("1.00×")
        assert met in ("", "yes", "no")
        assert bool(target) == (met != ""), (case, contender)
    assert measured >= len(CASES)


@pytest.mark.timeout(180)
def test_chart_is_an_svg_with_a_bar_per_ratio(quick_run):
    _, out = quick_run
    root = ElementTree.parse(out / "chart.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    bars = root.findall("{http://www.w3.org/2000/svg}rect")[1:]  # the first is the background
    ratios = [
        row[5]
        for row in _table_rows((out / "table.md").read_text())
        if row[5] not in ("-", "") and "(ref)" not in row[5]
    ]
    assert len(bars) == len(ratios) > 0
