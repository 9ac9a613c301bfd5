"""Run every adversarial and malformed case and print the robustness figures.

Usage (from the repository root)::

    python scripts/adversarial_report.py [--quick] [--json FILE]

It runs

* the malformed inputs of ``tests/test_malformed.py`` through the text layer and
  every feature family (and the bundled Detector, when it loads), each under a
  wall-clock budget;
* the evasion mutations of ``tests/test_adversarial.py`` on generated farm texts
  (single mutations at three rates, plus seeded random combinations), measuring
  the largest feature shift and, when the Detector loads, the largest
  originality shift;
* the CLI (``boilerplate-detect score`` as a subprocess) on malformed files:
  invalid UTF-8, binary data, a truncated gzip, a JSONL file with broken lines,
  an empty file, a 5 MB single-line record.

A case *crashed* when it raised (or the CLI printed a traceback or exited with an
undocumented code), *hung* when it ran past its hard time limit, and *lost data*
when the CLI's output and error rows hold fewer rows than the readable input
records. The last line is the summary, e.g.
``cases=310 crashed=0 hung=0 lost=0 over_budget=0 max_feature_shift=0 max_originality_shift=0``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from boilerplate_detect.errors import ModelLoadError  # noqa: E402
from boilerplate_detect.features import Context, extract, load_resources  # noqa: E402
from boilerplate_detect.text import segment  # noqa: E402
from tests.test_adversarial import FARM_TEXTS, MUTATIONS, ORIGINALS, mutate  # noqa: E402
from tests.test_malformed import MALFORMED_CASES, SLACK, _Hung, budget_for, run_pipeline, time_limit  # noqa: E402

#: The CLI's documented exit codes (0 ok, 1 some records failed, 2 usage, 3 model/index).
CLI_EXIT_CODES = {0, 1, 2, 3}
CLI_TIMEOUT_S = 300


@dataclass
class Figures:
    cases: int = 0
    crashed: list[str] = field(default_factory=list)
    hung: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    over_budget: list[str] = field(default_factory=list)
    max_feature_shift: float = 0.0
    max_feature_shift_case: str = ""
    max_originality_shift: float | None = None
    max_originality_shift_case: str = ""
    detector: str = ""
    notes: list[str] = field(default_factory=list)


def _load_detector(fig: Figures):  # type: ignore[no-untyped-def]
    from boilerplate_detect import Detector

    try:
        det = Detector.load()
    except ModelLoadError as exc:
        fig.detector = f"not loaded: {exc}"
        return None
    fig.detector = det.model.name
    return det


def run_malformed(fig: Figures, det, quick: bool) -> None:  # type: ignore[no-untyped-def]
    res = load_resources()
    for name, build in MALFORMED_CASES.items():
        if quick and name == "text-50MB":
            continue
        text = build()
        budget = budget_for(name, text)
        for stage in ("features", "detector") if det is not None else ("features",):
            case = f"malformed/{stage}/{name}"
            fig.cases += 1
            t0 = time.perf_counter()
            try:
                with time_limit(budget * SLACK * 4):
                    if stage == "features":
                        run_pipeline(text, res)
                    else:
                        det.score(text)
            except _Hung:
                fig.hung.append(case)
                continue
            except Exception as exc:
                fig.crashed.append(f"{case}: {type(exc).__name__}: {exc}"[:300])
                continue
            dt = time.perf_counter() - t0
            if dt > budget * SLACK:
                fig.over_budget.append(f"{case}: {dt:.2f} s > {budget * SLACK:.1f} s")
            print(f"{case:60s} {dt:7.2f} s", flush=True)


def run_evasion(fig: Figures, det, quick: bool) -> None:  # type: ignore[no-untyped-def]
    res = load_resources()
    texts = list(FARM_TEXTS) + list(ORIGINALS)
    combos: list[tuple[tuple[str, ...], float, int]] = []
    for name in sorted(MUTATIONS):
        for rate in (0.05, 0.3, 1.0):
            combos.append(((name,), rate, 1))
    rng = random.Random(20261123)
    for k in range(10 if quick else 40):
        names = tuple(rng.sample(sorted(MUTATIONS), rng.randint(2, 5)))
        combos.append((names, rng.choice((0.05, 0.3, 1.0)), 100 + k))
    base_feats = [extract(segment(t), res, Context())[0] for t in texts]
    base_orig = [det.score(t).originality for t in texts] if det is not None else None
    for names, rate, seed in combos:
        for i, text in enumerate(texts):
            case = f"evasion/{'+'.join(names)}@{rate}/text{i}"
            fig.cases += 1
            try:
                mutated = mutate(text, names, seed + i, rate)
                with time_limit(30):
                    feats = extract(segment(mutated), res, Context())[0]
                    shift = max(abs(a - b) for a, b in zip(feats, base_feats[i], strict=True))
                    if shift > fig.max_feature_shift:
                        fig.max_feature_shift, fig.max_feature_shift_case = shift, case
                    if det is not None and base_orig is not None:
                        o = abs(det.score(mutated).originality - base_orig[i])
                        if fig.max_originality_shift is None or o > fig.max_originality_shift:
                            fig.max_originality_shift, fig.max_originality_shift_case = o, case
            except _Hung:
                fig.hung.append(case)
            except Exception as exc:
                fig.crashed.append(f"{case}: {type(exc).__name__}: {exc}"[:300])
    if det is None:
        fig.notes.append("originality shift not measured: the bundled model did not load")


def _cli() -> list[str]:
    exe = shutil.which("boilerplate-detect")
    return [exe] if exe else [sys.executable, "-m", "boilerplate_detect"]


def _records(n: int, prefix: str) -> list[bytes]:
    body = (
        "The council met on Tuesday and voted to close the harbour bridge to cars from March, "
        "officials said, after engineers found cracks in the deck. "
    )
    return [
        json.dumps({"id": f"{prefix}{i}", "text": f"{body} Record {i}."}).encode() + b"\n" for i in range(n)
    ]


def _cli_files(tmp: Path) -> list[tuple[str, Path, int, list[str]]]:
    """Return ``(name, path, readable_records, extra_args)`` for every CLI case."""
    out: list[tuple[str, Path, int, list[str]]] = []
    good = _records(20, "g")
    p = tmp / "invalid-utf8.jsonl"
    bad = json.dumps({"id": "bad", "text": "caf\u00e9 X"}).encode().replace(b"X", b"\xff\xfe\xc3(")
    p.write_bytes(b"".join(good[:10]) + bad + b"\n" + b"".join(good[10:]))
    out.append(("invalid-utf8-record", p, 21, []))
    out.append(("invalid-utf8-record-replace", p, 21, ["--encoding-errors", "replace"]))
    p = tmp / "binary.jsonl"
    p.write_bytes(random.Random(5).randbytes(200_000))
    out.append(("binary-as-jsonl", p, 0, []))
    p = tmp / "binary.txt"
    p.write_bytes(random.Random(6).randbytes(200_000))
    out.append(("binary-as-txt", p, 0, []))
    p = tmp / "truncated.jsonl.gz"
    full = gzip.compress(b"".join(_records(400, "t")))
    cut = full[: len(full) // 2]
    p.write_bytes(cut)
    readable = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(cut).count(b"\n")
    out.append(("truncated-gzip", p, readable, []))
    p = tmp / "broken-lines.jsonl"
    p.write_bytes(
        b"".join(good[:5]) + b'{"id": "x", "text": \n' + b"not json at all\n" + b'{"id": 3}\n' + b"[1, 2]\n"
        b'{"id": "n", "text": null}\n' + b"\x00\x00\n" + b"".join(good[5:])
    )
    out.append(("broken-jsonl-lines", p, 26, []))
    p = tmp / "empty.jsonl"
    p.write_bytes(b"")
    out.append(("empty-file", p, 0, []))
    p = tmp / "huge-line.jsonl"
    p.write_bytes(json.dumps({"id": "huge", "text": "a" * 5_000_000}).encode() + b"\n")
    out.append(("5MB-single-line-record", p, 1, []))
    p = tmp / "hostile.jsonl"
    texts = ["\u202e\u200b" * 1000, "\ud800 lone", "." * 100_000, "\u0430\u0435 " * 10_000, "<div>" * 10_000]
    p.write_bytes(
        b"".join(
            json.dumps({"id": f"h{i}", "text": t}, ensure_ascii=True).encode() + b"\n"
            for i, t in enumerate(texts)
        )
    )
    out.append(("hostile-texts-jsonl", p, len(texts), []))
    return out


def _rows(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(1 for line in path.read_bytes().splitlines() if line.strip())


def run_cli(fig: Figures) -> None:
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for name, path, readable, extra in _cli_files(tmp):
            case = f"cli/{name}"
            fig.cases += 1
            out, errs = tmp / f"{name}.out.jsonl", tmp / f"{name}.err.jsonl"
            cmd = [
                *_cli(),
                "score",
                str(path),
                "-o",
                str(out),
                "--errors",
                str(errs),
                "--no-cross-outlet",
                "-q",
            ]
            env = dict(os.environ, PYTHONPATH=str(ROOT))
            t0 = time.perf_counter()
            try:
                proc = subprocess.run(
                    cmd + extra, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, env=env, check=False
                )
            except subprocess.TimeoutExpired:
                fig.hung.append(case)
                continue
            dt = time.perf_counter() - t0
            stderr = proc.stderr.strip()
            if "Traceback" in stderr or proc.returncode not in CLI_EXIT_CODES:
                fig.crashed.append(f"{case}: exit {proc.returncode}: {stderr[-300:]}")
                continue
            rows = _rows(out) + _rows(errs)
            if proc.returncode == 3:
                fig.notes.append(f"{case}: exit 3 (model missing or incompatible), data not checked")
            elif rows < readable:
                fig.lost.append(
                    f"{case}: {rows} rows for {readable} readable records (exit {proc.returncode})"
                )
            print(f"{case:60s} {dt:7.2f} s exit={proc.returncode} rows={rows}/{readable} {stderr[-120:]!r}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the 50 MB case and most random combinations")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI cases")
    args = ap.parse_args(argv)
    fig = Figures()
    det = _load_detector(fig)
    print(f"detector: {fig.detector}", flush=True)
    run_malformed(fig, det, args.quick)
    run_evasion(fig, det, args.quick)
    if not args.no_cli:
        run_cli(fig)
    for label, items in (("CRASHED", fig.crashed), ("HUNG", fig.hung), ("LOST", fig.lost)):
        for it in items:
            print(f"{label}: {it}")
    for it in fig.over_budget:
        print(f"OVER BUDGET: {it}")
    for it in fig.notes:
        print(f"note: {it}")
    print(f"largest feature shift: {fig.max_feature_shift:.3g} ({fig.max_feature_shift_case})")
    if fig.max_originality_shift is not None:
        print(
            f"largest originality shift: {fig.max_originality_shift:.3g} ({fig.max_originality_shift_case})"
        )
    orig = "n/a" if fig.max_originality_shift is None else f"{fig.max_originality_shift:.3g}"
    print(
        f"cases={fig.cases} crashed={len(fig.crashed)} hung={len(fig.hung)} lost={len(fig.lost)} "
        f"over_budget={len(fig.over_budget)} max_feature_shift={fig.max_feature_shift:.3g} "
        f"max_originality_shift={orig}"
    )
    if args.json:
        args.json.write_text(json.dumps(asdict(fig), indent=2))
    return 1 if fig.crashed or fig.hung or fig.lost else 0


if __name__ == "__main__":
    raise SystemExit(main())
