from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from boilerplate_detect.text import (
    _ABBREV,
    _HOMOGLYPH_ANY,
    _HOMOGLYPHS,
    _SENT_END,
    _SPECIAL,
    _WORD,
    MAX_CHARS,
    _fold_spaces,
    _map_homoglyphs,
    _may_hold_homoglyphs,
    _scan,
    _special_spans,
    _tokens,
    normalise,
    segment,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", ""),
        ("plain ascii", "plain ascii"),
        ("a  \t b", "a b"),
        ("zero\u200bwidth", "zerowidth"),
        ("soft\u00adhyphen", "softhyphen"),
        ("\uff26\uff55\uff4c\uff4c width", "Full width"),
        ("p\u0430dded", "padded"),  # Cyrillic a inside a Latin word
        ("\u0441\u043e\u0440", "\u0441\u043e\u0440"),  # an all-Cyrillic word stays
        ("\u201cquoted\u201d and it\u2019s", '"quoted" and it\'s'),
        ("AT&amp;T &#169;", "AT&T ©"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("ctl\x00\x07char", "ctlchar"),
        ("em\u2014dash", "em-dash"),
    ],
    ids=[
        "empty",
        "ascii",
        "spaces",
        "zero-width",
        "soft-hyphen",
        "full-width",
        "homoglyph",
        "cyrillic-kept",
        "quotes",
        "entities",
        "newlines",
        "controls",
        "dash",
    ],
)
def test_normalise_table(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_segment_structure() -> None:
    text = 'Title line\n\nMr. Smith said "yes". He left at 5 p.m. on Monday! Why?\nNext line.\n\nLast para.'
    seg = segment(text)
    assert [seg.line_text(i) for i in range(len(seg.lines))] == [
        "Title line",
        'Mr. Smith said "yes". He left at 5 p.m. on Monday! Why?',
        "Next line.",
        "Last para.",
    ]
    assert seg.line_paragraph == [0, 1, 1, 2]
    assert [seg.sentence_text(i) for i in range(len(seg.sentences))] == [
        "Title line",
        'Mr. Smith said "yes".',
        "He left at 5 p.m. on Monday!",
        "Why?",
        "Next line.",
        "Last para.",
    ]
    assert seg.words[:4] == ["title", "line", "mr", "smith"]
    assert sum(len(w) for w in seg.sentence_words) == len(seg.words)


def test_lines_are_paragraphs_without_blank_lines() -> None:
    seg = segment("one\ntwo\nthree")
    assert seg.line_paragraph == [0, 1, 2]
    assert len(seg.paragraphs) == 3


def test_empty_and_blank() -> None:
    for t in ("", "   \n\n \t"):
        seg = segment(t)
        assert seg.words == [] and seg.lines == [] and seg.sentences == [] and seg.paragraphs == []


def test_truncation_is_flagged() -> None:
    seg = segment("word " * 100, max_chars=101)
    assert seg.truncated and len(seg.original) <= 101
    assert not segment("short").truncated
    assert MAX_CHARS >= 100_000


@given(st.text(max_size=300))
def test_word_offsets_map_back_to_the_original(text: str) -> None:
    seg = segment(text)
    starts = seg.word_starts()
    assert len(starts) == len(seg.words)
    for i, w in enumerate(seg.words):
        s, e = seg.to_original(starts[i]), seg.to_original(seg.word_end(i))
        assert 0 <= s <= e <= len(text)
        assert seg.text[starts[i] : seg.word_end(i)].lower() == w or len(seg.text.lower()) != len(seg.text)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_normalise_is_idempotent_on_words(text: str) -> None:
    once = segment(text).words
    assert segment(normalise(text)).words == once


@given(st.text(max_size=200))
def test_spans_of_lines_and_sentences_are_ordered(text: str) -> None:
    seg = segment(text)
    for spans in (seg.lines, seg.sentences, seg.paragraphs):
        prev = 0
        for s, e in spans:
            assert prev <= s < e <= len(seg.text)
            prev = e


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("It's 'quoted' here.", [["it's", "quoted", "here"]]),
        ("Rock'n'roll a''b ' x_y.", [["rock'n'roll", "a", "b", "x_y"]]),
        ("One. Two-three 4,5!", [["one"], ["two", "three", "4", "5"]]),
    ],
    ids=["empty", "apostrophes", "stray-apostrophes", "punctuation"],
)
def test_ascii_tokens_table(text: str, expected: list[list[str]]) -> None:
    assert segment(text).sentence_words == expected


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126) | st.just("\n"), max_size=300))
def test_ascii_fast_tokeniser_matches_the_word_pattern(text: str) -> None:
    # The ASCII path splits a translated copy; it must agree with the word regex everywhere.
    seg = segment(text)
    low = seg.text.lower()
    assert seg.sentence_words == [_WORD.findall(low, s, e) for s, e in seg.sentences]


