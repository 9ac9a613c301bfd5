"""Section 4: accuracy on the project's held-out split, beside the peers' decisions on the same texts.

Two tasks, each on texts whose story group the model never saw (the ``test``
split of :func:`boilerplate_detect.training.group_split`, with the model's seed):

* **farm vs original** on the held-out examples that ``boilerplate-detect
  evaluate`` scores (real human news, real machine news, and the project's
  synthetic farm variants made from held-out originals). The Detector's label
  stands beside datatrove's filters used as a classifier (a document any of the
  four filters drops counts as "farm").
* **boilerplate lines** on the held-out pages of the article-extraction benchmark:
  a page line that is not a line of the article body is boilerplate. The
  Detector's ``boilerplate``/``template`` spans stand beside jusText (each line
  wrapped in a ``<p>``, English stop list, default thresholds).

Both classifiers see the same stratified sample: at most 150 texts of every kind
(``--quick``: at most 40 each of human, augmented human, machine and synthetic).
"""

from __future__ import annotations

import html
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

try:
    from benchmarks.timing import has_module, load_detector
except ImportError:  # run as a script from benchmarks/
    from timing import has_module, load_detector  # type: ignore[no-redef]

QUICK_PER_KIND = 40
FULL_PER_KIND = 150
#: Span kinds that mark a line as page chrome.
BOILERPLATE_KINDS = frozenset({"boilerplate", "template"})
#: A line counts as flagged when spans of those kinds cover at least this share of it.
LINE_COVER = 0.5


def _bucket(kind: str, augment: str = "", *, coarse: bool = False) -> str:
    if kind == "human":
        return ("human (augmented)" if coarse else f"human ({augment})") if augment else "human"
    if kind.startswith("synthetic:"):
        return "synthetic" if coarse else kind
    return "machine"


def heldout_examples(data_dir: Path, seed: int) -> list[Any]:
    """Return the held-out examples exactly as ``boilerplate-detect evaluate --split test`` builds them.

    Uses ``evaluation.heldout_examples`` when the evaluation module offers it, and
    otherwise mirrors :func:`boilerplate_detect.evaluation.evaluate`: the rows of the
    test split, one synthetic farm variant per original, and each original reflowed
    and cut to 150 words (which must stay "original").
    """
    import random as _random

    from boilerplate_detect import evaluation, generators, training

    fn = getattr(evaluation, "heldout_examples", None)
    if callable(fn):
        return list(fn([data_dir], seed=seed, split="test"))
    rows = [
        r
        for r in training.load_rows(data_dir)
        if training.group_split(str(r.get("group") or r["id"]), seed) == "test"
    ]
    examples = list(training.iter_examples_for_eval(rows))
    originals = [e for e in examples if e.y == 1]
    syn_table = generators.load_synonyms()
    extra = []
    for e in originals:
        rng = _random.Random(f"eval:{seed}:{e.id}")
        donors = [originals[rng.randrange(len(originals))].text for _ in range(3)]
        name, text = generators.make_variant(e.text, rng, donors=donors, synonyms=syn_table)
        extra.append(training.Example(f"{e.id}#eval:{name}", text, 0, e.group, e.source, f"synthetic:{name}"))
        reflowed = training.reflow(e.text)
        extra.append(
            training.Example(f"{e.id}#reflow", reflowed, 1, e.group, e.source, "human", augment="reflow")
        )
        extra.append(
            training.Example(
                f"{e.id}#reflow150",
                training.cut_words(reflowed),
                1,
                e.group,
                e.source,
                "human",
                augment="reflow150",
            )
        )
    return examples + extra


def _metrics(pred_farm: Sequence[bool], is_farm: Sequence[bool]) -> dict[str, Any]:
    tp = sum(p and y for p, y in zip(pred_farm, is_farm, strict=True))
    fp = sum(p and not y for p, y in zip(pred_farm, is_farm, strict=True))
    fn = sum(not p and y for p, y in zip(pred_farm, is_farm, strict=True))
    tn = sum(not p and not y for p, y in zip(pred_farm, is_farm, strict=True))
    rec = tp / (tp + fn) if tp + fn else None
    fpr = fp / (fp + tn) if fp + tn else None
    prec = tp / (tp + fp) if tp + fp else None
    f1 = 2 * prec * rec / (prec + rec) if prec and rec else 0.0
    bal = (rec + 1 - fpr) / 2 if rec is not None and fpr is not None else None
    n = tp + fp + fn + tn
    return {
        "n": n,
        "accuracy": round((tp + tn) / n, 4) if n else None,
        "balanced_accuracy": round(bal, 4) if bal is not None else None,
        "farm_recall": round(rec, 4) if rec is not None else None,
        "false_farm_rate": round(fpr, 4) if fpr is not None else None,
        "farm_precision": round(prec, 4) if prec is not None else None,
        "farm_f1": round(f1, 4),
    }


