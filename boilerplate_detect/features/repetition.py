"""Repetition features (``rep.``): duplicate lines and paragraphs, repeated n-grams, redundancy.

The Gopher / MassiveText quality rules (Rae et al., 2021, *Scaling Language Models:
Methods, Analysis & Insights from Training Gopher*, appendix A, table A1) remove a
document when any of these fractions exceeds its threshold:

* duplicate lines / lines: 0.30 (:data:`GOPHER_DUP_LINE_FRAC`);
* duplicate paragraphs / paragraphs: 0.30 (:data:`GOPHER_DUP_PARA_FRAC`);
* characters in duplicate lines: 0.20 (:data:`GOPHER_DUP_LINE_CHAR_FRAC`);
* characters in duplicate paragraphs: 0.20 (:data:`GOPHER_DUP_PARA_CHAR_FRAC`);
* characters in the most frequent 2-, 3-, 4-gram: 0.20, 0.18, 0.16
  (:data:`GOPHER_TOP_NGRAM_CHAR_FRAC`);
* characters in duplicate 5-, 6-, ... 10-grams: 0.15, 0.14, ... 0.10
  (:data:`GOPHER_DUP_NGRAM_CHAR_FRAC`).

This family reports the fractions themselves (the model learns its own cut points)
plus three measures of redundancy that the Gopher rules lack: the zlib compression
ratio (length-adjusted, see :data:`COMPRESSION_CURVE`), the moving-average type-token
ratio (MATTR) and how often one content phrase repeats. Every value is a fraction or a
rate, not a count, and the word-level values do not change when the same text is reflowed
into fewer paragraphs (the line and paragraph fractions are 0.0 for a one-line text).
The top n-gram fractions still run higher on short texts: in 150 words the most frequent
2-gram covers a larger share than in 700.

Character counts are over word characters (the lower-cased tokens of
:attr:`~boilerplate_detect.text.Segmented.words`, spaces and punctuation not counted).
Word and n-gram identity uses a deterministic 64-bit polynomial hash computed with
numpy, never Python's ``hash()``.
"""

from __future__ import annotations

import bisect
import logging
import math
import zlib
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate

import numpy as np
import numpy.typing as npt

from boilerplate_detect.features import Context, FamilyResult, RawSpan
from boilerplate_detect.features._lexicon import load_lines
from boilerplate_detect.text import _WORD, Segmented  # _WORD: the segmentation's word pattern

__all__ = [
    "COMPRESSION_CURVE",
    "COMPRESSION_CURVE_RANGE",
    "COMPRESSION_LEVEL",
    "DUP_NGRAMS",
    "EMPTY_VALUES",
    "GOPHER_DUP_LINE_CHAR_FRAC",
    "GOPHER_DUP_LINE_FRAC",
    "GOPHER_DUP_NGRAM_CHAR_FRAC",
    "GOPHER_DUP_PARA_CHAR_FRAC",
    "GOPHER_DUP_PARA_FRAC",
    "GOPHER_TOP_NGRAM_CHAR_FRAC",
    "MATTR_WINDOW",
    "MAX_SPANS",
    "NAMES",
    "PHRASE_MIN_CONTENT",
    "PHRASE_N",
    "PHRASE_SPAN_MIN_COUNT",
    "PREFIX",
    "RANGES",
    "TOP_NGRAMS",
    "Resources",
    "expected_compression_ratio",
    "extract",
    "load",
]

logger = logging.getLogger(__name__)

PREFIX = "rep."

#: Gopher: a document whose duplicate lines exceed this fraction of its lines is removed.
GOPHER_DUP_LINE_FRAC = 0.30
#: Gopher: the same for paragraphs.
GOPHER_DUP_PARA_FRAC = 0.30
#: Gopher: ... whose characters in duplicate lines exceed this fraction.
GOPHER_DUP_LINE_CHAR_FRAC = 0.20
#: Gopher: the same for paragraphs.
GOPHER_DUP_PARA_CHAR_FRAC = 0.20
#: Gopher: ``(n, threshold)`` for the characters in the most frequent n-gram.
GOPHER_TOP_NGRAM_CHAR_FRAC: tuple[tuple[int, float], ...] = ((2, 0.20), (3, 0.18), (4, 0.16))
#: Gopher: ``(n, threshold)`` for the characters in duplicate n-grams.
GOPHER_DUP_NGRAM_CHAR_FRAC: tuple[tuple[int, float], ...] = (
    (5, 0.15),
    (6, 0.14),
    (7, 0.13),
    (8, 0.12),
    (9, 0.11),
    (10, 0.10),
)

