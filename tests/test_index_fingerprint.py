"""Fast paths of the index fingerprint against the plain computations they replace."""

from __future__ import annotations

import struct

import pytest
import xxhash
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.facts import extract_facts
from boilerplate_detect.index_fingerprint import IndexParams, fingerprint
from boilerplate_detect.text import segment

# Pieces that make the normalisation move or keep offsets: runs of spaces, curly
# quotes and dashes (one for one), entities and invisible characters (removed).
_PIECES = st.sampled_from(
    [
        "Anne Berg",
        " said ",
        "  ",
        "   ",
        "\u201cquoted words here\u201d",
        "\u2014",
        "&amp;",
        "\u200b",
        "\u00a0",
        "12%",
        ". ",
        "\n",
        "\n\n",
        "Oslo on Friday",
        "The council in Tromso said it would build 340 homes",
        " on March 3 in 2024 ",
        " \u201cwe were never told about the water\u201d ",
        "caf\u00e9",
        "\ufb01",
        "\u2026",
        "\u00bd",
    ]
)
_TEXTS = st.lists(_PIECES, max_size=40).map("".join)


@pytest.mark.parametrize(
    ("text", "spans", "expected"),
    [
        ("", [], []),
        ("Plain text. Two sentences.", [(0, 11), (12, 26)], [0, 11, 12, 26]),
        ("Curly \u201cquotes\u201d only.", [(0, 20)], [0, 20]),
        ("Two  spaces  here. And more.", [(0, 16), (17, 26)], [0, 18, 19, 28]),
        ("Entity &amp; text.", [(0, 14), (7, 8)], [0, 18, 7, 12]),
    ],
    ids=["empty", "no-map", "quotes-only", "folded-spaces", "entity"],
)
def test_to_original_many_table(text: str, spans: list[tuple[int, int]], expected: list[int]) -> None:
    seg = segment(text)
    flat = [p for s in spans for p in s]
    assert seg.to_original_many(flat) == expected == [seg.to_original(p) for p in flat]


@settings(max_examples=200, deadline=None)
@given(_TEXTS, st.data())
def test_to_original_many_equals_to_original_one_by_one(text: str, data: st.DataObject) -> None:
    seg = segment(text)
    flat = [p for s in seg.sentences for p in s]
    assert seg.to_original_many(flat) == [seg.to_original(p) for p in flat]
    n = len(seg.text)
    spans = data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=6))
    flat = [p for s in spans for p in s]
    assert seg.to_original_many(flat) == [seg.to_original(p) for p in flat]


@settings(max_examples=100, deadline=None)
@given(st.one_of(_TEXTS, st.text(max_size=300)))
def test_fact_sentences_are_the_first_kept_sentence_of_each_fact(text: str) -> None:
    seg = segment(text)
    facts = extract_facts(seg)
    fp = fingerprint("a", "", None, seg, IndexParams())
    kept = [fs for fs, ws in zip(facts.by_sentence, seg.sentence_words, strict=True) if ws]
    first: dict[int, int] = {}
    for j, fs in enumerate(kept):
        for f in fs:
            first.setdefault(f, j)
    assert fp.facts.tolist() == sorted(first)
    assert fp.fact_sent.tolist() == [first[f] for f in sorted(first)]
    # a sentence's fact-set hash: two or more facts, one of them a number, date, quote or person
    expected = []
    for fs in kept:
        ident = sorted({f & 0xFFFFFFFC for f in fs})
        strong = len(fs) >= 2 and any(f & 2 for f in fs)
        packed = struct.pack(f"<{len(ident)}I", *ident)
        expected.append((xxhash.xxh3_64_intdigest(packed) & 0xFFFFFFFF) or 1 if strong else 0)
    assert fp.sent_facts.tolist() == expected


def test_fact_set_of_many_facts_is_packed_like_a_few() -> None:
    # 70 numbers with units in one long body sentence: more identities than the cached packers
    text = "The council listed " + ", ".join(f"{100 + i} homes" for i in range(70)) + " in Oslo."
    seg = segment(text)
    fp = fingerprint("a", "", None, seg, IndexParams())
    ident = sorted({f & 0xFFFFFFFC for f in extract_facts(seg).by_sentence[0]})
    assert len(ident) > 64
    packed = struct.pack(f"<{len(ident)}I", *ident)
    assert fp.sent_facts.tolist() == [(xxhash.xxh3_64_intdigest(packed) & 0xFFFFFFFF) or 1]
