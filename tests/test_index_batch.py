"""The batch read path: query_many / query_fingerprints / evidence_many / Postings.top_many.

Every batch result must equal the one-by-one result on the same index state:
same matches, same order, same evidence values and spans, including the
same-outlet and self exclusions, the ``max_candidates`` / OVERFETCH caps and
the tie order of candidates.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect import Article, Index
from boilerplate_detect.features.neardup import DupEvidence
from boilerplate_detect.index_fingerprint import (
    MIN_KEY_BATCH,
    Fingerprint,
    IndexParams,
    encode_many,
    may_match,
    prepare_keys,
    screen_many,
)
from boilerplate_detect.index_store import Postings
from boilerplate_detect.text import segment
from tests.index_corpus import story


def corpus(seeds: list[int], n_outlets: int) -> list[Article]:
    """Stories, half-copies (two stories glued) and verbatim copies, over a few outlets."""
    out: list[Article] = []
    for k, s in enumerate(seeds):
        text = story(s)
        if k % 3 == 1:  # a copy of the previous story's first paragraph with this one's second
            text = story(seeds[k - 1]).split("\n\n")[0] + "\n\n" + text.split("\n\n")[1]
        elif k % 5 == 4:  # a verbatim copy of an earlier story
            text = story(seeds[k // 2])
        published = f"2025-01-{1 + k % 28:02d}" if k % 2 else None
        out.append(Article(id=f"a{k}", text=text, outlet=f"o{k % n_outlets}.example", published=published))
    return out


def queries(arts: list[Article], n_outlets: int) -> list[Article]:
    """Indexed articles themselves (self exclusion), copies from other and same outlets, new stories."""
    qs = list(arts[::2])
    qs += [
        Article(id=f"q{k}", text=a.text, outlet=f"o{(k + 1) % n_outlets}.example")
        for k, a in enumerate(arts[1::3])
    ]
    qs += [Article(id=f"s{k}", text=a.text, url=f"https://{a.outlet}/x{k}") for k, a in enumerate(arts[::4])]
    qs += [Article(id="blank", text="   "), Article(id="new", text=story(10_000), outlet="z.example")]
    return qs


def small_levels(idx: Index) -> None:
    """Give the index tiny posting levels, so the base, mid and new levels and merges are all used."""
    idx._store._post = Postings(new_postings=8, min_mid=16)  # type: ignore[attr-defined]


@pytest.fixture(params=["memory", "small_levels", "file"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Index]:
    with Index.open(tmp_path / "b.idx") if request.param == "file" else Index.memory() as idx:
        if request.param == "small_levels":
            small_levels(idx)
        yield idx


@pytest.mark.parametrize("max_candidates", [1, 2, 50], ids=["cap1", "cap2", "default"])
def test_batch_results_equal_one_by_one(tmp_path: Path, max_candidates: int) -> None:
    arts = corpus(list(range(40)), n_outlets=4)
    with Index.memory(max_candidates=max_candidates) as idx:
        small_levels(idx)
        idx.add_many(arts[:30])
        for a in arts[30:]:
            idx.add(a)
        idx.remove("a3")
        idx.update(arts[5])
        qs = queries(arts, 4)
        segs = [segment(q.text) for q in qs]
        one = [idx.query(q, s) for q, s in zip(qs, segs, strict=True)]
        assert sum(map(len, one)) > 10  # the corpus has matches to compare
        assert idx.query_many(qs, segs) == one
        assert idx.query_many(qs) == one
        assert idx.query_fingerprints([idx.fingerprint(q, s) for q, s in zip(qs, segs, strict=True)]) == one
        ev_one = [idx.evidence(q, s) for q, s in zip(qs, segs, strict=True)]
        assert idx.evidence_many(qs, segs) == ev_one


def test_batch_results_on_every_backend_level(index: Index) -> None:
    arts = corpus(list(range(100, 130)), n_outlets=3)
    index.add_many(arts)
    qs = queries(arts, 3)
    segs = [segment(q.text) for q in qs]
    assert index.evidence_many(qs, segs) == [index.evidence(q, s) for q, s in zip(qs, segs, strict=True)]


def test_batch_of_nothing_and_of_an_empty_index() -> None:
    with Index.memory() as idx:
        assert idx.query_many([]) == [] and idx.evidence_many([], []) == []
        a = Article(id="x", text=story(1), outlet="a.example")
        assert idx.query_many([a]) == [[]]


def test_batch_lengths_must_agree() -> None:
    with Index.memory() as idx:
        a = Article(id="x", text=story(1), outlet="a.example")
        with pytest.raises(ValueError, match="1 articles but 2 segmentations"):
            idx.evidence_many([a], [segment(a.text), segment(a.text)])
        with pytest.raises(ValueError, match="1 articles but 0 segmentations"):
            idx.query_many([a], [])


def test_other_connection_writes_are_seen_by_a_batch(tmp_path: Path) -> None:
    path = tmp_path / "shared.idx"
    arts = corpus(list(range(200, 212)), n_outlets=3)
    with Index.open(path) as writer, Index.open(path) as reader:
        qs = [Article(id=f"q{k}", text=a.text, outlet="z.example") for k, a in enumerate(arts)]
        assert reader.query_many(qs) == [[]] * len(qs)
        writer.add_many(arts)
        writer.remove("a1")
        got = reader.query_many(qs)
        assert got == [reader.query(q) for q in qs]
        assert got[0] and all(h.id != "a1" for hits in got for h in hits)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), max_size=12), max_size=60),
    st.lists(st.lists(st.integers(0, 40), max_size=20), max_size=6),
    st.sets(st.integers(1, 60), max_size=10),
    st.integers(1, 8),
)
def test_top_many_equals_top(
    docs: list[list[int]], query_lists: list[list[int]], removed: set[int], limit: int
) -> None:
    post = Postings(new_postings=8, min_mid=16)
    for i, keys in enumerate(docs, start=1):
        post.add([i], [sorted(set(keys))])
        if i % 7 == 0:
            post.remove([d for d in removed if d <= i])
    post.remove(removed)
    qs = [sorted(set(q)) for q in query_lists]
    assert post.top_many(qs, limit) == [post.top(q, limit) for q in qs]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 60), min_size=1, max_size=25),
    st.lists(st.integers(0, 60), min_size=1, max_size=8),
    st.integers(1, 4),
    st.sampled_from([1, 3, 50]),
)
def test_query_many_property(seeds: list[int], qseeds: list[int], n_outlets: int, cap: int) -> None:
    arts = corpus(seeds, n_outlets)
    with Index.memory(max_candidates=cap) as idx:
        small_levels(idx)
        idx.add_many(arts)
        qs = [
            Article(id=f"a{s % len(arts)}" if s % 2 else f"q{s}", text=story(s), outlet=f"o{s % 5}.example")
            for s in qseeds
        ] + arts[: len(qseeds)]
        assert idx.query_many(qs) == [idx.query(q) for q in qs]


class OneByOne:
    """An index view with evidence() only: the Detector then asks one article at a time."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def evidence(self, article: Article, seg: object) -> object:
        return self.index.evidence(article, seg)  # type: ignore[arg-type]


