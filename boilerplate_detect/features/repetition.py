"""Repetition features (``rep.``): duplicate lines and repeated n-grams (Gopher-style)."""

from __future__ import annotations

from collections import Counter

from boilerplate_detect.features import Context, FamilyResult
from boilerplate_detect.text import Segmented

PREFIX = "rep."
NAMES: tuple[str, ...] = ("rep.dup_line_frac",)
RANGES: tuple[tuple[float, float], ...] = ((0.0, 1.0),)


def load() -> object:
    """Return this family's resources (none)."""
    return None


def extract(seg: Segmented, res: object, ctx: Context) -> FamilyResult:
    """Fraction of lines that repeat an earlier line; 0.0 on empty text."""
    lines = [seg.line_text(i).lower() for i in range(len(seg.lines))]
    if not lines:
        return FamilyResult((0.0,), [])
    counts = Counter(lines)
    dup = sum(c - 1 for c in counts.values())
    return FamilyResult((dup / len(lines),), [])
