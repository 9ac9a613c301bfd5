"""The shared Redis index against a real redis-server: same matches as the embedded index,
concurrent writers lose nothing, and a server restart mid-batch loses or duplicates nothing."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from boilerplate_detect import Article, Index, IndexMismatchError
from boilerplate_detect.text import segment
from tests.index_corpus import story
from tests.redis_server import RedisServer, redis_server_fixture  # noqa: F401 - provides the fixture

pytestmark = pytest.mark.redis

ROOT = Path(__file__).resolve().parents[1]


def articles(n: int, start: int = 0) -> list[Article]:
    # every story appears twice, at two outlets, so every query has a match
    out = []
    for i in range(start, start + n):
        out.append(
            Article(
                id=f"s{i}",
                text=story(i // 2),
                outlet=f"outlet{i % 2}.example",
                published=f"2025-01-{1 + i % 2:02d}",
            )
        )
    return out


def summary(hits: list) -> list[tuple[str, float, str]]:  # type: ignore[type-arg]
    return [(h.id, round(h.overlap, 9), h.direction) for h in hits]


def test_redis_index_matches_embedded_index(redis_server: RedisServer, tmp_path: Path) -> None:
    arts = articles(30)
    with Index.open(redis_server.url) as shared, Index.open(tmp_path / "e.idx") as embedded:
        shared.add_many(arts)
        embedded.add_many(arts)
        assert len(shared) == len(embedded) == 30
        for a in arts:
            assert summary(shared.query(a)) == summary(embedded.query(a))
            assert shared.query(a), a.id
        assert shared.remove("s0") and not shared.remove("s0")
        assert len(shared) == 29 and shared.query(articles(2)[1]) == []  # s1's only match was s0
        shared.update(articles(2)[1])
        assert len(shared) == 29


def test_redis_params_are_stored_and_checked(redis_server: RedisServer) -> None:
    with Index.open(redis_server.url, num_perm=32, bands=8) as i:
        i.add(articles(1)[0])
    with Index.open(redis_server.url) as i:
        assert i.params.num_perm == 32
    with pytest.raises(IndexMismatchError, match="num_perm"):
        Index.open(redis_server.url, num_perm=64, bands=8)


WORKER = """
import sys
from boilerplate_detect import Index
from tests.test_index_redis import articles
url, start, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with Index.open(url) as idx:
    for a in articles(n, start):
        idx.add(a)
        idx.query(a)
        print(a.id, flush=True)
"""


def _spawn(url: str, start: int, n: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, url, str(start), str(n)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writers_lose_nothing_and_agree_with_embedded(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    Index.open(redis_server.url).close()  # store the params once
    procs = [_spawn(redis_server.url, start, 40) for start in (0, 40, 80)]
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
        assert len(out.split()) == 40
    arts = articles(120)
    with Index.open(redis_server.url) as shared, Index.open(tmp_path / "e.idx") as embedded:
        embedded.add_many(arts)
        assert len(shared) == 120
        assert sorted(shared.ids()) == sorted(a.id for a in arts)
        for a in arts[::3]:
            assert summary(shared.query(a)) == summary(embedded.query(a))


def test_server_killed_and_restarted_mid_batch_loses_and_duplicates_nothing(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    Index.open(redis_server.url).close()
    proc = _spawn(redis_server.url, 0, 60)
    assert proc.stdout is not None
    acked = [proc.stdout.readline().strip() for _ in range(15)]
    redis_server.kill()  # connection drops mid-batch
    time.sleep(0.5)
    redis_server.start()  # AOF brings back every acknowledged write
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err
    acked += out.split()
    assert len(acked) == 60 and len(set(acked)) == 60
    arts = articles(60)
    with Index.open(redis_server.url) as shared, Index.open(tmp_path / "e.idx") as embedded:
        embedded.add_many(arts)
        assert len(shared) == 60
        assert sorted(shared.ids()) == sorted(a.id for a in arts)
        for a in arts:
            # the same matches, each once: no posting was lost or duplicated
            assert summary(shared.query(a)) == summary(embedded.query(a))


def test_candidate_ties_go_to_the_earlier_article_on_both_backends(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    # Two equal copies tie on every key; with one candidate verified, both backends keep the
    # one indexed first ("zz", though "aa" sorts first by id).
    first = Article(id="zz", text=story(7), outlet="a.example")
    second = Article(id="aa", text=story(7), outlet="b.example")
    query = Article(id="q", text=story(7), outlet="c.example")
    with (
        Index.open(redis_server.url, max_candidates=1) as shared,
        Index.open(tmp_path / "e.idx", max_candidates=1) as embedded,
    ):
        for idx in (shared, embedded):
            idx.add(first)
            idx.add(second)
            assert [h.id for h in idx.query(query)] == ["zz"]
        shared.update(first)  # an update is a new insertion: the other one is now earlier
        embedded.update(first)
        assert [h.id for h in shared.query(query)] == [h.id for h in embedded.query(query)] == ["aa"]


def test_redis_batch_queries_equal_one_by_one_and_the_embedded_index(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    arts = articles(16)
    with Index.open(redis_server.url) as shared, Index.open(tmp_path / "e.idx") as embedded:
        shared.add_many(arts)
        embedded.add_many(arts)
        segs = [segment(a.text) for a in arts]
        batch = shared.query_many(arts, segs)
        assert batch == [shared.query(a, s) for a, s in zip(arts, segs, strict=True)]
        assert [summary(h) for h in batch] == [summary(h) for h in embedded.query_many(arts)]
        assert all(batch)
        assert shared.evidence_many(arts, segs) == [
            shared.evidence(a, s) for a, s in zip(arts, segs, strict=True)
        ]


def test_redis_check_then_add_many_equals_one_by_one(redis_server: RedisServer, tmp_path: Path) -> None:
    arts = articles(12)
    with Index.open(redis_server.url) as shared, Index.open(tmp_path / "e.idx") as embedded:
        segs = [segment(a.text) for a in arts]
        want = []
        for a, s in zip(arts, segs, strict=True):
            want.append(embedded.evidence(a, s))
            embedded.add(a, s)
        got = shared.check_then_add_many(arts, segs)
        assert [[summary(list(e.near_duplicates))] for e in got] == [
            [summary(list(e.near_duplicates))] for e in want
        ]
        assert sum(len(e.near_duplicates) for e in got) >= 6  # every second story copies the one before
        assert sorted(shared.ids()) == sorted(embedded.ids())
