"""Result records: :class:`Report`, :class:`Span`, :class:`NearDuplicate`, and their JSON form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

__all__ = ["SPAN_KINDS", "Label", "NearDuplicate", "Passage", "Report", "Span", "SpanKind"]

SpanKind = Literal["boilerplate", "template", "filler", "repetition", "copied"]
Label = Literal["original", "farm"]
Direction = Literal["copied_from", "copied_by", "unknown"]

#: The span kinds, in the order reports list them.
SPAN_KINDS: tuple[SpanKind, ...] = ("boilerplate", "template", "filler", "repetition", "copied")

#: Reason codes that are not feature names.
TOO_SHORT = "too_short"
TRUNCATED = "truncated"
UNSUPPORTED_LANGUAGE = "unsupported_language"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A piece of evidence: characters ``[start, end)`` of the text as given.

    Attributes:
        start: Offset of the first character, into the original input text.
        end: Offset one past the last character.
        kind: One of :data:`SPAN_KINDS`.
        detail: What was found, e.g. the matched phrase or the line class.
    """

    start: int
    end: int
    kind: SpanKind
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"start": self.start, "end": self.end, "kind": self.kind, "detail": self.detail}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Span:
        """Build a Span from its JSON form."""
        return cls(int(d["start"]), int(d["end"]), cast(SpanKind, d["kind"]), str(d.get("detail", "")))


@dataclass(frozen=True, slots=True)
class Passage:
    """A passage shared with another article.

    Attributes:
        start: Offset into this article's text.
        end: End offset into this article's text.
        other_start: Offset into the other article's text.
        other_end: End offset into the other article's text.
        similarity: Word-shingle Jaccard of the two passages, in [0, 1].
    """

    start: int
    end: int
    other_start: int
    other_end: int
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "start": self.start,
            "end": self.end,
            "other_start": self.other_start,
            "other_end": self.other_end,
            "similarity": round(self.similarity, 6),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Passage:
        """Build a Passage from its JSON form."""
        return cls(
            int(d["start"]), int(d["end"]), int(d["other_start"]), int(d["other_end"]), float(d["similarity"])
        )


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    """An article of another outlet that shares passages or facts with the scored one.

    Attributes:
        id: The other article's id.
        outlet: The other article's outlet (or URL domain).
        overlap: Fraction of this article's characters inside shared passages, in [0, 1].
        jaccard: Word-shingle Jaccard similarity of the two texts, in [0, 1].
        containment: Fraction of this article's shingles found in the other, in [0, 1].
        fact_overlap: Fraction of this article's facts also in the other, in [0, 1].
        direction: ``"copied_from"`` when the other is the source, ``"copied_by"`` when
            this article is, ``"unknown"`` when neither can be told.
        direction_inferred: True when no publication times decided the direction and it
            was inferred from which version carries the unique details.
        published: The other article's publication time, if known.
        passages: The shared passages, in order of this article's text.
    """

    id: str
    outlet: str
    overlap: float
    jaccard: float
    containment: float
    fact_overlap: float = 0.0
    direction: Direction = "unknown"
    direction_inferred: bool = False
    published: str | None = None
    passages: tuple[Passage, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "id": self.id,
            "outlet": self.outlet,
            "overlap": round(self.overlap, 6),
            "jaccard": round(self.jaccard, 6),
            "containment": round(self.containment, 6),
            "fact_overlap": round(self.fact_overlap, 6),
            "direction": self.direction,
            "direction_inferred": self.direction_inferred,
            "published": self.published,
            "passages": [p.to_dict() for p in self.passages],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> NearDuplicate:
        """Build a NearDuplicate from its JSON form."""
        return cls(
            id=str(d["id"]),
            outlet=str(d["outlet"]),
            overlap=float(d["overlap"]),
            jaccard=float(d["jaccard"]),
            containment=float(d["containment"]),
            fact_overlap=float(d.get("fact_overlap", 0.0)),
            direction=cast(Direction, d.get("direction", "unknown")),
            direction_inferred=bool(d.get("direction_inferred", False)),
            published=d.get("published"),
            passages=tuple(Passage.from_dict(p) for p in d.get("passages", ())),
        )


def _clean_float(x: float) -> float:
    """Round to 9 decimals so that the JSON form is stable; non-finite values become 0."""
    return round(float(x), 9) if math.isfinite(x) else 0.0


@dataclass(frozen=True, slots=True)
class Report:
    """How original one article is, and why.

    Attributes:
        id: The article's id (its position in the stream when it had none).
        originality: Calibrated probability that the article is original reporting, in [0, 1].
        label: ``"farm"`` when ``originality < threshold``, else ``"original"``.
        threshold: The decision threshold of the model that made the report.
        reasons: What pulled originality down, strongest first: feature names
            (``"fill.generic_sentence_frac"``) or the codes ``"too_short"``,
            ``"truncated"`` and ``"unsupported_language"``.
        features: ``{feature name: value}`` in the model's fixed order.
        spans: Evidence, sorted by start offset.
        near_duplicates: Matching articles of other outlets, best first.
        outlet: The article's outlet (or URL domain), if known.
        model_version: Name and version of the model that made the report.
    """

    id: str
    originality: float
    label: Label
    threshold: float
    reasons: tuple[str, ...]
    features: Mapping[str, float]
    spans: tuple[Span, ...] = ()
    near_duplicates: tuple[NearDuplicate, ...] = ()
    outlet: str | None = None
    model_version: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSONL record: plain JSON types, fixed key order, floats rounded to 9 places."""
        return {
            "id": self.id,
            "originality": _clean_float(self.originality),
            "label": self.label,
            "threshold": _clean_float(self.threshold),
            "reasons": list(self.reasons),
            "outlet": self.outlet,
            "spans": [s.to_dict() for s in self.spans],
            "near_duplicates": [n.to_dict() for n in self.near_duplicates],
            "features": {k: _clean_float(v) for k, v in self.features.items()},
            "model_version": self.model_version,
            **({"extra": dict(self.extra)} if self.extra else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Report:
        """Build a Report from its JSONL record (the inverse of :meth:`to_dict`)."""
        return cls(
            id=str(d["id"]),
            originality=float(d["originality"]),
            label=cast(Label, d["label"]),
            threshold=float(d["threshold"]),
            reasons=tuple(d.get("reasons", ())),
            features={str(k): float(v) for k, v in d.get("features", {}).items()},
            spans=tuple(Span.from_dict(s) for s in d.get("spans", ())),
            near_duplicates=tuple(NearDuplicate.from_dict(n) for n in d.get("near_duplicates", ())),
            outlet=d.get("outlet"),
            model_version=str(d.get("model_version", "")),
            extra=dict(d.get("extra", {})),
        )