#: The n of the top n-gram features.
TOP_NGRAMS: tuple[int, ...] = (2, 3, 4)
#: The n of the duplicate n-gram features (a subset of Gopher's 5..10).
DUP_NGRAMS: tuple[int, ...] = (5, 7, 10)
#: zlib level of ``rep.compression_excess`` (1 = fastest; the ratio is what matters, not the size).
COMPRESSION_LEVEL = 1
#: Expected compression ratio of ordinary news prose of ``b`` bytes (space-joined words):
#: ``c2 * x**2 + c1 * x + c0`` with ``x = ln(b)`` clipped to :data:`COMPRESSION_CURVE_RANGE`.
#: Short texts compress worse than long ones whatever their content (0.60 at 300 bytes, 0.47
#: at 4,000), so the raw ratio mostly measures length: a 150-word original scored like a
#: machine rewrite. Fitted (least squares) on 500 BBC and AllSides originals cut at 40 to
#: 1,200 words; on held-out originals the adjusted value no longer separates full articles
#: from their 150-word one-paragraph cuts (AUC 0.45) and still separates padded copies
#: (AUC 0.80).
COMPRESSION_CURVE: tuple[float, float, float] = (
    0.014849059633874237,
    -0.2614327924563559,
    1.6121069451543515,
)
#: ``ln(bytes)`` range of the curve: below, texts are too short to matter; above, the curve's
#: minimum (about 6,650 bytes), beyond which the expected ratio stays flat.
COMPRESSION_CURVE_RANGE: tuple[float, float] = (3.912, 8.802)
#: Window of the moving-average type-token ratio, in words.
MATTR_WINDOW = 50
#: Length in words of the phrases ``rep.max_phrase_repeat`` counts.
PHRASE_N = 4
#: A phrase counts only when at least this many of its words are content (non-function) words.
PHRASE_MIN_CONTENT = 2
#: A phrase repeated at least this many times gets a ``repetition`` span on each repeat.
PHRASE_SPAN_MIN_COUNT = 3
#: At most this many spans of each kind (duplicate line, repeated phrase) per text.
MAX_SPANS = 100

NAMES: tuple[str, ...] = (
    "rep.dup_line_frac",
    "rep.dup_line_char_frac",
    "rep.dup_para_frac",
    "rep.dup_para_char_frac",
    "rep.top_2gram_char_frac",
    "rep.top_3gram_char_frac",
    "rep.top_4gram_char_frac",
    "rep.dup_5gram_char_frac",
    "rep.dup_7gram_char_frac",
    "rep.dup_10gram_char_frac",
    "rep.compression_excess",
    "rep.mattr",
    "rep.max_phrase_repeat",
)
RANGES: tuple[tuple[float, float], ...] = (
    *([(0.0, 1.0)] * 10),
    (-1.0, 1.0),
    (0.0, 1.0),
    (0.0, 100.0),
)
#: Values for a text without words: no repetition at all.
EMPTY_VALUES: tuple[float, ...] = (*([0.0] * 10), 0.0, 1.0, 0.0)

_U64 = np.uint64
_P = 0x100000001B3  # FNV-64 prime: odd, so invertible modulo 2**64
_Q = 0x9E3779B97F4A7C15  # golden-ratio constant, combines word hashes into n-gram hashes
_MIX = 0xBF58476D1CE4E5B9  # splitmix64 multiplier
_POWERS_LEN = 1 << 16  # precomputed powers cover texts of up to this many characters

