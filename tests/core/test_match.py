"""Fuzzy matching for the picker: what matches, in which order, which characters to highlight."""

from __future__ import annotations

import functools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xswitch.core import match as match_module
from xswitch.core.match import FuzzyIndex

ITEMS = [
    ("acme-prod", "acme-prod ACME 123456789012 arn:aws:iam::123456789012:role/Admin eu pci"),
    ("acme-dev", "acme-dev ACME 210987654321 arn:aws:iam::210987654321:role/Developer eu"),
    ("globex-prod", "globex-prod Globex 100000000001 arn:aws:iam::100000000001:role/ReadOnly us"),
    ("product-lab", "product-lab Lab 300000000003 arn:aws:iam::300000000003:role/Admin"),
    ("p-r-o-d", "p-r-o-d Scattered 400000000004"),
    ("sandbox", "sandbox Lab 500000000005 arn:aws:iam::500000000005:role/PowerUser"),
]


def keys(results) -> list[str]:
    return [match.key for match in results]


def test_empty_query_returns_everything_in_order():
    index = FuzzyIndex(ITEMS)
    assert keys(index.search("")) == [key for key, _ in ITEMS]
    assert keys(index.search("   ", limit=2)) == ["acme-prod", "acme-dev"]


def test_non_matching_items_are_dropped():
    index = FuzzyIndex(ITEMS)
    assert index.search("zzz") == []
    assert "sandbox" not in keys(index.search("prod"))


def test_substring_beats_scattered_subsequence():
    results = keys(FuzzyIndex(ITEMS).search("prod"))
    assert results[-1] == "p-r-o-d"
    assert set(results[:-1]) == {"acme-prod", "globex-prod", "product-lab"}


def test_word_start_beats_inside_a_word():
    index = FuzzyIndex([("inside", "reproduce"), ("start", "re-production")])
    assert keys(index.search("prod")) == ["start", "inside"]


def test_whole_word_beats_word_prefix():
    index = FuzzyIndex([("prefix", "product x"), ("whole", "prod x")])
    assert keys(index.search("prod")) == ["whole", "prefix"]


def test_exact_account_id_ranks_top():
    index = FuzzyIndex(ITEMS)
    assert keys(index.search("210987654321"))[0] == "acme-dev"
    # An account typed in part still finds it, above items that only scatter the digits.
    results = keys(index.search("2109876"))
    assert results[0] == "acme-dev"


def test_account_like_queries_work():
    index = FuzzyIndex(ITEMS)
    results = index.search("0000")
    assert {"globex-prod", "product-lab", "p-r-o-d", "sandbox"} <= set(keys(results))
    assert "acme-prod" not in keys(results)
    # No substring "e00" here: the tightest scattered hit ("...d 4000...") wins.
    assert keys(index.search("e00"))[0] == "p-r-o-d"
    with_substring = FuzzyIndex([*ITEMS, ("hex", "deadbee00f")])
    assert keys(with_substring.search("e00"))[0] == "hex"


def test_tighter_subsequence_ranks_higher():
    index = FuzzyIndex([("loose", "a.........b.........c"), ("tight", "a..b..c")])
    assert keys(index.search("abc")) == ["tight", "loose"]


def test_all_terms_must_match():
    index = FuzzyIndex(ITEMS)
    assert keys(index.search("acme admin")) == ["acme-prod"]
    assert keys(index.search("admin acme")) == ["acme-prod"]
    assert index.search("acme poweruser") == []


def test_case_insensitive():
    index = FuzzyIndex(ITEMS)
    assert keys(index.search("GLOBEX")) == ["globex-prod"]
    assert keys(index.search("readonly")) == ["globex-prod"]


def test_limit_keeps_the_best():
    index = FuzzyIndex(ITEMS)
    everything = index.search("a")
    assert index.search("a", limit=2) == everything[:2]


def test_ties_keep_original_order():
    index = FuzzyIndex([("b", "same text"), ("a", "same text"), ("c", "same text")])
    assert keys(index.search("same")) == ["b", "a", "c"]


def test_positions_point_at_matched_characters():
    index = FuzzyIndex([("one", "Acme-Prod ACME"), ("two", "a_c_m_e")])
    one, two = index.search("prod")[0], None
    assert one.key == "one" and one.positions == (5, 6, 7, 8)
    two = index.search("acme")[1]
    assert two.key == "two" and two.positions == (0, 2, 4, 6)


