"""The git command line, run for the shared catalogs: never with a credential on its argv, never
able to ask a question (no terminal prompt, ssh in batch mode), always within a time limit, and
its failures told in the user's words."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from xswitch.core.errors import GitError, UsageError
from xswitch.core.text import visible

# Clones and fetches talk to a server: they may take this many times the network_timeout
# setting (15 s by default: two minutes). Everything else is local and quick.
NETWORK_ROUNDS = 8
LOCAL_TIMEOUT = 30.0
# The transports a catalog may use: ext:: and fd:: would run commands of the URL's choosing.
ALLOWED_PROTOCOLS = "file:git:http:https:ssh"
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")
_REMOTE_HELPER = re.compile(r"^[A-Za-z][\w+.-]*::")


def environment(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """git's environment: the user's (proxies, credential helpers, ssh-agent), with every prompt
    turned off so that a missing credential fails at once instead of hanging, and messages in
    English so that they can be explained."""
    child = dict(env)
    child["GIT_TERMINAL_PROMPT"] = "0"
    child["GCM_INTERACTIVE"] = "never"
    child["GIT_ALLOW_PROTOCOL"] = ALLOWED_PROTOCOLS
    child["LC_ALL"] = "C"
    child.pop("GIT_ASKPASS", None)
    child.pop("SSH_ASKPASS", None)
    if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
        child["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    # A repository the caller points at, never one inherited from the environment.
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        child.pop(name, None)
    return child


def run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    url: str = "",
    timeout: float = LOCAL_TIMEOUT,
    env: Mapping[str, str] = os.environ,
    input: bytes | None = None,
) -> bytes:
    """`git ARGS` in `cwd`; its standard output. GitError explains a failure (`url` names the
    repository in the message)."""
    try:
        process = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            env=environment(env),
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # no controlling terminal for ssh to ask on; killable as one
        )
    except FileNotFoundError:
        raise GitError(
            "Shared catalogs need git, and the git command was not found.",
            "Install git (e.g. 'apt install git' or 'brew install git') and try again.",
        ) from None
    except OSError as error:
        raise GitError(f"git could not be started ({error.strerror or error}).") from None
    try:
        out, err = process.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(process)
        where = f" with {visible(url)}" if url else ""
        raise GitError(
            f"git gave no answer{where} within {int(timeout)} seconds and was stopped.",
            "Check your network connection and that the server is up, then try again.",
        ) from None
    if process.returncode != 0:
        raise explain(err.decode("utf-8", "replace"), url)
    return out


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except OSError:
        process.kill()
    process.communicate()


# (what git says, lower-cased; what happened; what to do), the first match wins.
_EXPLANATIONS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("not allowed",),
        "xswitch does not fetch catalogs through the transport of {repo}.",
        "Use an https://, ssh://, git:// or file:// URL, a user@host:path address or a local path.",
    ),
    (
        (
            "terminal prompts disabled",
            "could not read username",
            "could not read password",
            "authentication failed",
            "invalid username or password",
        ),
        "{repo} asked for a sign-in, and xswitch does not let git ask questions (a background "
        "update would wait for ever).",
        "Set up a git credential helper or an SSH key in ssh-agent, check that 'git clone' of the "
        "same URL works in a terminal, then try again. Never put a token in the URL.",
    ),
    (
        ("permission denied (publickey", "host key verification failed"),
        "ssh could not sign in to {repo} without asking a question.",
        "Load your SSH key into ssh-agent (ssh-add) and connect once with 'ssh' to accept the "
        "server's host key, then try again.",
    ),
    (
        ("remote branch", "couldn't find remote ref", "invalid refspec"),
        "{repo} has no branch by that name.",
        "Check the branch given with --ref (leave it out to use the repository's default branch).",
    ),
    (
        ("repository not found", "does not appear to be a git repository", "not found"),
        "There is no git repository at {url} (or you may not read it).",
        "Check the URL and your access rights.",
    ),
    (
        ("could not resolve host", "connection refused", "connection timed out", "network is"),
        "{repo} could not be reached.",
        "Check your network connection (and proxy settings), then try again.",
    ),
)


def explain(stderr: str, url: str = "") -> GitError:
    """git's complaint as a sentence in the user's terms (its last line quoted, escaped)."""
    lowered = stderr.lower()
    repo = f"the repository {visible(url)}" if url else "the repository"
    for needles, message, hint in _EXPLANATIONS:
        if any(needle in lowered for needle in needles):
            return GitError(message.format(repo=repo, url=visible(url) or "that address"), hint)
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    said = visible(lines[-1][:300]) if lines else "no explanation"
    return GitError(f"git failed with {repo}: {said}.", "Fix what git reports, then try again.")


def check_url(url: str) -> str:
    """`url` as git will get it: a local path made absolute; refused when it carries a password
    (it would sit in the process list and in .git/config) or could be read as an option."""
    if not url or url != url.strip() or not url.isprintable():
        raise UsageError(
            "The catalog URL is empty or holds spaces or control characters.",
            "Give the repository's clone URL, e.g. https://git.example.com/team/aws-catalog.git.",
        )
    if url.startswith("-"):
        raise UsageError(
            f"The catalog URL '{visible(url)}' starts with '-', which git would read as an option.",
            "Give the repository's clone URL, or ./NAME for a directory here.",
        )
    if "://" in url:
        parts = urlsplit(url)
        if parts.password is not None or (parts.username and parts.scheme in ("http", "https")):
            raise UsageError(
                "The catalog URL carries a user name or password, which would show in the process "
                "list and stay in the clone's configuration.",
                "Give the URL without credentials and let git's credential helper (or an SSH "
                "key) sign in.",
            )
        return url
    if _REMOTE_HELPER.match(url):
        raise UsageError(
            f"The catalog URL '{visible(url)}' names a git remote helper, which could run any "
            "command; xswitch does not fetch catalogs through them.",
            "Use an https://, ssh://, git:// or file:// URL, a user@host:path address or a "
            "local path.",
        )
    if _SCP_LIKE.match(url):
        return url  # user@host:path, ssh's short form
    return str(Path(url).expanduser().absolute())


def check_ref(ref: str, env: Mapping[str, str] = os.environ) -> str:
    """A branch name git accepts (refused before any clone when it is not one)."""
    try:
        run(["check-ref-format", "--branch", ref], env=env)
    except GitError:
        raise UsageError(
            f"'{visible(ref)}' is not a branch name git accepts.",
            "Give the branch to follow with --ref, e.g. --ref main.",
        ) from None
    if ref.startswith("-"):
        raise UsageError(f"'{visible(ref)}' is not a branch name git accepts.")
    return ref
