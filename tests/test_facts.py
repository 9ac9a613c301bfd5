"""Fact fingerprints: body sentences only, names, numbers with units, quotes, weights."""

from __future__ import annotations

import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect import facts as facts_module
from boilerplate_detect.facts import (
    CLASS_WEIGHTS,
    W_STRONG,
    W_WEAK,
    _extract_facts,
    _RunMemo,
    extract_facts,
    fact_class,
    fact_weight,
)
from boilerplate_detect.text import segment
from tests.facts_reference import body_limits, reference_facts
from tests.texts import CLEAN_NEWS, EMPTY, TEMPLATED


def _h(kind: str, key: str, cls: int) -> int:
    return (xxhash.xxh3_64_intdigest(f"{kind}\x00{key}".encode()) & 0xFFFFFFFC) | cls


def facts_of(text: str) -> set[int]:
    return set(extract_facts(segment(text)).hashes)


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        (EMPTY, [], []),
        (
            "The council said on Friday that it would spend $45 million on 340 homes in the north of Tromso.",
            [("n", "$45", 2), ("n", "340", 2), ("e", "tromso", 1), ("d", "friday", 0)],
            [("e", "the", 1)],
        ),
        (
            "Flooding closed 12 schools in the valley this week, said Anne Berg, a police spokeswoman there.",
            [("e", "anne berg", 3), ("n", "12", 2)],
            [("e", "flooding", 1)],  # sentence-initial capital, never mid-sentence
        ),
        (
            'Residents told the mayor that "we were not warned about the water at all" on a long evening.',
            [("q", "we were not warned about the water at all", 3)],
            [],
        ),
        (
            "Key Points\nFAQs\nFollow Daily Buzz Times\nThe river rose two metres overnight in the old town.",
            [],
            [("e", "key points", 1), ("e", "daily buzz times", 1), ("e", "faqs", 1)],
        ),
        (
            "Sales rose by 12% in 2019 while costs in the region stayed flat for most of the year.",
            [("n", "12%", 2), ("y", "2019", 0)],
            [],
        ),
    ],
    ids=[
        "empty",
        "names-numbers",
        "attributed-person",
        "quote",
        "template-lines-skipped",
        "percent-and-year",
    ],
)
def test_facts_table(
    text: str, present: list[tuple[str, str, int]], absent: list[tuple[str, str, int]]
) -> None:
    got = facts_of(text)
    for kind, key, cls in present:
        assert _h(kind, key, cls) in got, (kind, key, cls)
    for kind, key, cls in absent:
        assert not any((h & ~3) == (_h(kind, key, cls) & ~3) for h in got), (kind, key)
    if not text:
        assert got == set()


def test_sentence_initial_name_counts_when_it_recurs_mid_sentence() -> None:
    text = (
        "Berg arrived at the scene before dawn on the first day. "
        "Officials thanked Berg for her quick work there."
    )
    assert _h("e", "berg", 1) in facts_of(text)


def test_template_lines_add_no_facts() -> None:
    assert facts_of(TEMPLATED) == facts_of(CLEAN_NEWS)


def test_weights_rank_attributed_person_over_bare_year() -> None:
    assert fact_weight(_h("e", "anne berg", 3)) == W_STRONG > fact_weight(_h("y", "2019", 0)) == W_WEAK
    assert fact_class(_h("n", "12", 2)) == 2
    assert tuple(sorted(CLASS_WEIGHTS)) == CLASS_WEIGHTS


def test_by_sentence_matches_segmentation() -> None:
    seg = segment(CLEAN_NEWS)
    f = extract_facts(seg)
    assert len(f.by_sentence) == len(seg.sentences)
    assert set(f.hashes) == {h for s in f.by_sentence for h in s}
    assert f.weight > 0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_sorted_distinct_32bit_facts(text: str) -> None:
    f = extract_facts(segment(text))
    assert list(f.hashes) == sorted(set(f.hashes))
    assert all(0 <= h < 2**32 for h in f.hashes)
    assert f == extract_facts(segment(text))


_NEWSY = st.lists(
    st.sampled_from(
        [
            "The",
            "This",
            "said",
            "told",
            "Anne",
            "Berg",
            "of",
            "Oslo",
            "Mr",
            "March",
            "Friday",
            "12",
            "2024",
            "$45",
            "million",
            "homes",
            "%",
            "per",
            "U.S.",
            "de",
            "Van",
            "the",
            "council",
            "in",
            "a",
            "O'Neil",
            "Jean-Luc",
            "2,500",
            "3.5",
            ".",
            ",",
            "\n",
            '"',
            "Follow",
            "©",
        ]
    ),
    max_size=80,
).map(" ".join)


