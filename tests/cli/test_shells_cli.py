"""The shell commands without a terminal: `init`, what `xs` prints, `status`, `--region`,
`exec --min-ttl`; the real `xswitch` in a subprocess against the moto server."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest


def xswitch(*args: str, env: dict | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xswitch", *args],
        capture_output=True,
        text=True,
        env=env or dict(os.environ),
        stdin=subprocess.DEVNULL,
        timeout=90,
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_init_prints_a_hook_the_shell_accepts(shell: str) -> None:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed")
    scripts = []
    for extra in ([], ["--no-marker"]):
        result = xswitch("init", shell, *extra)
        assert result.returncode == 0, result.stderr
        check = subprocess.run([path, "-n"], input=result.stdout, capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        scripts.append(result.stdout)
    with_marker, without = scripts
    assert "xs()" in without or "function xs" in without
    assert "XSWITCH_PROMPT_MARKER" in with_marker and len(without) < len(with_marker)


def test_init_of_an_unknown_shell_is_a_usage_error() -> None:
    result = xswitch("init", "tcsh")
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_xs_dash_without_a_previous_profile_says_so(dev_role) -> None:
    result = xswitch("_hook", "bash", str(os.getpid()), "-")
    assert result.returncode == 2
    assert "no previous profile" in result.stderr and result.stdout == ""


def test_xs_off_restores_what_the_user_had(dev_role) -> None:
    env = dict(os.environ, AWS_REGION="ap-south-1", AWS_PROFILE="mine")
    switched = xswitch("_hook", "bash", str(os.getpid()), "dev", "--keys", env=env)
    assert switched.returncode == 0, switched.stderr
    after = _evaluate(switched.stdout, env)
    assert after["AWS_REGION"] == "eu-west-1" and "AWS_PROFILE" not in after
    assert after["XSWITCH_PROFILE"] == "dev" and after["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    off = xswitch("_hook", "bash", str(os.getpid()), "off", env=after)
    back = _evaluate(off.stdout, after)
    assert back["AWS_REGION"] == "ap-south-1" and back["AWS_PROFILE"] == "mine"
    assert not [name for name in back if name.startswith("XSWITCH_") and name not in env]
    assert "AWS_ACCESS_KEY_ID" not in back


def _evaluate(code: str, env: dict) -> dict:
    """The environment after bash evaluates `code`."""
    result = subprocess.run(
        ["bash", "-c", code + "\nenv -0"], capture_output=True, env=env, check=True
    )
    return dict(item.split("=", 1) for item in result.stdout.decode().split("\0") if "=" in item)


def test_region_flag_everywhere_and_a_bad_region_is_a_usage_error(dev_role) -> None:
    exported = xswitch("export", "dev", "--shell", "bash", "--region", "us-west-2")
    assert "export AWS_REGION='us-west-2';" in exported.stdout
    ran = xswitch("exec", "dev", "--region", "ap-south-1", "--", "sh", "-c", "echo $AWS_REGION")
    assert ran.stdout.strip() == "ap-south-1", ran.stderr
    who = xswitch("whoami", "dev", "--region", "us-west-2", "--json")
    assert who.returncode == 0 and "assumed-role/Developer" in json.loads(who.stdout)["arn"]
    bad = xswitch("export", "dev", "--region", "moon-1")
    assert bad.returncode == 2 and "not a region name" in bad.stderr


def test_exec_honours_the_callers_region_unless_the_profile_pins_one(dev_role) -> None:
    dev_role.write_aws_config(
        """
        [profile dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        region = eu-west-1

        [profile loose]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me
        """
    )
    env = dict(os.environ, AWS_REGION="sa-east-1")
    loose = xswitch("exec", "loose", "--", "sh", "-c", "echo $AWS_REGION", env=env)
    pinned = xswitch("exec", "dev", "--", "sh", "-c", "echo $AWS_REGION", env=env)
    assert loose.stdout.strip() == "sa-east-1" and pinned.stdout.strip() == "eu-west-1"


def test_exec_min_ttl_runs_or_refuses_before_the_job_starts(dev_role, tmp_path) -> None:
    started = tmp_path / "started"
    job = ["--", "sh", "-c", f"touch {started}"]
    assert xswitch("exec", "dev", "--min-ttl", "45m", *job).returncode == 0
    assert started.exists()
    started.unlink()
    refused = xswitch("exec", "dev", "--min-ttl", "2h", *job)
    assert refused.returncode == 1 and "less than the 120 minutes" in refused.stderr
    assert not started.exists()
    bad = xswitch("exec", "dev", "--min-ttl", "soon", *job)
    assert bad.returncode == 2 and "not a duration" in bad.stderr


def test_status_is_one_line_for_status_bars(dev_role) -> None:
    assert xswitch("status").stdout == "no live session\n"
    assert xswitch("login", "dev").returncode == 0
    line = xswitch("status").stdout
    assert re.fullmatch(r"1 live, next ends in \d\d:\d\d \(dev\)\n", line), line
    env = dict(os.environ, XSWITCH_PROFILE="dev", XSWITCH_CLIENT="Other", XSWITCH_PROD="1")
    env["XSWITCH_EXPIRES"] = str(int(__import__("time").time()) + 3000)
    tmux = xswitch("status", "--tmux", env=env).stdout
    assert tmux.startswith("#[fg=red]Other/dev 49:") and tmux.count("#[default]") == 2


def test_recent_profiles_are_remembered_most_recent_first(dev_role) -> None:
    from xswitch.core import recents

    dev_role.write_aws_config(
        """
        [profile dev]
        role_arn = arn:aws:iam::111111111111:role/Developer
        source_profile = me

        [profile ops]
        role_arn = arn:aws:iam::111111111111:role/Operator
        source_profile = me
        """
    )
    for name in ("dev", "ops", "dev"):
        assert xswitch("export", name).returncode == 0
    assert recents.load()[:2] == ["dev", "ops"]


def test_xs_of_an_unknown_profile_changes_nothing(dev_role) -> None:
    result = xswitch("_hook", "bash", str(os.getpid()), "nope")
    assert result.returncode == 2 and result.stdout == ""
    assert "There is no profile named 'nope'" in result.stderr


def test_xs_without_a_usable_agent_exports_keys_and_says_why(dev_role) -> None:
    runtime = dev_role.root / ".run" / "xswitch"
    runtime.mkdir(mode=0o755)
    os.chmod(runtime, 0o755)  # someone opened it up: xswitch must not put a socket there
    result = xswitch("_hook", "bash", str(os.getpid()), "dev")
    assert result.returncode == 0
    assert "not private to you" in result.stderr and "keys instead" in result.stderr
    assert "export AWS_ACCESS_KEY_ID=" in result.stdout
    assert "AWS_CONTAINER_CREDENTIALS_FULL_URI=" not in result.stdout
    strict = xswitch("exec", "dev", "--server", "--", "true")
    assert strict.returncode == 1 and "not private to you" in strict.stderr
