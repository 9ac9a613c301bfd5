"""Train the ``tmpl.`` line model and measure it against baselines on held-out pages.

Usage:
    python scripts/train_line_classifier.py [DATA_DIR] [--out boilerplate_detect/data/line_model.json]
        [--folds 5] [--seed 1] [--no-write]

Data: ``DATA_DIR/pages_boilerplate_aeb.jsonl``. For every group the ``unknown`` row is the
page's full visible text and the ``original`` row its article body; a line of the page
that is not a line of the body is boilerplate (label 1), every other line body (label 0).

Measure: the character-weighted F1 of the article body on one page: the characters of
the lines kept against the characters of the body's lines (a kept line counts as
correct while the body still has an unmatched copy of it). Reported as the mean over
pages (``macro``, the headline figure: every page counts once), the median over pages,
and pooled over all pages (``micro``: sums of characters, so long pages weigh more).

Evaluation (all on pages the model did not see):
* a fixed held-out split (about 20% of the pages, chosen by xxhash of the group id);
* GroupKFold cross-validation by page;
* GroupKFold cross-validation by site (the page's domain), so no site is in both
  the training and the test pages.
Printed in the same run for: keep every line; jusText on the same lines, each wrapped as
a ``<p>``; a words-per-line rule (threshold tuned on the training pages); the learned
line model alone; and the full ``tmpl.`` decision (model + patterns + guards) as
``extract`` makes it.

Model: scikit-learn's HistGradientBoostingClassifier (small: :data:`PARAMS`), every page
weighing the same (a line weighs its share of the page's characters, as the per-page F1
does). The trees are exported as flat JSON arrays (no pickle) and every evaluation
above runs through the package's own numpy evaluator (``LineModel``), so what is
measured is what ships. The final model is fitted on all pages.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import xxhash
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boilerplate_detect.features import Context
from boilerplate_detect.features import templates as T
from boilerplate_detect.text import segment

PARAMS = {
    "max_iter": 100,
    "learning_rate": 0.1,
    "max_depth": 3,
    "min_samples_leaf": 40,
    "l2_regularization": 1.0,
}
METHODS = ("keep_all", "justext", "words_rule", "line_model", "tmpl_extract")


class Page:
    def __init__(self, group: str, site: str, page_text: str, body_text: str, patterns: object) -> None:
        self.group = group
        self.site = site
        self.seg = segment(page_text)
        body = segment(body_text)
        self.body_lines = Counter(body.line_text(i) for i in range(len(body.lines)))
        self.gold_chars = sum(len(t) * c for t, c in self.body_lines.items())
        self.lines = [self.seg.line_text(i) for i in range(len(self.seg.lines))]
        self.y = np.array([0 if t in self.body_lines else 1 for t in self.lines])
        self.justext_keep: list[bool] | None = None
        self.x, self.cats = T.line_features(self.seg, patterns, limit=len(self.lines))  # type: ignore[arg-type]
        # Line weights: the page's F1 is character-weighted and every page counts once.
        chars = np.array([len(t) for t in self.lines], dtype=np.float64)
        self.w = chars / chars.sum()

    def f1(self, keep: list[bool]) -> tuple[float, int, int]:
        left = Counter(self.body_lines)
        tp = kept = 0
        for t, k in zip(self.lines, keep, strict=False):
            if not k:
                continue
            kept += len(t)
            if left[t] > 0:
                left[t] -= 1
                tp += len(t)
        if tp == 0:
            return 0.0, 0, kept
        p, r = tp / kept, tp / self.gold_chars
        return 2 * p * r / (p + r), tp, kept


def read_pages(data_dir: Path, patterns: object) -> list[Page]:
    groups: dict[str, dict[str, str]] = defaultdict(dict)
    sites: dict[str, str] = {}
    with (data_dir / "pages_boilerplate_aeb.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            groups[r["group"]][r["label"]] = r["text"]
            sites[r["group"]] = str((r.get("meta") or {}).get("domain") or r["group"])
    return [
        Page(g, sites[g], d["unknown"], d["original"], patterns)
        for g, d in sorted(groups.items())
        if "unknown" in d and "original" in d
    ]


def export_trees(clf: HistGradientBoostingClassifier) -> dict:
    """Write the fitted trees as complete trees in heap order, the form ``LineModel`` reads.

    A leaf above the full depth becomes a split that always goes left (threshold +inf,
    written as null) over two copies of the leaf, so every tree has the same shape.
    """
    depth = max(int(nd["depth"]) for (pred,) in clf._predictors for nd in pred.nodes)
    inner = 2**depth - 1
    features: list[list[int]] = []
    thresholds: list[list[float | None]] = []
    values: list[list[float]] = []
    for (pred,) in clf._predictors:
        nodes = pred.nodes
        feat: list[int] = [0] * inner
        thr: list[float | None] = [None] * inner
        val: list[float] = [0.0] * (inner + 1)

        def place(k: int, pos: int, level: int, nodes=nodes, feat=feat, thr=thr, val=val) -> None:
            nd = nodes[k]
            if level == depth:
                if not nd["is_leaf"]:
                    raise SystemExit("a tree is deeper than the depth found")
                val[pos - inner] = round(float(nd["value"]), 6)
                return
            if nd["is_leaf"]:
                place(k, 2 * pos + 1, level + 1)
                place(k, 2 * pos + 2, level + 1)
                return
            if nd["is_categorical"]:
                raise SystemExit("categorical splits are not supported by LineModel")
            feat[pos] = int(nd["feature_idx"])
            thr[pos] = float(nd["num_threshold"])
            place(int(nd["left"]), 2 * pos + 1, level + 1)
            place(int(nd["right"]), 2 * pos + 2, level + 1)

        place(0, 0, 0)
        features.append(feat)
        thresholds.append(thr)
        values.append(val)
    return {
        "features": list(T.LINE_FEATURES),
        "base": float(np.ravel(clf._baseline_prediction)[0]),
        "threshold": T.DEFAULT_THRESHOLD,
        "trees": {"depth": depth, "feature": features, "threshold": thresholds, "value": values},
    }


def fit_model(pages: list[Page], seed: int) -> tuple[T.LineModel, dict]:
    """Fit the trees on ``pages``; return the numpy model and its JSON form."""
    x = np.vstack([p.x for p in pages])
    y = np.concatenate([p.y for p in pages])
    w = np.concatenate([p.w for p in pages])
    clf = HistGradientBoostingClassifier(**PARAMS, random_state=seed)  # type: ignore[arg-type]
    clf.fit(x, y, sample_weight=w * len(y) / w.sum())
    d = export_trees(clf)
    model = T.LineModel.from_dict(json.loads(json.dumps(d)))
    # The exported trees must reproduce scikit-learn's logits (rounding of leaf values aside).
    gap = float(np.max(np.abs(model.logits(x) - clf.decision_function(x))))
    if gap > 1e-3:
        raise SystemExit(f"exported trees differ from the fitted model by {gap:.2g} in logit")
    return model, d


def keep_model(model: T.LineModel, page: Page) -> list[bool]:
    return [bool(v) for v in model.probabilities(page.x) < model.cut]


def keep_extract(res: T.TemplateResources, page: Page) -> list[bool]:
    flagged = {s for s, _e, _k, _d in T.extract(page.seg, res, Context()).spans}
    return [s not in flagged for s, _e in page.seg.lines]


def keep_words(page: Page, k: int) -> list[bool]:
    return [len(ws) >= k for ws in T._line_words(page.seg)]


def keep_justext(page: Page) -> list[bool]:
    import justext

    doc = "<html><body>" + "".join(f"<p>{html.escape(t)}</p>" for t in page.lines) + "</body></html>"
    paras = justext.justext(doc.encode("utf-8"), justext.get_stoplist("English"))
    good = Counter(" ".join(p.text.split()) for p in paras if not p.is_boilerplate)
    keep = []
    for t in page.lines:
        key = " ".join(t.split())
        if good[key] > 0:
            good[key] -= 1
            keep.append(True)
        else:
            keep.append(False)
    return keep


def best_word_threshold(pages: list[Page]) -> int:
    best, best_k = -1.0, 1
    for k in range(1, 40):
        f = float(np.mean([p.f1(keep_words(p, k))[0] for p in pages]))
        if f > best:
            best, best_k = f, k
    return best_k


Scores = dict[str, list[tuple[float, int, int, int]]]


def evaluate(train: list[Page], test: list[Page], patterns: object, seed: int) -> Scores:
    """Fit on ``train``; return (F1, correct chars, kept chars, body chars) per method and test page."""
    model, _ = fit_model(train, seed)
    res = T.TemplateResources(patterns, model)  # type: ignore[arg-type]
    k = best_word_threshold(train)
    out: Scores = defaultdict(list)
    for p in test:
        if p.justext_keep is None:
            p.justext_keep = keep_justext(p)
        for name, keep in (
            ("keep_all", [True] * len(p.lines)),
            ("justext", p.justext_keep),
            ("words_rule", keep_words(p, k)),
            ("line_model", keep_model(model, p)),
            ("tmpl_extract", keep_extract(res, p)),
        ):
            f, tp, kept = p.f1(keep)
            out[name].append((f, tp, kept, p.gold_chars))
    out["_word_threshold"].append((float(k), 0, 0, 0))
    return out


def summary(v: list[tuple[float, int, int, int]]) -> dict[str, float]:
    f = [r[0] for r in v]
    tp, kept, gold = (sum(r[i] for r in v) for i in (1, 2, 3))
    pr, rc = tp / max(kept, 1), tp / max(gold, 1)
    return {
        "macro": round(float(np.mean(f)), 4),
        "median": round(float(np.median(f)), 4),
        "micro": round(2 * pr * rc / (pr + rc) if tp else 0.0, 4),
        "pages": len(v),
    }


def report(title: str, scores: Scores) -> dict[str, dict[str, float]]:
    print(f"\n== {title}")
    print(f"  {'method':14s} {'macro':>7s} {'median':>7s} {'micro':>7s}")
    out = {}
    for name in METHODS:
        s = out[name] = summary(scores[name])
        print(f"  {name:14s} {s['macro']:7.4f} {s['median']:7.4f} {s['micro']:7.4f}")
    ks = sorted({r[0] for r in scores.get("_word_threshold", [])})
    print(f"  (n={out['keep_all']['pages']} pages; words_rule thresholds tuned on the training pages: {ks})")
    return out


def cross_validate(pages: list[Page], groups: list[str], folds: int, patterns: object, seed: int) -> Scores:
    cv: Scores = defaultdict(list)
    idx = np.arange(len(pages))
    for tr, te in GroupKFold(n_splits=folds).split(idx, groups=groups):
        fold = evaluate([pages[i] for i in tr], [pages[i] for i in te], patterns, seed)
        for k, v in fold.items():
            cv[k].extend(v)
    return cv


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", nargs="?", default="../shared/data", type=Path)
    ap.add_argument("--out", type=Path, default=Path("boilerplate_detect/data/line_model.json"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    patterns = T.load_patterns()
    pages = read_pages(args.data_dir, patterns)
    print(
        f"{len(pages)} pages from {len({p.site for p in pages})} sites, "
        f"{sum(len(p.lines) for p in pages)} lines, "
        f"{sum(int(p.y.sum()) for p in pages)} boilerplate lines"
    )
    key = [xxhash.xxh64_intdigest(p.group.encode(), seed=args.seed) % 5 for p in pages]
    held = [p for p, k in zip(pages, key, strict=True) if k == 0]
    train = [p for p, k in zip(pages, key, strict=True) if k != 0]
    metrics = {
        "fixed_heldout": report(
            f"fixed held-out split: train {len(train)} pages, test {len(held)} pages",
            evaluate(train, held, patterns, args.seed),
        ),
        "cv_by_page": report(
            f"{args.folds}-fold cross-validation by page over all {len(pages)} pages",
            cross_validate(pages, [p.group for p in pages], args.folds, patterns, args.seed),
        ),
        "cv_by_site": report(
            f"{args.folds}-fold cross-validation by site ({len({p.site for p in pages})} sites)",
            cross_validate(pages, [p.site for p in pages], args.folds, patterns, args.seed),
        ),
    }
    _, d = fit_model(pages, args.seed)
    if not args.no_write:
        out = {
            "format": "boilerplate-detect line model",
            "version": 2,
            **d,
            "training": {
                "data": "pages_boilerplate_aeb.jsonl (Zyte article-extraction benchmark, MIT)",
                "pages": len(pages),
                "seed": args.seed,
                "model": "sklearn HistGradientBoostingClassifier",
                "params": PARAMS,
                "script": "scripts/train_line_classifier.py",
            },
            "metrics": {"measure": "character-weighted body F1 per page", "folds": args.folds, **metrics},
        }
        args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
