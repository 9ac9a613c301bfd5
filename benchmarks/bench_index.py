# ruff: noqa: E501
"""Section 2, "Near-duplicate index": speed and size of the cross-outlet index, side by side with datasketch.

Measured in one run, on one core (run.py pins the process), in CPU time
(``time.process_time``) so that other processes on a shared machine do not count:

1. **MinHash throughput** from segmented text to signature: ours (xxh3 word hashes,
   vectorised shingles and permutations) against ``datasketch.MinHash.bulk`` on the
   same word 5-gram shingles (sha1), at the index's ``num_perm``. Signatures of the
   two are equal for equal input hashes (tests/test_minhash.py).
2. **Insert + query** with a large index already built: each article is queried,
   then added. Index operations alone (fingerprints precomputed, nothing cached in
   them: one by one; with the adds batched; and with the batch API, one
   ``query_fingerprints`` call per batch then its ``add_fingerprints``, as
   ``Detector.score_many`` does; and ``check_then_add_many`` per batch, a stream's
   one-by-one meaning batched), best of ``REPS`` passes, and end to end from text
   (segmentation + fingerprint + query + add). Beside them, datasketch
   ``MinHashLSH`` insert + query from precomputed MinHashes. While timing, the
   harness's own objects are frozen out of the garbage collector (``gc.freeze``);
   the one-by-one figure is also given without that.
3. **Size per indexed article**: the embedded index on disk (file size after close)
   and in memory (SQLite pages in use), against datasketch ``MinHashLSH``'s Python
   memory (tracemalloc).
4. **A curve** over index sizes. Sizes above the real corpus are **simulated from
   fingerprints alone**: real fingerprints re-issued with fresh ids and every hash
   XOR-ed with a per-copy salt, so they post under new keys like new articles would.

Run alone: ``python benchmarks/bench_index.py [--quick] [--data-dir ../shared/data] [--sizes 10000,100000,1000000]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import corpus
from boilerplate_detect import Article, Index
from boilerplate_detect.index_fingerprint import Fingerprint
from boilerplate_detect.minhash import minhash, permutations, shingle_hashes, word_hashes
from boilerplate_detect.text import Segmented, segment


def _articles(docs: Sequence[corpus.Doc]) -> list[Article]:
    return [
        Article(id=f"d{i}", text=d.text, outlet=d.outlet or f"o{i % 50}.example", published=None)
        for i, d in enumerate(docs)
    ]


def _shingle_bytes(seg: Segmented, n: int) -> list[bytes]:
    out: list[bytes] = []
    for ws in seg.sentence_words:
        if not ws:
            continue
        if len(ws) < n:
            out.append(" ".join(ws).encode())
        else:
            out.extend(" ".join(ws[i : i + n]).encode() for i in range(len(ws) - n + 1))
    return out


def bench_minhash(segs: Sequence[Segmented], num_perm: int, ngram: int) -> dict[str, float]:
    perm = permutations(num_perm, 1)
    t = time.process_time()
    for s in segs:
        lens = [len(w) for w in s.sentence_words if w]
        minhash(shingle_hashes(word_hashes(s.words), lens, ngram), perm)
    ours = len(segs) / (time.process_time() - t)
    out = {"ours_per_s": ours}
    try:
        from datasketch import MinHash
    except ImportError:
        out["datasketch"] = float("nan")
        return out
    t = time.process_time()
    batch = [_shingle_bytes(s, ngram) for s in segs]
    MinHash.bulk(batch, num_perm=num_perm)
    out["datasketch_bulk_per_s"] = len(segs) / (time.process_time() - t)
    out["ratio"] = ours / out["datasketch_bulk_per_s"]
    return out


def synth(fp: Fingerprint, copy: int) -> Fingerprint:
    """Re-issue a real fingerprint as a new article: fresh id, every hash XOR-ed with a salt."""
    salt = (copy * 0x9E3779B1) & 0xFFFFFFFC or 4
    s32 = np.uint32(salt)
    nz = fp.sent_facts != 0
    facts = fp.sent_facts.copy()
    facts[nz] ^= s32
    return dataclasses.replace(
        fp,
        id=f"{fp.id}~{copy}",
        outlet=f"sim{copy % 997}.example",
        bands=(fp.bands ^ s32) & np.uint32(0x7FFFFFFF),
        sent_hash=fp.sent_hash ^ s32,
        sent_facts=facts,
        facts=fp.facts ^ s32,
    )  # the derived caches are init=False: the copy computes its own


def fill(idx: Index, fps: Sequence[Fingerprint], target: int, start_copy: int = 1) -> int:
    """Add real fingerprints, then simulated ones, until the index holds ``target`` articles."""
    n = len(idx)
    copy = start_copy
    while n < target:
        batch = [synth(f, copy) for f in fps[: target - n]] if copy else list(fps[: target - n])
        for i in range(0, len(batch), 2000):
            idx.add_fingerprints(batch[i : i + 2000])
        n += len(batch)
        copy += 1
    return copy


#: Articles per batch in the batched insert+query figures (the Detector's default batch size).
BATCH = 256
#: Passes over the probe articles per index-ops figure (the best is reported).
REPS = 3


def _timed(fn: Callable[[], object], n: int, *, freeze: bool = True) -> float:
    """Run ``fn`` once and return ``n`` divided by its CPU time.

    With ``freeze``, the objects that exist before the run (the harness's corpus,
    segmentations and fingerprints: millions of tracked objects) are moved out of
    the cyclic garbage collector's reach with ``gc.freeze()``, so its full
    collections over the *harness's* objects are not charged to the index. The
    index's own objects made during the run are collected as usual.
    """
    if freeze:
        gc.collect()
        gc.freeze()
    try:
        t = time.process_time()
        fn()
        return n / (time.process_time() - t)
    finally:
        if freeze:
            gc.unfreeze()


def bench_ops(
    idx: Index, arts: Sequence[Article], segs: Sequence[Segmented], reps: int = REPS
) -> dict[str, float]:
    """Insert+query figures, best of ``reps`` passes; every pass starts from fresh fingerprints (nothing cached)."""

    def fresh() -> list[Fingerprint]:
        return [idx.fingerprint(a, s) for a, s in zip(arts, segs, strict=True)]

    def one_by_one(fps: list[Fingerprint]) -> Callable[[], None]:
        def run() -> None:
            for f in fps:
                idx._matches(f)  # the query path, from a fingerprint
                idx.add_fingerprints([f])

        return run

    def batched(fps: list[Fingerprint]) -> Callable[[], None]:
        # as a stream or score_many does it: query every article of a batch, then add the batch
        def run() -> None:
            for i in range(0, len(fps), BATCH):
                part = fps[i : i + BATCH]
                for f in part:
                    idx._matches(f)
                idx.add_fingerprints(part)

        return run

    def batch_api(fps: list[Fingerprint]) -> Callable[[], None]:
        # the batch read path score_many uses: one query_fingerprints call per batch, then its adds
        def run() -> None:
            for i in range(0, len(fps), BATCH):
                part = fps[i : i + BATCH]
                idx.query_fingerprints(part)
                idx.add_fingerprints(part)

        return run

    def check_then_add(fps: list[Fingerprint]) -> Callable[[], None]:
        # a stream's meaning (article k sees articles 0..k-1 of its batch), batched
        def run() -> None:
            for i in range(0, len(fps), BATCH):
                part = fps[i : i + BATCH]
                idx._check_then_add(part, [True] * len(part))

        return run

    def end_to_end() -> None:
        for a in arts:
            s = segment(a.text)
            idx.query(a, s)
            idx.add(a, s)

    def clear() -> None:
        for a in arts:
            idx.remove(a.id)

    def best(make: Callable[[list[Fingerprint]], Callable[[], None]], *, freeze: bool = True) -> float:
        rates = []
        for _ in range(reps):
            fps = fresh()
            rates.append(_timed(make(fps), n, freeze=freeze))
            clear()
        return max(rates)

    n = len(arts)
    out = {"index_ops_per_s_gc_unfrozen": best(one_by_one, freeze=False)}
    out["index_ops_per_s"] = best(one_by_one)
    out["index_ops_batched_per_s"] = best(batched)
    out["index_ops_batch_api_per_s"] = best(batch_api)
    out["index_ops_check_then_add_per_s"] = best(check_then_add)
    out["end_to_end_per_s"] = _timed(end_to_end, n)
    return out


def bench_datasketch_lsh(
    segs: Sequence[Segmented], n_index: int, num_perm: int, ngram: int
) -> dict[str, float]:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        return {}
    mhs = MinHash.bulk([_shingle_bytes(s, ngram) for s in segs], num_perm=num_perm)
    lean = mhs
    reps = max(1, n_index // len(lean))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    lsh = MinHashLSH(threshold=0.5, num_perm=num_perm)
    k = 0
    for r in range(reps):
        for m in lean:
            if k >= n_index:
                break
            lsh.insert(f"{r}:{k}", m)
            k += 1
    mem = (tracemalloc.get_traced_memory()[0] - base) / k
    tracemalloc.stop()
    q = lean[: min(1000, len(lean))]
    t = time.process_time()
    for i, m in enumerate(q):
        lsh.query(m)
        lsh.insert(f"q{i}", m)
    return {
        "indexed": k,
        "bytes_per_article_memory": mem,
        "insert_query_per_s": len(q) / (time.process_time() - t),
    }


def run(
    *, quick: bool, data_dir: Path | None, work_dir: Path | None = None, sizes: Sequence[int] = ()
) -> dict[str, Any]:
    """Measure section 2 and return its figures (with a ``markdown`` body)."""
    base = corpus.load_base(data_dir)
    n_real = 800 if quick else 8_000
    n_probe = 150 if quick else 2_000
    sizes = tuple(sizes) or ((2_000, 5_000) if quick else (10_000, 100_000, 1_000_000))
    docs = corpus.take(n_real + n_probe, base)
    arts = _articles(docs)
    t = time.process_time()
    segs = [segment(a.text) for a in arts]
    seg_per_s = len(segs) / (time.process_time() - t)
    mean_bytes = float(np.mean([len(a.text.encode()) for a in arts]))
    res: dict[str, Any] = {
        "corpus": base.origin,
        "mean_article_bytes": round(mean_bytes),
        "segment_per_s": seg_per_s,
    }
    params = Index.memory().params
    res["params"] = dataclasses.asdict(params)
    res["minhash"] = bench_minhash(segs[: 200 if quick else 2_000], params.num_perm, params.ngram)

    scratch = Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp())
    probe_arts, probe_segs = arts[n_real:], segs[n_real:]
    idx0 = Index.memory()
    t = time.process_time()
    real_fps = [idx0.fingerprint(a, s) for a, s in zip(arts[:n_real], segs[:n_real], strict=True)]
    res["fingerprint_per_s"] = n_real / (time.process_time() - t)
    idx0.close()

    curve = []
    for size in sizes:
        row: dict[str, Any] = {"indexed": size, "simulated": max(size - n_real, 0)}
        with Index.memory() as idx:
            t = time.process_time()
            idx.add_fingerprints(real_fps[:size])
            fill(idx, real_fps, size)
            row["bulk_add_per_s"] = size / (time.process_time() - t)
            row["memory_bytes_per_article"] = idx.size_bytes() / len(idx)
            row.update(
                bench_ops(idx, probe_arts[: 150 if quick else 1_000], probe_segs[: 150 if quick else 1_000])
            )
        curve.append(row)
    res["curve"] = curve

    # On disk: the embedded index file, at the first size.
    path = scratch / "bench.idx"
    if path.exists():
        path.unlink()
    with Index.open(path) as disk:
        disk.add_fingerprints(real_fps[: sizes[0]])
        fill(disk, real_fps, sizes[0])
        n_disk = len(disk)
    files = [p for p in scratch.iterdir() if p.name.startswith("bench.idx")]
    res["disk"] = {"indexed": n_disk, "bytes_per_article": sum(p.stat().st_size for p in files) / n_disk}

    res["datasketch_lsh"] = bench_datasketch_lsh(
        segs[: min(n_real, 4_000)], sizes[0], params.num_perm, params.ngram
    )
    res["markdown"] = markdown(res)
    return res


def markdown(r: dict[str, Any]) -> str:
    mh = r["minhash"]
    ds = r.get("datasketch_lsh") or {}
    lines = [
        f"Corpus: {r['corpus']}, mean {r['mean_article_bytes']} bytes/article. num_perm={r['params']['num_perm']}, "
        f"bands={r['params']['bands']}, ngram={r['params']['ngram']}, one core.",
        "",
        "| measure | ours | datasketch | ratio |",
        "|---|---:|---:|---:|",
        f"| MinHash, segmented text -> signature (articles/s) | {mh['ours_per_s']:,.0f} | "
        f"{mh.get('datasketch_bulk_per_s', float('nan')):,.0f} (MinHash.bulk) | {mh.get('ratio', float('nan')):.2f}x |",
    ]
    first = r["curve"][0]
    if ds:
        lines.append(
            f"| insert+query, index ops (articles/s, {first['indexed']:,} indexed) | {first['index_ops_per_s']:,.0f} | "
            f"{ds['insert_query_per_s']:,.0f} (MinHashLSH, {ds['indexed']:,} indexed) | "
            f"{first['index_ops_per_s'] / ds['insert_query_per_s']:.2f}x |"
        )
        lines.append(
            f"| memory per indexed article (bytes) | {first['memory_bytes_per_article']:,.0f} | "
            f"{ds['bytes_per_article_memory']:,.0f} (MinHashLSH) | "
            f"{first['memory_bytes_per_article'] / ds['bytes_per_article_memory']:.2f}x |"
        )
    lines += [
        f"| disk per indexed article (bytes, {r['disk']['indexed']:,} indexed) | "
        f"{r['disk']['bytes_per_article']:,.0f} | - | - |",
        f"| fingerprint (facts + MinHash + sentence hashes), articles/s | {r['fingerprint_per_s']:,.0f} | - | - |",
        f"| segment() (shared with the features), articles/s | {r['segment_per_s']:,.0f} | - | - |",
        "",
        'Curve (each probe article is queried, then added; "end to end" includes segment() and fingerprinting; '
        f"index-ops columns: best of {REPS} passes):",
        "",
        "| indexed | of which simulated | bulk add/s | insert+query/s, index ops, one by one "
        f"| same, harness objects not frozen | same, adds batched by {BATCH} "
        f"| same, batch API (query_fingerprints then add_fingerprints per {BATCH}) "
        f"| same, check_then_add_many per {BATCH} (results of one by one) | insert+query/s, end to end "
        "| memory bytes/article |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in r["curve"]:
        lines.append(
            f"| {c['indexed']:,} | {c['simulated']:,} | {c['bulk_add_per_s']:,.0f} | {c['index_ops_per_s']:,.0f} "
            f"| {c['index_ops_per_s_gc_unfrozen']:,.0f} | {c['index_ops_batched_per_s']:,.0f} "
            f"| {c['index_ops_batch_api_per_s']:,.0f} | {c['index_ops_check_then_add_per_s']:,.0f} "
            f"| {c['end_to_end_per_s']:,.0f} "
            f"| {c['memory_bytes_per_article']:,.0f} |"
        )
    lines += [
        "",
        "Simulated articles are real fingerprints re-issued under fresh ids with every hash XOR-ed by a per-copy "
        "salt (no text); they load the postings and the database like new articles would. While timing, the "
        "harness's own objects (corpus, segmentations, fingerprints) are frozen out of the garbage collector "
        "(gc.freeze), as in a long-running scorer that does not hold them; the column 'not frozen' charges "
        "the collector's passes over them to the index.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="benchmark the cross-outlet index")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--data-dir", type=Path, default=corpus.DEFAULT_DATA_DIR)
    ap.add_argument("--sizes", default="", help="comma-separated index sizes, e.g. 10000,100000,1000000")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    sizes = tuple(int(x) for x in args.sizes.split(",") if x)
    random.seed(0)
    res = run(quick=args.quick, data_dir=corpus.resolve_data_dir(args.data_dir), sizes=sizes)
    print(res["markdown"])
    if args.json:
        args.json.write_text(json.dumps({k: v for k, v in res.items() if k != "markdown"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