@settings(max_examples=80, deadline=None)
@given(st.lists(_NEWSY, min_size=1, max_size=4))
def test_shared_run_memo_gives_the_facts_of_a_fresh_one(texts: list[str]) -> None:
    memo = _RunMemo()
    for text in texts:
        seg = segment(text)
        assert _extract_facts(seg, memo) == extract_facts(seg)


def test_run_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts_module, "_MEMO_LIMIT", 3)
    memo = _RunMemo()
    text = "Anne Berg met Carl Olsen and Dana Lee in Oslo on Friday, the council in Tromso said."
    seg = segment(text)
    assert _extract_facts(seg, memo) == extract_facts(seg)
    assert 0 < len(memo.runs) <= 3


_MIXED = st.lists(
    st.sampled_from([*"Ab Zz.'-,0 19\n\"$é€٣%", " of ", " de ", "Mr ", "The ", " million", " per "]),
    max_size=80,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(_MIXED, st.text(max_size=200)))
def test_class_byte_patterns_find_the_spans_of_the_text_patterns(text: str) -> None:
    classes = text.encode("latin-1", "replace").translate(facts_module._CLASS_TABLE)
    runs = [m.span() for m in facts_module._CAP_RUN_CLASS.finditer(classes)]
    assert runs == [m.span() for m in facts_module._CAP_RUN.finditer(text)]
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return  # numbers are then found on the text itself
    # a number and the words _AFTER_NUM takes after it
    numbers = [m.span() for m in facts_module._NUM_UNIT_CLASS.finditer(classes)]
    expected = []
    for m in facts_module._NUM_RE.finditer(text):
        after = facts_module._AFTER_NUM.match(text, m.end())
        expected.append((m.start(), m.end() if after is None else after.end()))
    assert numbers == expected


def test_non_latin1_digits_still_make_numbers() -> None:
    text = "The council in Tromso said it would build \u0663\u0664\u0660 homes near the harbour next year."
    assert _h("n", "\u0663\u0664\u0660", 2) in facts_of(text)


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F), max_size=120))
def test_ascii_quote_words_equal_the_word_pattern(quote: str) -> None:
    words = quote.encode().lower().translate(facts_module._SPACE_NON_ALNUM).split()
    assert [w.decode() for w in words] == facts_module._WORD.findall(quote.lower())


# Sentences of news-like pieces: names, numbers with and without units, dates, quotes,
# template lines, short headings, attributions; joined into a few paragraphs.
_PIECE = st.sampled_from(
    [
        "Anne Berg",
        "Oslo",
        "Mr Carl Olsen",
        "the Bank of Norway",
        "March",
        "Friday",
        "said",
        "told reporters",
        "12",
        "2,500",
        "3.5",
        "$45 million",
        "\u20ac3 billion",
        "340 homes",
        "12%",
        "7 percent of voters",
        "1999",
        "2024",
        "on March 3",
        "per",
        "the council",
        "in",
        "of",
        '"we were never told about the water"',
        "Follow us",
        "\u00a9 2024",
        "caf\u00e9",
        "\u0663\u0664",
        "\u6771\u4eac",
    ]
)
_SENTENCE = st.lists(_PIECE, min_size=1, max_size=14).map(lambda ws: " ".join(ws) + ".")
_ARTICLE = st.lists(st.lists(_SENTENCE, min_size=1, max_size=4).map(" ".join), min_size=1, max_size=6).map(
    "\n".join
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_ARTICLE, _NEWSY, _MIXED, st.text(max_size=300)))
def test_facts_equal_the_reference_extraction(text: str) -> None:
    seg = segment(text)
    assert _extract_facts(seg, _RunMemo()) == reference_facts(seg, _RunMemo())
    assert facts_module._body_limits(seg) == body_limits(seg)


@settings(max_examples=60, deadline=None)
@given(st.lists(_ARTICLE, min_size=2, max_size=5))
def test_shared_memos_give_the_reference_facts(texts: list[str]) -> None:
    memo = _RunMemo()
    for text in texts:
        seg = segment(text)
        assert _extract_facts(seg, memo) == reference_facts(seg, _RunMemo())


def test_number_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(facts_module, "_MEMO_LIMIT", 2)
    memo = _RunMemo()
    text = "The council said it would build 340 homes, spend $45 million and hire 12 staff by 2026."
    seg = segment(text)
    assert _extract_facts(seg, memo) == reference_facts(seg, _RunMemo())
    assert 0 < len(memo.numbers) <= 2
