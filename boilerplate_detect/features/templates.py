"""Family ``tmpl.``: page chrome, calls to action and template blocks, line by line.

Every line of the text gets a probability of being boilerplate from a small
gradient-boosted tree model (package data ``line_model.json``: the trees as flat
arrays, evaluated with numpy, no pickle; trained by
``scripts/train_line_classifier.py`` on real pages whose article body is known).
It reads the line itself (words, characters, sentence end, case, function-word
and digit rates, commas, sentences, separators, URL markers, pattern hits, how
often the same line recurs in the text), its place in the text (position, words
before it, paragraph size, distance to the densest region) and its
neighbourhood (the previous and next line and the mean over windows of 3, 6 and
12 lines around it), so short lines between body paragraphs read as body and
runs of short lines as chrome, as in jusText's context-sensitive pass.

On top of the learned model, documented rules from ``chrome_patterns.txt`` mark
template blocks the training pages do not show: Key Points and FAQ blocks, calls to
action ("Follow ... on Google News", "Subscribe to our newsletter"), copyright and
disclaimer lines. Two guards keep the model from flagging real articles: a line
that ends as a sentence (three words or more) needs a probability of at least
:data:`GUARD_PROB`, and a line is flagged by the model alone only next to another
flagged or pattern-matched line (page chrome comes in clusters; a lone subheading
or question in a news text does not).

Site level: when articles of one outlet are scored together, the Detector counts
the :func:`line_keys` they share (``Context.site_lines``); a short line present in
at least :data:`SITE_MIN_OTHERS` other articles of the outlet, and in at least
:data:`SITE_MIN_SHARE` of them, is a template line.

Cost: only the first :data:`MAX_MODEL_LINES` lines are classified (features, model,
patterns, blocks, site repeats); later lines are never flagged but still count in the
line and character totals, so a hostile text of hundreds of thousands of one-word
lines costs about a tenth of a second instead of seconds.

Spans: kind ``boilerplate`` for page chrome, kind ``template`` for template blocks,
calls to action, copyright/disclaimer lines and lines repeated across the site.
"""

from __future__ import annotations

import bisect
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources as _resources
from typing import Any

import numpy as np
import numpy.typing as npt
import xxhash

from boilerplate_detect.errors import ModelLoadError
from boilerplate_detect.features import Context, FamilyResult, RawSpan
from boilerplate_detect.report import SpanKind
from boilerplate_detect.text import Segmented

__all__ = [
    "LINE_FEATURES",
    "NAMES",
    "PREFIX",
    "RANGES",
    "LineModel",
    "Patterns",
    "TemplateResources",
    "classify_lines",
    "extract",
    "line_features",
    "line_keys",
    "load",
    "load_line_model",
    "load_patterns",
]

logger = logging.getLogger(__name__)

PREFIX = "tmpl."
NAMES: tuple[str, ...] = (
    "tmpl.boilerplate_line_frac",
    "tmpl.boilerplate_char_frac",
    "tmpl.template_line_frac",
    "tmpl.template_char_frac",
    "tmpl.mean_line_prob",
    "tmpl.chrome_lines",
    "tmpl.cta_lines",
    "tmpl.faq_block",
    "tmpl.key_points_block",
    "tmpl.copyright_line",
    "tmpl.disclaimer_line",
    "tmpl.site_repeat_line_frac",
    "tmpl.short_line_frac",
)
RANGES: tuple[tuple[float, float], ...] = (
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 50.0),
    (0.0, 20.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
    (0.0, 1.0),
)

