"""Fuzzy matching for the picker's filter, fast enough to re-rank 10,000 profiles per keystroke.

Every query term must occur in an item's text, either as a substring or as a subsequence (the
letters in order, with gaps). Substring hits rank above scattered ones, hits at the start of a word
above hits inside one, and a term that is a whole word (an account ID typed in full, say) above all.
The work per item is a few `str.find` calls, which run at C speed; scoring details and highlight
positions are computed only for items that survive, and positions only for those returned.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Sequence
from dataclasses import dataclass

# Characters that separate words in profile names, ARNs, tags and the like.
_SEPARATORS = " -_./:@,=+|()[]{}"
_TO_SPACE = str.maketrans(dict.fromkeys(_SEPARATORS, " "))

# Score weights: any substring beats any subsequence, and the bonuses order substrings among
# themselves.
_SUBSTRING = 1000.0
_WORD_START_BONUS = 400.0
_WHOLE_WORD_BONUS = 300.0
_SUBSEQUENCE = 100.0


@dataclass(frozen=True)
class Match:
    """An item that matched: its key, its score (higher is better), the matched indexes."""

    key: str
    score: float
    positions: tuple[int, ...] = ()


class FuzzyIndex:
    """Items (key, text) prepared once; `search` ranks them for a query."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._keys = [key for key, _ in items]
        self._texts = [_lower(text) for _, text in items]
        # The text with separators turned into spaces and a space in front: a term found after a
        # space there starts a word.
        self._words = [" " + text.translate(_TO_SPACE) + " " for text in self._texts]
        # Shorter texts are more specific: a small tie-breaker between equal matches.
        self._tie_breakers = [-len(text) * 0.01 for text in self._texts]

    def __len__(self) -> int:
        return len(self._keys)

    def search(self, query: str, limit: int | None = None) -> list[Match]:
        """Items matching every space-separated term of `query`, best first.

        An empty query returns every item in its original order. Ties keep the original order.
        """
        terms = query.lower().split()
        if not terms:
            keys = self._keys if limit is None else self._keys[:limit]
            return [Match(key, 0.0) for key in keys]
        indexes: Sequence[int] = range(len(self._texts))
        scores: Sequence[float] = self._tie_breakers
        for term in terms:
            indexes, scores = self._narrow(term, indexes, scores)
            if not indexes:
                return []
        # (negated score, index) tuples compare in C: best first, ties in original order.
        order = zip([-score for score in scores], indexes, strict=True)
        ranked = sorted(order) if limit is None else heapq.nsmallest(limit, order)
        # Highlight positions cost a little per item: only for the items returned.
        return [
            Match(self._keys[index], -negated, self._positions(terms, index))
            for negated, index in ranked
        ]

    def _narrow(
        self, term: str, indexes: Sequence[int], scores: Sequence[float]
    ) -> tuple[list[int], list[float]]:
        """The candidates that also match `term`, with its score added.

        Written as comprehensions over `str.find` and one compiled pattern so that the per-item
        work runs in C: this is the loop that has to handle 10,000 items per keystroke.
        """
        texts, words = self._texts, self._words
        candidates = texts if len(indexes) == len(texts) else [texts[i] for i in indexes]
        found = [text.find(term) for text in candidates]
        word_start = " " + term.translate(_TO_SPACE)
        whole_word = word_start + " "
        if word_start[1:] != term:
            # Rare: the term holds separators; check each hit against the real text.
            return self._narrow_exact(term, indexes, scores, found, candidates)
        base = _SUBSTRING + 10.0 * len(term)
        kept = [
            (index, score + base - min(start, 100) * 0.5)
            for index, score, start in zip(indexes, scores, found, strict=True)
            if start >= 0
        ]
        new_indexes = [index for index, _ in kept]
        new_scores = [
            score
            + (
                (_WORD_START_BONUS + (_WHOLE_WORD_BONUS if whole_word in words[index] else 0.0))
                if word_start in words[index]
                else 0.0
            )
            for index, score in kept
        ]
        self._add_scattered(term, indexes, scores, found, candidates, new_indexes, new_scores)
        return new_indexes, new_scores

    def _narrow_exact(
        self,
        term: str,
        indexes: Sequence[int],
        scores: Sequence[float],
        found: list[int],
        candidates: Sequence[str],
    ) -> tuple[list[int], list[float]]:
        """`_narrow` for a term containing separators, one item at a time."""
        texts, words = self._texts, self._words
        base = _SUBSTRING + 10.0 * len(term)
        new_indexes: list[int] = []
        new_scores: list[float] = []
        for index, score, start in zip(indexes, scores, found, strict=True):
            if start < 0:
                continue
            text, spaced = texts[index], words[index]
            if _word_start(term, text, spaced) >= 0:
                score += _WORD_START_BONUS
                if _word_start(term, text, spaced, whole=True) >= 0:
                    score += _WHOLE_WORD_BONUS
            new_indexes.append(index)
            new_scores.append(score + base - min(start, 100) * 0.5)
        self._add_scattered(term, indexes, scores, found, candidates, new_indexes, new_scores)
        return new_indexes, new_scores

    def _add_scattered(
        self,
        term: str,
        indexes: Sequence[int],
        scores: Sequence[float],
        found: list[int],
        candidates: Sequence[str],
        new_indexes: list[int],
        new_scores: list[float],
    ) -> None:
        """Append the items where `term` is no substring but a subsequence, scored by tightness."""
        words = self._words
        if len(new_indexes) < len(found):
            pattern = _subsequence_pattern(term).search
            scattered = [
                (index, score, hit)
                for index, score, start, text in zip(
                    indexes, scores, found, candidates, strict=True
                )
                if start < 0 and (hit := pattern(text)) is not None
            ]
            weight = _SUBSEQUENCE * len(term)
            new_indexes.extend(index for index, _, _ in scattered)
            new_scores.extend(
                score
                + weight / (hit.end() - hit.start())
                + (_SUBSEQUENCE * 0.5 if words[index][hit.start()] == " " else 0.0)
                for index, score, hit in scattered
            )

    def _positions(self, terms: list[str], index: int) -> tuple[int, ...]:
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


def _lower(text: str) -> str:
    """Lower-case `text` keeping its length, so match positions index the original text."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters grow when lower-cased (e.g. "İ"): keep those as they are.
    return "".join(char.lower() if len(char.lower()) == 1 else char for char in text)


def _word_start(term: str, text: str, words: str, whole: bool = False) -> int:
    """Index in `text` of an occurrence of `term` that starts a word (and ends one, if `whole`).

    `words` is " " + text with separators as spaces + " ", so words[i] is text[i - 1] or a space:
    finding " " + term there at i means the term starts at text[i]. A term that itself contains
    separators is checked against the real text, since "a-b" must not match "a_b".
    """
    spaced = term.translate(_TO_SPACE)
    needle = " " + spaced + (" " if whole else "")
    position = words.find(needle)
    while position >= 0 and spaced != term and text[position : position + len(term)] != term:
        position = words.find(needle, position + 1)
    return position


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
