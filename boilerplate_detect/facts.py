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
# A number on the class bytes and what _AFTER_NUM matches after it (its letters are ASCII,
# so [a-zA-Z] is [a-zA] there).
_NUM_UNIT_CLASS = re.compile(rb"0[0,]*(?:\.0+)?(?:[ ]?(?:%|[a-zA][a-zA-]*)(?:[ ][a-zA][a-zA-]*)?)?")
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
# A run string's lower-cased first word, its fact, and its fact without the first word.
_RunInfo = tuple[str, _RunFact, _RunFact]


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


def _number_fact(text: str, s: int, e: int) -> int:
    """Return the fact of the number ``text[s:e]`` (found by :data:`_NUM_RE`), or -1 when it gives none."""
    if s and (text[s - 1].isalnum() or text[s - 1] == "."):
        return -1
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
        return _h("y", num, _WEAK)
    if unit in ("%", "percent", "per") or num[0] in "$£€":
        return _h("n", num + ("%" if unit in ("%", "percent", "per") else ""), _NUMBER)
    if unit.startswith(("million", "billion", "thousand")):
        return _h("n", f"{num} {unit.split()[0]}", _NUMBER)
    if len(digits) >= 2 or "." in digits:
        return _h("n", num, _NUMBER if unit else _WEAK)
    if unit:
        return _h("n", num, _WEAK)
    return -1


class _RunMemo:
    """Per run string: its lower-cased first word and its facts with and without that word.

    Also, per number with the character before it and the words after it (see
    :func:`_extract_facts`), its fact. Bounded: each dict is cleared when it holds
    :data:`_MEMO_LIMIT` entries.
    """

    __slots__ = ("numbers", "runs")

    def __init__(self) -> None:
        self.runs: dict[str, _RunInfo] = {}
        self.numbers: dict[str, int] = {}

    def get(self, run: str) -> _RunInfo:
        """Return ``(first word lower-cased, fact of the whole run, fact without its first word)``."""
        got = self.runs.get(run)
        if got is None:
            parts = run.split(" ")
            got = (parts[0].lower(), _run_fact(parts), _run_fact(parts[1:]))
            if len(self.runs) >= _MEMO_LIMIT:
                self.runs.clear()
            self.runs[run] = got
        return got

    def number(self, key: str) -> int:
        """Return the fact (or -1) of the number after the first character of ``key``.

        ``key`` is a character, then a number matched by :data:`_NUM_RE` and what
        :data:`_AFTER_NUM` matches after it (as :data:`_NUM_UNIT_CLASS` finds them).
        """
        got = self.numbers.get(key)
        if got is None:
            number = _NUM_RE.match(key, 1)
            assert number is not None  # the key holds a number after its first character
            got = _number_fact(key, 1, number.end())
            if len(self.numbers) >= _MEMO_LIMIT:
                self.numbers.clear()
            self.numbers[key] = got
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
    if all(body_line):  # most articles
        return [e for _, e in seg.sentences]
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
    except UnicodeEncodeError:  # may hold non-ASCII digits, which \d matches
        classes = text.encode("latin-1", "replace").translate(_CLASS_TABLE)
        for found in _NUM_RE.finditer(text):
            s = found.start()
            h = _number_fact(text, s, found.end())
            if h >= 0:
                si = sentence_of(s)
                if si >= 0:
                    per_sentence[si].append(h)
    else:
        # A number's fact depends only on the character before it, the number and the
        # words _AFTER_NUM takes after it: that string is the memo key.
        known_number = memo.numbers.get
        for number in _NUM_UNIT_CLASS.finditer(classes):
            s, end = number.span()
            key = text[s - 1 : end] if s else " " + text[:end]
            got = known_number(key)
            h = memo.number(key) if got is None else got
            if h >= 0:
                si = sentence_of(s)
                if si >= 0:
                    per_sentence[si].append(h)
    # A run inside a sentence gives its fact at once; a sentence-initial run waits for
    # the article's mid-sentence first words (it keeps its first word only when listed).
    # The runs' offsets are the cumulative lengths of the pieces the text splits into.
    pieces = _CAP_RUN_SPLIT.split(classes)
    if len(pieces) == 1:
        return _facts(per_sentence)
    bounds = list(accumulate(map(len, pieces)))
    run_starts = bounds[:-1:2]
    run_ends = bounds[1::2]
    # sentence + 1 of every run, to index the lists below (their first entry: before any sentence)
    sent1 = list(map(bisect_right, repeat(starts, len(run_starts)), run_starts))
    starts1 = [0, *starts]
    limit1 = [-1, *limit]
    in_sentence: list[list[int]] = [[], *per_sentence]  # the same lists, indexed by sentence + 1
    initial: list[tuple[int, int, _RunInfo]] = []
    named: list[tuple[int, int, _RunFact]] = []  # (sentence + 1, run end, a _PERSON or _MONTH fact)
    mid_caps: set[str] = set()
    known = memo.runs.get
    for s, e, i in zip(run_starts, run_ends, sent1, strict=True):
        if s >= limit1[i]:
            continue
        run = text[s:e]
        info = known(run) or memo.get(run)
        if s - starts1[i] <= 1:
            initial.append((i, e, info))
            continue
        mid_caps.add(info[0])
        whole = info[1]
        code = whole[0]
        if code == _FIXED:
            in_sentence[i].append(whole[1])
        elif code:
            named.append((i, e, whole))
    for i, e, (head, whole, rest) in initial:
        fact = whole if head in mid_caps else rest
        code = fact[0]
        if code == _FIXED:
            in_sentence[i].append(fact[1])
        elif code:
            named.append((i, e, fact))
    attributed: dict[int, int] = {}
    words1: list[list[str]] = [[], *seg.sentence_words]
    for i, e, (code, h, month) in named:
        if code == _PERSON:
            cls = attributed.get(i)
            if cls is None:
                cls = attributed[i] = _NAME if _ATTRIB.isdisjoint(words1[i]) else _STRONG
            in_sentence[i].append(h | cls)
        else:  # _MONTH: a date when a day follows
            day = _DAY.match(text, e)
            if day is not None:
                in_sentence[i].append(_h("d", f"{month} {day.group(1)}", _NUMBER))
    return _facts(per_sentence)


def _facts(per_sentence: list[list[int]]) -> Facts:
    """Return the :class:`Facts` of the fact hashes found per sentence."""
    # a sentence with one fact (a quarter of them in news) needs no set and no sort
    by_sentence = tuple(
        [(f[0],) if len(f) == 1 else tuple(sorted(set(f))) if f else () for f in per_sentence]
    )
    all_hashes = tuple(sorted(set(chain.from_iterable(by_sentence))))
    return Facts(all_hashes, by_sentence)
