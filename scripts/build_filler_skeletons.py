"""Learn the ``fill.`` skeleton statistics and measure them on held-out outlets and generators.

Usage:
    python scripts/build_filler_skeletons.py [DATA_DIR] [--out boilerplate_detect/data/filler_skeletons.json]
        [--vocab 1500] [--seed 1] [--no-write]

What it learns (from ``DATA_DIR``, see its README):
1. the stock vocabulary: the words with the highest document frequency, averaged over
   human news (BBC, AllSides) and machine news (SheepDog rewrites, XSum continuations);
2. for every skeleton trigram (stock words kept, other words ``_``): in how many distinct
   topics (AllSides outlet, BBC category) of human news it occurs (its spread), and its
   sentence frequency in machine vs human text. Trigrams with a spread of at least
   ``MIN_SPREAD`` topics and a positive log-odds of machine vs human get that log-odds as
   their weight (capped at ``MAX_WEIGHT``);
3. the threshold: the 95th percentile of the skeleton score of non-specific human sentences
   of at least ``MIN_SKELETON_WORDS`` words.

Held out (never used to learn): 20% of the AllSides outlets (by xxhash of the outlet
name), the BBC ``tech`` category, the SheepDog PolitiFact rewrites and originals, and
the XSum continuations of gpt-4 and gpt-neox-20b (with their human originals). The
script prints, per held-out source, the generic-sentence fraction of the shipped scorer.

Only derived statistics are written: stock words, trigram weights, the threshold.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import xxhash

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boilerplate_detect.features import Context
from boilerplate_detect.features import filler as F
from boilerplate_detect.text import segment

MIN_SPREAD = 8
MIN_COUNT = 10
MAX_WEIGHT = 4.0
SMOOTH = 1.0
PERCENTILE = 95.0
HELD_XSUM_MODELS = frozenset({"gpt-4", "gpt-neox-20b"})


def rows(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def held_outlet(name: str, seed: int) -> bool:
    return xxhash.xxh64_intdigest(name.encode(), seed=seed) % 5 == 0


def load_docs(data_dir: Path, seed: int) -> list[tuple[str, str, str, bool, str]]:
    """Return (text, class human|machine, topic, held_out, source_name) per document."""
    docs = []
    for r in rows(data_dir / "news_human_bbc.jsonl"):
        if r["meta"].get("exact_duplicate_of"):
            continue
        cat = r["meta"].get("category", "?")
        docs.append((r["text"], "human", f"bbc:{cat}", cat == "tech", f"bbc:{cat}"))
    for r in rows(data_dir / "news_human_allsides.jsonl"):
        outlet = r["meta"].get("outlet") or "?"
        docs.append((r["text"], "human", f"as:{outlet}", held_outlet(outlet, seed), "allsides"))
    for r in rows(data_dir / "news_machine_sheepdog.jsonl"):
        ds = r["meta"].get("dataset", "?")
        cls = "machine" if r["label"] == "farm" else "human"
        docs.append((r["text"], cls, f"sd:{ds}", ds == "politifact", f"sheepdog:{ds}:{cls}"))
    xsum_groups_held: set[str] = set()
    xrows = list(rows(data_dir / "news_machine_xsum.jsonl"))
    for r in xrows:
        if r["label"] == "farm" and r["meta"].get("model") in HELD_XSUM_MODELS:
            xsum_groups_held.add(r["group"])
    for r in xrows:
        model = r["meta"].get("model", "?")
        cls = "machine" if r["label"] == "farm" else "human"
        held = model in HELD_XSUM_MODELS if cls == "machine" else r["group"] in xsum_groups_held
        docs.append((r["text"], cls, "xsum", held, f"xsum:{model}"))
    return docs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data_dir", nargs="?", default="../shared/data", type=Path)
    ap.add_argument("--out", type=Path, default=Path("boilerplate_detect/data/filler_skeletons.json"))
    ap.add_argument("--vocab", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)

    docs = load_docs(args.data_dir, args.seed)
    segs = [segment(d[0]) for d in docs]
    train = [i for i, d in enumerate(docs) if not d[3]]
    print(f"{len(docs)} documents, {len(train)} for learning")

    # 1. Stock vocabulary: document frequency averaged over the two classes.
    df: dict[str, Counter[str]] = {"human": Counter(), "machine": Counter()}
    nd: Counter[str] = Counter()
    for i in train:
        cls = docs[i][1]
        nd[cls] += 1
        df[cls].update(set(segs[i].words))
    score = Counter(
        {
            w: df["human"][w] / nd["human"] + df["machine"][w] / nd["machine"]
            for w in df["human"] | df["machine"]
        }
    )
    # Ties broken by the word itself, so the vocabulary does not depend on set order (PYTHONHASHSEED).
    ranked = sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[: args.vocab]
    vocab = frozenset(w for w, _ in ranked if not any(c.isdigit() for c in w))

    # 2. Skeleton trigram counts (sentence presence) per class and spread over human topics.
    counts: dict[str, Counter[tuple[str, ...]]] = {"human": Counter(), "machine": Counter()}
    spread: dict[tuple[str, ...], set[str]] = defaultdict(set)
    ns: Counter[str] = Counter()
    for i in train:
        _text, cls, topic, _h, _s = docs[i]
        for ws in segs[i].sentence_words:
            if len(ws) < F.MIN_SENTENCE_WORDS:
                continue
            ns[cls] += 1
            sk = F.skeleton(ws, vocab)
            grams = set(zip(sk, sk[1:], sk[2:], strict=False))
            counts[cls].update(grams)
            if cls == "human":
                for g in grams:
                    spread[g].add(topic)
    weights: dict[tuple[str, ...], float] = {}
    for g, cm in counts["machine"].items():
        ch = counts["human"][g]
        if cm + ch < MIN_COUNT or len(spread.get(g, ())) < MIN_SPREAD or all(t == F.OTHER for t in g):
            continue
        lo = math.log((cm + SMOOTH) / ns["machine"]) - math.log((ch + SMOOTH) / ns["human"])
        if lo > 0.1:
            weights[g] = round(min(lo, MAX_WEIGHT), 3)
    print(f"vocab {len(vocab)}, weighted skeleton trigrams {len(weights)}")

    # 3. Threshold: the 95th percentile of non-specific human training sentences.
    sk_res = F.Skeletons(vocab, weights, threshold=math.inf)
    res = F.FillerResources(F.load_phrases(), frozenset(F.load_phrases()), sk_res)
    human_scores = []
    for i in train:
        if docs[i][1] != "human":
            continue
        for (sc, spec, _p), ws in zip(F.sentence_scores(segs[i], res), segs[i].sentence_words, strict=True):
            if not spec and len(ws) >= F.MIN_SKELETON_WORDS:
                human_scores.append(sc)
    threshold = float(np.percentile(human_scores, PERCENTILE))
    print(f"threshold (p{PERCENTILE:g} of {len(human_scores)} non-specific human sentences): {threshold:.4f}")
    res = F.FillerResources(res.phrases, res.first_words, F.Skeletons(vocab, weights, threshold))

    # 4. Held-out evaluation by source.
    by_src: dict[str, list[list[float]]] = defaultdict(list)
    for i, d in enumerate(docs):
        if not d[3]:
            continue
        v = F.extract(segs[i], res, Context()).values
        by_src[d[4]].append(list(v))
    print("\nheld-out sources (never used to learn): mean per document")
    print(
        f"  {'source':34s} {'docs':>5s} {'generic':>8s} {'gen_chars':>9s} {'lexicon':>8s} "
        f"{'skel':>6s} {'nonspec_para':>12s} {'docs>=10%gen':>12s}"
    )
    for src in sorted(by_src):
        a = np.array(by_src[src])
        print(
            f"  {src:34s} {len(a):5d} {a[:, 0].mean():8.3f} {a[:, 1].mean():9.3f} {a[:, 2].mean():8.3f} "
            f"{a[:, 3].mean():6.3f} {a[:, 5].mean():12.3f} {np.mean(a[:, 0] >= 0.1):12.3f}"
        )
    if not args.no_write:
        out = {
            "format": "boilerplate-detect filler skeletons",
            "version": 1,
            "n": F.SKELETON_N,
            "threshold": round(threshold, 4),
            "vocab": sorted(vocab),
            "weights": {" ".join(g): w for g, w in sorted(weights.items())},
            "training": {
                "data": "news_human_bbc, news_human_allsides, news_machine_sheepdog, news_machine_xsum",
                "held_out": "20% of AllSides outlets (xxhash), BBC tech, SheepDog PolitiFact, "
                "XSum gpt-4 and gpt-neox-20b",
                "min_spread": MIN_SPREAD,
                "min_count": MIN_COUNT,
                "percentile": PERCENTILE,
                "seed": args.seed,
                "script": "scripts/build_filler_skeletons.py",
            },
        }
        args.out.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out} ({args.out.stat().st_size / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
