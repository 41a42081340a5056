"""`xswitch sso sync`: find every account and role of an SSO session and keep them as profiles.

Discovery pages through ListAccounts and, concurrently, ListAccountRoles for each account, under a
token-bucket rate limit (Identity Center throttles at roughly 20 requests/s) with backoff when the
portal answers TooManyRequests anyway. Results are stored in config.toml as xswitch profiles; the
AWS files are never written.

Naming: a role becomes the profile `<account-slug>.<role>`, e.g. `acme-production.ReadOnlyAccess`,
where the slug is the account name in lower case with every run of other characters turned into
`-`. When that name is already used by something else, the account ID is appended to the slug
(`acme-production-111111111111.ReadOnlyAccess`). Each account gets a client keyed by its slug and
named after the account. A profile keeps its name, client, tags, colour and notes across syncs;
roles that disappeared are marked `stale = true`, never deleted.

Over 400 lines on purpose: the listing and the merge share the naming rules
(`slug`, `profile_name`) and the values (`Discovery`, `SyncReport`) that both front ends import
from here together with `discover` and `store`.
"""

from __future__ import annotations

import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from xswitch.core import paths
from xswitch.core.aws.clients import unsigned_client
from xswitch.core.aws.errors import (
    Call,
    call_failures,
    checked_answer,
    error_code,
    malformed,
    translate,
)
from xswitch.core.errors import PromptCancelled, SsoThrottled
from xswitch.core.model import Catalog, Origin, SsoSession
from xswitch.core.sso.tokens import SsoToken

PAGE_SIZE = 100  # the most the portal hands out per request
MAX_RETRIES = 8
MAX_BACKOFF = 8.0


@dataclass(frozen=True)
class DiscoveredAccount:
    id: str
    name: str
    email: str = ""
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Progress:
    """Sent after every account whose roles are known (from worker threads, one at a time)."""

    account: DiscoveredAccount
    accounts_done: int
    accounts_found: int
    listing_complete: bool  # False while ListAccounts still has pages to fetch
    requests: int
    throttled: int


@dataclass(frozen=True)
class Discovery:
    session: SsoSession
    accounts: tuple[DiscoveredAccount, ...]
    requests: int
    throttled: int
    seconds: float

    @property
    def role_count(self) -> int:
        return sum(len(account.roles) for account in self.accounts)


class RateLimiter:
    """A token bucket shared by all workers: `rate` requests per second, bursts of `burst`.

    A burst of 1 spaces requests evenly, which is what keeps us under a portal limit of the same
    rate. `pause()` holds every worker back after the portal said "too many requests".
    """

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst)
        self._tokens = 1.0
        self._stamp = time.monotonic()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self, cancelled: Callable[[], bool] | None = None) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                if now >= self._paused_until:
                    self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                    self._stamp = now
                    if self._tokens >= 1.0:
                        self._tokens -= 1.0
                        return
                    delay = (1.0 - self._tokens) / self.rate
                else:
                    self._stamp = self._paused_until
                    delay = self._paused_until - now
            if cancelled is not None and cancelled():
                raise PromptCancelled("The SSO sync")
            time.sleep(min(delay, 0.25))

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
            self._tokens = 0.0