#: Lines longer than this many words get no site key (they are body paragraphs).
LINE_KEY_MAX_WORDS = 30
#: A line is a site template line when at least this many other articles of the outlet have it ...
SITE_MIN_OTHERS = 2
#: ... and at least this share of the other articles of the outlet seen with it.
SITE_MIN_SHARE = 0.3
#: Lines with a model probability at or above this are boilerplate (the model file may override).
DEFAULT_THRESHOLD = 0.5
#: A line ending as a sentence (3+ words, no pattern hit) is boilerplate only at this probability or above.
GUARD_PROB = 0.9
#: Anchored (whole-line) patterns are only tried on lines of at most this many words.
ANCHORED_MAX_WORDS = 20
#: When True, the model alone flags a line only next to another flagged or pattern-matched line.
ISOLATED_GUARD = True
#: Pattern matching is skipped on lines longer than this many words (chrome lines are short).
PATTERN_MAX_WORDS = 60
#: A Key Points / FAQ block that follows its heading as separate paragraphs spans at most this many lines.
BLOCK_MAX_LINES = 20
#: ... and stops at the first line longer than this many words.
BLOCK_MAX_WORDS = 40
#: Separator and URL features are computed on lines of at most this many words (0 on longer ones).
SHORT_FEATURE_WORDS = 25
#: Lines with at most this many words count as short for ``tmpl.short_line_frac``.
SHORT_LINE_WORDS = 5
#: The function-word rate of a line is read from its first this many words.
STOP_SAMPLE_WORDS = 40
#: Only the first this many lines of a text are classified (model, patterns, blocks, site
#: repeats); later lines are never flagged. Bounds the cost of hostile texts made of
#: hundreds of thousands of tiny lines; news articles have a few dozen lines.
MAX_MODEL_LINES = 2_000

#: Names of the stage-one line features, in model order.
# Per-line values that also get neighbour features, and the windows of their means.
_CONTEXT = ("log_words", "ends_sentence", "stop_frac", "log_repeats", "log_sentences")
_WINDOWS = (3, 6, 12)
#: Names of the per-line features the line model reads, in model order: the line itself,
#: its place in the text, then its neighbourhood (``@-1``/``@1``: the value of the previous
#: / next line, 0 at the ends; ``~k``: the mean over lines i-k..i+k, line i included).
LINE_FEATURES: tuple[str, ...] = (
    "log_words",
    "log_chars",
    "log_chars_per_word",
    "ends_sentence",
    "ends_colon",
    "upper_per_word",
    "stop_frac",
    "digit_frac",
    "comma_per_word",
    "log_sentences",
    "log_repeats",
    "has_separator",
    "starts_bullet",
    "has_url",
    "pat_chrome",
    "pat_cta",
    "pat_legal",
    "pat_heading",
    "rel_pos",
    "words_before_frac",
    "para_log_words",
    "para_log_lines",
    "rel_log_words",
    "win5_words_rel",
    "log_dist_main",
    *(f"{c}@{d}" for d in (-1, 1) for c in _CONTEXT),
    *(f"{c}~{k}" for k in _WINDOWS for c in _CONTEXT),
)
_N_OWN = 25
_CONTEXT_COLS = [LINE_FEATURES.index(c) for c in _CONTEXT]
_I_ENDS = LINE_FEATURES.index("ends_sentence")
_K = np.array(_WINDOWS)

_CATEGORIES = ("keypoints", "faq", "copyright", "disclaimer", "cta", "chrome")
_TEMPLATE_CATS = frozenset({"keypoints", "faq", "copyright", "disclaimer", "cta"})

# Function words (closed-class English words): a line of running prose has many.
_STOP_WORDS = (
    "a an the and or but nor so yet for of in on at to from by with about as into onto over under "
    "after before between through during without within against among across behind beyond since "
    "until upon is are was were be been being am has have had having do does did will would shall "
    "should can could may might must i you he she it we they me him her us them my your his its our "
    "their this that these those who whom whose which what when where why how not no if then than "
    "there here also very just only more most some any all each both such other own same too said "
    "says"
)
_STOP = frozenset(_STOP_WORDS.split())
_UPPER = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = b"0123456789"
_BULLET_START = frozenset("-*•·>0123456789")
_SEP_CHARS = frozenset("|•·›»")
_BULLET = re.compile(r"^(?:[-*•·>]\s|\d{1,2}[.)]\s)")
_ENDS_SENTENCE = re.compile(r"[.!?][\"')\]]*$")
_QUESTION = re.compile(r"\?[\"')\]]*$")
_DIGIT_RUN = re.compile(r"\d+")


