"""The catalogs' use cases: add (clone), pull, remove, init, and their status.

Each catalog is a git clone under the data directory. What xswitch uses is not the working tree
but the last good copy: the document of the last fetched commit that passed `document.check`,
kept as JSON next to the clone. A fetch that fails or brings a malformed commit leaves that copy
as it was and records why. The working tree follows good commits only, and only when it has no
local work (a platform engineer may edit and commit there, e.g. after `sso sync --into-catalog`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from xswitch.core import fs, locks, paths
from xswitch.core.catalogs import document, git, registry
from xswitch.core.catalogs.document import Changes
from xswitch.core.catalogs.registry import Entry, State
from xswitch.core.config.settings import edit_document, load_document, validate_settings
from xswitch.core.errors import CatalogError, GitError, UsageError, XswitchError
from xswitch.core.text import visible
from xswitch.core.times import rfc3339

SNAPSHOT_VERSION = 1
LOCK_TIMEOUT = 60.0


@dataclass(frozen=True)
class PullResult:
    name: str
    old_commit: str  # "" for a first clone
    commit: str
    changes: Changes
    local_work: bool = False  # the working tree has local work, so it was left where it was


@dataclass(frozen=True)
class Status:
    """One followed catalog as `catalog list` shows it."""

    entry: Entry
    state: State
    cloned: bool
    clients: int  # what its last good copy contributes
    profiles: int
    left_out: str = ""  # why it contributes nothing now, "" when it does


# --- the last good copy -------------------------------------------------------------------------


def load_snapshot(name: str, env: Mapping[str, str] = os.environ) -> tuple[str, dict[str, Any]]:
    """(commit, document) of the catalog's last good copy; ("", {}) when it has none yet.
    OSError/ValueError when the copy is damaged."""
    path = registry.snapshot_file(name, env)
    try:
        raw = fs.read_private_file(path, registry.SNAPSHOT_LIMIT)
    except FileNotFoundError:
        return "", {}
    data = json.loads(raw)
    if (
        not isinstance(data, dict)
        or data.get("version") != SNAPSHOT_VERSION
        or not isinstance(data.get("commit"), str)
        or not isinstance(data.get("doc"), dict)
    ):
        raise ValueError("not a catalog snapshot")
    return data["commit"], data["doc"]


def _save_snapshot(name: str, commit: str, doc: Mapping[str, Any], env: Mapping[str, str]) -> None:
    data = {"version": SNAPSHOT_VERSION, "commit": commit, "doc": doc}
    fs.write_private(registry.snapshot_file(name, env), json.dumps(data).encode("utf-8"))


# --- add, pull, remove --------------------------------------------------------------------------


def _now() -> str:
    return rfc3339(datetime.now(UTC))


def followed(env: Mapping[str, str] = os.environ) -> list[Entry]:
    """The catalogs config.toml follows, lowest precedence first."""
    return registry.entries(load_document(paths.config_file(env)))


def find(name: str, env: Mapping[str, str] = os.environ) -> Entry:
    for entry in followed(env):
        if entry.name == name:
            return entry
    names = ", ".join(entry.name for entry in followed(env))
    raise UsageError(
        f"xswitch follows no catalog named '{visible(name)}'.",
        f"The catalogs are: {names}." if names else "Add one with 'xswitch catalog add NAME URL'.",
    )


@contextlib.contextmanager
def locked(
    name: str, env: Mapping[str, str] = os.environ, timeout: float = LOCK_TIMEOUT
) -> Iterator[None]:
    """Catalog `name` to oneself: its clone, last good copy and state (processes and threads)."""
    busy = UsageError(
        f"Catalog '{name}' is being updated by another xswitch process.",
        "Wait for it to finish and try again.",
    )
    fs.private_dir(registry.root(env))
    with locks.held(registry.lock_file(name, env), timeout=timeout, busy=lambda: busy):
        yield


def add(
    name: str,
    url: str,
    *,
    ref: str = "",
    path: str = registry.DEFAULT_PATH,
    allow_commands: bool = False,
    env: Mapping[str, str] = os.environ,
) -> PullResult:
    """Clone catalog `name` from `url`, check its file, and follow it (config.toml gains
    `[catalogs.NAME]`). Nothing is left behind when any step fails."""
    registry.check_name(name)
    url = git.check_url(url)
    if ref:
        git.check_ref(ref, env)
    if problem := registry.path_problem(path):
        raise UsageError(f"--path '{visible(path)}' cannot name the catalog file: {problem}.")
    if any(entry.name == name for entry in followed(env)):
        raise UsageError(
            f"xswitch already follows a catalog named '{name}'.",
            f"Pick another name, or run 'xswitch catalog remove {name}' first.",
        )
    entry = Entry(name=name, url=url, ref=ref, path=path, allow_commands=allow_commands)
    with locked(name, env, LOCK_TIMEOUT):
        if registry.clone_dir(name, env).exists():
            raise UsageError(
                f"The directory {registry.clone_dir(name, env)} already exists.",
                "It may hold work from an earlier clone: move it away, then add the catalog.",
            )
        entry, result = _clone(entry, env)
        try:
            with edit_document(paths.config_file(env)) as doc:
                doc.setdefault("catalogs", {})[name] = registry.entry_table(entry)
        except XswitchError:
            _forget(name, env)
            raise
    return result


def _clone(entry: Entry, env: Mapping[str, str]) -> tuple[Entry, PullResult]:
    """Clone `entry` into place with its first good copy; the entry with its branch named."""
    target = registry.clone_dir(entry.name, env)
    temporary = target.with_name(f".{entry.name}.cloning-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    args = ["clone", "--quiet", "--no-tags", "--single-branch"]
    if entry.ref:
        args += ["--branch", entry.ref]
    try:
        git.run(
            [*args, "--", entry.url, str(temporary)],
            url=entry.url,
            timeout=_network_timeout(env),
            env=env,
        )
        if not entry.ref:
            entry = replace(entry, ref=_text(temporary, ["symbolic-ref", "--short", "HEAD"], env))
        try:
            commit = _rev(temporary, "HEAD", env)
        except GitError:
            raise CatalogError(
                f"The repository {visible(entry.url)} has no commit yet"
                + (f" on branch {visible(entry.ref)}." if entry.ref else "."),
                "Commit the catalog file and push it, then add the catalog again.",
            ) from None
        doc = _checked(entry, temporary, commit, env)
        _save_snapshot(entry.name, commit, doc, env)
        os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    now = _now()
    registry.write_state(entry.name, State(attempted_at=now, pulled_at=now, commit=commit), env)
    return entry, PullResult(entry.name, "", commit, document.changes(None, doc))


def _forget(name: str, env: Mapping[str, str]) -> None:
    shutil.rmtree(registry.clone_dir(name, env), ignore_errors=True)
    for path in (registry.snapshot_file(name, env), registry.state_file(name, env)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _network_timeout(env: Mapping[str, str]) -> float:
    """How long a clone or fetch may take: a multiple of the network_timeout setting (a clone
    is many requests, and the repository may be large)."""
    doc = load_document(paths.config_file(env))
    return git.NETWORK_ROUNDS * validate_settings(doc, env).network_timeout


def _text(repo: Path, args: list[str], env: Mapping[str, str]) -> str:
    """git's answer, one line of text."""
    return git.run(args, cwd=repo, env=env).decode("utf-8", "replace").strip()