def test_detector_batch_evidence_gives_the_same_reports() -> None:
    from boilerplate_detect import Detector

    arts = corpus(list(range(300, 318)), n_outlets=3)
    with Index.memory() as idx:
        idx.add_many(arts[:12])
        batched = Detector.load(index=idx)
        single = Detector(batched.model, index=OneByOne(idx), resources=batched.resources)  # type: ignore[arg-type]
        items = [Article(id=f"q{k}", text=a.text, outlet="z.example") for k, a in enumerate(arts)]
        got = list(batched.score_many(items, batch_size=7))
        assert got == list(single.score_many(items, batch_size=7))
        assert sum(len(r.near_duplicates) for r in got) >= 12


def fresh_copy(fp: Fingerprint) -> Fingerprint:
    """The same fingerprint with no cached keys."""
    return Fingerprint.from_bytes(fp.id, fp.outlet, fp.published, fp.to_bytes())


@st.composite
def fingerprints(draw: st.DrawFn) -> Fingerprint:
    """Random fingerprints: few distinct values, so that duplicates, ties and long groups occur."""
    n = draw(st.integers(0, 14))
    hashes = st.integers(1, 40) | st.integers(0, 0xFFFFFFFF)
    sent_hash = draw(st.lists(hashes, min_size=n, max_size=n))
    sent_facts = draw(st.lists(st.sampled_from([0, 0, 7, 99, 0xFFFFFFFF]), min_size=n, max_size=n))
    shingles = draw(st.lists(st.integers(1, 20), min_size=n, max_size=n))
    longest = draw(st.sampled_from([90, 300, 70_000]))  # one-byte gaps, two-byte and four-byte offsets
    lengths = np.asarray(draw(st.lists(st.integers(0, longest), min_size=n, max_size=n)), dtype=np.int64)
    starts = np.cumsum(lengths + 1) - lengths - 1
    facts = sorted(set(draw(st.lists(st.integers(0, 200) | st.integers(0, 0xFFFFFFFF), max_size=40))))
    fact_sent = draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=len(facts), max_size=len(facts)))
    if draw(st.booleans()) and fact_sent:  # a first sentence above 255: two-byte fact sentences
        fact_sent[0] = 300
    u32 = np.uint32
    return Fingerprint(
        id="f",
        outlet="",
        published=None,
        bands=np.asarray(draw(st.lists(st.integers(0, 0x7FFFFFFF), min_size=8, max_size=8)), dtype=u32),
        sent_hash=np.asarray(sent_hash, dtype=u32),
        sent_facts=np.asarray(sent_facts, dtype=u32),
        sent_start=starts.astype(u32),
        sent_end=(starts + lengths).astype(u32),
        sent_shingles=np.asarray(shingles, dtype=np.uint16),
        facts=np.asarray(facts, dtype=u32),
        fact_sent=np.asarray(fact_sent, dtype=np.uint16),
        body_chars=0,
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(fingerprints(), min_size=MIN_KEY_BATCH, max_size=30),
    st.integers(1, 6),
    st.integers(0, 8),
    st.integers(1, 9),
)
def test_prepare_keys_equals_one_by_one(fps: list[Fingerprint], winnow: int, pairs: int, words: int) -> None:
    params = IndexParams(winnow=winnow, fact_pairs=pairs, min_key_words=words)
    batch = [fresh_copy(f) for f in fps]
    prepare_keys(batch, params)
    assert all(f._keys is not None for f in batch)  # computed by the batch pass, not lazily below
    for f, g in zip(batch, fps, strict=True):
        g = fresh_copy(g)
        assert f.query_keys(params) == g.query_keys(params)
        assert f.posting_keys(params) == g.posting_keys(params)


