"""Tests of the ``coh.`` family: content stems, window and split cosines, bounds, layout."""

from __future__ import annotations

import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.features import Context
from boilerplate_detect.features import coherence as H
from boilerplate_detect.text import segment
from tests import texts as X


@pytest.fixture(scope="module")
def res() -> H.CoherenceResources:
    return H.load()


def values(res: H.CoherenceResources, text: str) -> tuple[float, ...]:
    return H.extract(segment(text), res, Context()).values


AB = "Alpha bravo charlie. "  # content stems: alpha, bravo, charli
DE = "Delta echo foxtrot. "  # content stems: delta, echo, foxtro

TABLE = [
    # Nothing to compare: no seam.
    ("empty", X.EMPTY, (1.0, 1.0)),
    ("blank", X.BLANK, (1.0, 1.0)),
    ("one_word", X.ONE_WORD, (1.0, 1.0)),
    ("three_sentences", AB + DE + DE, (1.0, 1.0)),
    # Four sentences, no content words at all: no seam either.
    ("function_words_only", "They said that this would have been there. " * 4, (1.0, 1.0)),
    # One story throughout: every comparison is between identical profiles.
    ("one_story", AB * 4, (1.0, 1.0)),
    # n=4: splits at k=2 (AB AB | DE DE: cos 0) and k=3 (cos 3/sqrt(15*3));
    # blocks of 3 leave a one-sentence tail, which joins: one block, no window.
    ("two_stories_4", AB * 2 + DE * 2, (1.0, 0.0)),
    # n=9, three blocks [0,3) [3,6) [6,9): boundary 3 compares AB*3 with AB*3+DE*3
    # (cos 18/sqrt(18*36) = 0.7071), boundary 6 compares AB*6 with DE*3 (cos 0).
    ("two_stories_9", AB * 6 + DE * 3, (0.0, 0.0)),
    # n=9, a seam-free mix: every sentence holds both stories' words.
    ("mixed_9", "Alpha bravo charlie delta echo foxtrot. " * 9, (1.0, 1.0)),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in TABLE], ids=[i for i, _, _ in TABLE])
def test_table(res: H.CoherenceResources, text: str, expected: tuple[float, float]) -> None:
    assert values(res, text) == pytest.approx(expected, abs=1e-12)


def test_split_cosine_by_hand() -> None:
    # Four sentences over stems x, y: the split points are k=2 and k=3.
    counts = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 2.0]])
    # k=2: (2,1) vs (1,3) -> 5/sqrt(5*10); k=3: (3,2) vs (0,2) -> 4/sqrt(13*4).
    window, split = H.min_cosines(counts)
    assert window == 1.0
    assert split == pytest.approx(min(5 / math.sqrt(50), 4 / math.sqrt(52)))


def test_window_cosine_by_hand() -> None:
    # Seven sentences: blocks [0,3) and [3,7) (the one-sentence tail joins): two blocks, no window.
    assert H.min_cosines(np.eye(7))[0] == 1.0
    # Nine sentences, one stem each, all different: every side is disjoint from the other.
    assert H.min_cosines(np.eye(9)) == (0.0, 0.0)


def test_stems_cut_and_filter(res: H.CoherenceResources) -> None:
    seg = segment("The minister and the ministers met. Ministerial talks went on with them.")
    counts = H.stem_counts(seg.sentence_words, res.stop)
    # "minist" (3 times), "talks", "went" are content stems; "the", "and", "met", "with", "them", "on" are not.
    assert counts.shape == (2, 3)
    assert counts.sum() == 5.0
    assert counts[:, 0].tolist() == [2.0, 1.0]


def test_huge_text_is_bounded(res: H.CoherenceResources) -> None:
    text = (AB * 3 + DE * 3) * 2_000  # 12,000 sentences
    counts = H.stem_counts(segment(text).sentence_words, res.stop)
    assert counts.shape[0] == H.MAX_ROWS
    window, split = H.min_cosines(counts)
    assert 0.0 <= window <= 1.0 and 0.0 <= split <= 1.0


