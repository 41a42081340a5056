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
        self._texts = [text.lower() for _, text in items]
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
        if len(kept) < len(found):
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
        return new_indexes, new_scores

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
        word_start = words.find(" " + term.translate(_TO_SPACE))
        # words[i] is text[i - 1] or a space: a hit at words[i] starts the term at text[i].
        return (word_start if word_start >= 0 else start), len(term)
    match = _subsequence_pattern(term).search(text)
    if match is None:
        return None
    # Tighten: walk back from the last letter to the latest start that still matches.
    position = match.end() - 1
    for char in reversed(term[:-1]):
        position = text.rfind(char, 0, position)
    return position, 0
