"""The benchmark cases, one function each; every case returns the rows it adds to the table.

Each case builds one isolated home per contender, checks that every contender really did the work
(valid credentials, a full listing) and then times them interleaved.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _harness import (
    ContenderFailed,
    Row,
    Run,
    Samples,
    Target,
    Unavailable,
    interleave,
    last_words,
    require,
    rows_for,
    run_timed,
)
from _world import (
    BENCH,
    MFA_USER,
    WARM_ROLE,
    Home,
    StsServer,
    cold_profile,
    fleet_config,
    refresh_profile,
    switching_config,
    tool,
    xswitch_argv,
)

XSWITCH = "xswitch"
AWSUME = "awsume"
AWS_CLI = "aws cli"
FLOOR = "python -c pass"


@dataclass(frozen=True)
class Plan:
    """Sizes and rounds: the full run or the quick one the test suite uses."""

    quick: bool
    switch_rounds: int
    refresh_rounds: int
    fleet: int
    list_sizes: tuple[int, ...]
    list_rounds: int
    picker_sizes: tuple[int, ...]
    # Start-up takes a fraction of a second and this machine's speed drifts: more rounds.
    paint_rounds: int
    filter_size: int
    sso_accounts: int
    sso_roles: int
    sso_rate: float
    sso_rounds: int
    sts_latency_ms: float
    export_size: int
    export_rounds: int

    @classmethod
    def full(cls) -> Plan:
        return cls(
            quick=False,
            switch_rounds=10,
            refresh_rounds=5,
            fleet=50,
            list_sizes=(2_000, 10_000),
            list_rounds=5,
            picker_sizes=(1_000, 10_000),
            paint_rounds=15,
            filter_size=10_000,
            sso_accounts=1_000,
            sso_roles=3,
            sso_rate=20.0,
            sso_rounds=2,
            sts_latency_ms=30.0,
            export_size=50_000,
            export_rounds=5,
        )

    @classmethod
    def quick_run(cls) -> Plan:
        return cls(
            quick=True,
            switch_rounds=2,
            refresh_rounds=2,
            fleet=5,
            list_sizes=(100, 500),
            list_rounds=2,
            picker_sizes=(100, 500),
            paint_rounds=2,
            filter_size=500,
            sso_accounts=10,
            sso_roles=2,
            sso_rate=20.0,
            sso_rounds=1,
            sts_latency_ms=30.0,
            export_size=500,
            export_rounds=2,
        )


@dataclass
class Bench:
    """What every case gets: the plan, a scratch directory and the local STS."""

    plan: Plan
    workdir: Path
    sts: StsServer
    log: Callable[[str], None] = print
    peak_rss: dict[str, list[float]] = field(default_factory=dict)  # "case/who" -> MB, case 7

    def home(self, name: str) -> Home:
        return Home.create(self.workdir, name, self.sts.url)


def awsume_argv() -> list[str]:
    awsumepy = tool("awsumepy")
    if awsumepy is None:
        raise Unavailable("awsume not installed: pip install -e '.[bench]'")
    return [str(awsumepy)]


def _awsume_ok(run: Run) -> bool:
    """awsumepy prints `Awsume KEY SECRET TOKEN REGION PROFILE ...` for its shell wrapper."""
    for line in run.stdout.splitlines():
        fields = line.split()
        if fields[:1] == ["Awsume"] and len(fields) >= 5:
            return len(fields[1]) >= 16 and fields[3] != "None"
    return False


def _exports_ok(run: Run) -> bool:
    return "AWS_ACCESS_KEY_ID=" in run.stdout and "AWS_SESSION_TOKEN=" in run.stdout


def _prime_awsume(home: Home) -> None:
    """awsume writes its config on the first run; that run is not what we measure."""
    with contextlib.suppress(Unavailable):
        run_timed([*awsume_argv(), "--version"], home.env, timeout=60)


def _unavailable_when(missing: str | None) -> Callable[[int], float]:
    def contender(_: int) -> float:
        raise Unavailable(missing or "not available")

    return contender


# --- 1. warm switch ------------------------------------------


def warm_switch(bench: Bench) -> list[Row]:
    """A cached session to export lines, with the network unplugged to prove nothing is fetched.

    awsume caches only GetSessionToken (MFA) sessions, never roles, so its warm case is an IAM
    user with MFA whose session it has cached; xswitch's is a role whose session it has cached.
    Both print export lines from a cache without any network call.
    """
    case = "1. warm switch (cached session → export lines)"
    xs = bench.home("warm-xswitch")
    aw = bench.home("warm-awsume")
    world = switching_config(0, (), 0)
    for home in (xs, aw):
        home.write_aws(world.config, world.credentials)

    require(run_timed([*xswitch_argv(), "export", WARM_ROLE], xs.env), True, "xswitch first export")
    awsume_missing = None
    try:
        _prime_awsume(aw)
        first = run_timed([*awsume_argv(), MFA_USER, "-s", "--mfa-token", "123456"], aw.env)
        require(first, _awsume_ok(first), "awsume first switch (fills its cache)")
    except Unavailable as missing:
        awsume_missing = str(missing)

    def xswitch(_: int) -> float:
        run = run_timed([*xswitch_argv(), "export", WARM_ROLE], xs.offline())
        return require(run, _exports_ok(run), "xswitch export (offline)").seconds

    def awsume(_: int) -> float:
        run = run_timed([*awsume_argv(), MFA_USER, "-s"], aw.offline())
        return require(run, _awsume_ok(run), "awsume -s (offline, cached)").seconds

    def floor(_: int) -> float:
        return require(run_timed([sys.executable, "-c", "pass"], xs.env), True, FLOOR).seconds

    samples = interleave(
        bench.plan.switch_rounds,
        {
            XSWITCH: xswitch,
            AWSUME: awsume if awsume_missing is None else _unavailable_when(awsume_missing),
            FLOOR: floor,
        },
    )
    boto3_free = _imports_no_boto3(xs)
    rows = rows_for(
        case,
        samples,
        reference=AWSUME,
        targets={XSWITCH: Target("≤ 0.20× awsume, no boto3 import", 0.20)},
    )
    rows[0] = Row(**{**rows[0].__dict__, "extra_ok": boto3_free})
    if not boto3_free:
        rows[0] = Row(**{**rows[0].__dict__, "problem": "imported boto3"})
    rows.append(
        Row(
            case=case,
            contender=f"{XSWITCH} vs {FLOOR}",
            values=rows[0].values,
            reference=FLOOR,
            problem=samples[XSWITCH].problem,
        )
    )
    return rows


def _imports_no_boto3(home: Home) -> bool:
    run = run_timed(
        [sys.executable, "-X", "importtime", "-m", "xswitch", "export", WARM_ROLE], home.offline()
    )
    if run.returncode != 0:
        return False
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()}
    return not any(name.split(".")[0] in ("boto3", "botocore") for name in imported)


# --- 2. cold switch ------------------------------------------


def cold_switch(bench: Bench) -> list[Row]:
    """One AssumeRole against the local STS, a role no contender has assumed before."""
    case = "2. cold switch (one AssumeRole)"
    rounds = bench.plan.switch_rounds
    names = (XSWITCH, AWSUME, "awscli")
    world = switching_config(rounds, names, 0)
    homes = {name: bench.home(f"cold-{name}") for name in names}
    for home in homes.values():
        home.write_aws(world.config, world.credentials)
    _prime_awsume(homes[AWSUME])

    def xswitch(r: int) -> float:
        argv = [*xswitch_argv(), "export", cold_profile(XSWITCH, r)]
        run = run_timed(argv, homes[XSWITCH].env)
        return require(run, _exports_ok(run), "xswitch export").seconds

    def awsume(r: int) -> float:
        run = run_timed([*awsume_argv(), cold_profile(AWSUME, r), "-s"], homes[AWSUME].env)
        return require(run, _awsume_ok(run), "awsume -s").seconds

    def aws_cli(r: int) -> float:
        aws = tool("aws")
        if aws is None:
            raise Unavailable("AWS CLI not installed")
        argv = [str(aws), "sts", "get-caller-identity", "--profile", cold_profile("awscli", r)]
        run = run_timed(argv, homes["awscli"].env)
        return require(run, "assumed-role/Operator" in run.stdout, "aws sts").seconds

    samples = interleave(rounds, {XSWITCH: xswitch, AWSUME: awsume, AWS_CLI: aws_cli})
    return rows_for(
        case,
        samples,
        reference=AWS_CLI,
        targets={XSWITCH: Target("≤ 1.00× aws cli", 1.0)},
    )


# --- 3. refresh a fleet ------------------------------------------


def refresh_fleet(bench: Bench) -> list[Row]:
    """Fresh sessions for N roles: xswitch in parallel, awsume one after another."""
    fleet = bench.plan.fleet
    case = f"3. refresh {fleet} roles ({bench.plan.sts_latency_ms:.0f} ms STS latency)"
    world = switching_config(0, (), fleet)
    homes = {name: bench.home(f"refresh-{name}") for name in (XSWITCH, AWSUME)}
    for home in homes.values():
        home.write_aws(world.config, world.credentials)
    names = [refresh_profile(i) for i in range(fleet)]
    script = str(BENCH / "_refresh.py")
    _prime_awsume(homes[AWSUME])

    def refresher(name: str) -> Callable[[int], float]:
        def contender(_: int) -> float:
            if name == AWSUME:
                awsume_argv()  # raises Unavailable without awsume
            run = run_timed([sys.executable, script, name, *names], homes[name].env)
            return require(run, run.stdout.strip() == str(fleet), f"{name} refresh").seconds

        return contender

    samples = interleave(
        bench.plan.refresh_rounds,
        {f"{XSWITCH} (parallel)": refresher(XSWITCH), f"{AWSUME} (serial)": refresher(AWSUME)},
    )
    return rows_for(
        case,
        samples,
        reference=f"{AWSUME} (serial)",
        targets={f"{XSWITCH} (parallel)": Target("≤ 0.50× awsume", 0.5)},
    )


# --- 4. list a big config ------------------------------------------


def list_profiles(bench: Bench) -> list[Row]:
    """Every profile of a big config: `xswitch list --json` vs `awsumepy -l`."""
    rows: list[Row] = []
    for size in bench.plan.list_sizes:
        case = f"4. list {size:,} profiles"
        world = fleet_config(size)
        homes = {name: bench.home(f"list-{size}-{name}") for name in (XSWITCH, AWSUME)}
        for home in homes.values():
            home.write_aws(world.config, world.credentials)
        _prime_awsume(homes[AWSUME])

        def xswitch(_: int, home: Home = homes[XSWITCH], size: int = size) -> float:
            run = run_timed([*xswitch_argv(), "list", "--json"], home.env)
            ok = run.returncode == 0 and len(_json_rows(run)) >= size
            require(run, ok, "xswitch list --json")
            bench.peak_rss.setdefault(f"list-{size}/{XSWITCH}", []).append(run.peak_rss_mb)
            return run.seconds

        def awsume(_: int, home: Home = homes[AWSUME], size: int = size) -> float:
            run = run_timed([*awsume_argv(), "-l"], home.env)
            require(run, run.stdout.count("\n") >= size, "awsumepy -l")
            bench.peak_rss.setdefault(f"list-{size}/{AWSUME}", []).append(run.peak_rss_mb)
            return run.seconds

        samples = interleave(bench.plan.list_rounds, {XSWITCH: xswitch, AWSUME: awsume})
        rows += rows_for(
            case,
            samples,
            reference=AWSUME,
            targets={XSWITCH: Target("≤ 0.50× awsume", 0.5)},
        )
        for home in homes.values():
            home.remove()
    return rows


def _json_rows(run: Run) -> list:
    try:
        rows = json.loads(run.stdout)
    except ValueError as error:
        raise ContenderFailed(f"xswitch list --json printed invalid JSON: {error}") from None
    return rows if isinstance(rows, list) else []


__all__ = ["Bench", "Plan", "Samples"]


# --- 5.-7. the picker ------------------------------------------


def _picker_missing() -> str | None:
    try:
        import xswitch.ui.app  # noqa: F401
    except ImportError as error:
        return f"the picker is not available: {error}"
    return None


def first_paint(bench: Bench) -> list[Row]:
    """Spawn to first frame: the picker on N profiles vs a bare Textual app showing one Label."""
    rows: list[Row] = []
    probe = str(BENCH / "_picker_probe.py")
    missing = _picker_missing()
    # 1.3× the bare app at the smaller size (1,000 profiles), 2× at the larger (10,000).
    for size, limit in zip(bench.plan.picker_sizes, (1.3, 2.0), strict=True):
        case = f"5. picker first paint, {size:,} profiles"
        home = bench.home(f"paint-{size}")
        world = fleet_config(size)
        home.write_aws(world.config, world.credentials)

        def painted(
            mode: str, size: int = size, home: Home = home, expected: int = world.profiles
        ) -> Callable[[int], float]:
            def contender(_: int) -> float:
                if missing:
                    raise Unavailable(missing)
                env = {**home.env, "BENCH_SPAWNED": repr(time.time())}
                run = run_timed([sys.executable, probe, mode], env, timeout=120)
                fields = run.stdout.split()
                ok = bool(fields) and (mode == "bare" or fields[1:] == [str(expected)])
                require(run, ok, f"first paint ({mode})")
                bench.peak_rss.setdefault(f"paint-{size}/{mode}", []).append(run.peak_rss_mb)
                return float(fields[0])

            return contender

        contenders = {XSWITCH: painted("paint"), BARE_TEXTUAL: painted("bare")}
        for warm_up in contenders.values():
            warm_up(-1)  # a first start reads cold files; a user's tenth start of the day does not
        samples = interleave(bench.plan.paint_rounds, contenders)
        rows += rows_for(
            case,
            samples,
            reference=BARE_TEXTUAL,
            targets={XSWITCH: Target(f"≤ {limit:.1f}× bare app", limit)},
        )
    return rows


def filter_keystroke(bench: Bench) -> list[Row]:
    """Milliseconds from a key in the filter to the matching rows drawn, over the biggest config."""
    size = bench.plan.filter_size
    case = f"6. filter keystroke, {size:,} profiles"
    missing = _picker_missing()
    if missing:
        return [Row(case, XSWITCH, problem=f"n/a ({missing})")]
    home = bench.home("filter")
    world = fleet_config(size)
    home.write_aws(world.config, world.credentials)
    run = run_timed(
        [sys.executable, str(BENCH / "_picker_probe.py"), "filter", *FILTER_QUERIES],
        home.env,
        timeout=300,
    )
    if run.returncode != 0:
        return [Row(case, XSWITCH, problem=f"failed: {last_words(run)}")]
    timings = json.loads(run.stdout)
    # The picker's peak once the fuzzy index is built and searched: for case 7.
    bench.peak_rss.setdefault(f"filter-{size}", []).append(run.peak_rss_mb)
    id_like = [ms for query in ACCOUNT_ID_QUERIES for ms in timings[query]]
    every = [ms for per_key in timings.values() for ms in per_key]
    target = Target("median < 16 ms", 16.0, on_ratio=False)
    return [
        Row(case, f"{XSWITCH}, every key ({len(every)})", tuple(every), target=target),
        Row(case, f"{XSWITCH}, account-ID-like keys", tuple(id_like), target=target),
    ]


def peak_memory(bench: Bench) -> list[Row]:
    """Peak RSS of the children cases 4, 5 and 6 ran, at the biggest size."""
    case = "7. peak memory (RSS)"
    biggest_list = max(bench.plan.list_sizes)
    biggest_paint = max(bench.plan.picker_sizes)
    filtered = bench.plan.filter_size
    target = Target("< 150 MB", 150.0, on_ratio=False)
    wanted = [
        (f"list-{biggest_list}/{XSWITCH}", f"xswitch list --json, {biggest_list:,}", target, None),
        (f"list-{biggest_list}/{AWSUME}", f"awsumepy -l, {biggest_list:,}", None, None),
        (f"paint-{biggest_paint}/paint", f"xswitch picker, {biggest_paint:,}", target, "bare"),
        (f"filter-{filtered}", f"xswitch picker after filtering, {filtered:,}", target, "bare"),
        (f"paint-{biggest_paint}/bare", "bare", None, "bare"),
    ]
    rows = []
    for key, label, row_target, reference in wanted:
        peak = bench.peak_rss.get(key)
        label = BARE_TEXTUAL if label == "bare" else label
        ref = BARE_TEXTUAL if reference else None
        if peak is None:
            rows.append(Row(case, label, unit="MB", problem="n/a (needs cases 4, 5 and 6)"))
        else:
            rows.append(Row(case, label, tuple(peak), "MB", reference=ref, target=row_target))
    return rows


BARE_TEXTUAL = "bare Textual app"
ACCOUNT_ID_QUERIES = ("e00", "0000", "4821")
FILTER_QUERIES = ("acme", "prod adm", "globex-dev", "ro", *ACCOUNT_ID_QUERIES)


# --- 8. SSO discovery ------------------------------------------

_SSO_RESULT = re.compile(
    r"(?P<accounts>\d+) accounts, (?P<roles>\d+) roles: (?P<requests>\d+) requests .*? in "
    r"(?P<elapsed>[\d.]+) s; bound (?P<bound>[\d.]+) s .*? visible after (?P<first>[\d.]+|inf) s"
)


def sso_discovery(bench: Bench) -> list[Row]:
    """`xswitch sso sync` against the project's SSO server throttling at its limit, through
    bench/bench_sso.py; the reference is the bound the limit sets (requests ÷ rate)."""
    plan = bench.plan
    case = f"8. SSO discovery, {plan.sso_accounts:,} accounts × {plan.sso_roles} roles"
    case += f" at {plan.sso_rate:g} req/s"
    script = BENCH / "bench_sso.py"
    sync, bound, first = f"{XSWITCH} sso sync", "bound (requests ÷ rate)", "first accounts visible"
    if not script.exists():
        return [Row(case, sync, problem="n/a (bench/bench_sso.py not available)")]
    home = bench.home("sso")
    argv = [sys.executable, str(script), "--accounts", str(plan.sso_accounts)]
    argv += ["--roles", str(plan.sso_roles), "--rate", f"{plan.sso_rate:g}"]
    values: dict[str, list[float]] = {sync: [], bound: [], first: []}
    for _ in range(plan.sso_rounds):
        run = run_timed(argv, home.env, timeout=600)
        found = _SSO_RESULT.search(run.stdout)
        # bench_sso.py exits 1 when it misses a target; only missing figures are a failure.
        if found is None:
            tail = last_words(run)
            status = "n/a" if "No module named" in tail else "failed"
            return [Row(case, sync, problem=f"{status}: {tail}")]
        if int(found["accounts"]) != plan.sso_accounts:
            return [Row(case, sync, problem=f"failed: found {found['accounts']} accounts")]
        values[sync].append(float(found["elapsed"]))
        values[bound].append(float(found["bound"]))
        values[first].append(float(found["first"]))
    seconds = {name: tuple(v * 1000 for v in samples) for name, samples in values.items()}
    return [
        Row(case, sync, seconds[sync], reference=bound, target=Target("≤ 1.20× bound", 1.2)),
        Row(case, bound, seconds[bound], reference=bound),
        Row(case, first, seconds[first], target=Target("≤ 2 s", 2000.0, on_ratio=False)),
    ]


# --- 9. cold export in a big config ------------------------------------------


def cold_export_big(bench: Bench) -> list[Row]:
    """`export` of a role never assumed before, in a config of N profiles, against `list --json`
    of the same config in the same run: the one AssumeRole must not cost a pass over every profile.
    """
    size = bench.plan.export_size
    case = f"9. cold export, {size:,} profiles"
    world = fleet_config(size)
    home = bench.home(f"export-{size}")
    home.write_aws(world.config, world.credentials)
    roles = _roles_without_mfa(world.config)
    if len(roles) < bench.plan.export_rounds:
        raise RuntimeError("the generated config has too few roles without MFA")

    def export(r: int) -> float:
        run = run_timed([*xswitch_argv(), "export", roles[r]], home.env)
        return require(run, _exports_ok(run), "xswitch export (cold)").seconds

    def listing(_: int) -> float:
        run = run_timed([*xswitch_argv(), "list", "--json"], home.env)
        require(run, run.returncode == 0 and len(_json_rows(run)) >= size, "xswitch list --json")
        return run.seconds

    export_name, list_name = f"{XSWITCH} export (cold)", f"{XSWITCH} list --json"
    samples = interleave(bench.plan.export_rounds, {export_name: export, list_name: listing})
    rows = rows_for(
        case,
        samples,
        reference=list_name,
        targets={export_name: Target("≤ 1.50× list", 1.5)},
    )
    home.remove()
    return rows


def _roles_without_mfa(config: str) -> list[str]:
    """Role profiles of a generated config that need no MFA code, in file order."""
    names = []
    for block in config.split("\n\n"):
        lines = block.strip().splitlines()
        header = lines[0] if lines else ""
        if header.startswith("[profile ") and "role_arn" in block and "mfa_serial" not in block:
            names.append(header[len("[profile ") : -1])
    return names


# --- 11. warm switch through the agent ------------------------------------------


def agent_switch(bench: Bench) -> list[Row]:
    """`xswitch export P` answered by the running agent from memory (no decryption, no network),
    next to the floor of starting Python at all; and the time `xs P` takes in an interactive
    bash (the `xs` function: a session from the cache, a slot at the agent, the variables set)."""
    case = "11. warm switch through the agent"
    home = bench.home("agent-switch")
    world = switching_config(0, (), 0)
    home.write_aws(world.config, world.credentials)
    require(run_timed([*xswitch_argv(), "export", WARM_ROLE], home.env), True, "first export")
    require(run_timed([*xswitch_argv(), "agent", "start"], home.env), True, "agent start")
    try:
        # The agent learns the session from the next switch; every later one asks it only.
        require(run_timed([*xswitch_argv(), "export", WARM_ROLE], home.env), True, "offer")

        def xswitch(_: int) -> float:
            run = run_timed([*xswitch_argv(), "export", WARM_ROLE], home.offline())
            return require(run, _exports_ok(run), "xswitch export (agent)").seconds

        def floor(_: int) -> float:
            return require(run_timed([sys.executable, "-c", "pass"], home.env), True, FLOOR).seconds

        bash = shutil.which("bash")

        def xs_in_bash(_: int) -> float:
            if bash is None:
                raise Unavailable("bash not installed")
            # The hook is loaded first; only `xs P` itself is timed, by bash's own clock.
            script = (
                'eval "$(xswitch init bash)"; s=$EPOCHREALTIME; xs ' + WARM_ROLE + " 2>/dev/null"
                ' && e=$EPOCHREALTIME && [ -n "$AWS_CONTAINER_CREDENTIALS_FULL_URI" ]'
                ' && echo "took $s $e"'
            )
            run = run_timed([bash, "-c", script], home.env)
            words = run.stdout.split()
            require(run, words[:1] == ["took"], "xs in bash")
            return float(words[2].replace(",", ".")) - float(words[1].replace(",", "."))

        samples = interleave(
            bench.plan.switch_rounds,
            {f"{XSWITCH} export (agent)": xswitch, FLOOR: floor, "xs P in bash": xs_in_bash},
        )
    finally:
        run_timed([*xswitch_argv(), "agent", "stop"], home.env)
    rows = rows_for(
        case,
        samples,
        reference=FLOOR,
        targets={f"{XSWITCH} export (agent)": Target("≤ 2× python -c pass", 2.0)},
    )
    return rows
