"""Guards on the project's shape: a UI-free core, lazy imports, README and CI in step."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORE_MODULES = sorted(
    f"xswitch.core.{p.stem}"
    for p in (ROOT / "src" / "xswitch" / "core").glob("*.py")
    if p.stem != "__init__"
)


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_core_never_imports_textual_or_rich() -> None:
    assert len(CORE_MODULES) >= 5
    loaded = _loaded_after("\n".join(f"import {m}" for m in CORE_MODULES))
    ui = sorted(m for m in loaded if m.split(".")[0] in {"textual", "rich"})
    assert ui == [], f"xswitch.core pulled in UI modules: {ui[:5]}"


def test_cli_startup_imports_no_boto_or_keyring() -> None:
    loaded = _loaded_after("import xswitch.cli; xswitch.cli.build_parser()")
    heavy = sorted(
        m for m in loaded if m.split(".")[0] in {"boto3", "botocore", "keyring", "textual", "numpy"}
    )
    assert heavy == [], f"the command line imports heavy modules at start-up: {heavy[:5]}"


def test_picker_imports_no_aws_keyring_or_numpy_before_its_first_frame() -> None:
    # numpy serves the fuzzy filter, whose index is built after the first frame.
    loaded = _loaded_after("import xswitch.ui.app")
    heavy = sorted(
        m for m in loaded if m.split(".")[0] in {"boto3", "botocore", "keyring", "numpy"}
    )
    assert heavy == [], f"the picker imports heavy modules before its first frame: {heavy[:5]}"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = re.findall(r"```(?:sh|bash|console)?\n(.*?)```", readme, flags=re.S)
    commands = [line.strip() for block in blocks for line in block.splitlines()]
    test_commands = [c for c in commands if "pytest" in c]
    assert test_commands, "README shows no test command"
    assert test_commands[0] in ci.splitlines(), "CI does not run the README's test command"
