"""Specificity features (``spec.``): how much checkable detail a text carries.

Reporting names people and places, gives numbers with their units, dates, direct quotes
and who said what; padding and machine rewrites speak in generalities ("years ago",
"recently"). Every value is a rate (per 100 words, or a share of sentences), so it does
not grow with article length or change when the text is reflowed.

Rules, from what was measured before (``FINDINGS.md``, "Naive fact extraction points the
wrong way"):

* Lines that look like page chrome or template headings (fewer than
  :data:`CHROME_MAX_WORDS` words and no sentence punctuation at the end, e.g. "Key
  Points", "FAQs") contribute no names.
* A capitalised word at the start of a sentence (or right after an opening quote or a
  colon) counts as a name only when the same word also appears capitalised
  mid-sentence elsewhere in the text; a run of capitalised words counts once.
* Numbers are weighted: with a unit, noun, currency or percent sign 1.0, bare 0.5, a bare
  year (1800-2099) :data:`YEAR_WEIGHT`.

Attributions are counted as tokens ("said", "says", "told", "added", "according",
"spokesman" and the like); a *named* attribution is a name right next to one of the four
verbs ("Berg said", "said Anne Berg").
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter, or_
from re import Match

import numpy as np

from boilerplate_detect.features import Context, FamilyResult
from boilerplate_detect.features._lexicon import MONTHS, WEEKDAYS, load_lines
from boilerplate_detect.text import Segmented

__all__ = [
    "ATTRIBUTION_VERBS",
    "ATTRIBUTION_WORDS",
    "CHROME_MAX_WORDS",
    "NAMES",
    "PREFIX",
    "QUOTE_MIN_WORDS",
    "RANGES",
    "VAGUE_TIME",
    "YEAR_WEIGHT",
    "Resources",
    "extract",
    "load",
]

logger = logging.getLogger(__name__)

PREFIX = "spec."

#: A line with fewer words than this and no sentence punctuation at its end is chrome.
CHROME_MAX_WORDS = 8
#: A quoted span counts as a quote from this many words on.
QUOTE_MIN_WORDS = 3
#: Weight of a bare year in ``spec.number_density`` (a number with a unit or noun weighs 1.0).
YEAR_WEIGHT = 0.25
#: Weight of a bare number (no unit, noun, currency or percent sign).
BARE_NUMBER_WEIGHT = 0.5
#: Verbs of attribution; right next to a name they make a named attribution.
ATTRIBUTION_VERBS: tuple[str, ...] = ("said", "says", "told", "added")
#: Tokens that mark an attribution: the verbs, "according (to)" and spokespeople.
ATTRIBUTION_WORDS: tuple[str, ...] = (
    *ATTRIBUTION_VERBS,
    "according",
    "spokesman",
    "spokeswoman",
    "spokesperson",
)
#: Vague time references, as tokens ("ago" stands for "years ago", "long ago", ...).
VAGUE_TIME: tuple[str, ...] = ("recently", "lately", "nowadays", "ago", "today's")

NAMES: tuple[str, ...] = (
    "spec.name_density",
    "spec.number_density",
    "spec.date_density",
    "spec.quote_density",
    "spec.quoted_word_frac",
    "spec.attribution_density",
    "spec.named_attribution_density",
    "spec.specific_sentence_frac",
    "spec.vague_time_rate",
)
RANGES: tuple[tuple[float, float], ...] = (
    (0.0, 100.0),
    (0.0, 100.0),
    (0.0, 100.0),
    (0.0, 100.0),
    (0.0, 1.0),
    (0.0, 100.0),
    (0.0, 100.0),
    (0.0, 1.0),
    (0.0, 100.0),
)

_LOWS, _HIGHS = (tuple(r) for r in zip(*RANGES, strict=True))

_DATE_WORDS = frozenset(MONTHS + WEEKDAYS)
#: Date words that are also ordinary words ("May I ...", "March on ..."): dates only mid-sentence.
_AMBIGUOUS_DATES = frozenset({"May", "March", "Jan"})
_SENTENCE_END = frozenset(".!?\"')")
_PRONOUNS = frozenset(["I", "I'm", "I've", "I'd", "I'll"])
#: Characters after which a capital is sentence-initial.
_OPENERS = frozenset("\"('[")

_VERB_AFTER = tuple(" " + v for v in ATTRIBUTION_VERBS)  # "Berg said"
_VERB_BEFORE = tuple(v + " " for v in ATTRIBUTION_VERBS)  # "said Anne Berg"
# Token counts are summed in one pass as packed ints: attribution words in the low field,
# vague time words above; chunks keep every field below 2 ** _FIELD_BITS.
_FIELD_BITS = 16
_CHUNK = (1 << _FIELD_BITS) - 1

# Patterns start with a character class or a literal: Python's re scans those fastest.
#: The rule for a run of capitalised words, as written; :data:`_CLASS_RUN` finds the same spans.
_CAP_RUN = re.compile(r"[A-Z][\w'&-]*(?: [A-Z][\w'&-]*)*")
_NUMBER = re.compile(r"([0-9][0-9,.]*(?:[/-][0-9]+)*)(?:[ -]?([%A-Za-z]+))?")
_QUOTE = re.compile(r'"([^"\n]+)"')
_YEAR = re.compile(r"(?:1[89]|20)[0-9][0-9]")
_NUMERIC_DATE = re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}|[0-9]{4}-[0-9]{2}-[0-9]{2}")
# One byte per character names its class (see _char_classes): "U" A-Z, "d" 0-9, "a" any other
# word character (str.isalnum or "_"), "q" an apostrophe, "j" "&" or "-", "o" an opening '"',
# "(" or "[", " " a space, "." anything else. On these bytes the capitalised-run rule starts
# with a literal byte, which re scans for fast, and digit runs are found the same way.
_CLASS_RUN = re.compile(rb"U[Uadqj]*(?: U[Uadqj]*)*")
_CLASS_DIGITS = re.compile(rb"dd*")  # not "d+": a literal first byte makes re scan fast
_MID, _INITIAL, _INSIDE_WORD = 0, 1, 2
#: Classes of the characters a run loses at its end (its text is stripped of "-" and "'").
_TRAILING = frozenset(b"qj")
#: What a capital is, by the class of the character before it (see :func:`_names`).
_KIND_AFTER = tuple(_INITIAL if c in b"qo" else _INSIDE_WORD if c in b"Uad" else _MID for c in range(256))
#: The class of an opening quote, bracket or parenthesis (a capital after it is sentence-initial).
_OPENING = ord("o")


_PUNCTUATION_CLASSES = {"'": b"q", "&": b"j", "-": b"j", '"': b"o", "(": b"o", "[": b"o", " ": b" "}


def _char_class(ch: str) -> bytes:
    """The class byte of one character (the comment above :data:`_CLASS_RUN` lists them)."""
    if "A" <= ch <= "Z":
        return b"U"
    if "0" <= ch <= "9":
        return b"d"
    if ch.isalnum() or ch == "_":  # exactly the characters re's \w matches, as str.isalnum
        return b"a"
    return _PUNCTUATION_CLASSES.get(ch, b".")


#: bytes.translate table of the classes of the Latin-1 characters (ASCII among them).
_LATIN1_CLASSES = b"".join(_char_class(chr(i)) for i in range(256))
#: Size of the class table of :class:`Resources` (the Basic Multilingual Plane).
_BMP = 0x10000

#: Titles written with a dot: the capital after "Mr. " is mid-sentence; the title is no name.
_TITLES = frozenset(
    [
        "Mr",
        "Mrs",
        "Ms",
        "Dr",
        "Prof",
        "St",
        "Gen",
        "Gov",
        "Sen",
        "Rep",
        "Lt",
        "Col",
        "Sgt",
        "Capt",
        "Rev",
        "Hon",
    ]
)


_DATE, _NOT_A_NAME = 1, 2
#: A whole run that is one of these words is a date word, or neither a date nor a name.
_SINGLE_WORD_KIND: dict[str, int] = {
    **dict.fromkeys(_PRONOUNS | _TITLES, _NOT_A_NAME),
    **dict.fromkeys(_DATE_WORDS, _DATE),
}


@dataclass(frozen=True, slots=True)
class Resources:
    """What :func:`load` returns.

    Attributes:
        function_words: Lower-case function words: a number followed by one is a bare number.
        word_codes: Token -> packed count: 1 for an attribution word, ``1 << 16`` for a vague
            time word.
        char_classes: Code point -> class byte (see :func:`_char_classes`) of every character
            of the Basic Multilingual Plane.
    """

    function_words: frozenset[str]
    word_codes: dict[str, int]
    char_classes: np.ndarray = field(repr=False, compare=False)


def load() -> Resources:
    """Load the function-word list (package data) and the token lexicons.

    Returns:
        The :class:`Resources` passed back to :func:`extract`.
    """
    words = frozenset(w for line in load_lines("function_words.txt") for w in line.split(":", 1)[1].split())
    codes = dict.fromkeys(ATTRIBUTION_WORDS, 1)
    codes.update(dict.fromkeys(VAGUE_TIME, 1 << _FIELD_BITS))
    table = np.frombuffer(b"".join(_char_class(chr(i)) for i in range(_BMP)), dtype=np.uint8)
    return Resources(function_words=words, word_codes=codes, char_classes=table)


def _char_classes(text: str, table: np.ndarray) -> bytes:
    """The class byte of every character of ``text`` (``table`` is ``Resources.char_classes``)."""
    try:  # most texts: every character is Latin-1 (one byte each), classes by one translation
        return text.encode("latin-1").translate(_LATIN1_CLASSES)
    except UnicodeEncodeError:
        pass
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    classes = table[np.minimum(codes, _BMP - 1)]
    for i in np.flatnonzero(codes >= _BMP).tolist():
        classes[i] = ord(_char_class(text[i]))
    return classes.tobytes()


def _chrome_lines(seg: Segmented) -> list[tuple[int, int]]:
    """Spans of the lines that look like chrome or template headings."""
    text = seg.text
    open_lines = [i for i, (_, e) in enumerate(seg.lines) if text[e - 1] not in _SENTENCE_END]
    if not open_lines:  # the usual article: every line ends a sentence
        return []
    # The sentences of a line are consecutive (sentence_line never decreases): count the
    # words of the open lines only.
    sentence_line, sentence_words = seg.sentence_line, seg.sentence_words
    out: list[tuple[int, int]] = []
    for i in open_lines:
        lo = bisect.bisect_left(sentence_line, i)
        hi = bisect.bisect_right(sentence_line, i, lo)
        if sum(map(len, sentence_words[lo:hi])) < CHROME_MAX_WORDS:
            out.append(seg.lines[i])
    return out


def _word_counts(words: list[str], codes: dict[str, int]) -> tuple[int, int]:
    """Attribution tokens and vague time tokens among ``words``, in one pass."""
    mask = (1 << _FIELD_BITS) - 1
    attributions = vague = 0
    for i in range(0, len(words), _CHUNK):
        chunk = words if len(words) <= _CHUNK else words[i : i + _CHUNK]
        total = sum(map(codes.__getitem__, filter(codes.__contains__, chunk)))
        attributions += total & mask
        vague += total >> _FIELD_BITS
    return attributions, vague


@dataclass(slots=True)
class _Names:
    count: int = 0
    dates: int = 0
    named_attributions: int = 0
    positions: list[int] = field(default_factory=list)  # names and date words, for specific sentences


def _names(text: str, classes: bytes, sentence_starts: list[int], chrome: list[tuple[int, int]]) -> _Names:
    """Names, date words and named attributions (see the module docstring for the rules)."""
    out = _Names()
    # A capital is sentence-initial at a sentence start (the segmentation already knows "Mr."
    # and quotes ending in a comma) or right after an opening quote or bracket: before[p] is
    # the class of the character before offset p, an opening quote's at a sentence start
    # (and a space's before the text).
    before = bytearray(b" ")
    before += classes
    for p in sentence_starts:
        before[p] = _OPENING
    mid_s: list[int] = []
    mid_r: list[str] = []
    initial: list[tuple[int, str]] = []
    chrome_starts = [s for s, _ in chrome]
    for p, e in map(Match.span, _CLASS_RUN.finditer(classes)):
        kind = _KIND_AFTER[before[p]]
        if kind == _INSIDE_WORD:
            continue  # a capital inside a word, as in "iPhone"
        if chrome:
            k = bisect.bisect_right(chrome_starts, p) - 1
            if k >= 0 and p < chrome[k][1]:
                continue
        run = text[p:e] if classes[e - 1] not in _TRAILING else text[p:e].rstrip("-'")
        if kind == _MID:
            mid_s.append(p)
            mid_r.append(run)
        else:
            initial.append((p, run))
    if not (mid_s or initial):
        return out
    # Every word of a mid-sentence run, and every word but the first of a sentence-initial one.
    mid_words = set(" ".join(mid_r).split(" ")) if mid_r else set()
    mid_words.update(w for _, r in initial if " " in r for w in r.split(" ")[1:])
    name_s: list[int] = []
    name_e: list[int] = []
    positions = out.positions
    dates = 0
    for s, run in zip(mid_s, mid_r, strict=True):
        word_kind = _SINGLE_WORD_KIND.get(run)
        if word_kind is None:
            name_s.append(s)
            name_e.append(s + len(run))
            positions.append(s)
        elif word_kind == _DATE:
            dates += 1
            positions.append(s)
    for s, run in initial:
        e = s + len(run)
        first, _, rest = run.partition(" ")
        if first in _DATE_WORDS and first not in _AMBIGUOUS_DATES and not rest:
            dates += 1
            positions.append(s)
            continue
        if first not in mid_words or first in _PRONOUNS:
            if not rest:
                continue
            s += len(first) + 1
            run = rest
        word_kind = _SINGLE_WORD_KIND.get(run)
        if word_kind == _DATE:
            dates += 1
            positions.append(s)
        elif word_kind is None:
            name_s.append(s)
            name_e.append(e)
            positions.append(s)
    out.count = len(name_s)
    out.dates = dates
    # A name right before " said" or right after "said ".
    verb_after = map(text.startswith, repeat(_VERB_AFTER), name_e)
    verb_before = map(text.endswith, repeat(_VERB_BEFORE), repeat(0), name_s)
    out.named_attributions = sum(map(or_, verb_after, verb_before))
    return out


def _numbers(text: str, classes: bytes, function_words: frozenset[str]) -> tuple[float, int, list[int]]:
    """Weighted number count, numeric dates, and the start of every number."""
    # Candidates: the start of every run of ASCII digits.
    candidates = map(Match.start, _CLASS_DIGITS.finditer(classes))
    weight = 0.0
    dates = 0
    positions: list[int] = []
    for p in candidates:
        if p:
            prev = text[p - 1]
            if prev.isalpha() or prev == "_":
                continue  # part of a code such as "E8" or "COVID19"
            if prev in ".,/-:" and p >= 2 and text[p - 2].isdigit():
                continue  # the rest of "1.5", "1,200", "12/03/2024", "9:30"
        m = _NUMBER.match(text, p)
        if m is None:
            continue
        positions.append(p)
        num, tail = m.group(1).rstrip(".,"), m.group(2)
        if ("/" in num or "-" in num) and _NUMERIC_DATE.match(num):
            dates += 1
            weight += 1.0
            continue
        has_unit = tail is not None and (tail == "%" or tail.lower() not in function_words)
        if has_unit or (p and text[p - 1] in "$£€"):
            weight += 1.0
        elif len(num) == 4 and _YEAR.match(num):
            weight += YEAR_WEIGHT
        else:
            weight += BARE_NUMBER_WEIGHT
    return weight, dates, positions


def extract(seg: Segmented, res: Resources, ctx: Context) -> FamilyResult:
    """Compute the specificity features of one text.

    Values, in :data:`NAMES` order (densities are per 100 words of the whole text):

    * ``spec.name_density``: names (see the module docstring). Range [0, 100].
    * ``spec.number_density``: weighted numbers. Range [0, 100].
    * ``spec.date_density``: month and weekday names and numeric dates. Range [0, 100].
    * ``spec.quote_density``: double-quoted spans of at least :data:`QUOTE_MIN_WORDS` words.
      Range [0, 100].
    * ``spec.quoted_word_frac``: share of words inside those quotes. Range [0, 1].
    * ``spec.attribution_density``: attribution tokens (:data:`ATTRIBUTION_WORDS`). Range [0, 100].
    * ``spec.named_attribution_density``: names right next to an attribution verb. Range [0, 100].
    * ``spec.specific_sentence_frac``: share of sentences (outside chrome lines) with a name,
      number, date or quote. Range [0, 1].
    * ``spec.vague_time_rate``: vague time tokens (:data:`VAGUE_TIME`). Range [0, 100].

    Every value is 0.0 on a text without words.

    Args:
        seg: The segmented text.
        res: What :func:`load` returned.
        ctx: Unused (this family reads the text alone).

    Returns:
        The values (no spans).
    """
    n_words = len(seg.words)
    if n_words == 0:
        return FamilyResult((0.0,) * len(NAMES), [])
    text = seg.text
    chrome = _chrome_lines(seg)
    sentence_starts = list(map(itemgetter(0), seg.sentences))
    classes = _char_classes(text, res.char_classes)
    names = _names(text, classes, sentence_starts, chrome)
    number_weight, numeric_dates, number_pos = _numbers(text, classes, res.function_words)
    quotes = [
        (m.start(), n) for m in _QUOTE.finditer(text) if (n := len(m.group(1).split())) >= QUOTE_MIN_WORDS
    ]
    quoted_words = sum(n for _, n in quotes)
    attributions, vague = _word_counts(seg.words, res.word_codes)

    # Sentence numbers (1-based) of the sentences with a name, date, number or quote.
    specific = set(map(bisect.bisect_right, repeat(sentence_starts), names.positions))
    specific.update(map(bisect.bisect_right, repeat(sentence_starts), number_pos))
    specific.update(bisect.bisect_right(sentence_starts, p) for p, _ in quotes)
    if chrome:
        chrome_set = set(chrome)
        chrome_lines = {i for i, span in enumerate(seg.lines) if span in chrome_set}
        body = [i + 1 for i, li in enumerate(seg.sentence_line) if li not in chrome_lines]
        specific.intersection_update(body)
        n_sentences = len(body)
    else:
        n_sentences = len(seg.sentences)

    per100 = 100.0 / n_words
    raw = (
        names.count * per100,
        number_weight * per100,
        (names.dates + numeric_dates) * per100,
        len(quotes) * per100,
        quoted_words / n_words,
        attributions * per100,
        names.named_attributions * per100,
        len(specific) / n_sentences if n_sentences else 0.0,
        vague * per100,
    )
    values = tuple(map(min, map(max, raw, _LOWS), _HIGHS))  # each clipped to its range
    return FamilyResult(values, [])
