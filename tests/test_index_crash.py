"""The embedded index survives SIGKILL mid-write and handles concurrent writers without corruption."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from boilerplate_detect import Article, Index, IndexLockError
from tests.index_corpus import story

ROOT = Path(__file__).resolve().parents[1]

WRITER = """
import sys
from boilerplate_detect import Article, Index
from tests.index_corpus import story
path, start, n, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with Index.open(path) as idx:
    for i in range(start, start + n, batch):
        arts = [Article(id=f"a{j}", text=story(j), outlet=f"o{j % 3}.example") for j in range(i, i + batch)]
        if batch == 1:
            idx.add(arts[0])
        else:
            idx.add_many(arts)
        print(" ".join(a.id for a in arts), flush=True)
"""


def _spawn(path: Path, start: int, n: int, batch: int = 1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(start), str(n), str(batch)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


@pytest.mark.parametrize("batch", [1, 7], ids=["add", "add_many"])
def test_sigkill_mid_add_keeps_every_acknowledged_article(tmp_path: Path, batch: int) -> None:
    path = tmp_path / "crawl.idx"
    Index.open(path).close()
    proc = _spawn(path, 0, 10_000, batch)
    assert proc.stdout is not None
    acked: list[str] = []
    while len(acked) < 40:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        acked += line.split()
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes the pipes
    assert _integrity(path) == "ok"
    with Index.open(path) as idx:
        ids = set(idx.ids())
        assert set(acked) <= ids
        assert len(idx) == len(ids) >= len(acked)
        # the index still answers and still takes writes
        a = Article(id="probe", text=story(0), outlet="other.example")
        assert "a0" in [h.id for h in idx.query(a)]
        idx.add(Article(id="after", text=story(99_999), outlet="x.example"))
        assert "after" in idx.ids()


def test_concurrent_writers_on_one_file_are_serialised(tmp_path: Path) -> None:
    path = tmp_path / "shared.idx"
    Index.open(path).close()
    procs = [_spawn(path, start, 40) for start in (0, 1000)]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    assert _integrity(path) == "ok"
    with Index.open(path) as idx:
        assert len(idx) == 80
        assert sorted(idx.ids()) == sorted(
            [f"a{j}" for j in range(40)] + [f"a{j}" for j in range(1000, 1040)]
        )


def test_writer_blocked_too_long_gets_index_lock_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.idx"
    Index.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
    try:
        with (
            Index.open(path, timeout=0.2) as idx,
            pytest.raises(IndexLockError, match="locked by another writer"),
        ):
            idx.add(Article(id="x", text=story(1), outlet="o.example"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Index.open(path) as idx:
        idx.add(Article(id="x", text=story(1), outlet="o.example"))
        assert len(idx) == 1
