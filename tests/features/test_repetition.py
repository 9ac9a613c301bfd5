from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.features import Context, check_family
from boilerplate_detect.features import repetition as rep
from boilerplate_detect.text import segment

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def res() -> rep.Resources:
    return rep.load()


def _values(text: str, res: rep.Resources) -> dict[str, float]:
    out = rep.extract(segment(text), res, Context())
    return dict(zip(rep.NAMES, out.values, strict=True))


def test_declarations() -> None:
    assert check_family(rep) == []
    assert len(rep.EMPTY_VALUES) == len(rep.NAMES)


# "one two three four five" twice: the second five words (19 of 38 characters) repeat a 5-gram.
FIVE = "one two three four five one two three four five"
# 51 words: 50 distinct, then the first again: every 50-word window has 50 types.
DISTINCT_51 = " ".join(f"w{i}" for i in range(50)) + " w0"


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("", "rep.dup_line_frac", 0.0),
        ("", "rep.compression_excess", 0.0),
        ("", "rep.mattr", 1.0),
        ("", "rep.max_phrase_repeat", 0.0),
        ("a\nb\na", "rep.dup_line_frac", 1 / 3),
        ("a\nbb\nA", "rep.dup_line_char_frac", 1 / 4),  # lines compare lower-cased
        ("x y z\n\nother words\n\nx y z", "rep.dup_para_frac", 1 / 3),
        ("x y z\n\nother words\n\nx y z", "rep.dup_para_char_frac", 5 / 21),
        ("one line only", "rep.dup_line_frac", 0.0),
        ("a b a b c", "rep.top_2gram_char_frac", 4 / 5),  # "a b" twice: 2 x 2 of 5 characters
        ("a b c d", "rep.top_2gram_char_frac", 0.0),  # no 2-gram repeats
        ("a b c a b c d", "rep.top_3gram_char_frac", 6 / 7),
        (FIVE, "rep.dup_5gram_char_frac", 19 / 38),
        (FIVE, "rep.dup_7gram_char_frac", 0.0),
        # 20 words of period 5: every word from the sixth on lies in a repeat of an earlier 10-gram.
        (FIVE + " " + FIVE, "rep.dup_10gram_char_frac", 3 / 4),
        ("alpha beta gamma delta", "rep.mattr", 1.0),  # shorter than the window: plain TTR
        ("dog dog dog dog", "rep.mattr", 1 / 4),
        (DISTINCT_51, "rep.mattr", 1.0),
        (" ".join(["a", "b"] * 50), "rep.mattr", 2 / 50),
        # 12 words; "release of the prisoners" (2 content words) three times: (3 - 1) * 100 / 12.
        ("Release of the prisoners. " * 3, "rep.max_phrase_repeat", 200 / 12),
        ("of the in the of the in the", "rep.max_phrase_repeat", 0.0),  # function words only
    ],
    ids=[
        "empty-dup-line",
        "empty-compression",
        "empty-mattr",
        "empty-phrase",
        "dup-line-frac",
        "dup-line-char-frac",
        "dup-para-frac",
        "dup-para-char-frac",
        "single-line",
        "top-2gram",
        "top-2gram-none",
        "top-3gram",
        "dup-5gram",
        "dup-7gram-none",
        "dup-10gram",
        "mattr-short-distinct",
        "mattr-short-same",
        "mattr-window-distinct",
        "mattr-window-alternating",
        "phrase-repeat",
        "phrase-function-words",
    ],
)
def test_table(res: rep.Resources, text: str, name: str, expected: float) -> None:
    assert _values(text, res)[name] == pytest.approx(expected)


def test_empty_text_gives_the_declared_empty_values(res: rep.Resources) -> None:
    out = rep.extract(segment(""), res, Context())
    assert out.values == rep.EMPTY_VALUES
    assert out.spans == []


def test_compression_excess_orders_redundancy(res: rep.Resources) -> None:
    varied = " ".join(f"token{i} word{i * 7 % 13}" for i in range(200))
    repetitive = _values("again " * 400, res)["rep.compression_excess"]
    assert repetitive < -0.4  # ratio about 0.01 where prose of that length gives about 0.47
    assert _values(varied, res)["rep.compression_excess"] > repetitive


@pytest.mark.parametrize(
    ("n_bytes", "expected"),
    [
        (0, 0.8166),
        (50, 0.8166),
        (300, 0.6040),
        (4000, 0.4652),
        (6650, 0.4616),
        (100_000, 0.4616),
    ],
    ids=["zero", "floor", "short", "article", "curve-minimum", "flat-beyond"],
)
def test_expected_compression_ratio(n_bytes: int, expected: float) -> None:
    assert rep.expected_compression_ratio(n_bytes) == pytest.approx(expected, abs=5e-4)


