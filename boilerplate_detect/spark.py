"""Score a Spark DataFrame of articles on a cluster (the ``spark`` extra).

:func:`score_dataframe` adds ``originality``, ``label``, ``reasons``, ``spans``
and ``near_duplicates`` columns to a DataFrame of articles. It gives the same
results as the single-machine path (every article added to ``Index.memory()``,
then each scored with ``Detector.load(index=idx)``), computed the Spark way:

1. **fingerprints** (Arrow UDF, ``mapInArrow``): every article is segmented and
   fingerprinted by the index's own :meth:`Index.fingerprint
   <boilerplate_detect.Index.fingerprint>`: MinHash signature (datasketch's
   scheme), LSH band keys, passage keys, sentence and fact hashes, offsets;
2. **candidates**: query keys and posting keys are exploded and joined on the key;
   pairs are counted and ranked exactly as the index's store ranks candidates
   (most shared keys first, ties by row order, itself and its own outlet dropped
   after the first ``max_candidates * 3``, then ``max_candidates`` kept);
3. **verification, provenance and evidence** (Arrow UDF): each article's candidate
   records go into a scratch in-memory :class:`~boilerplate_detect.Index`, whose
   own :meth:`~boilerplate_detect.Index.evidence` verifies them exactly, builds the
   shared passages, the direction (the earlier publication is the source) and the
   ``dup.`` values; no index logic is repeated here;
4. **score** (same UDF): the Detector computes every single-article feature, the
   model score, the reasons and the spans, exactly as :meth:`Detector.score_many`
   does.

Nothing is collected to the driver. The Detector goes to the executors as a
broadcast variable, so each Python worker unpickles it once and reuses it for
every batch it scores.

**Site context.** The Detector lets articles of one outlet scored in the same batch
inform each other (lines recurring across them count as site template lines).
Here the last stage groups the articles by outlet and scores each outlet's articles
together, ``batch_size`` at a time in row order; articles without an outlet are
spread over batches by row number (they have no site context anyway). This
equals the single-machine path on data sorted the same way and, whenever every
outlet has at most ``batch_size`` articles, the single-machine path run as one
batch.

**Provenance.** ``source_id`` names the earliest-published article among an article's
verified near-duplicates when one of them is its source (``direction ==
"copied_from"``), and is null otherwise.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from boilerplate_detect.article import Article
from boilerplate_detect.detector import DEFAULT_BATCH_SIZE, Detector
from boilerplate_detect.report import Report

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame

    from boilerplate_detect.features.neardup import DupEvidence
    from boilerplate_detect.text import Segmented

__all__ = ["RESULT_COLUMNS", "score_dataframe"]

logger = logging.getLogger(__name__)

#: Columns that :func:`score_dataframe` adds, with their Spark SQL types.
RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("originality", "double"),
    ("label", "string"),
    ("reasons", "array<string>"),
    ("spans", "string"),
    ("near_duplicates", "string"),
    ("source_id", "string"),
    ("features", "string"),
    ("model_version", "string"),
)

_ID, _TEXT, _OUTLET, _PUB, _URL = "_bd_id", "_bd_text", "_bd_outlet", "_bd_published", "_bd_url"
_FP, _CANDS, _GROUP = "_bd_fp", "_bd_cands", "_bd_group"
_ORD, _SRC, _PUBN, _QKEYS, _PKEYS = "_bd_ord", "_bd_src", "_bd_pubn", "_bd_qkeys", "_bd_pkeys"
_CANDS_TYPE = "array<struct<ord:long,id:string,outlet:string,published:string,rec:binary>>"
#: Articles without an outlet are spread over this many score groups.
_NO_OUTLET_GROUPS = 64


def _require_pyspark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "boilerplate_detect.spark needs pyspark, pandas and pyarrow; "
            "install them with: pip install 'boilerplate-detect[spark]'"
        ) from exc


def score_dataframe(
    df: DataFrame,
    text_col: str = "text",
    id_col: str = "id",
    outlet_col: str | None = None,
    published_col: str | None = None,
    *,
    url_col: str | None = None,
    detector: Detector | None = None,
    cross_outlet: bool = True,
    index_params: Mapping[str, Any] | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    persist: bool = True,
) -> DataFrame:
    """Score every article of a DataFrame; return it with the result columns added.

    The result is lazy, like any DataFrame transformation; nothing is collected to
    the driver. Ids must be unique (they identify articles in the near-duplicate
    join, as in an :class:`~boilerplate_detect.Index`).

    Args:
        df: The articles, one per row.
        text_col: Column holding the plain text.
        id_col: Column holding a unique id (cast to string).
        outlet_col: Column holding the outlet; None when there is none (the URL's
            domain then stands in, when ``url_col`` is given).
        published_col: Column holding the publication time (ISO-8601 string, date or
            timestamp); the earlier of two matching articles is the source.
        url_col: Column holding the page URL.
        detector: The Detector whose model, threshold and resources are used (its
            index is ignored); the bundled model when None.
        cross_outlet: Compare every article with the other outlets' articles of the
            DataFrame (near-duplicates, ``dup.*`` features). False scores each
            article on its own text and site context only.
        index_params: :class:`~boilerplate_detect.index.IndexParams` fields for the
            fingerprints, as for ``Index.memory(**index_params)``.
        batch_size: Articles per model call, and the most articles of one outlet
            that share a site context.
        persist: Persist the fingerprints (``MEMORY_AND_DISK``, on the executors) so
            that the plan's several branches compute them once; free them with
            ``spark.catalog.clearCache()`` when the result has been written. False
            recomputes them in every branch instead.

    Returns:
        ``df`` with the columns of :data:`RESULT_COLUMNS` added: ``originality``
        (double), ``label``, ``reasons`` (array of strings), ``spans``,
        ``near_duplicates`` and ``features`` (JSON text, as in ``Report.to_dict()``),
        ``source_id`` and ``model_version``.

    Raises:
        ImportError: pyspark is not installed.
        ValueError: A named column is missing, or ``batch_size`` is below 1.
    """
    _require_pyspark()
    from pyspark.sql import functions as F

    from boilerplate_detect.index import IndexParams

    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    named = {"text_col": text_col, "id_col": id_col, "outlet_col": outlet_col}
    named.update({"published_col": published_col, "url_col": url_col})
    missing = {k: v for k, v in named.items() if v is not None and v not in df.columns}
    if missing:
        raise ValueError(
            f"column(s) {missing} not in the DataFrame (columns: {df.columns}); pass the right names"
        )
    clash = [c for c in df.columns if c.startswith("_bd_") or c in dict(RESULT_COLUMNS)]
    if clash:
        raise ValueError(f"the DataFrame already has column(s) {clash}; rename or drop them before scoring")
    params = IndexParams(**dict(index_params or {}))
    det = detector if detector is not None else Detector.load()
    spec = _Spec(
        detector=Detector(
            det.model, threshold=det.threshold, resources=det.resources, max_chars=det.max_chars
        ),
        params=params,
        cross_outlet=cross_outlet,
        batch_size=batch_size,
        user_columns=tuple(df.columns),
    )
    bspec = df.sparkSession.sparkContext.broadcast(spec)

    def none_col(name: str | None) -> Any:
        return F.col(name) if name is not None else F.lit(None).cast("string")

    base = df.select(
        *[F.col(c) for c in df.columns],
        F.monotonically_increasing_id().alias(_ORD),
        F.col(id_col).cast("string").alias(_ID),
        F.col(text_col).alias(_TEXT),
        none_col(outlet_col).cast("string").alias(_OUTLET),
        none_col(published_col).alias(_PUB),
        none_col(url_col).cast("string").alias(_URL),
    )
    fp_schema = _schema_plus(
        base.schema,
        (
            (_SRC, "string"),
            (_PUBN, "string"),
            (_GROUP, "string"),
            (_FP, "binary"),
            (_QKEYS, "array<long>"),
            (_PKEYS, "array<long>"),
        ),
    )
    fps = base.mapInArrow(lambda it: _fingerprint_batches(bspec.value, it), fp_schema)
    if cross_outlet and persist:
        # Five branches of the plan read the fingerprints: compute them once.
        from pyspark import StorageLevel

        fps = fps.persist(StorageLevel.MEMORY_AND_DISK)

    if cross_outlet:
        cands = _candidates(fps, params)
        scored_in = fps.join(cands, on=_ORD, how="left")
    else:
        scored_in = fps.withColumn(_CANDS, F.lit(None).cast(_CANDS_TYPE))
    out_schema = _schema_plus(df.schema, RESULT_COLUMNS)
    return (
        scored_in.repartition(_GROUP)
        .sortWithinPartitions(_GROUP, _ORD)
        .mapInArrow(lambda it: _score_batches(bspec.value, it), out_schema)
    )


class _Spec:
    """What the executors need: broadcast once, unpickled once per Python worker."""

    def __init__(
        self,
        *,
        detector: Detector,
        params: Any,
        cross_outlet: bool,
        batch_size: int,
        user_columns: tuple[str, ...],
    ) -> None:
        self.detector = detector
        self.params = params
        self.cross_outlet = cross_outlet
        self.batch_size = batch_size
        self.user_columns = user_columns


def _spark_type(ddl: str) -> Any:
    """The Spark type of the few DDL names used here."""
    from pyspark.sql import types as T

    simple = {
        "string": T.StringType(),
        "double": T.DoubleType(),
        "long": T.LongType(),
        "binary": T.BinaryType(),
    }
    if ddl.startswith("array<"):
        return T.ArrayType(simple[ddl[6:-1]])
    return simple[ddl]


def _schema_plus(schema: Any, extra: Sequence[tuple[str, str]]) -> Any:
    """A new schema: ``schema``'s fields, then nullable ``extra`` fields (``schema`` is not changed)."""
    from pyspark.sql import types as T

    return T.StructType([*schema.fields, *(T.StructField(n, _spark_type(t), True) for n, t in extra)])


