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
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from boilerplate_detect.features import Context, FamilyResult
from boilerplate_detect.features._lexicon import load_lines
from boilerplate_detect.text import Segmented

__all__ = [
    "BLOCK",
    "MAX_ROWS",
    "MIN_SENTENCES",
    "NAMES",
    "PREFIX",
    "RANGES",
    "STEM",
    "WINDOW",
    "CoherenceResources",
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


@dataclass(frozen=True, slots=True)
class CoherenceResources:
    """What the family reads from package data.

    Attributes:
        stop: Lower-case words that are never content words.
    """

    stop: frozenset[str]


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


def extract(seg: Segmented, res: CoherenceResources, ctx: Context) -> FamilyResult:
    """Compute the ``coh.`` features of one text (``ctx`` is unused: a text alone)."""
    del ctx
    counts = stem_counts(seg.sentence_words, res.stop)
    return FamilyResult(min_cosines(counts), [])