def test_expected_compression_ratio_never_rises_with_length() -> None:
    values = [rep.expected_compression_ratio(n) for n in range(0, 20_000, 37)]
    assert all(a >= b - 1e-12 for a, b in itertools.pairwise(values))


def test_phrase_spans_mark_each_repeat_after_the_first(res: rep.Resources) -> None:
    text = (
        "The release of the prisoners was delayed. " * 2 + "Officials discussed the release of the prisoners."
    )
    seg = segment(text)
    out = rep.extract(seg, res, Context())
    spans = [s for s in out.spans if "phrase" in s.detail]
    assert spans
    first = seg.text.index("release of the prisoners")
    for s in spans:
        assert s.kind == "repetition"
        assert s.start > first
        assert "release of the prisoners" in seg.text[s.start : s.end]
    assert "3 times" in spans[0].detail


def test_no_spans_without_repetition(res: rep.Resources) -> None:
    out = rep.extract(segment("A plain sentence with no repeats at all."), res, Context())
    assert out.spans == []


def test_duplicate_line_spans_point_at_the_repeats(res: rep.Resources) -> None:
    text = "Share this article\nBody text here.\nShare this article"
    seg = segment(text)
    spans = rep.extract(seg, res, Context()).spans
    assert [(seg.text[s.start : s.end], s.detail) for s in spans] == [
        ("Share this article", "duplicate line")
    ]
    assert spans[0].start == text.rindex("Share")


def test_word_level_values_do_not_depend_on_layout(res: rep.Resources) -> None:
    paras = [
        "The council met on Tuesday to discuss the new barrier.",
        "Residents asked about the cost of the barrier and the timetable.",
        "Engineers said the work would take about two years to finish.",
    ]
    split = _values("\n\n".join(paras), res)
    flat = _values(" ".join(paras), res)
    for name in rep.NAMES[4:]:
        assert split[name] == pytest.approx(flat[name]), name


def test_values_are_deterministic_across_hash_seeds(res: rep.Resources) -> None:
    text = "the cat sat on the mat and the cat sat on the hat " * 3
    code = (
        "from boilerplate_detect.features import repetition as r, Context\n"
        "from boilerplate_detect.text import segment\n"
        f"print(repr(r.extract(segment({text!r}), r.load(), Context()).values))"
    )
    outs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, cwd=ROOT
        )
        outs.add(run.stdout)
    assert len(outs) == 1
    assert outs.pop().strip() == repr(rep.extract(segment(text), res, Context()).values)


_TEXTS = st.text(alphabet=st.sampled_from(list("ab cAB.\n\n,'\"-1é")), max_size=300) | st.text(max_size=200)


@settings(max_examples=150, deadline=None)
@given(text=_TEXTS)
def test_values_are_finite_in_range_and_deterministic(res: rep.Resources, text: str) -> None:
    seg = segment(text)
    out = rep.extract(seg, res, Context())
    assert len(out.values) == len(rep.NAMES)
    for v, (lo, hi) in zip(out.values, rep.RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
    assert rep.extract(segment(text), res, Context()) == out
    for s in out.spans:
        assert 0 <= s.start < s.end <= len(seg.text)
        assert s.kind == "repetition"


def _function_words() -> list[str]:
    from boilerplate_detect.features._lexicon import load_lines

    return sorted({w for line in load_lines("function_words.txt") for w in line.split(":", 1)[1].split()})


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.sampled_from(_function_words()) | st.text("abcdefgh'", min_size=1, max_size=8),
        min_size=1,
        max_size=60,
    )
)
def test_function_word_table_agrees_with_the_word_list(res: rep.Resources, words: list[str]) -> None:
    # The collision-free table must give exactly the membership of the function-word list.
    fw = set(_function_words())
    h, _ = rep._word_hashes(" ".join(words), res)
    assert len(res.function_table) > 0
    assert rep._is_function_word(h, res).tolist() == [w in fw for w in words]


@pytest.mark.parametrize(
    ("keys", "size"),
    [([], 0), ([5], 256), ([1, 2, 3], 256)],
    ids=["empty", "one", "three"],
)
def test_hash_table_sizes(keys: list[int], size: int) -> None:
    import numpy as np

    table, _shift = rep._hash_table(np.array(keys, dtype=np.uint64))
    assert len(table) == size
    assert set(table.tolist()) == set(keys)


# --- The fast paths equal the plain definitions ------------------------------------------------

_MASK64 = (1 << 64) - 1