_RUN_ALPHABET = st.sampled_from(
    [
        " ",
        "  ",
        "\t",
        "\u00a0",
        "\u2003",
        "\u200b",
        "\u0301",
        "&amp;",
        "&#8203;",
        "&nbsp;",
        "a",
        "\u2019",
        "\n",
        "\u00e9",
    ]
)


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("", []),
        ("a b", []),
        ("a  b", [(1, 3)]),
        ("a \u200b b", [(1, 4)]),
        ("a \u200bb", [(2, 3)]),
        ("\u00a0  x &amp; \u2019", [(0, 3), (5, 10), (11, 12)]),
    ],
    ids=["empty", "single-space", "two-spaces", "space-invisible-space", "space-invisible", "mixed"],
)
def test_special_spans_table(text: str, spans: list[tuple[int, int]]) -> None:
    assert _special_spans(text) == spans


@given(st.lists(_RUN_ALPHABET, max_size=40).map("".join) | st.text(max_size=200))
def test_special_spans_are_the_matches_of_the_reference_pattern(text: str) -> None:
    # The two-pattern scan must find exactly what the single reference pattern finds.
    assert _special_spans(text) == [m.span() for m in _SPECIAL.finditer(text)]


# Characters that start a special span or not, ASCII and not (a lone surrogate, an
# astral character, a character kept as it is, controls, an entity start).
_FIRST_ALPHABET = st.sampled_from(
    ["a", " ", "&", "&amp;", "\x00", "\x7f", "\t", "\n", "\u00e9", "\u00a3", "\ud800", "\U0001f600"]
)


@given(st.lists(_FIRST_ALPHABET, max_size=60).map("".join))
def test_special_spans_of_any_character_match_the_reference_pattern(text: str) -> None:
    # Lone surrogates, characters of four UTF-8 bytes, controls and entity starts among
    # plain text: the scan finds what the reference pattern finds.
    assert _special_spans(text) == [m.span() for m in _SPECIAL.finditer(text)]


@pytest.mark.parametrize(
    ("text", "joined"),
    [("", ""), ("One.", "one"), ("It's a Test. Two!", "it's a test two")],
    ids=["empty", "one-word", "two-sentences"],
)
def test_joined_words_table(text: str, joined: str) -> None:
    seg = segment(text)
    assert seg.joined_words() == joined
    assert seg.joined_words() is seg.joined_words()  # kept, not recomputed


@given(st.text(max_size=200))
def test_joined_words_are_the_words(text: str) -> None:
    seg = segment(text)
    assert seg.joined_words() == " ".join(seg.words)


def test_a_quote_inside_a_compatibility_form_is_straightened() -> None:
    # "\u0149" (n with apostrophe) is "\u02bcn" in NFKC; the modifier apostrophe is a quote.
    assert normalise("\u0149") == "'n"
    assert segment("\u0149").words == segment(normalise("\u0149")).words == ["n"]


