"""The Detector: the one place where text, features, index and model are wired together."""

from __future__ import annotations

import logging
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

from boilerplate_detect import report as _report
from boilerplate_detect.article import Article, coerce_article
from boilerplate_detect.features import FEATURE_NAMES, Context, RawSpan, extract_many, load_resources
from boilerplate_detect.language import is_supported
from boilerplate_detect.report import Report, Span
from boilerplate_detect.text import MAX_CHARS, Segmented, segment

if TYPE_CHECKING:
    from boilerplate_detect.features.neardup import DupEvidence
    from boilerplate_detect.index import Index
    from boilerplate_detect.model import ModelBundle

__all__ = ["DEFAULT_BATCH_SIZE", "MAX_REASONS", "MIN_WORDS", "Detector"]

logger = logging.getLogger(__name__)

#: Articles per model call in :meth:`Detector.score_many`.
DEFAULT_BATCH_SIZE = 256
#: Texts with fewer words than this are not scored by the model: reason ``too_short``.
MIN_WORDS = 15
#: At most this many feature reasons per report.
MAX_REASONS = 5
#: A feature is a reason only when it pulled the model's log-odds down by at least this much.
MIN_REASON_CONTRIBUTION = 0.05


class Detector:
    """Scores articles for originality.

    Build one with :meth:`load`; the constructor takes already loaded objects so
    that tests can inject their own. Two Detectors share no state.

    Args:
        model: The loaded model bundle.
        index: A cross-outlet index to compare every article against, or None.
        threshold: Override the model's decision threshold.
        resources: Feature-family resources (from
            :func:`boilerplate_detect.features.load_resources`); loaded when None.
        max_chars: Texts longer than this are cut (reason ``truncated``).
    """

    def __init__(
        self,
        model: ModelBundle,
        *,
        index: Index | None = None,
        threshold: float | None = None,
        resources: Mapping[str, object] | None = None,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self.model = model
        self.index = index
        self.threshold = float(model.threshold if threshold is None else threshold)
        if not 0.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [0, 1], got {self.threshold}")
        self.resources = dict(resources) if resources is not None else load_resources()
        self.max_chars = int(max_chars)

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        index: Index | None = None,
        threshold: float | None = None,
        allow_version_mismatch: bool = False,
    ) -> Detector:
        """Load a model directory (the bundled default when ``path`` is None).

        Args:
            path: A model directory holding ``model.skops`` and ``meta.json``.
            index: A cross-outlet :class:`~boilerplate_detect.Index`; when given,
                every scored article is compared against it.
            threshold: Override the model's decision threshold.
            allow_version_mismatch: Load a model saved by another scikit-learn major version.

        Returns:
            The Detector.

        Raises:
            ModelLoadError: The model is missing, corrupt, untrusted or incompatible.
        """
        from boilerplate_detect.model import ModelBundle

        bundle = ModelBundle.load(path, allow_version_mismatch=allow_version_mismatch)
        return cls(bundle, index=index, threshold=threshold)

    def score(self, item: str | Article | Mapping[str, object]) -> Report:
        """Score one article; the same code path as :meth:`score_many`.

        Args:
            item: A ``str``, an :class:`Article`, or a mapping with a ``"text"`` key.

        Returns:
            The Report.

        Raises:
            InvalidArticleError: The item is not a usable article (also a
                ``TypeError`` for a wrong type such as ``None``, a number or ``bytes``).
        """
        return next(self.score_many([item]))

    def score_many(
        self,
        items: Iterable[str | Article | Mapping[str, object]],
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> Iterator[Report]:
        """Score a stream of articles lazily, in input order, one model call per batch.

        Articles of the same outlet in one batch inform each other: lines that
        recur across them count as site template lines.

        Args:
            items: ``str``, :class:`Article` or mappings with a ``"text"`` key.
            batch_size: Articles per batch; memory is bounded by one batch.

        Yields:
            One Report per item, in order.

        Raises:
            InvalidArticleError: An item is not a usable article.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        it = iter(items)
        position = 0
        while True:
            chunk = list(islice(it, batch_size))
            if not chunk:
                return
            articles = [coerce_article(x, position + i) for i, x in enumerate(chunk)]
            position += len(chunk)
            yield from self._score_batch(articles)

    def _score_batch(self, articles: Sequence[Article]) -> list[Report]:
        segs = [segment(a.text, max_chars=self.max_chars) for a in articles]
        contexts = self._site_contexts(articles, segs)
        evidence: list[DupEvidence | None] = [None] * len(articles)
        if self.index is not None:
            # one batch lookup when the index has it (Index); adapters answer one article at a time
            many = getattr(self.index, "evidence_many", None)
            if many is not None:
                evidence = list(many(articles, segs))
            else:
                evidence = [self.index.evidence(art, seg) for art, seg in zip(articles, segs, strict=True)]
        for i, dup in enumerate(evidence):
            if dup is not None:
                ctx = contexts[i]
                contexts[i] = Context(site_lines=ctx.site_lines, site_docs=ctx.site_docs, dup=dup)
        extracted = extract_many(segs, self.resources, contexts)
        x = np.asarray([values for values, _ in extracted], dtype=np.float64)
        spans: list[list[RawSpan]] = [raw for _, raw in extracted]
        proba = self.model.predict_originality(x)
        contrib = self.model.contributions(x)
        return [
            self._report(a, s, x[i], float(proba[i]), contrib[i], spans[i], evidence[i])
            for i, (a, s) in enumerate(zip(articles, segs, strict=False))
        ]

    @staticmethod
    def _site_contexts(articles: Sequence[Article], segs: Sequence[Segmented]) -> list[Context]:
        """Count, per outlet, the line keys shared by the batch's articles of that outlet."""
        from boilerplate_detect.features.templates import line_keys

        by_outlet: dict[str, list[int]] = defaultdict(list)
        for i, art in enumerate(articles):
            key = art.source_key
            if key:
                by_outlet[key].append(i)
        contexts = [Context()] * len(articles)
        for members in by_outlet.values():
            if len(members) < 2:
                continue
            keysets = {i: set(line_keys(segs[i])) for i in members}
            counts: Counter[int] = Counter()
            for ks in keysets.values():
                counts.update(ks)
            for i in members:
                own = {k: counts[k] - 1 for k in keysets[i] if counts[k] > 1}
                contexts[i] = Context(site_lines=own, site_docs=len(members) - 1)
        return contexts

    def _report(
        self,
        art: Article,
        seg: Segmented,
        values: np.ndarray,
        proba: float,
        contrib: np.ndarray,
        raw_spans: Sequence[RawSpan],
        dup: DupEvidence | None,
    ) -> Report:
        reasons: list[str] = []
        originality = min(max(proba, 0.0), 1.0)
        if not is_supported(seg):
            reasons.append(_report.UNSUPPORTED_LANGUAGE)
        elif len(seg.words) < MIN_WORDS:
            reasons.append(_report.TOO_SHORT)
        if reasons:
            # Outside what the model can judge: not scored, never flagged as farm.
            originality = max(originality, self.threshold)
        else:
            order = np.argsort(contrib, kind="stable")
            for j in order[:MAX_REASONS]:
                if contrib[j] <= -MIN_REASON_CONTRIBUTION:
                    reasons.append(FEATURE_NAMES[int(j)])
        if seg.truncated:
            reasons.append(_report.TRUNCATED)
        n = len(seg.original)
        out_spans = sorted(
            {
                Span(min(seg.to_original(s.start), n), min(seg.to_original(s.end), n), s.kind, s.detail)
                for s in raw_spans
                if s.end > s.start
            }
        )
        return Report(
            id=art.id,
            originality=originality,
            label="farm" if originality < self.threshold else "original",
            threshold=self.threshold,
            reasons=tuple(reasons),
            features=dict(zip(FEATURE_NAMES, (float(v) for v in values), strict=False)),
            spans=tuple(out_spans),
            near_duplicates=dup.near_duplicates if dup is not None else (),
            outlet=art.source_key or None,
            model_version=self.model.name,
        )