def test_positions_prefer_word_start_and_tight_subsequences():
    index = FuzzyIndex([("x", "reprod prod"), ("y", "a xx a b c")])
    assert index.search("prod")[0].positions == (7, 8, 9, 10)
    # The tightest window: the second "a" is closer to "b c".
    assert index.search("abc")[0].positions == (5, 7, 9)


def test_positions_index_the_original_text():
    text = "İstanbul-prod"  # "İ".lower() is two characters
    match = FuzzyIndex([("k", text)]).search("prod")[0]
    assert [text[i] for i in match.positions] == list("prod")


def test_separator_in_term_is_matched_literally():
    index = FuzzyIndex([("underscore", "a_b a-b"), ("dash-only", "x a-b")])
    match = {m.key: m for m in index.search("a-b")}
    assert match["underscore"].positions == (4, 5, 6)


def test_positions_of_several_terms_are_merged():
    match = FuzzyIndex([("k", "acme prod admin")]).search("admin acme")[0]
    assert match.positions == (0, 1, 2, 3, 10, 11, 12, 13, 14)


def test_highlights_are_the_positions_of_a_search_computed_on_lookup():
    index = FuzzyIndex(ITEMS)
    full = index.search("ad prod", limit=3)
    bare = index.search("ad prod", limit=3, positions=False)
    assert [(m.key, m.score) for m in bare] == [(m.key, m.score) for m in full]
    assert all(m.positions == () for m in bare)
    highlights = index.highlights("ad prod", [m.key for m in bare])
    assert list(highlights) == [m.key for m in full]
    assert {key: highlights[key] for key in highlights} == {m.key: m.positions for m in full}
    assert highlights.get("sandbox") is None  # not among the results
    assert highlights.get("no such item", ()) == ()


_alphabet = st.sampled_from("abc01-_ :/")


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(_alphabet, max_size=20), min_size=1, max_size=8),
    query=st.text(_alphabet, max_size=6),
)
def test_matches_are_exactly_the_items_containing_every_term_in_order(texts, query):
    """Soundness and completeness against a plain reference definition, and honest positions."""
    index = FuzzyIndex([(str(i), text) for i, text in enumerate(texts)])
    results = index.search(query)
    terms = query.lower().split()

    def is_subsequence(term: str, text: str) -> bool:
        iterator = iter(text.lower())
        return all(char in iterator for char in term)

    expected = {
        str(i) for i, text in enumerate(texts) if all(is_subsequence(t, text) for t in terms)
    }
    assert set(keys(results)) == expected
    scores = [match.score for match in results]
    assert scores == sorted(scores, reverse=True)
    for match in results:
        text = texts[int(match.key)].lower()
        highlighted = {text[position] for position in match.positions}
        assert highlighted == set("".join(terms)) or not terms
        assert all(0 <= position < len(text) for position in match.positions)


@settings(max_examples=200, deadline=None)
@given(
    texts=st.lists(st.text(_alphabet, max_size=20), min_size=1, max_size=12),
    typed=st.lists(st.text(_alphabet, max_size=6), min_size=1, max_size=4),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
)
def test_keystroke_by_keystroke_gives_the_same_results_as_a_fresh_search(texts, typed, limit):
    """Narrowing from remembered queries (typing on, adding a term, backspacing) changes nothing."""
    items = [(str(i), text) for i, text in enumerate(texts)]
    index = FuzzyIndex(items)
    queries = [query[:cut] for query in typed for cut in range(len(query) + 1)]
    queries += [query[:cut] for query in reversed(typed) for cut in range(len(query), -1, -1)]
    for query in queries:
        results = index.search(query, limit)
        assert results == FuzzyIndex(items).search(query, limit), query
        highlights = index.highlights(query, [m.key for m in results])
        assert [highlights[m.key] for m in results] == [m.positions for m in results], query


def test_narrowing_a_remembered_query_and_forgetting():
    index = FuzzyIndex(ITEMS)
    assert keys(index.search("a")) and keys(index.search("ac"))
    assert keys(index.search("acme")) == ["acme-dev", "acme-prod"]  # the shorter text first
    assert keys(index.search("acme adm"))[0] == "acme-prod"
    assert keys(index.search("acme admin")) == ["acme-prod"]
    index.forget()
    assert keys(index.search("acme admin")) == ["acme-prod"]