def farm_task(examples: Sequence[Any], det: Any, decide: Any, *, coarse: bool = False) -> dict[str, Any]:
    """Score every example with the Detector and (when installed) the datatrove chain."""
    is_farm = [e.y == 0 for e in examples]
    buckets = [_bucket(e.kind, e.augment, coarse=coarse) for e in examples]
    out: dict[str, Any] = {"n": len(examples), "kinds": dict(Counter(buckets))}
    preds: dict[str, list[bool]] = {}
    t0 = time.perf_counter()
    reports = list(det.score_many(e.text for e in examples))
    out["detector_s"] = round(time.perf_counter() - t0, 1)
    preds["detector"] = [r.label == "farm" for r in reports]
    if len(set(is_farm)) == 2:
        from sklearn.metrics import roc_auc_score

        out["detector_roc_auc"] = round(
            float(roc_auc_score(is_farm, [1 - r.originality for r in reports])), 4
        )
    if decide is not None:
        t0 = time.perf_counter()
        decisions = [decide(e.id, e.text) for e in examples]
        out["datatrove_s"] = round(time.perf_counter() - t0, 1)
        preds["datatrove"] = [d[0] for d in decisions]
    out["overall"] = {k: _metrics(p, is_farm) for k, p in preds.items()}
    per: dict[str, dict[str, Any]] = defaultdict(dict)
    for b in sorted(set(buckets)):
        idx = [i for i, x in enumerate(buckets) if x == b]
        for k, p in preds.items():
            per[b][k] = round(sum(p[i] for i in idx) / len(idx), 4)
        per[b]["n"] = len(idx)
        per[b]["truth"] = "original" if not is_farm[idx[0]] else "farm"
    out["farm_rate_by_kind"] = dict(per)
    if decide is not None:
        reasons = Counter(why.split(":", 1)[0] for dropped, why in decisions if dropped and why)
        out["datatrove_first_drop_filter"] = dict(reasons.most_common())
    return out


def _page_pairs(data_dir: Path, seed: int) -> list[tuple[str, str, str]]:
    from boilerplate_detect import training

    path = data_dir / "pages_boilerplate_aeb.jsonl"
    if not path.is_file():
        return []
    by_group: dict[str, dict[str, str]] = defaultdict(dict)
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            by_group[rec["group"]][rec["label"]] = rec["text"]
    return [
        (g, d["unknown"], d["original"])
        for g, d in sorted(by_group.items())
        if "unknown" in d and "original" in d and training.group_split(g, seed) == "test"
    ]


def _line_scores(pred: Sequence[bool], truth: Sequence[bool], weights: Sequence[int]) -> dict[str, Any]:
    tp = sum(w for p, t, w in zip(pred, truth, weights, strict=True) if p and t)
    fp = sum(w for p, t, w in zip(pred, truth, weights, strict=True) if p and not t)
    fn = sum(w for p, t, w in zip(pred, truth, weights, strict=True) if not p and t)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    return {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4)}