def _data_text(name: str) -> str:
    try:
        return _resources.files("boilerplate_detect").joinpath("data").joinpath(name).read_text("utf-8")
    except OSError as exc:
        raise ModelLoadError(
            f"package data file {name!r} of boilerplate_detect is missing or unreadable ({exc}); "
            "reinstall the package"
        ) from exc


@dataclass(frozen=True, slots=True)
class Patterns:
    """The compiled chrome/CTA/template patterns of ``chrome_patterns.txt``.

    Attributes:
        anchored: Patterns starting with ``^`` (and without trigger words), one group per
            category, tried with ``match`` on lines of at most :data:`ANCHORED_MAX_WORDS` words.
        floating: ``(trigger_words, regex, category)`` of every other pattern; it is only
            searched on lines holding one of its trigger words.
        triggers: The union of all trigger words (``"©"`` stands for the sign).
    """

    anchored: re.Pattern[str] | None
    floating: tuple[tuple[frozenset[str], re.Pattern[str], str], ...]
    triggers: frozenset[str]

    def find(self, line: str, words: list[str]) -> str | None:
        """Return the category of the first pattern matching ``line``, or None.

        Args:
            line: One line of normalised text.
            words: The line's lower-cased word tokens.

        Returns:
            A category name (``chrome``, ``cta``, ``copyright``, ``disclaimer``,
            ``keypoints``, ``faq``) or None.
        """
        if self.anchored is not None and len(words) <= ANCHORED_MAX_WORDS:
            m = self.anchored.match(line)
            if m is not None:
                return m.lastgroup
        hits = self.triggers.intersection(words)
        if "©" in line:
            hits = hits | {"©"}
        if hits:
            for trig, rx, cat in self.floating:
                if not trig.isdisjoint(hits) and rx.search(line) is not None:
                    return cat
        return None


