"""Shell integration: export lines per shell, the subshell environment, the prompt marker, spawning.

Every value written into shell code is quoted so that it reaches the shell byte for byte. The prompt
marker (a profile name: untrusted text) never appears in generated shell code at all: it travels
in the environment variable XSWITCH_PROMPT_MARKER and the prompt reads it as data.

Over 400 lines for a reason: the prompt of a subshell is written out for bash, zsh and fish (each
in its own syntax, tested in real shells), and they belong next to the quoting they rely on.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from pathlib import Path

from xswitch.core.errors import UsageError
from xswitch.core.times import rfc3339

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
_AMBER = "\x1b[1;33m"
_RESET = "\x1b[0m"
DEFAULT_MARGIN = 600  # seconds: Settings.refresh_margin's default


# --- export lines ------------------------------------------------------------------------------


def credential_variables(
    creds: Credentials | None, region: str | None
) -> tuple[dict[str, str], list[str]]:
    """The AWS variables to set and those to unset for `creds` (None: only unset the keys)."""
    if creds is not None:
        expiration = rfc3339(creds.expiration) if creds.expiration is not None else None
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


_SYNTAXES: dict[str, _Posix | _Fish | _PowerShell] = {
    "bash": _Posix(),
    "zsh": _Posix(),
    "fish": _Fish(),
    "powershell": _PowerShell(),
}


def _syntax(shell: str) -> _Posix | _Fish | _PowerShell:
    name = "powershell" if shell in ("pwsh", "powershell") else shell
    try:
        return _SYNTAXES[name]
    except KeyError:
        raise UsageError(
            f"xswitch cannot write export lines for the shell '{shell}'.",
            "Use one of: " + ", ".join(SHELLS) + " (e.g. --shell fish).",
        ) from None


def shell_from_env(env: Mapping[str, str] = os.environ) -> str | None:
    """The export syntax of the caller's shell ($SHELL's basename), or None when $SHELL names
    no shell xswitch writes for (then the `shell` setting decides)."""
    name = Path(env.get("SHELL", "")).name.lower().removesuffix(".exe")
    if name in ("bash", "zsh", "fish"):
        return name
    if name in ("pwsh", "powershell"):
        return "powershell"
    return None


def choose_shell(flag: str | None, env: Mapping[str, str], setting: str | None) -> str:
    """The syntax of export lines: `--shell`, else the caller's $SHELL, else the setting.

    The same rule on the cached and the ordinary path: lines written for another shell are
    worse than useless (fish's `set -e VAR` in bash turns on errexit).
    """
    return flag or shell_from_env(env) or setting or "bash"


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
    env["XSWITCH_SUBSHELL"] = "1"
    if extra:
        env.update(extra)
    return env


def in_subshell(env: Mapping[str, str] = os.environ) -> bool:
    """True inside a shell that xswitch started (the nested-session guard); a shell the user
    switched in place with `xs` is not one."""
    if env.get("XSWITCH_SUBSHELL") == "1":
        return True
    return bool(env.get("XSWITCH_PROFILE")) and env.get("XSWITCH_SHELL") != "switched"


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
    margin: int = DEFAULT_MARGIN,
) -> tuple[list[str], dict[str, str]]:
    """The argv of an interactive shell whose prompt starts with `marker` and the time left,
    and the variables to add to its environment. The user's own rc files still load. `tmpdir`
    receives the small rc files that do this; the caller removes it after the shell exits.

    The time left is worked out before each prompt from AWS_CREDENTIAL_EXPIRATION as it is
    then (an `eval "$(xswitch export ...)"` in the subshell updates it): '42m', '7h59m',
    'expired'; none without that variable. Colour (red for production; amber under `margin`
    seconds left otherwise) unless NO_COLOR is set in `env`."""
    from xswitch.core.hook import init_script

    extra = {MARKER_VAR: prompt_marker(marker)}
    plain = "NO_COLOR" in env
    color = "" if plain else (_RED if prod else _CYAN)
    soon = "" if plain else (_RED if prod else _AMBER)
    margin = max(int(margin), 0)
    name = Path(shell_path).name
    if name == "bash":
        # `xs` and the agent's notes in the subshell too (before the marker, which reads the
        # expiry the hook keeps up to date).
        rc = _write(tmpdir / "bashrc", _bash_rc(color, soon, margin, init_script("bash")))
        return [shell_path, "--rcfile", str(rc), "-i"], extra
    if name == "zsh":
        zdotdir = tmpdir / "zdotdir"
        zdotdir.mkdir(mode=0o700, exist_ok=True)
        _write(zdotdir / ".zshenv", _ZSHENV)
        _write(zdotdir / ".zprofile", _ZSH_FORWARD.format(file=".zprofile"))
        _write(zdotdir / ".zshrc", _zshrc(color, soon, margin, init_script("zsh")))
        if "ZDOTDIR" in env:
            extra["XSWITCH_USER_ZDOTDIR"] = env["ZDOTDIR"]
        extra["ZDOTDIR"] = str(zdotdir)
        return [shell_path, "-i"], extra
    if name == "fish":
        init = _write(tmpdir / "prompt.fish", _fish_init(color, soon, margin) + init_script("fish"))
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


def _bash_rc(color: str, soon: str, margin: int, hook: str = "") -> str:
    on, amber, off = (c.replace("\x1b", "\\e") for c in (color, soon, _RESET if color else ""))
    return rf"""# xswitch subshell: the user's normal startup, then the prompt marker.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
{hook}# Single quotes: PS1 expands the variables at display time, and never re-expands their values.
__xswitch_prefix='\[${{__xswitch_on}}\]${{{MARKER_VAR}}}${{__xswitch_left}}\[${{__xswitch_off}}\]'
__xswitch_off=$'{off}'
__xswitch_left_now() {{
  # Seconds from now to AWS_CREDENTIAL_EXPIRATION (YYYY-MM-DDTHH:MM:SSZ), without date(1).
  local re='^([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}})T([0-9]{{2}}):([0-9]{{2}}):([0-9]{{2}})'
  re+='(\.[0-9]+)?(Z|\+00:00)$'
  [[ ${{AWS_CREDENTIAL_EXPIRATION-}} =~ $re ]] || return 1
  local y=$((10#${{BASH_REMATCH[1]}})) m=$((10#${{BASH_REMATCH[2]}})) d=$((10#${{BASH_REMATCH[3]}}))
  local now=${{EPOCHSECONDS:-$(date +%s)}}
  (( y -= m <= 2 ))
  local era=$(( y / 400 ))
  local yoe=$(( y - era * 400 ))
  local doy=$(( (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1 ))
  local days=$(( era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 ))
  __xswitch_seconds=$(( days * 86400 + 10#${{BASH_REMATCH[4]}} * 3600
    + 10#${{BASH_REMATCH[5]}} * 60 + 10#${{BASH_REMATCH[6]}} - now ))
}}
__xswitch_prompt() {{
  local status=$?  # the user's prompt may show the last exit status: keep it
  __xswitch_left='' __xswitch_on=$'{on}'
  if __xswitch_left_now; then
    local s=$__xswitch_seconds mins=$(( __xswitch_seconds / 60 ))
    if (( s <= 0 )); then __xswitch_left='expired '
    elif (( mins < 1 )); then __xswitch_left='<1m '
    elif (( mins < 60 )); then __xswitch_left="${{mins}}m "
    else printf -v __xswitch_left '%dh%02dm ' $(( mins / 60 )) $(( mins % 60 ))
    fi
    (( s < {margin} )) && __xswitch_on=$'{amber}'
  fi
  case "$PS1" in
    "$__xswitch_prefix"*) ;;
    *) PS1="$__xswitch_prefix$PS1" ;;
  esac
  return $status
}}
__xswitch_prompt
# Prompt frameworks rewrite PS1 before every prompt: put the marker back after them.
PROMPT_COMMAND="${{PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}}__xswitch_prompt"
"""


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


def _zshrc(color: str, soon: str, margin: int, hook: str = "") -> str:
    on, amber, off = (_zsh_escape(c) if c else "" for c in (color, soon, _RESET if color else ""))
    # psvar[7] non-empty: under the margin (%(7V.amber.normal)); psvar[8]: the time left.
    prefix = f"%(7V.{amber}.{on})%9v%8v{off}" if color else "%9v%8v"
    return rf"""# xswitch subshell: back to the user's ZDOTDIR and .zshrc, then the prompt marker.
if (( ${{+XSWITCH_USER_ZDOTDIR}} )); then
  ZDOTDIR=$XSWITCH_USER_ZDOTDIR
else
  unset ZDOTDIR
fi
unset XSWITCH_USER_ZDOTDIR __xswitch_zdotdir
[[ -f ${{ZDOTDIR:-$HOME}}/.zshrc ]] && source ${{ZDOTDIR:-$HOME}}/.zshrc
{hook}zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
# %9v and %8v print psvar literally: the marker is never subject to prompt_subst or % expansion.
__xswitch_prefix=$'{prefix}'
__xswitch_prompt() {{
  emulate -L zsh
  psvar[9]=${MARKER_VAR}
  psvar[8]=''
  psvar[7]=''
  local re='^([0-9]{{4}})-([0-9]{{2}})-([0-9]{{2}})T([0-9]{{2}}):([0-9]{{2}}):([0-9]{{2}})'
  re+='(\.[0-9]+)?(Z|\+00:00)$'
  if [[ ${{AWS_CREDENTIAL_EXPIRATION-}} =~ $re ]]; then
    # Seconds from now to the expiry (a UTC time), without date(1).
    local -i y=10#$match[1] m=10#$match[2] d=10#$match[3]
    local -i now=${{EPOCHSECONDS:-$(date +%s)}}
    (( y -= m <= 2 ))
    local -i era=$(( y / 400 ))
    local -i yoe=$(( y - era * 400 ))
    local -i doy=$(( (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1 ))
    local -i days=$(( era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468 ))
    local -i s=$(( days * 86400 + 10#$match[4] * 3600 + 10#$match[5] * 60 + 10#$match[6] - now ))
    local -i mins=$(( s / 60 ))
    if (( s <= 0 )); then psvar[8]='expired '
    elif (( mins < 1 )); then psvar[8]='<1m '
    elif (( mins < 60 )); then psvar[8]="${{mins}}m "
    else psvar[8]=$(printf '%dh%02dm ' $(( mins / 60 )) $(( mins % 60 )))
    fi
    (( s < {margin} )) && psvar[7]=1
  fi
  [[ $PROMPT == "$__xswitch_prefix"* ]] || PROMPT="$__xswitch_prefix$PROMPT"
}}
autoload -Uz add-zsh-hook
# Added last, so it runs after the precmd hooks of prompt themes that rebuild PROMPT.
add-zsh-hook precmd __xswitch_prompt
"""


def _zsh_escape(sequence: str) -> str:
    return "%{" + sequence.replace("\x1b", "\\e") + "%}"


def _fish_init(color: str, soon: str, margin: int) -> str:
    on, amber, off = (c.replace("\x1b", "\\e") for c in (color, soon, _RESET if color else ""))
    return f"""# xswitch subshell: fish reads config.fish after this file, so the prompt is wrapped
# just before each prompt is drawn, after the user's configuration defined fish_prompt.
function __xswitch_return
    return $argv[1]
end
function __xswitch_left
    # The time left until AWS_CREDENTIAL_EXPIRATION (a UTC time) and 1 under the margin.
    set -l re '^(\\d{{4}})-(\\d\\d)-(\\d\\d)T(\\d\\d):(\\d\\d):(\\d\\d)(\\.\\d+)?(Z|\\+00:00)$'
    set -l t (string match -r -- $re "$AWS_CREDENTIAL_EXPIRATION"); or return 1
    set -l y (math $t[2]); set -l m (math $t[3]); set -l d (math $t[4])
    test $m -le 2; and set y (math $y - 1)
    set -l era (math -s0 "floor($y / 400)")
    set -l yoe (math $y - $era \\* 400)
    set -l mp (math $m + 9); test $m -gt 2; and set mp (math $m - 3)
    set -l doy (math -s0 "floor((153 * $mp + 2) / 5) + $d - 1")
    set -l days (math -s0 "$era * 146097 + $yoe * 365 + floor($yoe / 4) - floor($yoe / 100)")
    set days (math -s0 "$days + $doy - 719468")
    set -l s (math -s0 "$days * 86400 + $t[5] * 3600 + $t[6] * 60 + $t[7] - "(date +%s))
    set -l mins (math -s0 "floor($s / 60)")
    if test $s -le 0
        echo 'expired '
    else if test $mins -lt 1
        echo '<1m '
    else if test $mins -lt 60
        echo $mins'm '
    else
        printf '%dh%02dm \\n' (math -s0 "floor($mins / 60)") (math -s0 "$mins % 60")
    end
    test $s -lt {margin}; and echo 1
    return 0
end
function __xswitch_wrap_prompt --on-event fish_prompt
    functions -q fish_prompt; or return
    if not string match -q '*__xswitch_marker*' -- (functions fish_prompt)
        functions -e __xswitch_user_prompt
        functions -c fish_prompt __xswitch_user_prompt
        function fish_prompt
            # __xswitch_marker
            set -l last_status $status  # the user's prompt may show it: hand it on
            set -l left (__xswitch_left)
            set -l color '{on}'
            test -n "$left[2]"; and set color '{amber}'
            printf "$color%s%s{off}" "${MARKER_VAR}" "$left[1]"
            __xswitch_return $last_status
            __xswitch_user_prompt
        end
    end
end
"""
