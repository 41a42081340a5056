"""Time FuzzyIndex.search over 10,000 synthetic profiles (name, client, account, role ARN, tags).

Run: .venv/bin/python bench/bench_match.py  — prints the median milliseconds per query; the picker
re-ranks on every keystroke, so each should stay well under one frame (16 ms).
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
    "ac",
    "acme",
    "acme prod",
    "e00",
    "0000",
    "123456789012",
    "prd",
    "adm ro",
    "zzzz",
    "globex-staging",
    "arn",
    "dply",
    "tag:pci",
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


def main() -> None:
    index = FuzzyIndex(items())
    print(f"{'query':<18} {'hits':>6} {'median ms':>10} {'max ms':>8}")
    for query in QUERIES:
        timings = []
        hits = 0
        for _ in range(15):
            start = time.perf_counter()
            hits = len(index.search(query, limit=200))
            timings.append((time.perf_counter() - start) * 1000)
        print(f"{query!r:<18} {hits:>6} {statistics.median(timings):>10.2f} {max(timings):>8.2f}")


if __name__ == "__main__":
    main()
