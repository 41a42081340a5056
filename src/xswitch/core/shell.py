"""Shell integration: export lines per shell, the subshell environment, the prompt marker, spawning.

Every value written into shell code is quoted so that it reaches the shell byte for byte. The prompt
marker (a profile name: untrusted text) never appears in generated shell code at all: it travels
in the environment variable XSWITCH_PROMPT_MARKER and the prompt reads it as data.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from datetime import UTC
from pathlib import Path

from xswitch.core.errors import UsageError

# Not `typing.TYPE_CHECKING`: the cached switch imports this module and typing costs it ~3 ms.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from xswitch.core.model import Credentials

SHELLS = ("bash", "zsh", "fish", "powershell")

MARKER_VAR = "XSWITCH_PROMPT_MARKER"
# Variables that would win over the exported keys (profiles) or are stale aliases of them.
_ALWAYS_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN")
_KEY_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
)

_RED = "\x1b[1;31m"
_CYAN = "\x1b[1;36m"
_RESET = "\x1b[0m"


# --- export lines ------------------------------------------------------------------------------


def credential_variables(
    creds: Credentials | None, region: str | None
) -> tuple[dict[str, str], list[str]]:
    """The AWS variables to set and those to unset for `creds` (None: only unset the keys)."""
    if creds is not None:
        expiration = rfc3339(creds) if creds.expiration is not None else None
        return session_variables(
            creds.access_key_id, creds.secret_access_key, creds.session_token, expiration, region
        )
    to_set: dict[str, str] = {}
    to_unset = [*_ALWAYS_UNSET, *_KEY_VARIABLES]
    if region:
        to_set["AWS_REGION"] = to_set["AWS_DEFAULT_REGION"] = region
    return to_set, to_unset


def session_variables(
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None,
    expiration: str | None,
    region: str | None,
) -> tuple[dict[str, str], list[str]]:
    """`credential_variables` from plain values (`expiration` in RFC 3339), for the hot path."""
    to_set = {"AWS_ACCESS_KEY_ID": access_key_id, "AWS_SECRET_ACCESS_KEY": secret_access_key}
    to_unset = list(_ALWAYS_UNSET)
    if session_token:
        to_set["AWS_SESSION_TOKEN"] = session_token
    else:
        to_unset.append("AWS_SESSION_TOKEN")
    if expiration:
        to_set["AWS_CREDENTIAL_EXPIRATION"] = expiration
    else:
        to_unset.append("AWS_CREDENTIAL_EXPIRATION")
    if region:
        # boto3 reads only AWS_DEFAULT_REGION, the AWS CLI v2 also AWS_REGION: set both.
        to_set["AWS_REGION"] = region
        to_set["AWS_DEFAULT_REGION"] = region
    return to_set, to_unset


def rfc3339(creds: Credentials) -> str:
    assert creds.expiration is not None
    return creds.expiration.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_lines(creds: Credentials, region: str | None, shell: str = "bash") -> str:
    """Shell code that puts `creds` into the environment of the shell that evaluates it.

    bash/zsh: `eval "$(xswitch export)"`; fish: `xswitch export --shell fish | source` (or
    `eval (...)`: every statement ends with ';' and contains no newline); PowerShell:
    `xswitch export --shell powershell | Invoke-Expression` (values contain no line break).
    """
    return render_exports(*credential_variables(creds, region), shell)


def render_exports(to_set: Mapping[str, str], to_unset: list[str], shell: str = "bash") -> str:
    """Shell code that sets `to_set` and unsets `to_unset` (see `credential_variables`)."""
    syntax = _syntax(shell)
    lines = [syntax.unset(name) for name in to_unset]
    lines += [syntax.assign(name, value) for name, value in to_set.items()]
    return "\n".join(lines) + "\n"


def quote(value: str, shell: str = "bash") -> str:
    """`value` as one word of `shell` syntax, reproduced exactly when evaluated."""
    return _syntax(shell).quote(value)


class _Posix:
    """bash and zsh: single quotes; a quote inside ends the string, adds \\' and starts again."""

    @staticmethod
    def quote(value: str) -> str:
        return "'" + value.replace("'", "'\\''") + "'"

    def assign(self, name: str, value: str) -> str:
        return f"export {name}={self.quote(value)};"

    @staticmethod
    def unset(name: str) -> str:
        return f"unset {name};"


class _Fish:
    """fish: single quotes escape only \\ and '; newlines go outside the quotes as \\n so that
    `eval (xswitch export --shell fish)`, which splits on lines, still sees one statement."""

    @staticmethod
    def quote(value: str) -> str:
        parts = value.replace("\\", "\\\\").replace("'", "\\'").split("\n")
        return "\\n".join(f"'{part}'" for part in parts)

    def assign(self, name: str, value: str) -> str:
        return f"set -gx {name} {self.quote(value)};"

    @staticmethod
    def unset(name: str) -> str:
        return f"set -e {name};"