def test_rare_terms_in_many_items():
    """A term few items contain is located in all the texts at once: same hits, same ranking."""
    texts = [f"item-{n} filler words here" for n in range(400)]
    texts[200] = "rare start, rare again"
    texts[57] = "inside a wordrare and rare"
    texts[399] = "the last one is rare"
    index = FuzzyIndex([(str(n), text) for n, text in enumerate(texts)])
    results = index.search("rare")
    assert keys(results) == ["200", "57", "399"]
    assert results[0].positions == (0, 1, 2, 3)
    assert [texts[57][i] for i in results[1].positions] == list("rare")
    # Scattered hits ("item-139") rank after every substring hit.
    assert keys(index.search("item-39"))[:10] == [str(n) for n in [39, *range(390, 399)]]


_SEPARATORS = " -_./:@,=+|()[]{}"


def _reference_score(terms: list[str], text: str) -> float | None:
    """The documented scoring, one item at a time: None when some term does not match."""
    # Lower-cased character by character, keeping any that would grow ("İ"): positions and
    # lengths stay those of the original text.
    text = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    total = -len(text) * 0.01
    for term in terms:
        score = _reference_term_score(term, text)
        if score is None:
            return None
        total += score
    return total


@functools.lru_cache(maxsize=200_000)
def _reference_term_score(term: str, text: str) -> float | None:
    """One term's score in lower-cased `text`, None when it matches neither way."""
    start = text.find(term)
    if start >= 0:
        hits = []
        while start >= 0:
            hits.append(start)
            start = text.find(term, start + 1)
        start = hits[0]
        at_start = [p for p in hits if p == 0 or text[p - 1] in _SEPARATORS]
        whole = [
            p for p in at_start if p + len(term) == len(text) or text[p + len(term)] in _SEPARATORS
        ]
        bonus = (400.0 if at_start else 0.0) + (300.0 if whole else 0.0)
        return (1000.0 + 10.0 * len(term) - min(start, 100) * 0.5) + bonus
    # Scattered: from the first start that works, each next letter as early as possible.
    for first in range(len(text)):
        if text[first] != term[0]:
            continue
        position = first
        for char in term[1:]:
            position = text.find(char, position + 1)
            if position < 0:
                break
        if position >= 0:
            tightness = 100.0 * len(term) / (position + 1 - first)
            word_start = 50.0 if first == 0 or text[first - 1] in _SEPARATORS else 0.0
            return tightness + word_start
    return None


@settings(max_examples=300, deadline=None)
@given(
    texts=st.lists(st.text(st.sampled_from("abc01-_ :/\nA"), max_size=24), max_size=10),
    query=st.text(_alphabet, min_size=1, max_size=8),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
)
def test_scores_and_order_equal_the_reference_definition(texts, query, limit):
    terms = query.lower().split()
    if not terms:
        return
    scored = [(_reference_score(terms, text), i) for i, text in enumerate(texts)]
    expected = sorted((-score, i) for score, i in scored if score is not None)[:limit]
    results = FuzzyIndex([(str(i), text) for i, text in enumerate(texts)]).search(query, limit)
    assert [(match.score, match.key) for match in results] == [
        (-negated, str(i)) for negated, i in expected
    ]


# --- differential: the optimized search against the reference over picker-sized catalogs -----

_CLIENTS = ["acme", "globex", "initech", "umbrella", "hooli", "wayne", "stark", "tyrell"]
_ENVS = ["dev", "staging", "prod", "sandbox", "qa", "shared", "audit", "logs", "network", "data"]
_ROLES = ["Admin", "ReadOnly", "PowerUser", "Billing", "Deploy", "SecurityAudit"]
_TAGS = ["pci", "eu", "us", "team-a", "team-b", "legacy"]


def _catalog_like(count: int, seed: int) -> list[tuple[str, str]]:
    """Profile haystacks shaped like the picker's: name, client, account, role ARN, tags."""
    rng = random.Random(seed)
    items = []
    for number in range(count):
        client, env, role = rng.choice(_CLIENTS), rng.choice(_ENVS), rng.choice(_ROLES)
        account = f"{rng.randrange(10**11, 10**12):012d}"
        name = f"{client}-{env}-{number}"
        tags = " ".join(rng.sample(_TAGS, 2))
        text = f"{name} {client.title()} {account} arn:aws:iam::{account}:role/{role} {tags}"
        items.append((name, text))
    # A few oddities: unicode, duplicated keys, repeated words, separators in a row.
    items += [
        ("istanbul", "İstanbul-prod Straße 482100000000 arn:aws:iam::482100000000:role/Admin"),
        ("dup", "acme-prod acme prod acme 000000000000"),
        ("dup", "a-b a_b a--b ::: tag:pci"),
        ("short", "a"),
        ("empty", ""),
    ]
    return items


