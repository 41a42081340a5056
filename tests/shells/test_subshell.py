"""Interactive subshells of real bash, zsh and fish in a pseudo-terminal.

The temporary home holds rc files that build their own prompt (showing the last exit status, the
way many prompts do) and rebuild it before every prompt (the way prompt themes do); the marker
must still lead the prompt, the user's configuration must still load, and a hostile profile name
must stay text.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import shutil
import signal
import struct
import termios
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from xswitch.core.model import Credentials
from xswitch.core.shell import (
    in_subshell,
    run_subshell,
    subshell_command,
    subshell_env,
)

pytestmark = pytest.mark.shells

CREDS = Credentials(
    "ASIAEXAMPLE",
    "secret/with'quote",
    "session-token",
    datetime.now(UTC) + timedelta(hours=1),
)

LEFT = rb"(?:\d+h\d\dm|\d+m) "  # the time left in the marker: '59m ', '1h00m '

USER_RC = {
    "bash": (
        ".bashrc",
        "export USER_RC_LOADED=yes\n"
        # A PROMPT_COMMAND that rebuilds PS1 each time, with the last exit status in it.
        "PROMPT_COMMAND='PS1=\"[$?] user-prompt\\$ \"'\n",
    ),
    "zsh": (
        ".zshrc",
        "export USER_RC_LOADED=yes\n"
        "setopt prompt_subst\n"  # themes switch it on: the marker must not be expanded anyway
        "precmd() { PROMPT='[%?] user-prompt%# ' }\n",
    ),
    "fish": (
        ".config/fish/config.fish",
        "set -gx USER_RC_LOADED yes\n"
        'function fish_prompt\n    echo -n "[$status] user-prompt> "\nend\n',
    ),
}


class Terminal:
    """A program running in a pseudo-terminal, with expect-style reading."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 400, 0, 0))
        self.output = b""

    def expect(self, pattern: bytes | re.Pattern[bytes], timeout: float = 20) -> bytes:
        """Wait until `pattern` appears in the output after what was already consumed."""
        deadline = time.monotonic() + timeout
        regex = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        while True:
            match = regex.search(self.output)
            if match:
                consumed = self.output[: match.end()]
                self.output = self.output[match.end() :]
                return consumed
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} did not appear; output: {self.output!r}")
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{pattern!r} did not appear before exit: {self.output!r}")
                self.output += chunk

    def send(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def wait(self, timeout: float = 10) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with_status = os.waitpid(self.pid, os.WNOHANG)
            if with_status[0]:
                return os.waitstatus_to_exitcode(with_status[1])
            # Keep draining so the child never blocks on a full pty buffer.
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                with contextlib.suppress(OSError):
                    os.read(self.fd, 65536)
        raise AssertionError("the shell did not exit")

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def start(
    shell: str,
    tmp_path: Path,
    marker: str,
    prod: bool,
    creds: Credentials = CREDS,
    **env_extra: str,
) -> Terminal:
    path = shutil.which(shell)
    if not path:
        pytest.skip(f"{shell} is not installed")
    home = Path(os.environ["HOME"])
    rc_name, rc_text = USER_RC[shell]
    (home / rc_name).parent.mkdir(parents=True, exist_ok=True)
    (home / rc_name).write_text(rc_text)
    base = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "TERM": "xterm",
        "LC_ALL": "C.UTF-8",
        "AWS_PROFILE": "stale",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        **env_extra,
    }
    env = subshell_env(base, creds, "eu-west-1", "acme-admin", "acme", prod)
    rcdir = tmp_path / "rc"
    rcdir.mkdir()
    argv, extra = subshell_command(path, marker, prod, rcdir, env=env)
    terminal = Terminal(argv, {**env, **extra})
    return terminal


@pytest.fixture(params=["bash", "zsh", "fish"])
def shell(request: pytest.FixtureRequest) -> str:
    return request.param


