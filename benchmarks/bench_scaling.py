"""Throughput of the ways to run at scale: one process, embedded index, Redis index, --jobs, Spark.

    python benchmarks/bench_scaling.py [DATA_DIR] [-n 1000] [--skip spark,redis,jobs]

DATA_DIR (default ``../shared/data``) must hold ``news_human_allsides.jsonl``
(real articles of many outlets, with dates). Texts are read for timing only;
nothing of them is written. Every figure is articles per second of wall time,
after a warm-up, on this machine as it is (shared and noisy: repeat to compare).

Modes:

* ``score_many``: ``Detector.score_many`` without an index (one process).
* ``embedded index, stream``: ``StreamScorer`` over ``Index.open(path)``: each
  article checked against the on-disk index, then added; checkpoint per batch.
* ``memory index, two passes``: ``Index.memory().add_many`` of all, then
  ``score_many`` against it (what ``boilerplate-detect score`` does by default).
* ``redis index, stream``: as the embedded stream, on ``redis://127.0.0.1:PORT``
  (a redis-server started here on a free loopback port, stopped afterwards).
* ``cli --jobs N``: ``boilerplate-detect score IN -o OUT --jobs N`` (cross-outlet,
  two passes), including process start and model load.
* ``spark local[2]``: ``score_dataframe`` with cross-outlet near-duplicates,
  written to Spark's ``noop`` sink; session start-up excluded, first run excluded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from boilerplate_detect import Article, Detector, Index  # noqa: E402
from boilerplate_detect.stream import StreamScorer  # noqa: E402


def load_articles(data_dir: Path, n: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with (data_dir / "news_human_allsides.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            meta = d.get("meta") or {}
            rows.append(
                {
                    "id": str(d["id"]),
                    "text": d["text"],
                    "outlet": meta.get("outlet") or meta.get("domain"),
                    "published": str(meta["date"]) if meta.get("date") else None,
                }
            )
            if len(rows) == n:
                break
    return rows


def articles(rows: list[dict[str, Any]]) -> list[Article]:
    return [Article(id=r["id"], text=r["text"], outlet=r["outlet"], published=r["published"]) for r in rows]


def timed(fn: Callable[[], int]) -> tuple[float, int]:
    t = time.perf_counter()
    n = fn()
    return time.perf_counter() - t, n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server not found (apt-get install -y redis-server)")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.1):
                break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def bench_score_many(det: Detector, rows: list[dict[str, Any]]) -> int:
    return sum(1 for _ in det.score_many(articles(rows)))


def bench_stream(det: Detector, rows: list[dict[str, Any]], spec: str, tmp: Path) -> int:
    with Index.open(spec) as idx:
        scorer = StreamScorer(det, idx, tmp / f"ckpt-{time.monotonic_ns()}.json", batch_size=64)
        return sum(1 for _ in scorer.score_many(articles(rows)))


def bench_two_pass(det: Detector, rows: list[dict[str, Any]]) -> int:
    idx = Index.memory()
    arts = articles(rows)
    idx.add_many(a for a in arts if a.text.strip())
    scorer = Detector(det.model, index=idx, threshold=det.threshold, resources=det.resources)
    n = sum(1 for _ in scorer.score_many(arts))
    idx.close()
    return n


def bench_cli(rows: list[dict[str, Any]], jobs: int, tmp: Path) -> int:
    src = tmp / "in.jsonl"
    if not src.exists():
        src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp / f"out-{jobs}.jsonl"
    exe = [sys.executable, "-m", "boilerplate_detect", "score", str(src), "-o", str(out), "--quiet"]
    subprocess.run(
        [*exe, "--jobs", str(jobs)], check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}
    )
    return sum(1 for _ in out.open(encoding="utf-8"))


def bench_spark(rows: list[dict[str, Any]], det: Detector) -> tuple[float, int]:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYTHONPATH"] = str(ROOT)
    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    from pyspark.sql import SparkSession

    from boilerplate_detect.spark import score_dataframe

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        schema = "id string, text string, outlet string, published string"
        df = spark.createDataFrame(rows, schema).repartition(2).cache()
        df.count()

        def run() -> int:
            out = score_dataframe(df, "text", "id", "outlet", "published", detector=det)
            out.write.format("noop").mode("overwrite").save()
            return len(rows)

        run()  # warm-up: Python workers, JIT
        return timed(run)
    finally:
        spark.stop()


def run(*, quick: bool, data_dir: Path | None, work_dir: Path | None = None) -> dict[str, Any]:
    """Section entry point for ``benchmarks/run.py``: one machine against Spark ``local[2]``.

    The same articles go through ``score_many`` without an index, the two-pass
    memory index, an embedded index in streaming mode, and Spark ``local[2]``
    (the cross-outlet DataFrame path). ``--quick`` leaves Spark out (its start-up
    alone takes most of the quick budget) and says so.
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import corpus

    n = 150 if quick else 1000
    rows = [d.to_mapping() for d in corpus.take(n, corpus.load_base(data_dir))]
    for i, r in enumerate(rows):
        r["published"] = f"2025-01-{1 + i % 28:02d}"
    det = Detector.load()
    bench_score_many(det, rows[:20])  # warm-up
    rates: dict[str, float] = {}
    notes: list[str] = []
    work = Path(work_dir or tempfile.mkdtemp(prefix="bench-scaling-"))
    work.mkdir(parents=True, exist_ok=True)
    rates["score_many, no index"] = n / timed(lambda: bench_score_many(det, rows))[0]
    rates["memory index, two passes"] = n / timed(lambda: bench_two_pass(det, rows))[0]
    spec = str(work / f"crawl-{time.monotonic_ns()}.idx")
    rates["embedded index, stream"] = n / timed(lambda: bench_stream(det, rows, spec, work))[0]
    if quick:
        notes.append("Spark local[2]: full run only (its start-up takes most of the --quick budget).")
    else:
        try:
            secs, cnt = bench_spark(rows, det)
            rates["Spark local[2], cross-outlet"] = cnt / secs
        except ImportError as exc:
            notes.append(f"Spark local[2]: not available ({exc}).")
    base = rates["memory index, two passes"]
    lines = [
        f"{n} articles from `benchmarks/corpus.py`, wall clock, both cores available; "
        f"load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| path | articles/s | ratio to the two-pass memory index |",
        "|---|---:|---:|",
        *(f"| {k} | {v:,.1f} | {v / base:.2f}x |" for k, v in rates.items()),
        "",
        *notes,
    ]
    return {
        "n": n,
        "articles_per_s": {k: round(v, 1) for k, v in rates.items()},
        "markdown": "\n".join(lines),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", nargs="?", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("-n", type=int, default=1000, help="articles")
    ap.add_argument("--skip", default="", help="comma-separated: stream,redis,two_pass,jobs,spark")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    rows = load_articles(args.data_dir, args.n)
    kb = sum(len(r["text"]) for r in rows) / len(rows) / 1000
    print(f"{len(rows)} articles, {kb:.1f} KB mean, {len({r['outlet'] for r in rows})} outlets", flush=True)
    det = Detector.load()
    bench_score_many(det, rows[:50])  # warm-up
    results: list[tuple[str, float, int]] = []

    def record(name: str, secs: float, n: int) -> None:
        results.append((name, secs, n))
        print(f"{name:<28} {n / secs:8.1f} articles/s  ({n} in {secs:.1f} s)", flush=True)

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        record("score_many (no index)", *timed(lambda: bench_score_many(det, rows)))
        if "stream" not in skip:
            record(
                "embedded index, stream", *timed(lambda: bench_stream(det, rows, str(tmp / "crawl.idx"), tmp))
            )
        if "two_pass" not in skip:
            record("memory index, two passes", *timed(lambda: bench_two_pass(det, rows)))
        if "redis" not in skip:
            with redis_server() as url:
                record("redis index, stream", *timed(lambda: bench_stream(det, rows, url, tmp)))
        if "jobs" not in skip:
            record("cli --jobs 1", *timed(lambda: bench_cli(rows, 1, tmp)))
            record(f"cli --jobs {args.jobs}", *timed(lambda: bench_cli(rows, args.jobs, tmp)))
        if "spark" not in skip:
            record("spark local[2]", *bench_spark(rows, det))
    print(json.dumps({name: round(n / s, 1) for name, s, n in results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