def boilerplate_task(pages: Sequence[tuple[str, str, str]], det: Any) -> dict[str, Any]:
    """Line-level boilerplate detection: the Detector's spans against jusText."""
    from boilerplate_detect.text import segment

    justext = None
    if has_module("justext"):
        import justext as _justext

        justext = _justext
        stoplist = justext.get_stoplist("English")
    truth: list[bool] = []
    weights: list[int] = []
    preds: dict[str, list[bool]] = defaultdict(list)
    for _g, page, body in pages:
        seg = segment(page)
        bseg = segment(body)
        body_lines = {bseg.line_text(i) for i in range(len(bseg.lines))}
        lines = [seg.line_text(i) for i in range(len(seg.lines))]
        truth += [ln not in body_lines for ln in lines]
        weights += [len(ln) for ln in lines]
        preds["keep every line"] += [False] * len(lines)
        rep = det.score(page)
        cover = [0] * len(lines)
        for span in rep.spans:
            if span.kind not in BOILERPLATE_KINDS:
                continue
            for i, (s, e) in enumerate(seg.lines):
                os_, oe = seg.to_original(s), seg.to_original(e)
                overlap = min(oe, span.end) - max(os_, span.start)
                if overlap > 0:
                    cover[i] += overlap
        flagged = []
        for i, (s, e) in enumerate(seg.lines):
            length = max(seg.to_original(e) - seg.to_original(s), 1)
            flagged.append(cover[i] / length >= LINE_COVER)
        preds["detector"] += flagged
        if justext is not None:
            doc = "<html><body>" + "".join(f"<p>{html.escape(ln)}</p>" for ln in lines) + "</body></html>"
            paras = justext.justext(doc, stoplist)
            by_text: dict[str, bool] = {}
            for p in paras:
                by_text.setdefault(p.text.strip(), p.is_boilerplate)
            preds["jusText"] += [by_text.get(" ".join(ln.split()), True) for ln in lines]
    out: dict[str, Any] = {"pages": len(pages), "lines": len(truth), "boilerplate_lines": sum(truth)}
    out["by_line"] = {k: _line_scores(p, truth, [1] * len(truth)) for k, p in preds.items()}
    out["by_char"] = {k: _line_scores(p, truth, weights) for k, p in preds.items()}
    if justext is None:
        out["jusText"] = "not installed"
    return out


def _line_model_card() -> dict[str, Any] | None:
    """Return the shipped line model's training note and its own held-out metrics, if recorded."""
    from importlib import resources

    try:
        card = json.loads(
            resources.files("boilerplate_detect").joinpath("data", "line_model.json").read_text()
        )
    except (OSError, ValueError):
        return None
    return {"training": card.get("training"), "metrics": card.get("metrics")}


