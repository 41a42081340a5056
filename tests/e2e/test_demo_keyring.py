"""`xswitch demo` leaves no copy of its session key in the kernel keyring once it ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from xswitch.core import keycache

INSIDE = """
import os, subprocess, sys
from xswitch.core import keycache
subprocess.run(["xswitch", "export", "acme-dev"], check=True, stdout=subprocess.DEVNULL)
description = keycache.kernel_description(os.environ)
print(description)
print("present" if keycache.get(description) is not None else "absent")
"""


def test_the_demo_revokes_its_kernel_keyring_key(tmp_path: Path):
    probe = "xswitch:test-probe:" + os.urandom(4).hex()
    if not keycache.put(probe, b"x", timeout=60):
        pytest.skip("no kernel keyring here")
    keycache.forget(probe)
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("XSWITCH_KERNEL_KEYRING", None)
    result = subprocess.run(
        [sys.executable, "-m", "xswitch", "demo", "--", sys.executable, "-c", INSIDE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    description, state = result.stdout.split()
    assert state == "present"  # the demo's login put the key there...
    assert keycache.get(description) is None  # ...and quitting the demo revoked it