def _compile(pattern: str, no: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ModelLoadError(
            f"chrome_patterns.txt line {no} does not compile: {exc}; fix the pattern"
        ) from exc


def load_patterns(text: str | None = None) -> Patterns:
    """Compile the chrome/CTA/template patterns.

    Args:
        text: The pattern file's content; None reads the package's ``chrome_patterns.txt``.

    Returns:
        The compiled :class:`Patterns`.

    Raises:
        ModelLoadError: When a line is malformed, names an unknown category, lacks the
            trigger words a floating pattern needs, or does not compile.
    """
    text = _data_text("chrome_patterns.txt") if text is None else text
    anchored: dict[str, list[str]] = {c: [] for c in _CATEGORIES}
    floating: list[tuple[frozenset[str], re.Pattern[str], str]] = []
    for no, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cat, _, rest = raw.partition("\t")
        pattern, _, trig = rest.partition("\t")
        if cat not in anchored or not pattern:
            raise ModelLoadError(
                f"chrome_patterns.txt line {no}: expected 'CATEGORY<TAB>REGEX[<TAB>TRIGGERS]' with "
                f"CATEGORY in {_CATEGORIES}, got {raw[:40]!r}; fix the line"
            )
        _compile(pattern, no)
        if pattern.startswith("^") and not trig.split():
            anchored[cat].append(f"(?:{pattern})")
        elif not trig.split():
            raise ModelLoadError(
                f"chrome_patterns.txt line {no}: a pattern not starting with '^' needs trigger words "
                "in a third tab-separated column; add them"
            )
        else:
            floating.append((frozenset(trig.lower().split()), _compile(pattern, no), cat))
    parts = [f"(?P<{c}>{'|'.join(ps)})" for c, ps in anchored.items() if ps]
    return Patterns(
        _compile("|".join(parts), 0) if parts else None,
        tuple(floating),
        frozenset(w for t, _, _ in floating for w in t),
    )


#: Deepest trees the line model accepts (a tree of depth d is read as 2**d - 1 comparisons).
MAX_TREE_DEPTH = 4


def _leaf_table(depth: int) -> npt.NDArray[np.intp]:
    """Map the comparison bits of a complete tree (heap order, bit k = go right at node k) to its leaf."""
    inner = 2**depth - 1
    out = np.empty(2**inner, dtype=np.intp)
    for code in range(2**inner):
        node = 0
        for _ in range(depth):
            node = 2 * node + 1 + ((code >> node) & 1)
        out[code] = node - inner
    return out


@dataclass(frozen=True, slots=True, eq=False)
class LineModel:
    """The boosted-tree line model (see ``scripts/train_line_classifier.py``).

    Every tree is stored complete, in heap order (node ``k`` has children ``2k+1`` and
    ``2k+2``; a leaf above the full depth is padded with splits that never matter), so
    all comparisons of all trees run as one numpy step: a line goes right at a node when
    ``x[feature] > threshold``; the bits of one tree pick its leaf through a lookup
    table. The logit of "boilerplate" is ``base`` plus the sum of the leaf values.

    Attributes:
        features: The feature names, equal to :data:`LINE_FEATURES`.
        feature: Feature index of every inner node, flat over trees, ``trees * (2**depth - 1)``.
        threshold: Threshold of every inner node (``+inf``: always left), same shape.
        value: Leaf values, flat over trees, ``trees * 2**depth``.
        depth: Depth of the (complete) trees, 1 to :data:`MAX_TREE_DEPTH`.
        base: Baseline logit.
        cut: Probability at or above which a line is boilerplate.
        n_trees: Number of trees.
        leaf: Lookup table from comparison bits to leaf (:func:`_leaf_table`).
        bits: ``2**k`` for every inner node ``k`` of a tree (small unsigned integers: the
            comparison bits are summed by a uint8/uint16 matrix product).
        tree_offset: Index of every tree's first leaf in ``value``.
    """

    features: tuple[str, ...]
    feature: npt.NDArray[np.intp]
    threshold: npt.NDArray[np.float64]
    value: npt.NDArray[np.float64]
    depth: int
    base: float
    cut: float
    n_trees: int
    leaf: npt.NDArray[np.intp]
    bits: npt.NDArray[np.unsignedinteger[Any]]
    tree_offset: npt.NDArray[np.intp]

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> LineModel:
        """Build the model from its JSON form, checking the feature schema and the trees.

        Args:
            d: The parsed ``line_model.json``.

        Returns:
            The model.

        Raises:
            ModelLoadError: When the file's features differ from this build's or the
                tree arrays are inconsistent.
        """
        raw = d.get("features", ())
        feats = tuple(str(f) for f in raw) if isinstance(raw, (list, tuple)) else ()
        if feats != LINE_FEATURES:
            raise ModelLoadError(
                f"line model has features {list(feats)}, this build computes {list(LINE_FEATURES)}; "
                "retrain with scripts/train_line_classifier.py"
            )
        trees = d.get("trees")
        if not isinstance(trees, dict):
            raise ModelLoadError("line model: 'trees' must be an object; retrain the line model")
        try:
            depth = int(trees["depth"])
            feature = np.asarray(trees["feature"], dtype=np.intp).ravel()
            thr = np.asarray(
                [math.inf if v is None else float(v) for v in np.ravel(trees["threshold"])], dtype=np.float64
            )
            value = np.asarray(trees["value"], dtype=np.float64).ravel()
            base = float(d["base"])  # type: ignore[arg-type]
            cut = float(d.get("threshold", DEFAULT_THRESHOLD))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(
                f"line model: malformed tree arrays ({exc}); retrain the line model"
            ) from exc
        ok = 1 <= depth <= MAX_TREE_DEPTH and 0.0 < cut < 1.0 and math.isfinite(base)
        n_trees = len(value) >> depth if ok else 0
        if (
            not n_trees
            or len(value) != n_trees * 2**depth
            or len(feature) != n_trees * (2**depth - 1)
            or len(thr) != len(feature)
            or feature.min() < 0
            or feature.max() >= len(LINE_FEATURES)
            or not np.isfinite(value).all()
        ):
            raise ModelLoadError("line model: inconsistent tree arrays or threshold; retrain the line model")
        return cls(
            feats,
            feature,
            thr,
            value,
            depth,
            base,
            cut,
            n_trees,
            _leaf_table(depth),
            (1 << np.arange(2**depth - 1)).astype(np.uint8 if depth <= 3 else np.uint16),
            np.arange(n_trees) << depth,
        )

    def logits(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Return the boilerplate logit of every row of ``x``.

        Args:
            x: One row of :data:`LINE_FEATURES` values per line, shape ``(n, features)``.

        Returns:
            ``n`` logits.
        """
        n = len(x)
        if not n:
            return np.zeros(0)
        right = (np.take(x, self.feature, axis=1) > self.threshold).reshape(n, self.n_trees, -1)
        leaf = self.leaf[right.view(np.uint8) @ self.bits] + self.tree_offset
        out: npt.NDArray[np.float64] = self.value[leaf].sum(axis=1) + self.base
        return out

    def probabilities(self, x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Return the probability that each row of ``x`` is a boilerplate line.

        Args:
            x: As for :meth:`logits`.

        Returns:
            ``n`` probabilities in [0, 1].
        """
        out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -30.0, 30.0)))
        return out

    def probability_list(self, x: npt.NDArray[np.float64]) -> list[float]:
        """Return :meth:`probabilities` as a list (cheaper for the few lines of an article).

        Args:
            x: As for :meth:`logits`.

        Returns:
            ``n`` probabilities in [0, 1].
        """
        exp = math.exp
        return [1.0 / (1.0 + exp(-max(-30.0, min(30.0, z)))) for z in self.logits(x).tolist()]


