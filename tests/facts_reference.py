"""The fact extraction as it was before its fast paths: the reference they are tested against.

A copy of ``boilerplate_detect.facts._extract_facts`` and ``_body_limits`` at commit
cd1ce6a, reading the module's patterns, word lists and per-run classification.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate, chain, repeat

from boilerplate_detect.facts import (
    _AFTER_NUM,
    _ATTRIB,
    _CAP_RUN_SPLIT,
    _CLASS_TABLE,
    _DAY,
    _FIXED,
    _MONTH,
    _MONTH_SET,
    _NAME,
    _NO_FACT,
    _NUM_RE,
    _NUMBER,
    _PERSON,
    _SPACE_NON_ALNUM,
    _STRONG,
    _TEMPLATE_LINE,
    _UNIT_STOP,
    _WEAK,
    _WORD,
    MIN_BODY_LINE_WORDS,
    MIN_QUOTE_WORDS,
    Facts,
    _h,
    _RunFact,
    _RunMemo,
)
from boilerplate_detect.text import Segmented

_NUM_CLASS = re.compile(rb"0[0,]*(?:\.0+)?")
_QUOTE = re.compile(r'"([^"\n]{10,400})"')


def body_limits(seg: Segmented) -> list[int]:
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


def reference_facts(seg: Segmented, memo: _RunMemo) -> Facts:
    """The facts as extracted at commit cd1ce6a (one run at a time)."""
    text = seg.text
    n_sent = len(seg.sentences)
    starts = [s for s, _ in seg.sentences]
    limit = body_limits(seg)  # a position is in body sentence i when starts[i] <= it < limit[i]
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
        return _facts_of(per_sentence)
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
    return _facts_of(per_sentence)


def _facts_of(per_sentence: list[list[int]]) -> Facts:
    by_sentence = tuple([tuple(sorted(set(f))) if f else () for f in per_sentence])
    all_hashes = tuple(sorted(set(chain.from_iterable(per_sentence))))
    return Facts(all_hashes, by_sentence)
