"""CLI throughput: ``boilerplate-detect score`` against the library's ``score_many``, and --jobs 2 vs 1.

Usage::

    python benchmarks/bench_cli.py [--n 2000] [--data-dir ../shared/data] [--model DIR] [--work-dir DIR]

or as section 5 of ``benchmarks/run.py``. Measures, on the same articles:

* ``library``: ``Detector.score_many`` over in-memory mappings, pinned to one core;
* ``cli_1core``: ``boilerplate-detect score in.jsonl -o out.jsonl --no-cross-outlet``
  pinned to one core, end to end (process start, model load, JSON in and out);
  ``cli_1core_steady`` subtracts the fixed cost of a one-article run;
* ``jobs1`` / ``jobs2``: the CLI with ``--jobs 1`` and ``--jobs 2`` on every core;
* ``cross_outlet_jobs1``: the default two-pass cross-outlet run, when the index exists.

Targets (issue 7): CLI within 20% of the library on one core; --jobs 2 >= 1.7x --jobs 1.
The machine is shared: the load average before and after is recorded with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402


def _pin_one() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _cli(args: list[str], *, one_core: bool) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    t0 = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "boilerplate_detect", *args],
        env=env,
        capture_output=True,
        preexec_fn=_pin_one if one_core else None,
        timeout=3600,
    )
    dt = time.perf_counter() - t0
    if r.returncode not in (0, 1):
        raise RuntimeError(f"CLI failed ({r.returncode}): {r.stderr.decode(errors='replace')[-400:]}")
    return dt


def _library_rate(docs: list[dict[str, str]], model: str | None) -> float:
    before = os.sched_getaffinity(0)
    _pin_one()
    try:
        from boilerplate_detect import Detector

        det = Detector.load(model)
        for _ in det.score_many(docs[:32]):  # warm-up
            pass
        t0 = time.perf_counter()
        n = sum(1 for _ in det.score_many(docs))
        return n / (time.perf_counter() - t0)
    finally:
        os.sched_setaffinity(0, before)


def _has_index() -> bool:
    try:
        import boilerplate_detect.index  # noqa: F401
    except ImportError:
        return False
    return True


def run(
    *, quick: bool = False, data_dir: Path | None = None, work_dir: Path | None = None, model: str | None = None,
    n: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run the CLI benchmark and return its figures (and a markdown summary)."""
    n = n or (400 if quick else 2000)
    docs = [d.to_mapping() for d in corpus.take(n, corpus.load_base(data_dir))]
    work = Path(work_dir or tempfile.mkdtemp(prefix="bench-cli-"))
    work.mkdir(parents=True, exist_ok=True)
    inp, one = work / "in.jsonl", work / "one.jsonl"
    inp.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    one.write_text(json.dumps(docs[0]) + "\n", encoding="utf-8")
    margs = ["--model", model] if model else []
    base = ["-q", "--no-cross-outlet", *margs]
    load_before = os.getloadavg()

    lib = _library_rate(docs, model)
    startup = min(
        _cli(["score", str(one), "-o", str(work / "o1.jsonl"), *base], one_core=True) for _ in range(2)
    )
    cli1 = _cli(["score", str(inp), "-o", str(work / "o.jsonl"), *base], one_core=True)
    jobs1 = _cli(["score", str(inp), "-o", str(work / "j1.jsonl"), "--jobs", "1", *base], one_core=False)
    jobs2 = _cli(["score", str(inp), "-o", str(work / "j2.jsonl"), "--jobs", "2", *base], one_core=False)
    cross = None
    if _has_index():
        cross = _cli(["score", str(inp), "-o", str(work / "x.jsonl"), "-q", *margs], one_core=True)
    load_after = os.getloadavg()

    cli_rate = n / cli1
    steady = n / max(cli1 - startup, 1e-9)
    res: dict[str, Any] = {
        "articles": n,
        "mean_bytes": round(sum(len(d["text"].encode()) for d in docs) / n),
        "library_rate": round(lib, 1),
        "cli_1core_rate": round(cli_rate, 1),
        "cli_startup_s": round(startup, 2),
        "cli_1core_steady_rate": round(steady, 1),
        "cli_vs_library": round(cli_rate / lib, 3),
        "cli_steady_vs_library": round(steady / lib, 3),
        "jobs1_s": round(jobs1, 2),
        "jobs2_s": round(jobs2, 2),
        "jobs2_speedup": round(jobs1 / jobs2, 3),
        "jobs2_speedup_steady": round((jobs1 - startup) / max(jobs2 - startup, 1e-9), 3),
        "cross_outlet_1core_rate": round(n / cross, 1) if cross else None,
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in load_after],
    }
    res["markdown"] = "\n".join(
        [
            f"{n} articles, {res['mean_bytes']} bytes on average; load average before/after "
            f"{res['loadavg_before'][0]} / {res['loadavg_after'][0]} (shared machine).",
            "",
            "| measure | value | target |",
            "|---|---:|---|",
            f"| library score_many, 1 core | {res['library_rate']} articles/s | |",
            f"| CLI end to end, 1 core | {res['cli_1core_rate']} articles/s ({res['cli_vs_library']:.0%} of library)"
            " | >= 80% |",
            f"| CLI without the {res['cli_startup_s']} s start-up, 1 core | {res['cli_1core_steady_rate']} articles/s "
            f"({res['cli_steady_vs_library']:.0%} of library) | >= 80% |",
            f"| --jobs 2 vs --jobs 1 | {res['jobs2_speedup']}x ({res['jobs2_speedup_steady']}x without start-up) "
            "| >= 1.7x |",
            f"| default two-pass cross-outlet, 1 core | {res['cross_outlet_1core_rate']} articles/s | |",
        ]
    )
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--model", default=None)
    ap.add_argument("--work-dir", type=Path, default=None)
    a = ap.parse_args()
    res = run(data_dir=corpus.resolve_data_dir(a.data_dir), work_dir=a.work_dir, model=a.model, n=a.n)
    print(res.pop("markdown"))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
