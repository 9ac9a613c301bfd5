"""The benchmark suite runs (``python benchmarks/run.py --quick``) and reports every section.

The quick run happens once per session in a subprocess (it pins its own CPU
affinity and guards the network, which must not leak into the test process).
Peers that are not installed are skipped visibly; the package's own figures must
always be there.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
#: The issue's budget for ``--quick`` on a 2-core machine.
QUICK_BUDGET_S = 180


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--out-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=QUICK_BUDGET_S * 2,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((out / "results-quick.json").read_text(encoding="utf-8"))
    results["_markdown"] = (out / "RESULTS-quick.md").read_text(encoding="utf-8")
    return results


def _module(results: dict[str, Any], section: str, module: str) -> dict[str, Any]:
    mod: dict[str, Any] = results["sections"][section]["modules"][module]
    return mod


@pytest.mark.slow
def test_quick_run_reports_every_section_within_budget(quick_run: dict[str, Any]) -> None:
    assert set(quick_run["sections"]) == {"features", "index", "scale", "accuracy", "parallel"}
    md = quick_run["_markdown"]
    for title in ("## Targets", "## 1.", "## 2.", "## 3.", "## 4.", "## 5."):
        assert title in md
    assert quick_run["machine"]["cores"] >= 1
    assert quick_run["date_utc"] in md
    assert "Traceback" not in md


@pytest.mark.slow
def test_quick_run_finishes_within_budget(quick_run: dict[str, Any]) -> None:
    load = quick_run["machine"]["loadavg_start"]
    cores = quick_run["machine"]["cores"] or 1
    if load is not None and load[0] >= 2 * cores:
        pytest.skip(f"machine oversubscribed (load {load[0]:.1f} on {cores} cores): budget not judged")
    assert quick_run["seconds"] < QUICK_BUDGET_S


@pytest.mark.slow
def test_quick_run_measures_the_package_against_the_floor(quick_run: dict[str, Any]) -> None:
    feats = _module(quick_run, "features", "bench_features")
    assert "unavailable" not in feats, feats.get("traceback")
    timings = feats["timings"]
    for name in ("floor", "segment", "features"):
        t = timings[name]
        assert t["articles"] > 0 and math.isfinite(t["articles_per_s_per_core"]) and t["cpu_s"] > 0
    # Segmenting and extracting cannot beat reading and tokenising alone.
    assert timings["features"]["articles_per_s_per_core"] < timings["floor"]["articles_per_s_per_core"]
    assert set(feats["family_us_per_article"]) >= {"segment", "rep", "fill", "tmpl", "read", "spec", "dup"}
    assert feats["profile_features"]["modules"]
    assert "detector" in timings, feats["not_available"].get("detector")


@pytest.mark.slow
@pytest.mark.parametrize("peer", ["datatrove", "textstat"])
def test_quick_run_measures_installed_peers(quick_run: dict[str, Any], peer: str) -> None:
    feats = _module(quick_run, "features", "bench_features")
    if peer in feats["not_available"]:
        assert "not installed" in feats["not_available"][peer]
        assert f"`{peer}`: not available: not installed" in quick_run["_markdown"]
        pytest.skip(f"{peer} not installed: {feats['not_available'][peer]}")
    table = feats["peer_timings"] if peer == "datatrove" else feats["timings"]
    assert table[peer]["articles_per_s_per_core"] > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("section", "module"),
    [
        ("index", "bench_index"),
        ("scale", "bench_scale"),
        ("accuracy", "bench_accuracy"),
        ("parallel", "bench_cli"),
        ("parallel", "bench_scaling"),
    ],
)
def test_quick_run_section_works_when_its_module_exists(
    quick_run: dict[str, Any], section: str, module: str
) -> None:
    if not (BENCH / f"{module}.py").is_file():
        pytest.skip(f"benchmarks/{module}.py does not exist")
    res = _module(quick_run, section, module)
    if "has no section entry point" in res.get("unavailable", ""):
        pytest.skip(f"benchmarks/{module}.py is a script, not yet a run.py section: {res['unavailable']}")
    if section == "accuracy" and quick_run["data_dir"] is None:
        assert "unavailable" in res
        pytest.skip("accuracy needs ../shared/data")
    assert "unavailable" not in res, res.get("traceback")


@pytest.mark.slow
def test_quick_scale_curve_has_every_size(quick_run: dict[str, Any]) -> None:
    scale = _module(quick_run, "scale", "bench_scale")
    points = scale["points"]
    assert [p["articles"] for p in points] == scale["sizes"]
    assert all("error" not in p for p in points), points
    assert scale["linearity"]["slope"] is not None


def test_generated_corpus_is_deterministic_and_english_like() -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks import corpus

    a = list(corpus.generated_docs(5, seed=3))
    b = list(corpus.generated_docs(5, seed=3))
    assert a == b
    assert all(1_000 < len(d.text) < 8_000 for d in a)
    text = corpus.generate_text(random.Random(1))
    assert text.count("\n\n") >= 2 and " the " in text


def test_variants_stream_past_the_base_without_exact_copies() -> None:
    from benchmarks import corpus

    base = corpus.Base(tuple(corpus.generated_docs(4, seed=0)), "generated", None)
    docs = corpus.take(12, base)
    assert len(docs) == 12 and len({d.id for d in docs}) == 12
    assert docs[4].outlet != docs[0].outlet
    assert sorted(docs[4].text.split()) == sorted(docs[0].text.split())


@pytest.mark.parametrize(
    ("times", "linear"),
    [
        ([(1_000, 1.0), (10_000, 10.2), (100_000, 104.0)], True),
        ([(1_000, 1.0), (10_000, 30.0), (100_000, 900.0)], False),
    ],
    ids=["linear", "superlinear"],
)
def test_linearity_verdict(times: list[tuple[int, float]], linear: bool) -> None:
    from benchmarks import bench_scale

    verdict = bench_scale.linearity([{"articles": n, "total_s": t} for n, t in times])
    assert verdict["linear"] is linear
    assert verdict["verdict"].startswith("linear" if linear else "NOT linear")