def run(*, quick: bool, data_dir: Path | None, work_dir: Path | None = None) -> dict[str, Any]:
    """Measure section 4 and return its figures (with a ``markdown`` body)."""
    if data_dir is None:
        raise RuntimeError(
            "the held-out split needs the labelled data directory (../shared/data), absent here"
        )
    from boilerplate_detect import training

    det = load_detector()
    meta = getattr(det.model, "meta", None)  # the training seed defines the split
    seed = int(meta.get("seed", training.DEFAULT_SEED)) if isinstance(meta, dict) else training.DEFAULT_SEED
    out: dict[str, Any] = {"seed": seed, "model": det.model.name, "threshold": det.threshold}
    examples = heldout_examples(data_dir, seed)
    out["heldout_examples"] = len(examples)
    # A stratified sample, so that the slow peer sees the same texts in bounded time.
    rng = random.Random(seed)
    by: dict[str, list[Any]] = defaultdict(list)
    for e in examples:
        by[_bucket(e.kind, e.augment, coarse=quick)].append(e)
    cap = QUICK_PER_KIND if quick else FULL_PER_KIND
    out["per_kind"] = cap
    examples = [e for b in sorted(by) for e in rng.sample(by[b], min(cap, len(by[b])))]
    decide = None
    try:
        try:
            from benchmarks.bench_features import datatrove_chain
        except ImportError:
            from bench_features import datatrove_chain  # type: ignore[no-redef]
        _filters, decide = datatrove_chain()
    except ImportError as exc:
        out["datatrove"] = f"not installed: {exc}"
    out["farm"] = farm_task(examples, det, decide, coarse=quick)
    if not quick:  # the evaluate command's own headline on the whole held-out split
        from boilerplate_detect import evaluation

        t0 = time.perf_counter()
        out["evaluate_headline"] = evaluation.evaluate([data_dir], split="test", seed=seed)["headline"]
        out["evaluate_s"] = round(time.perf_counter() - t0, 1)
    pages = _page_pairs(data_dir, seed)
    out["boilerplate"] = boilerplate_task(pages, det) if pages else {"pages": 0}
    out["line_model"] = _line_model_card()
    out["markdown"] = render(out)
    return out


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def render(out: dict[str, Any]) -> str:
    """Return the section's Markdown body."""
    f = out["farm"]
    md = [
        f"Model `{out['model']}` (threshold {out['threshold']:.3f}), held-out split of seed {out['seed']}: "
        f"{out['heldout_examples']:,} examples, of which a stratified sample of {f['n']:,} (at most "
        f"{out['per_kind']} of each kind) is scored here by every classifier. Each text is scored alone "
        '(no outlet, no index). datatrove\'s chain counts as "farm" when any filter drops the text.',
        "",
        "| classifier | accuracy | balanced acc. | farm recall | false-farm rate (originals) "
        "| farm precision | farm F1 | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k, m in f["overall"].items():
        md.append(
            f"| {k} | {_pct(m['accuracy'])} | {_pct(m['balanced_accuracy'])} | {_pct(m['farm_recall'])} | "
            f"{_pct(m['false_farm_rate'])} | {_pct(m['farm_precision'])} | {_pct(m['farm_f1'])} | "
            f"{f.get(k + '_s', '–')} |"
        )
    if "detector_roc_auc" in f:
        md.append(
            f"\nDetector ROC AUC (farm vs original, from the originality score): {f['detector_roc_auc']:.3f}."
        )
    if "datatrove" in out:
        md.append(f"\ndatatrove: {out['datatrove']}.")
    if "evaluate_headline" in out:
        h = out["evaluate_headline"]
        md += [
            "",
            f"`boilerplate-detect evaluate --split test` headline on the same split ({out['evaluate_s']} s; "
            "the model's raw scores, without the Detector's too-short/language guards):",
            "",
            "| metric | value |",
            "|---|---:|",
            *[f"| {k} | {v} |" for k, v in h.items()],
        ]
    cls = list(f["overall"])
    md += [
        "",
        "Share labelled farm, by kind of text (the right answer is 0% for `human`, 100% for the rest):",
        "",
        "| kind | truth | n | " + " | ".join(cls) + " |",
        "|---|---|---:|" + "---:|" * len(cls),
    ]
    for kind, row in f["farm_rate_by_kind"].items():
        md.append(
            f"| {kind} | {row['truth']} | {row['n']:,} | " + " | ".join(_pct(row[c]) for c in cls) + " |"
        )
    if f.get("datatrove_first_drop_filter"):
        md += [
            "",
            "datatrove drops by first failing filter: "
            + ", ".join(f"{k} {v}" for k, v in f["datatrove_first_drop_filter"].items())
            + ".",
        ]
    b = out["boilerplate"]
    if b.get("pages"):
        md += [
            "",
            f"Boilerplate lines on {b['pages']} held-out pages of the article-extraction benchmark "
            f"({b['lines']:,} lines, {b['boilerplate_lines']:,} of them boilerplate). A line is flagged "
            f"when `boilerplate`/`template` spans cover ≥ {LINE_COVER:.0%} of it"
            + ("; jusText not installed" if b.get("jusText") else "")
            + ".",
            "",
            "| method | precision (lines) | recall (lines) | F1 (lines) | F1 (characters) |",
            "|---|---:|---:|---:|---:|",
        ]
        for k, m in b["by_line"].items():
            md.append(
                f"| {k} | {_pct(m['precision'])} | {_pct(m['recall'])} | {_pct(m['f1'])} | "
                f"{_pct(b['by_char'][k]['f1'])} |"
            )
        lm = out.get("line_model") or {}
        pages_fit = (lm.get("training") or {}).get("pages")
        cv = (lm.get("metrics") or {}).get("cv_body_f1")
        if pages_fit:
            md += [
                "",
                f"Caveat: the shipped `tmpl.` line model was fitted on all {pages_fit} pages of this set "
                "(`scripts/train_line_classifier.py`), so for the Detector these pages are seen, not held "
                "out; its row is an in-sample figure. The honest comparison is the training script's "
                "GroupKFold body F1 recorded in `line_model.json`"
                + (": " + ", ".join(f"{k} {v:.3f}" for k, v in cv.items()) if isinstance(cv, dict) else "")
                + ".",
            ]
    else:
        md += ["", "Boilerplate lines: not available (no held-out pages)."]
    return "\n".join(md)