U64Array = npt.NDArray[np.uint64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Resources:
    """What :func:`load` returns: hash powers and the function-word hashes.

    Attributes:
        powers: ``P**k`` modulo ``2**64`` for ``k < len(powers)``.
        inv_powers: ``P**-k`` modulo ``2**64``.
        function_hashes: Sorted word hashes of the function words.
        function_table: A collision-free hash table of ``function_hashes``: a word hash ``h``
            is a function word's iff ``function_table[(h >> function_shift) & mask] == h``
            (``mask = len(function_table) - 1``); empty slots hold a function-word hash that
            belongs to another slot, so the test is exact. Empty when none was found.
        function_shift: The shift of that table.
    """

    powers: U64Array
    inv_powers: U64Array
    function_hashes: U64Array
    function_table: U64Array = field(default_factory=lambda: np.zeros(0, _U64))
    function_shift: int = 0


def _powers(base: int, n: int) -> U64Array:
    out = np.empty(n, dtype=_U64)
    out[0] = 1
    if n > 1:
        np.cumprod(np.full(n - 1, base, dtype=_U64), out=out[1:])
    return out


def _word_hashes(joined: str, res: Resources) -> tuple[U64Array, IntArray]:
    """Return a 64-bit hash and the length of every word of the space-joined ``joined``.

    No Python loop per word: the hashes are differences of one prefix sum over the
    characters' code points.
    """
    joined += " "
    if joined.isascii():  # code points are the bytes: no UTF-32 copy needed
        codes = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).astype(_U64)
    else:
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(_U64)
    n = len(codes)
    pw, ipw = res.powers, res.inv_powers
    if n > len(pw):
        pw, ipw = _powers(_P, n), _powers(pow(_P, -1, 1 << 64), n)
    prefix = np.zeros(n + 1, dtype=_U64)
    (codes * pw[:n]).cumsum(out=prefix[1:])
    ends = (codes == 32).nonzero()[0]
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    h = (prefix[ends] - prefix[starts]) * ipw[starts]  # position-independent
    h ^= h >> _U64(31)
    h *= _U64(_MIX)
    return h, (ends - starts).astype(np.int64)


def load() -> Resources:
    """Load this family's resources: the function-word list (package data) and hash powers.

    Returns:
        The :class:`Resources` passed back to :func:`extract`.
    """
    words = sorted({w for line in load_lines("function_words.txt") for w in line.split(":", 1)[1].split()})
    res = Resources(_powers(_P, _POWERS_LEN), _powers(pow(_P, -1, 1 << 64), _POWERS_LEN), np.zeros(0, _U64))
    fh, _ = _word_hashes(" ".join(words), res)
    fh = np.sort(fh)
    table, shift = _hash_table(fh)
    return Resources(res.powers, res.inv_powers, fh, table, shift)


def _hash_table(keys: U64Array) -> tuple[U64Array, int]:
    """A table indexed by bits of the keys in which no two keys collide (see :class:`Resources`)."""
    if len(keys) == 0:
        return np.zeros(0, _U64), 0
    for bits in range(max(len(keys).bit_length() + 4, 8), 21):
        mask = _U64((1 << bits) - 1)
        for shift in range(64 - bits + 1):
            slots = (keys >> _U64(shift)) & mask
            if len(np.unique(slots)) == len(keys):
                table = np.full(1 << bits, keys[0], dtype=_U64)
                table[slots] = keys
                # keys[0]'s own slot holds keys[0]; every other slot holding it is empty.
                return table, shift
    return np.zeros(0, _U64), 0


def _is_function_word(h: U64Array, res: Resources) -> npt.NDArray[np.bool_]:
    table = res.function_table
    if len(table):
        found: npt.NDArray[np.bool_] = table[(h >> _U64(res.function_shift)) & _U64(len(table) - 1)] == h
        return found
    idx = np.searchsorted(res.function_hashes, h)
    found = res.function_hashes[np.minimum(idx, len(res.function_hashes) - 1)] == h
    return found


def _dup_text_fracs(texts: list[str]) -> tuple[float, float]:
    """Fraction of items that repeat an earlier item, and the fraction of characters in them."""
    if len(set(texts)) == len(texts):  # also covers no texts
        return 0.0, 0.0
    counts = Counter(texts)
    total = sum(len(t) for t in texts)
    dup_n = sum(c - 1 for c in counts.values())
    dup_chars = sum((c - 1) * len(t) for t, c in counts.items())
    return dup_n / len(texts), (dup_chars / total if total else 0.0)


def _runs(sorted_vals: U64Array) -> npt.NDArray[np.bool_]:
    """Where each run of equal values starts, along the last axis."""
    new = np.empty(sorted_vals.shape, dtype=bool)
    new[..., :1] = True
    np.not_equal(sorted_vals[..., 1:], sorted_vals[..., :-1], out=new[..., 1:])
    return new


def _ngram(prev: U64Array, h: U64Array, n: int) -> U64Array:
    """Hashes of every n-gram from the hashes ``prev`` of every (n - 1)-gram."""
    if len(prev) <= 1:
        return np.zeros(0, dtype=_U64)
    out: U64Array = prev[:-1] * _U64(_Q) + h[n - 1 :]
    return out