def _candidates(fps: DataFrame, params: Any) -> DataFrame:
    """Candidate records per article, chosen as the index's store chooses them.

    For a query, the store ranks every indexed article (itself and its own outlet
    included) by the number of distinct keys (LSH bands and passage keys) shared,
    ties by insertion order, keeps the first ``max_candidates * overfetch``, drops
    itself and its own outlet, and verifies at most ``max_candidates`` of the rest.
    Here the keys are exploded and self-joined, counted per pair, and ranked with
    the same order (insertion order is the row order of the DataFrame).
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from boilerplate_detect.index import OVERFETCH

    # Query keys of q meet posting keys of c; the pair q == c stays in, as the store has q indexed too.
    asked = fps.select(F.col(_ORD).alias("q"), F.explode(_QKEYS).alias("k"))
    posted = fps.select(F.col(_ORD).alias("c"), F.explode(_PKEYS).alias("k"))
    shared = asked.join(posted, on="k").groupBy("q", "c").agg(F.count(F.lit(1)).alias("n"))
    rank = Window.partitionBy("q").orderBy(F.col("n").desc(), F.col("c"))
    meta = fps.select(_ORD, _ID, _SRC, _PUBN, _FP)
    qmeta = meta.select(F.col(_ORD).alias("q"), F.col(_SRC).alias("q_src"))
    cmeta = meta.select(
        F.col(_ORD).alias("c"),
        F.col(_ID).alias("c_id"),
        F.col(_SRC).alias("c_src"),
        F.col(_PUBN).alias("c_pub"),
        F.col(_FP).alias("c_rec"),
    )
    kept = (
        shared.withColumn("r1", F.row_number().over(rank))
        .where(F.col("r1") <= params.max_candidates * OVERFETCH)
        .where(F.col("q") != F.col("c"))
        .join(qmeta, on="q")
        .join(cmeta, on="c")
        .where((F.col("q_src") == "") | (F.col("q_src") != F.col("c_src")))
        .withColumn("r2", F.row_number().over(Window.partitionBy("q").orderBy(F.col("r1"))))
        .where(F.col("r2") <= params.max_candidates)
    )
    return kept.groupBy(F.col("q").alias(_ORD)).agg(
        F.collect_list(
            F.struct(
                F.col("c").alias("ord"),
                F.col("c_id").alias("id"),
                F.col("c_src").alias("outlet"),
                F.col("c_pub").alias("published"),
                F.col("c_rec").alias("rec"),
            )
        ).alias(_CANDS)
    )


def _article(row_id: Any, ordinal: int, text: Any, outlet: Any, published: Any, url: Any) -> Article:
    return Article(
        id=str(row_id) if row_id is not None else f"#{ordinal}",
        text=text if isinstance(text, str) else "",
        url=url,
        outlet=outlet,
        published=published,
    )


def _articles(batch: pa.RecordBatch | pa.Table) -> list[Article]:
    cols = [batch.column(n).to_pylist() for n in (_ID, _ORD, _TEXT, _OUTLET, _PUB, _URL)]
    return [_article(*row) for row in zip(*cols, strict=True)]


def _fingerprint_batches(spec: _Spec, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Stage 1: fingerprint every article with the index's own function."""
    import pyarrow as pa

    from boilerplate_detect.index import Index

    idx = Index.memory(**{f: getattr(spec.params, f) for f in spec.params.__dataclass_fields__})
    try:
        for batch in batches:
            srcs: list[str] = []
            pubs: list[str | None] = []
            groups: list[str] = []
            recs: list[bytes | None] = []
            qkeys: list[list[int]] = []
            pkeys: list[list[int]] = []
            for art, ordinal in zip(_articles(batch), batch.column(_ORD).to_pylist(), strict=True):
                srcs.append(art.source_key)
                pubs.append(art.published)
                groups.append(art.source_key or f"\x00{ordinal % _NO_OUTLET_GROUPS}")
                if spec.cross_outlet and art.text.strip():  # blank texts are not indexed (as in the CLI)
                    fp = idx.fingerprint(art)
                    recs.append(fp.to_bytes())
                    qkeys.append(fp.query_keys(spec.params))
                    pkeys.append(fp.posting_keys(spec.params))
                else:
                    recs.append(None)
                    qkeys.append([])
                    pkeys.append([])
            yield pa.RecordBatch.from_arrays(
                [
                    *batch.columns,
                    pa.array(srcs, pa.string()),
                    pa.array(pubs, pa.string()),
                    pa.array(groups, pa.string()),
                    pa.array(recs, pa.binary()),
                    pa.array(qkeys, pa.list_(pa.int64())),
                    pa.array(pkeys, pa.list_(pa.int64())),
                ],
                names=[*batch.schema.names, _SRC, _PUBN, _GROUP, _FP, _QKEYS, _PKEYS],
            )
    finally:
        idx.close()


