"""A self-contained HTML report of scored articles.

The page has no external resources and no script of its own. Every piece of
article data (text, ids, outlets, reasons, details) is untrusted and escaped; a
Content-Security-Policy that allows no script at all is a second line of defence.

Per article it shows the score, the label, the reasons, the near-duplicates (as
links when the other article is in the report) and the text with its evidence
spans highlighted by kind. An outlet summary with histograms of the scores heads
the page.
"""

from __future__ import annotations

import hashlib
import html
import itertools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from boilerplate_detect import sites
from boilerplate_detect.report import SPAN_KINDS

__all__ = ["DEFAULT_MAX_ARTICLES", "HISTOGRAM_BINS", "ReportBuilder", "highlight"]

#: Articles shown in full; the summary counts all of them.
DEFAULT_MAX_ARTICLES = 2000
#: Bins of the score histograms over [0, 1].
HISTOGRAM_BINS = 10

_COLOURS = {
    "boilerplate": "#ffd8a8",
    "template": "#d0bfff",
    "filler": "#ffec99",
    "repetition": "#ffc9c9",
    "copied": "#a5d8ff",
}

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70em;padding:1em 2em;color:#212529}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em}h3{font-size:1.05em;margin:0}
table{border-collapse:collapse;font-size:.9em}
td,th{border-bottom:1px solid #dee2e6;padding:.25em .6em;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}td:last-child{white-space:nowrap}
.hist{display:inline-flex;align-items:flex-end;height:40px;gap:1px;vertical-align:middle}
.hist span{display:inline-block;width:8px;background:#74c0fc}
.hist.big{height:120px}.hist.big span{width:36px}.axis{font-size:.75em;color:#868e96;margin:0 .3em}
article{border:1px solid #dee2e6;border-radius:6px;margin:1em 0;padding:.8em 1em}
article.farm{border-left:6px solid #e03131}article.original{border-left:6px solid #2f9e44}
.meta{color:#495057;font-size:.9em}.badge{font-weight:600}
.text{white-space:pre-wrap;background:#f8f9fa;padding:.6em;border-radius:4px;max-height:40em;overflow:auto}
mark{padding:0 1px;border-radius:2px}
""" + "".join(f"mark.k-{k},.legend .k-{k}{{background:{c}}}" for k, c in _COLOURS.items())


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _anchor(article_id: object) -> str:
    return "a-" + hashlib.sha1(str(article_id).encode("utf-8")).hexdigest()[:16]


def highlight(text: str, spans: Iterable[Mapping[str, Any]]) -> str:
    """Escape a text and wrap its spans in ``<mark>`` elements, one class per kind.

    Overlapping spans are split at every boundary; a piece covered by several
    kinds gets all their classes (``k-filler k-repetition``).

    Args:
        text: The article text as given.
        spans: Dicts with ``start``, ``end``, ``kind`` and optional ``detail``.

    Returns:
        HTML (escaped text and ``<mark>`` elements).
    """
    n = len(text)
    clean = []
    for s in spans:
        start, end = max(0, int(s["start"])), min(n, int(s["end"]))
        if end > start:
            clean.append((start, end, str(s["kind"]), str(s.get("detail") or "")))
    if not clean:
        return _e(text)
    bounds = sorted({0, n, *(b for s in clean for b in s[:2])})
    out = []
    for a, b in itertools.pairwise(bounds):
        piece = _e(text[a:b])
        active = [s for s in clean if s[0] <= a and s[1] >= b]
        if not active:
            out.append(piece)
            continue
        kinds = sorted({s[2] for s in active}, key=lambda k: SPAN_KINDS.index(k) if k in SPAN_KINDS else 99)
        classes = " ".join(f"k-{_e(k)}" for k in kinds)
        title = "; ".join(f"{s[2]}: {s[3]}" if s[3] else s[2] for s in active)
        out.append(f'<mark class="{classes}" data-kind="{_e(kinds[0])}" title="{_e(title)}">{piece}</mark>')
    return "".join(out)


def _histogram(scores: Sequence[float], *, big: bool = False) -> str:
    counts = [0] * HISTOGRAM_BINS
    for s in scores:
        counts[min(int(s * HISTOGRAM_BINS), HISTOGRAM_BINS - 1)] += 1
    top = max(counts) or 1
    bars = "".join(
        f'<span style="height:{max(1, round(100 * c / top))}%" '
        f'title="{i / HISTOGRAM_BINS:.1f}-{(i + 1) / HISTOGRAM_BINS:.1f}: {c}"></span>'
        for i, c in enumerate(counts)
    )
    return (
        f'<span class="axis">0</span><span class="hist{" big" if big else ""}" role="img" '
        f'aria-label="histogram of scores">{bars}</span><span class="axis">1</span>'
    )


class ReportBuilder:
    """Collects scored rows and renders the HTML page.

    All rows count in the summary; only the first ``max_articles`` are shown in full
    (and only those keep their text in memory).

    Args:
        title: The page title.
        max_articles: Articles shown in full.
    """

    def __init__(
        self, title: str = "boilerplate-detect report", max_articles: int = DEFAULT_MAX_ARTICLES
    ) -> None:
        self.title = title
        self.max_articles = max_articles
        self._summary_rows: list[dict[str, Any]] = []
        self._shown: list[Mapping[str, Any]] = []
        self._errors = 0

    def add_rows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Add scored rows (``Report.to_dict()`` plus ``text``, or error rows)."""
        for row in rows:
            self._summary_rows.append(
                {
                    "outlet": row.get("outlet"),
                    "url": row.get("url"),
                    "error": row.get("error"),
                    "originality": row.get("originality"),
                    "label": row.get("label"),
                    "reasons": row.get("reasons"),
                    "near_duplicates": [
                        {"outlet": n.get("outlet"), "direction": n.get("direction")}
                        for n in row.get("near_duplicates") or ()
                    ],
                }
            )
            if row.get("error"):
                self._errors += 1
            if len(self._shown) < self.max_articles:
                self._shown.append(row)

    def render(self) -> str:
        """Return the page."""
        scores = [float(r["originality"]) for r in self._summary_rows if r.get("originality") is not None]
        stats = sites.rollup(self._summary_rows)
        shown_ids = {str(r.get("id")) for r in self._shown if r.get("id") is not None and not r.get("error")}
        by_outlet: dict[str, list[float]] = {}
        for r in self._summary_rows:
            if r.get("originality") is not None:
                by_outlet.setdefault(sites._outlet_of(r), []).append(float(r["originality"]))
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(self.title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{_e(self.title)}</h1>",
            f'<p class="meta">{len(self._summary_rows)} records, {len(scores)} scored, '
            f"{self._errors} errors, {sum(1 for r in self._summary_rows if r.get('label') == 'farm')} "
            "flagged as farm.</p>",
            f"<p>Originality of all scored articles (0 to 1): {_histogram(scores, big=True)}</p>",
            '<p class="legend">Highlights: '
            + " ".join(f'<mark class="k-{k}">{k}</mark>' for k in SPAN_KINDS)
            + "</p>",
            '<h2 id="outlets">Outlets</h2>',
            self._outlet_table(stats, by_outlet),
            '<h2 id="articles">Articles</h2>',
        ]
        if len(self._summary_rows) > len(self._shown):
            parts.append(f'<p class="meta">Showing the first {len(self._shown)} articles.</p>')
        parts.extend(self._article(r, shown_ids) for r in self._shown)
        parts.append("</body></html>\n")
        return "\n".join(parts)

    @staticmethod
    def _outlet_table(stats: Sequence[sites.OutletStats], by_outlet: Mapping[str, Sequence[float]]) -> str:
        head = (
            "<table><thead><tr><th>outlet</th><th>articles</th><th>mean</th><th>median</th><th>flagged</th>"
            "<th>copied</th><th>copied from</th><th>top reasons</th><th>scores</th></tr></thead><tbody>"
        )
        rows = []
        for s in stats:
            rows.append(
                f"<tr><td>{_e(s.outlet)}</td><td class=num>{s.articles}</td>"
                f"<td class=num>{s.mean_originality:.3f}</td><td class=num>{s.median_originality:.3f}</td>"
                f"<td class=num>{s.flagged_share:.0%}</td><td class=num>{s.copied_share:.0%}</td>"
                f"<td>{_e('; '.join(f'{o} ({n})' for o, n in s.copied_from))}</td>"
                f"<td>{_e('; '.join(f'{r} ({sh:.0%})' for r, sh in s.top_reasons))}</td>"
                f"<td>{_histogram(by_outlet.get(s.outlet, ()))}</td></tr>"
            )
        return head + "".join(rows) + "</tbody></table>"

    @staticmethod
    def _article(row: Mapping[str, Any], shown_ids: set[str]) -> str:
        rid = row.get("id")
        anchor = _anchor(rid if rid is not None else f"line:{row.get('line')}")
        if row.get("error"):
            where = f"id {rid}" if rid is not None else f"line {row.get('line')}"
            return (
                f'<article class="error" id="{anchor}"><h3>{_e(where)}: error</h3>'
                f'<p class="meta">{_e(row.get("error"))}</p></article>'
            )
        label = str(row.get("label") or "")
        score = float(row.get("originality") or 0.0)
        url = row.get("url")
        link = f' · <span class="url">{_e(url)}</span>' if url else ""
        reasons = row.get("reasons") or []
        reasons_html = (
            "<ul class=reasons>" + "".join(f"<li><code>{_e(r)}</code></li>" for r in reasons) + "</ul>"
            if reasons
            else "<p class=meta>No reasons: nothing pulled the score down.</p>"
        )
        near = []
        for n in row.get("near_duplicates") or ():
            nid = str(n.get("id"))
            name = f"{_e(nid)} ({_e(n.get('outlet'))})"
            target = f'<a href="#{_anchor(nid)}">{name}</a>' if nid in shown_ids else name
            overlap = float(n.get("overlap") or 0)
            near.append(f"<li>{target}: {_e(n.get('direction', 'unknown'))}, overlap {overlap:.2f}</li>")
        near_html = f"<p>Near-duplicates:</p><ul class=near>{''.join(near)}</ul>" if near else ""
        text = row.get("text")
        spans = row.get("spans") or []
        if isinstance(text, str):
            body = f'<div class="text">{highlight(text, spans)}</div>'
        else:
            body = (
                f"<p class=meta>{len(spans)} evidence spans; the text is not in the scored file "
                "(score with --include-text to show it).</p>"
            )
        return (
            f'<article class="{_e(label)}" id="{anchor}">'
            f"<h3>{_e(rid)}</h3>"
            f'<p class="meta"><span class="badge">{_e(label)}</span> · originality {score:.3f} · '
            f"outlet {_e(row.get('outlet') or '?')}{link}</p>"
            f"{reasons_html}{near_html}{body}</article>"
        )