def _most_frequent(g: U64Array) -> tuple[int, int]:
    """Count of the most frequent value of ``g`` (ties: the smallest value) and its first position."""
    n = len(g)
    if n == 0:
        return 0, 0
    s = g.copy()
    s.sort()
    new = np.empty(n + 1, dtype=bool)  # where a run of equal values starts (and the end)
    new[0] = new[n] = True
    np.not_equal(s[1:], s[:-1], out=new[1:n])
    starts = new.nonzero()[0]
    if len(starts) == n + 1:
        return 1, 0  # all distinct
    lengths = starts[1:] - starts[:-1]
    k = int(lengths.argmax())  # the first longest run: ties go to the smallest value
    return int(lengths[k]), int((g == s[starts[k]]).argmax())


def _later(g: U64Array) -> IntArray:
    """Sorted positions of every occurrence, after the first, of a repeated value of ``g``."""
    if len(g) < 2:
        return np.zeros(0, dtype=np.int64)
    order = g.argsort(kind="stable")
    out: IntArray = order[~_runs(g[order])]
    out.sort()
    return out


def _cover(later: IntArray, n: int, n_words: int) -> npt.NDArray[np.bool_]:
    """Words covered by the n-grams starting at ``later``."""
    delta = np.bincount(later, minlength=n_words + n) - np.bincount(later + n, minlength=n_words + n)
    covered: npt.NDArray[np.bool_] = delta[:n_words].cumsum() > 0
    return covered


def _mattr(h: U64Array) -> float:
    """Moving-average type-token ratio with window :data:`MATTR_WINDOW` (plain TTR when shorter)."""
    n_words = len(h)
    order = h.argsort(kind="stable")
    new = _runs(h[order])
    w = MATTR_WINDOW
    if n_words < w:
        return float(np.count_nonzero(new)) / n_words
    prev = np.empty(n_words, dtype=np.int64)
    prev.fill(-1)
    same = ~new[1:]
    prev[order[1:][same]] = order[:-1][same]
    i = np.arange(n_words, dtype=np.int64)
    # Word i is new in window [s, s + w) iff prev[i] < s <= i; count such windows for every i.
    lo = np.maximum(prev + 1, i - (w - 1))  # prev >= -1, so lo >= 0
    hi = np.minimum(i, n_words - w)
    span = hi - lo + 1
    return float(span[span > 0].sum()) / ((n_words - w + 1) * w)


def expected_compression_ratio(n_bytes: int) -> float:
    """Compression ratio of ordinary news prose of ``n_bytes`` bytes (:data:`COMPRESSION_CURVE`).

    Args:
        n_bytes: Length of the space-joined words, in UTF-8 bytes.

    Returns:
        The expected ratio, between about 0.46 (long texts) and 0.82 (50 bytes or fewer).
    """
    lo, hi = COMPRESSION_CURVE_RANGE
    x = min(max(math.log(max(n_bytes, 1)), lo), hi)
    c2, c1, c0 = COMPRESSION_CURVE
    return (c2 * x + c1) * x + c0


def _compression_excess(joined: str) -> float:
    raw = joined.encode("utf-8")
    # Minus the zlib container (2-byte header, 4-byte checksum): the raw deflate size.
    ratio = (len(zlib.compress(raw, COMPRESSION_LEVEL)) - 6) / len(raw)
    return ratio - expected_compression_ratio(len(raw))


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _line_spans(seg: Segmented, keys: list[str]) -> list[RawSpan]:
    seen: set[str] = set()
    spans: list[RawSpan] = []
    for i, k in enumerate(keys):
        if k in seen:
            s, e = seg.lines[i]
            spans.append(RawSpan(s, e, "repetition", "duplicate line"))
            if len(spans) >= MAX_SPANS:
                break
        seen.add(k)
    return spans