# ASCII, letters and digits of other scripts, numerics, quotes, spaces, a combining mark.
_ANY_SCRIPT = st.sampled_from(
    list(
        " \n'aB7_.!-\u00e9\u00c9\u0436\u03b1\u4e2d\u0661\u00bd\u00b2\u2019\u201c\u00a0\u2003\u0301\u00df\u2460\U0001d400\u00ab"
    )
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("Caf\u00e9's \u00abmenu\u00bb.", [["caf\u00e9's", "menu"]]),
        (
            "\u0436'\u0436 '\u03b1 \u03b2' \u4e2d\u6587!",
            [["\u0436'\u0436", "\u03b1", "\u03b2", "\u4e2d\u6587"]],
        ),
        # NFKC first: "x2 = 1\u20442 1." (the fraction slash is not a word character).
        ("x\u00b2 = \u00bd \u2460.", [["x2", "1", "2", "1"]]),
    ],
    ids=["empty", "latin", "other-scripts", "numbers"],
)
def test_tokens_any_script_table(text: str, expected: list[list[str]]) -> None:
    assert segment(text).sentence_words == expected


@given(st.lists(_ANY_SCRIPT, max_size=60).map("".join) | st.text(max_size=200))
def test_any_script_tokeniser_matches_the_word_pattern(text: str) -> None:
    # The non-ASCII path substitutes and splits; it must agree with the word regex everywhere.
    seg = segment(text)
    low = seg.text.lower()
    if len(low) == len(seg.text):
        assert seg.sentence_words == [_WORD.findall(low, s, e) for s, e in seg.sentences]
        assert _tokens(low, seg.sentences) == [_WORD.findall(low, s, e) for s, e in seg.sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ""),
        ("a  b", "a b"),
        ("  lead and trail  ", " lead and trail "),
        ("one   two    three\n\n  four .  ", "one two three\n\n four . "),
    ],
    ids=["empty", "two-spaces", "outer-runs", "many-runs"],
)
def test_fold_spaces_table(text: str, expected: str) -> None:
    assert _fold_spaces(text)[0] == expected
    check_fold_spaces(text)


def check_fold_spaces(text: str) -> None:
    norm, omap = _fold_spaces(text)
    ref_norm, ref_map = _scan(text)
    assert norm == ref_norm
    if ref_map is None:
        assert (omap.norm, omap.orig) == ([0], [0])
    else:
        assert (omap.norm, omap.orig) == (ref_map.norm, ref_map.orig)


@given(st.text(alphabet=st.sampled_from(" \nab.'-"), max_size=200))
def test_fold_spaces_is_the_scan_of_plain_ascii(text: str) -> None:
    # The ASCII fast path with runs of spaces gives the general scan's text and offset map.
    check_fold_spaces(text)