class _PowerShell:
    """PowerShell: single quotes doubled; the typographic quotes count as quotes too there.
    CR and LF are joined in as "`r"/"`n" so that a line-by-line Invoke-Expression works."""

    _QUOTES = ("'", "\u2018", "\u2019", "\u201a", "\u201b")

    def quote(self, value: str) -> str:
        pieces: list[str] = []
        current = ""
        for char in value:
            if char in "\r\n":
                pieces.append(f"'{current}'")
                pieces.append('"`r"' if char == "\r" else '"`n"')
                current = ""
            else:
                current += char * 2 if char in self._QUOTES else char
        pieces.append(f"'{current}'")
        joined = " + ".join(pieces)
        return f"({joined})" if len(pieces) > 1 else joined

    def assign(self, name: str, value: str) -> str:
        return f"$Env:{name} = {self.quote(value)}"

    @staticmethod
    def unset(name: str) -> str:
        return f"Remove-Item Env:{name} -ErrorAction SilentlyContinue"


_SYNTAXES = {"bash": _Posix(), "zsh": _Posix(), "fish": _Fish(), "powershell": _PowerShell()}


def _syntax(shell: str) -> _Posix | _Fish | _PowerShell:
    name = "powershell" if shell in ("pwsh", "powershell") else shell
    try:
        return _SYNTAXES[name]
    except KeyError:
        raise UsageError(
            f"xswitch cannot write export lines for the shell '{shell}'.",
            "Use one of: " + ", ".join(SHELLS) + " (e.g. --shell fish).",
        ) from None


def detect_shell(env: Mapping[str, str] = os.environ) -> str:
    """bash, zsh, fish or powershell from $SHELL (bash when it is unknown)."""
    name = Path(env.get("SHELL", "")).name.lower().removesuffix(".exe")
    if name in ("bash", "zsh", "fish"):
        return name
    if name in ("pwsh", "powershell") or (not name and env.get("PSModulePath")):
        return "powershell"
    return "bash"


# --- subshell ----------------------------------------------------------------------------------