@dataclass
class _Counters:
    requests: int = 0
    throttled: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class Discoverer:
    """One discovery run against the portal of one SSO session."""

    def __init__(
        self,
        session: SsoSession,
        token: SsoToken,
        *,
        env: Mapping[str, str] = os.environ,
        rate: float = 10.0,
        workers: int = 8,
        backoff: float = 0.5,
        on_progress: Callable[[Progress], object] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self.session = session
        self.token = token
        self.env = env
        self.limiter = RateLimiter(rate)
        self.workers = max(1, workers)
        self.backoff = backoff
        self.on_progress = on_progress
        self.cancelled = cancelled
        self._counters = _Counters()
        self._done: list[DiscoveredAccount] = []
        self._found = 0
        self._listing_complete = False
        self._progress_lock = threading.Lock()
        # Retries are ours (with the shared limiter), so botocore must not retry on its own.
        self._portal = unsigned_client("sso", session.region, env, attempts=1)

    def run(self) -> Discovery:
        started = time.monotonic()
        order: list[str] = []
        futures: list[Future[DiscoveredAccount]] = []
        with ThreadPoolExecutor(self.workers, thread_name_prefix="sso-sync") as pool:
            try:
                next_token: str | None = None
                while True:
                    page = self._call("ListAccounts", self._list_accounts_page, next_token)
                    for item in self._listed(page, "ListAccounts", "accountList", "accountId"):
                        order.append(item["accountId"])
                        with self._progress_lock:
                            self._found += 1
                        futures.append(pool.submit(self._roles_of, item))
                    next_token = page.get("nextToken")
                    if not next_token:
                        break
                with self._progress_lock:
                    self._listing_complete = True
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # re-raise the first failure
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
        by_id = {account.id: account for account in (f.result() for f in futures)}
        return Discovery(
            session=self.session,
            accounts=tuple(by_id[account_id] for account_id in order),
            requests=self._counters.requests,
            throttled=self._counters.throttled,
            seconds=time.monotonic() - started,
        )

    def _list_accounts_page(self, next_token: str | None) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "accessToken": self.token.access_token,
            "maxResults": PAGE_SIZE,
        }
        if next_token:
            arguments["nextToken"] = next_token
        return self._portal.list_accounts(**arguments)

    def _roles_of(self, item: Mapping[str, Any]) -> DiscoveredAccount:
        account_id = item["accountId"]
        roles: list[str] = []
        next_token: str | None = None
        while True:
            arguments: dict[str, Any] = {
                "accessToken": self.token.access_token,
                "accountId": account_id,
                "maxResults": PAGE_SIZE,
            }
            if next_token:
                arguments["nextToken"] = next_token
            page = self._call("ListAccountRoles", self._portal.list_account_roles, **arguments)
            listed = self._listed(page, "ListAccountRoles", "roleList", "roleName")
            roles.extend(role["roleName"] for role in listed)
            next_token = page.get("nextToken")
            if not next_token:
                break
        account = DiscoveredAccount(
            id=account_id,
            name=_text(item.get("accountName")) or account_id,
            email=_text(item.get("emailAddress")),
            roles=tuple(roles),
        )
        self._report(account)
        return account

    def _listed(self, page: Any, step: str, key: str, name: str) -> list[Mapping[str, Any]]:
        """The items of a page, each with a text `name`; a page of another shape blames the
        portal (and has no usable nextToken either)."""
        call = self._portal_call(step)
        checked_answer(page, call, {})
        items = page.get(key) or []
        next_token = page.get("nextToken")
        if (
            not isinstance(items, list)
            or not all(isinstance(i, Mapping) and isinstance(i.get(name), str) for i in items)
            or not isinstance(next_token, str | None)
        ):
            raise malformed(call, f"{key} is not a list of entries, each with {name}")
        return items

    def _portal_call(self, step: str) -> Call:
        # Named by the configured endpoint, not the client's: the portal's own address is
        # botocore's business unless the user overrode it.
        return Call("sso", step, sso_session=self.session, env=self.env)

    def _call(self, step: str, method: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any):
        for attempt in range(MAX_RETRIES + 1):
            self.limiter.acquire(self.cancelled)
            with self._counters.lock:
                self._counters.requests += 1
            try:
                return method(*args, **kwargs)
            except call_failures() as error:
                if error_code(error) != "TooManyRequestsException" or attempt == MAX_RETRIES:
                    if error_code(error) == "TooManyRequestsException":
                        raise SsoThrottled(
                            f"The SSO portal kept throttling {step} after {MAX_RETRIES} retries.",
                            "Run the sync again with a lower --rate (Identity Center allows "
                            "about 20 requests per second).",
                            code="TooManyRequestsException",
                        ) from None
                    raise translate(error, self._portal_call(step)) from None
                with self._counters.lock:
                    self._counters.throttled += 1
                delay = min(MAX_BACKOFF, self.backoff * 2**attempt)
                self.limiter.pause(delay * (0.5 + random.random() / 2))
        raise AssertionError("unreachable")

    def _report(self, account: DiscoveredAccount) -> None:
        with self._progress_lock:
            self._done.append(account)
            progress = Progress(
                account=account,
                accounts_done=len(self._done),
                accounts_found=self._found,
                listing_complete=self._listing_complete,
                requests=self._counters.requests,
                throttled=self._counters.throttled,
            )
            if self.on_progress is not None:
                self.on_progress(progress)


def discover(
    session: SsoSession,
    token: SsoToken,
    *,
    env: Mapping[str, str] = os.environ,
    rate: float = 10.0,
    workers: int = 8,
    on_progress: Callable[[Progress], object] | None = None,
    cancelled: Callable[[], bool] | None = None,
    backoff: float = 0.5,
) -> Discovery:
    """Every account and role `token` can see, listed under a `rate` requests/s limit."""
    return Discoverer(
        session,
        token,
        env=env,
        rate=rate,
        workers=workers,
        backoff=backoff,
        on_progress=on_progress,
        cancelled=cancelled,
    ).run()


# --- storing the result in config.toml ----------------------------------------------------------


@dataclass(frozen=True)
class SyncReport:
    added: tuple[str, ...]
    stale: tuple[str, ...]  # newly marked stale
    revived: tuple[str, ...]  # were stale, are back
    kept: int  # already known and unchanged
    skipped: tuple[str, ...]  # already defined in ~/.aws/config: not duplicated
    new_clients: tuple[str, ...]


_SLUG_RUN = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """`Acme Production (EU)` -> `acme-production-eu`."""
    return _SLUG_RUN.sub("-", name.lower()).strip("-")