def _split_sentences_plainly(text: str, lines: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """The sentence splitter without its shortcut: the abbreviation check at every mark."""
    out = []
    for li, (ls, le) in enumerate(lines):
        start = ls
        for m in _SENT_END.finditer(text, ls, le):
            ms = m.start()
            head = text[max(ms - 40, start) : ms].rsplit(None, 1)
            if head:
                last_word = head[-1].lower().lstrip("\"'(")
                if last_word in _ABBREV or (len(last_word) == 1 and last_word.isalpha()):
                    continue
            out.append((start, ms + len(m.group().rstrip()), li))
            start = m.end()
        if start < le:
            out.append((start, le, li))
    return out


# Abbreviations, single letters, long words, quotes and brackets before marks of every kind.
# Sentence-end candidates: a word (abbreviations, single letters, quoted or bracketed words,
# longer words), marks, white space (or none) and what follows.
_WORD_BEFORE_MARK = st.sampled_from(
    ["Mr", "mrs", "U.S", "e.g", "a", "B", "\u00c9", "word", "words", "Sept", "(Mr", '"""sen', "x\u0130", ""]
)
_MARK = st.sampled_from([".", "!", "?", "...", ".)", '."', "'.", ""])
_AFTER_MARK = st.sampled_from([" ", "  ", "\n", " \n ", "\n\n", "\u00a0", "\u00a0\n", "", " x"])
_NEXT = st.sampled_from(["Next", "9", '"Q', "(A", "lower", ""])
_SENTENCE_TEXT = st.lists(
    st.tuples(_WORD_BEFORE_MARK, _MARK, _AFTER_MARK, _NEXT).map("".join), max_size=30
).map(" ".join)


@given(_SENTENCE_TEXT)
def test_sentence_splitter_matches_the_plain_check(text: str) -> None:
    seg = segment(text)
    got = [(s, e, li) for (s, e), li in zip(seg.sentences, seg.sentence_line, strict=True)]
    assert got == _split_sentences_plainly(seg.text, seg.lines)


def _normalise_plainly(text: str) -> tuple[str, list[int]]:
    """The scan of every special character (no fast path), and the offsets it maps to."""
    norm, omap = _scan(text)
    if _HOMOGLYPH_ANY.search(norm):
        norm = _map_homoglyphs(norm)
    return norm, [pos if omap is None else min(omap(pos), len(text)) for pos in range(len(norm) + 3)]


# ASCII, runs of white space, curly quotes and dashes (common and rarer), entities,
# invisible and combining characters, compatibility forms, homoglyphs, controls.
_ASCII_PARTS = ("a", "B", " ", "  ", ".", "\n", "\t", "\r\n", "\x00")
_QUOTE_PARTS = ("\u2019", "\u201c", "\u201d", "\u2014", "\u2013", "\u2018", "\u2032", "\u00ab")
_OTHER_PARTS = ("\u200b", "&amp;", "&rsquo;", "&#8217;", "\u00a0", "\ufb01", "\u2026", "e\u0301", "\u00e9")
_SCRIPT_PARTS = ("\u0430", "\u0441\u043e\u0440", "\u0130", "\U0001d400")
_NORMALISE_PARTS = st.sampled_from([*_ASCII_PARTS, *_QUOTE_PARTS, *_OTHER_PARTS, *_SCRIPT_PARTS])


@given(st.lists(_NORMALISE_PARTS, max_size=40).map("".join))
def test_normalisation_and_offsets_match_the_plain_scan(text: str) -> None:
    # The fast paths (plain ASCII, folded spaces, quotes replaced in bulk) change nothing:
    # the same text, and every offset maps back to the same place.
    seg = segment(text)
    norm, offsets = _normalise_plainly(text)
    assert seg.text == norm
    assert [seg.to_original(pos) for pos in range(len(norm) + 3)] == offsets


def test_homoglyphs_are_above_latin1() -> None:
    # _may_hold_homoglyphs skips texts whose characters are all at most U+00FF.
    assert min(map(ord, _HOMOGLYPHS)) > 0xFF
    assert not _may_hold_homoglyphs("caf\u00e9 \u00a3") and _may_hold_homoglyphs("p\u0430d")


def _lines_plainly(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    """Every non-blank line stripped, and its paragraph, by stripping each line in turn."""
    has_blank = re.search(r"\n[ ]*\n", text) is not None
    lines: list[tuple[int, int]] = []
    paragraph: list[int] = []
    prev_end = 0
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group()
        if raw.strip():
            s = m.start() + len(raw) - len(raw.lstrip())
            new = not lines or not has_blank or text.count("\n", prev_end, s) >= 2
            paragraph.append(paragraph[-1] + new if paragraph else 0)
            lines.append((s, s + len(raw.strip())))
            prev_end = lines[-1][1]
    return lines, paragraph


@given(
    st.lists(
        st.sampled_from(
            ["a", "b c", " ", "  ", "\n", "\n\n", " \n ", "\u205f", "\u3000", "\t", ".", "&ThickSpace;"]
        ),
        max_size=40,
    )
)
def test_lines_match_the_plain_strip(parts: list[str]) -> None:
    seg = segment("".join(parts))
    assert (seg.lines, seg.line_paragraph) == _lines_plainly(seg.text)
    # A paragraph spans from its first line's start to its last line's end.
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for (s, e), p in zip(seg.lines, seg.line_paragraph, strict=True):
        first.setdefault(p, s)
        last[p] = e
    assert seg.paragraphs == [(first[p], last[p]) for p in sorted(first)]