def test_resources_come_from_package_data(res: H.CoherenceResources) -> None:
    assert {"the", "which", "said", "because"} <= res.stop
    assert "minister" not in res.stop


WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "the", "said", "of"]
SENTENCE = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(
    lambda ws: " ".join(ws).capitalize() + "."
)


@settings(max_examples=60, deadline=None)
@given(st.lists(SENTENCE, max_size=30))
def test_property_range_and_layout(sentences: list[str]) -> None:
    res = H.load()
    one_paragraph = values(res, " ".join(sentences))
    assert len(one_paragraph) == len(H.NAMES)
    for v, (lo, hi) in zip(one_paragraph, H.RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
    # Paragraph layout does not change the values: the same sentences, one per paragraph.
    assert values(res, "\n\n".join(sentences)) == one_paragraph


# The fast path (cosines, what extract runs) against the plain statement of the measures.
TOKENS = [
    *WORDS,
    "minister",
    "ministers",
    "ministerial",
    "talks",
    "talking",
    "café",
    "naïve",
    "don't",
    "2024",
    "a1b2",
    "x",
    "go",
    "city",
    "cities",
    "which",
    "because",
]


def reference(res: H.CoherenceResources, sentence_words: list[list[str]]) -> tuple[float, float]:
    return H.min_cosines(H.stem_counts(sentence_words, res.stop))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(TOKENS), max_size=12), max_size=60))
def test_property_fast_path_equals_reference(sentence_words: list[list[str]]) -> None:
    res = H.load()
    fast = H.cosines(sentence_words, res.index)
    assert fast == reference(res, sentence_words)  # bit for bit, not approximately
    words = [w for ws in sentence_words for w in ws]
    assert H.cosines(sentence_words, res.index, words) == fast


@pytest.mark.parametrize("n", [4, 9, 31, 256, 257, 1000], ids=lambda n: f"{n}_sentences")
def test_fast_path_equals_reference_long_texts(res: H.CoherenceResources, n: int) -> None:
    # Above MAX_ROWS sentences, consecutive sentences share a row in both paths.
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "the", "7"]
    sentence_words = [[words[(i * 7 + j * 3) % len(words)] for j in range(i % 5 + 1)] for i in range(n)]
    sentence_words[n // 2] = ["ministers"] * 40
    assert H.cosines(sentence_words, res.index) == reference(res, sentence_words)


def test_memo_starts_afresh_past_its_limit() -> None:
    res = H.load()
    index = H.StemIndex(res.stop, limit=3)
    first = [["alpha", "bravo"], ["charlie", "delta"], ["alpha", "echo"], ["bravo", "golf"]]
    second = [["hotel", "india"], ["juliet", "kilo"], ["lima", "hotel"], ["india", "mike"]]
    assert H.cosines(first, index) == reference(res, first)
    full = index._table
    assert len(full) == 6  # the six word types of the first text
    assert H.cosines(second, index) == reference(res, second)
    assert index._table is not full and len(index._table) == 6  # started afresh: the second text's only
    assert H.cosines(first, index) == reference(res, first)


def test_resources_pickle_with_an_empty_memo(res: H.CoherenceResources) -> None:
    sentence_words = [["alpha", "bravo"], ["charlie"], ["delta", "alpha"], ["bravo", "echo"]]
    H.cosines(sentence_words, res.index)
    copy = pickle.loads(pickle.dumps(res))
    assert copy.stop == res.stop
    assert len(copy.index.table()) == 0 < len(res.index.table())
    assert H.cosines(sentence_words, copy.index) == H.cosines(sentence_words, res.index)


def test_threads_share_the_memo(res: H.CoherenceResources) -> None:
    texts = [[[f"word{chr(97 + (i * j) % 26)}xyz", "story"] for j in range(6)] for i in range(40)]
    index = H.StemIndex(res.stop)
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda sw: H.cosines(sw, index), texts))
    assert got == [reference(res, sw) for sw in texts]