def extract(seg: Segmented, res: Resources, ctx: Context) -> FamilyResult:
    """Compute the repetition features of one text.

    Values, in :data:`NAMES` order:

    * ``rep.dup_line_frac`` / ``rep.dup_para_frac``: lines (paragraphs) that repeat an earlier
      one, compared lower-cased, over all lines (paragraphs). Range [0, 1].
    * ``rep.dup_line_char_frac`` / ``rep.dup_para_char_frac``: characters in those repeats
      over the characters of all lines (paragraphs). Range [0, 1].
    * ``rep.top_{2,3,4}gram_char_frac``: word characters in all occurrences of the most
      frequent word n-gram (ties: the longest), over all word characters; 0.0 when no
      n-gram occurs twice. Range [0, 1].
    * ``rep.dup_{5,7,10}gram_char_frac``: word characters covered by any occurrence, after
      the first, of a repeated word n-gram, over all word characters. Range [0, 1].
    * ``rep.compression_excess``: raw-deflate size (level :data:`COMPRESSION_LEVEL`) of the
      space-joined words over their size, minus :func:`expected_compression_ratio` for that
      size; below 0 is more redundant than ordinary prose of the same length. Range [-1, 1].
    * ``rep.mattr``: moving-average type-token ratio, window :data:`MATTR_WINDOW` (plain TTR
      for shorter texts). Range [0, 1].
    * ``rep.max_phrase_repeat``: ``(c - 1) * 100 / n_words`` where ``c`` is the count of the most
      repeated :data:`PHRASE_N`-word phrase with at least :data:`PHRASE_MIN_CONTENT` content
      words; 0.0 when none repeats. Range [0, 100].

    A text without words gives :data:`EMPTY_VALUES` (no repetition: fractions 0.0,
    compression excess 0.0, MATTR 1.0).

    Spans (kind ``repetition``, normalised offsets): every line that repeats an earlier
    line, and every occurrence after the first of a content phrase repeated at least
    :data:`PHRASE_SPAN_MIN_COUNT` times (at most :data:`MAX_SPANS` of each).

    Args:
        seg: The segmented text.
        res: What :func:`load` returned.
        ctx: Unused (this family reads the text alone).

    Returns:
        The values and spans.
    """
    words = seg.words
    n_words = len(words)
    spans: list[RawSpan] = []
    line_keys = [seg.text[s:e].lower() for s, e in seg.lines]
    line_frac, line_chars = _dup_text_fracs(line_keys)
    if line_frac > 0.0:
        spans.extend(_line_spans(seg, line_keys))
    if len(seg.paragraphs) == len(seg.lines):
        para_frac, para_chars = line_frac, line_chars
    else:
        para_frac, para_chars = _dup_text_fracs([seg.text[s:e].lower() for s, e in seg.paragraphs])
    if n_words == 0:
        return FamilyResult((line_frac, line_chars, para_frac, para_chars, *EMPTY_VALUES[4:]), spans)

    joined = seg.joined_words()
    h, lens = _word_hashes(joined, res)
    total_chars = int(lens.sum())

    grams = {1: h}
    for n in range(2, max(max(TOP_NGRAMS), PHRASE_N) + 1):
        grams[n] = _ngram(grams[n - 1], h, n)

    # Top n-grams: the most frequent n-gram (ties: the first in hash order) and its characters.
    top = []
    repeats: dict[int, bool] = {}  # n -> whether some n-gram occurs twice
    for n in TOP_NGRAMS:
        count, at = _most_frequent(grams[n])
        repeats[n] = count >= 2
        top.append(count * sum(map(len, words[at : at + n])) / total_chars if count >= 2 else 0.0)

    phrase_rate = 0.0
    dup = dict.fromkeys(DUP_NGRAMS, 0.0)
    # Without a repeated PHRASE_N-gram no phrase and no longer n-gram repeats (barring a 64-bit
    # hash collision): most texts skip the rest.
    if repeats[PHRASE_N]:
        phrase_rate = _repeats(seg, res, h, lens, total_chars, grams, dup, spans)

    values = (
        line_frac,
        line_chars,
        para_frac,
        para_chars,
        *(min(t, 1.0) for t in top),
        *(dup[n] for n in DUP_NGRAMS),
        min(max(_compression_excess(joined), -1.0), 1.0),
        _mattr(h),
        min(phrase_rate, 100.0),
    )
    return FamilyResult(values, spans)


