from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from boilerplate_detect import Article, Detector
from boilerplate_detect.features import load_resources
from boilerplate_detect.stream import Checkpoint, CheckpointError, StreamScorer
from tests import texts


class FakeModel:
    """A deterministic stand-in for the model bundle: the stream logic is what is tested here."""

    threshold = 0.5
    name = "fake-0"

    def predict_originality(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-np.tanh(x.sum(axis=1) / 100.0))), dtype=np.float64)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return np.zeros_like(x)


class RecordingIndex:
    """Records, for every article checked, which ids were in the index at that moment."""

    def __init__(self, fail_on_add: int | None = None) -> None:
        self.ids: list[str] = []
        self.seen: dict[str, tuple[str, ...]] = {}
        self.adds = 0
        self.fail_on_add = fail_on_add

    def evidence(self, article: Article, seg: Any) -> None:
        self.seen[article.id] = tuple(self.ids)
        return None

    def add(self, article: Article, seg: Any = None) -> None:
        self.adds += 1
        if self.fail_on_add is not None and self.adds == self.fail_on_add:
            raise RuntimeError("simulated crash inside the index")
        if article.id in self.ids:
            raise AssertionError(f"{article.id} added twice")
        self.ids.append(article.id)

    def remove(self, article_id: str) -> None:
        if article_id not in self.ids:
            raise KeyError(article_id)
        self.ids.remove(article_id)


@pytest.fixture(scope="module")
def fake_detector() -> Detector:
    return Detector(FakeModel(), resources=load_resources())  # type: ignore[arg-type]


def _stream(n: int) -> list[dict[str, str]]:
    bodies = [texts.CLEAN_NEWS, texts.INDEPENDENT_NEWS, texts.PADDED]
    return [
        {"id": f"r{i:02d}", "text": bodies[i % 3] + f" Update {i}.", "outlet": f"o{i % 4}.example"}
        for i in range(n)
    ]


def _crashing(records: list[dict[str, str]], after: int) -> Iterator[dict[str, str]]:
    for i, r in enumerate(records):
        if i == after:
            raise RuntimeError("simulated crash of the source")
        yield r


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_each_article_is_checked_against_all_earlier_ones_then_added(fake_detector: Detector) -> None:
    idx = RecordingIndex()
    reports = list(StreamScorer(fake_detector, idx, None, batch_size=3).score_many(_stream(7)))
    assert [r.id for r in reports] == [f"r{i:02d}" for i in range(7)]
    for i in range(7):
        assert idx.seen[f"r{i:02d}"] == tuple(f"r{j:02d}" for j in range(i)), i
    assert idx.ids == [f"r{i:02d}" for i in range(7)]


@pytest.mark.parametrize(
    "crash_after", [0, 4, 5, 6, 11], ids=["first", "mid-batch", "batch-end", "next", "last"]
)
def test_run_restarted_after_a_source_crash_is_exactly_once(
    tmp_path: Path, fake_detector: Detector, crash_after: int
) -> None:
    records = _stream(12)
    ref_idx = RecordingIndex()
    StreamScorer(fake_detector, ref_idx, tmp_path / "ref.ckpt", batch_size=5).run(
        records, tmp_path / "ref.jsonl"
    )

    idx = RecordingIndex()
    ckpt, out = tmp_path / "c.ckpt", tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError, match="simulated crash"):
        StreamScorer(fake_detector, idx, ckpt, batch_size=5).run(_crashing(records, crash_after), out)
    committed = Checkpoint.read(ckpt).offset
    assert committed == crash_after // 5 * 5
    scorer = StreamScorer(fake_detector, idx, ckpt, batch_size=5)
    assert scorer.offset == committed
    assert scorer.run(records, out) == 12 - committed
    assert _lines(out) == _lines(tmp_path / "ref.jsonl")
    assert idx.ids == ref_idx.ids
    assert idx.seen == ref_idx.seen