def test_marker_leads_the_prompt_and_env_is_set(shell: str, tmp_path: Path) -> None:
    terminal = start(shell, tmp_path, "(acme/admin)", prod=False)
    try:
        terminal.expect(
            re.compile(rb"\x1b\[1;36m\(acme/admin\) " + LEFT + rb"\x1b\[0m\[0\] user-p")
        )
        terminal.send("printf 'OUT:%s:%s:%s\\n' $USER_RC_LOADED $XSWITCH_PROFILE $XSWITCH_PROD")
        terminal.expect(b"OUT:yes:acme-admin:0")
        terminal.send('printf \'KEY:%s:%s\\n\' "$AWS_SECRET_ACCESS_KEY" "$AWS_ENDPOINT_URL"')
        terminal.expect(b"KEY:secret/with'quote:http://127.0.0.1:9")
        terminal.send('sh -c \'printf "PROFILE:%s\\n" "${AWS_PROFILE-unset}"\'')
        terminal.expect(b"PROFILE:unset")
        # The user's prompt still sees the real exit status of the last command.
        terminal.send("false")
        terminal.expect(re.compile(rb"\(acme/admin\) " + LEFT + rb"\x1b\[0m\[1\] user-prompt"))
        terminal.send("exit 3")
        assert terminal.wait() == 3
    finally:
        terminal.close()


def test_production_marker_is_red(shell: str, tmp_path: Path) -> None:
    terminal = start(shell, tmp_path, "(bank/prod)", prod=True)
    try:
        terminal.expect(re.compile(rb"\x1b\[1;31m\(bank/prod\) " + LEFT + rb"\x1b\[0m\[0\] user-p"))
        terminal.send("printf 'PROD:%s\\n' $XSWITCH_PROD")
        terminal.expect(b"PROD:1")
    finally:
        terminal.close()


def test_no_color_gives_a_plain_marker(shell: str, tmp_path: Path) -> None:
    terminal = start(shell, tmp_path, "(bank/prod)", prod=True, NO_COLOR="1")
    try:
        seen = terminal.expect(re.compile(rb"\(bank/prod\) " + LEFT + rb"\[0\] user-prompt"))
        assert b"\x1b[1;31m" not in seen
    finally:
        terminal.close()


def test_hostile_profile_name_stays_text(shell: str, tmp_path: Path) -> None:
    pwned = tmp_path / "pwned"
    marker = f"$(touch {pwned}1)';\"`touch {pwned}2`${{HOME}}%F{{red}}%n\\w\\$ ; touch {pwned}3 #"
    terminal = start(shell, tmp_path, marker, prod=False, NO_COLOR="1")
    try:
        terminal.expect(re.compile(re.escape(b"(" + marker.encode() + b") ") + LEFT + rb"\[0\] "))
        terminal.send("printf 'DONE\\n'")
        terminal.expect(b"DONE")
        terminal.send("printf 'DONE\\n'")  # a second prompt: the marker went through the hooks
        terminal.expect(re.compile(re.escape(b"(" + marker.encode() + b") ") + LEFT + rb"\[0\] "))
    finally:
        terminal.close()
    assert not list(tmp_path.glob("pwned*"))


def test_marker_control_characters_are_neutralised(tmp_path: Path) -> None:
    terminal = start("bash", tmp_path, "(evil\x1b]0;title\x07)", prod=False, NO_COLOR="1")
    try:
        terminal.expect(re.compile(rb"\(evil\?\]0;title\?\) " + LEFT + rb"\[0\] user-prompt"))
    finally:
        terminal.close()


def test_user_zdotdir_is_honoured_and_restored(tmp_path: Path) -> None:
    """A user whose zsh files live in $ZDOTDIR gets them loaded, and ZDOTDIR back afterwards."""
    if not shutil.which("zsh"):
        pytest.skip("zsh is not installed")
    user_zdotdir = Path(os.environ["HOME"]) / ".config" / "zsh"
    user_zdotdir.mkdir(parents=True)
    (user_zdotdir / ".zshenv").write_text("export FROM_ZSHENV=env-ok\n")
    (user_zdotdir / ".zshrc").write_text("export FROM_ZSHRC=rc-ok\nPROMPT='zd-prompt%# '\n")
    terminal = start("zsh", tmp_path, "(acme/admin)", False, ZDOTDIR=str(user_zdotdir))
    try:
        terminal.expect(re.compile(rb"\(acme/admin\) " + LEFT + rb"\x1b\[0mzd-prompt"))
        terminal.send("printf 'Z:%s:%s:%s\\n' $FROM_ZSHENV $FROM_ZSHRC $ZDOTDIR")
        terminal.expect(f"Z:env-ok:rc-ok:{user_zdotdir}".encode())
    finally:
        terminal.close()


def test_nested_guard_sees_the_subshell() -> None:
    env = subshell_env({"PATH": "/bin"}, CREDS, None, "acme-admin", "acme", prod=False)
    assert in_subshell(env)
    assert not in_subshell({"PATH": "/bin"})
    assert not in_subshell({"XSWITCH_PROFILE": ""})


