"""The benchmark corpus: news texts from ``../shared/data``, or generated text when that is absent.

The texts are held in memory only; nothing from the data directory is written
into the repository (RESULTS.md and results.json carry figures, never text).

* :func:`load_base` reads the labelled news files once (BBC, AllSides, SheepDog,
  XSum), keeping texts between :data:`MIN_CHARS` and :data:`MAX_CHARS` characters.
* :func:`iter_docs` streams ``n`` articles. When ``n`` exceeds the base set the
  base is cycled, and every later cycle is a *variant*: its paragraphs are
  shuffled with a seeded generator and it is attributed to another outlet, so the
  larger sizes hold realistic cross-outlet near-copies rather than exact
  duplicates. The stream is lazy, so the scale benchmark's peak memory is the
  pipeline's, not the corpus'.
* :func:`generate_text` makes an English-like article from a small built-in
  vocabulary (used when the data directory is absent, e.g. in CI).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import xxhash

#: The project root (this file lives in ``<root>/benchmarks``).
ROOT = Path(__file__).resolve().parents[1]
#: Where the shared data lives by default: ``<root>/../shared/data``.
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data"
#: The labelled news files the throughput corpus is drawn from.
NEWS_FILES = (
    "news_human_bbc.jsonl",
    "news_human_allsides.jsonl",
    "news_machine_sheepdog.jsonl",
    "news_machine_xsum.jsonl",
)
#: Texts shorter than this are left out of the throughput corpus.
MIN_CHARS = 1_500
#: Texts longer than this are left out of the throughput corpus.
MAX_CHARS = 12_000


@dataclass(frozen=True, slots=True)
class Doc:
    """One benchmark article."""

    id: str
    text: str
    outlet: str
    label: str = "unknown"
    group: str = ""

    def to_mapping(self) -> dict[str, str]:
        """Return the record the Detector and the CLI take."""
        return {"id": self.id, "text": self.text, "outlet": self.outlet}


@dataclass(frozen=True, slots=True)
class Base:
    """The texts a corpus is drawn from and where they came from."""

    docs: tuple[Doc, ...]
    origin: str  # "data" or "generated"
    data_dir: str | None


def _outlet(rec: dict[str, object]) -> str:
    meta = rec.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    source = str(rec.get("source", ""))
    if source.startswith("allsides"):
        return str(meta.get("outlet_domain") or meta.get("outlet") or "allsides")
    if source.startswith("bbc"):
        return "bbc.co.uk"
    if source == "sheepdog":
        return f"sheepdog-{meta.get('dataset', 'x')}"
    if "xsum" in source:
        return f"xsum-{meta.get('model', 'x')}"
    return source or "unknown"


def load_base(data_dir: Path | str | None = None, *, seed: int = 0) -> Base:
    """Read the news texts once per process (see :func:`read_base`)."""
    key = (str(data_dir) if data_dir is not None else None, seed)
    if key not in _BASE_CACHE:
        _BASE_CACHE[key] = read_base(data_dir, seed=seed)
    return _BASE_CACHE[key]


#: The benchmark process reads the data once; sections share it (never used by the package).
_BASE_CACHE: dict[tuple[str | None, int], Base] = {}


def read_base(data_dir: Path | str | None = None, *, seed: int = 0) -> Base:
    """Read the news texts from ``data_dir``; fall back to generated text when it is absent.

    Args:
        data_dir: The shared data directory; None for generated text.
        seed: Seeds the shuffle of the base texts (and the generator, if used).

    Returns:
        The base texts, shuffled deterministically.
    """
    path = Path(data_dir) if data_dir is not None else None
    files = [path / f for f in NEWS_FILES if (path / f).is_file()] if path is not None else []
    if path is None or not files:
        return Base(tuple(generated_docs(2_000, seed=seed)), "generated", None)
    docs: list[Doc] = []
    seen: set[bytes] = set()
    for f in files:
        with f.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                text = rec.get("text")
                if not isinstance(text, str) or not MIN_CHARS <= len(text) <= MAX_CHARS:
                    continue
                digest = xxhash.xxh64_digest(text.encode("utf-8"))
                if digest in seen:
                    continue
                seen.add(digest)
                docs.append(
                    Doc(
                        id=str(rec.get("id")),
                        text=text,
                        outlet=_outlet(rec),
                        label=str(rec.get("label", "unknown")),
                        group=str(rec.get("group", "")),
                    )
                )
    random.Random(seed).shuffle(docs)
    return Base(tuple(docs), "data", str(path))


def resolve_data_dir(arg: Path | str | None) -> Path | None:
    """Return the data directory to use: ``arg``, else the default one, or None when absent."""
    path = Path(arg) if arg is not None else DEFAULT_DATA_DIR
    return path if any((path / f).is_file() for f in NEWS_FILES) else None


def variant(doc: Doc, cycle: int) -> Doc:
    """Return a paragraph-shuffled copy of ``doc`` attributed to another outlet (deterministic)."""
    rng = random.Random(xxhash.xxh64_intdigest(f"{doc.id}#{cycle}".encode()))
    paras = [p for p in doc.text.split("\n\n") if p.strip()]
    if len(paras) < 3:  # single-block texts: shuffle lines, or sentences as a last resort
        paras = [p for p in doc.text.split("\n") if p.strip()]
        sep = "\n"
    else:
        sep = "\n\n"
    if len(paras) < 3:
        paras = [s.strip() + "." for s in doc.text.split(". ") if s.strip()]
        sep = " "
    head, rest = paras[:1], paras[1:]
    rng.shuffle(rest)
    return Doc(
        id=f"{doc.id}~v{cycle}",
        text=sep.join(head + rest),
        outlet=f"{doc.outlet}~mirror{cycle}",
        label=doc.label,
        group=doc.group,
    )


def iter_docs(n: int, base: Base) -> Iterator[Doc]:
    """Stream ``n`` articles from ``base``, cycling with shuffled variants past its end.

    Args:
        n: How many articles.
        base: What :func:`load_base` returned.

    Yields:
        ``n`` articles; the first ``len(base.docs)`` are the base texts unchanged.
    """
    docs = base.docs
    for i in range(n):
        cycle, j = divmod(i, len(docs))
        yield docs[j] if cycle == 0 else variant(docs[j], cycle)


def take(n: int, base: Base) -> list[Doc]:
    """Return ``n`` articles as a list (see :func:`iter_docs`)."""
    return list(iter_docs(n, base))


def describe(docs: Sequence[Doc]) -> dict[str, float | int]:
    """Return count, total UTF-8 bytes and mean bytes per article."""
    total = sum(len(d.text.encode("utf-8")) for d in docs)
    return {
        "articles": len(docs),
        "bytes": total,
        "mean_bytes": round(total / max(len(docs), 1), 1),
        "outlets": len({d.outlet for d in docs}),
    }


# --- generated text ------------------------------------------------------------------------------

_FUNCTION_TEXT = """
the the the the of of of to to to and and and a a in in is was that for on it with as by at from
be has have had are were said this an not but which their its after will would who also more
than been about they one two new over into his her year years last
"""
_CONTENT_TEXT = """
council government minister police report company market city people week month officials plan
budget court school health service workers election vote party leader police station hospital
bank price prices rate rates growth industry energy water road bridge project agreement deal
talks statement spokesman spokeswoman director chairman committee inquiry figures data survey
study research team club match season players coach league title festival film music album award
show museum exhibition gallery village town county region state country border trade exports
imports jobs unemployment inflation economy investors shares profit losses revenue sales
customers users software network phone computer internet security attack fire flood storm
weather rain traffic train airport flight passengers residents families children students
teachers parents doctors nurses patients staff union strike pay pension tax spending cuts
funding scheme policy law bill reform plans proposal decision ruling judge trial case charges
arrest investigation evidence witness victim announced confirmed warned expected reported
described called added told urged rejected approved opened closed rose fell increased reduced
launched planned agreed signed claimed local national public private senior former chief main
major small large early late recent annual local regional international independent official
significant key further
"""
_FUNCTION = tuple(_FUNCTION_TEXT.split())
_CONTENT = tuple(_CONTENT_TEXT.split())
_NAMES_TEXT = (
    "Anne Berg|Tom Okafor|Maria Lind|David Chen|Sara Novak|James Patel|Lucy Moreau|Peter Haas|N"
    "ina Costa|Omar Reyes|Eva Kowalski|Paul Brandt|Ines Duarte|Karl Meyer|Rosa Vidal"
)
_NAMES = tuple(_NAMES_TEXT.split("|"))
_PLACES_TEXT = "Northfield|Easton|Riverside|Lakeport|Westbury|Hillcrest|Marston|Oakridge|Brookvale"
_PLACES = tuple(_PLACES_TEXT.split("|"))


def _sentence(rng: random.Random) -> str:
    k = rng.randint(8, 28)
    words = [rng.choice(_FUNCTION) if rng.random() < 0.45 else rng.choice(_CONTENT) for _ in range(k)]
    r = rng.random()
    if r < 0.15:
        words.insert(rng.randrange(len(words)), rng.choice(_PLACES))
    elif r < 0.25:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 980)}")
    text = " ".join(words)
    if rng.random() < 0.2:
        text = f'"{text[0].upper()}{text[1:]}," said {rng.choice(_NAMES)}'
    else:
        text = text[0].upper() + text[1:]
    return text + "."


def generate_text(rng: random.Random, *, target_chars: int = 3_700) -> str:
    """Return an English-like article of about ``target_chars`` characters.

    Args:
        rng: The seeded generator to draw from.
        target_chars: Approximate length.

    Returns:
        A headline line, a blank line and paragraphs of two to four sentences.
    """
    head = _sentence(rng).rstrip(".").title()
    paras: list[str] = []
    size = len(head)
    while size < target_chars:
        para = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
        paras.append(para)
        size += len(para) + 2
    return head + "\n\n" + "\n\n".join(paras)


def generated_docs(n: int, *, seed: int = 0) -> Iterator[Doc]:
    """Yield ``n`` generated articles spread over 40 made-up outlets."""
    rng = random.Random(seed)
    for i in range(n):
        text = generate_text(rng, target_chars=rng.randint(1_500, 6_000))
        yield Doc(id=f"gen-{i}", text=text, outlet=f"outlet{i % 40}.example", label="unknown")
