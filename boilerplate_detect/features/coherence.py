"""Family ``coh.``: does the text stay on one story, or is it stitched from several?

Farms stitch passages of several articles into one. A reported story keeps coming
back to its own people, places and words; a stitched one changes its vocabulary
abruptly at the seams. Two measures, both on the shared segmentation, neither tied to
a house style or to paragraph layout (a text reflowed into one paragraph gets the same
values):

* ``coh.window_min_cos``: the sentences are grouped in blocks of :data:`BLOCK`; at
  every block boundary the content-word profile of the :data:`WINDOW` blocks before is
  compared with that of the blocks after (cosine, as in TextTiling); the lowest value.
* ``coh.split_min_cos``: the lowest cosine between the content-word profiles of the
  text before and after any split point in its middle half (a seam between two
  stories gives a low value wherever the window sits).

Content words are lower-case alphabetic tokens of at least four letters that are not
function words, cut to their first :data:`STEM` letters (a cheap stemmer: "minister",
"ministers" and "ministerial" count as one). Texts of fewer than
:data:`MIN_SENTENCES` sentences, or with nothing to compare, read 1.0 (no seam).
This family yields no spans: a seam is a point, not a passage.

:func:`stem_counts` and :func:`min_cosines` state the measures plainly (one
sentence-by-stem matrix, one cosine per comparison); :func:`cosines` is what
:func:`extract` runs, and gives the same values bit for bit, faster: every count is
an integer and every sum of counts or of their products is exact in float64 (and in
int64), so the order of additions does not matter; the float operations that do
round (the product of the two squared norms, its square root and the division) are
the same as in :func:`min_cosines`. It finds each word's stem in a memo of word
types (:class:`StemIndex`, held by the resources) and takes every comparison from
prefix sums of the counts, never a sum per comparison.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

import numpy as np

from boilerplate_detect.features import Context, FamilyResult
from boilerplate_detect.features._lexicon import load_lines
from boilerplate_detect.text import Segmented

__all__ = [
    "BLOCK",
    "MAX_ROWS",
    "MEMO_LIMIT",
    "MIN_SENTENCES",
    "NAMES",
    "PREFIX",
    "RANGES",
    "STEM",
    "WINDOW",
    "CoherenceResources",
    "StemIndex",
    "cosines",
    "extract",
    "load",
    "min_cosines",
    "stem_counts",
]

PREFIX = "coh."
NAMES: tuple[str, ...] = ("coh.window_min_cos", "coh.split_min_cos")
RANGES: tuple[tuple[float, float], ...] = ((0.0, 1.0), (0.0, 1.0))

#: Sentences per block of ``coh.window_min_cos``.
BLOCK = 3
#: Blocks on each side of a boundary.
WINDOW = 2
#: Fewer sentences than this: every value is 1.0.
MIN_SENTENCES = 4
#: Letters kept of a content word.
STEM = 6
#: At most this many rows (sentences, or pooled runs of sentences) are compared.
MAX_ROWS = 256
#: The word memo of :class:`StemIndex` starts afresh when it holds more word types than this.
MEMO_LIMIT = 200_000


class _StemIds(dict[str, int]):
    """Word type -> stem id (1, 2, ...; dense) or 0 (not a content word); filled on first lookup.

    A lookup of a word met before is a plain dictionary lookup (``__getitem__`` at C
    speed); a new word goes through :meth:`__missing__` once. Ids are dense, so
    :meth:`max_id` bounds every id handed out.
    """

    __slots__ = ("_lock", "_stems", "_stop")

    def __init__(self, stop: frozenset[str]) -> None:
        super().__init__()
        self._stop = stop
        self._stems: dict[str, int] = {}
        self._lock = threading.Lock()

    def __missing__(self, word: str) -> int:
        with self._lock:  # new word types are rare once warm: the lock keeps ids dense and unique
            sid = 0
            if len(word) >= 4 and word not in self._stop and word.isalpha():
                sid = self._stems.setdefault(word[:STEM], len(self._stems) + 1)
            self[word] = sid
            return sid

    def max_id(self) -> int:
        """The largest stem id handed out so far."""
        return len(self._stems)

    def __reduce__(self) -> tuple[type[_StemIds], tuple[frozenset[str]]]:
        return (_StemIds, (self._stop,))  # a copy starts empty: it is a cache


class _Plan(NamedTuple):
    """What :func:`cosines` precomputes per number of rows (see :func:`_plan`)."""

    n_window: int
    n_triples: int
    row_of: np.ndarray
    prefix_lo: np.ndarray
    prefix_hi: np.ndarray


class StemIndex:
    """Per-Detector memo of :func:`cosines`: stem ids per word type, plans per row count.

    Values never depend on what the memo holds: it maps each word type to the id of
    its stem (or to 0 when the word is not a content word), and :func:`cosines` only
    asks whether two words share an id. The memo is a cache: it starts afresh (a new
    table; a text in progress keeps the table it started with) when it holds more
    than ``limit`` word types, and a pickled copy starts empty. Safe to share between
    threads.

    Args:
        stop: Words that are never content words.
        limit: The size bound of the word memo.
    """

    __slots__ = ("_local", "_plans", "_table", "limit", "stop")

    def __init__(self, stop: frozenset[str], limit: int = MEMO_LIMIT) -> None:
        self.stop = stop
        self.limit = limit
        self._table = _StemIds(stop)
        self._plans: dict[int, _Plan] = {}
        self._local = threading.local()

    def __reduce__(self) -> tuple[type[StemIndex], tuple[frozenset[str], int]]:
        return (StemIndex, (self.stop, self.limit))

    def table(self) -> _StemIds:
        """The current word -> stem id table (a new one once the old holds ``limit`` words)."""
        table = self._table
        if len(table) > self.limit:
            table = self._table = _StemIds(self.stop)
        return table

    def plan(self, rows: int) -> _Plan:
        """The precomputed comparisons of ``rows`` rows (at most :data:`MAX_ROWS` plans are kept)."""
        plan = self._plans.get(rows)
        if plan is None:
            plan = self._plans[rows] = _plan(rows)
        return plan

    def scratch(self, size: int) -> np.ndarray:
        """A per-thread scratch array of at least ``size`` entries (its contents are garbage)."""
        slot: np.ndarray | None = getattr(self._local, "slot", None)
        if slot is None or len(slot) < size:
            slot = self._local.slot = np.empty(
                max(size, 2 * len(slot) if slot is not None else 0, 4096), np.intp
            )
        return slot


@dataclass(frozen=True, slots=True)
class CoherenceResources:
    """What the family reads from package data.

    Attributes:
        stop: Lower-case words that are never content words.
        index: The memo of :func:`cosines` (made from ``stop``; a cache, see :class:`StemIndex`).
    """

    stop: frozenset[str]
    index: StemIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", StemIndex(self.stop))


def load() -> CoherenceResources:
    """Load the stop words: ``function_words.txt`` and ``cohesion_stopwords.txt`` (package data)."""
    words = {w for line in load_lines("function_words.txt") for w in line.split(":", 1)[1].split()}
    words.update(w for line in load_lines("cohesion_stopwords.txt") for w in line.split())
    return CoherenceResources(stop=frozenset(words))


def stem_counts(sentence_words: Sequence[Sequence[str]], stop: frozenset[str]) -> np.ndarray:
    """Return the sentence-by-stem count matrix of the content words.

    Args:
        sentence_words: Lower-case tokens per sentence.
        stop: Words that are never content words.

    Returns:
        Shape ``(n_sentences, n_distinct_stems)`` (at least one column): how often
        each sentence uses each stem. Above :data:`MAX_ROWS` sentences, consecutive
        sentences are pooled into :data:`MAX_ROWS` rows, so a huge text costs bounded
        memory. A content word is an alphabetic token of at least four letters not in
        ``stop``; its stem is its first :data:`STEM` letters.
    """
    stem_id: dict[str, int] = {}
    column: dict[str, int] = {}
    # First-seen order, so the columns never depend on string hashing.
    for w in dict.fromkeys(chain.from_iterable(sentence_words)):
        if len(w) >= 4 and w not in stop and w.isalpha():
            column[w] = stem_id.setdefault(w[:STEM], len(stem_id))
    n, v = len(sentence_words), max(len(stem_id), 1)
    if n > MAX_ROWS:  # bound the matrix: consecutive sentences share a row
        rows = [i * MAX_ROWS // n for i in range(n)]
        n = MAX_ROWS
    else:
        rows = list(range(n))
    cells = [r * v + column[w] for r, ws in zip(rows, sentence_words, strict=True) for w in ws if w in column]
    return np.bincount(np.asarray(cells, dtype=np.intp), minlength=n * v).reshape(n, v).astype(np.float64)


def _sides(n: int) -> tuple[list[tuple[int, int, int]], int]:
    """The row triples ``(a, b, c)`` both measures compare: rows ``[a, b)`` against ``[b, c)``.

    Returns ``(triples, n_window)``: the window boundaries first, then the splits.
    """
    starts = list(range(0, n, BLOCK))
    if len(starts) > 1 and n - starts[-1] < 2:
        starts.pop()
    triples: list[tuple[int, int, int]] = []
    if len(starts) >= 3:
        edges = [*starts, n]
        nb = len(starts)
        triples = [(edges[max(0, b - WINDOW)], edges[b], edges[min(nb, b + WINDOW)]) for b in range(1, nb)]
    n_window = len(triples)
    if n >= MIN_SENTENCES:
        triples.extend((0, k, n) for k in range(max(2, n // 4), min(n - 1, 3 * n // 4) + 1))
    return triples, n_window


def min_cosines(counts: np.ndarray) -> tuple[float, float]:
    """Return ``(window_min_cos, split_min_cos)`` of a sentence-by-stem count matrix.

    ``window_min_cos``: sentences are grouped in blocks of :data:`BLOCK` (a last block
    of one sentence joins the block before); at every block boundary, the cosine
    between the :data:`WINDOW` blocks before and the :data:`WINDOW` blocks after; the
    lowest. 1.0 below three blocks.

    ``split_min_cos``: the lowest cosine between the text before and after a split at
    sentence boundary ``k``, ``max(2, n // 4) <= k <= min(n - 1, 3 * n // 4)`` for
    ``n`` sentences. 1.0 below :data:`MIN_SENTENCES` sentences.

    A side without content words reads 0.0; a text without any reads 1.0 for both.

    Args:
        counts: The sentence-by-stem count matrix (:func:`stem_counts`).

    Returns:
        Both values, each in [0, 1].
    """
    n = counts.shape[0]
    triples, n_window = _sides(n)
    if not triples or not counts.any():
        return 1.0, 1.0
    t = np.asarray(triples, dtype=np.intp)
    lo = np.concatenate([t[:, 0], t[:, 1]])[:, None]
    hi = np.concatenate([t[:, 1], t[:, 2]])[:, None]
    rows = np.arange(n)
    sums = ((rows >= lo) & (rows < hi)).astype(np.float64) @ counts
    left, right = sums[: len(t)], sums[len(t) :]
    dot = np.einsum("ij,ij->i", left, right)
    norm = np.sqrt(np.einsum("ij,ij->i", left, left) * np.einsum("ij,ij->i", right, right))
    cos = np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)
    window = min(float(cos[:n_window].min()), 1.0) if n_window else 1.0
    split = min(float(cos[n_window:].min()), 1.0) if len(t) > n_window else 1.0
    return max(window, 0.0), max(split, 0.0)


def _plan(rows: int) -> _Plan:
    """Precompute what :func:`cosines` needs for ``rows`` rows.

    With ``P[x]`` the stem counts of rows ``[0, x)`` (a prefix sum), the side
    ``[a, b)`` of a comparison is ``P[b] - P[a]``: ``prefix_lo`` and ``prefix_hi`` are
    the ``a`` and ``b`` of every side, the left sides of the triples of :func:`_sides`
    first, then their right sides. ``row_of`` is ``1 + row`` of each row (column 0 of
    the prefix sums is the empty prefix).
    """
    triples, n_window = _sides(rows)
    t = np.asarray(triples, dtype=np.intp).reshape(-1, 3)
    return _Plan(
        n_window=n_window,
        n_triples=len(t),
        row_of=np.arange(1, rows + 1),
        prefix_lo=np.concatenate([t[:, 0], t[:, 1]]),
        prefix_hi=np.concatenate([t[:, 1], t[:, 2]]),
    )


def _lowest(
    dots: Sequence[float], left: Sequence[float], right: Sequence[float], n_window: int
) -> tuple[float, float]:
    """``(window_min_cos, split_min_cos)`` from the exact products of every compared pair of sides.

    The same float operations as :func:`min_cosines`: ``dot / sqrt(|L|^2 * |R|^2)``,
    0.0 when a side is empty, each minimum clipped to [0, 1].
    """
    sqrt = math.sqrt
    cos = [d / sqrt(x * y) if x and y else 0.0 for d, x, y in zip(dots, left, right, strict=True)]
    window = min(min(cos[:n_window]), 1.0) if n_window else 1.0
    split = min(min(cos[n_window:]), 1.0) if len(cos) > n_window else 1.0
    return max(window, 0.0), max(split, 0.0)


def cosines(
    sentence_words: Sequence[Sequence[str]], index: StemIndex, words: Sequence[str] | None = None
) -> tuple[float, float]:
    """Return ``(window_min_cos, split_min_cos)``: ``min_cosines(stem_counts(...))``, bit for bit, faster.

    Args:
        sentence_words: Lower-case tokens per sentence.
        index: The family's memo (``CoherenceResources.index``).
        words: The tokens of all sentences in order, when the caller has them
            (``Segmented.words``); joined from ``sentence_words`` otherwise.

    Returns:
        Both values, each in [0, 1].
    """
    n = len(sentence_words)
    if n < MIN_SENTENCES:
        return 1.0, 1.0
    if words is None:
        words = list(chain.from_iterable(sentence_words))
    table = index.table()
    ids = np.fromiter(map(table.__getitem__, words), dtype=np.intp, count=len(words))
    content = ids != 0
    ids = ids[content]
    m = len(ids)
    if not m:
        return 1.0, 1.0
    rows = min(n, MAX_ROWS)
    plan = index.plan(rows)
    # The row of every sentence (consecutive sentences share one above MAX_ROWS, as in stem_counts).
    row_of = plan.row_of if n == rows else plan.row_of[np.arange(n) * rows // n]
    word_rows = np.repeat(row_of, list(map(len, sentence_words)))[content]
    # A column per stem, numbered 0..v-1: the slot of each stem id receives the position of
    # one of its occurrences (which one does not matter), so distinct stems get distinct
    # positions below m; then the positions in use are numbered in order.
    slot = index.scratch(table.max_id() + 1)
    slot[ids] = np.arange(m)
    position = slot[ids]
    column = np.zeros(m, dtype=np.intp)
    column[position] = 1
    np.cumsum(column, out=column)
    w = rows + 1
    cells = column[position]
    cells -= 1
    cells *= w
    cells += word_rows
    # Running sums over every stem's w cells in turn (cell 0 of each is empty): the prefix
    # sums of a stem carry the total of the stems before it, which every difference of
    # two prefix rows below cancels. Transposed, so that a prefix row is contiguous.
    prefix = np.bincount(cells, minlength=int(column[-1]) * w).cumsum().reshape(-1, w).T.copy()
    sides = prefix[plan.prefix_hi]
    sides -= prefix[plan.prefix_lo]
    t = plan.n_triples
    squares = np.einsum("ij,ij->i", sides, sides).tolist()
    dots = np.einsum("ij,ij->i", sides[:t], sides[t:]).tolist()
    return _lowest(dots, squares[:t], squares[t:], plan.n_window)


def extract(seg: Segmented, res: CoherenceResources, ctx: Context) -> FamilyResult:
    """Compute the ``coh.`` features of one text (``ctx`` is unused: a text alone)."""
    del ctx
    return FamilyResult(cosines(seg.sentence_words, res.index, seg.words), [])