class _CandidateEvidence:
    """The Detector's index on an executor: each article meets exactly its candidates.

    For every article, its candidate records go into a scratch in-memory
    :class:`~boilerplate_detect.Index`, whose own :meth:`~boilerplate_detect.Index.evidence`
    verifies them, builds the passages, the direction and the ``dup.`` values; then
    they are removed again. No evidence logic is repeated here.
    """

    def __init__(self, index: Any, candidates: Mapping[str, Sequence[Any]]) -> None:
        self._index = index
        self._candidates = candidates

    def evidence(self, article: Article, seg: Segmented) -> DupEvidence:
        fps = self._candidates.get(article.id, ())
        if fps:
            self._index.add_fingerprints(fps)
        try:
            ev: DupEvidence = self._index.evidence(article, seg)
        finally:
            for fp in fps:
                self._index.remove(fp.id)
        return ev


def _chunks(spec: _Spec, batches: Iterator[pa.RecordBatch]) -> Iterator[list[pa.RecordBatch]]:
    """Cut a partition sorted by score group into runs of one group, at most ``batch_size`` rows."""
    pending: list[pa.RecordBatch] = []
    rows = 0
    current: str | None = None
    for batch in batches:
        groups = batch.column(_GROUP).to_pylist()
        start = 0
        for i in range(1, len(groups) + 1):
            if i < len(groups) and groups[i] == groups[start]:
                continue
            if groups[start] != current and pending:
                yield pending
                pending, rows = [], 0
            current = groups[start]
            run = batch.slice(start, i - start)
            while run.num_rows:
                take = min(spec.batch_size - rows, run.num_rows)
                pending.append(run.slice(0, take))
                rows += take
                run = run.slice(take)
                if rows == spec.batch_size:
                    yield pending
                    pending, rows = [], 0
            start = i
    if pending:
        yield pending


