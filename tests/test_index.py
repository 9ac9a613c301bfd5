"""The cross-outlet index: matching, verification, provenance, direction, storage, parameters."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect import Article, Index, IndexMismatchError
from boilerplate_detect.features import Context
from boilerplate_detect.features.neardup import NAMES, NO_EVIDENCE, RANGES, DupEvidence, extract
from boilerplate_detect.index_fingerprint import Fingerprint, Fingerprinter, IndexParams, fingerprint
from boilerplate_detect.text import segment
from tests.texts import CLEAN_NEWS, INDEPENDENT_NEWS, PADDED

UNRELATED = (
    "The city library in Bergen will open a new reading room for children in March, the culture office said. "
    "The room, funded by a grant of 2.4 million kroner from the Kavli Trust, will hold 8,000 picture books. "
    '"Children deserve a quiet place to read," said Ingrid Solberg, the head librarian, '
    "at a briefing on Tuesday. "
    "Work on the second floor began in September and is due to finish before the winter holidays."
)

# A spun copy of CLEAN_NEWS, written for this test: synonyms swapped, clauses moved, facts kept.
SPUN = (
    "Authorities in Tromso stated on Friday that 340 homes were cleared after a landslide obstructed the E8 "
    "highway north of the town. Two individuals were brought to hospital with slight injuries, police chief "
    'Anne Berg informed journalists. "We were lucky it happened at night," stated Berg. The Norwegian Public '
    "Roads Administration stated the highway would remain shut until Monday while engineers inspected the "
    "hillside. Inhabitants of Kvaloya were asked to sign up at the town hall, where the Red Cross had "
    "prepared 120 beds."
)

FILLER = (
    "It remains to be seen how this story will unfold over the coming weeks and months ahead. "
    "Many readers will no doubt have their own views about what all of this really means for them. "
)


def art(id: str, text: str, outlet: str, published: str | None = None) -> Article:
    return Article(id=id, text=text, outlet=outlet, published=published)


@pytest.fixture
def idx():  # type: ignore[no-untyped-def]
    with Index.memory() as i:
        yield i


def test_finds_exact_copy_from_other_outlet_only(idx: Index) -> None:
    idx.add(art("src", CLEAN_NEWS, "a.example", "2025-01-01"))
    idx.add(art("same", CLEAN_NEWS, "b.example", "2025-01-01"))
    idx.add(art("other", UNRELATED, "c.example"))
    assert len(idx) == 3
    hits = idx.query(art("q", CLEAN_NEWS + " Extra words were added here.", "b.example"))
    assert [h.id for h in hits] == ["src"]
    h = hits[0]
    assert h.outlet == "a.example"
    assert h.containment > 0.95 and h.jaccard > 0.95 and h.fact_overlap == 1.0


def test_query_excludes_itself_and_same_outlet_by_url_domain(idx: Index) -> None:
    idx.add(Article(id="a", text=CLEAN_NEWS, url="https://news.example.co.uk/x"))
    idx.add(Article(id="b", text=CLEAN_NEWS, url="https://www.example.co.uk/y"))
    assert idx.query(Article(id="a", text=CLEAN_NEWS, url="https://news.example.co.uk/x")) == []
    assert [h.id for h in idx.query(Article(id="c", text=CLEAN_NEWS, url="https://other.example/z"))] == [
        "a",
        "b",
    ]


def test_unrelated_and_independent_reports_do_not_match(idx: Index) -> None:
    idx.add(art("src", CLEAN_NEWS, "a.example"))
    idx.add(art("lib", UNRELATED, "c.example"))
    assert idx.query(art("ind", INDEPENDENT_NEWS, "d.example")) == []
    assert idx.query(art("pad", PADDED, "e.example")) == []


def test_partial_copy_passages_point_at_both_texts(idx: Index) -> None:
    idx.add(art("src", CLEAN_NEWS, "a.example", "2025-01-01"))
    seg = segment(CLEAN_NEWS)
    s1, e1 = seg.sentences[1]
    s2, e2 = seg.sentences[3]
    copied = CLEAN_NEWS[s1:e1] + " " + CLEAN_NEWS[s2:e2]
    text = UNRELATED + "\n\n" + copied
    [h] = idx.query(art("cp", text, "farm.example", "2025-01-03"))
    assert h.id == "src" and h.direction == "copied_from" and not h.direction_inferred
    assert len(h.passages) == 2  # sentences 1 and 3 of the source are not adjacent there
    p = h.passages[0]
    assert text[p.start : p.end] == CLEAN_NEWS[p.other_start : p.other_end] == CLEAN_NEWS[s1:e1]
    assert p.similarity == 1.0
    assert 0 < h.overlap < 1 and 0 < h.jaccard < h.containment < 1


def test_shuffled_and_padded_copies_are_found(idx: Index) -> None:
    idx.add(art("src", CLEAN_NEWS, "a.example"))
    seg = segment(CLEAN_NEWS)
    sents = [seg.sentence_text(i) for i in range(len(seg.sentences))]
    shuffled = " ".join(sents[::-1])
    padded = " ".join(s + " " + FILLER for s in sents)
    assert [h.id for h in idx.query(art("sh", shuffled, "f.example"))] == ["src"]
    assert [h.id for h in idx.query(art("pd", padded, "g.example"))] == ["src"]


def test_spun_copy_is_found_by_its_facts(idx: Index) -> None:
    idx.add(art("src", CLEAN_NEWS, "a.example"))
    idx.add(art("lib", UNRELATED, "c.example"))
    [h] = idx.query(art("spun", SPUN, "farm.example"))
    assert h.id == "src"
    assert h.fact_overlap > 0.5
    # word shingles barely overlap: the facts carried the match
    assert h.jaccard < 0.5


def test_direction_by_publication_time(idx: Index) -> None:
    idx.add(art("early", CLEAN_NEWS, "a.example", "2025-01-01T08:00:00Z"))
    idx.add(art("late", CLEAN_NEWS, "b.example", "2025-01-01T09:30:00+00:00"))
    [h] = idx.query(art("early", CLEAN_NEWS, "a.example", "2025-01-01T08:00:00Z"))
    assert (h.id, h.direction, h.direction_inferred) == ("late", "copied_by", False)
    [h] = idx.query(art("late", CLEAN_NEWS, "b.example", "2025-01-01T09:30:00+00:00"))
    assert (h.id, h.direction, h.direction_inferred) == ("early", "copied_from", False)


def test_direction_inferred_from_unique_details(idx: Index) -> None:
    seg = segment(CLEAN_NEWS)
    subset = " ".join(seg.sentence_text(i) for i in (0, 1, 3))  # drops the quote and the Red Cross facts
    idx.add(art("full", CLEAN_NEWS, "a.example"))
    idx.add(art("part", subset + " " + FILLER, "b.example"))
    [h] = idx.query(art("part", subset + " " + FILLER, "b.example"))
    assert (h.id, h.direction, h.direction_inferred) == ("full", "copied_from", True)
    [h] = idx.query(art("full", CLEAN_NEWS, "a.example"))
    assert (h.id, h.direction, h.direction_inferred) == ("part", "copied_by", True)


def test_exact_undated_copy_has_unknown_direction(idx: Index) -> None:
    idx.add(art("a", CLEAN_NEWS, "a.example"))
    [h] = idx.query(art("b", CLEAN_NEWS, "b.example"))
    assert h.direction == "unknown" and not h.direction_inferred


def test_results_are_ordered_best_first(idx: Index) -> None:
    seg = segment(CLEAN_NEWS)
    idx.add(art("half", " ".join(seg.sentence_text(i) for i in (0, 1, 2)) + " " + UNRELATED, "h.example"))
    idx.add(art("full", CLEAN_NEWS, "f.example"))
    hits = idx.query(art("q", CLEAN_NEWS, "q.example"))
    assert [h.id for h in hits] == ["full", "half"]
    assert hits[0].overlap > hits[1].overlap


def test_remove_and_update(idx: Index) -> None:
    idx.add(art("x", CLEAN_NEWS, "a.example"))
    assert idx.remove("x") is True
    assert idx.remove("x") is False
    assert len(idx) == 0
    assert idx.query(art("q", CLEAN_NEWS, "b.example")) == []
    idx.add(art("x", UNRELATED, "a.example"))
    idx.update(art("x", CLEAN_NEWS, "a.example"))
    assert len(idx) == 1
    assert [h.id for h in idx.query(art("q", CLEAN_NEWS, "b.example"))] == ["x"]
    assert idx.query(art("q", UNRELATED, "b.example")) == []  # the old postings are gone


def test_add_many_and_ids(idx: Index) -> None:
    n = idx.add_many(art(f"a{i}", CLEAN_NEWS, f"o{i}.example") for i in range(5))
    assert n == 5 and len(idx) == 5 and sorted(idx.ids()) == [f"a{i}" for i in range(5)]


def test_fingerprint_round_trips_through_bytes(idx: Index) -> None:
    fp = idx.fingerprint(art("r", CLEAN_NEWS + "\n\n" + UNRELATED, "a.example", "2025-01-01"))
    back = Fingerprint.from_bytes("r", "a.example", "2025-01-01", fp.to_bytes())
    for name in ("bands", "sent_hash", "sent_facts", "sent_start", "sent_end", "sent_shingles", "facts"):
        assert getattr(back, name).tolist() == getattr(fp, name).tolist(), name
    assert back.body_chars == fp.body_chars
    assert back.posting_keys(idx.params) == fp.posting_keys(idx.params)


def test_persistent_index_reopens_with_stored_params(tmp_path: Path) -> None:
    path = tmp_path / "crawl.idx"
    with Index.open(path, num_perm=32, bands=8) as i:
        i.add(art("src", CLEAN_NEWS, "a.example"))
    with Index.open(path) as i:
        assert len(i) == 1 and i.params.num_perm == 32 and i.params.bands == 8
        assert [h.id for h in i.query(art("q", CLEAN_NEWS, "z.example"))] == ["src"]
    with pytest.raises(IndexMismatchError, match=r"num_perm: stored 32, given 64"):
        Index.open(path, num_perm=64, bands=8)
    with pytest.raises(IndexMismatchError, match="ngram"):
        Index.open(path, ngram=4)


def test_memory_index_saves_to_a_file(tmp_path: Path, idx: Index) -> None:
    idx.add(art("src", CLEAN_NEWS, "a.example"))
    idx.save(tmp_path / "saved.idx")
    with Index.open(tmp_path / "saved.idx") as i:
        assert i.ids() == ["src"]
    with pytest.raises(FileExistsError):
        idx.save(tmp_path / "saved.idx")


@pytest.mark.parametrize(
    ("params", "match"),
    [({"num_perm": 60, "bands": 16}, "multiple"), ({"ngram": 0}, "ngram"), ({"scheme": "legacy"}, "scheme")],
    ids=["bands", "ngram", "scheme"],
)
def test_invalid_params(params: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Index.memory(**params)


def test_unknown_param_is_named() -> None:
    with pytest.raises(TypeError, match="num_perms"):
        Index.memory(num_perms=64)


def test_params_round_trip() -> None:
    p = IndexParams(num_perm=128, bands=32)
    assert IndexParams.from_dict(p.to_dict()) == p


def test_open_missing_directory_names_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Index.open(tmp_path / "nope" / "x.idx")


def test_size_per_article_is_compact(idx: Index) -> None:
    texts = [CLEAN_NEWS, INDEPENDENT_NEWS, UNRELATED, SPUN]
    for i in range(200):
        idx.add(art(f"a{i}", texts[i % 4] + f" Item number {i} closes the story.", f"o{i}.example"))
    assert idx.size_bytes() / len(idx) < 1024


# ------------------------------------------------------------------ evidence for the Detector
def test_evidence_values_spans_and_source_not_penalised(idx: Index) -> None:
    idx.add(art("src", CLEAN_NEWS, "a.example", "2025-01-01"))
    text = UNRELATED + "\n\n" + CLEAN_NEWS
    idx.add(art("cp", text, "farm.example", "2025-01-02"))
    seg = segment(text)
    ev = idx.evidence(art("cp", text, "farm.example", "2025-01-02"), seg)
    vals = dict(zip(NAMES, ev.values, strict=True))
    assert [n.id for n in ev.near_duplicates] == ["src"]
    assert vals["dup.n_outlets"] == 1 and vals["dup.is_source"] == 0.0
    assert vals["dup.novel_fact_frac"] < 0.7  # the source's facts are not new
    assert 0.4 < vals["dup.copied_frac"] < 0.8
    assert vals["dup.max_containment"] > 0.4
    copied = "".join(seg.text[s.start : s.end] for s in ev.spans)
    assert all(s.kind == "copied" for s in ev.spans)
    assert "Anne Berg" in copied and "Bergen" not in copied
    # the source finds its copy, but is not penalised for it
    sseg = segment(CLEAN_NEWS)
    sev = idx.evidence(art("src", CLEAN_NEWS, "a.example", "2025-01-01"), sseg)
    svals = dict(zip(NAMES, sev.values, strict=True))
    assert [n.direction for n in sev.near_duplicates] == ["copied_by"]
    assert (
        svals["dup.is_source"] == 1.0
        and svals["dup.novel_fact_frac"] == 1.0
        and svals["dup.copied_frac"] == 0
    )
    assert sev.spans == ()


def test_evidence_without_matches_is_no_evidence(idx: Index) -> None:
    ev = idx.evidence(art("q", UNRELATED, "a.example"), segment(UNRELATED))
    assert ev == DupEvidence() and ev.values == NO_EVIDENCE


def test_family_reads_evidence_from_context() -> None:
    seg = segment(CLEAN_NEWS)
    assert extract(seg, None, Context()).values == NO_EVIDENCE
    ev = DupEvidence((), (0.5, 0.6, 2.0, 0.3, 0.2, 0.0), ())
    assert extract(seg, None, Context(dup=ev)).values == ev.values
    for v, (lo, hi) in zip(NO_EVIDENCE, RANGES, strict=True):
        assert lo <= v <= hi


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=300), st.sampled_from([CLEAN_NEWS, UNRELATED, SPUN]))
def test_any_query_gives_bounded_values_and_symmetric_jaccard(text: str, other: str) -> None:
    with Index.memory() as i:
        i.add(art("o", other, "o.example"))
        i.add(art("t", text, "t.example"))
        ev = i.evidence(art("t", text, "t.example"), segment(text))
        for v, (lo, hi) in zip(ev.values, RANGES, strict=True):
            assert math.isfinite(v) and lo <= v <= hi
        for h in ev.near_duplicates:
            assert 0 <= h.jaccard <= h.containment + 1e-12 <= 1 + 1e-12
            [back] = [x for x in i.query(art("o", other, "o.example")) if x.id == "t"]
            assert back.jaccard == pytest.approx(h.jaccard)


def test_candidate_sharing_one_generic_sentence_is_rejected_by_verification(idx: Index) -> None:
    generic = "Please share this story with your friends and family members today."
    a = (
        " ".join(segment(UNRELATED).sentence_text(i) for i in (0, 1)) + " " + generic
    )  # <= winnow long sentences
    b = INDEPENDENT_NEWS + " " + generic
    idx.add(art("a", a, "a.example"))
    # the shared sentence is a passage key, so "a" is a candidate, but verification drops it
    fp_b = idx.fingerprint(art("b", b, "b.example"))
    fp_a = idx.fingerprint(art("a", a, "a.example"))
    assert set(fp_b.query_keys(idx.params)) & set(fp_a.posting_keys(idx.params))
    assert idx.query(art("b", b, "b.example")) == []


# ------------------------------------------------------------------ postings and other connections
@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 40), max_size=12), max_size=60),
    st.lists(st.integers(0, 40), max_size=20),
    st.sets(st.integers(1, 60), max_size=10),
    st.integers(1, 8),
)
def test_postings_rank_like_a_brute_force_count(
    docs: list[list[int]], query: list[int], removed: set[int], limit: int
) -> None:
    from boilerplate_detect.index_store import Postings

    post = Postings(new_postings=8, min_mid=16)  # small levels: every level and every merge is used
    for i, keys in enumerate(docs, start=1):
        post.add([i], [sorted(set(keys))])
        if i % 7 == 0:
            post.remove([d for d in removed if d <= i])
    post.remove(removed)
    qkeys = sorted(set(query))
    counts = {
        d: len(set(keys) & set(qkeys))
        for d, keys in enumerate(docs, start=1)
        if d not in removed and set(keys) & set(qkeys)
    }
    want = sorted(counts, key=lambda d: (-counts[d], d))[:limit]
    assert post.top(qkeys, limit) == want


def test_other_connections_see_adds_and_removes(tmp_path: Path) -> None:
    path = tmp_path / "shared.idx"
    with Index.open(path) as writer, Index.open(path) as reader:
        q = art("q", CLEAN_NEWS, "z.example")
        assert reader.query(q) == []
        writer.add(art("src", CLEAN_NEWS, "a.example"))
        assert [h.id for h in reader.query(q)] == ["src"]
        writer.update(art("src", UNRELATED, "a.example"))
        assert reader.query(q) == []
        reader.add(art("src2", CLEAN_NEWS, "b.example"))
        assert [h.id for h in writer.query(q)] == ["src2"]
        assert writer.remove("src2")
        assert reader.query(q) == [] and len(reader) == 1


def test_index_of_the_old_format_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.idx"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE post(k INTEGER, doc INTEGER)")
    con.close()
    with pytest.raises(IndexMismatchError, match="rebuild"):
        Index.open(path)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 11), min_size=1, max_size=8),
    st.lists(st.integers(0, 11), min_size=1, max_size=8),
)
def test_screening_never_drops_a_match(qpick: list[int], rpick: list[int]) -> None:
    from boilerplate_detect.index_fingerprint import compare, may_match

    pool = [
        segment(t).sentence_text(i)
        for t in (CLEAN_NEWS, SPUN, UNRELATED)
        for i in range(len(segment(t).sentences))
    ]
    with Index.memory() as i:
        q = i.fingerprint(art("q", " ".join(pool[j % len(pool)] for j in qpick), "q.example"))
        r = i.fingerprint(art("r", " ".join(pool[j % len(pool)] for j in rpick), "r.example"))
        blob = r.to_bytes()
        back = Fingerprint.from_bytes("r", "r.example", None, blob)
        if compare(q, back, i.params) is not None:
            assert may_match(q, blob, i.params)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from([CLEAN_NEWS, INDEPENDENT_NEWS, PADDED, ""]) | st.text(max_size=300), max_size=4)
)
def test_fingerprinter_equals_plain_fingerprint(texts: list[str]) -> None:
    params = IndexParams()
    fingerprinter = Fingerprinter(params)  # keeps a run cache across the texts
    for i, text in enumerate(texts):
        seg = segment(text)
        fast = fingerprinter(f"a{i}", "o.example", None, seg)
        plain = fingerprint(f"a{i}", "o.example", None, seg, params)
        assert fast.to_bytes() == plain.to_bytes()
        assert fast.facts.tolist() == plain.facts.tolist()
        assert fast.sent_start.tolist() == plain.sent_start.tolist()
