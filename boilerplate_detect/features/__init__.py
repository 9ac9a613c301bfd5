"""Feature families and the one ordered schema of feature names.

Each family is one module with a name prefix (``rep.``, ``fill.``, ``tmpl.``,
``read.``, ``spec.``, ``coh.``, ``dup.``). A family module defines:

* ``PREFIX``: its name prefix;
* ``NAMES``: its feature names, in order, each starting with ``PREFIX``;
* ``RANGES``: the declared ``(low, high)`` range of every feature;
* ``load() -> object``: its resources (lexicons, weights) read from package data,
  called once per :class:`~boilerplate_detect.Detector`;
* ``extract(seg, res, ctx) -> FamilyResult``: values and evidence spans for one text.

Every family reads the shared :class:`~boilerplate_detect.text.Segmented`; none
tokenises again. :data:`FEATURE_NAMES` is the concatenation of all families'
``NAMES`` in :data:`FAMILIES` order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import numpy.typing as npt

from boilerplate_detect.report import SpanKind
from boilerplate_detect.text import Segmented

if TYPE_CHECKING:
    from boilerplate_detect.features.neardup import DupEvidence

__all__ = [
    "FAMILIES",
    "FEATURE_NAMES",
    "FEATURE_RANGES",
    "Context",
    "FamilyResult",
    "RawSpan",
    "check_family",
    "extract",
    "extract_many",
    "load_resources",
]


class RawSpan(NamedTuple):
    """Evidence in normalised-text offsets; the Detector maps it to the original text."""

    start: int
    end: int
    kind: SpanKind
    detail: str


class FamilyResult(NamedTuple):
    """What one family returns for one text."""

    values: tuple[float, ...]
    spans: list[RawSpan]


@dataclass(frozen=True, slots=True)
class Context:
    """What a family may know beyond the text itself.

    Attributes:
        site_lines: For the article's outlet, how many *other* articles of the same
            outlet seen together with it contain each line key (see
            :func:`boilerplate_detect.features.templates.line_keys`).
        site_docs: How many other articles of the same outlet were seen with it.
        dup: Cross-outlet evidence from the index, or None when no index is used.
    """

    site_lines: Mapping[int, int] = field(default_factory=dict)
    site_docs: int = 0
    dup: DupEvidence | None = None


def _families() -> tuple[ModuleType, ...]:
    from boilerplate_detect.features import (
        coherence,
        filler,
        neardup,
        readability,
        repetition,
        specificity,
        templates,
    )

    return (repetition, filler, templates, readability, specificity, coherence, neardup)


#: The feature families, in schema order.
FAMILIES: tuple[ModuleType, ...] = _families()
#: Every feature name, in the one fixed order the model and the reports use.
FEATURE_NAMES: tuple[str, ...] = tuple(n for fam in FAMILIES for n in fam.NAMES)
#: The declared ``(low, high)`` range of every feature, keyed by name.
FEATURE_RANGES: dict[str, tuple[float, float]] = {
    n: r for fam in FAMILIES for n, r in zip(fam.NAMES, fam.RANGES, strict=True)
}


def _bound(i: int) -> npt.NDArray[np.float64]:
    out = np.array([r[i] for fam in FAMILIES for r in fam.RANGES], dtype=np.float64)
    out.flags.writeable = False  # a constant, like FEATURE_RANGES
    return out


_LOW = _bound(0)
_HIGH = _bound(1)


def load_resources() -> dict[str, object]:
    """Load every family's resources (package data only; no network, no global state).

    Returns:
        ``{prefix: resources}``, to be passed back to :func:`extract`.
    """
    return {fam.PREFIX: fam.load() for fam in FAMILIES}


def extract(
    seg: Segmented, resources: Mapping[str, object], ctx: Context | None = None
) -> tuple[list[float], list[RawSpan]]:
    """Compute every feature of one segmented text.

    Args:
        seg: The segmented text.
        resources: What :func:`load_resources` returned.
        ctx: Site and cross-outlet context; None for a lone article.

    Returns:
        ``(values, spans)``: values in :data:`FEATURE_NAMES` order, each finite and
        clipped to its declared range; spans in normalised-text offsets.
    """
    return extract_many([seg], resources, [ctx])[0]


def extract_many(
    segs: Sequence[Segmented],
    resources: Mapping[str, object],
    contexts: Sequence[Context | None] | None = None,
) -> list[tuple[list[float], list[RawSpan]]]:
    """Compute every feature of a batch of segmented texts, family by family.

    Gives exactly what :func:`extract` gives for each text; running one family over the
    whole batch before the next keeps each family's tables in the CPU cache.

    Args:
        segs: The segmented texts.
        resources: What :func:`load_resources` returned.
        contexts: One context per text (None for a lone article), or None for all lone.

    Returns:
        One ``(values, spans)`` per text, in order, as :func:`extract` returns them.
    """
    ctxs = [c if c is not None else Context() for c in (contexts or [None] * len(segs))]
    if len(ctxs) != len(segs):
        raise ValueError(f"{len(segs)} texts but {len(ctxs)} contexts; give one context per text")
    raw: list[list[float]] = [[] for _ in segs]
    spans: list[list[RawSpan]] = [[] for _ in segs]
    for fam in FAMILIES:
        res_f = resources[fam.PREFIX]
        for i, seg in enumerate(segs):
            res: FamilyResult = fam.extract(seg, res_f, ctxs[i])
            if len(res.values) != len(fam.RANGES):
                raise ValueError(
                    f"{fam.__name__}.extract returned {len(res.values)} values for {len(fam.RANGES)} "
                    "declared features; make it return one value per name in NAMES"
                )
            raw[i].extend(res.values)
            spans[i].extend(res.spans)
    if not segs:
        return []
    # Clipped in one vectorised pass (a non-finite value becomes its range's low end).
    arr = np.array(raw, dtype=np.float64)
    out = np.minimum(np.maximum(arr, _LOW), _HIGH)
    finite = np.isfinite(arr)
    if not finite.all():
        out[~finite] = np.broadcast_to(_LOW, out.shape)[~finite]
    return list(zip(out.tolist(), spans, strict=True))


def check_family(fam: ModuleType) -> Sequence[str]:
    """Return the problems of a family module's declarations (empty when it is well formed)."""
    problems = []
    if not all(n.startswith(fam.PREFIX) for n in fam.NAMES):
        problems.append(f"{fam.__name__}: a name lacks the prefix {fam.PREFIX!r}")
    if len(fam.NAMES) != len(fam.RANGES):
        problems.append(f"{fam.__name__}: {len(fam.NAMES)} names but {len(fam.RANGES)} ranges")
    if len(set(fam.NAMES)) != len(fam.NAMES):
        problems.append(f"{fam.__name__}: duplicate names")
    return problems
