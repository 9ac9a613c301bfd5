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
from dataclasses import dataclass, field
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


def _class_tables() -> tuple[bytes, bytes]:
    """The two byte translations of :func:`_specific_flags`.

    In the first, digits and double quotes become ``#``; ``I``, the space and the apostrophe
    stay themselves (the pronoun test looks for ``" I "`` and ``" I'"``); every other byte
    becomes ``.``. In the second, every upper-case letter becomes ``A`` and every other
    byte ``.``.
    """
    marks = bytearray(b"." * 256)
    for c in _DIGITS + b'"':
        marks[c] = ord("#")
    for c in b"I '":
        marks[c] = c
    upper = bytearray(b"." * 256)
    for c in _UPPER:
        upper[c] = ord("A")
    return bytes(marks), bytes(upper)


_MARKS, _UPPER_MARKS = _class_tables()


def _specific_flags(text: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Return ``[is_specific(text, start, end) for start, end in spans]``, fast.

    The text is translated once into byte classes (:func:`_class_tables`), one byte per
    character: a non-ASCII character (never a digit, double quote, upper-case ASCII letter,
    space or apostrophe, and none of its UTF-8 bytes is one) becomes ``?`` and then ``.``,
    so offsets into ``text`` are offsets into the classes. ``bytes.find``/``bytes.count``
    with ``start``/``end`` bounds then count as in a copy of the span, without the copy.
    The spans must be in range (``0 <= start <= end <= len(text)``).
    """
    raw = text.encode("ascii", "replace")
    marks = raw.translate(_MARKS)
    find, count = marks.find, marks.count
    count_upper = raw.translate(_UPPER_MARKS).count
    pronoun = b" I" in marks  # else no span holds " I " or " I'"
    out: list[bool] = []
    for s, e in spans:
        if find(b"#", s, e) >= 0:
            out.append(True)
        else:
            upper = count_upper(b"A", s, e)
            out.append(upper > 1 and (not pronoun or upper - count(b" I ", s, e) - count(b" I'", s, e) > 1))
    return out


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
        stock: Every word of ``vocab`` mapped to itself (derived, for a quick
            ``stock.get(word, OTHER)`` per word).
    """

    vocab: frozenset[str]
    weights: dict[tuple[str, ...], float]
    threshold: float
    stock: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stock", {w: w for w in self.vocab})


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
    sentence = text[start:end]
    return _specific_flags(sentence, [(0, len(sentence))])[0]


def _phrase(
    words: list[str], phrases: dict[tuple[str, str], list[tuple[str, ...]]], first: frozenset[tuple[str, str]]
) -> str:
    if first.isdisjoint(pairwise(words)):  # most sentences: no phrase starts here
        return ""
    n = len(words)
    for i, bg in enumerate(pairwise(words)):
        cands = phrases.get(bg)
        if cands is None:
            continue
        for p in cands:
            k = len(p)
            if i + k <= n and tuple(words[i : i + k]) == p:
                return " ".join(p)
    return ""


def _skeleton_score(words: list[str], skeletons: Skeletons) -> float:
    """Mean weight of the skeleton trigrams of a sentence of at least :data:`SKELETON_N` words."""
    sk = list(map(skeletons.stock.get, words, repeat(OTHER)))  # skeleton(words, skeletons.vocab)
    grams = len(words) - SKELETON_N + 1
    return sum(map(skeletons.weights.get, zip(sk, sk[1:], sk[2:], strict=False), repeat(0.0))) / grams


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
    out: list[tuple[float, bool, str]] = []
    specific = _specific_flags(seg.text, seg.sentences)
    for spec, ws in zip(specific, seg.sentence_words, strict=True):
        if spec or len(ws) < SKELETON_N:
            out.append((0.0, spec, ""))
            continue
        out.append((_skeleton_score(ws, res.skeletons), spec, _phrase(ws, res.phrases, res.first_words)))
    return out


def _nonspecific_para_frac(seg: Segmented, specific: list[bool]) -> float:
    """``fill.nonspecific_para_frac`` from the :func:`_specific_flags` of the sentences."""
    if len(seg.paragraphs) == 1:  # most texts: one paragraph of all the words
        return 1.0 if len(seg.words) >= MIN_PARAGRAPH_WORDS and True not in specific else 0.0
    n_paras = len(seg.paragraphs)
    para_words = [0] * n_paras
    para_spec = [False] * n_paras
    line_para = seg.line_paragraph
    for line, ws, spec in zip(seg.sentence_line, seg.sentence_words, specific, strict=True):
        p = line_para[line]
        para_words[p] += len(ws)
        if spec:
            para_spec[p] = True
    big = [spec for words, spec in zip(para_words, para_spec, strict=True) if words >= MIN_PARAGRAPH_WORDS]
    return big.count(False) / len(big) if big else 0.0


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

    The sentences are scored as by :func:`sentence_scores`, in the same pass (only the
    non-specific sentences of at least :data:`MIN_SENTENCE_WORDS` words get a skeleton
    score and a lexicon look-up).

    Args:
        seg: The segmented text.
        res: What :func:`load` returned (a :class:`FillerResources`).
        ctx: Unused (the family reads the text only).

    Returns:
        The values in :data:`NAMES` order and one ``filler`` span per generic sentence.
    """
    assert isinstance(res, FillerResources)
    skeletons = res.skeletons
    thr = skeletons.threshold
    phrases, first = res.phrases, res.first_words
    stock, weights = skeletons.stock.get, skeletons.weights.get
    specific = _specific_flags(seg.text, seg.sentences)
    spans: list[RawSpan] = []
    n = chars = g_chars = generic = hits = nonspec = 0
    run = best_run = 0
    score_sum = 0.0
    for (s, e), ws, spec in zip(seg.sentences, seg.sentence_words, specific, strict=True):
        n_words = len(ws)
        if n_words < MIN_SENTENCE_WORDS:
            continue
        n += 1
        chars += e - s
        if spec:  # score 0.0 and no phrase: adds nothing to the sums
            run = 0
            continue
        nonspec += 1
        sk = list(map(stock, ws, repeat(OTHER)))  # as _skeleton_score, inlined
        score = sum(map(weights, zip(sk, sk[1:], sk[2:], strict=False), repeat(0.0))) / (
            n_words - SKELETON_N + 1
        )
        phrase = _phrase(ws, phrases, first)
        score_sum += score
        if phrase:
            hits += 1
        if phrase or (score >= thr and n_words >= MIN_SKELETON_WORDS):
            generic += 1
            g_chars += e - s
            run += 1
            best_run = max(best_run, run)
            spans.append(RawSpan(s, e, "filler", phrase or "generic"))
        else:
            run = 0
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
    values += (_nonspecific_para_frac(seg, specific), nonspec / n if n else 0.0)
    return FamilyResult(values, spans)