def _expected(items: list[tuple[str, str]], query: str, limit: int | None) -> list[tuple]:
    """(key, score) of the reference ranking, best first, ties in original order."""
    return _reference_ranking(tuple(items), query)[:limit]


@functools.lru_cache(maxsize=64)
def _reference_ranking(items: tuple[tuple[str, str], ...], query: str) -> list[tuple]:
    terms = query.lower().split()
    if not terms:
        return [(key, 0.0) for key, _ in items]
    scored = [(_reference_score(terms, text), i) for i, (_, text) in enumerate(items)]
    ranked = sorted((-score, i) for score, i in scored if score is not None)
    return [(items[i][0], -negated) for negated, i in ranked]


def _assert_same(results, expected, query: str) -> None:
    assert [m.key for m in results] == [key for key, _ in expected], query
    for match, (_, score) in zip(results, expected, strict=True):
        assert match.score == pytest.approx(score, abs=1e-6), (query, match.key)


_BENCH_QUERIES = [
    "a",
    "e0",
    "acme prod",
    "e00",
    "0000",
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
    "team-a eu",
    "a-b",
    "::",
    "istanbul",
    "straße",
    "prod acme 48",
    "0 0 0",
    "aa",
    "eu us",
    "thisisalongquerythatmatchesnothing",
]


def test_differential_against_reference_on_a_catalog_sized_index():
    """Every prefix of many queries, cold and keystroke by keystroke, at the picker's limit and
    at other limits: the same keys, order and scores as the per-item reference."""
    items = _catalog_like(2_000, seed=11)
    accounts = [text.split()[2] for _, text in items[:3]]
    queries = [*_BENCH_QUERIES, *accounts, accounts[0][:5], accounts[1][3:8], "  ", ""]
    index = FuzzyIndex(items)
    for query in queries:
        typed = [query[:cut] for cut in range(1, len(query) + 1)] or [query]
        for limit in (200, None, 7):
            index.forget()
            for prefix in typed:
                _assert_same(
                    index.search(prefix, limit, positions=False),
                    _expected(items, prefix, limit),
                    prefix,
                )
        # Backspacing through remembered queries gives the same as typing forward.
        for prefix in reversed(typed):
            _assert_same(index.search(prefix, 200), _expected(items, prefix, 200), prefix)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    count=st.integers(1, 400),
    query=st.text(st.sampled_from("ae0148rdp-: "), min_size=1, max_size=7),
    limit=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
)
def test_differential_on_generated_catalogs_and_queries(seed, count, query, limit):
    items = _catalog_like(count, seed)
    index = FuzzyIndex(items)
    for cut in range(1, len(query) + 1):
        _assert_same(index.search(query[:cut], limit), _expected(items, query[:cut], limit), query)
    index.forget()
    _assert_same(index.search(query, limit), _expected(items, query, limit), query)


def test_whole_word_followed_at_once_by_another_word_start():
    """'b' in "b:b0" is a whole word even though the next word starts with 'b' too."""
    items = [(str(n), "") for n in range(4)] + [("4", "b"), ("5", "b:b0")]
    results = FuzzyIndex(items).search("b", limit=2)
    assert [(m.key, m.score) for m in results] == [
        ("4", pytest.approx(1709.99)),
        ("5", pytest.approx(1709.96)),
    ]


def test_variable_width_arrays_rank_like_fixed_width_ones(monkeypatch):
    """Texts too long for fixed-width arrays (a huge tag list, say) use variable-width ones."""
    items = [*_catalog_like(300, seed=3), ("long", "long " + "tag " * 500 + "acme-dev 4821")]
    fixed = FuzzyIndex(items)
    monkeypatch.setattr(match_module, "_FIXED_WIDTH_BUDGET", 0)
    variable = FuzzyIndex(items)
    for query in ("a", "acme", "e0", "4821", "adm ro", "tag:pci", "ong tg", "zzzz"):
        assert variable.search(query, limit=50) == fixed.search(query, limit=50), query