def subshell_env(
    base_env: Mapping[str, str],
    creds: Credentials | None,
    region: str | None,
    profile_name: str,
    client_name: str,
    prod: bool,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """`base_env` with the credential variables of `creds` and the XSWITCH_* markers.

    `creds` None leaves the key variables unset (for a subshell served by the container
    credentials endpoint, whose variables come in `extra`). Everything else passes through.
    """
    to_set, to_unset = credential_variables(creds, region)
    env = {k: v for k, v in base_env.items() if k not in to_unset}
    env.update(to_set)
    env["XSWITCH_PROFILE"] = profile_name
    env["XSWITCH_CLIENT"] = client_name
    env["XSWITCH_PROD"] = "1" if prod else "0"
    if extra:
        env.update(extra)
    return env


def in_subshell(env: Mapping[str, str] = os.environ) -> bool:
    """True inside a shell that xswitch started (the nested-session guard)."""
    return bool(env.get("XSWITCH_PROFILE"))


def prompt_marker(text: str) -> str:
    """`text` as it leads the prompt: in parentheses (unless already bracketed), control
    characters (escape sequences that could repaint the terminal) replaced by '?', and one
    space to separate it from the user's prompt."""
    clean = "".join("?" if unicodedata.category(c).startswith("C") else c for c in text.strip())
    if not (clean[:1] in "([{" and clean[-1:] in ")]}" and clean):
        clean = f"({clean})"
    return clean + " "


def subshell_command(
    shell_path: str,
    marker: str,
    prod: bool,
    tmpdir: Path,
    *,
    env: Mapping[str, str] = os.environ,
) -> tuple[list[str], dict[str, str]]:
    """The argv of an interactive shell whose prompt starts with `marker`, and the variables to
    add to its environment. The user's own rc files still load. `tmpdir` receives the small rc
    files that do this; the caller removes it after the shell exits. Colour (red for production)
    unless NO_COLOR is set in `env`."""
    extra = {MARKER_VAR: prompt_marker(marker)}
    color = "" if "NO_COLOR" in env else (_RED if prod else _CYAN)
    name = Path(shell_path).name
    if name == "bash":
        rc = _write(tmpdir / "bashrc", _bash_rc(color))
        return [shell_path, "--rcfile", str(rc), "-i"], extra
    if name == "zsh":
        zdotdir = tmpdir / "zdotdir"
        zdotdir.mkdir(mode=0o700, exist_ok=True)
        _write(zdotdir / ".zshenv", _ZSHENV)
        _write(zdotdir / ".zprofile", _ZSH_FORWARD.format(file=".zprofile"))
        _write(zdotdir / ".zshrc", _zshrc(color))
        if "ZDOTDIR" in env:
            extra["XSWITCH_USER_ZDOTDIR"] = env["ZDOTDIR"]
        extra["ZDOTDIR"] = str(zdotdir)
        return [shell_path, "-i"], extra
    if name == "fish":
        init = _write(tmpdir / "prompt.fish", _fish_init(color))
        return [
            shell_path,
            "--interactive",
            "--init-command",
            f"source {_Fish.quote(str(init))}",
        ], (extra)
    return [shell_path], extra


def run_subshell(argv: list[str], env: Mapping[str, str]) -> int:
    """Run `argv` with `env` in the foreground and return its exit code (128+N for signal N)."""
    import signal
    import subprocess

    # Ctrl-C belongs to the program in the subshell; xswitch just waits for it to finish.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process = subprocess.Popen(argv, env=dict(env), restore_signals=True)
        code = process.wait()
    except FileNotFoundError:
        raise UsageError(
            f"The program '{argv[0]}' was not found.",
            "Check the command name, or set $SHELL to an installed shell.",
        ) from None
    except PermissionError:
        raise UsageError(
            f"The program '{argv[0]}' cannot be run (permission denied).",
            "Check that it is executable.",
        ) from None
    finally:
        signal.signal(signal.SIGINT, previous)
    return 128 - code if code < 0 else code


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    os.chmod(path, 0o600)
    return path


# The rc files below contain only constants and colour codes; the marker is read from $MARKER_VAR.


def _bash_rc(color: str) -> str:
    on, off = (_bash_escape(color), _bash_escape(_RESET)) if color else ("", "")
    return f"""# xswitch subshell: the user's normal startup, then the prompt marker.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
# Single quotes: PS1 expands the variable at display time, and never re-expands its value.
__xswitch_prefix='{on}${{{MARKER_VAR}}}{off}'
__xswitch_prompt() {{
  local status=$?  # the user's prompt may show the last exit status: keep it
  case "$PS1" in
    "$__xswitch_prefix"*) ;;
    *) PS1="$__xswitch_prefix$PS1" ;;
  esac
  return $status
}}
__xswitch_prompt
# Prompt frameworks rewrite PS1 before every prompt: put the marker back after them.
PROMPT_COMMAND="${{PROMPT_COMMAND:+$PROMPT_COMMAND$'\\n'}}__xswitch_prompt"
"""


def _bash_escape(sequence: str) -> str:
    return "\\[" + sequence.replace("\x1b", "\\e") + "\\]"


_ZSHENV = """# xswitch subshell: run the user's .zshenv from the user's ZDOTDIR (or HOME).
__xswitch_zdotdir=$ZDOTDIR
if (( ${+XSWITCH_USER_ZDOTDIR} )); then ZDOTDIR=$XSWITCH_USER_ZDOTDIR; else unset ZDOTDIR; fi
[[ -f ${ZDOTDIR:-$HOME}/.zshenv ]] && source ${ZDOTDIR:-$HOME}/.zshenv
# The user's .zshenv may have chosen a ZDOTDIR: remember it for .zshrc.
if (( ${+ZDOTDIR} )); then XSWITCH_USER_ZDOTDIR=$ZDOTDIR; else unset XSWITCH_USER_ZDOTDIR; fi
ZDOTDIR=$__xswitch_zdotdir
"""

_ZSH_FORWARD = """[[ -f ${{XSWITCH_USER_ZDOTDIR:-$HOME}}/{file} ]] && \
source ${{XSWITCH_USER_ZDOTDIR:-$HOME}}/{file}
"""


def _zshrc(color: str) -> str:
    on, off = (_zsh_escape(color), _zsh_escape(_RESET)) if color else ("", "")
    return f"""# xswitch subshell: back to the user's ZDOTDIR, their .zshrc, then the prompt marker.
if (( ${{+XSWITCH_USER_ZDOTDIR}} )); then
  ZDOTDIR=$XSWITCH_USER_ZDOTDIR
else
  unset ZDOTDIR
fi
unset XSWITCH_USER_ZDOTDIR __xswitch_zdotdir
[[ -f ${{ZDOTDIR:-$HOME}}/.zshrc ]] && source ${{ZDOTDIR:-$HOME}}/.zshrc
# %9v prints psvar[9] literally: the marker is never subject to prompt_subst or % expansion.
__xswitch_prefix=$'{on}%9v{off}'
__xswitch_prompt() {{
  psvar[9]=${MARKER_VAR}
  [[ $PROMPT == "$__xswitch_prefix"* ]] || PROMPT="$__xswitch_prefix$PROMPT"
}}
autoload -Uz add-zsh-hook
# Added last, so it runs after the precmd hooks of prompt themes that rebuild PROMPT.
add-zsh-hook precmd __xswitch_prompt
"""


def _zsh_escape(sequence: str) -> str:
    return "%{" + sequence.replace("\x1b", "\\e") + "%}"


def _fish_init(color: str) -> str:
    on = color.replace("\x1b", "\\e")
    off = _RESET.replace("\x1b", "\\e") if color else ""
    return f"""# xswitch subshell: fish reads config.fish after this file, so the prompt is wrapped
# just before each prompt is drawn, after the user's configuration defined fish_prompt.
function __xswitch_return
    return $argv[1]
end
function __xswitch_wrap_prompt --on-event fish_prompt
    functions -q fish_prompt; or return
    if not string match -q '*__xswitch_marker*' -- (functions fish_prompt)
        functions -e __xswitch_user_prompt
        functions -c fish_prompt __xswitch_user_prompt
        function fish_prompt
            # __xswitch_marker
            set -l last_status $status  # the user's prompt may show it: hand it on
            printf '{on}%s{off}' "${MARKER_VAR}"
            __xswitch_return $last_status
            __xswitch_user_prompt
        end
    end
end
"""
