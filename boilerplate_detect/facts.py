"""Fact fingerprints: the names, numbers, dates and quotes an article states.

Spinning swaps words and reorders clauses but keeps the facts, so two versions
of one story share facts even when they share no word 5-gram. Following what
was measured on real versions (see FINDINGS), facts are taken carefully:

* **body sentences only**: a sentence counts when its line has at least
  :data:`MIN_BODY_LINE_WORDS` words and is not a call to action or page furniture
  ("Follow ... on Google News", "Subscribe ...", "©"); headings and bullets
  ("Key Points", "FAQs") are skipped;
* **names** are runs of capitalised words; a sentence-initial word counts only
  when the same word also appears capitalised in the middle of a sentence;
  single common words ("The", "This") never count;
* **numbers** keep their unit or noun ("340 homes", "12%", "$5 million"); a bare
  year is a weak fact;
* **dates** are a month with a day or a weekday;
* **quotes** are quoted strings of at least :data:`MIN_QUOTE_WORDS` words.

Each fact has a class whose weight says what it is worth: a quote or a named
person with an attribution ("said Anne Berg") weighs :data:`W_STRONG`; a number
with its unit or a date :data:`W_NUMBER`; another name :data:`W_NAME`; a bare
year or weekday :data:`W_WEAK`.

A fact is stored as a 32-bit xxh3 hash whose two low bits hold its class.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from itertools import accumulate, chain, repeat

import xxhash

from boilerplate_detect.features._lexicon import MONTHS, WEEKDAYS
from boilerplate_detect.text import Segmented

__all__ = [
    "CLASS_WEIGHTS",
    "MIN_BODY_LINE_WORDS",
    "MIN_QUOTE_WORDS",
    "Facts",
    "extract_facts",
    "fact_class",
    "fact_weight",
]

#: A line with fewer words is a heading or template line: no facts are read from it.
MIN_BODY_LINE_WORDS = 7
#: A quoted string needs at least this many words to be a fact.
MIN_QUOTE_WORDS = 4
#: Weight of a bare year or a weekday.
W_WEAK = 0.25
#: Weight of a name without attribution.
W_NAME = 1.0
#: Weight of a number with its unit, or a date.
W_NUMBER = 1.5
#: Weight of a quote or an attributed person.
W_STRONG = 3.0
#: Weight by class code (the two low bits of a fact hash).
CLASS_WEIGHTS = (W_WEAK, W_NAME, W_NUMBER, W_STRONG)

_WEAK, _NAME, _NUMBER, _STRONG = 0, 1, 2, 3

_MONTHS = [m.lower() for m in MONTHS]
_WEEKDAYS = frozenset(d.lower() for d in WEEKDAYS)
_MONTH_SET = frozenset(_MONTHS)
# Capitalised words that are never names on their own.
_NOT_NAMES = frozenset(
    [
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "you",
        "his",
        "her",
        "their",
        "our",
        "my",
        "your",
        "in",
        "on",
        "at",
        "of",
        "for",
        "to",
        "from",
        "by",
        "with",
        "as",
        "and",
        "but",
        "or",
        "if",
        "when",
        "while",
        "after",
        "before",
        "since",
        "until",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "where",
        "mr",
        "mrs",
        "ms",
        "dr",
        "but",
        "yet",
        "so",
        "also",
        "however",
        "meanwhile",
        "still",
        "even",
        "just",
        "only",
        "now",
        "then",
        "today",
        "yesterday",
        "tomorrow",
        "last",
        "next",
        "new",
        "first",
        "one",
        "two",
        "three",
        "more",
        "most",
        "many",
        "some",
        "all",
        "any",
        "each",
        "every",
        "no",
        "not",
    ]
)
_ATTRIB = frozenset(
    [
        "said",
        "says",
        "told",
        "tells",
        "according",
        "added",
        "adds",
        "explained",
        "wrote",
        "asked",
        "warned",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "stated",
        "announced",
    ]
)
_UNIT_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "at",
        "for",
        "by",
        "with",
        "from",
        "as",
        "is",
        "was",
        "are",
        "were",
        "be",
        "been",
        "per",
        "than",
        "that",
        "which",
        "who",
        "it",
        "its",
        "this",
    ]
)
_CAP_RUN = re.compile(
    r"[A-Z][a-z'A-Z.-]*[a-zA-Z]"
    r"(?:[ ](?:of[ ]|de[ ]|van[ ]|von[ ]|al[ ]|bin[ ]|the[ ])?[A-Z][a-zA-Z'.-]*[a-zA-Z])*"
)
_NUM_RE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_AFTER_NUM = re.compile(r"[ ]?(%|[a-zA-Z][a-zA-Z-]*)(?:[ ]([a-zA-Z][a-zA-Z-]*))?")
_QUOTE = re.compile(r'"([^"\n]{10,400})"')
_DAY = re.compile(r"[ ](\d{1,2})\b")
# Lines that are page furniture or calls to action, whatever their length.
_TEMPLATE_LINE = re.compile(
    r"[-*\u2022 ]*(?:follow|subscribe|sign up|click|read more|share this|related|advertisement|copyright"
    r"|all rights reserved|download our|get the latest|join our|like us)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")
# ASCII bytes that are not letters or digits, to spaces: splitting then gives _WORD's words.
_SPACE_NON_ALNUM = bytes(c if chr(c).isalnum() and c < 0x80 else 0x20 for c in range(256))
# The same runs and numbers found on the text's class bytes (see _extract_facts): every
# capital letter is "A" and every digit "0", so both patterns start with a literal byte
# that the regex engine skips to. The classes of _CAP_RUN are ASCII and, in Latin-1
# text, \d is [0-9], so the spans are those of _CAP_RUN and _NUM_RE on the text.
_CLASS_TABLE = bytes.maketrans(bytes(range(0x41, 0x5B)) + b"123456789", b"A" * 26 + b"0" * 9)
_CAP_RUN_CLASS = re.compile(
    rb"A[a-z'A.-]*[a-zA]"
    rb"(?:[ ](?:of[ ]|de[ ]|van[ ]|von[ ]|al[ ]|bin[ ]|the[ ])?A[a-zA'.-]*[a-zA])*"
)
_NUM_CLASS = re.compile(rb"0[0,]*(?:\.0+)?")
# _CAP_RUN_CLASS as one group: splitting by it gives the text between runs and the runs.
_CAP_RUN_SPLIT = re.compile(b"(" + _CAP_RUN_CLASS.pattern + b")")


@dataclass(frozen=True, slots=True)
class Facts:
    """The fact fingerprint of one text.

    Attributes:
        hashes: Distinct fact hashes (32-bit; class in the two low bits), sorted.
        by_sentence: For every sentence of the segmentation, the fact hashes found in it.
    """

    hashes: tuple[int, ...]
    by_sentence: tuple[tuple[int, ...], ...]

    @property
    def weight(self) -> float:
        """Total weight of the distinct facts."""
        return sum(CLASS_WEIGHTS[h & 3] for h in self.hashes)


def fact_class(h: int) -> int:
    """Return the class code (0 weak, 1 name, 2 number/date, 3 quote/attributed person) of a fact hash."""
    return h & 3


def fact_weight(h: int) -> float:
    """Return the weight of a fact hash (see :data:`CLASS_WEIGHTS`)."""
    return CLASS_WEIGHTS[h & 3]


def _h(kind: str, key: str, cls: int) -> int:
    return (xxhash.xxh3_64_intdigest(f"{kind}\x00{key}".encode()) & 0xFFFFFFFC) | cls


# What a capitalised run gives once its leading non-name words are dropped (see _run_fact).
_NO_FACT, _FIXED, _MONTH, _PERSON = 0, 1, 2, 3
_RunFact = tuple[int, int, str]
_NONE: _RunFact = (_NO_FACT, 0, "")


def _run_fact(parts: list[str]) -> _RunFact:
    """Classify the words of a capitalised run; the article-independent part of name facts.

    Args:
        parts: The run's words, the sentence-initial one already dropped when it does not count.

    Returns:
        ``(code, hash, month)``: ``_NO_FACT``; ``_FIXED`` with the full fact hash (a
        weekday, or a one-word name); ``_MONTH`` with the lower-cased month (a date when
        a day follows the run); ``_PERSON`` (several words: strong when the sentence is
        attributed) with the fact hash without its class bits.
    """
    while parts and parts[0].lower() in _NOT_NAMES:
        parts = parts[1:]
    if not parts:
        return _NONE
    low = " ".join(parts).lower().strip(".")
    first = parts[0].lower()
    if low in _WEEKDAYS:
        return (_FIXED, _h("d", low, _WEAK), "")
    if first in _MONTH_SET:
        return (_MONTH, 0, first)
    if len(parts) == 1 and len(low) <= 2:
        return _NONE
    if len(parts) >= 2:
        return (_PERSON, _h("e", low, 0), "")
    return (_FIXED, _h("e", low, _NAME), "")


class _RunMemo:
    """Per run string: its lower-cased first word and its facts with and without that word.

    Bounded: cleared when it holds :data:`_MEMO_LIMIT` runs.
    """

    __slots__ = ("runs",)

    def __init__(self) -> None:
        self.runs: dict[str, tuple[str, _RunFact, _RunFact]] = {}

    def get(self, run: str) -> tuple[str, _RunFact, _RunFact]:
        """Return ``(first word lower-cased, fact of the whole run, fact without its first word)``."""
        got = self.runs.get(run)
        if got is None:
            parts = run.split(" ")
            got = (parts[0].lower(), _run_fact(parts), _run_fact(parts[1:]))
            if len(self.runs) >= _MEMO_LIMIT:
                self.runs.clear()
            self.runs[run] = got
        return got


#: Most run strings a :class:`_RunMemo` keeps (about 400 bytes each).
_MEMO_LIMIT = 50_000


def _body_limits(seg: Segmented) -> list[int]:
    """Per sentence: its end offset when it is a body sentence, else -1."""
    line_words = [0] * len(seg.lines)
    for li, ws in zip(seg.sentence_line, seg.sentence_words, strict=True):
        line_words[li] += len(ws)
    text = seg.text
    mark = "©" in text
    body_line = [
        n >= MIN_BODY_LINE_WORDS
        and _TEMPLATE_LINE.match(text, s, e) is None
        and not (mark and "©" in text[s:e])
        for n, (s, e) in zip(line_words, seg.lines, strict=True)
    ]
    return [e if body_line[li] else -1 for (_, e), li in zip(seg.sentences, seg.sentence_line, strict=True)]


def extract_facts(seg: Segmented) -> Facts:
    """Read the fact fingerprint of a segmented text.

    Args:
        seg: The segmented text.

    Returns:
        The :class:`Facts`; empty for an empty text or one without body sentences.
    """
    return _extract_facts(seg, _RunMemo())


def _extract_facts(seg: Segmented, memo: _RunMemo) -> Facts:
    """:func:`extract_facts` with a run memo that may be shared by many texts."""
    text = seg.text
    n_sent = len(seg.sentences)
    starts = [s for s, _ in seg.sentences]
    limit = _body_limits(seg)  # a position is in body sentence i when starts[i] <= it < limit[i]
    per_sentence: list[list[int]] = [[] for _ in range(n_sent)]
    bisect_right = bisect.bisect_right

    def sentence_of(pos: int) -> int:
        i = bisect_right(starts, pos) - 1
        return i if i >= 0 and pos < limit[i] else -1

    if '"' in text:
        for m in _QUOTE.finditer(text):
            si = sentence_of(m.start(1))
            if si >= 0:
                quote = m.group(1)
                if quote.isascii():  # _WORD's words: the runs of ASCII letters and digits
                    words = quote.encode().lower().translate(_SPACE_NON_ALNUM).split()
                    if len(words) >= MIN_QUOTE_WORDS:
                        per_sentence[si].append(_h("q", b" ".join(words).decode(), _STRONG))
                    continue
                words_u = _WORD.findall(quote.lower())
                if len(words_u) >= MIN_QUOTE_WORDS:
                    per_sentence[si].append(_h("q", " ".join(words_u), _STRONG))
    # One byte per character: Latin-1, other characters "?" (no class of _CAP_RUN has them).
    try:
        classes = text.encode("latin-1").translate(_CLASS_TABLE)
        numbers = [m.span() for m in _NUM_CLASS.finditer(classes)]
    except UnicodeEncodeError:  # may hold non-ASCII digits, which \d matches
        classes = text.encode("latin-1", "replace").translate(_CLASS_TABLE)
        numbers = [m.span() for m in _NUM_RE.finditer(text)]
    for s, e in numbers:
        if s and (text[s - 1].isalnum() or text[s - 1] == "."):
            continue
        si = sentence_of(s)
        if si < 0:
            continue
        num = text[s:e].replace(",", "").rstrip(".")
        if s and text[s - 1] in "$£€":
            num = text[s - 1] + num
        after = _AFTER_NUM.match(text, e)
        unit = noun = ""
        if after is not None:
            unit = after.group(1).lower()
            noun = (after.group(2) or "").lower()
        if unit in _UNIT_STOP or unit in _MONTH_SET:
            unit = ""
        if unit in ("million", "billion", "thousand", "percent") and noun and noun not in _UNIT_STOP:
            unit = f"{unit} {noun}"
        # A number's identity is the number (a spinner swaps its noun); it counts as a
        # fact only with a unit or noun, or when it is specific (3+ digits, decimals).
        digits = num.strip("$£€")
        if len(num) == 4 and num.isdigit() and 1800 <= int(num) <= 2100 and not unit.startswith("%"):
            per_sentence[si].append(_h("y", num, _WEAK))
        elif unit in ("%", "percent", "per") or num[0] in "$£€":
            per_sentence[si].append(_h("n", num + ("%" if unit in ("%", "percent", "per") else ""), _NUMBER))
        elif unit.startswith(("million", "billion", "thousand")):
            per_sentence[si].append(_h("n", f"{num} {unit.split()[0]}", _NUMBER))
        elif len(digits) >= 2 or "." in digits:
            per_sentence[si].append(_h("n", num, _NUMBER if unit else _WEAK))
        elif unit:
            per_sentence[si].append(_h("n", num, _WEAK))
    attributed: dict[int, bool] = {}

    def add_name(si: int, end: int, fact: _RunFact) -> None:
        # the facts of _PERSON and _MONTH runs (the caller adds those of _FIXED runs)
        code, h, month = fact
        if code == _PERSON:
            att = attributed.get(si)
            if att is None:
                att = attributed[si] = not _ATTRIB.isdisjoint(seg.sentence_words[si])
            per_sentence[si].append(h | (_STRONG if att else _NAME))
        elif code == _MONTH:
            day = _DAY.match(text, end)
            if day is not None:
                per_sentence[si].append(_h("d", f"{month} {day.group(1)}", _NUMBER))

    # A run inside a sentence gives its fact at once; a sentence-initial run waits for
    # the article's mid-sentence first words (it keeps its first word only when listed).
    # The runs' offsets are the cumulative lengths of the pieces the text splits into.
    pieces = _CAP_RUN_SPLIT.split(classes)
    if len(pieces) == 1:
        return _facts(per_sentence)
    bounds = list(accumulate(map(len, pieces)))
    run_starts = bounds[:-1:2]
    # sentence + 1 of every run, to index the lists below (their first entry: before any sentence)
    sent1 = list(map(bisect_right, repeat(starts, len(run_starts)), run_starts))
    starts1 = [0, *starts]
    limit1 = [-1, *limit]
    in_sentence: list[list[int]] = [[], *per_sentence]  # the same lists, indexed by sentence + 1
    initial: list[tuple[int, int, str, _RunFact, _RunFact]] = []
    mid_caps: set[str] = set()
    known = memo.runs.get
    for s, e, i in zip(run_starts, bounds[1::2], sent1, strict=True):
        if s >= limit1[i]:
            continue
        run = text[s:e]
        head, whole, rest = known(run) or memo.get(run)
        if s - starts1[i] <= 1:
            initial.append((i - 1, e, head, whole, rest))
            continue
        mid_caps.add(head)
        code = whole[0]
        if code == _FIXED:
            in_sentence[i].append(whole[1])
        elif code != _NO_FACT:
            add_name(i - 1, e, whole)
    for si, e, head, whole, rest in initial:
        fact = whole if head in mid_caps else rest
        code = fact[0]
        if code == _FIXED:
            per_sentence[si].append(fact[1])
        elif code != _NO_FACT:
            add_name(si, e, fact)
    return _facts(per_sentence)


def _facts(per_sentence: list[list[int]]) -> Facts:
    """Return the :class:`Facts` of the fact hashes found per sentence."""
    # most sentences hold no fact or one: no set and no sort for them
    by_sentence = tuple(
        [(f[0],) if len(f) == 1 else tuple(sorted(set(f))) if f else () for f in per_sentence]
    )
    all_hashes = tuple(sorted(set(chain.from_iterable(by_sentence))))
    return Facts(all_hashes, by_sentence)