@pytest.mark.parametrize("n", [1, MIN_KEY_BATCH - 1, MIN_KEY_BATCH, 64], ids=["one", "below", "min", "batch"])
def test_prepare_keys_on_real_stories(n: int) -> None:
    arts = [*corpus(list(range(n)), n_outlets=3), Article(id="empty", text="", outlet="e.example")]
    with Index.memory() as idx:
        fps = [idx.fingerprint(a) for a in arts]
        batch = [fresh_copy(f) for f in fps]
        prepare_keys(batch, idx.params)
        for f, g in zip(batch, fps, strict=True):
            assert f.query_keys(idx.params) == g.query_keys(idx.params)
            assert f.posting_keys(idx.params) == g.posting_keys(idx.params)
        assert all(f.pair_keys() for f in fps[:-1])  # the stories have fact pairs


def sharing(q: Fingerprint, r: Fingerprint) -> Fingerprint:
    """``q`` with its first sentence hashes and facts taken from ``r`` (so that both routes are taken)."""
    h = q.sent_hash.copy()
    k = min(len(h), len(r.sent_hash))
    h[:k] = r.sent_hash[:k]
    facts = np.union1d(q.facts, r.facts[: len(r.facts) // 2]).astype(np.uint32)
    return dataclasses.replace(
        q, sent_hash=h, facts=facts, fact_sent=np.zeros(len(facts), dtype=np.uint16), body_chars=q.body_chars
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(fingerprints(), min_size=1, max_size=6), st.lists(fingerprints(), min_size=1, max_size=6))
def test_screen_many_equals_may_match_on_random_fingerprints(
    qs: list[Fingerprint], rs: list[Fingerprint]
) -> None:
    params = IndexParams(min_fact_overlap=0.2, min_overlap=0.3)
    qs = qs + [sharing(q, r) for q in qs for r in rs]
    pairs = [(i, r.to_bytes()) for i in range(len(qs)) for r in rs]
    assert screen_many(qs, pairs, params) == [may_match(qs[i], blob, params) for i, blob in pairs]


@pytest.mark.parametrize(
    "params",
    [IndexParams(), IndexParams(min_overlap=0.9, min_fact_overlap=0.6)],
    ids=["default", "fact-route"],
)
def test_screen_many_equals_may_match_on_stories(params: IndexParams) -> None:
    pool = [
        segment(story(s)).sentence_text(i) for s in range(6) for i in range(len(segment(story(s)).sentences))
    ]
    texts = [" ".join(pool[(k * 7 + j * 3) % len(pool)] for j in range(2 + k % 9)) for k in range(40)]
    texts += [story(1), story(2), ""]
    # long stories that borrow a few sentences: shared facts, but a small fraction of the query's
    texts += [story(20 + k) + " " + " ".join(pool[k : k + 2 + k % 3]) for k in range(0, 30, 3)]
    with Index.memory() as idx:
        fps = [idx.fingerprint(Article(id=f"t{k}", text=t, outlet="x.example")) for k, t in enumerate(texts)]
        pairs = [(i, r.to_bytes()) for i in range(len(fps)) for r in fps]
        want = [may_match(fps[i], blob, params) for i, blob in pairs]
        assert screen_many(fps, pairs, params) == want
        assert 50 < sum(want) < len(want) - 50  # both outcomes are well represented
    assert screen_many(fps, [], idx.params) == []


def test_screen_many_refuses_another_record_format() -> None:
    with Index.memory() as idx:
        fp = idx.fingerprint(Article(id="a", text=story(3), outlet="x.example"))
        blob = bytes([9]) + fp.to_bytes()[1:]
        with pytest.raises(ValueError, match="record format 9"):
            screen_many([fp], [(0, blob)], idx.params)


@settings(max_examples=80, deadline=None)
@given(fingerprints())
def test_record_bytes_round_trip(fp: Fingerprint) -> None:
    back = Fingerprint.from_bytes(fp.id, fp.outlet, fp.published, fp.to_bytes())
    for name in ("bands", "sent_hash", "sent_facts", "sent_start", "sent_end", "facts", "fact_sent"):
        assert np.array_equal(getattr(back, name), getattr(fp, name)), name
    assert np.array_equal(back.sent_shingles, np.minimum(fp.sent_shingles, 255))
    assert back.body_chars == fp.body_chars


@settings(max_examples=40, deadline=None)
@given(st.lists(fingerprints(), min_size=MIN_KEY_BATCH, max_size=20))
def test_encode_many_equals_to_bytes(fps: list[Fingerprint]) -> None:
    assert encode_many(fps) == [f.to_bytes() for f in fps]


def test_encode_many_on_real_stories() -> None:
    arts = [*corpus(list(range(30)), n_outlets=3), Article(id="empty", text="", outlet="e.example")]
    with Index.memory() as idx:
        fps = [idx.fingerprint(a) for a in arts]
        assert encode_many(fps) == [f.to_bytes() for f in fps]


def sequential(idx: Index, arts: list[Article], adding: list[bool]) -> list[DupEvidence]:
    """The reference: evidence, then add, one article at a time."""
    out: list[DupEvidence] = []
    for a, add in zip(arts, adding, strict=True):
        s = segment(a.text)
        out.append(idx.evidence(a, s))
        if add:
            idx.add(a, s)
    return out


def stream_batch(k: int) -> list[Article]:
    """A batch with copies of each other, repeated and replaced ids, blank texts and new stories."""
    arts = corpus(list(range(400 + 10 * k, 420 + 10 * k)), n_outlets=3)
    out = [Article(id=f"n{k}-{j}", text=a.text, outlet=f"s{j % 4}.example") for j, a in enumerate(arts)]
    out[3] = Article(id=out[1].id, text=story(999), outlet="s1.example")  # an id repeated in the batch
    out[5] = Article(id="a2", text=out[5].text, outlet="o2.example")  # replaces an indexed article
    out[7] = Article(id=f"n{k}-blank", text="  ", outlet="s3.example")
    out[9] = Article(id=f"n{k}-9", text=story(400 + 10 * k), outlet="s9.example")  # copies an earlier one
    return out


@pytest.mark.parametrize("max_candidates", [1, 50], ids=["cap1", "default"])
def test_check_then_add_many_equals_evidence_then_add(max_candidates: int) -> None:
    seed_arts = corpus(list(range(380, 420)), n_outlets=3)
    with (
        Index.memory(max_candidates=max_candidates) as one,
        Index.memory(max_candidates=max_candidates) as many,
    ):
        small_levels(many)
        for idx in (one, many):
            idx.add_many(seed_arts)
        for k in range(3):
            batch = stream_batch(k)
            adding = [bool(a.text.strip()) for a in batch]
            want = sequential(one, batch, adding)
            got = many.check_then_add_many(batch, [segment(a.text) for a in batch], adding)
            assert got == want
            assert sum(len(e.near_duplicates) for e in got) > 10
        assert many.ids() == one.ids() and len(many) == len(one)
        probe = corpus(list(range(380, 440)), n_outlets=5)
        assert many.query_many(probe) == [one.query(q) for q in probe]


def test_check_then_add_many_checks_lengths() -> None:
    with Index.memory() as idx:
        a = Article(id="x", text=story(1), outlet="a.example")
        assert idx.check_then_add_many([], []) == []
        with pytest.raises(ValueError, match="1 articles, 1 segmentations and 2 add flags"):
            idx.check_then_add_many([a], [segment(a.text)], [True, False])
        assert idx.check_then_add_many([a], [segment(a.text)]) == [DupEvidence()] and len(idx) == 1
