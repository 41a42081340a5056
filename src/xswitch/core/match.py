"""Fuzzy matching for the picker's filter, fast enough to re-rank 10,000 profiles per keystroke.

Every query term must occur in an item's text, either as a substring or as a subsequence (the
letters in order, with gaps). Substring hits rank above scattered ones, hits at the start of a word
above hits inside one, and a term that is a whole word (an account ID typed in full, say) above all.
A scattered hit is measured on its chain: the first occurrence of the term's first letter, then each
next letter the nearest one after the previous; tighter chains rank higher.

Speed comes from working on all items at once: the texts are kept in numpy string arrays, so each
step (find a term, find the next letter of every chain, add scores, pick the best) is one C loop
over 10,000 items instead of a Python call per item. Each term's scores are remembered for the
next keystroke, which usually extends it: its substring search starts where the shorter term's
hit was, and its chains continue the shorter term's with one lookup per item.

Over 400 lines on purpose: the index, the per-term score cache and the ranking work on the same
arrays, and splitting them would pass those arrays between modules on every keystroke.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import numpy as np

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
# Bonus for a scattered hit whose chain starts a word.
_SCATTERED_WORD_START_BONUS = _SUBSEQUENCE * 0.5
# A substring loses half a point per character it starts from the beginning, up to this many.
_START_PENALTY_CAP = 100
# Bonus by word-start level: 0 inside a word, 1 at a word start, 2 a whole word.
_BONUS_BY_LEVEL = (0.0, _WORD_START_BONUS, _WORD_START_BONUS + _WHOLE_WORD_BONUS)

# How many terms keep their scores and chains, for the next keystroke and for backspacing.
_RECENT_TERMS = 16
# Above this many bytes of fixed-width text arrays, variable-width ones are used (slower).
_FIXED_WIDTH_BUDGET = 64 * 1024 * 1024


class Match(NamedTuple):
    """An item that matched: its key, its score (higher is better), the matched indexes.

    A named tuple: a search makes one per result, up to a few hundred per keystroke.
    """

    key: str
    score: float
    positions: tuple[int, ...] = ()


@dataclass(frozen=True)
class _TermHits:
    """One term over every item: its score (-inf where it does not match), where its first
    substring hit starts (-1: none), and its chain (`lasts` -1: the letters are not all there)."""

    scores: np.ndarray
    found: np.ndarray
    starts: np.ndarray
    lasts: np.ndarray


class FuzzyIndex:
    """Items (key, text) prepared once; `search` ranks them for a query.

    Safe to search from several threads: the only shared mutable state is the cache of recent
    terms, guarded by a lock, and its arrays are never modified once stored.
    """

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        import numpy as np

        self._np = np
        self._keys = [key for key, _ in items]
        texts = [text for _, text in items]
        self._texts = _lowered_texts(texts) if texts else []
        # Each text with separators turned into spaces and a space on either side: words[i] is
        # the character before texts[i], or a space where a word starts there.
        self._words = [" " + text.translate(_TO_SPACE) + " " for text in self._texts]
        self._joined_words = "\n".join(self._words)
        longest = max(map(len, self._words), default=1)
        fixed = len(texts) * longest * 4 <= _FIXED_WIDTH_BUDGET
        # A newline after each text: fixed-width arrays drop trailing NULs, and no term holds one.
        self._text_array = _string_array(np, [text + "\n" for text in self._texts], fixed)
        self._word_array = _string_array(np, self._words, fixed)
        # The words as code points, one row per item (fixed width only): word starts by lookup.
        self._word_codes = (
            self._word_array.view(np.uint32).reshape(len(texts), -1) if fixed and texts else None
        )
        self._past_end = longest + 1
        # Shorter texts are more specific: a small tie-breaker between equal matches.
        self._tie_breakers = -0.01 * np.array(list(map(len, self._texts)), dtype=np.float64)
        self._indexes: dict[str, int] | None = None
        self._recent: OrderedDict[str, _TermHits] = OrderedDict()
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
        """Drop the remembered terms; the next search starts from scratch."""
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
        if limit is not None and limit <= 0:
            return []
        if not terms:
            keys = self._keys if limit is None else self._keys[:limit]
            return [Match(key, 0.0) for key in keys]
        if not self._keys:
            return []
        best = self._best(terms, limit)
        if not positions:
            return [Match(self._keys[index], score) for score, index in best]
        # Highlight positions cost a little per item: only for the items returned.
        return [
            Match(self._keys[index], score, self._positions(terms, index)) for score, index in best
        ]

    def highlights(self, query: str, keys: Iterable[str]) -> Mapping[str, tuple[int, ...]]:
        """The highlight positions of `query` in the items `keys` (results of a search for it),
        each computed when first looked up."""
        return _Highlights(self, tuple(query.lower().split()), keys)

    # --- ranking -------------------------------------------------------------------------------

    def _best(self, terms: tuple[str, ...], limit: int | None) -> list[tuple[float, int]]:
        """(score, index) of the best `limit` items matching every term, ties by index."""
        np = self._np
        totals = self._tie_breakers
        for term in terms:
            totals = totals + self._term(term).scores
        # -inf marks an item some term does not match.
        candidates = np.flatnonzero(totals > -np.inf)
        scores = totals[candidates]
        if limit is not None and len(candidates) > limit:
            # Only what scores at least the limit-th best needs sorting (ties included).
            threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            good_enough = scores >= threshold
            candidates, scores = candidates[good_enough], scores[good_enough]
        order = np.lexsort((candidates, -scores))[:limit]
        return list(zip(scores[order].tolist(), candidates[order].tolist(), strict=True))

    def _term(self, term: str) -> _TermHits:
        """The term's hits, remembered; computed from a remembered prefix of it if there is one."""
        with self._recent_lock:
            known = self._recent.get(term)
            if known is not None:
                self._recent.move_to_end(term)
                return known
            prefix = next(
                (
                    (cut, self._recent[term[:cut]])
                    for cut in range(len(term) - 1, 0, -1)
                    if term[:cut] in self._recent
                ),
                None,
            )
        hits = self._hits(term, prefix)
        with self._recent_lock:
            self._recent[term] = hits
            while len(self._recent) > _RECENT_TERMS:
                self._recent.popitem(last=False)
        return hits

    def _hits(self, term: str, prefix: tuple[int, _TermHits] | None) -> _TermHits:
        np = self._np
        texts = self._text_array
        if prefix is None:
            found = np.strings.find(texts, term)
            # The chain starts at the first letter's first occurrence: the hit of a one-letter term.
            starts = found if len(term) == 1 else np.strings.find(texts, term[0])
            lasts, done = starts, 1
        else:
            done, shorter = prefix
            # A hit of the term is a hit of its prefix at the same place, so no earlier.
            found = np.strings.find(texts, term, self._from(shorter.found, step=0))
            starts, lasts = shorter.starts, shorter.lasts
        for char in term[done:]:
            if not (lasts >= 0).any():
                break
            lasts = np.strings.find(texts, char, self._from(lasts, step=1))
        scores = np.full(len(self._keys), -np.inf)
        substring = np.flatnonzero(found >= 0)
        scores[substring] = self._substring_scores(term, substring, found[substring])
        if len(term) > 1:
            scattered = np.flatnonzero((lasts >= 0) & (found < 0))
            scores[scattered] = self._scattered_scores(
                term, scattered, starts[scattered], lasts[scattered]
            )
        return _TermHits(scores, found, starts, lasts)

    def _from(self, positions: np.ndarray, step: int) -> np.ndarray:
        """Where to look next: `step` past each position, and past every text where it is -1."""
        return self._np.where(positions >= 0, positions + step, self._past_end)

    def _substring_scores(self, term: str, items: np.ndarray, starts: np.ndarray) -> Any:
        np = self._np
        base = _SUBSTRING + 10.0 * len(term)
        scores = base - np.minimum(starts, _START_PENALTY_CAP) * 0.5
        # A word start (or whole word) anywhere shows in the joined words, separators as spaces:
        # when there is none, no item needs checking.
        spaced = " " + term.translate(_TO_SPACE)
        if spaced not in self._joined_words:
            return scores
        whole_anywhere = spaced + " " in self._joined_words
        if spaced[1:] == term:
            # Searching every item's words beats first copying out most of them.
            many = len(items) > len(self._keys) // 4
            words = self._word_array if many else self._word_array[items]
            levels = (np.strings.find(words, spaced) >= 0).astype(np.int64)
            if whole_anywhere:
                levels += np.strings.find(words, spaced + " ") >= 0
            if many:
                levels = levels[items]
        else:
            # The term holds separators, which must match literally ("a-b" is not "a_b"): search
            # the text framed by spaces for a separator followed by the term.
            start_pattern, whole_pattern = _word_patterns(term)
            framed = [" " + self._texts[item] + " " for item in items.tolist()]
            levels = np.array(
                [
                    (start_pattern.search(text) is not None)
                    + (whole_anywhere and whole_pattern.search(text) is not None)
                    for text in framed
                ],
                dtype=np.int64,
            )
        return scores + np.array(_BONUS_BY_LEVEL)[levels]

    def _scattered_scores(
        self, term: str, items: np.ndarray, starts: np.ndarray, lasts: np.ndarray
    ) -> Any:
        np = self._np
        tightness = (_SUBSEQUENCE * len(term)) / (lasts - starts + 1)
        if self._word_codes is not None:
            at_word_start = self._word_codes[items, starts] == ord(" ")
        else:
            pairs = zip(items.tolist(), starts.tolist(), strict=True)
            at_word_start = np.array([self._words[i][s] == " " for i, s in pairs], dtype=bool)
        return tightness + np.where(at_word_start, _SCATTERED_WORD_START_BONUS, 0.0)

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


def _string_array(np: Any, texts: list[str], fixed: bool) -> np.ndarray:
    """`texts` as a numpy array: fixed-width (fastest) or variable-width strings."""
    if fixed:
        return np.array(texts, dtype=str) if texts else np.array([], dtype="<U1")
    return np.array(texts, dtype=np.dtypes.StringDType())


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


def _lowered_texts(texts: list[str]) -> list[str]:
    """The texts lower-cased (see `_lower`): all in one go when that keeps every length and line,
    as it does for all but a few exotic characters."""
    joined = "\n".join(texts)
    if joined.count("\n") == len(texts) - 1:
        lowered = joined.lower()
        # Lower-casing never shortens a character, so an unchanged total length means none grew.
        if len(lowered) == len(joined):
            return lowered.split("\n")
    return [_lower(text) for text in texts]


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
