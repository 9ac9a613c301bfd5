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

Attributions are counted in the lower-cased text ("said", "says", "told", "added",
"according to", "spokesman" and the like); a *named* attribution is one of the four
verbs right next to a name ("Berg said", "said Anne Berg").
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass

from boilerplate_detect.features import Context, FamilyResult
from boilerplate_detect.features._lexicon import load_lines
from boilerplate_detect.text import Segmented

__all__ = [
    "ATTRIBUTION_VERBS",
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
#: Verbs of attribution; next to a name they make a named attribution.
ATTRIBUTION_VERBS: tuple[str, ...] = ("said", "says", "told", "added")
#: Other attribution markers (lower case, matched at a word start).
ATTRIBUTION_MARKERS: tuple[str, ...] = ("according to", "spokesman", "spokeswoman", "spokesperson")
#: Vague time references (lower case, matched at a word start).
VAGUE_TIME: tuple[str, ...] = (
    "recently",
    "lately",
    "nowadays",
    "years ago",
    "in recent times",
    "in recent years",
    "in recent months",
    "these days",
    "in today's",
    "for some time",
    "in the modern era",
)

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

_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
_DATE_WORDS = frozenset(_MONTHS + _WEEKDAYS)
#: Date words that are also ordinary words ("May I ...", "March on ..."): dates only mid-sentence.
_AMBIGUOUS_DATES = frozenset({"May", "March", "Jan"})
_SENTENCE_END = frozenset(".!?\"')")
_PRONOUNS = frozenset(["I", "I'm", "I've", "I'd", "I'll"])

# Patterns start with a character class or a literal: Python's re scans those fast.
_CAP_RUN = re.compile(r"[A-Z][\w'&-]*(?: [A-Z][\w'&-]*)*")
_NUMBER = re.compile(r"([0-9][0-9,.]*(?:[/-][0-9]+)*)(?:[ -]?([%A-Za-z]+))?")
_QUOTE = re.compile(r'"([^"\n]+)"')
_YEAR = re.compile(r"(?:1[89]|20)[0-9][0-9]")
_NUMERIC_DATE = re.compile(r"[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}|[0-9]{4}-[0-9]{2}-[0-9]{2}")
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


@dataclass(frozen=True, slots=True)
class Resources:
    """What :func:`load` returns.

    Attributes:
        function_words: Lower-case function words: a number followed by one is a bare number.
    """

    function_words: frozenset[str]


def load() -> Resources:
    """Load the function-word list (package data).

    Returns:
        The :class:`Resources` passed back to :func:`extract`.
    """
    words = frozenset(w for line in load_lines("function_words.txt") for w in line.split(":", 1)[1].split())
    return Resources(function_words=words)


def _chrome_lines(seg: Segmented) -> list[tuple[int, int]]:
    """Spans of the lines that look like chrome or template headings."""
    line_words = [0] * len(seg.lines)
    for li, ws in zip(seg.sentence_line, seg.sentence_words, strict=True):
        line_words[li] += len(ws)
    text = seg.text
    return [
        (s, e)
        for (s, e), n in zip(seg.lines, line_words, strict=True)
        if n < CHROME_MAX_WORDS and text[e - 1] not in _SENTENCE_END
    ]


def _word_start_count(low: str, phrase: str) -> int:
    """Occurrences of ``phrase`` in ``low`` that start a word."""
    if phrase not in low:
        return 0
    count = 0
    i = low.find(phrase)
    while i >= 0:
        if i == 0 or not low[i - 1].isalnum():
            count += 1
        i = low.find(phrase, i + 1)
    return count


@dataclass(slots=True)
class _Names:
    count: int
    dates: int
    starts: set[int]
    ends: set[int]
    positions: list[int]  # starts of names and date words, for the specific-sentence share


def _names(seg: Segmented, chrome: list[tuple[int, int]]) -> _Names:
    text = seg.text
    mid: list[tuple[int, int, str]] = []
    initial: list[tuple[int, int, str]] = []
    # A capital is sentence-initial at a sentence start (the segmentation already knows "Mr."
    # and quotes ending in a comma) or right after an opening quote or bracket.
    sentence_starts = {s for s, _ in seg.sentences}
    chrome_starts = [s for s, _ in chrome]
    for m in _CAP_RUN.finditer(text):
        p = m.start()
        before = text[p - 1] if p else "\n"
        if p in sentence_starts or before in "\"('[":
            bucket = initial
        elif before.isalnum() or before == "_":
            continue  # a capital inside a word, as in "iPhone"
        else:
            bucket = mid
        if chrome:
            k = bisect.bisect_right(chrome_starts, p) - 1
            if k >= 0 and p < chrome[k][1]:
                continue
        run = m.group().rstrip("-'")
        bucket.append((p, p + len(run), run))
    mid_words = {w for _, _, r in mid for w in r.split(" ")}
    mid_words.update(w for _, _, r in initial for w in r.split(" ")[1:])
    out = _Names(0, 0, set(), set(), [])
    for s, e, run in mid:
        if run in _DATE_WORDS:
            out.dates += 1
            out.positions.append(s)
        elif run not in _PRONOUNS and run not in _TITLES:
            out.count += 1
            out.starts.add(s)
            out.ends.add(e)
            out.positions.append(s)
    for s, e, run in initial:
        first, _, rest = run.partition(" ")
        if first in _DATE_WORDS and first not in _AMBIGUOUS_DATES and not rest:
            out.dates += 1
            out.positions.append(s)
            continue
        if first not in mid_words or first in _PRONOUNS:
            if not rest:
                continue
            s += len(first) + 1
            run = rest
        if run in _DATE_WORDS:
            out.dates += 1
            out.positions.append(s)
            continue
        if run in _TITLES or run in _PRONOUNS:
            continue
        out.count += 1
        out.starts.add(s)
        out.ends.add(e)
        out.positions.append(s)
    return out


def _numbers(text: str, function_words: frozenset[str]) -> tuple[float, int, list[int]]:
    """Weighted number count, numeric dates, and the start of every number."""
    weight = 0.0
    dates = 0
    positions: list[int] = []
    for m in _NUMBER.finditer(text):
        p = m.start()
        if p and (text[p - 1].isalpha() or text[p - 1] == "_"):
            continue  # part of a code such as "E8" or "COVID19"
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


def _attributions(low: str, names: _Names) -> tuple[int, int]:
    """All attributions, and those with a verb next to a name."""
    total = sum(_word_start_count(low, m) for m in ATTRIBUTION_MARKERS)
    named = 0
    for verb in ATTRIBUTION_VERBS:
        i = low.find(verb)
        n = len(verb)
        while i >= 0:
            end = i + n
            if (i == 0 or not low[i - 1].isalnum()) and (end == len(low) or not low[end].isalnum()):
                total += 1
                if (i - 1) in names.ends or (end + 1) in names.starts:
                    named += 1
            i = low.find(verb, end)
    return total, named


def extract(seg: Segmented, res: Resources, ctx: Context) -> FamilyResult:
    """Compute the specificity features of one text.

    Values, in :data:`NAMES` order (densities are per 100 words of the whole text):

    * ``spec.name_density``: names (see the module docstring). Range [0, 100].
    * ``spec.number_density``: weighted numbers. Range [0, 100].
    * ``spec.date_density``: month and weekday names and numeric dates. Range [0, 100].
    * ``spec.quote_density``: double-quoted spans of at least :data:`QUOTE_MIN_WORDS` words.
      Range [0, 100].
    * ``spec.quoted_word_frac``: share of words inside those quotes. Range [0, 1].
    * ``spec.attribution_density``: attribution verbs and markers. Range [0, 100].
    * ``spec.named_attribution_density``: attribution verbs next to a name. Range [0, 100].
    * ``spec.specific_sentence_frac``: share of sentences (outside chrome lines) with a name,
      number, date or quote. Range [0, 1].
    * ``spec.vague_time_rate``: vague time references (:data:`VAGUE_TIME`). Range [0, 100].

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
    low = text.lower()
    chrome = _chrome_lines(seg)
    names = _names(seg, chrome)
    number_weight, numeric_dates, number_pos = _numbers(text, res.function_words)
    quotes = [
        (m.start(), n) for m in _QUOTE.finditer(text) if (n := len(m.group(1).split())) >= QUOTE_MIN_WORDS
    ]
    quoted_words = sum(n for _, n in quotes)
    attributions, named = _attributions(low, names)
    vague = sum(_word_start_count(low, v) for v in VAGUE_TIME)

    sentence_starts = [s for s, _ in seg.sentences]
    specific = {bisect.bisect_right(sentence_starts, p) - 1 for p in names.positions}
    specific.update(bisect.bisect_right(sentence_starts, p) - 1 for p in number_pos)
    specific.update(bisect.bisect_right(sentence_starts, p) - 1 for p, _ in quotes)
    if chrome:
        chrome_lines = {i for i, span in enumerate(seg.lines) if span in set(chrome)}
        body = [i for i, li in enumerate(seg.sentence_line) if li not in chrome_lines]
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
        named * per100,
        len(specific) / n_sentences if n_sentences else 0.0,
        vague * per100,
    )
    values = tuple(min(max(v, lo), hi) for v, (lo, hi) in zip(raw, RANGES, strict=True))
    return FamilyResult(values, [])
