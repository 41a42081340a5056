"""The benchmark: xswitch next to awsume, the AWS CLI and bare baselines, up to 10,000 profiles.

    .venv/bin/python bench/run.py [--quick] [--out DIR] [--cases 1,4]

Starts its own local STS (moto) and SSO server, gives every contender an isolated home, runs the
contenders interleaved and prints a Markdown table; `--out` also writes table.md and chart.svg.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _cases import (
    Bench,
    Plan,
    agent_switch,
    cold_export_big,
    cold_switch,
    filter_keystroke,
    first_paint,
    list_profiles,
    peak_memory,
    refresh_fleet,
    sso_discovery,
    warm_switch,
)
from _catalog_case import catalog_scale
from _chart import ratio_chart
from _harness import Row, evaluate, markdown_table
from _world import StsServer

CASES: dict[str, Callable[[Bench], list[Row]]] = {
    "1": warm_switch,
    "2": cold_switch,
    "3": refresh_fleet,
    "4": list_profiles,
    "5": first_paint,
    "6": filter_keystroke,
    "7": peak_memory,
    "8": sso_discovery,
    "9": cold_export_big,
    "10": catalog_scale,
    "11": agent_switch,
}


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    python = platform.python_version()
    return f"{os.cpu_count()} CPUs ({model}), Python {python}, {platform.system()}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 2 rounds (seconds)")
    parser.add_argument("--out", type=Path, help="write table.md and chart.svg into this directory")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated case numbers")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    plan = Plan.quick_run() if args.quick else Plan.full()
    chosen = [number.strip() for number in args.cases.split(",") if number.strip()]
    unknown = [number for number in chosen if number not in CASES]
    if unknown:
        print(f"run.py: no case {', '.join(unknown)}; the cases are {', '.join(CASES)}.")
        return 2

    # Measure what users run: byte-compiled modules (an editable install under
    # PYTHONDONTWRITEBYTECODE would otherwise recompile every edited module on every start).
    import compileall

    compileall.compile_dir(Path(__file__).resolve().parents[1] / "src" / "xswitch", quiet=1)

    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="xswitch-bench-") as scratch:
        sts = StsServer(plan.sts_latency_ms)
        try:
            bench = Bench(plan, Path(scratch), sts, log=lambda text: print(text, file=sys.stderr))
            for number in chosen:
                case_started = time.perf_counter()
                rows += CASES[number](bench)
                elapsed = time.perf_counter() - case_started
                print(f"case {number} done in {elapsed:.1f} s", file=sys.stderr)
        finally:
            sts.close()

    lines = evaluate(rows)
    table = markdown_table(lines)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    kind = "quick run" if plan.quick else "full run"
    heading = f"xswitch benchmark, {kind}, {when}, {machine()}"
    total = time.perf_counter() - started
    print(f"{heading}\n\n{table}\nTotal time {total:.0f} s.")
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "table.md").write_text(f"{heading}\n\n{table}")
        (args.out / "chart.svg").write_text(ratio_chart(lines, heading))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
