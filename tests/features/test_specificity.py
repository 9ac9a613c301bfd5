from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.features import Context, check_family
from boilerplate_detect.features import specificity as spec
from boilerplate_detect.text import Segmented, segment


@pytest.fixture(scope="module")
def res() -> spec.Resources:
    return spec.load()


def _values(text: str, res: spec.Resources) -> dict[str, float]:
    out = spec.extract(segment(text), res, Context())
    return dict(zip(spec.NAMES, out.values, strict=True))


def test_declarations() -> None:
    assert check_family(spec) == []


ATTRIBUTED = '"It was late," said Anne Berg. Berg added that the road was shut.'  # 13 words


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("", "spec.name_density", 0.0),
        ("", "spec.specific_sentence_frac", 0.0),
        # "Anne Berg" (one run) and "Oslo": 2 names in 7 words; sentence-initial "The" is none.
        ("The mayor met Anne Berg in Oslo.", "spec.name_density", 200 / 7),
        # "Berg" opens a sentence but recurs mid-sentence: a name; "Oslo" only opens one: no name.
        ("Berg left. Oslo is cold. They met Berg.", "spec.name_density", 200 / 8),
        # The first word of an initial run is dropped unless seen mid-sentence: "Berg" remains.
        ("Anne Berg left the town.", "spec.name_density", 100 / 5),
        ("Mr. Smith met the board.", "spec.name_density", 100 / 5),  # "Mr" is a title, "Smith" a name
        ("I think so, and I agree.", "spec.name_density", 0.0),
        # A chrome heading contributes no name: only "Parliament" of 8 words.
        ("Key Points\nThe plan was approved by Parliament.", "spec.name_density", 100 / 8),
        # "340 homes" weighs 1.0, the bare year 1987 0.25: 1.25 in 6 words.
        ("They counted 340 homes in 1987.", "spec.number_density", 125 / 6),
        ("It was 12 to 3.", "spec.number_density", 100 / 5),  # two bare numbers, 0.5 each
        ("Prices rose 5% and $40 more.", "spec.number_density", 200 / 6),
        ("Route E8 was shut.", "spec.number_density", 0.0),  # part of a code
        # "Monday" and "May" (mid-sentence): 2 dates in 8 words; neither is a name.
        ("We met on Monday and again in May.", "spec.date_density", 200 / 8),
        ("We met on Monday and again in May.", "spec.name_density", 0.0),
        ("May I ask a question?", "spec.date_density", 0.0),
        ("The deadline is 12/03/2024 for all.", "spec.date_density", 100 / 8),  # "12/03/2024" is 3 words
        ('She said "we will rebuild the town" today.', "spec.quote_density", 100 / 8),
        ('She said "we will rebuild the town" today.', "spec.quoted_word_frac", 5 / 8),
        ('She said "yes" today.', "spec.quote_density", 0.0),  # shorter than QUOTE_MIN_WORDS
        (ATTRIBUTED, "spec.attribution_density", 200 / 13),
        (ATTRIBUTED, "spec.named_attribution_density", 200 / 13),
        ("He said the road was shut.", "spec.named_attribution_density", 0.0),
        ("According to the police, the road is closed.", "spec.attribution_density", 100 / 8),
        ("The saidan bridge is old.", "spec.attribution_density", 0.0),  # whole words only
        ("Anne Berg left. Things happen. Prices rose 5 percent.", "spec.specific_sentence_frac", 2 / 3),
        ("Years ago, things were different. Recently, they changed.", "spec.vague_time_rate", 200 / 8),
    ],
    ids=[
        "empty-names",
        "empty-specific",
        "names-mid-sentence",
        "names-initial-recurring",
        "names-initial-run",
        "names-title",
        "names-pronoun-i",
        "names-chrome-line",
        "numbers-unit-and-year",
        "numbers-bare",
        "numbers-percent-currency",
        "numbers-code",
        "dates-words",
        "dates-not-names",
        "dates-may-modal",
        "dates-numeric",
        "quote",
        "quoted-word-frac",
        "quote-too-short",
        "attributions",
        "named-attributions",
        "pronoun-attribution",
        "according-to",
        "attribution-whole-word",
        "specific-sentences",
        "vague-time",
    ],
)
def test_table(res: spec.Resources, text: str, name: str, expected: float) -> None:
    assert _values(text, res)[name] == pytest.approx(expected)