def test_run_undoes_index_additions_of_a_batch_cut_short(tmp_path: Path, fake_detector: Detector) -> None:
    records = _stream(9)
    ref = RecordingIndex()
    StreamScorer(fake_detector, ref, None, batch_size=4).run(records, tmp_path / "ref.jsonl")

    idx = RecordingIndex(fail_on_add=7)  # dies inside the second batch, after two of its adds
    ckpt, out = tmp_path / "c.ckpt", tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError, match="inside the index"):
        StreamScorer(fake_detector, idx, ckpt, batch_size=4).run(records, out)
    state = Checkpoint.read(ckpt)
    assert state.offset == 4 and state.pending == ("r04", "r05", "r06", "r07")
    assert idx.ids == ["r00", "r01", "r02", "r03", "r04", "r05"]
    assert len(_lines(out)) == 4
    idx.fail_on_add = None
    StreamScorer(fake_detector, idx, ckpt, batch_size=4).run(records, out)
    assert _lines(out) == _lines(tmp_path / "ref.jsonl")
    assert idx.ids == ref.ids
    assert Checkpoint.read(ckpt) == Checkpoint(9, out.stat().st_size, ())


def test_run_cuts_a_partly_written_batch(tmp_path: Path, fake_detector: Detector) -> None:
    records = _stream(6)
    ckpt, out = tmp_path / "c.ckpt", tmp_path / "out.jsonl"
    StreamScorer(fake_detector, RecordingIndex(), ckpt, batch_size=4).run(records[:4], out)
    whole = out.read_bytes()
    with out.open("ab") as f:  # a crash after writing half a line of the next batch
        f.write(b'{"id": "r04", "origin')
    idx = RecordingIndex()
    idx.ids = [f"r{i:02d}" for i in range(4)]
    StreamScorer(fake_detector, idx, ckpt, batch_size=4).run(records, out)
    lines = _lines(out)
    assert out.read_bytes().startswith(whole)
    assert [x["id"] for x in lines] == [f"r{i:02d}" for i in range(6)]


def test_score_many_commits_a_batch_only_after_it_was_consumed(
    tmp_path: Path, fake_detector: Detector
) -> None:
    records = _stream(10)
    ckpt = tmp_path / "c.ckpt"
    idx = RecordingIndex()
    it = StreamScorer(fake_detector, idx, ckpt, batch_size=4).score_many(records)
    first = [next(it) for _ in range(6)]  # all of batch 1, half of batch 2
    it.close()  # the consumer dies
    assert Checkpoint.read(ckpt).offset == 4
    rest = list(StreamScorer(fake_detector, idx, ckpt, batch_size=4).score_many(records))
    assert [r.id for r in first[:4] + rest] == [f"r{i:02d}" for i in range(10)]
    assert rest[0] == first[4] and rest[1] == first[5]  # the replayed batch is identical
    assert idx.ids == [f"r{i:02d}" for i in range(10)]


def test_a_seeked_source_continues_at_the_offset(tmp_path: Path, fake_detector: Detector) -> None:
    records = _stream(8)
    ckpt = tmp_path / "c.ckpt"
    idx = RecordingIndex()
    scorer = StreamScorer(fake_detector, idx, ckpt, batch_size=3)
    assert [r.id for r in scorer.score_many(records[:5])] == [f"r{i:02d}" for i in range(5)]
    off = scorer.offset
    assert off == 5
    rest = [r.id for r in StreamScorer(fake_detector, idx, ckpt).score_many(records[off:], start=off)]
    assert rest == ["r05", "r06", "r07"]
    with pytest.raises(CheckpointError, match="seek the source to record 8"):
        list(StreamScorer(fake_detector, idx, ckpt).score_many([], start=9))


def test_string_records_get_their_stream_position_as_id(tmp_path: Path, fake_detector: Detector) -> None:
    scorer = StreamScorer(fake_detector, None, tmp_path / "c.ckpt", batch_size=2)
    assert [r.id for r in scorer.score_many([texts.CLEAN_NEWS, texts.PADDED, texts.TEMPLATED])] == [
        "0",
        "1",
        "2",
    ]
    more = [texts.CLEAN_NEWS, texts.PADDED, texts.TEMPLATED, texts.INDEPENDENT_NEWS]
    assert [r.id for r in StreamScorer(fake_detector, None, tmp_path / "c.ckpt").score_many(more)] == ["3"]


