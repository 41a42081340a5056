"""Measuring and reporting: timed child processes, interleaved rounds, result rows, the table.

Every figure is a ratio against a contender or a floor measured in the same run, because a shared
machine's absolute timings drift from minute to minute.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field


class Unavailable(Exception):
    """A contender or a piece of the project that this machine or checkout does not have."""


class ContenderFailed(Exception):
    """A contender ran but did not do the work (bad output, error exit): its time means nothing."""


@dataclass(frozen=True)
class Run:
    """One finished child process: wall time, peak memory and what it printed."""

    seconds: float
    peak_rss_mb: float
    stdout: str
    stderr: str
    returncode: int


def run_timed(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cwd: str | None = None,
    timeout: float = 300.0,
) -> Run:
    """Run `argv` to completion, timing it from spawn to exit and reading its peak RSS.

    Output goes to temporary files rather than pipes so that the parent never has to read while
    timing, and the child is reaped with wait4() because only that reports the child's own rusage.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(argv), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            peak_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            returncode=process.returncode,
        )


def require(run: Run, ok: bool, what: str) -> Run:
    """Raise ContenderFailed unless the run exited 0 and its output passed the check `ok`."""
    if run.returncode != 0 or not ok:
        raise ContenderFailed(f"{what}: exit {run.returncode}; {last_words(run)}")
    return run


def last_words(run: Run) -> str:
    """The last line a failed child printed (a traceback's last line names the error), in brief."""
    for text in (run.stderr, run.stdout):
        lines = [line.strip(" │╰╯─") for line in text.splitlines()]
        lines = [line for line in lines if line]
        if lines:
            return lines[-1][:200]
    return "no output"


# A contender is called once per round with the round number and returns one measurement.
Contender = Callable[[int], float]


def interleave(rounds: int, contenders: Mapping[str, Contender]) -> dict[str, Samples]:
    """Run the contenders A B C A B C ... so that slow drift of the machine hits all of them alike.

    A contender that is unavailable or fails is dropped from later rounds and reported as such.
    """
    samples = {name: Samples() for name in contenders}
    for round_number in range(rounds):
        for name, contender in contenders.items():
            result = samples[name]
            if result.problem:
                continue
            try:
                result.values.append(contender(round_number))
            except Unavailable as missing:
                result.problem = f"n/a ({missing or 'not available'})"
            except ContenderFailed as failure:
                result.problem = f"failed: {failure}"
    return samples


@dataclass
class Samples:
    """Measurements of one contender in one case, or why there are none."""

    values: list[float] = field(default_factory=list)
    problem: str = ""


@dataclass(frozen=True)
class Target:
    """The figure the project holds itself to: a limit on the ratio or on the median itself."""

    text: str
    limit: float
    on_ratio: bool = True

    def met(self, median: float, ratio: float | None) -> bool:
        value = ratio if self.on_ratio else median
        return value is not None and value <= self.limit


@dataclass(frozen=True)
class Row:
    """One line of the table."""

    case: str
    contender: str
    values: tuple[float, ...] = ()
    unit: str = "ms"
    reference: str | None = None  # contender (same case) the ratio is taken against
    target: Target | None = None
    problem: str = ""
    extra_ok: bool = True  # a condition beyond the number (e.g. "imports no boto3")

    @property
    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None


def rows_for(
    case: str,
    samples: Mapping[str, Samples],
    *,
    unit: str = "ms",
    reference: str | None = None,
    targets: Mapping[str, Target] | None = None,
    scale: float = 1000.0,
) -> list[Row]:
    """Rows for one case from interleaved samples (seconds scaled to milliseconds by default)."""
    targets = targets or {}
    return [
        Row(
            case=case,
            contender=name,
            values=tuple(v * scale for v in result.values),
            unit=unit,
            reference=reference,
            target=targets.get(name),
            problem=result.problem,
        )
        for name, result in samples.items()
    ]


@dataclass(frozen=True)
class Line:
    """A row with its derived figures, ready to print or draw."""

    row: Row
    median: float | None
    ratio: float | None
    met: bool | None


def evaluate(rows: Sequence[Row]) -> list[Line]:
    medians = {(r.case, r.contender): r.median for r in rows}
    lines = []
    for row in rows:
        ratio = None
        reference = medians.get((row.case, row.reference)) if row.reference else None
        if row.median is not None and reference:
            ratio = row.median / reference
        met = None
        if row.target is not None:
            met = (
                row.median is not None
                and row.target.met(row.median, ratio)
                and row.extra_ok
                and not row.problem
            )
        lines.append(Line(row, row.median, ratio, met))
    return lines


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "ms" and value >= 10_000:
        return f"{value / 1000:.1f} s"
    digits = 2 if abs(value) < 10 else 1 if abs(value) < 100 else 0
    return f"{value:.{digits}f} {unit}"


def markdown_table(lines: Sequence[Line]) -> str:
    header = "| case | contender | median | min | max | ratio | target | met |"
    out = [header, "|---|---|--:|--:|--:|--:|---|---|"]
    for line in lines:
        row = line.row
        if row.problem and not row.values:
            cells = [row.case, row.contender, row.problem, "", "", "", "", ""]
        else:
            ratio = "-"
            if line.ratio is not None:
                ratio = f"{line.ratio:.2f}×"
                if row.reference == row.contender:
                    ratio += " (ref)"
            cells = [
                row.case,
                row.contender,
                _number(line.median, row.unit),
                _number(min(row.values), row.unit) if row.values else "-",
                _number(max(row.values), row.unit) if row.values else "-",
                ratio,
                row.target.text if row.target else "",
                "" if line.met is None else ("yes" if line.met else "no"),
            ]
            if row.problem:
                cells[1] += f" ({row.problem})"
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(out) + "\n"
