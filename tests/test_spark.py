"""Spark path (local[2]) against the single-machine path on the same invented data."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from boilerplate_detect import Article, Detector, Index
from boilerplate_detect.features import FEATURE_NAMES, load_resources
from tests._scaling_support import LinearModel, corpus

pyspark = pytest.importorskip(
    "pyspark", reason="pyspark is not installed: pip install 'boilerplate-detect[spark]'"
)

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    # pyspark warns about pandas >= 3 on import of its pandas helpers; mapInArrow does not use pandas.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

ROOT = Path(__file__).resolve().parent.parent


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return home
    java = shutil.which("java")
    if java:
        return str(Path(os.path.realpath(java)).parent.parent)
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    home = _java()
    if home is None:
        pytest.skip("no Java runtime (install openjdk-17-jre-headless or set JAVA_HOME)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JAVA_HOME", os.environ.get("JAVA_HOME") or home)
        mp.setenv("PYSPARK_PYTHON", sys.executable)
        mp.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # loopback only
        # The executors' Python workers must import this checkout (and tests._scaling_support).
        mp.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
        from pyspark.sql import SparkSession

        session = (
            SparkSession.builder.master("local[2]")
            .appName("boilerplate-detect-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.default.parallelism", "2")
            .config("spark.sql.adaptive.enabled", "false")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        try:
            yield session
        finally:
            session.stop()


@pytest.fixture(scope="module")
def model_detector() -> Detector:
    return Detector(LinearModel(len(FEATURE_NAMES)), resources=load_resources())  # type: ignore[arg-type]


SCHEMA = "id string, text string, outlet string, published string, extra int"


def _rows() -> list[dict[str, Any]]:
    return [{**r, "extra": i} for i, r in enumerate(corpus())]


def _single_machine(det: Detector, rows: list[dict[str, Any]], cross_outlet: bool) -> dict[str, Any]:
    """The reference: every article into Index.memory() in row order, then one score_many batch."""
    arts = [Article(id=r["id"], text=r["text"], outlet=r["outlet"], published=r["published"]) for r in rows]
    idx = None
    if cross_outlet:
        idx = Index.memory()
        for a in arts:
            if a.text.strip():
                idx.add(a)
    scorer = Detector(det.model, index=idx, threshold=det.threshold, resources=det.resources)
    return {r.id: r for r in scorer.score_many(arts, batch_size=len(arts))}


def _pairs(near: dict[str, list[dict[str, Any]]]) -> set[tuple[str, str]]:
    return {(a, n["id"]) for a, ns in near.items() for n in ns}


@pytest.mark.parametrize("cross_outlet", [True, False], ids=["cross-outlet", "own-text-only"])
def test_spark_equals_the_single_machine_path(
    spark: Any, model_detector: Detector, cross_outlet: bool
) -> None:
    from boilerplate_detect.spark import score_dataframe

    rows = _rows()
    ref = _single_machine(model_detector, rows, cross_outlet)
    df = spark.createDataFrame(rows, SCHEMA)  # partition order = row order = the reference's insertion order
    out = score_dataframe(
        df,
        "text",
        "id",
        "outlet",
        "published",
        detector=model_detector,
        cross_outlet=cross_outlet,
        batch_size=64,
    )
    got = {r["id"]: r.asDict() for r in out.collect()}  # the test collects; score_dataframe never does
    assert set(got) == set(ref)
    assert {k: v["extra"] for k, v in got.items()} == {r["id"]: r["extra"] for r in rows}
    delta = max(abs(got[k]["originality"] - ref[k].originality) for k in ref)
    assert delta <= 1e-9, delta
    for k, r in ref.items():
        d = r.to_dict()
        assert got[k]["label"] == r.label, k
        assert tuple(got[k]["reasons"]) == r.reasons, k
        assert json.loads(got[k]["spans"]) == d["spans"], k
        assert json.loads(got[k]["features"]) == d["features"], k
        assert json.loads(got[k]["near_duplicates"]) == d["near_duplicates"], k
    spark_pairs = _pairs({k: json.loads(v["near_duplicates"]) for k, v in got.items()})
    ref_pairs = _pairs({k: r.to_dict()["near_duplicates"] for k, r in ref.items()})
    assert spark_pairs == ref_pairs
    if cross_outlet:
        assert ("s0-pad", "s0-src") in ref_pairs and ("s1-part", "s1-src") in ref_pairs
        assert got["s0-pad"]["source_id"] == "s0-src"
        assert got["s0-src"]["source_id"] is None
    else:
        assert not ref_pairs


def test_bad_arguments_are_refused_before_any_job(spark: Any, model_detector: Detector) -> None:
    from boilerplate_detect.spark import score_dataframe

    df = spark.createDataFrame([{"id": "a", "body": "x"}])
    with pytest.raises(ValueError, match="'text_col': 'text'"):
        score_dataframe(df, detector=model_detector)
    with pytest.raises(ValueError, match="batch_size"):
        score_dataframe(df, text_col="body", detector=model_detector, batch_size=0)
    clash = spark.createDataFrame([{"id": "a", "text": "x", "label": "y"}])
    with pytest.raises(ValueError, match="already has column"):
        score_dataframe(clash, detector=model_detector)


def test_outlets_larger_than_a_batch_are_scored_in_row_order_chunks(
    spark: Any, model_detector: Detector
) -> None:
    """With batch_size=2 each outlet's articles share site context two at a time, in row order."""
    from boilerplate_detect.spark import score_dataframe

    rows = _rows()
    arts = [Article(id=r["id"], text=r["text"], outlet=r["outlet"], published=r["published"]) for r in rows]
    idx = Index.memory()
    for a in arts:
        if a.text.strip():
            idx.add(a)
    scorer = Detector(
        model_detector.model,
        index=idx,
        threshold=model_detector.threshold,
        resources=model_detector.resources,
    )
    by_outlet: dict[str, list[Article]] = {}
    for a in arts:
        by_outlet.setdefault(a.source_key or f"\x00{a.id}", []).append(a)
    ref = {}
    for group in by_outlet.values():
        for i in range(0, len(group), 2):
            ref.update({r.id: r for r in scorer.score_many(group[i : i + 2])})
    one_batch = _single_machine(model_detector, rows, True)
    assert any(ref[k].originality != one_batch[k].originality for k in ref), (
        "batching must matter in this test"
    )

    df = spark.createDataFrame(rows, SCHEMA)
    out = score_dataframe(df, "text", "id", "outlet", "published", detector=model_detector, batch_size=2)
    got = {
        r["id"]: (r["originality"], tuple(r["reasons"]))
        for r in out.select("id", "originality", "reasons").collect()
    }
    assert max(abs(got[k][0] - ref[k].originality) for k in ref) <= 1e-9
    assert {k: v[1] for k, v in got.items()} == {k: r.reasons for k, r in ref.items()}
