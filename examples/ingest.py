"""A restartable ingestion consumer: score a feed against a persistent index, exactly once.

Every article is checked against the index of everything ingested before it and
then added to it, so a later copy names the earlier article as its source. The
checkpoint makes the consumer restartable: stop it at any point (Ctrl-C, a
crash, ``--stop-after``) and run it again; it continues after the last committed
batch, and the output has every article exactly once.

    python examples/ingest.py examples/articles.jsonl --state /tmp/ingest
    python examples/ingest.py examples/articles.jsonl --state /tmp/ingest --stop-after 3   # "crash"
    python examples/ingest.py examples/articles.jsonl --state /tmp/ingest                   # resumes

``--index redis://localhost:6379/0`` shares the index between several consumers
(give each its own ``--state``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from boilerplate_detect import Detector, Index
from boilerplate_detect.stream import StreamScorer

HERE = Path(__file__).resolve().parent


def read_feed(path: Path, stop_after: int | None) -> Iterator[dict[str, Any]]:
    """The feed: one JSON object per line. ``stop_after`` simulates a consumer that dies."""
    with path.open(encoding="utf-8") as f:
        for i, line in enumerate(f):
            if stop_after is not None and i == stop_after:
                raise SystemExit(f"simulated crash before record {i}; run again to resume")
            if line.strip():
                yield json.loads(line)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("feed", nargs="?", type=Path, default=HERE / "articles.jsonl", help="JSONL feed")
    p.add_argument(
        "--state", type=Path, default=Path("ingest-state"), help="directory for index, checkpoint, output"
    )
    p.add_argument("--index", help="index path or redis:// URL (default: STATE/crawl.idx)")
    p.add_argument("--batch-size", type=int, default=4, help="records per committed batch")
    p.add_argument("--stop-after", type=int, help="simulate a crash before this record")
    args = p.parse_args(argv)

    args.state.mkdir(parents=True, exist_ok=True)
    out = args.state / "scored.jsonl"
    with Index.open(args.index or args.state / "crawl.idx") as idx:
        scorer = StreamScorer(
            Detector.load(), idx, args.state / "checkpoint.json", batch_size=args.batch_size
        )
        print(f"resuming after {scorer.offset} committed records; index holds {len(idx)} articles")
        n = scorer.run(read_feed(args.feed, args.stop_after), out)
        print(f"scored {n} new records; {scorer.offset} committed in total -> {out}")

    for line in out.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        sources = [d["id"] for d in r["near_duplicates"] if d["direction"] == "copied_from"]
        print(
            f"{r['id']:<24} {r['label']:<8} originality {r['originality']:.2f}"
            + (f"  copied from {', '.join(sources)}" if sources else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