def _rev(repo: Path, what: str, env: Mapping[str, str]) -> str:
    return _text(repo, ["rev-parse", "--verify", "--quiet", what + "^{commit}"], env)


def _checked(entry: Entry, repo: Path, commit: str, env: Mapping[str, str]) -> dict[str, Any]:
    """The checked document of `entry`'s file at `commit`, read from git's objects (never from
    the working tree, where a symbolic link could point at any file of the user's)."""
    listing = git.run(["ls-tree", "-z", commit, "--", entry.path], cwd=repo, env=env).decode()
    where = document.label(entry.name, entry.path)
    if not listing:
        raise CatalogError(
            f"is not in the repository (branch {visible(entry.ref)}, commit {commit[:10]}).",
            "Check the file's name, or give it with --path when adding the catalog "
            f"(xswitch looks for {registry.DEFAULT_PATH} at the top by default).",
            path=where,
        )
    mode, kind, rest = listing.split(" ", 2)
    if kind != "blob" or mode not in ("100644", "100755"):
        raise CatalogError(
            "is not a regular file in the repository (a directory, a symbolic link or a "
            "submodule).",
            "Commit the catalog as an ordinary file.",
            path=where,
        )
    raw = git.run(["cat-file", "blob", rest.split("\t", 1)[0]], cwd=repo, env=env)
    return document.check(
        raw, name=entry.name, file=entry.path, allow_commands=entry.allow_commands
    )


def pull(name: str, env: Mapping[str, str] = os.environ, *, background: bool = False) -> PullResult:
    """Fetch catalog `name` and make the fetched commit its good copy when it passes the checks.

    A failure (network, sign-in, a malformed or refused file) keeps the last good copy, is
    recorded in the catalog's state (so that it is told once) and raised. `background`: give up
    at once when another process is updating it, and leave the problem to be told later.
    """
    entry = find(name, env)
    with locked(name, env, 0 if background else LOCK_TIMEOUT):
        state = registry.read_state(name, env)
        try:
            if not (registry.clone_dir(name, env) / ".git").exists():
                _, result = _clone(entry, env)
                return result
            result = _fetch(entry, state, env)
        except (GitError, CatalogError) as error:
            problem = str(error)
            shown = not background or (state.problem == problem and state.problem_shown)
            registry.write_state(
                name,
                replace(state, attempted_at=_now(), problem=problem, problem_shown=shown),
                env,
            )
            raise
        registry.write_state(
            name,
            State(attempted_at=_now(), pulled_at=_now(), commit=result.commit),
            env,
        )
        return result