def test_empty_text_is_all_zero(res: spec.Resources) -> None:
    assert spec.extract(segment(""), res, Context()).values == (0.0,) * len(spec.NAMES)


BODY = (
    "Officials in Tromso said on Friday that 340 homes were evacuated after a landslide. "
    'Police chief Anne Berg told reporters that two people were hurt. "We were lucky," said Berg.'
)


def test_template_headings_add_no_names(res: spec.Resources) -> None:
    """FINDINGS: template headings and sentence-initial capitals must not count as facts."""
    templated = BODY + "\n\nKey Points\n- Homes Evacuated\n\nFAQs\nFuture Prospects\nFollow Daily Buzz Times"
    body = _values(BODY, res)
    tmpl = _values(templated, res)
    n_body, n_tmpl = len(segment(BODY).words), len(segment(templated).words)
    assert tmpl["spec.name_density"] * n_tmpl == pytest.approx(body["spec.name_density"] * n_body)
    assert tmpl["spec.specific_sentence_frac"] == pytest.approx(body["spec.specific_sentence_frac"])


def test_values_do_not_depend_on_layout(res: spec.Resources) -> None:
    paras = BODY.split(". ")
    split = _values(".\n\n".join(paras), res)
    flat = _values(". ".join(paras), res)
    assert split == pytest.approx(flat)


_TEXTS = st.text(alphabet=st.sampled_from(list("ab MAy.\n,'\"-19$%/é")), max_size=300) | st.text(max_size=200)


@settings(max_examples=150, deadline=None)
@given(text=_TEXTS)
def test_values_are_finite_in_range_and_deterministic(res: spec.Resources, text: str) -> None:
    out = spec.extract(segment(text), res, Context())
    assert len(out.values) == len(spec.NAMES)
    for v, (lo, hi) in zip(out.values, spec.RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
    assert spec.extract(segment(text), res, Context()) == out


# --- the fast paths equal the plain rules -------------------------------------------------


def _plain_chrome_lines(seg: Segmented) -> list[tuple[int, int]]:
    """Chrome lines by the rule as written: fewer than 8 words and no sentence punctuation."""
    line_words = [0] * len(seg.lines)
    for li, ws in zip(seg.sentence_line, seg.sentence_words, strict=True):
        line_words[li] += len(ws)
    return [
        (s, e)
        for (s, e), n in zip(seg.lines, line_words, strict=True)
        if n < spec.CHROME_MAX_WORDS and seg.text[e - 1] not in ".!?\"')"
    ]


def _plain_names(seg: Segmented, chrome: list[tuple[int, int]]) -> tuple[int, int, int, list[int]]:
    """``(names, dates, named attributions, positions)`` by the rules, one capitalised run at a time."""
    text = seg.text
    starts = {s for s, _ in seg.sentences}
    mid: list[tuple[int, int, str]] = []
    initial: list[tuple[int, int, str]] = []
    for m in re.finditer(r"[A-Z][\w'&-]*(?: [A-Z][\w'&-]*)*", text):
        p = m.start()
        before = text[p - 1] if p else "\n"
        if p in starts or before in "\"('[":
            bucket = initial
        elif before.isalnum() or before == "_":
            continue
        else:
            bucket = mid
        if any(s <= p < e for s, e in chrome):
            continue
        run = m.group().rstrip("-'")
        bucket.append((p, p + len(run), run))
    mid_words = {w for _, _, r in mid for w in r.split(" ")}
    mid_words.update(w for _, _, r in initial for w in r.split(" ")[1:])
    dates = spec._DATE_WORDS
    not_names = spec._PRONOUNS | spec._TITLES
    names: list[tuple[int, int]] = []
    positions: list[int] = []
    n_dates = 0
    for s, e, run in mid:
        if run in dates:
            n_dates += 1
            positions.append(s)
        elif run not in not_names:
            names.append((s, e))
    for s, e, run in initial:
        first, _, rest = run.partition(" ")
        if first in dates and first not in spec._AMBIGUOUS_DATES and not rest:
            n_dates += 1
            positions.append(s)
            continue
        if first not in mid_words or first in spec._PRONOUNS:
            if not rest:
                continue
            s, run = s + len(first) + 1, rest
        if run in dates:
            n_dates += 1
            positions.append(s)
        elif run not in not_names:
            names.append((s, e))
    verbs = spec.ATTRIBUTION_VERBS
    named = sum(
        any(text.startswith(" " + v, e) or text[:s].endswith(v + " ") for v in verbs) for s, e in names
    )
    return len(names), n_dates, named, sorted(positions + [s for s, _ in names])


_PIECES = st.sampled_from(
    [
        "Anne",
        "Berg",
        "said",
        "says",
        "told",
        "added",
        "the",
        "The",
        "May",
        "March",
        "Monday",
        "I",
        "I'm",
        "Mr",
        "Dr.",
        "St",
        "iPhone",
        "AT&T",
        "Jean-Luc",
        "Jones'",
        "O'Neil",
        "x-Ray",
        "NEWS",
        "5",
        "é",
        "Éric",
        "_A",
    ]
)
_GLUE = st.sampled_from(
    [" ", " ", " ", "  ", "\n", "\n\n", ". ", ", ", ' "', '" ', "(", ")", "-", "'", ": ", "[", "?"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_PIECES, _GLUE), max_size=60))
