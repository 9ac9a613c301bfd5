"""Outlet rollup of scored rows: how each outlet's articles score, why, and whom they copy.

An article counts as *copied* when one of its near-duplicates has the direction
``copied_from``: the other outlet published the matching text first. Error rows
(with an ``error`` field) are counted per outlet but not scored.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["DEFAULT_TOP", "UNKNOWN_OUTLET", "OutletStats", "render", "rollup"]

#: Reasons and sources listed per outlet by default.
DEFAULT_TOP = 3
#: The outlet name of rows that have none.
UNKNOWN_OUTLET = "(unknown)"

RenderFormat = Literal["table", "csv", "json"]


@dataclass
class OutletStats:
    """The rollup of one outlet.

    Attributes:
        outlet: The outlet (or URL domain).
        articles: Scored articles.
        errors: Rows of this outlet that failed.
        mean_originality: Mean originality of the scored articles.
        median_originality: Median originality.
        flagged_share: Share labelled ``farm``, in [0, 1].
        top_reasons: ``(reason, share of articles giving it)``, most common first.
        copied_share: Share of articles copied from another outlet, in [0, 1].
        copied_from: ``(outlet, articles copied from it)``, most common first.
    """

    outlet: str
    articles: int = 0
    errors: int = 0
    mean_originality: float = 0.0
    median_originality: float = 0.0
    flagged_share: float = 0.0
    top_reasons: list[tuple[str, float]] = field(default_factory=list)
    copied_share: float = 0.0
    copied_from: list[tuple[str, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "outlet": self.outlet,
            "articles": self.articles,
            "errors": self.errors,
            "mean_originality": round(self.mean_originality, 6),
            "median_originality": round(self.median_originality, 6),
            "flagged_share": round(self.flagged_share, 6),
            "top_reasons": [{"reason": r, "share": round(s, 6)} for r, s in self.top_reasons],
            "copied_share": round(self.copied_share, 6),
            "copied_from": [{"outlet": o, "articles": n} for o, n in self.copied_from],
        }


@dataclass
class _Acc:
    scores: list[float] = field(default_factory=list)
    errors: int = 0
    flagged: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    copied: int = 0
    sources: Counter[str] = field(default_factory=Counter)


def _outlet_of(row: Mapping[str, Any]) -> str:
    outlet = row.get("outlet")
    if outlet:
        return str(outlet)
    url = row.get("url")
    if url:
        from boilerplate_detect.article import registered_domain

        return registered_domain(str(url)) or UNKNOWN_OUTLET
    return UNKNOWN_OUTLET


def rollup(rows: Iterable[Mapping[str, Any]], *, top: int = DEFAULT_TOP) -> list[OutletStats]:
    """Aggregate scored rows per outlet.

    Args:
        rows: Rows of a scored file (``Report.to_dict()`` plus error rows).
        top: Reasons and copy sources kept per outlet.

    Returns:
        One entry per outlet, by number of articles (most first), then name.
    """
    accs: dict[str, _Acc] = {}
    for row in rows:
        acc = accs.setdefault(_outlet_of(row), _Acc())
        if row.get("error") or row.get("originality") is None:
            acc.errors += 1
            continue
        acc.scores.append(float(row["originality"]))
        acc.flagged += row.get("label") == "farm"
        acc.reasons.update(set(row.get("reasons") or ()))
        sources = {
            str(n.get("outlet") or UNKNOWN_OUTLET)
            for n in (row.get("near_duplicates") or ())
            if n.get("direction") == "copied_from"
        }
        if sources:
            acc.copied += 1
            acc.sources.update(sources)
    out = []
    for outlet, acc in accs.items():
        n = len(acc.scores)
        out.append(
            OutletStats(
                outlet=outlet,
                articles=n,
                errors=acc.errors,
                mean_originality=statistics.fmean(acc.scores) if n else 0.0,
                median_originality=statistics.median(acc.scores) if n else 0.0,
                flagged_share=acc.flagged / n if n else 0.0,
                top_reasons=[(r, c / n) for r, c in _most_common(acc.reasons, top)],
                copied_share=acc.copied / n if n else 0.0,
                copied_from=_most_common(acc.sources, top),
            )
        )
    out.sort(key=lambda s: (-s.articles, s.outlet))
    return out


def _most_common(counter: Counter[str], n: int) -> list[tuple[str, int]]:
    """The ``n`` most common items, ties broken by name so the output is deterministic."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


_COLUMNS = (
    "outlet",
    "articles",
    "errors",
    "mean",
    "median",
    "flagged",
    "copied",
    "copied_from",
    "top_reasons",
)


def _flat(s: OutletStats) -> list[str]:
    return [
        s.outlet,
        str(s.articles),
        str(s.errors),
        f"{s.mean_originality:.3f}",
        f"{s.median_originality:.3f}",
        f"{s.flagged_share:.0%}",
        f"{s.copied_share:.0%}",
        "; ".join(f"{o} ({n})" for o, n in s.copied_from),
        "; ".join(f"{r} ({sh:.0%})" for r, sh in s.top_reasons),
    ]


def render(stats: list[OutletStats], fmt: RenderFormat = "table") -> str:
    """Render a rollup as an aligned text table, CSV or JSON.

    Args:
        stats: The rollup.
        fmt: ``"table"``, ``"csv"`` or ``"json"``.

    Returns:
        The text, ending with a newline.
    """
    if fmt == "json":
        return json.dumps([s.to_dict() for s in stats], ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(_COLUMNS)
        w.writerows(_flat(s) for s in stats)
        return buf.getvalue()
    rows = [list(_COLUMNS), *(_flat(s) for s in stats)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS) - 1)]
    lines = []
    for r in rows:
        cells = [
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r[:-1], widths, strict=True))
        ]
        lines.append("  ".join([*cells, r[-1]]).rstrip())
    return "\n".join(lines) + "\n"