def _fetch(entry: Entry, state: State, env: Mapping[str, str]) -> PullResult:
    repo = registry.clone_dir(entry.name, env)
    remote = _text(repo, ["remote", "get-url", "origin"], env)
    if remote != entry.url:  # the URL was changed in config.toml
        git.run(["remote", "set-url", "origin", "--", entry.url], cwd=repo, env=env)
    ref = entry.ref or _text(repo, ["symbolic-ref", "--short", "HEAD"], env)
    tracking = f"refs/remotes/origin/{ref}"
    git.run(
        ["fetch", "--quiet", "--no-tags", "origin", f"+refs/heads/{ref}:{tracking}"],
        cwd=repo,
        url=entry.url,
        timeout=_network_timeout(env),
        env=env,
    )
    commit = _rev(repo, tracking, env)
    try:
        old_commit, old_doc = load_snapshot(entry.name, env)
    except (OSError, ValueError):
        old_commit, old_doc = "", {}
    doc = _checked(replace(entry, ref=ref), repo, commit, env)
    if commit != old_commit or doc != old_doc:
        _save_snapshot(entry.name, commit, doc, env)
    local_work = not _fast_forward(repo, commit, env)
    return PullResult(entry.name, old_commit, commit, document.changes(old_doc, doc), local_work)


def _fast_forward(repo: Path, commit: str, env: Mapping[str, str]) -> bool:
    """Move the working tree to `commit` unless it holds local work; whether it is there now."""
    if git.run(["status", "--porcelain"], cwd=repo, env=env).strip():
        return False
    try:
        git.run(["merge-base", "--is-ancestor", "HEAD", commit], cwd=repo, env=env)
    except GitError:
        return False  # local commits not on the branch
    git.run(["merge", "--ff-only", "--quiet", commit], cwd=repo, env=env)
    return True


def local_work(name: str, env: Mapping[str, str] = os.environ) -> str | None:
    """What would be lost by deleting the clone (uncommitted changes, unpushed commits), or None."""
    repo = registry.clone_dir(name, env)
    if not (repo / ".git").exists():
        return None
    if git.run(["status", "--porcelain"], cwd=repo, env=env).strip():
        return "uncommitted changes"
    branches = git.run(["branch", "-r", "--format=%(refname)"], cwd=repo, env=env).decode().split()
    if not branches:
        return None
    ahead = git.run(["rev-list", "--count", "HEAD", "--not", *branches], cwd=repo, env=env)
    count = int(ahead.strip() or 0)
    return f"{count} commit{'s' if count != 1 else ''} not pushed" if count else None


def remove(name: str, env: Mapping[str, str] = os.environ, *, force: bool = False) -> None:
    """Stop following catalog `name` and delete its clone and copies; refused when the clone
    holds work that is not pushed, unless `force`."""
    find(name, env)
    with locked(name, env, LOCK_TIMEOUT):
        if not force and (work := local_work(name, env)):
            raise UsageError(
                f"The clone of catalog '{name}' holds {work} ({registry.clone_dir(name, env)}).",
                "Push or copy that work first, or run 'xswitch catalog remove --force "
                f"{name}' to delete it.",
            )
        with edit_document(paths.config_file(env)) as doc:
            doc.get("catalogs", {}).pop(name, None)
            if not doc.get("catalogs", True):
                doc.pop("catalogs")
        _forget(name, env)
    with contextlib.suppress(FileNotFoundError):
        registry.lock_file(name, env).unlink()


def defining_file(profile: str, env: Mapping[str, str] = os.environ) -> Path | None:
    """The catalog file (in its clone) that defines `profile` for this configuration, or None.
    For error messages only: it reads every last good copy."""
    try:
        entries = followed(env)
    except XswitchError:
        return None
    for entry in reversed(entries):  # the later catalogs win
        try:
            _, doc = load_snapshot(entry.name, env)
        except (OSError, ValueError):
            continue
        if profile in doc.get("profiles", {}):
            return registry.clone_dir(entry.name, env) / entry.path
    return None


def statuses(env: Mapping[str, str] = os.environ) -> list[Status]:
    result = []
    for entry in followed(env):
        left_out = ""
        try:
            _, doc = load_snapshot(entry.name, env)
        except (OSError, ValueError):
            doc, left_out = {}, "its last good copy is damaged; pull it again"
        if not entry.allow_commands and (runner := document.runs_commands(doc)):
            left_out = f"its profile '{runner}' runs a command and it is not allowed to"
        result.append(
            Status(
                entry=entry,
                state=registry.read_state(entry.name, env),
                cloned=(registry.clone_dir(entry.name, env) / ".git").exists(),
                clients=len(doc.get("clients", {})),
                profiles=len(doc.get("profiles", {})),
                left_out=left_out,
            )
        )
    return result
