"""Time FuzzyIndex.search over 10,000 synthetic profiles (name, client, account, role ARN, tags).

Run: .venv/bin/python bench/bench_match.py  — prints, per query, the median milliseconds of a cold
search (nothing remembered: a pasted query, or the first keystroke) and of each keystroke when the
query is typed one character at a time. Each search is what the picker does per keystroke: the best
200 without positions, then highlights for the rows it draws. The picker's whole keystroke (event,
search, redraw) has one frame (16 ms); the search should take a quarter of it at most.
"""

from __future__ import annotations

import random
import statistics
import time

from xswitch.core.match import FuzzyIndex

CLIENTS = [
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "wayne",
    "stark",
    "tyrell",
    "cyberdyne",
]
ENVS = ["dev", "staging", "prod", "sandbox", "qa", "shared", "audit", "logs", "network", "data"]
ROLES = ["Admin", "ReadOnly", "PowerUser", "Billing", "Deploy", "SecurityAudit"]
QUERIES = [
    "a",
    "e",
    "e0",
    "ac",
    "acme",
    "acme prod",
    "e00",
    "0000",
    "482",
    "4821",
    "123456789012",
    "prd",
    "adm ro",
    "zzzz",
    "globex-staging",
    "arn",
    "dply",
    "tag:pci",
    "arn:aws:iam",
    "arn aws iam role",
    "thisisalongquerythatmatchesnothing",
]


def items(count: int = 10_000) -> list[tuple[str, str]]:
    rng = random.Random(7)
    result = []
    for index in range(count):
        client = rng.choice(CLIENTS)
        env = rng.choice(ENVS)
        role = rng.choice(ROLES)
        account = f"{rng.randrange(10**11, 10**12):012d}"
        name = f"{client}-{env}-{index}"
        tags = " ".join(rng.sample(["pci", "eu", "us", "team-a", "team-b", "legacy"], 2))
        text = f"{name} {client.title()} {account} arn:aws:iam::{account}:role/{role} {tags}"
        result.append((name, text))
    return result


LIMIT = 200
ROWS_DRAWN = 38


def keystroke(index: FuzzyIndex, query: str) -> int:
    """What the picker does for one keystroke; returns the number of results."""
    keys = [match.key for match in index.search(query, limit=LIMIT, positions=False)]
    highlights = index.highlights(query, keys)
    for key in keys[:ROWS_DRAWN]:
        highlights[key]
    return len(keys)


def main() -> None:
    index = FuzzyIndex(items())
    print(f"{'query':<38} {'hits':>5} {'cold ms':>8} {'typed ms/key':>13} {'worst key':>10}")
    for query in QUERIES:
        cold = []
        hits = 0
        for _ in range(15):
            index.forget()
            start = time.perf_counter()
            hits = keystroke(index, query)
            cold.append((time.perf_counter() - start) * 1000)
        typed = []
        for _ in range(5):
            index.forget()
            for end in range(1, len(query) + 1):
                start = time.perf_counter()
                keystroke(index, query[:end])
                typed.append((time.perf_counter() - start) * 1000)
        print(
            f"{query!r:<38} {hits:>5} {statistics.median(cold):>8.2f}"
            f" {statistics.median(typed):>13.2f} {max(typed):>10.2f}"
        )


if __name__ == "__main__":
    main()
