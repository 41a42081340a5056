"""Picker speed: first paint (1,000 and 10,000 profiles) against a bare Textual app with one Label,
filter keystroke cost over 10,000 profiles, and peak memory. Measured and printed, not asserted.

    .venv/bin/python bench/bench_picker.py [--runs 3]

Each first paint is timed in a fresh process, from spawn to the end of the first refresh, so that
imports count; the ratio against the bare app (measured in the same run) is what matters.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLIENTS = 50
QUERIES = ("a", "ac", "acm", "e00", "0000", "prod", "admin", "c07 p12")


def write_home(root: Path, profiles: int) -> dict[str, str]:
    """A throwaway home with `profiles` role profiles spread over CLIENTS clients."""
    aws = root / ".aws"
    aws.mkdir(parents=True, exist_ok=True)
    (aws / "credentials").write_text(
        "[me]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
    )
    lines = ["[profile me]", "region = eu-west-1", ""]
    for n in range(profiles):
        client = n % CLIENTS
        role = ("admin", "dev", "readonly", "prod-deploy")[n % 4]
        lines += [
            f"[profile c{client:02d}-p{n}]",
            f"role_arn = arn:aws:iam::{100000000000 + n * 7:012d}:role/{role}",
            "source_profile = me",
            "region = eu-west-1",
            "",
        ]
    (aws / "config").write_text("\n".join(lines))
    config = root / ".config" / "xswitch"
    config.mkdir(parents=True, exist_ok=True)
    tables = []
    for client in range(CLIENTS):
        prod = "true" if client % 10 == 0 else "false"
        tables.append(
            f'[clients.c{client:02d}]\nname = "Client {client:02d}"\nprod = {prod}\n'
            f'match = ["c{client:02d}-*"]\n'
        )
    (config / "config.toml").write_text("\n".join(tables))
    return {
        "HOME": str(root),
        "XDG_CONFIG_HOME": str(root / ".config"),
        "XDG_CACHE_HOME": str(root / ".cache"),
        "XDG_DATA_HOME": str(root / ".local" / "share"),
        "AWS_CONFIG_FILE": str(aws / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(aws / "credentials"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
    }


# --- child processes: paint once and exit -------------------------------------------------------


def child_bare() -> None:
    from textual.app import App
    from textual.widgets import Label

    class Bare(App[None]):
        def compose(self):
            yield Label("xswitch")

        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    Bare().run(headless=True, size=(120, 40))


def child_picker() -> None:
    from xswitch.core.profiles import load_catalog
    from xswitch.core.sessions import SessionManager
    from xswitch.ui.app import XswitchApp

    class Timed(XswitchApp):
        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    catalog = load_catalog(os.environ)
    Timed(catalog, SessionManager(catalog, os.environ)).run(headless=True, size=(120, 40))
    import resource

    print(f"rss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


def first_paint(kind: str, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, __file__, "--child", kind],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - start, result.stdout


# --- filter keystrokes, in process --------------------------------------------------------------


async def filter_costs(env: dict[str, str]) -> list[tuple[str, float]]:
    os.environ.update(env)
    from xswitch.core.profiles import load_catalog
    from xswitch.core.sessions import SessionManager
    from xswitch.ui.app import XswitchApp

    catalog = load_catalog(os.environ)
    app = XswitchApp(catalog, SessionManager(catalog, os.environ))
    costs: list[tuple[str, float]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.profile_index()  # built once, before the first keystroke
        table = app.profiles
        for query in QUERIES:
            for end in range(1, len(query) + 1):
                typed = query[:end]
                start = time.perf_counter()
                app._apply_filter(typed)
                for y in range(table.size.height):  # the redraw of the visible rows
                    table.render_line(y)
                costs.append((typed, time.perf_counter() - start))
            await pilot.pause()
    return costs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=("bare", "picker"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.child == "bare":
        child_bare()
        return
    if args.child == "picker":
        child_picker()
        return

    with tempfile.TemporaryDirectory(prefix="xswitch-bench-") as tmp:
        homes = {n: write_home(Path(tmp) / f"home{n}", n) for n in (1000, 10000)}
        bare = statistics.median(first_paint("bare", homes[1000])[0] for _ in range(args.runs))
        print(f"first paint, bare Textual app with one Label: {bare * 1000:7.0f} ms")
        for count, env in homes.items():
            runs = [first_paint("picker", env) for _ in range(args.runs)]
            seconds = statistics.median(r[0] for r in runs)
            rss = max(int(r[1].split("rss_kb=")[1]) for r in runs) / 1024
            goal = 1.3 if count == 1000 else 2.0
            print(
                f"first paint, picker with {count:>6,} profiles:  {seconds * 1000:7.0f} ms"
                f"  = {seconds / bare:.2f}x bare (goal {goal}x)  peak RSS {rss:.0f} MB"
            )
        import asyncio

        costs = asyncio.run(filter_costs(homes[10000]))
        worst = max(costs, key=lambda c: c[1])
        mean = statistics.mean(c[1] for c in costs)
        print(
            f"filter keystroke over 10,000 profiles (match + redraw of visible rows): "
            f"mean {mean * 1000:.1f} ms, worst {worst[1] * 1000:.1f} ms ('{worst[0]}'), goal 16 ms"
        )
        for query in ("e00", "0000"):
            cost = dict(costs)[query]
            print(f"  '{query}': {cost * 1000:.1f} ms")


if __name__ == "__main__":
    main()