@pytest.mark.parametrize(
    "content",
    ["", "{not json", json.dumps({"version": 99, "offset": 1, "output_bytes": None, "pending": []}), "[]"],
    ids=["empty", "garbage", "other-version", "wrong-shape"],
)
def test_a_bad_checkpoint_is_refused_with_the_fix(tmp_path: Path, content: str) -> None:
    p = tmp_path / "c.ckpt"
    p.write_text(content)
    with pytest.raises(CheckpointError, match="delete it to start over"):
        Checkpoint.read(p)


def test_a_truncated_output_is_refused(tmp_path: Path, fake_detector: Detector) -> None:
    ckpt, out = tmp_path / "c.ckpt", tmp_path / "out.jsonl"
    StreamScorer(fake_detector, None, ckpt).run(_stream(3), out)
    out.write_bytes(b"")
    with pytest.raises(CheckpointError, match="truncated or replaced"):
        StreamScorer(fake_detector, None, ckpt).run(_stream(3), out)


def test_batch_size_must_be_positive(fake_detector: Detector) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        StreamScorer(fake_detector, None, None, batch_size=0)


def test_with_the_real_index_a_later_copy_names_the_earlier_source(
    tmp_path: Path, detector: Detector
) -> None:
    from boilerplate_detect import Index

    idx = Index.memory()
    records = [
        Article(id="src", text=texts.CLEAN_NEWS, outlet="a.example", published="2025-01-01"),
        Article(id="other", text=texts.INDEPENDENT_NEWS, outlet="b.example", published="2025-01-01"),
        Article(id="copy", text=texts.CLEAN_NEWS + " More soon.", outlet="c.example", published="2025-01-02"),
    ]
    ckpt, out = tmp_path / "c.ckpt", tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError):
        StreamScorer(detector, idx, ckpt, batch_size=1).run(_crashing(records, 2), out)  # type: ignore[arg-type]
    StreamScorer(detector, idx, ckpt, batch_size=1).run(records, out)
    got = {x["id"]: x for x in _lines(out)}
    assert list(got) == ["src", "other", "copy"]
    assert [n["id"] for n in got["copy"]["near_duplicates"]] == ["src"]
    assert got["src"]["near_duplicates"] == []
    assert len(idx) == 3


def test_blank_texts_are_scored_but_not_indexed(fake_detector: Detector) -> None:
    idx = RecordingIndex()
    stream = [
        {"id": "a", "text": texts.CLEAN_NEWS},
        {"id": "b", "text": "  \n "},
        {"id": "c", "text": texts.PADDED},
    ]
    assert [r.id for r in StreamScorer(fake_detector, idx, None).score_many(stream)] == ["a", "b", "c"]
    assert idx.ids == ["a", "c"]
    assert idx.seen["c"] == ("a",)


class OneAtATime:
    """The real index behind the plain StreamIndex protocol (no batch method)."""

    def __init__(self, index: Any) -> None:
        self._index = index

    def evidence(self, article: Article, seg: Any) -> Any:
        return self._index.evidence(article, seg)

    def add(self, article: Article, seg: Any = None) -> None:
        self._index.add(article, seg)

    def remove(self, article_id: str) -> None:
        self._index.remove(article_id)


def test_the_batch_check_then_add_gives_the_one_at_a_time_reports(detector: Detector) -> None:
    """Copies inside one batch, a blank text and a replaced id: same reports, same index."""
    from boilerplate_detect import Index

    bodies = [texts.CLEAN_NEWS, texts.INDEPENDENT_NEWS, texts.PADDED]
    records = [
        {"id": f"r{i:02d}", "text": bodies[i % 3] + f" Update {i}.", "outlet": f"o{i % 4}.example"}
        for i in range(11)
    ]
    records[4]["text"] = "  \n "
    records[7]["id"] = "r01"  # replaces an article added earlier in the stream
    runs = []
    for wrap in (lambda i: i, OneAtATime):
        idx = Index.memory()
        reports = list(StreamScorer(detector, wrap(idx), None, batch_size=5).score_many(records))
        runs.append(([json.dumps(r.to_dict(), sort_keys=True) for r in reports], sorted(idx.ids())))
    assert runs[0] == runs[1]
    assert any(json.loads(line)["near_duplicates"] for line in runs[0][0][1:5])  # copies found inside a batch
