"""Case 10: the profiles come from a shared catalog (a git repository added with `xswitch catalog
add`) instead of ~/.aws/config. The same targets as cases 4 and 5 hold: `list --json` at most half
of awsume's listing of the same profiles from ~/.aws/config, the picker's first frame at most twice
a bare Textual app's."""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _cases import (
    AWSUME,
    BARE_TEXTUAL,
    XSWITCH,
    Bench,
    _json_rows,
    _picker_missing,
    _prime_awsume,
    awsume_argv,
)
from _harness import Row, Target, Unavailable, interleave, require, rows_for, run_timed
from _world import BENCH, Home, fleet_config, xswitch_argv

_COLOURS = ("#e5484d", "#30a46c", "#0090ff", "#f76b15", "#8e4ec6")


def catalog_toml(config: str) -> tuple[str, str, int]:
    """The role profiles of a generated ~/.aws/config as a catalog file, grouped into clients
    (every fifth one production); the rest of the config (source users, [default]); how many
    profiles the catalog holds."""
    parser = configparser.RawConfigParser()
    parser.read_string(config)
    kept, lines, clients = [], [], {}
    for section in parser.sections():
        values = dict(parser.items(section))
        if "role_arn" not in values:
            kept += [f"[{section}]", *(f"{k} = {v}" for k, v in values.items()), ""]
            continue
        name = section.split(None, 1)[1]
        client = name.split("-", 1)[0]
        clients.setdefault(client, len(clients))
        lines += [f'[profiles."{name}"]', f'client = "{client}"']
        lines += [f'{key} = "{value}"' for key, value in values.items()]
        lines.append("")
    header = []
    for client, index in clients.items():
        header += [f"[clients.{client}]", f'name = "{client.title()}"']
        header += [f'color = "{_COLOURS[index % len(_COLOURS)]}"']
        header += ["prod = true" if index % 5 == 0 else "prod = false", ""]
    profiles = sum(1 for line in lines if line.startswith("[profiles."))
    return "\n".join(header + lines), "\n".join(kept), profiles


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


def _home_with_catalog(bench: Bench, size: int) -> tuple[Home, Home, int]:
    """xswitch's home following a catalog of `size` profiles; awsume's with them in its
    ~/.aws/config; how many profiles each lists."""
    world = fleet_config(size)
    catalog, rest, _ = catalog_toml(world.config)
    repository = bench.workdir / f"catalog-{size}"
    repository.mkdir()
    (repository / "catalog.toml").write_text(catalog)
    _git("init", "--quiet", cwd=repository)
    _git("add", "catalog.toml", cwd=repository)
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    _git(*identity, "commit", "--quiet", "-m", "catalog", cwd=repository)
    xs = bench.home(f"catalog-{size}-{XSWITCH}")
    xs.write_aws(rest, world.credentials)
    added = run_timed([*xswitch_argv(), "catalog", "add", "bench", str(repository)], xs.env)
    require(added, added.returncode == 0, "xswitch catalog add")
    aw = bench.home(f"catalog-{size}-{AWSUME}")
    aw.write_aws(world.config, world.credentials)
    return xs, aw, world.profiles


def catalog_scale(bench: Bench) -> list[Row]:
    size = max(bench.plan.list_sizes)
    case = f"10. catalog of {size:,} profiles"
    xs, aw, expected = _home_with_catalog(bench, size)
    _prime_awsume(aw)

    def listing(_: int) -> float:
        run = run_timed([*xswitch_argv(), "list", "--json"], xs.env)
        rows = _json_rows(run)
        ok = len(rows) == expected and rows[-1].get("source") in ("catalog:bench", "aws")
        return require(run, ok, "xswitch list --json (catalog)").seconds

    def awsume(_: int) -> float:
        run = run_timed([*awsume_argv(), "-l"], aw.env)
        return require(run, run.stdout.count("\n") >= size, "awsumepy -l").seconds

    list_name = f"{XSWITCH} list --json"
    samples = interleave(bench.plan.list_rounds, {list_name: listing, AWSUME: awsume})
    rows = rows_for(
        f"{case}: list",
        samples,
        reference=AWSUME,
        targets={list_name: Target("≤ 0.50× awsume", 0.5)},
    )
    rows += _paint(bench, case, xs, expected)
    xs.remove()
    aw.remove()
    return rows


def _paint(bench: Bench, case: str, home: Home, expected: int) -> list[Row]:
    probe = str(BENCH / "_picker_probe.py")
    missing = _picker_missing()

    def painted(mode: str) -> Callable[[int], float]:
        def contender(_: int) -> float:
            if missing:
                raise Unavailable(missing)
            env = {**home.env, "BENCH_SPAWNED": repr(time.time())}
            run = run_timed([sys.executable, probe, mode], env, timeout=120)
            fields = run.stdout.split()
            ok = bool(fields) and (mode == "bare" or fields[1:] == [str(expected)])
            require(run, ok, f"first paint ({mode}, catalog)")
            return float(fields[0])

        return contender

    picker = f"{XSWITCH} picker"
    contenders = {picker: painted("paint"), BARE_TEXTUAL: painted("bare")}
    for warm_up in contenders.values():
        warm_up(-1)
    samples = interleave(bench.plan.paint_rounds, contenders)
    return rows_for(
        f"{case}: picker first paint",
        samples,
        reference=BARE_TEXTUAL,
        targets={picker: Target("≤ 2.0× bare app", 2.0)},
    )


if __name__ == "__main__":  # a quick look: python bench/_catalog_case.py 10000
    catalog, rest, count = catalog_toml(fleet_config(int(sys.argv[1])).config)
    print(json.dumps({"profiles": count, "bytes": len(catalog)}))
