"""`xswitch demo -- CMD`: the commands and the real AWS CLI against the embedded STS."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_a_shell_with_xswitch_and_aws_on_path(tmp_path: Path):
    script = (
        'eval "$(xswitch export acme-dev)" && '
        "aws sts get-caller-identity --query Arn --output text; "
        "xswitch export acme-dve; echo rc=$?"
    )
    env = {
        **os.environ,
        # A virtual environment that is not activated: only system directories on PATH.
        "PATH": "/usr/bin:/bin",
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "demo", "--", "sh", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "arn:aws:sts::111111111111:assumed-role/Developer/demo-user" in result.stdout
    assert "rc=2" in result.stdout  # an unknown profile, suggested
    assert "Did you mean 'acme-dev'" in result.stderr
    # The embedded servers' request logs stay out of the user's terminal.
    assert "POST /" not in result.stderr
    # Nothing is left behind.
    assert list(tmp_path.glob("xswitch-demo-*")) == []