def profile_name(account: DiscoveredAccount, role: str, taken: Callable[[str], bool]) -> str:
    base = slug(account.name) or account.id
    name = f"{base}.{role}"
    if taken(name):
        name = f"{base}-{account.id}.{role}" if base != account.id else f"{base}.{role}-sso"
    return name


def _session_settings(session: SsoSession) -> dict[str, str]:
    if session.legacy:
        return {"sso_start_url": session.start_url, "sso_region": session.region}
    return {"sso_session": session.name}


def _belongs_to(table: Mapping[str, Any], session: SsoSession) -> bool:
    if session.legacy:
        return table.get("sso_start_url") == session.start_url and not table.get("sso_session")
    return table.get("sso_session") == session.name


def store(
    discovery: Discovery,
    env: Mapping[str, str] = os.environ,
    *,
    region: str | None = None,
) -> SyncReport:
    """Merge a discovery into config.toml (under its lock); returns what changed."""
    from xswitch.core.config import load_catalog
    from xswitch.core.config.settings import edit_document

    catalog = load_catalog(env)
    with edit_document(paths.config_file(env)) as doc:
        return merge_into(doc, discovery, catalog=catalog, region=region)


def merge_into(
    doc: dict[str, Any],
    discovery: Discovery,
    *,
    catalog: Catalog | None = None,
    region: str | None = None,
) -> SyncReport:
    """Merge a discovery into a config.toml-shaped document (config.toml's, or a shared
    catalog's); returns what changed. Roles the AWS files of `catalog` define are left to them."""
    merge = _Merge(discovery, catalog or Catalog(clients=(), profiles={}), doc, region)
    merge.run()
    return merge.report()


class _Merge:
    """One merge of a discovery into a config.toml document: new roles become profiles (and
    their accounts clients), known ones are kept or revived, missing ones marked stale, and roles
    the AWS files already have are left to them."""

    def __init__(
        self, discovery: Discovery, catalog: Catalog, doc: dict[str, Any], region: str | None
    ) -> None:
        session = self.session = discovery.session
        self.discovery = discovery
        self.doc = doc
        self.region = region or session.region
        self.aws_roles = {
            (p.get("sso_account_id"), p.get("sso_role_name")): p.name
            for p in catalog.profiles.values()
            if p.origin is Origin.AWS
            and (p.sso_session == session.name or p.get("sso_start_url") == session.start_url)
        }
        self.aws_names = {p.name for p in catalog.profiles.values() if p.origin is Origin.AWS}
        self.profiles: dict[str, Any] = doc.get("profiles", {})
        self.clients: dict[str, Any] = doc.get("clients", {})
        self.known = {
            (table.get("sso_account_id"), table.get("sso_role_name")): name
            for name, table in self.profiles.items()
            if table.get("origin") == Origin.SSO_SYNC.value and _belongs_to(table, session)
        }
        self.seen: set[tuple[str, str]] = set()
        self.added: list[str] = []
        self.stale: list[str] = []
        self.revived: list[str] = []
        self.skipped: list[str] = []
        self.new_clients: list[str] = []
        self.kept = 0

    def run(self) -> None:
        for account in self.discovery.accounts:
            for role in account.roles:
                self._role(account, role)
        for identity, name in self.known.items():
            if identity not in self.seen and not self.profiles[name].get("stale"):
                self.profiles[name]["stale"] = True
                self.stale.append(name)
        if self.profiles:
            self.doc["profiles"] = self.profiles
        if self.clients:
            self.doc["clients"] = self.clients

    def _role(self, account: DiscoveredAccount, role: str) -> None:
        identity = (account.id, role)
        self.seen.add(identity)
        if identity in self.known:
            if self.profiles[self.known[identity]].pop("stale", False):
                self.revived.append(self.known[identity])
            else:
                self.kept += 1
            return
        if identity in self.aws_roles:
            self.skipped.append(self.aws_roles[identity])
            return
        name = profile_name(account, role, lambda n: n in self.profiles or n in self.aws_names)
        client_key = slug(account.name) or account.id
        self.profiles[name] = {
            **_session_settings(self.session),
            "sso_account_id": account.id,
            "sso_role_name": role,
            "region": self.region,
            "client": client_key,
            "origin": Origin.SSO_SYNC.value,
        }
        self.added.append(name)
        if client_key not in self.clients:
            self.clients[client_key] = {"name": account.name}
            self.new_clients.append(client_key)

    def report(self) -> SyncReport:
        return SyncReport(
            added=tuple(self.added),
            stale=tuple(self.stale),
            revived=tuple(self.revived),
            kept=self.kept,
            skipped=tuple(self.skipped),
            new_clients=tuple(self.new_clients),
        )


def _text(value: Any) -> str:
    """A text field of a portal answer, or "" when it is missing or not text."""
    return value if isinstance(value, str) else ""
