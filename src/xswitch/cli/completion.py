"""`xswitch completion SHELL` and the hidden `_profiles` it calls: completion scripts for bash,
zsh and fish, built from the parser itself so that they never miss a command."""

from __future__ import annotations

import argparse

from xswitch.cli.context import Context
from xswitch.core import errors
from xswitch.core.text import visible

# Commands whose argument is a profile name: the completion scripts offer `xswitch _profiles` there.
PROFILE_COMMANDS = (
    "export",
    "exec",
    "credential-process",
    "console",
    "whoami",
    "login",
    "logout",
)


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("completion", help="print a shell completion script")
    parser.add_argument("shell", choices=("bash", "zsh", "fish"))
    parser.set_defaults(func=completion)

    # Used by the completion scripts: profile names, one per line, fast. Not in --help.
    parser = subparsers.add_parser("_profiles")
    parser.set_defaults(func=print_profile_names)


def print_profile_names(args: argparse.Namespace, ctx: Context) -> int:
    """One name per line, control characters escaped (so a name never spans two lines or reaches
    the terminal raw). The completion scripts take each line as one literal word."""
    ctx.announce_catalogs = False
    try:
        names = list(ctx.catalog().profiles)
    except errors.XswitchError:
        return 0  # completion must never print an error into the user's command line
    ctx.out.write("".join(visible(name) + "\n" for name in names))
    return 0


def command_tree() -> dict[str, list[str]]:
    """The public commands, each with its subcommands (empty for most), from the parser itself."""
    from xswitch.cli import build_parser, subcommands

    tree: dict[str, list[str]] = {}
    for name, sub in subcommands(build_parser()).items():
        tree[name] = list(subcommands(sub))
        for action in sub._actions:
            if not tree[name] and action.choices and not action.option_strings:
                tree[name] = [str(choice) for choice in action.choices]  # e.g. completion SHELL
    return tree


def completion(args: argparse.Namespace, ctx: Context) -> int:
    tree = command_tree()
    words = " ".join(tree)
    nested = {name: " ".join(subs) for name, subs in tree.items() if subs}
    profile_commands = [name for name in PROFILE_COMMANDS if name in tree]
    # Profile names come from files anyone can write to: each line of `xswitch _profiles` is one
    # word, never expanded by the shell (no compgen -W, no eval) and quoted when inserted.
    script = SCRIPTS[args.shell](words, nested, profile_commands)
    ctx.out.write(script)
    return 0


def bash_script(words: str, nested: dict[str, str], profile_commands: list[str]) -> str:
    cases = "".join(
        f'            {name}) COMPREPLY=($(compgen -W "{subs}" -- "$cur")); return 0 ;;\n'
        for name, subs in nested.items()
    )
    return f"""\
_xswitch() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} line quoted
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "{words}" -- "$cur"))
        return 0
    fi
    if [ "$COMP_CWORD" -eq 2 ]; then
        case ${{COMP_WORDS[1]}} in
{cases}        esac
    fi
    case ${{COMP_WORDS[1]}} in
        {"|".join(profile_commands)}) ;;
        *) return 0 ;;
    esac
    [[ $cur == -* ]] && return 0
    while IFS= read -r line; do
        printf -v quoted '%q' "$line"
        if [[ $line == "$cur"* || $quoted == "$cur"* ]]; then
            COMPREPLY+=("$quoted")
        fi
    done < <(xswitch _profiles 2>/dev/null)
    return 0
}}
complete -F _xswitch xswitch
"""


def zsh_script(words: str, nested: dict[str, str], profile_commands: list[str]) -> str:
    cases = "".join(
        f"            {name}) compadd -- {subs}; return ;;\n" for name, subs in nested.items()
    )
    return f"""\
#compdef xswitch
_xswitch() {{
    emulate -L zsh
    local -a names
    if (( CURRENT == 2 )); then
        compadd -- {words}
        return
    fi
    if (( CURRENT == 3 )); then
        case $words[2] in
{cases}        esac
    fi
    case $words[2] in
        {"|".join(profile_commands)})
            names=(${{(f)"$(xswitch _profiles 2>/dev/null)"}})
            compadd -- $names ;;
    esac
}}
compdef _xswitch xswitch
"""


def fish_script(words: str, nested: dict[str, str], profile_commands: list[str]) -> str:
    lines = [
        "function __xswitch_after",
        "    # __xswitch_after N CMD...: N words precede the cursor and the second is a CMD",
        "    set -l words (commandline -opc)",
        "    test (count $words) -ge 2; and contains -- $words[2] $argv[2..-1]; or return 1",
        "    test $argv[1] = any; or test (count $words) -eq $argv[1]",
        "end",
        "complete -c xswitch -f",
        f"complete -c xswitch -n __fish_use_subcommand -a '{words}'",
    ]
    for name, subs in nested.items():
        lines.append(f"complete -c xswitch -n '__xswitch_after 2 {name}' -a '{subs}'")
    lines.append(
        "complete -c xswitch -n '__xswitch_after any "
        + " ".join(profile_commands)
        + "' -a '(xswitch _profiles 2>/dev/null)'"
    )
    return "\n".join(lines) + "\n"


SCRIPTS = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}
