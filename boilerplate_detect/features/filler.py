"""Family ``fill.``: generic filler sentences that would fit under any headline.

A sentence is *generic* when it carries nothing specific (no name, number, date or
quote, see :func:`is_specific`) and it is made of stock wording: it holds a phrase of
the curated lexicon (``filler_phrases.txt``, e.g. "only time will tell"), or, for
sentences of at least :data:`MIN_SKELETON_WORDS` words, its *skeleton* scores high.

The skeleton of a sentence keeps its stock words (the 1,500 or so words most used
across unrelated topics, learned from data) and replaces every other word by ``_``.
Skeleton trigrams that recur across many unrelated stories and outlets, and are
markedly more frequent in machine-written news than in human news, carry a positive
weight (``filler_skeletons.json``, built by ``scripts/build_filler_skeletons.py``).
A sentence's skeleton score is the mean weight of its trigrams; at or above the
shipped threshold (the 95th percentile of non-specific human news sentences) a
non-specific sentence is generic.

Spans: kind ``filler`` over every generic sentence, detail = the lexicon phrase or
``"generic"``.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from importlib import resources as _resources
from itertools import pairwise, repeat

from boilerplate_detect.errors import ModelLoadError
from boilerplate_detect.features import Context, FamilyResult, RawSpan
from boilerplate_detect.text import Segmented

__all__ = [
    "NAMES",
    "PREFIX",
    "RANGES",
    "FillerResources",
    "extract",
    "is_specific",
    "load",
    "load_phrases",
    "load_skeletons",
    "sentence_scores",
    "skeleton",
]

logger = logging.getLogger(__name__)

PREFIX = "fill."
NAMES: tuple[str, ...] = (
    "fill.generic_sentence_frac",
    "fill.generic_char_frac",
    "fill.lexicon_hit_rate",
    "fill.skeleton_score_mean",
    "fill.max_generic_run",
    "fill.nonspecific_para_frac",
    "fill.nonspecific_sentence_frac",
)
RANGES: tuple[tuple[float, float], ...] = (
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 5.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
)

#: Sentences with fewer words are neither generic nor counted in the sentence fractions.
MIN_SENTENCE_WORDS = 4
#: Shorter sentences are generic only through a lexicon phrase (too few trigrams to judge).
MIN_SKELETON_WORDS = 8
#: Paragraphs with fewer words are not counted in ``fill.nonspecific_para_frac``.
MIN_PARAGRAPH_WORDS = 12
#: ``fill.max_generic_run`` is the longest run of generic sentences divided by this (capped at 1).
RUN_NORM = 5
#: Skeleton n-gram length.
SKELETON_N = 3
#: Placeholder for a word outside the stock vocabulary.
OTHER = "_"

_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = b"0123456789"


def _data_text(name: str) -> str:
    try:
        return _resources.files("boilerplate_detect").joinpath("data").joinpath(name).read_text("utf-8")
    except OSError as exc:
        raise ModelLoadError(
            f"package data file {name!r} of boilerplate_detect is missing or unreadable ({exc}); "
            "reinstall the package"
        ) from exc


def load_phrases(text: str | None = None) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """Parse the filler lexicon into phrases keyed by their first two words.

    Args:
        text: The lexicon's content; None reads the package's ``filler_phrases.txt``.

    Returns:
        ``{(first_word, second_word): [phrase_words, ...]}``, the longer phrases first.

    Raises:
        ModelLoadError: When a phrase has fewer than two words.
    """
    text = _data_text("filler_phrases.txt") if text is None else text
    out: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for raw in text.splitlines():
        line = raw.strip().lower()
        if not line or line.startswith("#"):
            continue
        words = tuple(re.findall(r"[^\W_]+(?:'[^\W_]+)*", line))
        if len(words) < 2:
            raise ModelLoadError(
                f"filler phrase {raw.strip()!r} has fewer than two words; lengthen or drop it"
            )
        out.setdefault((words[0], words[1]), []).append(words)
    for v in out.values():
        v.sort(key=len, reverse=True)
    return out


@dataclass(frozen=True, slots=True)
class Skeletons:
    """The learned skeleton statistics (see ``scripts/build_filler_skeletons.py``).

    Attributes:
        vocab: The stock words kept in skeletons.
        weights: Weight of every known skeleton trigram (words joined by spaces).
        threshold: Skeleton score at or above which a non-specific sentence is generic.
    """

    vocab: frozenset[str]
    weights: dict[tuple[str, ...], float]
    threshold: float


def load_skeletons(text: str | None = None) -> Skeletons:
    """Load the skeleton statistics.

    Args:
        text: The JSON text; None reads the package's ``filler_skeletons.json``.

    Returns:
        The statistics.

    Raises:
        ModelLoadError: When the file is not valid or of another n-gram length.
    """
    text = _data_text("filler_skeletons.json") if text is None else text
    try:
        d = json.loads(text)
        if int(d["n"]) != SKELETON_N:
            raise ModelLoadError(
                f"filler_skeletons.json holds {d['n']}-grams, this build uses {SKELETON_N}-grams; "
                "rebuild it with scripts/build_filler_skeletons.py"
            )
        vocab = frozenset(str(w) for w in d["vocab"])
        weights = {tuple(str(k).split(" ")): float(v) for k, v in d["weights"].items()}
        threshold = float(d["threshold"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(
            f"filler_skeletons.json is malformed ({exc!r}); rebuild it with scripts/build_filler_skeletons.py"
        ) from exc
    return Skeletons(vocab, weights, threshold)


@dataclass(frozen=True, slots=True)
class FillerResources:
    """What the ``fill.`` family loads once per Detector.

    Attributes:
        phrases: The lexicon (:func:`load_phrases`).
        first_words: The first two words of every phrase (a quick pre-filter).
        skeletons: The learned skeleton statistics (:func:`load_skeletons`).
    """

    phrases: dict[tuple[str, str], list[tuple[str, ...]]]
    first_words: frozenset[tuple[str, str]]
    skeletons: Skeletons


def load() -> FillerResources:
    """Load the lexicon and the skeleton statistics from package data.

    Returns:
        The family's resources.
    """
    phrases = load_phrases()
    return FillerResources(phrases, frozenset(phrases), load_skeletons())


def skeleton(words: list[str], vocab: frozenset[str]) -> list[str]:
    """Map a sentence's words to its skeleton.

    Args:
        words: Lower-cased word tokens.
        vocab: The stock words to keep.

    Returns:
        One token per word: the word itself when it is a stock word, :data:`OTHER` otherwise.
    """
    return [w if w in vocab else OTHER for w in words]


def is_specific(text: str, start: int, end: int) -> bool:
    """Tell whether ``text[start:end]`` names something: a digit, a quote, a name or acronym.

    The check is deliberately simple and fast (byte counts, no tokenising): a sentence is
    specific when it holds a digit or a double quote, or more than one upper-case letter
    besides the pronoun "I" (a name, an acronym, a month or a weekday after the initial capital).

    Args:
        text: The normalised text.
        start: Start offset of the sentence.
        end: End offset of the sentence.

    Returns:
        True when the span holds something specific.
    """
    b = text[start:end].encode()
    if b'"' in b or len(b.translate(None, _DIGITS)) != len(b):
        return True
    upper = len(b) - len(b.translate(None, _UPPER))
    if upper <= 1:
        return False
    return upper - b.count(b" I ") - b.count(b" I'") > 1


def _phrase(
    words: list[str], phrases: dict[tuple[str, str], list[tuple[str, ...]]], first: frozenset[tuple[str, str]]
) -> str:
    bigrams = list(pairwise(words))
    if first.isdisjoint(bigrams):
        return ""
    n = len(words)
    for i, bg in enumerate(bigrams):
        cands = phrases.get(bg)
        if cands is None:
            continue
        for p in cands:
            k = len(p)
            if i + k <= n and tuple(words[i : i + k]) == p:
                return " ".join(p)
    return ""


def sentence_scores(seg: Segmented, res: FillerResources) -> list[tuple[float, bool, str]]:
    """Score every sentence of a text.

    Args:
        seg: The segmented text.
        res: What :func:`load` returned.

    Returns:
        For every sentence ``(skeleton_score, specific, phrase)``: whether it names
        something (:func:`is_specific`); for non-specific sentences the mean weight of its
        skeleton trigrams and the first lexicon phrase it holds (0.0 and ``""`` for specific
        sentences and sentences of fewer than three words).
    """
    vocab = res.skeletons.vocab
    get = res.skeletons.weights.get
    text = seg.text
    out: list[tuple[float, bool, str]] = []
    for (s, e), ws in zip(seg.sentences, seg.sentence_words, strict=True):
        spec = is_specific(text, s, e)
        if spec or len(ws) < SKELETON_N:
            out.append((0.0, spec, ""))
            continue
        sk = skeleton(ws, vocab)
        grams = len(ws) - SKELETON_N + 1
        score = sum(map(get, zip(sk, sk[1:], sk[2:], strict=False), repeat(0.0))) / grams
        out.append((score, spec, _phrase(ws, res.phrases, res.first_words)))
    return out


def extract(seg: Segmented, res: object, ctx: Context) -> FamilyResult:
    """Compute the ``fill.`` features and filler spans of one text.

    Features (all 0.0 on empty text; sentences of fewer than :data:`MIN_SENTENCE_WORDS`
    words are left out of the sentence fractions):

    * ``generic_sentence_frac``: share of sentences that are generic, [0, 1];
    * ``generic_char_frac``: share of sentence characters in generic sentences, [0, 1];
    * ``lexicon_hit_rate``: share of sentences that hold a lexicon phrase and name nothing, [0, 1];
    * ``skeleton_score_mean``: mean skeleton score of the non-specific sentences, [0, 5];
    * ``max_generic_run``: longest run of consecutive generic sentences / :data:`RUN_NORM`,
      capped at 1;
    * ``nonspecific_para_frac``: share of paragraphs (of at least :data:`MIN_PARAGRAPH_WORDS`
      words) without any name, number, date or quote, [0, 1];
    * ``nonspecific_sentence_frac``: share of sentences without any, [0, 1].

    Args:
        seg: The segmented text.
        res: What :func:`load` returned (a :class:`FillerResources`).
        ctx: Unused (the family reads the text only).

    Returns:
        The values in :data:`NAMES` order and one ``filler`` span per generic sentence.
    """
    assert isinstance(res, FillerResources)
    scores = sentence_scores(seg, res)
    thr = res.skeletons.threshold
    spans: list[RawSpan] = []
    n = chars = g_chars = generic = hits = nonspec = 0
    run = best_run = 0
    score_sum = 0.0
    para_words: dict[int, int] = {}
    para_spec: dict[int, bool] = {}
    line_para = seg.line_paragraph
    for i, ((s, e), ws, (score, spec, phrase)) in enumerate(
        zip(seg.sentences, seg.sentence_words, scores, strict=True)
    ):
        p = line_para[seg.sentence_line[i]]
        para_words[p] = para_words.get(p, 0) + len(ws)
        para_spec[p] = para_spec.get(p, False) or spec
        if len(ws) < MIN_SENTENCE_WORDS:
            continue
        n += 1
        chars += e - s
        score_sum += score
        hits += phrase != ""
        nonspec += not spec
        if not spec and (phrase or (score >= thr and len(ws) >= MIN_SKELETON_WORDS)):
            generic += 1
            g_chars += e - s
            run += 1
            best_run = max(best_run, run)
            spans.append(RawSpan(s, e, "filler", phrase or "generic"))
        else:
            run = 0
    big = [p for p, c in para_words.items() if c >= MIN_PARAGRAPH_WORDS]
    if n == 0:
        values: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)
    else:
        values = (
            generic / n,
            g_chars / chars,
            hits / n,
            score_sum / nonspec if nonspec else 0.0,
            min(1.0, best_run / RUN_NORM),
        )
    values += (
        sum(1 for p in big if not para_spec[p]) / len(big) if big else 0.0,
        nonspec / n if n else 0.0,
    )
    return FamilyResult(values, spans)
