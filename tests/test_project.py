"""Guards on the project's shape: a UI-free core, lazy imports, README and CI in step."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Every module of core, in its packages too (core/actions/...).
CORE_MODULES = sorted(
    ".".join(p.relative_to(ROOT / "src").with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "src" / "xswitch" / "core").rglob("*.py")
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


def _mypy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """mypy with the project's settings (pyproject.toml's [tool.mypy]), run from the root."""
    config = str(ROOT / "pyproject.toml")
    command = [sys.executable, "-m", "mypy", "--config-file", config, "--cache-dir", str(cache)]
    return subprocess.run(
        [*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=280, check=False
    )


@pytest.fixture
def mypy_cache(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    # A cold check of src/ analyses Textual and numpy too (about 15 s of CPU); pytest's own
    # cache directory keeps the results between runs (under a second once warm), and a fresh
    # clone, or a run without the cache plugin, starts from an empty directory.
    cache = getattr(request.config, "cache", None)
    return cache.mkdir("mypy") if cache is not None else tmp_path / "mypy"


@pytest.mark.timeout(300)
def test_source_type_checks(mypy_cache: Path) -> None:
    result = _mypy("src", cache=mypy_cache)
    assert result.returncode == 0, (
        "mypy src (settings in pyproject.toml) found problems:\n" + result.stdout + result.stderr
    )


def test_type_check_uses_the_project_settings(tmp_path: Path, mypy_cache: Path) -> None:
    # Without check_untyped_defs mypy skips the bodies of unannotated functions: were the
    # settings not read, the check of src/ would pass over most of them.
    sample = tmp_path / "sample.py"
    sample.write_text("def total():\n    return 1 + 'one'\n")
    result = _mypy(str(sample), cache=mypy_cache)
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'Unsupported operand types for + ("int" and "str")' in result.stdout


def _imported_modules(path: Path) -> set[str]:
    import ast

    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


@pytest.mark.parametrize("front", ["cli", "ui"])
def test_front_ends_import_no_aws_sdk_directly(front: str) -> None:
    """The CLI and the picker present; AWS calls (and their errors) belong to core, so neither
    imports boto3 or botocore anywhere, not even inside a function."""
    files = sorted((ROOT / "src" / "xswitch" / front).rglob("*.py"))
    assert len(files) >= 5
    direct = sorted(
        f"{path.relative_to(ROOT)}: {module}"
        for path in files
        for module in _imported_modules(path)
        if module.split(".")[0] in {"boto3", "botocore"}
    )
    assert direct == [], f"the {front} imports the AWS SDK itself: {direct[:5]}"


def test_lint_is_clean() -> None:
    """ruff with pyproject's rules (complexity C901 at most 12 included) over the whole project."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "src", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 400
LONG_MODULE_REASON = "Over 400 lines"


def _source_files() -> list[Path]:
    return sorted((ROOT / "src" / "xswitch").rglob("*.py"))


def test_no_function_is_longer_than_a_screen() -> None:
    import ast

    long = []
    for path in _source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines (split into named steps): {long}"


def test_long_modules_say_why_at_the_top() -> None:
    import ast

    unexplained = []
    for path in _source_files():
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            docstring = ast.get_docstring(ast.parse(text)) or ""
            if LONG_MODULE_REASON not in docstring:
                unexplained.append(str(path.relative_to(ROOT)))
    assert not unexplained, (
        f"modules over {MAX_MODULE_LINES} lines without an '{LONG_MODULE_REASON} ...' paragraph "
        f"in their docstring saying why: {unexplained}"
    )
