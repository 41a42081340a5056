"""Switching the shell the user is in: the `xs` hook (`xswitch init bash|zsh|fish`) and the
variables one switch sets and `xs off` clears.

`xs` runs `xswitch _hook SHELL PID ...`, which prints shell code made by `core.shell`'s quoting,
and evaluates it. Before each prompt the hook reads the state file the agent keeps for this shell
(the session's expiry and, once, a line about what needs doing) and draws the marker: client/profile
and the time left, red for production, amber under the refresh margin. Names never appear in the
hook's code: they travel in variables that the prompt prints as data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from xswitch.core.errors import UsageError
from xswitch.core.shell import MARKER_VAR, credential_variables, prompt_marker

HOOK_SHELLS = ("bash", "zsh", "fish")
# Every variable a switch may set besides the AWS ones; `xs off` unsets all of them.
MANAGED = (
    "XSWITCH_PROFILE",
    "XSWITCH_CLIENT",
    "XSWITCH_PROD",
    MARKER_VAR,
    "XSWITCH_EXPIRES",
    "XSWITCH_MARGIN",
    "XSWITCH_SHELL",
    "XSWITCH_PREVIOUS",
    "XSWITCH_STATE",
    "XSWITCH_SLOT",
    "XSWITCH_AGENT_PID",
    "XSWITCH_SET",
    "XSWITCH_RESTORE",
)
ENDPOINT = ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN")
# What the user had before the first switch and gets back from `xs off` (no secret among them).
_RESTORED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def switch_variables(
    env: Mapping[str, str],
    *,
    profile: str,
    client: str,
    prod: bool,
    region: str | None,
    creds_variables: tuple[dict[str, str], list[str]],
    endpoint: Mapping[str, str] | None,
    expires: int | None,
    margin: int,
) -> tuple[dict[str, str], list[str]]:
    """What to set and unset in the calling shell for one switch.

    `creds_variables` is `shell.credential_variables(creds, region)` (exported keys) or, with
    `endpoint` (the agent's URL, token, state file...), `credential_variables(None, region)`.
    """
    to_set, to_unset = creds_variables
    to_set = dict(to_set)
    to_unset = [name for name in to_unset if name not in to_set]
    if endpoint is not None:
        to_set.update(endpoint)
    to_unset += [name for name in (*ENDPOINT, *MANAGED) if name not in to_set]
    to_set.update(
        {
            "XSWITCH_PROFILE": profile,
            "XSWITCH_CLIENT": client,
            "XSWITCH_PROD": "1" if prod else "0",
            MARKER_VAR: prompt_marker(f"{client}/{profile}"),
            "XSWITCH_MARGIN": str(max(int(margin), 0)),
            "XSWITCH_SHELL": "switched",
        }
    )
    if expires is not None:
        to_set["XSWITCH_EXPIRES"] = str(expires)
    previous = env.get("XSWITCH_PROFILE")
    if previous and previous != profile:
        to_set["XSWITCH_PREVIOUS"] = previous
    elif env.get("XSWITCH_PREVIOUS"):
        to_set["XSWITCH_PREVIOUS"] = env["XSWITCH_PREVIOUS"]
    if "XSWITCH_SET" in env:
        if "XSWITCH_RESTORE" in env:
            to_set["XSWITCH_RESTORE"] = env["XSWITCH_RESTORE"]
    else:
        saved = {name: env[name] for name in _RESTORED if name in env}
        if saved:
            to_set["XSWITCH_RESTORE"] = json.dumps(saved)
    names = sorted(set(to_set) | {"XSWITCH_SET"})
    to_set["XSWITCH_SET"] = " ".join(names)
    to_unset = [name for name in dict.fromkeys(to_unset) if name not in to_set]
    return to_set, to_unset


def off_variables(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """What `xs off` sets and unsets: every variable a switch set goes, and the AWS_PROFILE /
    region the user had before the first switch comes back."""
    named = [n for n in env.get("XSWITCH_SET", "").split() if _NAME.match(n)]
    _, key_variables = credential_variables(None, None)
    to_unset = list(dict.fromkeys([*named, *ENDPOINT, *MANAGED, *key_variables]))
    to_set: dict[str, str] = {}
    try:
        saved = json.loads(env.get("XSWITCH_RESTORE") or "{}")
    except ValueError:
        saved = {}
    if isinstance(saved, dict):
        for name, value in saved.items():
            if name in _RESTORED and isinstance(value, str):
                to_set[name] = value
    return to_set, [name for name in to_unset if name not in to_set]


def init_script(shell: str, *, marker: bool = True) -> str:
    """The hook for `shell`; `marker` False leaves the prompt to the user's theme (starship)."""
    if shell == "bash":
        return _BASH + (_BASH_MARKER if marker else "") + _BASH_INSTALL
    if shell == "zsh":
        return _ZSH + (_ZSH_MARKER if marker else "") + _ZSH_INSTALL
    if shell == "fish":
        return _FISH + (_FISH_MARKER if marker else "")
    raise UsageError(
        f"xswitch has no hook for the shell '{shell}'.",
        "Use one of: " + ", ".join(HOOK_SHELLS) + " (e.g. xswitch init zsh).",
    )


_STOPPED = (
    "xswitch: the agent that serves this shell's AWS credentials has stopped; run 'xs PROFILE' "
    "to start it again"
)

_BASH = r"""# xswitch: `xs PROFILE` switches this shell (see `xswitch init --help`).
xs() {
  local __xs_code
  __xs_code=$(command xswitch _hook bash "$$" "$@") || return
  eval "$__xs_code"
}
__xs_state() {
  # The agent's word on this shell's session: its expiry, and a line to show once.
  local epoch='' iso='' note=''
  # The agent removes the state files when it stops; a pid that is gone means it was killed.
  if [[ -n ${XSWITCH_STATE-} && ! -e $XSWITCH_STATE ]] ||
    { [[ -n ${XSWITCH_AGENT_PID-} ]] && ! kill -0 "$XSWITCH_AGENT_PID" 2>/dev/null; }; then
    note="STOPPED (${XSWITCH_PROMPT_MARKER% })."
  elif [[ -n ${XSWITCH_STATE-} && -r $XSWITCH_STATE ]]; then
    { IFS= read -r epoch; IFS= read -r iso; IFS= read -r note; } < "$XSWITCH_STATE"
    [[ $epoch =~ ^[0-9]+$ ]] && XSWITCH_EXPIRES=$epoch
    [[ $iso =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] &&
      export AWS_CREDENTIAL_EXPIRATION=$iso
  fi
  if [[ $note != "${__xs_note-}" ]]; then
    __xs_note=$note
    [[ -n $note ]] && printf '%s\n' "$note" >&2
  fi
  return 0
}
""".replace("STOPPED", _STOPPED)

_BASH_MARKER = r"""__xs_prefix='\[${__xs_on}\]${XSWITCH_PROMPT_MARKER}${__xs_left}\[${__xs_off}\]'
__xs_marker() {
  # An xswitch subshell draws its own marker.
  declare -F __xswitch_prompt >/dev/null && return
  if [[ -z ${XSWITCH_PROMPT_MARKER-} ]]; then
    PS1=${PS1#"$__xs_prefix"}
    return
  fi
  __xs_left='' __xs_on='' __xs_off=''
  if [[ -z ${NO_COLOR+set} ]]; then
    __xs_on=$'\e[1;36m' __xs_off=$'\e[0m'
    [[ ${XSWITCH_PROD-} == 1 ]] && __xs_on=$'\e[1;31m'
  fi
  if [[ ${XSWITCH_EXPIRES-} =~ ^[0-9]+$ ]]; then
    local now s m margin=600
    [[ ${XSWITCH_MARGIN-} =~ ^[0-9]+$ ]] && margin=$XSWITCH_MARGIN
    printf -v now '%(%s)T' -1
    s=$(( XSWITCH_EXPIRES - now )) m=$(( (XSWITCH_EXPIRES - now) / 60 ))
    if (( s <= 0 )); then __xs_left='expired '
    elif (( m < 1 )); then __xs_left='<1m '
    elif (( m < 60 )); then __xs_left="${m}m "
    else printf -v __xs_left '%dh%02dm ' $(( m / 60 )) $(( m % 60 ))
    fi
    if [[ -n $__xs_on && ${XSWITCH_PROD-} != 1 ]] && (( s < margin )); then
      __xs_on=$'\e[1;33m'
    fi
  fi
  case $PS1 in
    "$__xs_prefix"*) ;;
    *) PS1=$__xs_prefix$PS1 ;;
  esac
}
"""

_BASH_INSTALL = r"""__xs_prompt() {
  local status=$?  # the user's prompt may show the last exit status: keep it
  __xs_state
  declare -F __xs_marker >/dev/null && __xs_marker
  return $status
}
# Last, so that prompt frameworks that rebuild PS1 before each prompt run first.
case ";${PROMPT_COMMAND-};" in
  *__xs_prompt*) ;;
  *) PROMPT_COMMAND="${PROMPT_COMMAND:+$PROMPT_COMMAND$'\n'}__xs_prompt" ;;
esac
"""

_ZSH = r"""# xswitch: `xs PROFILE` switches this shell (see `xswitch init --help`).
xs() {
  local __xs_code
  __xs_code=$(command xswitch _hook zsh "$$" "$@") || return
  eval "$__xs_code"
}
__xs_state() {
  emulate -L zsh
  local epoch='' iso='' note=''
  # The agent removes the state files when it stops; a pid that is gone means it was killed.
  if [[ -n ${XSWITCH_STATE-} && ! -e $XSWITCH_STATE ]] ||
    { [[ -n ${XSWITCH_AGENT_PID-} ]] && ! kill -0 "$XSWITCH_AGENT_PID" 2>/dev/null; }; then
    note="STOPPED (${XSWITCH_PROMPT_MARKER% })."
  elif [[ -n ${XSWITCH_STATE-} && -r $XSWITCH_STATE ]]; then
    { IFS= read -r epoch; IFS= read -r iso; IFS= read -r note; } < "$XSWITCH_STATE"
    [[ $epoch =~ '^[0-9]+$' ]] && typeset -g XSWITCH_EXPIRES=$epoch
    [[ $iso =~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' ]] &&
      export AWS_CREDENTIAL_EXPIRATION=$iso
  fi
  if [[ $note != "${__xs_note-}" ]]; then
    typeset -g __xs_note=$note
    [[ -n $note ]] && print -r -- "$note" >&2
  fi
  return 0
}
""".replace("STOPPED", _STOPPED)

# psvar: 2 = no colour, 3 = production, 4 = under the margin, 5 = time left, 6 = the marker.
# %5v and %6v print psvar literally: the marker is never subject to prompt_subst or % expansion.
_ZSH_PREFIX = r"%(2V..%(3V.%{\e[1;31m%}.%(4V.%{\e[1;33m%}.%{\e[1;36m%})))%6v%5v%(2V..%{\e[0m%})"
_ZSH_MARKER = (
    f"typeset -g __xs_prefix=$'{_ZSH_PREFIX}'\n"
    + r"""__xs_marker() {
  emulate -L zsh
  (( ${+functions[__xswitch_prompt]} )) && return  # an xswitch subshell draws its own
  if [[ -z ${XSWITCH_PROMPT_MARKER-} ]]; then
    PROMPT=${PROMPT#"$__xs_prefix"}
    return
  fi
  psvar[2]=${NO_COLOR+1} psvar[3]='' psvar[4]='' psvar[5]='' psvar[6]=$XSWITCH_PROMPT_MARKER
  [[ ${XSWITCH_PROD-} == 1 ]] && psvar[3]=1
  if [[ ${XSWITCH_EXPIRES-} =~ '^[0-9]+$' ]]; then
    zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
    local -i margin=600 s=$(( XSWITCH_EXPIRES - ${EPOCHSECONDS:-$(date +%s)} ))
    [[ ${XSWITCH_MARGIN-} =~ '^[0-9]+$' ]] && margin=$XSWITCH_MARGIN
    local -i m=$(( s / 60 ))
    if (( s <= 0 )); then psvar[5]='expired '
    elif (( m < 1 )); then psvar[5]='<1m '
    elif (( m < 60 )); then psvar[5]="${m}m "
    else psvar[5]=$(printf '%dh%02dm ' $(( m / 60 )) $(( m % 60 )))
    fi
    (( s < margin )) && psvar[4]=1
  fi
  [[ $PROMPT == "$__xs_prefix"* ]] || PROMPT="$__xs_prefix$PROMPT"
}
"""
)

_ZSH_INSTALL = r"""__xs_prompt() {
  __xs_state
  (( ${+functions[__xs_marker]} )) && __xs_marker
  return 0
}
autoload -Uz add-zsh-hook
# Added last, so that it runs after the precmd hooks of prompt themes that rebuild PROMPT.
add-zsh-hook -d precmd __xs_prompt
add-zsh-hook precmd __xs_prompt
"""

_FISH = r"""# xswitch: `xs PROFILE` switches this shell (see `xswitch init --help`).
function xs --description 'Switch this shell to an AWS role with xswitch'
    set -l code (command xswitch _hook fish $fish_pid $argv)
    set -l code_status $status
    test $code_status -eq 0; or return $code_status
    # `set -e` of a variable that is not set returns 4: the switch itself went well.
    string join \n -- $code | source
    return 0
end
function __xs_state --on-event fish_prompt
    set -l note ''
    # The agent removes the state files when it stops; a pid that is gone means it was killed.
    if set -q XSWITCH_STATE[1]; and not test -e "$XSWITCH_STATE"
        set note "STOPPED ("(string trim -- "$XSWITCH_PROMPT_MARKER")")."
    else if set -q XSWITCH_AGENT_PID[1]; and not command kill -0 $XSWITCH_AGENT_PID 2>/dev/null
        set note "STOPPED ("(string trim -- "$XSWITCH_PROMPT_MARKER")")."
    else if set -q XSWITCH_STATE[1]; and test -r "$XSWITCH_STATE"
        set -l lines
        while read -l line
            set -a lines $line
        end <$XSWITCH_STATE
        if string match -qr '^[0-9]+$' -- "$lines[1]"
            set -g XSWITCH_EXPIRES $lines[1]
        end
        if string match -qr '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$' -- "$lines[2]"
            set -gx AWS_CREDENTIAL_EXPIRATION $lines[2]
        end
        set note "$lines[3]"
    end
    if test "$note" != "$__xs_note"
        set -g __xs_note $note
        test -n "$note"; and printf '%s\n' $note >&2
    end
end
""".replace("STOPPED", _STOPPED)

_FISH_MARKER = r"""function __xs_left
    # The time left and, under the margin, 1.
    string match -qr '^[0-9]+$' -- "$XSWITCH_EXPIRES"; or return 1
    set -l margin 600
    string match -qr '^[0-9]+$' -- "$XSWITCH_MARGIN"; and set margin $XSWITCH_MARGIN
    set -l s (math "$XSWITCH_EXPIRES - "(date +%s))
    set -l m (math -s0 "floor($s / 60)")
    if test $s -le 0
        echo 'expired '
    else if test $m -lt 1
        echo '<1m '
    else if test $m -lt 60
        echo $m'm '
    else
        printf '%dh%02dm \n' (math -s0 "floor($m / 60)") (math -s0 "$m % 60")
    end
    test $s -lt $margin; and echo 1
    return 0
end
function __xs_wrap_prompt --on-event fish_prompt
    functions -q __xswitch_left; and return  # an xswitch subshell draws its own marker
    functions -q fish_prompt; or return
    string match -q '*__xs_marker*' -- (functions fish_prompt); and return
    functions -e __xs_user_prompt
    functions -c fish_prompt __xs_user_prompt
    function fish_prompt
        # __xs_marker
        set -l last_status $status  # the user's prompt may show it: hand it on
        if set -q XSWITCH_PROMPT_MARKER[1]; and test -n "$XSWITCH_PROMPT_MARKER"
            set -l left (__xs_left)
            set -l on '' off ''
            if not set -q NO_COLOR
                set on (set_color -o cyan)
                set off (set_color normal)
                test -n "$left[2]"; and set on (set_color -o yellow)
                test "$XSWITCH_PROD" = 1; and set on (set_color -o red)
            end
            printf '%s%s%s%s' $on "$XSWITCH_PROMPT_MARKER" "$left[1]" $off
        end
        __xs_return $last_status
        __xs_user_prompt
    end
end
function __xs_return
    return $argv[1]
end
"""