def _source_id(report: Report) -> str | None:
    """The earliest-published near-duplicate that is this article's source, if any."""
    sources = [n for n in report.near_duplicates if n.direction == "copied_from"]
    if not sources:
        return None
    dated = [n for n in sources if n.published]
    best = min(dated, key=lambda n: (n.published or "", n.id)) if dated else min(sources, key=lambda n: n.id)
    return best.id


def _score_batches(spec: _Spec, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Stage 4: single-article features, evidence from the candidates, model, reports."""
    import pyarrow as pa

    from boilerplate_detect.index import Index
    from boilerplate_detect.index_fingerprint import Fingerprint

    det = spec.detector
    scratch = (
        Index.memory(**{f: getattr(spec.params, f) for f in spec.params.__dataclass_fields__})
        if spec.cross_outlet
        else None
    )
    try:
        for pieces in _chunks(spec, batches):
            table = pa.Table.from_batches(pieces).combine_chunks()
            articles = _articles(table)
            scorer = det
            if scratch is not None:
                cands = {
                    art.id: [
                        Fingerprint.from_bytes(c["id"], c["outlet"], c["published"], c["rec"])
                        for c in sorted(cs, key=lambda c: c["ord"])
                    ]
                    for art, cs in zip(articles, table.column(_CANDS).to_pylist(), strict=True)
                    if cs
                }
                scorer = Detector(
                    det.model,
                    index=_CandidateEvidence(scratch, cands),  # type: ignore[arg-type]
                    threshold=det.threshold,
                    resources=det.resources,
                    max_chars=det.max_chars,
                )
            reports = list(scorer.score_many(articles, batch_size=len(articles)))
            dicts = [r.to_dict() for r in reports]
            results = [
                pa.array([r.originality for r in reports], pa.float64()),
                pa.array([r.label for r in reports], pa.string()),
                pa.array([list(r.reasons) for r in reports], pa.list_(pa.string())),
                pa.array([json.dumps(d["spans"]) for d in dicts], pa.string()),
                pa.array([json.dumps(d["near_duplicates"]) for d in dicts], pa.string()),
                pa.array([_source_id(r) for r in reports], pa.string()),
                pa.array([json.dumps(d["features"]) for d in dicts], pa.string()),
                pa.array([r.model_version for r in reports], pa.string()),
            ]
            user = [table.column(c).combine_chunks() for c in spec.user_columns]
            yield pa.RecordBatch.from_arrays(
                [*user, *results], names=[*spec.user_columns, *(n for n, _ in RESULT_COLUMNS)]
            )
    finally:
        if scratch is not None:
            scratch.close()
