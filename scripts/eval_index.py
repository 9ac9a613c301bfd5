#!/usr/bin/env python3
"""Quality of the cross-outlet index: precision and recall of finding the source of a copy.

Builds a corpus with known copies from the shared data (texts stay in memory; nothing
is written but figures): for every source article of an outlet, copies from a farm
outlet of five kinds:

* ``exact``: the same text;
* ``partial``: a contiguous run of 30-60% of the source's sentences, the rest of the
  copy taken from an unrelated article (so the copy shares >= 30% of its text);
* ``shuffled``: the source's sentences in a shuffled order, in new paragraphs;
* ``spun``: synonyms swapped into most sentences (a hand-made table), some clauses
  reordered around commas, some function words dropped;
* ``padded``: the source with generic filler sentences after every other sentence.

First, articles of the data that already share passages or facts with another one
(republished stories, follow-ups quoting the same paragraphs, a site's boilerplate) are
dropped, so the only copies are the ones made here (``--keep-existing-overlaps`` keeps
them; their genuine matches then count as false positives).

For every kind, an index holds the sources plus unrelated distractor articles; every
copy is queried (it is not indexed). A returned match is a true positive when it is the
copy's source and a false positive otherwise. Recall is the share of copies whose source
is returned. Unrelated articles that are not indexed are queried too; anything they
return is a false positive (row ``unrelated``). Direction: share of found sources marked
``copied_from``, with publication dates (source earlier) and without them (inferred).

Also, when ``news_machine_sheepdog.jsonl`` is present: LLM restyles of an original
(real rewrites, not generated here), row ``llm-restyle``.

Usage:
    python scripts/eval_index.py [--data-dir ../shared/data] [--n 600] [--distractors 1500] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from boilerplate_detect import Article, Index
from boilerplate_detect.report import NearDuplicate
from boilerplate_detect.text import segment

KINDS = ("exact", "partial", "shuffled", "spun", "padded")

FILLER = [
    "It remains to be seen how this will play out in the weeks ahead.",
    "Only time will tell what the future holds for everyone involved.",
    "This is a story that continues to capture the attention of many people.",
    "In today's fast-paced world, such developments matter more than ever.",
    "Experts agree that the situation is complex and has many sides to it.",
    "Stay tuned for more updates as this story continues to develop.",
    "Many readers have been following these events with great interest.",
    "There is no doubt that this will be talked about for a long time.",
    "As always, it is important to look at the bigger picture here.",
    "The implications of this could be felt far and wide in the coming months.",
    "It goes without saying that this is a significant moment for many.",
    "Whatever happens next, one thing is clear: people are paying attention.",
]

SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "big": "large", "large": "huge",
    "small": "little", "people": "individuals", "children": "kids", "help": "assist", "buy": "purchase",
    "start": "begin", "started": "began", "end": "finish", "ended": "finished", "show": "demonstrate",
    "shows": "demonstrates", "showed": "demonstrated", "use": "utilize", "used": "utilized",
    "important": "significant", "new": "fresh", "old": "aged", "make": "create", "made": "created",
    "get": "obtain", "got": "obtained", "give": "provide", "gave": "provided", "think": "believe",
    "thinks": "believes", "thought": "believed", "want": "wish", "wants": "wishes", "wanted": "wished",
    "need": "require", "needs": "requires", "needed": "required", "find": "discover", "found": "discovered",
    "try": "attempt", "tried": "attempted", "ask": "request", "asked": "requested", "very": "extremely",
    "also": "additionally", "but": "however", "about": "regarding", "many": "numerous", "lot": "great deal",
    "government": "administration", "country": "nation", "company": "firm", "job": "position",
    "jobs": "positions", "money": "funds", "car": "vehicle", "house": "home", "home": "residence",
    "city": "town", "world": "globe", "work": "labor", "worked": "labored", "went": "headed",
    "go": "head", "come": "arrive", "came": "arrived", "leave": "depart", "left": "departed",
    "plan": "scheme", "plans": "schemes", "problem": "issue", "problems": "issues", "change": "alter",
    "changes": "alterations", "report": "account", "reported": "disclosed", "hard": "difficult",
    "easy": "simple", "fast": "quick", "quickly": "rapidly", "often": "frequently", "later": "subsequently",
    "before": "prior to", "after": "following", "because": "since", "while": "whereas", "show's": "program's",
    "week": "seven days", "month": "four weeks", "year": "twelve months", "official": "representative",
    "officials": "representatives", "police": "law enforcement", "increase": "rise", "decrease": "decline",
    "announced": "declared", "recent": "latest", "likely": "probable", "major": "key", "main": "primary",
    "expected": "anticipated", "believe": "reckon", "support": "back", "supported": "backed",
    "issue": "matter", "group": "team", "groups": "teams", "include": "comprise", "including": "comprising",
    "number": "quantity", "around": "roughly", "almost": "nearly", "whole": "entire", "begin": "commence",
    "called": "termed", "keep": "retain", "kept": "retained", "allow": "permit", "allowed": "permitted",
}  # fmt: skip
_DROP = {"the", "that", "very", "really", "just"}
_WORD = re.compile(r"[A-Za-z']+")


def _sentences(text: str) -> list[str]:
    seg = segment(text)
    return [seg.sentence_text(i) for i in range(len(seg.sentences)) if len(seg.sentence_words[i]) >= 3]


def spin(text: str, rng: random.Random) -> str:
    """Swap synonyms, reorder clauses around a comma, drop some function words."""
    out = []
    for s in _sentences(text):

        def swap(m: re.Match[str]) -> str:
            w = m.group()
            low = w.lower()
            if low in SYNONYMS and rng.random() < 0.85:
                r = SYNONYMS[low]
                return r.capitalize() if w[0].isupper() else r
            return w

        s2 = _WORD.sub(swap, s)
        s2 = " ".join(w for w in s2.split(" ") if not (w.lower() in _DROP and rng.random() < 0.5))
        if ", " in s2 and rng.random() < 0.4 and s2.endswith("."):
            a, b = s2[:-1].split(", ", 1)
            if a and b:
                s2 = f"{b[0].upper()}{b[1:]}, {a[0].lower()}{a[1:]}."
        out.append(s2)
    return " ".join(out)


def make_copy(kind: str, text: str, other: str, rng: random.Random) -> str:
    """Make one copy of ``text``; ``other`` is an unrelated article (for partial copies)."""
    sents = _sentences(text)
    if kind == "exact":
        return text
    if kind == "partial":
        k = max(2, int(len(sents) * rng.uniform(0.3, 0.6)))
        start = rng.randrange(0, max(len(sents) - k, 0) + 1)
        part = sents[start : start + k]
        own = _sentences(other)
        # the copy: its own (unrelated) sentences around the copied run; the copied run
        # is >= 30% of the copy's characters.
        copied_chars = sum(len(s) for s in part)
        own_sel: list[str] = []
        for s in own:
            if copied_chars / (copied_chars + sum(len(x) for x in own_sel) + len(s)) < 0.35:
                break
            own_sel.append(s)
        cut = len(own_sel) // 2
        return "\n\n".join([" ".join(own_sel[:cut]), " ".join(part), " ".join(own_sel[cut:])]).strip()
    if kind == "shuffled":
        s2 = sents[:]
        rng.shuffle(s2)
        paras = [" ".join(s2[i : i + 3]) for i in range(0, len(s2), 3)]
        return "\n\n".join(paras)
    if kind == "spun":
        return spin(text, rng)
    if kind == "padded":
        out = []
        for i, s in enumerate(sents):
            out.append(s)
            if i % 2 == 1:
                out.append(rng.choice(FILLER))
        return " ".join(out)
    raise ValueError(kind)


def load(data_dir: Path, seed: int) -> list[tuple[str, str, str]]:
    """Return (id, outlet, text) of human news articles of 1,200-8,000 characters."""
    docs = []
    for name in ("news_human_allsides.jsonl", "news_human_bbc.jsonl"):
        with (data_dir / name).open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if (rec.get("meta") or {}).get("exact_duplicate_of"):
                    continue
                t = rec["text"]
                if 1200 <= len(t) <= 8000:
                    outlet = (rec.get("meta") or {}).get("outlet") or name.split("_")[2]
                    docs.append((str(rec["id"]), str(outlet), t))
    random.Random(seed).shuffle(docs)
    return docs


def _drop_existing_overlaps(docs: list[tuple[str, str, str]]) -> tuple[list[tuple[str, str, str]], int]:
    """Drop articles that already share passages or facts with another one (republished
    stories, follow-ups quoting the same paragraphs, one site's boilerplate), so that the
    only copies left are the ones made here. Returns the kept articles and how many were dropped."""
    idx = Index.memory()
    idx.add_many(Article(id=i, text=t, outlet=f"own{k}") for k, (i, _, t) in enumerate(docs))
    bad: set[str] = set()
    for k, (i, _, t) in enumerate(docs):
        if i not in bad:
            hits = idx.query(Article(id=i, text=t, outlet=f"own{k}"))
            if hits:
                bad.add(i)
                bad.update(h.id for h in hits)
    idx.close()
    return [d for d in docs if d[0] not in bad], len(bad)


def query_all(idx: Index, articles: list[Article], batch: bool) -> list[list[NearDuplicate]]:
    """Query every article: one by one with ``Index.query``, or with ``Index.query_many`` per 256."""
    if not batch:
        return [idx.query(a) for a in articles]
    return [hits for i in range(0, len(articles), 256) for hits in idx.query_many(articles[i : i + 256])]


def evaluate(
    data_dir: Path, n: int, n_distract: int, seed: int, *, clean: bool = True, batch: bool = False
) -> dict[str, dict[str, float]]:
    docs = load(data_dir, seed)[: 4 * n + n_distract]
    dropped = 0
    if clean:
        docs, dropped = _drop_existing_overlaps(docs)
    sources = docs[:n]
    distract = docs[n : n + n_distract]
    unrelated = docs[n + n_distract : n + n_distract + n]
    fillers = docs[n + n_distract + n : n + n_distract + 2 * n] or distract
    rng = random.Random(seed)
    results: dict[str, dict[str, float]] = {}
    for dated in (True, False):
        idx = Index.memory()
        t0 = time.perf_counter()
        idx.add_many(
            [
                Article(id=i, text=t, outlet=o, published="2020-01-01" if dated else None)
                for i, o, t in sources
            ]
            + [
                Article(id=i, text=t, outlet=o, published="2020-01-01" if dated else None)
                for i, o, t in distract
            ]
        )
        add_s = time.perf_counter() - t0
        kinds = KINDS if dated else ("partial", "spun", "padded")
        for kind in kinds:
            tp = fp = found = right_dir = wrong_dir = 0
            t0 = time.perf_counter()
            copies = [
                Article(
                    id=f"copy:{sid}",
                    text=make_copy(kind, text, fillers[j % len(fillers)][2], rng),
                    outlet="farm.example",
                    published="2020-02-01" if dated else None,
                )
                for j, (sid, _, text) in enumerate(sources)
            ]
            for (sid, _, _), hits in zip(sources, query_all(idx, copies, batch), strict=True):
                ok = [h for h in hits if h.id == sid]
                tp += len(ok)
                fp += len(hits) - len(ok)
                if ok:
                    found += 1
                    right_dir += ok[0].direction == "copied_from"
                    wrong_dir += ok[0].direction == "copied_by"
            q_s = time.perf_counter() - t0
            row = results.setdefault(kind, {})
            if dated:
                row.update(
                    precision=tp / (tp + fp) if tp + fp else 1.0,
                    recall=found / len(sources),
                    direction_dated=right_dir / found if found else 0.0,
                    queries_per_s=len(sources) / q_s,
                    false_matches=fp,
                )
            else:
                row["direction_inferred"] = right_dir / found if found else 0.0
                row["direction_inferred_wrong"] = wrong_dir / found if found else 0.0
        if dated:
            fp = sum(
                map(len, query_all(idx, [Article(id=i, text=t, outlet=o) for i, o, t in unrelated], batch))
            )
            results["unrelated"] = {"queries": len(unrelated), "false_matches": fp}
            results["_index"] = {
                "articles": len(idx),
                "add_per_s": len(idx) / add_s,
                "bytes_per_article": idx.size_bytes() / len(idx),
                "dropped_existing_overlaps": dropped,
            }
        idx.close()
    sheep = data_dir / "news_machine_sheepdog.jsonl"
    if sheep.is_file():
        results["llm-restyle"] = _sheepdog(sheep, distract, seed, batch)
    return results


def _sheepdog(path: Path, distract: list[tuple[str, str, str]], seed: int, batch: bool) -> dict[str, float]:
    groups: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: {"original": [], "farm": []})
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec.get("label") in ("original", "farm"):
                groups[rec["group"]][rec["label"]].append((str(rec["id"]), rec["text"]))
    pairs = [(g["original"][0], g["farm"]) for g in groups.values() if g["original"] and g["farm"]]
    idx = Index.memory()
    idx.add_many(
        [Article(id=o[0], text=o[1], outlet="orig.example", published="2020-01-01") for o, _ in pairs]
    )
    idx.add_many([Article(id=i, text=t, outlet=o, published="2020-01-01") for i, o, t in distract])
    tp = fp = found = total = 0
    queries = [
        (oid, Article(id=rid, text=rt, outlet="farm.example", published="2020-02-01"))
        for (oid, _), rewrites in pairs
        for rid, rt in rewrites
    ]
    for (oid, _), hits in zip(queries, query_all(idx, [a for _, a in queries], batch), strict=True):
        total += 1
        ok = sum(h.id == oid for h in hits)
        tp += ok
        fp += len(hits) - ok
        found += ok > 0
    idx.close()
    return {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": found / total if total else 0.0,
        "copies": total,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data-dir", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    ap.add_argument("--n", type=int, default=600, help="sources (and copies per kind)")
    ap.add_argument("--distractors", type=int, default=1500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ap.add_argument(
        "--keep-existing-overlaps",
        action="store_true",
        help="keep articles that already share passages with another one (their matches then count as false)",
    )
    ap.add_argument(
        "--batch",
        action="store_true",
        help="query with Index.query_many per 256 articles (results must not change)",
    )
    args = ap.parse_args(argv)
    res = evaluate(
        args.data_dir,
        args.n,
        args.distractors,
        args.seed,
        clean=not args.keep_existing_overlaps,
        batch=args.batch,
    )
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    print(f"index: {res['_index']}")
    print(
        "| copy kind | precision | recall | direction (dated) | direction inferred: right "
        "| inferred: wrong (rest unknown) | false matches |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in (*KINDS, "llm-restyle"):
        r = res.get(kind)
        if not r:
            continue
        di = r.get("direction_inferred")
        print(
            f"| {kind} | {r['precision']:.3f} | {r['recall']:.3f} "
            f"| {r.get('direction_dated', float('nan')):.3f} "
            f"| {'' if di is None else f'{di:.3f}'} "
            f"| {'' if di is None else format(r['direction_inferred_wrong'], '.3f')} "
            f"| {r.get('false_matches', '')} |"
        )
    print(
        f"| unrelated (not indexed) | | | | | "
        f"| {res['unrelated']['false_matches']} of {res['unrelated']['queries']} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