def test_names_and_chrome_equal_the_plain_rules(res: spec.Resources, pieces: list[tuple[str, str]]) -> None:
    seg = segment("".join(p + g for p, g in pieces))
    chrome = spec._chrome_lines(seg)
    assert chrome == _plain_chrome_lines(seg)
    got = spec._names(
        seg.text, spec._char_classes(seg.text, res.char_classes), [s for s, _ in seg.sentences], chrome
    )
    assert (got.count, got.dates, got.named_attributions, sorted(got.positions)) == _plain_names(seg, chrome)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["said", "ago", "the", "according", "today's", "x"]), max_size=300))
def test_word_counts_equal_plain_counts(res: spec.Resources, words: list[str]) -> None:
    attributions = sum(w in spec.ATTRIBUTION_WORDS for w in words)
    vague = sum(w in spec.VAGUE_TIME for w in words)
    assert spec._word_counts(words, res.word_codes) == (attributions, vague)


_CLASS_ALPHABET = [*"AZaz09_'&-\"([ .\n,", "é", "É", "İ", "ß", "\U0001d400", "\U00020000", "٣", "²", "\u00a0"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_CLASS_ALPHABET), max_size=120) | st.text(max_size=60))
def test_class_bytes_give_the_runs_of_the_text_rules(res: spec.Resources, text: str) -> None:
    classes = spec._char_classes(text, res.char_classes)
    assert classes == b"".join(spec._char_class(ch) for ch in text)  # table, fix-ups and ASCII path agree
    assert [m.span() for m in spec._CLASS_RUN.finditer(classes)] == [
        m.span() for m in spec._CAP_RUN.finditer(text)
    ]
    digit_runs = [m.start() for m in re.finditer(r"[0-9]+", text)]
    assert [m.start() for m in spec._CLASS_DIGITS.finditer(classes)] == digit_runs
    for i, ch in enumerate(text):  # the class of the character before a capital decides its kind
        kind = spec._KIND_AFTER[classes[i]]
        if ch in "\"('[":
            assert kind == spec._INITIAL
        elif ch.isalnum() or ch == "_":
            assert kind == spec._INSIDE_WORD
        else:
            assert kind == spec._MID
