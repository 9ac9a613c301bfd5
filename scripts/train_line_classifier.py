"""Train the ``tmpl.`` line model and measure it against baselines on held-out pages.

Usage:
    python scripts/train_line_classifier.py [DATA_DIR] [--out boilerplate_detect/data/line_model.json]
        [--folds 5] [--seed 1] [--no-write]

Data: ``DATA_DIR/pages_boilerplate_aeb.jsonl``. For every group the ``unknown`` row is the
page's full visible text and the ``original`` row its article body; a line of the page
that is not a line of the body is boilerplate (label 1), every other line body (label 0).

Evaluation (all on pages the model did not see, split by group):
* a fixed held-out split (about 20% of the pages, chosen by xxhash of the group id);
* GroupKFold cross-validation over all pages.
The measure is the character-weighted F1 of the article body per page (the lines kept vs
the body's lines), averaged over pages (macro) and pooled (micro). Printed in the same
run for: keep every line; jusText on the same lines, each wrapped as a ``<p>``; a
words-per-line rule (threshold tuned on the training pages); the learned line model
alone; and the full ``tmpl.`` decision (model + patterns + guard) as ``extract`` makes it.

The final model is fitted on all pages and written as JSON (no pickle).
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
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boilerplate_detect.features import Context
from boilerplate_detect.features import templates as T
from boilerplate_detect.text import segment

C = 1.0


class Page:
    def __init__(self, group: str, page_text: str, body_text: str, patterns: object) -> None:
        self.group = group
        self.seg = segment(page_text)
        body = segment(body_text)
        self.body_lines = Counter(body.line_text(i) for i in range(len(body.lines)))
        self.gold_chars = sum(len(t) * c for t, c in self.body_lines.items())
        self.lines = [self.seg.line_text(i) for i in range(len(self.seg.lines))]
        self.y = np.array([0 if t in self.body_lines else 1 for t in self.lines])
        rows, self.cats = T.line_features(self.seg, patterns)  # type: ignore[arg-type]
        # Line weights: the F1 is character-weighted, so long lines matter more (damped).
        self.w = np.array([np.log1p(len(t)) for t in self.lines])
        self.x = np.array(rows, dtype=np.float64).reshape(len(self.lines), len(T.LINE_FEATURES))

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
    with (data_dir / "pages_boilerplate_aeb.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            groups[r["group"]][r["label"]] = r["text"]
    return [
        Page(g, d["unknown"], d["original"], patterns)
        for g, d in sorted(groups.items())
        if "unknown" in d and "original" in d
    ]


def stage_dict(lr: LogisticRegression, mean: np.ndarray, scale: np.ndarray, names: tuple[str, ...]) -> dict:
    return {
        "features": list(names),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "coef": [round(float(v), 6) for v in lr.coef_[0]],
        "intercept": round(float(lr.intercept_[0]), 6),
    }


def fit_stage(
    x: np.ndarray, y: np.ndarray, names: tuple[str, ...], seed: int, w: np.ndarray | None = None
) -> dict:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    lr = LogisticRegression(C=C, max_iter=2000, random_state=seed)
    lr.fit((x - mean) / scale, y, sample_weight=w)
    return stage_dict(lr, mean, scale, names)


def stage1_logits(model: T.LineModel, page: Page) -> list[float]:
    return [max(-30.0, min(30.0, model.stage1.logit(list(r)))) for r in page.x]


def fit_model(pages: list[Page], seed: int, folds: int = 4) -> T.LineModel:
    """Stage one on all pages; stage two on out-of-fold stage-one logits."""
    x1 = np.vstack([p.x for p in pages])
    y = np.concatenate([p.y for p in pages])
    w = np.concatenate([p.w for p in pages])
    s1 = fit_stage(x1, y, T.LINE_FEATURES, seed, w)
    # Out-of-fold stage-one logits so stage two sees realistic (not over-fitted) inputs.
    oof: dict[str, list[float]] = {}
    groups = np.arange(len(pages))
    for tr, te in GroupKFold(n_splits=min(folds, len(pages))).split(groups, groups=groups):
        sub = [pages[i] for i in tr]
        m = T.LineModel.from_dict(
            {
                "stage1": fit_stage(
                    np.vstack([p.x for p in sub]),
                    np.concatenate([p.y for p in sub]),
                    T.LINE_FEATURES,
                    seed,
                    np.concatenate([p.w for p in sub]),
                ),
                "stage2": None,
            }
        )
        for i in te:
            oof[pages[i].group] = stage1_logits(m, pages[i])
    x2 = np.vstack(
        [
            np.array(T.stage2_features(oof[p.group], [list(r) for r in p.x])).reshape(
                -1, len(T.STAGE2_FEATURES)
            )
            for p in pages
        ]
    )
    s2 = fit_stage(x2, y, T.STAGE2_FEATURES, seed, w)
    return T.LineModel.from_dict({"stage1": s1, "stage2": s2, "threshold": T.DEFAULT_THRESHOLD})


def keep_model(model: T.LineModel, page: Page) -> list[bool]:
    probs = T._probabilities([list(r) for r in page.x], model)
    return [p < model.threshold for p in probs]


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


def evaluate(train: list[Page], test: list[Page], patterns: object, seed: int) -> dict[str, list[float]]:
    model = fit_model(train, seed)
    res = T.TemplateResources(patterns, model)  # type: ignore[arg-type]
    k = best_word_threshold(train)
    out: dict[str, list[float]] = defaultdict(list)
    for p in test:
        out["keep_all"].append(p.f1([True] * len(p.lines))[0])
        out["justext"].append(p.f1(keep_justext(p))[0])
        out["words_rule"].append(p.f1(keep_words(p, k))[0])
        out["line_model"].append(p.f1(keep_model(model, p))[0])
        out["tmpl_extract"].append(p.f1(keep_extract(res, p))[0])
    out["_word_threshold"].append(float(k))
    return out


def report(title: str, scores: dict[str, list[float]]) -> None:
    print(f"\n== {title}")
    for name in ("keep_all", "justext", "words_rule", "line_model", "tmpl_extract"):
        v = scores[name]
        print(f"  {name:14s} body F1 macro {np.mean(v):.4f}  (median {np.median(v):.4f}, n={len(v)})")
    if scores.get("_word_threshold"):
        print(f"  words_rule thresholds (tuned on train): {sorted(set(scores['_word_threshold']))}")


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
        f"{len(pages)} pages, {sum(len(p.lines) for p in pages)} lines, "
        f"{sum(int(p.y.sum()) for p in pages)} boilerplate lines"
    )

    held = [p for p in pages if xxhash.xxh64_intdigest(p.group.encode(), seed=args.seed) % 5 == 0]
    train = [p for p in pages if xxhash.xxh64_intdigest(p.group.encode(), seed=args.seed) % 5 != 0]
    fixed = evaluate(train, held, patterns, args.seed)
    report(f"fixed held-out split: train {len(train)} pages, test {len(held)} pages", fixed)

    cv: dict[str, list[float]] = defaultdict(list)
    idx = np.arange(len(pages))
    for tr, te in GroupKFold(n_splits=args.folds).split(idx, groups=idx):
        fold = evaluate([pages[i] for i in tr], [pages[i] for i in te], patterns, args.seed)
        for k, v in fold.items():
            cv[k].extend(v)
    report(f"{args.folds}-fold cross-validation by page over all {len(pages)} pages", cv)

    model = fit_model(pages, args.seed)
    res = T.TemplateResources(patterns, model)
    if not args.no_write:
        d = {
            "format": "boilerplate-detect line model",
            "version": 1,
            "stage1": model_stage(model.stage1),
            "stage2": model_stage(model.stage2) if model.stage2 else None,
            "threshold": model.threshold,
            "training": {
                "data": "pages_boilerplate_aeb.jsonl (Zyte article-extraction benchmark, MIT)",
                "pages": len(pages),
                "seed": args.seed,
                "C": C,
                "script": "scripts/train_line_classifier.py",
            },
            "metrics": {
                "heldout_pages": len(held),
                "heldout_body_f1": {k: round(float(np.mean(v)), 4) for k, v in fixed.items() if k[0] != "_"},
                "cv_folds": args.folds,
                "cv_body_f1": {k: round(float(np.mean(v)), 4) for k, v in cv.items() if k[0] != "_"},
            },
        }
        args.out.write_text(json.dumps(d, indent=1) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    del res
    return 0


def model_stage(s: object) -> dict:
    return {
        "features": list(s.features),  # type: ignore[attr-defined]
        "mean": list(s.mean),  # type: ignore[attr-defined]
        "scale": list(s.scale),  # type: ignore[attr-defined]
        "coef": list(s.coef),  # type: ignore[attr-defined]
        "intercept": s.intercept,  # type: ignore[attr-defined]
    }


if __name__ == "__main__":
    raise SystemExit(main())
