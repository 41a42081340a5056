"""Fuzzy matching for the picker's filter, fast enough to re-rank 10,000 profiles per keystroke.

Every query term must occur in an item's text, either as a substring or as a subsequence (the
letters in order, with gaps). Substring hits rank above scattered ones, hits at the start of a word
above hits inside one, and a term that is a whole word (an account ID typed in full, say) above all.

Speed comes from four things:
- Per-item work is chains of `map`/`compress` over C functions (`str.find`, `str.__contains__`,
  compiled patterns, list lookups), never a Python-level loop body per item.
- A query that extends a recent one (the next keystroke, usually) only re-tests that query's
  survivors, starting from their scores so far; a query seen recently is not recomputed.
- Only the best `limit` items are sorted exactly, and highlight positions are computed only for
  the items returned.
- A one-term query whose best `limit` items all hold the term as a whole word (or all at a word
  start) scores only those items: they are found by splitting the joined words around the term,
  and the bonuses guarantee that no other item can outrank them.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, compress, repeat
from operator import add, is_not, neg, not_, sub

# Characters that separate words in profile names, ARNs, tags and the like.
_SEPARATORS = " -_./:@,=+|()[]{}"
_TO_SPACE = str.maketrans(dict.fromkeys(_SEPARATORS, " "))
_SEPARATOR_CLASS = "".join(re.escape(char) for char in _SEPARATORS)

# Score weights: any substring beats any subsequence, and the bonuses order substrings among
# themselves.
_SUBSTRING = 1000.0
_WORD_START_BONUS = 400.0
_WHOLE_WORD_BONUS = 300.0
_SUBSEQUENCE = 100.0
# Bonus for a scattered hit by whether it starts a word.
_SCATTERED_BONUS = (0.0, _SUBSEQUENCE * 0.5)
# A substring loses half a point per character it starts from the beginning, up to this many.
_START_PENALTY_CAP = 100
# Bonus by word-start level: 0 inside a word, 1 at a word start, 2 a whole word.
_BONUS_BY_LEVEL = (0.0, _WORD_START_BONUS, _WORD_START_BONUS + _WHOLE_WORD_BONUS)

# Scores closer than this count as equal when deciding that no other item can reach the best.
_SAFE_MARGIN = 1e-6

# How many recent queries keep their survivors, for the next keystroke and for backspacing.
_RECENT_QUERIES = 8


@dataclass(frozen=True)
class Match:
    """An item that matched: its key, its score (higher is better), the matched indexes."""

    key: str
    score: float
    positions: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Survivors:
    """The items matching a query's terms, in no particular order, with their scores.

    `before_last` is each item's score before the last term was added, so that a query whose last
    term extends this one's last term can start from there.
    """

    indexes: list[int]
    before_last: list[float]
    totals: list[float]
    # Whether `indexes` is every item, in order: the next term can then skip gathering texts.
    every_item: bool = False
    # The last term, and the candidates not yet tested as its scattered hits with their scores
    # before it:
    # while enough substring hits outrank anything they could score, they need no testing.
    unchecked: tuple[str, list[int], list[float]] | None = None

    def candidates(self) -> list[int] | None:
        """The indexes to narrow next, None standing for every item in order."""
        return None if self.every_item else self.indexes


class FuzzyIndex:
    """Items (key, text) prepared once; `search` ranks them for a query.

    Safe to search from several threads: the only shared mutable state is the recent-query cache,
    guarded by a lock, and its entries are never modified once stored.
    """

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._keys = [key for key, _ in items]
        texts = [text for _, text in items]
        one_line_each = bool(texts) and "\n".join(texts).count("\n") == len(texts) - 1
        self._texts, self._joined = _lowered_texts(texts, one_line_each)
        # Each text with separators turned into spaces and a space on either side: a term found
        # after a space there starts a word. Made from the joined text in one go when every text
        # is one line of it.
        # Then the joined words have one line per item, newlines nowhere else.
        self._one_line_each = one_line_each
        if one_line_each:
            self._joined_words = " " + self._joined.translate(_TO_SPACE).replace("\n", " \n ") + " "
            self._words = self._joined_words.split("\n")
        else:
            self._words = [" " + text.translate(_TO_SPACE) + " " for text in self._texts]
            self._joined_words = "\n".join(self._words)
        # Shorter texts are more specific: a small tie-breaker between equal matches.
        self._tie_breakers = list(map((-0.01).__mul__, map(len, self._texts)))
        self._best_tie_breaker = max(self._tie_breakers, default=0.0)
        self._longest = max(map(len, self._texts), default=0)
        self._line_starts = [0, *accumulate(map((1).__add__, map(len, self._texts)))][:-1]
        self._framed_texts: list[str] | None = None
        self._indexes: dict[str, int] | None = None
        self._recent: OrderedDict[tuple[str, ...], _Survivors] = OrderedDict()
        self._recent_lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._keys)

    def _index_of(self, key: str) -> int | None:
        """The first item with `key` (the lookup table is made on first use)."""
        if self._indexes is None:
            self._indexes = {}
            for index, item_key in enumerate(self._keys):
                self._indexes.setdefault(item_key, index)
        return self._indexes.get(key)

    def forget(self) -> None:
        """Drop the remembered recent queries; the next search starts from scratch."""
        with self._recent_lock:
            self._recent.clear()

    def search(
        self, query: str, limit: int | None = None, *, positions: bool = True
    ) -> list[Match]:
        """Items matching every space-separated term of `query`, best first.

        An empty query returns every item in its original order. Ties keep the original order.
        With `positions=False` the matches carry no highlight positions: `highlights` gives them
        for the few items actually shown.
        """
        terms = tuple(query.lower().split())
        if not terms:
            keys = self._keys if limit is None else self._keys[:limit]
            return [Match(key, 0.0) for key in keys]
        best = None
        if len(terms) == 1 and limit is not None and limit > 0 and not self._few_to_retest(terms):
            best = self._best_among_word_hits(terms[0], limit)
        if best is None:
            best = self._best_survivors(terms, limit)
        if not positions:
            return [Match(self._keys[index], score) for score, index in best]
        # Highlight positions cost a little per item: only for the items returned.
        return [
            Match(self._keys[index], score, self._positions(terms, index)) for score, index in best
        ]

    def _few_to_retest(self, terms: tuple[str, ...]) -> bool:
        """Whether a remembered query leaves at most a quarter of the items to re-test for
        `terms` (none when `terms` itself is remembered): cheaper than any scan of all items."""
        with self._recent_lock:
            if terms in self._recent:
                return True
            start = self._recent_start(terms)
        return start is not None and len(start[0].indexes) <= len(self._keys) // 4

    def _best_survivors(self, terms: tuple[str, ...], limit: int | None) -> list[tuple[float, int]]:
        """(score, index) of the best `limit` items matching every term, from survivors."""
        survivors = self._survivors(terms)
        threshold = _limit_th_best(survivors.totals, limit)
        if survivors.unchecked is not None and not _out_of_reach(survivors, threshold):
            survivors = self._checked(terms, survivors)
            threshold = _limit_th_best(survivors.totals, limit)
        return _best(survivors, limit, threshold)

    # --- one term: the best items are often all whole-word or word-start hits -----------------

    def _best_among_word_hits(self, term: str, limit: int) -> list[tuple[float, int]] | None:
        """The best `limit` items for a one-term query when they all have `term` as a whole word,
        or all at a word start, and no other item can score as high; None otherwise.

        Bonuses put such hits in tiers that the start penalty and tie-breaker cannot cross, so
        only the items of the top tier are scored, found by splitting the joined words around
        the term: C-speed scans instead of work per item.
        """
        spaced = " " + term.translate(_TO_SPACE)
        # Terms with separators would need every hit checked against the real text: not here.
        if not self._one_line_each or not self._keys or spaced[1:] != term:
            return None
        words = self._joined_words
        # Judged from the first sixteenth: too few word starts to fill the results is likely, and
        # then the scan of all the words would be wasted.
        if words.count(spaced, 0, len(words) // 16) * 16 < limit // 2:
            return None
        at_start, whole = self._word_hits(spaced)
        if len(whole) >= limit:
            found, level = whole, 2
        elif at_start is not None and len(at_start) >= limit:
            found, level = at_start, 1
        else:
            return None
        base = _SUBSTRING + 10.0 * len(term)
        by_start = _start_scores(base, self._longest)
        starts = map(str.find, map(self._texts.__getitem__, found), repeat(term))
        if level == 2:
            bonuses: Iterable[float] = repeat(_BONUS_BY_LEVEL[2])
        else:
            levels = map((1).__add__, map(set(whole).__contains__, found))
            bonuses = map(_BONUS_BY_LEVEL.__getitem__, levels)
        term_scores = map(add, map(by_start.__getitem__, starts), bonuses)
        totals = list(map(add, map(self._tie_breakers.__getitem__, found), term_scores))
        threshold = _limit_th_best(totals, limit)
        # Any other item has a lower bonus and at best no start penalty.
        ceiling = self._best_tie_breaker + (base + _BONUS_BY_LEVEL[level - 1])
        if threshold is None or threshold <= ceiling + _SAFE_MARGIN:
            return None
        return _best(_Survivors(found, [], totals), limit, threshold)

    def _word_hits(self, spaced: str) -> tuple[list[int] | None, list[int]]:
        """Indexes of the items with `spaced` (" " + a term without separators) at a word start,
        and of those with it as a whole word, ascending. Either is None, or the whole words
        empty, when so many items hold it that scoring them the ordinary way costs no more.
        """
        pieces = self._split_words(spaced)
        if pieces is not None:
            # An occurrence belongs to the line that as many newlines precede; it is a whole
            # word when a space follows it, or the next occurrence (which took that space).
            lines = list(accumulate(map(str.count, pieces[:-1], repeat("\n"))))
            followed = map(add, pieces[1:], repeat(" "))
            whole = compress(lines, map(str.startswith, followed, repeat(" ")))
            return list(dict.fromkeys(lines)), list(dict.fromkeys(whole))
        pieces = self._split_words(spaced + " ")
        if pieces is None:
            return None, []
        return None, list(dict.fromkeys(accumulate(map(str.count, pieces[:-1], repeat("\n")))))

    def _split_words(self, needle: str) -> list[str] | None:
        """The joined words split around `needle`; None when it occurs in so many items that
        splitting does not pay."""
        words, most = self._joined_words, len(self._keys) // 2
        # Judged from the first sixteenth first, so that a common needle costs no full scan.
        if words.count(needle, 0, len(words) // 16) > most // 16 + 1:
            return None
        pieces = words.split(needle)
        return pieces if len(pieces) <= most + 1 else None

    def highlights(self, query: str, keys: Iterable[str]) -> Mapping[str, tuple[int, ...]]:
        """The highlight positions of `query` in the items `keys` (results of a search for it),
        each computed when first looked up."""
        return _Highlights(self, tuple(query.lower().split()), keys)

    # --- which items survive, with which scores ------------------------------------------------

    def _survivors(self, terms: tuple[str, ...]) -> _Survivors:
        with self._recent_lock:
            known = self._recent.get(terms)
            if known is not None:
                self._recent.move_to_end(terms)
                return known
            start = self._recent_start(terms)
        if start is None:
            survivors = self._narrow(terms[0], None, self._tie_breakers, last=len(terms) == 1)
            remaining = terms[1:]
        else:
            survivors, remaining = start
        for position, term in enumerate(remaining, start=len(terms) - len(remaining)):
            if survivors.unchecked is not None:
                survivors = self._checked(terms, survivors, remember=False)
            if not survivors.indexes:
                break
            last = position == len(terms) - 1
            survivors = self._narrow(term, survivors.candidates(), survivors.totals, last=last)
        self._remember(terms, survivors)
        return survivors

    def _checked(
        self, terms: tuple[str, ...], survivors: _Survivors, remember: bool = True
    ) -> _Survivors:
        """`survivors` with its unchecked candidates tested (remembered for `terms`, if asked).

        Builds new lists: remembered survivors are shared and never modified.
        """
        assert survivors.unchecked is not None
        term, indexes, scores = survivors.unchecked
        checked = _Survivors(
            list(survivors.indexes), list(survivors.before_last), list(survivors.totals)
        )
        texts = map(self._texts.__getitem__, indexes)
        self._add_scattered(term, indexes, texts, scores, checked)
        if remember:
            self._remember(terms, checked)
        return checked

    def _remember(self, terms: tuple[str, ...], survivors: _Survivors) -> None:
        with self._recent_lock:
            self._recent[terms] = survivors
            self._recent.move_to_end(terms)
            while len(self._recent) > _RECENT_QUERIES:
                self._recent.popitem(last=False)

    def _recent_start(self, terms: tuple[str, ...]) -> tuple[_Survivors, tuple[str, ...]] | None:
        """A recent query these terms narrow down, as (its survivors, terms still to apply).

        The last term typed further ("ad" after "a") re-tests the survivors of the shorter one,
        from their scores before it; a new term re-tests all of the previous query's survivors.
        Called with the lock held.
        """
        *head, last = terms
        for cut in range(len(last) - 1, 0, -1):
            shorter = self._recent.get((*head, last[:cut]))
            if shorter is not None:
                # Scores before the last term are the same; only the last term is scored anew.
                # Its unchecked candidates are candidates too: whatever matches the longer term
                # matches the shorter one.
                if shorter.unchecked is None:
                    restart = _Survivors(
                        shorter.indexes,
                        shorter.before_last,
                        shorter.before_last,
                        shorter.every_item,
                    )
                else:
                    _, indexes, scores = shorter.unchecked
                    before = shorter.before_last + scores
                    restart = _Survivors(shorter.indexes + indexes, before, before)
                return restart, (last,)
        if head:
            previous = self._recent.get(tuple(head))
            if previous is not None:
                # Unchecked candidates of the previous query are tested before narrowing on.
                return previous, (last,)
        return None

    def _narrow(
        self, term: str, indexes: list[int] | None, scores: Sequence[float], last: bool
    ) -> _Survivors:
        """The candidates (all items when `indexes` is None) that also match `term`, with its
        score added to theirs. Testing for scattered hits may wait if `term` is the query's last.
        """
        if indexes is None:
            candidates: Sequence[int] = range(len(self._texts))
            texts: Sequence[str] = self._texts
            if term not in self._joined:
                # No substring anywhere: every item can only be a scattered hit.
                survivors = _Survivors([], [], [])
                if len(term) > 1:
                    self._add_scattered(term, candidates, texts, scores, survivors)
                return survivors
            found = self._first_hits_everywhere(term)
        else:
            candidates = indexes
            texts = list(map(self._texts.__getitem__, indexes))
            found = list(map(str.find, texts, repeat(term)))
        if -1 not in found:
            # Common for short terms: every candidate has the substring; nothing to sort out.
            kept, before = list(candidates), list(scores)
            everything = indexes is None
            term_scores = self._substring_scores(term, kept, found, everything=everything)
            return _Survivors(kept, before, list(map(add, before, term_scores)), everything)
        is_substring = list(map((-1).__lt__, found))
        kept = list(compress(candidates, is_substring))
        before = list(compress(scores, is_substring))
        term_scores = self._substring_scores(term, kept, compress(found, is_substring))
        totals = list(map(add, before, term_scores))
        if len(term) == 1:
            # A one-letter term that is no substring is no subsequence either.
            return _Survivors(kept, before, totals)
        missed = list(map(not_, is_substring))
        if not last:
            survivors = _Survivors(kept, before, totals)
            self._add_scattered(
                term,
                compress(candidates, missed),
                compress(texts, missed),
                compress(scores, missed),
                survivors,
            )
            return survivors
        # Testing the rest as scattered hits is the costly part: left for when it matters.
        unchecked = (term, list(compress(candidates, missed)), list(compress(scores, missed)))
        return _Survivors(kept, before, totals, unchecked=unchecked)

    def _first_hits_everywhere(self, term: str) -> list[int]:
        """`text.find(term)` for every item; rare terms are located in the joined text instead."""
        joined, rare = self._joined, len(self._texts) // 16
        # A term common in the first sixteenth of the text is not rare: skip counting the rest.
        if rare and joined.count(term, 0, len(joined) // 16) > rare // 16:
            return list(map(str.find, self._texts, repeat(term)))
        count = joined.count(term)
        if count == 0:
            return [-1] * len(self._texts)
        if count > rare:
            return list(map(str.find, self._texts, repeat(term)))
        found = [-1] * len(self._texts)
        starts = self._line_starts
        position = joined.find(term)
        while position >= 0:
            item = bisect.bisect_right(starts, position) - 1
            found[item] = position - starts[item]
            # On to the next line: only the first hit in each text counts.
            position = joined.find(term, starts[item + 1]) if item + 1 < len(starts) else -1
        return found

    def _substring_scores(
        self, term: str, kept: list[int], starts: Iterable[int], everything: bool = False
    ) -> Iterable[float]:
        """Each kept item's score for `term`, found as a substring at `starts`. `everything` says
        `kept` is every item, in order."""
        base = _SUBSTRING + 10.0 * len(term)
        by_start = _start_scores(base, self._longest)
        starts_scores = map(by_start.__getitem__, starts)
        # A word start (or whole word) anywhere shows in the joined words, separators as spaces:
        # when there is none, no item needs checking.
        spaced = " " + term.translate(_TO_SPACE)
        if spaced not in self._joined_words:
            return starts_scores
        whole_anywhere = spaced + " " in self._joined_words
        if spaced[1:] == term:
            words = self._words if everything else list(map(self._words.__getitem__, kept))
            at_start = map(str.__contains__, words, repeat(spaced))
            whole = map(str.__contains__, words, repeat(spaced + " ")) if whole_anywhere else None
        else:
            # The term holds separators, which must match literally ("a-b" is not "a_b"): search
            # the text framed by spaces for a separator followed by the term.
            framed = self._framed()
            if not everything:
                framed = list(map(framed.__getitem__, kept))
            start_pattern, whole_pattern = _word_patterns(term)
            at_start = map(is_not, map(start_pattern.search, framed), repeat(None))
            whole = (
                map(is_not, map(whole_pattern.search, framed), repeat(None))
                if whole_anywhere
                else None
            )
        levels = at_start if whole is None else map(add, at_start, whole)
        return map(add, starts_scores, map(_BONUS_BY_LEVEL.__getitem__, levels))

    def _framed(self) -> list[str]:
        """Each text with a space on either side, made on first use (for terms with separators)."""
        if self._framed_texts is None:
            self._framed_texts = [" " + text + " " for text in self._texts]
        return self._framed_texts

    def _add_scattered(
        self,
        term: str,
        candidates: Iterable[int],
        texts: Iterable[str],
        scores: Iterable[float],
        into: _Survivors,
    ) -> None:
        """Append to `into` the candidates where `term` is a subsequence, scored by tightness."""
        hits = list(map(_subsequence_pattern(term).search, texts))
        matched = list(map(is_not, hits, repeat(None)))
        if not any(matched):
            return
        hits = list(compress(hits, matched))
        indexes = list(compress(candidates, matched))
        before = list(compress(scores, matched))
        starts = list(map(re.Match.start, hits))
        windows = map(sub, map(re.Match.end, hits), starts)
        tightness = map((_SUBSEQUENCE * len(term)).__truediv__, windows)
        # words[i] is the character before text[i], or a space at a word start.
        hit_words = map(self._words.__getitem__, indexes)
        at_word_start = map(str.startswith, hit_words, repeat(" "), starts)
        word_start = map(_SCATTERED_BONUS.__getitem__, at_word_start)
        into.indexes.extend(indexes)
        into.before_last.extend(before)
        into.totals.extend(map(add, before, map(add, tightness, word_start)))

    # --- highlighting --------------------------------------------------------------------------

    def _positions(self, terms: Iterable[str], index: int) -> tuple[int, ...]:
        """Indexes of the characters each term matched in item `index`, for highlighting."""
        text, words = self._texts[index], self._words[index]
        found: set[int] = set()
        for term in terms:
            hit = _match_term(term, text, words)
            if hit is None:  # cannot happen for a returned item; keep highlighting best-effort
                continue
            start, length = hit
            if length:
                found.update(range(start, start + length))
                continue
            position = start - 1
            for char in term:
                position = text.find(char, position + 1)
                found.add(position)
        return tuple(sorted(found))


class _Highlights(Mapping[str, tuple[int, ...]]):
    """Highlight positions by key, computed on first lookup: a list draws a screenful of rows,
    not every result."""

    def __init__(self, index: FuzzyIndex, terms: tuple[str, ...], keys: Iterable[str]) -> None:
        self._index = index
        self._terms = terms
        self._keys = dict.fromkeys(keys)
        self._found: dict[str, tuple[int, ...]] = {}

    def __getitem__(self, key: str) -> tuple[int, ...]:
        found = self._found.get(key)
        if found is None:
            item = self._index._index_of(key) if key in self._keys else None
            if item is None:
                raise KeyError(key)
            found = self._found[key] = self._index._positions(self._terms, item)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _out_of_reach(survivors: _Survivors, threshold: float | None) -> bool:
    """Whether no unchecked candidate could rank among the best: even a perfect scattered hit
    would leave it below `threshold`, the lowest score that makes the results (None when every
    survivor does)."""
    if survivors.unchecked is None:
        return True
    _, _, scores = survivors.unchecked
    if not scores:
        return True
    if threshold is None:
        return False
    best_scattered = _SUBSEQUENCE + _SCATTERED_BONUS[1]
    # A margin of a point keeps float rounding and ties (which go by index) on the safe side.
    return threshold > max(scores) + best_scattered + 1.0


def _limit_th_best(totals: list[float], limit: int | None) -> float | None:
    """The limit-th highest of `totals`; None when there is no limit or not that many."""
    if limit is None or limit <= 0 or len(totals) < limit:
        return None
    return sorted(totals, reverse=True)[limit - 1]


def _best(
    survivors: _Survivors, limit: int | None, threshold: float | None
) -> list[tuple[float, int]]:
    """(score, index) of the best `limit` survivors, best first, ties in original order.

    Only the items scoring at least `threshold` (the limit-th best score) are sorted with their
    indexes.
    """
    totals, indexes = survivors.totals, survivors.indexes
    if limit is not None and limit <= 0:
        return []
    if threshold is not None and limit is not None and len(totals) > limit:
        good_enough = list(map(threshold.__le__, totals))
        totals = list(compress(totals, good_enough))
        indexes = list(compress(indexes, good_enough))
    # (negated score, index) tuples compare in C: best first, ties in original order.
    ranked = sorted(zip(map(neg, totals), indexes, strict=True))
    if limit is not None:
        ranked = ranked[:limit]
    return [(-negated, index) for negated, index in ranked]


def _lowered_texts(texts: list[str], one_line_each: bool) -> tuple[list[str], str]:
    """The texts lower-cased (see `_lower`), and joined one per line with newlines inside a text
    made spaces (a term never holds whitespace, so this changes no match): one C-level scan of
    the joined text tells whether a term is rare.

    Lower-cases the joined text in one go when that keeps every length and line, as it does for
    all but a few exotic characters.
    """
    if one_line_each:
        joined = "\n".join(texts)
        lowered = joined.lower()
        # Lower-casing never shortens a character, so an unchanged total length means none grew.
        if len(lowered) == len(joined):
            return lowered.split("\n"), lowered
    each = [_lower(text) for text in texts]
    return each, "\n".join(text.replace("\n", " ") for text in each)


@lru_cache(maxsize=64)
def _start_scores(base: float, longest: int) -> list[float]:
    """A substring's score by where it starts: `base` minus the start penalty."""
    return [base - min(start, _START_PENALTY_CAP) * 0.5 for start in range(longest + 1)]


