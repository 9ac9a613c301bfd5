"""Family ``dup.``: provisional placeholder, replaced by the feature issue."""

from __future__ import annotations

from boilerplate_detect.features import Context, FamilyResult
from boilerplate_detect.text import Segmented

PREFIX = "dup."
NAMES: tuple[str, ...] = ("dup.n_words_log",)
RANGES: tuple[tuple[float, float], ...] = ((0.0, 20.0),)


def load() -> object:
    """Return this family's resources (none)."""
    return None


def extract(seg: Segmented, res: object, ctx: Context) -> FamilyResult:
    """Placeholder."""
    import math

    return FamilyResult((math.log1p(len(seg.words)),), [])


class DupEvidence:
    """Placeholder for the cross-outlet evidence; defined by the index issue."""