def _plain_word_hash(word: str) -> int:
    """A word's hash by its definition: code points times powers of P, then the splitmix step."""
    h = sum(ord(c) * pow(rep._P, k, 1 << 64) for k, c in enumerate(word)) & _MASK64
    h ^= h >> 31
    return (h * rep._MIX) & _MASK64


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_characters=" \0"), min_size=1, max_size=12),
        min_size=1,
        max_size=40,
    )
)
def test_word_hashes_equal_their_definition(res: rep.Resources, words: list[str]) -> None:
    h, spaces = rep._word_hashes(" ".join(words), res)
    assert h.tolist() == [_plain_word_hash(w) for w in words]
    # spaces[k] - k: the characters of the words before word k
    assert (spaces - range(len(words) + 1)).tolist() == list(itertools.accumulate(map(len, words), initial=0))


# A small vocabulary (function words and content words) so that n-grams, phrases and long
# n-grams repeat, counts tie and windows of MATTR_WINDOW words hold repeats.
_VOCAB = ["the", "of", "and", "to", "a", "in", "council", "barrier", "river", "cost", "flood", "residents"]
_WORD_LISTS = st.lists(st.sampled_from(_VOCAB), max_size=400) | st.lists(
    st.sampled_from(_VOCAB[:3] + _VOCAB[6:8]), min_size=40, max_size=120
)


def _both_paths(res: rep.Resources, text: str) -> tuple[object, object]:
    seg = segment(text)
    h, spaces = rep._word_hashes(seg.joined_words(), res) if seg.words else (None, None)
    if h is None:
        return None, None
    fast_spans: list[rep.RawSpan] = []
    plain_spans: list[rep.RawSpan] = []
    fast = rep._fast_word_stats(seg, res, h, spaces, fast_spans)
    plain = rep._plain_word_stats(seg, res, h, plain_spans)
    return (fast, fast_spans), (plain, plain_spans)


@settings(max_examples=300, deadline=None)
@given(words=_WORD_LISTS, cuts=st.lists(st.integers(0, 399), max_size=8))
def test_fast_word_stats_equal_the_plain_path(res: rep.Resources, words: list[str], cuts: list[int]) -> None:
    # Sentences and lines at random places: spans are located through the segmentation.
    marks = {c: ".\n" if c % 2 else "." for c in cuts}
    text = " ".join(w + marks.get(i, "") for i, w in enumerate(words))
    fast, plain = _both_paths(res, text)
    if len(words) >= 2:
        assert fast is not None and fast[0] is not None
    if fast is not None and fast[0] is not None:
        assert fast == plain  # bit-identical values, identical spans


@pytest.mark.parametrize(
    "text",
    [
        "word " * 400,  # one 4-gram repeated 397 times: many spans (capped), long repeats
        "a b",  # two words: smallest fast input
        " ".join(f"w{i}" for i in range(60)) * 2,  # distinct words, then all of them again
        "the cat sat on the mat and the cat sat on the hat " * 6,
        "the " * 8,  # a repeated 5-gram and 7-gram in fewer words than the longest n-gram
    ],
    ids=["one_word_repeated", "two_words", "long_repeat", "rhyme", "shorter_than_longest_ngram"],
)
def test_fast_word_stats_equal_the_plain_path_on_edge_texts(res: rep.Resources, text: str) -> None:
    fast, plain = _both_paths(res, text)
    assert fast is not None and fast[0] is not None
    assert fast == plain


def test_fast_word_stats_decline_when_high_hash_bits_collide(res: rep.Resources) -> None:
    # Two different "words" whose hashes share every bit above the position bits: the fast
    # path cannot tell them apart by those bits and must leave the text to the plain path.
    import numpy as np

    seg = segment("alpha beta alpha beta")
    h = np.array([0xABC0, 0xABC1, 0xABC0, 0xABC1], dtype=np.uint64)
    spaces = np.array([0, 6, 11, 17, 22])
    assert rep._fast_word_stats(seg, res, h, spaces, []) is None
    h[1] = 0xFFFF0
    h[3] = 0xFFFF0
    assert rep._fast_word_stats(seg, res, h, spaces, []) is not None


@pytest.mark.parametrize("n_words", range(1, 13))
def test_one_word_repeated_a_few_times(res: rep.Resources, n_words: int) -> None:
    # Fewer words than the longest duplicate n-gram: its fraction is 0.0. Once an n-gram
    # repeats (n + 1 words or more) its repeats cover every word after the first.
    values = _values("the " * n_words, res)
    for n in (5, 7, 10):
        expected = (n_words - 1) / n_words if n_words > n else 0.0
        assert values[f"rep.dup_{n}gram_char_frac"] == expected
    if n_words >= 2:
        fast, plain = _both_paths(res, "the " * n_words)
        assert fast == plain