def test_subshell_env_without_credentials_unsets_the_keys() -> None:
    base = {"AWS_ACCESS_KEY_ID": "old", "AWS_SESSION_TOKEN": "old", "KEEP": "me"}
    env = subshell_env(
        base,
        None,
        None,
        "p",
        "c",
        prod=True,
        extra={"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds"},
    )
    assert "AWS_ACCESS_KEY_ID" not in env and "AWS_SESSION_TOKEN" not in env
    assert env["KEEP"] == "me" and env["XSWITCH_PROD"] == "1"
    assert env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] == "http://127.0.0.1:1/creds"


def test_exit_code_passes_through() -> None:
    env = subshell_env(dict(os.environ), CREDS, "eu-west-1", "p", "c", prod=False)
    assert run_subshell(["sh", "-c", 'test "$XSWITCH_PROFILE" = p && exit 7'], env) == 7
    assert run_subshell(["sh", "-c", "exit 0"], env) == 0
    assert run_subshell(["sh", "-c", "kill -TERM $$"], env) == 128 + signal.SIGTERM


def test_missing_program_is_a_usage_error() -> None:
    from xswitch.core.errors import UsageError

    with pytest.raises(UsageError, match="no-such-program"):
        run_subshell(["no-such-program-xswitch"], dict(os.environ))


def test_marker_is_bracketed_once() -> None:
    from xswitch.core.shell import prompt_marker

    assert prompt_marker("acme/admin") == "(acme/admin) "
    assert prompt_marker(" (acme/admin) ") == "(acme/admin) "
    assert prompt_marker("[x]") == "[x] "


def test_unknown_shell_runs_plainly(tmp_path: Path) -> None:
    rcdir = tmp_path / "rc"
    rcdir.mkdir()
    argv, extra = subshell_command("/bin/sh", "(a/b)", False, rcdir)
    assert argv == ["/bin/sh"]
    assert extra == {"XSWITCH_PROMPT_MARKER": "(a/b) "}
    assert not list(rcdir.iterdir())


def in_utc(seconds: float) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_marker_shows_the_time_left_at_each_prompt_and_turns_amber(shell, tmp_path):
    """2h30m40s left reads '2h30m' (never more than is left); after the expiry changes (an export
    in the subshell) the next prompt recomputes it: amber under the refresh margin (10 minutes),
    '<1m' in the last minute, then 'expired'."""
    creds = Credentials("ASIAEXAMPLE", "s", "t", datetime.now(UTC) + timedelta(seconds=9040))
    terminal = start(shell, tmp_path, "(acme/admin)", prod=False, creds=creds)
    try:
        terminal.expect(b"\x1b[1;36m(acme/admin) 2h30m \x1b[0m[0] user-prompt")
        export = (
            "set -gx AWS_CREDENTIAL_EXPIRATION "
            if shell == "fish"
            else "export AWS_CREDENTIAL_EXPIRATION="
        )
        terminal.send(f"{export}{in_utc(330)}")
        terminal.expect(b"\x1b[1;33m(acme/admin) 5m \x1b[0m[0] user-prompt")
        terminal.send(f"{export}{in_utc(40)}")
        terminal.expect(b"\x1b[1;33m(acme/admin) <1m \x1b[0m[0] user-prompt")
        terminal.send(f"{export}{in_utc(-5)}")
        terminal.expect(b"\x1b[1;33m(acme/admin) expired \x1b[0m[0] user-prompt")
        terminal.send(f"{export}{in_utc(30 * 3600 + 1)}")
        terminal.expect(b"\x1b[1;36m(acme/admin) 30h00m \x1b[0m[0] user-prompt")
        # Not a time xswitch wrote (another tool's variable): no time rather than a wrong one.
        terminal.send(f"{export}tomorrow")
        terminal.expect(b"\x1b[1;36m(acme/admin) \x1b[0m[0] user-prompt")
    finally:
        terminal.close()


def test_production_stays_red_under_the_margin(shell, tmp_path):
    creds = Credentials("ASIAEXAMPLE", "s", "t", datetime.now(UTC) + timedelta(seconds=150))
    terminal = start(shell, tmp_path, "(bank/prod)", prod=True, creds=creds)
    try:
        terminal.expect(b"\x1b[1;31m(bank/prod) 2m \x1b[0m[0] user-prompt")
    finally:
        terminal.close()