def load_line_model(text: str | None = None) -> LineModel:
    """Load the line model from JSON.

    Args:
        text: The JSON text; None reads the package's ``line_model.json``.

    Returns:
        The model.

    Raises:
        ModelLoadError: When the file is missing, not JSON, or of another schema.
    """
    text = _data_text("line_model.json") if text is None else text
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelLoadError(f"line_model.json is not valid JSON ({exc}); reinstall or retrain") from exc
    if not isinstance(d, dict):
        raise ModelLoadError("line_model.json must hold a JSON object; retrain the line model")
    return LineModel.from_dict(d)


@dataclass(frozen=True, slots=True)
class TemplateResources:
    """What the ``tmpl.`` family loads once per Detector.

    Attributes:
        patterns: The compiled chrome/CTA/template patterns (:func:`load_patterns`).
        model: The line model (:func:`load_line_model`).
    """

    patterns: Patterns
    model: LineModel


def load() -> TemplateResources:
    """Load the patterns and the line model from package data.

    Returns:
        The family's resources.
    """
    return TemplateResources(load_patterns(), load_line_model())


def _line_words(seg: Segmented) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in seg.lines]
    for li, ws in zip(seg.sentence_line, seg.sentence_words, strict=False):
        out[li].extend(ws)
    return out


def _line_key_list(
    seg: Segmented, words: list[list[str]] | None = None, limit: int | None = None
) -> list[int | None]:
    words = _line_words(seg) if words is None else words
    text = seg.text
    out: list[int | None] = []
    for (s, e), ws in zip(seg.lines[:limit], words, strict=False):
        if not ws or len(ws) > LINE_KEY_MAX_WORDS:
            out.append(None)
        else:
            out.append(xxhash.xxh64_intdigest(_DIGIT_RUN.sub("0", text[s:e].lower()).encode()))
    return out


