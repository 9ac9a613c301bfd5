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
_SHIFT_31 = np.uint64(31)
_SPACE_TO_NUL = bytes.maketrans(b" ", b"\0")
_MIX_U64 = np.uint64(_MIX)

U64Array = npt.NDArray[np.uint64]
IntArray = npt.NDArray[np.int64]


def _powers(base: int, n: int) -> U64Array:
    out = np.empty(n, dtype=_U64)
    out[0] = 1
    if n > 1:
        np.cumprod(np.full(n - 1, base, dtype=_U64), out=out[1:])
    return out


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
        function_set: The function-word hashes as Python ints (a quick test for a few words).
        positions: ``0, 1, 2, ...`` (uint64), the positions of the words of a text; texts of
            more words take the plain path.
        q_powers: ``q_powers[n]``: ``Q**(n - 1), ..., Q, 1`` modulo ``2**64``; the hash of an
            n-gram is their dot product with its word hashes (as the chain of n-gram hashes).
    """

    powers: U64Array
    inv_powers: U64Array
    function_hashes: U64Array
    function_table: U64Array = field(default_factory=lambda: np.zeros(0, _U64))
    function_shift: int = 0
    function_set: frozenset[int] = frozenset()
    positions: U64Array = field(default_factory=lambda: np.arange(_POWERS_LEN, dtype=_U64))
    q_powers: tuple[U64Array, ...] = field(
        default_factory=lambda: tuple(_powers(_Q, max(n, 1))[::-1].copy() for n in range(max(DUP_NGRAMS) + 1))
    )
    _key_shifts: dict[tuple[int, int], U64Array] = field(default_factory=dict, repr=False, compare=False)

    def key_shifts(self, position_bits: int, rank_bits: int) -> U64Array:
        """``2**(position_bits + (_KEY_N - 1 - i) * rank_bits)`` for ``i < _KEY_N`` (cached).

        The dot product of these with the ranks of words p .. p + _KEY_N - 1 packs them into
        one n-gram key, the first word in the highest bits, leaving ``position_bits`` free.
        """
        out = self._key_shifts.get((position_bits, rank_bits))
        if out is None:  # at most 17 x 17 entries: both are bit lengths of positions
            out = np.array(
                [1 << (position_bits + (_KEY_N - 1 - i) * rank_bits) for i in range(_KEY_N)], dtype=_U64
            )
            self._key_shifts[position_bits, rank_bits] = out
        return out


def _word_hashes(joined: str, res: Resources) -> tuple[U64Array, IntArray]:
    """Return a 64-bit hash of every word of the space-joined ``joined`` (one or more words).

    Also returns ``spaces``: where the spaces are in ``" " + joined + " "`` (one before every
    word, one at the end); ``spaces[k] - k`` is the number of characters of the words before
    word k.

    No Python loop per word: a word's hash is the sum of its code points times powers of
    :data:`_P` (differences of one prefix sum in which the spaces count 0), times the
    inverse power of its start (so it does not depend on where the word stands), mixed by a
    splitmix64 step.
    """
    padded = " " + joined + " "
    if padded.isascii():  # code points are the bytes (spaces made 0): no UTF-32 copy needed
        codes = np.frombuffer(padded.encode("ascii").translate(_SPACE_TO_NUL), dtype=np.uint8)
    else:
        codes = np.frombuffer(padded.replace(" ", "\0").encode("utf-32-le"), dtype=np.uint32)
    n = len(codes)
    pw, ipw = res.powers, res.inv_powers
    if n > len(pw):
        pw, ipw = _powers(_P, n), _powers(pow(_P, -1, 1 << 64), n)
    spaces = (codes == 0).nonzero()[0]  # before every word, and at the end (no word holds NUL)
    prefix = (pw[:n] * codes).cumsum()[spaces]
    h: U64Array = prefix[1:] - prefix[:-1]  # word k: between space k and space k + 1
    h *= ipw[1:][spaces[:-1]]  # times P**-(start of word k): position-independent
    h ^= h >> _SHIFT_31
    h *= _MIX_U64
    return h, spaces


def _word_lengths(seg: Segmented) -> IntArray:
    """The length (code points) of every word."""
    return np.fromiter(map(len, seg.words), dtype=np.int64, count=len(seg.words))


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
    return Resources(res.powers, res.inv_powers, fh, table, shift, frozenset(fh.tolist()))


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


def _compression_excess(raw: bytes) -> float:
    """``rep.compression_excess`` (before clipping) of the UTF-8 bytes of the space-joined words."""
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
    if len(seg.lines) <= 1:  # no line (or paragraph) can repeat another
        line_frac = line_chars = para_frac = para_chars = 0.0
    else:
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
    raw = joined.encode("utf-8")
    h, spaces = _word_hashes(joined, res)
    stats = _fast_word_stats(seg, res, h, spaces, spans)
    if stats is None:
        stats = _plain_word_stats(seg, res, h, spans)
    top, dup, phrase_rate, mattr = stats
    values = (
        line_frac,
        line_chars,
        para_frac,
        para_chars,
        *(min(t, 1.0) for t in top),
        *(dup[n] for n in DUP_NGRAMS),
        min(max(_compression_excess(raw), -1.0), 1.0),
        mattr,
        min(phrase_rate, 100.0),
    )
    return FamilyResult(values, spans)


#: What the word-level computations return: the top n-gram fractions (:data:`TOP_NGRAMS`
#: order, before clipping), the duplicate n-gram fractions by n, ``rep.max_phrase_repeat``
#: before clipping and ``rep.mattr``.
WordStats = tuple[list[float], dict[int, float], float, float]


def _plain_word_stats(seg: Segmented, res: Resources, h: U64Array, spans: list[RawSpan]) -> WordStats:
    """The word-level values by their definitions: one sort of the n-gram hashes per n.

    The reference for :func:`_fast_word_stats` (which must give the same values and spans)
    and the path for the texts that one does not handle. Appends the phrase spans to ``spans``.
    """
    words = seg.words
    lens = _word_lengths(seg)
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
    return top, dup, phrase_rate, _mattr(h)


#: The n-gram keys of :func:`_fast_word_stats` hold the ranks of this many words.
_KEY_N = 5
_MAX_U64 = (1 << 64) - 1


def _fast_word_stats(
    seg: Segmented, res: Resources, h: U64Array, spaces: IntArray, spans: list[RawSpan]
) -> WordStats | None:
    """The values of :func:`_plain_word_stats` from two sorts in all, or None when it cannot.

    1. Sorting ``high bits of the word hash | position`` groups the occurrences of every word
       in text order: the moving-average TTR follows from consecutive occurrences, and every
       word gets a rank (0 .. V - 1; V pads the end of the text).
    2. The ranks of words p .. p + 4 and p itself, packed into one 64-bit key per position
       (``5 * bits(V) + bits(n_words) <= 64``), sort so that equal n-grams, for every n up to
       :data:`_KEY_N` at once, form runs (in text order for n = 5 only: the position comes
       after the ranks). Run lengths give the top n-gram counts, the content-phrase count and
       the repeats of 5-grams.

    Ties between n-grams of the same top count are broken as in the plain path, by the
    smallest n-gram hash. Returns None (the caller takes the plain path) for fewer than two
    words, when the keys do not fit in 64 bits, or when two different words share the high
    bits of their hashes, so the values are always those of the plain path (which groups
    n-grams by 64-bit hash: the two agree barring a collision of those hashes).
    """
    n = len(h)
    if n < 2 or n > len(res.positions):
        return None
    pb = (n - 1).bit_length()  # bits of a position
    pmask = (1 << pb) - 1
    pos = res.positions[:n]

    # 1. Words: occurrences grouped by hash (high bits), in text order within a group.
    k1 = h & (_MAX_U64 ^ pmask)
    k1 |= pos
    k1.sort()
    order = (k1 & pmask).view(np.int64)
    hs = h[order]
    z = hs[1:] ^ hs[:-1]  # 0 where sorted item j + 1 is the word of item j
    rank = np.empty(n, dtype=_U64)
    rank[0] = 0
    np.cumsum(np.minimum(z, 1), out=rank[1:])
    n_types = int(rank[-1]) + 1
    # High bits equal but another word: 0 < z <= pmask (pmask covers the bits below them).
    if int(np.count_nonzero(z <= pmask)) != n - n_types:
        return None
    same = z == 0
    mattr = _mattr_from_groups(order, same, n, n - n_types)

    # 2. n-gram keys: rank of p, ..., rank of p + 4, p.
    rb = n_types.bit_length()  # bits of a rank or of the pad n_types
    if _KEY_N * rb + pb > 64:
        return None
    r = np.empty(n + _KEY_N - 1, dtype=_U64)
    r[n:] = n_types
    r[order] = rank
    key = np.ndarray((n, _KEY_N), _U64, r, 0, (8, 8)) @ res.key_shifts(pb, rb)
    key |= pos
    key.sort()
    pos_s = (key & pmask).view(np.int64)  # positions in key order
    # breaks[j] (0 < j < n): bits where keys j - 1 and j differ; breaks[0] = breaks[n] = all.
    breaks = np.empty(n + 1, dtype=_U64)
    breaks[0] = breaks[n] = _MAX_U64
    np.bitwise_xor(key[1:], key[:-1], out=breaks[1:n])
    # Keys j - 1 and j start with the same m-gram iff breaks[j] < level(m).
    level = [0, *(1 << (pb + (_KEY_N - m) * rb) for m in range(1, _KEY_N + 1))]

    words = seg.words
    total_chars = len(seg.joined_words()) - n + 1
    top = []
    for m in TOP_NGRAMS:
        starts = (breaks >= level[m]).nonzero()[0]  # runs of equal m-grams: starts[i] .. starts[i + 1]
        counts = starts[1:] - starts[:-1]
        k = int(counts.argmax())  # the first longest run
        count = int(counts[k])
        if m == PHRASE_N:
            phrase_runs = starts, counts, count
        if count < 2:
            top.append(0.0)
            continue
        if int(counts[::-1].argmax()) == len(counts) - 1 - k:  # also the last: no tie
            p = int(pos_s[starts[k]])
        else:  # the n-gram of the smallest hash, as the plain path
            p = _smallest_ngram(h, pos_s[starts[:-1][counts == count]], m, res)
        top.append(count * sum(map(len, words[p : p + m])) / total_chars)

    dup = dict.fromkeys(DUP_NGRAMS, 0.0)
    phrase_rate = 0.0
    starts, counts, count = phrase_runs
    if count < 2:  # no repeated PHRASE_N-gram: no phrase and no longer n-gram repeats
        return top, dup, phrase_rate, mattr
    phrase_rate = _fast_phrases(seg, res, h, pos_s, starts, counts, spans)

    n0 = DUP_NGRAMS[0]
    repeat = breaks[1:n] < level[n0]  # sorted item j + 1 repeats the n0-gram of item j
    later = pos_s[1:][repeat]
    if len(later):
        later.sort()
        chars_before = spaces - np.arange(n + 1)  # characters of the words before word k
        dup[n0] = _covered_chars(chars_before, later, n0) / total_chars
        longer = [m for m in DUP_NGRAMS if m > n0]
        k = longer[0] - n0 if longer else 0
        if longer and len(later) > k and bool(np.count_nonzero(later[k:] - later[:-k] == k)):
            # Every occurrence of a repeated longer n-gram starts where the n0-gram repeats:
            # the sorted items of runs of at least two.
            in_run = np.zeros(n + 1, dtype=bool)
            in_run[1:n] = repeat
            in_run[:-1] |= in_run[1:]
            cand = pos_s[in_run[:n]]
            cand.sort()
            for m in longer:
                if m > n:  # no m-gram at all (7 to 9 words repeating a 5-gram had 10-grams looked for)
                    break
                at = cand[: cand.searchsorted(n - m + 1)]
                later_m = at[_later(_ngram_hashes_at(h, at, m, res))]
                if len(later_m):
                    dup[m] = _covered_chars(chars_before, later_m, m) / total_chars
    return top, dup, phrase_rate, mattr


def _fast_phrases(
    seg: Segmented,
    res: Resources,
    h: U64Array,
    pos_s: IntArray,
    starts: IntArray,
    counts: IntArray,
    spans: list[RawSpan],
) -> float:
    """``rep.max_phrase_repeat`` (before clipping) from the runs of :func:`_fast_word_stats`.

    ``starts``/``counts``: where the runs of equal :data:`PHRASE_N`-grams start in key order
    and their lengths; ``pos_s``: the positions in key order. Appends the phrase spans.
    """
    repeated = counts >= 2
    first = pos_s[starts[:-1][repeated]]  # one occurrence (not always the first) of each
    function = res.function_set
    windows = np.ndarray((len(h) - PHRASE_N + 1, PHRASE_N), _U64, h, 0, (8, 8))
    max_count = 0
    often = []  # (sorted item, count) of the runs of content phrases repeated often enough
    for i, c, row in zip(
        starts[:-1][repeated].tolist(), counts[repeated].tolist(), windows[first].tolist(), strict=True
    ):
        if sum(map(function.__contains__, row)) <= PHRASE_N - PHRASE_MIN_CONTENT:
            max_count = max(max_count, c)
            if c >= PHRASE_SPAN_MIN_COUNT:
                often.append((i, c))
    if often:
        repeats: list[tuple[int, int, int]] = []  # (position, count, first) of every repeat
        for i, c in often:
            f, *rest = sorted(pos_s[i : i + c].tolist())  # a run of PHRASE_N-grams is not in text order
            repeats.extend((p, c, f) for p in rest)
        spans.extend(_phrase_spans_at(seg, sorted(repeats)))
    return (max_count - 1) * 100.0 / len(h) if max_count >= 2 else 0.0


def _covered_chars(chars_before: IntArray, later: IntArray, n: int) -> int:
    """Characters of the words covered by the n-grams starting at ``later`` (sorted).

    ``chars_before[k]``: the characters of the words before word k. Each n-gram adds its
    words up to where the next one starts (as ``_cover``, which marks every covered word).
    """
    ends = later + n
    np.minimum(ends[:-1], later[1:], out=ends[:-1])
    return int(np.add.reduce(chars_before[ends] - chars_before[later]))


def _ngram_hashes_at(h: U64Array, at: IntArray, n: int, res: Resources) -> U64Array:
    """The hashes of the n-grams starting at ``at`` (as the plain path's chain of :func:`_ngram`)."""
    windows = np.ndarray((len(h) - n + 1, n), _U64, h, 0, (8, 8))  # row p: h[p], ..., h[p + n - 1]
    out: U64Array = windows[at] @ res.q_powers[n]
    return out


def _smallest_ngram(h: U64Array, at: IntArray, n: int, res: Resources) -> int:
    """Of the n-grams starting at ``at``, the start of the one of the smallest hash."""
    return int(at[_ngram_hashes_at(h, at, n, res).argmin()])


def _mattr_from_groups(order: IntArray, same: npt.NDArray[np.bool_], n: int, n_same: int) -> float:
    """:func:`_mattr` from the positions grouped by word, in text order within a group.

    ``same[j]``: ``order[j + 1]`` is the next occurrence of the word at ``order[j]``;
    ``n_same`` of them. Every window holds :data:`MATTR_WINDOW` words; a word is not new in
    a window that also holds its previous occurrence, so the types of all windows together
    are the words of all windows minus, for every pair (p, i) of consecutive occurrences,
    the windows holding both.
    """
    w = MATTR_WINDOW
    if n < w:
        return (n - n_same) / n
    windows = n - w + 1
    if n_same == 0:
        return 1.0
    # Windows [s, s + w) holding both p and i (p < i): max(0, i - w + 1) <= s <= min(p, n - w).
    both = np.minimum(order[:-1], windows - 1)
    both -= np.maximum(order[1:], w - 1)
    both += w
    np.maximum(both, 0, out=both)
    return (windows * w - int(np.dot(both, same))) / (windows * w)


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

    # Duplicate n-grams.
    n0 = DUP_NGRAMS[0]
    for n in range(max(grams) + 1, n0 + 1):
        grams[n] = _ngram(grams[n - 1], h, n)
    later = _later(grams[n0])
    if len(later):
        dup[n0] = float(lens[_cover(later, n0, n_words)].sum()) / total_chars
        _longer_dups(h, lens, total_chars, grams, later, dup)
    return phrase_rate


def _longer_dups(
    h: U64Array,
    lens: IntArray,
    total_chars: int,
    grams: dict[int, U64Array],
    later: IntArray,
    dup: dict[int, float],
) -> None:
    """Fill ``dup`` for the n of :data:`DUP_NGRAMS` after the first, n0, from ``later`` of n0.

    ``later``: the sorted positions of the repeats of n0-grams (:func:`_later`). A repeated
    n-gram (n > n0) starting at p makes the n0-grams at p, p + 1, ..., p + n - n0 repeats too,
    so longer ones are looked for only behind such a run. ``grams`` holds the hashes of the
    n-grams for n = 1 .. m (any m); the missing ones up to n0 are added.
    """
    n_words = len(h)
    n0 = DUP_NGRAMS[0]
    longer = [n for n in DUP_NGRAMS if n > n0]
    k = longer[0] - n0 if longer else 0
    if longer and len(later) > k and bool((later[k:] - later[:-k] == k).any()):
        for n in range(max(grams) + 1, n0 + 1):
            grams[n] = _ngram(grams[n - 1], h, n)
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
    repeats = zip(pos.tolist(), group_count[groups].tolist(), first[groups].tolist(), strict=True)
    return _phrase_spans_at(seg, list(repeats))


def _phrase_spans_at(seg: Segmented, repeats: list[tuple[int, int, int]]) -> list[RawSpan]:
    """Spans over phrase repeats ``(position, count, first position)``, sorted by position.

    Overlapping repeats (in word-index space, ``[p, p + PHRASE_N - 1]``) merge into one span,
    whose detail names the phrase of its first repeat; at most :data:`MAX_SPANS` spans.
    """
    words = seg.words
    where = _WordLocator(seg)
    clusters: list[tuple[int, int, int, int]] = []  # (first word, last word, count, first position)
    for p, count, first in repeats:
        if clusters and p <= clusters[-1][1]:
            p0, end, c0, f0 = clusters[-1]
            clusters[-1] = (p0, max(end, p + PHRASE_N - 1), c0, f0)
        elif len(clusters) == MAX_SPANS:
            break
        else:
            clusters.append((p, p + PHRASE_N - 1, count, first))
    return [
        RawSpan(
            where.start(p0),
            where.start(end) + len(words[end]),
            "repetition",
            f"phrase repeated {count} times: {' '.join(words[first : first + PHRASE_N])!r}",
        )
        for p0, end, count, first in clusters
    ]
