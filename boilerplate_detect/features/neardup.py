"""Family ``dup.``: cross-outlet copying, read from the index's evidence.

The values come from :class:`DupEvidence`, which
:meth:`boilerplate_detect.index.Index.evidence` computes for one article and the
Detector passes in ``ctx.dup``. This module does not import the index.

Features (all in [0, 1] except ``dup.n_outlets``):

* ``dup.max_jaccard``: highest within-sentence word-shingle Jaccard against an
  article of another outlet;
* ``dup.max_containment``: highest fraction of this article's shingles found in
  one article of another outlet;
* ``dup.n_outlets``: number of other outlets with a matching article, in [0, 100];
* ``dup.copied_frac``: fraction of this article's body characters in passages
  shared with another outlet's article that is its source or whose direction is
  unknown (passages this article lent to later copies do not count);
* ``dup.novel_fact_frac``: weighted fraction of this article's facts that no
  earlier matching article of another outlet carries;
* ``dup.is_source``: 1 when no matching article is its source (it is the
  source, or the direction is unknown), 0 when one is.

Without an index (``ctx.dup is None``), or for empty text, the values mean "no
evidence of copying": 0, 0, 0, 0, 1, 1 (see :data:`NO_EVIDENCE`).
"""

from __future__ import annotations

from dataclasses import dataclass

from boilerplate_detect.features import Context, FamilyResult, RawSpan
from boilerplate_detect.report import NearDuplicate
from boilerplate_detect.text import Segmented

__all__ = ["NAMES", "NO_EVIDENCE", "PREFIX", "RANGES", "DupEvidence", "extract", "load"]

PREFIX = "dup."
NAMES: tuple[str, ...] = (
    "dup.max_jaccard",
    "dup.max_containment",
    "dup.n_outlets",
    "dup.copied_frac",
    "dup.novel_fact_frac",
    "dup.is_source",
)
#: Upper bound of ``dup.n_outlets``.
MAX_OUTLETS = 100.0
RANGES: tuple[tuple[float, float], ...] = (
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, MAX_OUTLETS),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
)
#: The values when there is no index or no text: no evidence of copying.
NO_EVIDENCE: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True, slots=True)
class DupEvidence:
    """Everything the Detector needs from the index for one article.

    Attributes:
        near_duplicates: Matching articles of other outlets, best first.
        values: The ``dup.*`` values, in :data:`NAMES` order.
        spans: ``copied`` spans in normalised offsets of the article's segmentation.
    """

    near_duplicates: tuple[NearDuplicate, ...] = ()
    values: tuple[float, ...] = NO_EVIDENCE
    spans: tuple[RawSpan, ...] = ()

    def __post_init__(self) -> None:
        if len(self.values) != len(NAMES):
            raise ValueError(
                f"DupEvidence.values needs {len(NAMES)} values ({NAMES}), got {len(self.values)}"
            )


def load() -> object:
    """Return this family's resources (none: the evidence comes with the context)."""
    return None


def extract(seg: Segmented, res: object, ctx: Context) -> FamilyResult:
    """Return the ``dup.*`` values and ``copied`` spans of one article.

    Args:
        seg: The segmented text.
        res: Unused (no resources).
        ctx: The context; ``ctx.dup`` holds the index's evidence, or None.

    Returns:
        The values (:data:`NO_EVIDENCE` without evidence or text) and the copied spans.
    """
    ev = ctx.dup
    if ev is None or not seg.words:
        return FamilyResult(NO_EVIDENCE, [])
    spans = [s for s in ev.spans if 0 <= s.start < s.end <= len(seg.text)]
    return FamilyResult(ev.values, spans)