def _lower(text: str) -> str:
    """Lower-case `text` keeping its length, so match positions index the original text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters grow when lower-cased (e.g. "İ"): keep those as they are.
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in text)


@lru_cache(maxsize=64)
def _word_patterns(term: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Patterns finding `term` at a word start, and as a whole word, in lower-cased text framed by
    spaces (" " + text + " "): a separator, the term, and for a whole word another separator.

    The term comes first and the separator before it is checked looking back, so that the regex
    engine can scan for the term's literal text at C speed.
    """
    literal = re.escape(term)
    start = f"{literal}(?<=[{_SEPARATOR_CLASS}]{literal})"
    return re.compile(start, re.DOTALL), re.compile(f"{start}(?=[{_SEPARATOR_CLASS}])", re.DOTALL)


def _word_start(term: str, text: str, words: str) -> int:
    """Index in `text` of an occurrence of `term` that starts a word.

    `words` is " " + text with separators as spaces + " ", so words[i] is text[i - 1] or a space:
    finding " " + term there at i means the term starts at text[i]. A term that itself contains
    separators is checked against the real text, since "a-b" must not match "a_b".
    """
    spaced = term.translate(_TO_SPACE)
    needle = " " + spaced
    position = words.find(needle)
    while position >= 0 and spaced != term and text[position : position + len(term)] != term:
        position = words.find(needle, position + 1)
    return position


@lru_cache(maxsize=64)
def _subsequence_pattern(term: str) -> re.Pattern[str]:
    """Matches the letters of `term` in order; each gap skips only what cannot be the next letter,
    so the match is the leftmost, shortest-gapped one."""
    parts = [re.escape(term[0])]
    for char in term[1:]:
        escaped = re.escape(char)
        parts.append(f"[^{escaped}]*{escaped}")
    return re.compile("".join(parts), re.DOTALL)


def _match_term(term: str, text: str, words: str) -> tuple[int, int] | None:
    """Where `term` matches lower-cased `text`: (start, length) for a substring, preferring one at
    a word start; (start, 0) for the tightest subsequence; None when it does not match."""
    start = text.find(term)
    if start >= 0:
        word_start = _word_start(term, text, words)
        return (word_start if word_start >= 0 else start), len(term)
    match = _subsequence_pattern(term).search(text)
    if match is None:
        return None
    # Tighten: walk back from the last letter to the latest start that still matches.
    position = match.end() - 1
    for char in reversed(term[:-1]):
        position = text.rfind(char, 0, position)
    return position, 0