def line_keys(seg: Segmented) -> list[int]:
    """Return the site keys of a text's short lines.

    A key is the xxhash64 of the lower-cased line with every digit run folded to
    ``0``; lines of more than :data:`LINE_KEY_MAX_WORDS` words (body paragraphs)
    and lines without words get none.

    Args:
        seg: The segmented text.

    Returns:
        One key per short line, in line order (may repeat); ``[]`` for empty text.
    """
    return [k for k in _line_key_list(seg) if k is not None]


def line_features(
    seg: Segmented,
    patterns: Patterns,
    words: list[list[str]] | None = None,
    limit: int | None = None,
) -> tuple[npt.NDArray[np.float64], list[str | None]]:
    """Compute the line-model features of every line, and its pattern category.

    Only the first ``limit`` lines (default :data:`MAX_MODEL_LINES`) are described:
    the neighbourhood and position features then read those lines only.

    Args:
        seg: The segmented text.
        patterns: What :func:`load_patterns` returned.
        words: The words of every line, when the caller already has them.
        limit: How many lines to describe at most.

    Returns:
        ``(x, categories)``: an array of shape ``(lines, len(LINE_FEATURES))`` and the
        pattern category of every described line (``None`` when no pattern matches).
    """
    words = _line_words(seg) if words is None else words
    n = min(len(seg.lines), MAX_MODEL_LINES if limit is None else max(0, limit))
    if n == 0:
        return np.zeros((0, len(LINE_FEATURES))), []
    text = seg.text
    texts = [text[s:e] for s, e in seg.lines[:n]]
    repeats = Counter(texts)
    n_sent = [0] * n
    for li in seg.sentence_line[: bisect.bisect_left(seg.sentence_line, n)]:
        n_sent[li] += 1
    nws = [len(ws) for ws in words[:n]]
    logw = [math.log1p(c) for c in nws]
    max_logw = max(logw)
    cum = [0]
    for c in nws:
        cum.append(cum[-1] + c)
    total_words = cum[-1] or 1
    line_para = seg.line_paragraph[:n]
    para_words: dict[int, int] = {}
    para_lines: dict[int, int] = {}
    for p, c in zip(line_para, nws, strict=True):
        para_words[p] = para_words.get(p, 0) + c
        para_lines[p] = para_lines.get(p, 0) + 1
    # The densest region of the text: words in a window of +-5 lines, relative to the maximum.
    dens = [cum[min(n, i + 6)] - cum[max(0, i - 5)] for i in range(n)]
    max_dens = max(dens) or 1
    main = dens.index(max(dens))
    last = n - 1 or 1
    find = patterns.find
    is_stop = _STOP.__contains__
    flat: list[float] = []
    cats: list[str | None] = []
    for i, t in enumerate(texts):
        ws = words[i]
        nw = nws[i]
        inv = 1.0 / nw if nw else 0.0
        # Byte-level counts run at C speed: upper-case letters and digits.
        b = t.encode()
        n_upper = len(b) - len(b.translate(None, _UPPER))
        n_digit = len(b) - len(b.translate(None, _DIGITS))
        last_c = t[-1]
        ends = last_c in ".!?" or (last_c in "\"')]" and len(t) > 1 and t[-2] in ".!?")
        cat: str | None = None
        sep = bullet = url = 0.0
        if nw <= PATTERN_MAX_WORDS:
            cat = find(t, ws)
            if nw <= SHORT_FEATURE_WORDS:
                if not _SEP_CHARS.isdisjoint(t) or " / " in t or t.count(" - ") >= 2:
                    sep = 1.0
                if "://" in t or "www." in t or ".com" in t or "@" in t:
                    url = 1.0
        if t[0] in _BULLET_START and _BULLET.match(t):
            bullet = 1.0
        cats.append(cat)
        p = line_para[i]
        sample = ws[:STOP_SAMPLE_WORDS]
        flat.extend(
            (
                logw[i],
                math.log1p(len(t)),
                math.log(len(t) * inv) if nw else 0.0,
                1.0 if ends else 0.0,
                1.0 if last_c == ":" else 0.0,
                min(1.0, n_upper * inv),
                sum(map(is_stop, sample)) / len(sample) if sample else 0.0,
                n_digit / len(t),
                min(1.0, (t.count(",") + t.count(";")) * inv),
                math.log1p(n_sent[i]),
                math.log(repeats[t]),
                sep,
                bullet,
                url,
                1.0 if cat == "chrome" else 0.0,
                1.0 if cat == "cta" else 0.0,
                1.0 if cat in ("copyright", "disclaimer") else 0.0,
                1.0 if cat in ("keypoints", "faq") else 0.0,
                i / last,
                cum[i] / total_words,
                math.log1p(para_words[p]),
                math.log1p(para_lines[p] - 1),
                logw[i] - max_logw,
                dens[i] / max_dens,
                math.log1p(abs(i - main)),
            )
        )
    a = np.array(flat).reshape(n, _N_OWN)
    n_ctx = len(_CONTEXT_COLS)
    pad = np.zeros((n + 2, n_ctx))
    pad[1:-1] = a[:, _CONTEXT_COLS]
    cv = np.cumsum(pad[:-1], axis=0)  # cv[j] = sum of the first j lines
    lo, hi, inv_len = _windows(n)
    means = (cv[hi] - cv[lo]) * inv_len
    return np.hstack((a, pad[:-2], pad[2:], means.reshape(n, -1))), cats