def _repeats(
    seg: Segmented,
    res: Resources,
    h: U64Array,
    lens: IntArray,
    total_chars: int,
    grams: dict[int, U64Array],
    dup: dict[int, float],
    spans: list[RawSpan],
) -> float:
    """Fill ``dup`` and the phrase spans; return ``rep.max_phrase_repeat`` before clipping."""
    n_words = len(h)
    is_fw = _is_function_word(h, res)
    cum_content = np.zeros(n_words + 1, dtype=np.int64)
    (~is_fw).cumsum(out=cum_content[1:])

    # Content phrases: PHRASE_N-grams with at least PHRASE_MIN_CONTENT non-function words.
    g4 = grams[PHRASE_N]
    content = (cum_content[PHRASE_N:] - cum_content[:-PHRASE_N]) >= PHRASE_MIN_CONTENT
    max_count = _most_frequent(g4[content])[0] if len(g4) else 0
    phrase_rate = (max_count - 1) * 100.0 / n_words if max_count >= 2 else 0.0
    if max_count >= PHRASE_SPAN_MIN_COUNT:
        spans.extend(_phrase_spans(seg, g4, cum_content))

    # Duplicate n-grams. A repeated n-gram (n > 5) starting at p makes the 5-grams at p, p + 1,
    # ..., p + n - 5 repeats too, so longer ones are looked for only behind such a run.
    n0 = DUP_NGRAMS[0]
    for n in range(max(grams) + 1, n0 + 1):
        grams[n] = _ngram(grams[n - 1], h, n)
    later = _later(grams[n0])
    if len(later):
        dup[n0] = float(lens[_cover(later, n0, n_words)].sum()) / total_chars
        longer = [n for n in DUP_NGRAMS if n > n0]
        k = longer[0] - n0 if longer else 0
        if longer and len(later) > k and bool((later[k:] - later[:-k] == k).any()):
            g = grams[n0]
            # Every occurrence of a repeated longer n-gram starts where the n0-gram repeats
            # (barring a 64-bit hash collision): only those positions are sorted.
            cand = np.isin(g, g[later]).nonzero()[0]
            for n in range(n0 + 1, max(DUP_NGRAMS) + 1):
                g = _ngram(g, h, n)
                if n in dup:
                    at = cand[: cand.searchsorted(len(g))]
                    later_n = at[_later(g[at])]
                    if len(later_n):
                        dup[n] = float(lens[_cover(later_n, n, n_words)].sum()) / total_chars
    return phrase_rate


class _WordLocator:
    """Start offsets of single words, tokenising only the sentences asked about.

    ``seg.word_starts()`` tokenises the whole text again; a few spans need a few sentences.
    Uses the segmentation's own word pattern, so offsets agree with ``seg.words``.
    """

    def __init__(self, seg: Segmented) -> None:
        self._seg = seg
        self._first = list(accumulate(map(len, seg.sentence_words), initial=0))
        self._starts: dict[int, list[int]] = {}

    def start(self, i: int) -> int:
        si = bisect.bisect_right(self._first, i) - 1
        starts = self._starts.get(si)
        if starts is None:
            s, e = self._seg.sentences[si]
            starts = [m.start() for m in _WORD.finditer(self._seg.text, s, e)]
            self._starts[si] = starts
        return starts[i - self._first[si]]


def _phrase_spans(seg: Segmented, g: U64Array, cum_content: IntArray) -> list[RawSpan]:
    """Spans over every repeat (not the first occurrence) of a content phrase seen often enough."""
    order = g.argsort(kind="stable")
    new = _runs(g[order])
    gid = new.cumsum() - 1
    group_start = new.nonzero()[0]
    group_count = np.diff(group_start, append=len(g))
    first = order[group_start]
    ok = (cum_content[first + PHRASE_N] - cum_content[first] >= PHRASE_MIN_CONTENT) & (
        group_count >= PHRASE_SPAN_MIN_COUNT
    )
    keep = ~new & ok[gid]
    by_pos = order[keep].argsort()
    pos = order[keep][by_pos]
    groups = gid[keep][by_pos]
    # Merge overlapping occurrences in word-index space: [p, p + PHRASE_N - 1].
    reach = np.maximum.accumulate(pos + (PHRASE_N - 1))
    opens = np.ones(len(pos), dtype=bool)
    opens[1:] = pos[1:] > reach[:-1]
    first_k = opens.nonzero()[0]
    last_k = np.append(first_k[1:], len(pos)) - 1
    words = seg.words
    where = _WordLocator(seg)
    spans: list[RawSpan] = []
    for k0, k1 in zip(first_k[:MAX_SPANS].tolist(), last_k[:MAX_SPANS].tolist(), strict=True):
        p0, p1 = int(pos[k0]), int(reach[k1])
        grp = int(groups[k0])
        f = int(first[grp])
        detail = f"phrase repeated {int(group_count[grp])} times: {' '.join(words[f : f + PHRASE_N])!r}"
        spans.append(RawSpan(where.start(p0), where.start(p1) + len(words[p1]), "repetition", detail))
    return spans