def _windows(n: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Start, end and inverse length of the windows of :data:`_WINDOWS` lines around every line."""
    idx = np.arange(n)[:, None]
    lo = np.maximum(0, idx - _K)
    hi = np.minimum(n, idx + _K + 1)
    return lo, hi, (1.0 / (hi - lo))[:, :, None]


def classify_lines(seg: Segmented, res: TemplateResources) -> list[float]:
    """Return the probability that each line of a text is boilerplate (learned model only).

    Lines after the first :data:`MAX_MODEL_LINES` are not classified and get 0.0.

    Args:
        seg: The segmented text.
        res: What :func:`load` returned.

    Returns:
        One probability in [0, 1] per line of ``seg.lines``; ``[]`` for empty text.
    """
    x, _ = line_features(seg, res.patterns)
    probs: list[float] = res.model.probabilities(x).tolist()
    return probs + [0.0] * (len(seg.lines) - len(probs))


def _blocks(seg: Segmented, words: list[list[str]], cats: list[str | None]) -> dict[int, str]:
    """Mark the lines of Key Points / FAQ blocks that follow their heading."""
    marked: dict[int, str] = {}
    n = len(cats)
    text = seg.text
    for i, cat in enumerate(cats):
        if cat not in ("keypoints", "faq"):
            continue
        p = seg.line_paragraph[i]
        j = i + 1
        alone = j >= n or seg.line_paragraph[j] != p
        while j < n and j - i <= BLOCK_MAX_LINES:
            if not alone and seg.line_paragraph[j] != p:
                break
            if alone:
                if len(words[j]) > BLOCK_MAX_WORDS or cats[j] in ("keypoints", "faq"):
                    break
                s, e = seg.lines[j]
                t = text[s:e]
                # A list or Q/A block is bullet lines, questions, or short answers to them.
                qa = cat == "faq" and (_QUESTION.search(t) or (j > 0 and j - 1 in marked))
                if not (_BULLET.match(t) or qa or len(words[j]) <= 12):
                    break
            marked[j] = cat
            j += 1
    return marked


def extract(seg: Segmented, res: object, ctx: Context) -> FamilyResult:
    """Compute the ``tmpl.`` features and spans of one text.

    Features (all 0.0 on empty text): ``boilerplate_line_frac`` / ``boilerplate_char_frac``
    (share of lines / characters that are page chrome, [0, 1]); ``template_line_frac`` /
    ``template_char_frac`` (template blocks, CTAs, legal lines and site-repeated lines,
    [0, 1]); ``mean_line_prob`` (character-weighted mean model probability, [0, 1]);
    ``chrome_lines`` and ``cta_lines`` (counts, capped at 50 and 20); ``faq_block``,
    ``key_points_block``, ``copyright_line``, ``disclaimer_line`` (indicators);
    ``site_repeat_line_frac`` (share of lines repeated across the outlet, [0, 1]);
    ``short_line_frac`` (share of lines of at most :data:`SHORT_LINE_WORDS` words).

    Args:
        seg: The segmented text.
        res: What :func:`load` returned (a :class:`TemplateResources`).
        ctx: Site context (``site_lines``, ``site_docs``).

    Returns:
        The values in :data:`NAMES` order and one span per flagged line.
    """
    assert isinstance(res, TemplateResources)
    n = len(seg.lines)
    if n == 0:
        return FamilyResult((0.0,) * len(NAMES), [])
    words = _line_words(seg)
    x, cats = line_features(seg, res.patterns, words)
    m = len(cats)  # lines after the first MAX_MODEL_LINES are not classified
    probs = res.model.probability_list(x)
    ends: list[float] = x[:, _I_ENDS].tolist()
    blocks = _blocks(seg, words, cats)
    site: list[bool] = [False] * m
    if ctx.site_docs > 0 and ctx.site_lines:
        need = max(SITE_MIN_OTHERS, SITE_MIN_SHARE * ctx.site_docs)
        get = ctx.site_lines.get
        site = [k is not None and get(k, 0) >= need for k in _line_key_list(seg, words, m)]
    thr = res.model.cut
    spans: list[RawSpan] = []
    n_chars = sum(e - s for s, e in seg.lines) or 1
    bp_lines = tp_lines = bp_chars = tp_chars = chrome = cta = 0
    site_n = 0
    short = sum(1 for ws in words[m:] if len(ws) <= SHORT_LINE_WORDS)
    found = dict.fromkeys(_TEMPLATE_CATS, False)
    wsum = 0.0
    for i, (s, e) in enumerate(seg.lines[:m]):
        cat = cats[i]
        nw = len(words[i])
        wsum += probs[i] * (e - s)
        short += nw <= SHORT_LINE_WORDS
        if cat in _TEMPLATE_CATS and (cat not in ("keypoints", "faq") or nw <= 8):
            found[cat] = True
        kind: SpanKind | None = None
        detail = ""
        if cat in _TEMPLATE_CATS:
            kind, detail = "template", str(cat)
        elif i in blocks:
            kind, detail = "template", blocks[i]
            found[blocks[i]] = True
        elif cat == "chrome":
            kind, detail = "boilerplate", "chrome"
        elif site[i]:
            kind, detail = "template", "site-repeat"
        elif (
            probs[i] >= thr
            and (probs[i] >= GUARD_PROB or not (ends[i] and nw >= 3))
            and (
                not ISOLATED_GUARD
                or (i > 0 and (probs[i - 1] >= thr or cats[i - 1] is not None))
                or (i < m - 1 and (probs[i + 1] >= thr or cats[i + 1] is not None))
            )
        ):
            kind, detail = "boilerplate", f"line p={probs[i]:.2f}"
        site_n += site[i]
        if kind is None:
            continue
        if kind == "boilerplate":
            bp_lines += 1
            bp_chars += e - s
            chrome += cat == "chrome"
        else:
            tp_lines += 1
            tp_chars += e - s
            cta += cat == "cta"
        spans.append(RawSpan(s, e, kind, detail))
    values = (
        bp_lines / n,
        bp_chars / n_chars,
        tp_lines / n,
        tp_chars / n_chars,
        wsum / n_chars,
        float(min(chrome, 50)),
        float(min(cta, 20)),
        float(found["faq"]),
        float(found["keypoints"]),
        float(found["copyright"]),
        float(found["disclaimer"]),
        site_n / n,
        short / n,
    )
    return FamilyResult(values, spans)
