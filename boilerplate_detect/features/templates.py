"""Family ``tmpl.``: page chrome, calls to action and template blocks, line by line.

Every line of the text gets a probability of being boilerplate from a small
two-stage logistic line model (weights in package data ``line_model.json``,
trained by ``scripts/train_line_classifier.py`` on real pages whose article body
is known). Stage one reads the line itself and its neighbourhood (words, case,
punctuation, function-word rate, digits, separators, pattern hits, position,
neighbouring line lengths, paragraph size); stage two smooths the stage-one
scores over neighbouring lines, as jusText's context-sensitive pass does.

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

Spans: kind ``boilerplate`` for page chrome, kind ``template`` for template blocks,
calls to action, copyright/disclaimer lines and lines repeated across the site.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from importlib import resources as _resources
from itertools import accumulate, pairwise
from operator import mul

import xxhash

from boilerplate_detect.errors import ModelLoadError
from boilerplate_detect.features import Context, FamilyResult, RawSpan
from boilerplate_detect.report import SpanKind
from boilerplate_detect.text import Segmented

__all__ = [
    "LINE_FEATURES",
    "MAX_MODEL_LINES",
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
#: A run of likely-body lines (stage two) bridges at most this many other lines.
RUN_MAX_GAP = 1
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
#: At most this many lines of a text are classified by the line model (hostile input).
MAX_MODEL_LINES = 2_000

#: Names of the stage-one line features, in model order.
LINE_FEATURES: tuple[str, ...] = (
    "log_words",
    "words_le2",
    "words_le5",
    "words_le10",
    "words_ge20",
    "ends_sentence",
    "ends_colon",
    "upper_per_word",
    "stop_frac",
    "digit_frac",
    "has_separator",
    "starts_bullet",
    "has_url",
    "pat_chrome",
    "pat_cta",
    "pat_legal",
    "pat_heading",
    "rel_pos",
    "is_first",
    "is_last",
    "words_before_frac",
    "prev_log_words",
    "next_log_words",
    "win3_mean_log_words",
    "win3_max_log_words",
    "win3_short_frac",
    "para_log_words",
    "para_log_lines",
    "log_chars_per_word",
    "rel_log_words",
    "win5_words_rel",
    "log_dist_main",
)
#: Names of the stage-two (context smoothing) features, in model order.
STAGE2_FEATURES: tuple[str, ...] = (
    "z_self",
    "z_prev",
    "z_next",
    "z_win2_mean",
    "z_win6_mean",
    "z_win6_min",
    "log_words",
    "ends_sentence",
    "z_win12_mean",
    "run_words_rel",
    "in_main_run",
)

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
#: Byte classes for counting: ``U`` for an upper-case ASCII letter, ``D`` for a digit, space otherwise.
_CHAR_CLASS = bytes(85 if 65 <= c <= 90 else 68 if 48 <= c <= 57 else 32 for c in range(256))
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
        ascii_anchored: The case-sensitive twin of ``anchored`` (:func:`_ascii_twin`), used
            on lower-cased ASCII lines, or None (``anchored`` is used on every line).
        ascii_floating: The twin of each floating pattern, or None, in ``floating`` order
            (empty: no twins).
    """

    anchored: re.Pattern[str] | None
    floating: tuple[tuple[frozenset[str], re.Pattern[str], str], ...]
    triggers: frozenset[str]
    ascii_anchored: re.Pattern[str] | None = None
    ascii_floating: tuple[re.Pattern[str] | None, ...] = ()

    def find(self, line: str, words: list[str]) -> str | None:
        """Return the category of the first pattern matching ``line``, or None.

        Args:
            line: One line of normalised text.
            words: The line's lower-cased word tokens.

        Returns:
            A category name (``chrome``, ``cta``, ``copyright``, ``disclaimer``,
            ``keypoints``, ``faq``) or None.
        """
        # An ASCII line is matched lower-cased by the case-sensitive twins (the same
        # answers as the case-insensitive patterns; see _ascii_twin), which run faster.
        ascii_line = line.isascii()
        if self.anchored is not None and len(words) <= ANCHORED_MAX_WORDS:
            if ascii_line and self.ascii_anchored is not None:
                m = self.ascii_anchored.match(line.lower())
            else:
                m = self.anchored.match(line)
            if m is not None:
                return m.lastgroup
        sign = not ascii_line and "©" in line  # the sign is not ASCII
        if self.triggers.isdisjoint(words) and not sign:
            return None
        low = line.lower() if ascii_line else None
        hits = self.triggers.intersection(words)
        if sign:
            hits = hits | {"©"}
        twins = self.ascii_floating if low is not None else ()
        for k, (trig, rx, cat) in enumerate(self.floating):
            if not trig.isdisjoint(hits):
                twin = twins[k] if k < len(twins) else None
                m = rx.search(line) if twin is None or low is None else twin.search(low)
                if m is not None:
                    return cat
        return None


#: ``(?`` groups that do not change the flags or refer back to a group.
_PLAIN_GROUPS = ("(?:", "(?P<", "(?=", "(?!", "(?<=", "(?<!")


def _escape_ok(pattern: str, i: int) -> bool:
    r"""Whether the escape at ``pattern[i]`` is of punctuation or a case-blind class (``\d \s \w \b``)."""
    x = pattern[i + 1 : i + 2]
    return bool(x) and (not x.isalnum() or x in "bBdDsSwW")


def _class_end(pattern: str, i: int) -> int:
    """Return the index after the character class opening at ``pattern[i]``, or -1.

    -1 when the class holds an upper-case letter, an escape other than
    :func:`_escape_ok`'s, or a range other than within ``a-z`` or ``0-9`` (a range
    such as ``!-~`` holds the upper-case letters without naming them).
    """
    j = i + 2 if pattern.startswith("[^", i) else i + 1
    first = True
    while j < len(pattern):
        c = pattern[j]
        if c == "]" and not first:
            return j + 1
        first = False
        if c == "\\":
            if not _escape_ok(pattern, j):
                return -1
            j += 2
            if pattern[j : j + 1] == "-" and pattern[j + 1 : j + 2] not in ("]", ""):
                return -1
        elif "A" <= c <= "Z":
            return -1
        elif pattern[j + 1 : j + 2] == "-" and pattern[j + 2 : j + 3] not in ("]", ""):
            hi = pattern[j + 2]
            if not ((c.islower() and hi.islower()) or (c.isdigit() and hi.isdigit())):
                return -1
            j += 3
        else:
            j += 1
    return -1


def _ascii_twin(pattern: str) -> re.Pattern[str] | None:
    r"""Return a case-sensitive twin of the case-insensitive ``pattern``, or None.

    On an ASCII line ``t``, ``twin.match(t.lower())`` and ``twin.search(t.lower())``
    succeed exactly when the case-insensitive pattern does on ``t``, along the same
    path (the same ``lastgroup``): each step of the matcher tests one character
    against a literal, a class, a category or a word boundary, and when the pattern
    names no upper-case letter, a case-insensitive test of an ASCII character ``c``
    is the case-sensitive test of ``c.lower()`` (ASCII case folding maps only ``A-Z``
    to ``a-z``, and ``\d \s \w`` do not depend on case). The twin is built only when
    that is plain from the source: ASCII, no upper-case letter, escapes of punctuation
    or case-blind classes only, no inline flags or back references, class ranges only
    within ``a-z`` or ``0-9``. Non-ASCII lines always use the pattern itself (there,
    case folding has exceptions such as the Kelvin sign).

    Args:
        pattern: A pattern compiled elsewhere with :data:`re.IGNORECASE`.

    Returns:
        The twin, compiled without flags, or None when the pattern does not qualify.
    """
    if not pattern.isascii():
        return None
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            if not _escape_ok(pattern, i):
                return None
            i += 2
        elif c == "[":
            i = _class_end(pattern, i)
            if i < 0:
                return None
        elif pattern.startswith("(?", i):
            group = next((g for g in _PLAIN_GROUPS if pattern.startswith(g, i)), None)
            if group is None:
                return None
            i += len(group)  # a group name that follows must be lower case, as any letter
        elif "A" <= c <= "Z":
            return None
        else:
            i += 1
    return re.compile(pattern)


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
    joined = "|".join(parts)
    return Patterns(
        _compile(joined, 0) if parts else None,
        tuple(floating),
        frozenset(w for t, _, _ in floating for w in t),
        _ascii_twin(joined) if parts else None,
        tuple(_ascii_twin(rx.pattern) for _, rx, _ in floating),
    )


@dataclass(frozen=True, slots=True)
class _Stage:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    # Folded weights: logit = bias + sum(x * w), with w = coef / scale.
    w: tuple[float, ...] = ()
    bias: float = 0.0

    @classmethod
    def build(
        cls,
        features: tuple[str, ...],
        mean: tuple[float, ...],
        scale: tuple[float, ...],
        coef: tuple[float, ...],
        intercept: float,
    ) -> _Stage:
        w = tuple(c / s for c, s in zip(coef, scale, strict=True))
        bias = intercept - sum(m * wi for m, wi in zip(mean, w, strict=True))
        return cls(features, mean, scale, coef, intercept, w, bias)

    def logit(self, x: list[float]) -> float:
        # sum() adds the float products left to right; the hot loops inline this without
        # float() (a no-op on the float sum() returns).
        return self.bias + float(sum(map(mul, x, self.w)))


@dataclass(frozen=True, slots=True)
class LineModel:
    """The two-stage logistic line model (see ``scripts/train_line_classifier.py``).

    Attributes:
        stage1: Weights over :data:`LINE_FEATURES`.
        stage2: Weights over :data:`STAGE2_FEATURES`, or None for a one-stage model.
        threshold: Probability at or above which a line is boilerplate.
    """

    stage1: _Stage
    stage2: _Stage | None
    threshold: float

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> LineModel:
        """Build the model from its JSON form, checking the feature schema.

        Args:
            d: The parsed ``line_model.json``.

        Returns:
            The model.

        Raises:
            ModelLoadError: When the file's features differ from this build's.
        """

        def stage(s: object, expected: tuple[str, ...], name: str) -> _Stage:
            if not isinstance(s, dict):
                raise ModelLoadError(f"line model: {name} must be an object; retrain the line model")
            feats = tuple(s.get("features", ()))
            if feats != expected:
                raise ModelLoadError(
                    f"line model {name} has features {list(feats)}, this build computes {list(expected)}; "
                    "retrain with scripts/train_line_classifier.py"
                )
            vals = [tuple(float(v) for v in s[k]) for k in ("mean", "scale", "coef")]
            if any(len(v) != len(expected) for v in vals) or min(vals[1], default=1.0) <= 0:
                raise ModelLoadError(f"line model {name}: bad weight vector lengths or scales; retrain")
            return _Stage.build(feats, vals[0], vals[1], vals[2], float(s["intercept"]))

        s2 = d.get("stage2")
        thr = d.get("threshold", DEFAULT_THRESHOLD)
        return cls(
            stage1=stage(d.get("stage1"), LINE_FEATURES, "stage1"),
            stage2=None if s2 is None else stage(s2, STAGE2_FEATURES, "stage2"),
            threshold=float(thr) if isinstance(thr, (int, float)) else DEFAULT_THRESHOLD,
        )


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


def _line_word_counts(seg: Segmented) -> list[int]:
    """Return the number of words on every line.

    ``seg.words`` is the concatenation of ``seg.sentence_words``, and the sentences come
    in text order, each inside one line (``seg.sentence_line`` never decreases), so the
    words of line ``i`` are the run of ``seg.words`` after the words of lines ``0..i-1``.
    """
    n = len(seg.lines)
    if n == 1:  # the common case of one paragraph: every word is on the line
        return [len(seg.words)]
    counts = [0] * n
    for li, c in zip(seg.sentence_line, map(len, seg.sentence_words), strict=False):
        counts[li] += c
    return counts


def _line_words(seg: Segmented) -> list[list[str]]:
    """Return the words of every line, as slices of ``seg.words`` (see :func:`_line_word_counts`)."""
    ends = list(accumulate(_line_word_counts(seg)))
    return list(map(seg.words.__getitem__, map(slice, [0, *ends[:-1]], ends)))


def _line_key_list(seg: Segmented, counts: list[int] | None = None) -> list[int | None]:
    counts = _line_word_counts(seg) if counts is None else counts
    text = seg.text
    out: list[int | None] = []
    for (s, e), nw in zip(seg.lines, counts, strict=False):
        if not nw or nw > LINE_KEY_MAX_WORDS:
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


#: Positions of the stage-one features that stage two and the span rules read again.
_I_LOGW = LINE_FEATURES.index("log_words")
_I_ENDS = LINE_FEATURES.index("ends_sentence")


#: :meth:`Patterns.find`'s signature.
_Find = Callable[[str, list[str]], "str | None"]


def _marks(
    t: str, nw: int, words: list[str], start: int, find: _Find
) -> tuple[str | None, float, float, float]:
    """Return the pattern category and the separator, bullet and URL features of line ``t``.

    ``t`` has ``nw`` words, ``words[start : start + nw]``, sliced only when the patterns read them.
    """
    cat: str | None = None
    sep = bullet = url = 0.0
    if nw <= PATTERN_MAX_WORDS:
        cat = find(t, words[start : start + nw])
        if nw <= SHORT_FEATURE_WORDS:
            # Any separator character in t: a substring scan each, not a set probe per character of t.
            if any(map(t.__contains__, _SEP_CHARS)) or " / " in t or t.count(" - ") >= 2:
                sep = 1.0
            if "://" in t or "www." in t or ".com" in t or "@" in t:
                url = 1.0
    if t[0] in _BULLET_START and _BULLET.match(t):
        bullet = 1.0
    return cat, sep, bullet, url


def _own_features(
    t: str,
    words: list[str],
    start: int,
    nw: int,
    logw: float,
    n_upper: int,
    n_digit: int,
    n_stop: int,
    find: Callable[[str, list[str]], str | None],
) -> tuple[list[float], str | None]:
    """Return the line's own features (the first 17 of :data:`LINE_FEATURES`) and its pattern category.

    Args:
        t: The line's text (not empty).
        words: The text's words; the line's are ``words[start:start + nw]``.
        start: Index of the line's first word.
        nw: The line's word count; ``logw`` is ``log1p(nw)``.
        logw: ``log1p(nw)``.
        n_upper: Upper-case ASCII letters on the line.
        n_digit: ASCII digits on the line.
        n_stop: Function words on the line.
        find: :meth:`Patterns.find`.
    """
    inv = 1.0 / nw if nw else 0.0
    last_c = t[-1]
    ends = last_c in ".!?" or (last_c in "\"')]" and len(t) > 1 and t[-2] in ".!?")
    cat, sep, bullet, url = _marks(t, nw, words, start, find)
    return [
        logw,
        1.0 if nw <= 2 else 0.0,
        1.0 if nw <= 5 else 0.0,
        1.0 if nw <= 10 else 0.0,
        1.0 if nw >= 20 else 0.0,
        1.0 if ends else 0.0,
        1.0 if last_c == ":" else 0.0,
        min(1.0, n_upper * inv),
        n_stop * inv,
        n_digit / len(t),
        sep,
        bullet,
        url,
        1.0 if cat == "chrome" else 0.0,
        1.0 if cat == "cta" else 0.0,
        1.0 if cat in ("copyright", "disclaimer") else 0.0,
        1.0 if cat in ("keypoints", "faq") else 0.0,
    ], cat


def _one_line_rows(seg: Segmented, patterns: Patterns) -> tuple[list[list[float]], list[str | None]]:
    """Return :func:`_line_rows` of a one-line text, its page-level features written out.

    With one line, ``i == last == main == 0`` and the line is its whole paragraph,
    window and densest region; with ``L = log1p(nw)`` the general expressions give:
    ``rel_pos`` 0.0 (``last`` is 0), ``is_first`` and ``is_last`` 1.0,
    ``words_before_frac`` ``0 / total`` = 0.0, ``prev_log_words`` and ``next_log_words``
    0.0, ``win3_mean_log_words`` ``sum([L]) / 1`` = L (L >= 0, so ``0 + L`` is L),
    ``win3_max_log_words`` L, ``win3_short_frac`` ``(nw <= 5) / 1``,
    ``para_log_words`` ``log1p(nw)`` = L, ``para_log_lines`` ``log1p(0)`` = 0.0,
    ``rel_log_words`` ``L - L`` = 0.0, ``win5_words_rel`` ``nw / (nw or 1)``,
    ``log_dist_main`` ``log1p(0)`` = 0.0. The line's own features are computed as
    there (tests compare both on random texts).
    """
    s, e = seg.lines[0]
    t = seg.text[s:e]
    words = seg.words
    nw = len(words)
    inv = 1.0 / nw if nw else 0.0
    classes = t.encode().translate(_CHAR_CLASS)
    logw = math.log1p(nw)
    own, cat = _own_features(
        t,
        words,
        0,
        nw,
        logw,
        classes.count(b"U"),
        classes.count(b"D"),
        sum(map(_STOP.__contains__, words)),
        patterns.find,
    )
    row = [
        *own,
        0.0,
        1.0,
        1.0,
        0.0,
        0.0,
        0.0,
        logw,
        logw,
        1.0 if nw <= SHORT_LINE_WORDS else 0.0,
        logw,
        0.0,
        math.log((e - s) * inv) if nw else 0.0,
        0.0,
        1.0 if nw else 0.0,
        0.0,
    ]
    return [row], [cat]


def _line_rows(
    seg: Segmented, patterns: Patterns, nws: list[int], limit: int
) -> tuple[list[list[float]], list[str | None]]:
    """Return :func:`line_features` of a text whose line word counts are ``nws``.

    Page-level quantities (paragraph sizes, densities, windows) are computed once per
    text, paragraph logarithms once per paragraph. Line ``i``'s words are
    ``seg.words[cum[i]:cum[i + 1]]`` (see :func:`_line_word_counts`), sliced only for
    the short lines the patterns read.
    """
    n = len(seg.lines)
    rows: list[list[float]] = []
    cats: list[str | None] = []
    if n == 0:
        return rows, cats
    text = seg.text
    lines = seg.lines
    line_para = seg.line_paragraph
    words = seg.words
    logw = list(map(math.log1p, nws))
    total_words = sum(nws) or 1
    n_para = max(line_para) + 1
    para_words = [0] * n_para
    para_lines = [0] * n_para
    for p, c in zip(line_para, nws, strict=False):
        para_words[p] += c
        para_lines[p] += 1
    para_logw = list(map(math.log1p, para_words))
    para_logl = [math.log1p(c - 1) for c in para_lines]
    max_logw = max(logw)
    # The densest region of the text: words in a window of +-5 lines, relative to the page's maximum.
    cum = list(accumulate(nws, initial=0))
    dens = [cum[min(n, i + 6)] - cum[max(0, i - 5)] for i in range(n)]
    max_dens = max(dens) or 1
    main = dens.index(max(dens))
    # Short lines (<= SHORT_LINE_WORDS words) before each line: a window's count is a difference.
    cum_short = list(accumulate(map(SHORT_LINE_WORDS.__ge__, nws), initial=0))  # c <= SHORT_LINE_WORDS
    # Function words on every line: one pass over the text's words, then a sum per line.
    flags = list(map(_STOP.__contains__, words))
    stops = [sum(flags[a:b]) for a, b in pairwise(cum)]
    last = n - 1
    find = patterns.find
    # Upper-case ASCII letters and digits are counted on the classified UTF-8 bytes (C
    # speed): classified once for an ASCII text (its offsets are byte offsets), per line otherwise.
    ascii_text = text.isascii()
    classes = text.encode().translate(_CHAR_CLASS) if ascii_text else b""
    for i in range(min(n, max(0, limit))):
        s, e = lines[i]
        t = text[s:e]
        nw = nws[i]
        inv = 1.0 / nw if nw else 0.0
        if ascii_text:
            n_upper = classes.count(b"U", s, e)
            n_digit = classes.count(b"D", s, e)
        else:
            line_classes = t.encode().translate(_CHAR_CLASS)
            n_upper = line_classes.count(b"U")
            n_digit = line_classes.count(b"D")
        own, cat = _own_features(t, words, cum[i], nw, logw[i], n_upper, n_digit, stops[i], find)
        lo = i - 3 if i > 3 else 0
        hi = i + 4 if i + 4 < n else n
        win = logw[lo:hi]
        p = line_para[i]
        cats.append(cat)
        rows.append(
            [
                *own,
                i / last if last else 0.0,
                1.0 if i == 0 else 0.0,
                1.0 if i == last else 0.0,
                cum[i] / total_words,
                logw[i - 1] if i else 0.0,
                logw[i + 1] if i < last else 0.0,
                sum(win) / (hi - lo),
                max(win),
                (cum_short[hi] - cum_short[lo]) / (hi - lo),
                para_logw[p],
                para_logl[p],
                math.log((e - s) * inv) if nw else 0.0,
                logw[i] - max_logw,
                dens[i] / max_dens,
                math.log1p(abs(i - main)),
            ]
        )
    return rows, cats


def line_features(
    seg: Segmented,
    patterns: Patterns,
    words: list[list[str]] | None = None,
    limit: int = MAX_MODEL_LINES,
    counts: list[int] | None = None,
) -> tuple[list[list[float]], list[str | None]]:
    """Compute the stage-one features of every line, and its pattern category.

    Args:
        seg: The segmented text.
        patterns: What :func:`load_patterns` returned.
        words: The words of every line (as :func:`_line_words` gives them), when the
            caller already has them; only their counts are read.
        limit: Describe only the first ``limit`` lines (page-level statistics still
            count every line), so a hostile text of a million tiny lines costs
            bounded time.
        counts: The word counts of the lines (:func:`_line_word_counts`), when the
            caller already has them (then ``words`` is not read). A one-line text
            reads neither (its words are ``seg.words``).

    Returns:
        ``(rows, categories)``: one row of :data:`LINE_FEATURES` values per described
        line, and the pattern category of the line (``None`` when no pattern matches).
    """
    if len(seg.lines) == 1 and limit >= 1:
        return _one_line_rows(seg, patterns)
    if counts is None:
        counts = _line_word_counts(seg) if words is None else list(map(len, words))
    return _line_rows(seg, patterns, counts, limit)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def _runs(z: list[float], nws: list[float]) -> tuple[list[float], list[float]]:
    """Words in the run of likely-body lines around each line, relative to the largest run."""
    n = len(z)
    run_id = [-1] * n
    sizes: list[float] = []
    cur = -1
    gap = 0
    for i in range(n):
        if z[i] < 0:
            if cur < 0 or gap > RUN_MAX_GAP:
                sizes.append(0.0)
                cur = len(sizes) - 1
            run_id[i] = cur
            sizes[cur] += nws[i]
            gap = 0
        else:
            gap += 1
    top = max(sizes, default=0.0) or 1.0
    # The first largest run (when every run has no words, the first: top is then 1.0 and
    # is not among the sizes, which used to raise ValueError).
    main = sizes.index(max(sizes)) if sizes else -1
    rel = [sizes[r] / top if r >= 0 else 0.0 for r in run_id]
    in_main = [1.0 if r >= 0 and r == main else 0.0 for r in run_id]
    return rel, in_main


def _stage2_rows(z: list[float], logw: list[float], ends: list[float]) -> list[list[float]]:
    """Return the stage-two feature row of each line (see :func:`stage2_features`).

    For one line, the windows are empty or the line itself: ``z_prev``, ``z_next``,
    ``z_win2_mean``, ``z_win6_mean`` and ``z_win6_min`` are 0.0 and ``z_win12_mean``
    is ``(cum[1] - cum[0]) / 1`` with ``cum = [0.0, 0.0 + z]``, written out here.
    """
    if len(z) == 1:
        rel, in_main = _runs(z, [math.expm1(logw[0])])
        z0 = z[0]
        return [[z0, 0.0, 0.0, 0.0, 0.0, 0.0, logw[0], ends[0], (0.0 + z0 - 0.0) / 1, rel[0], in_main[0]]]
    return list(_stage2_window_rows(z, logw, ends))


def _stage2_window_rows(z: list[float], logw: list[float], ends: list[float]) -> Iterator[list[float]]:
    """Yield the stage-two feature row of each line, from the windows around it."""
    n = len(z)
    rel, in_main = _runs(z, list(map(math.expm1, logw)))
    cum = list(accumulate(z, initial=0.0))
    prev = [0.0, *z[:-1]]
    nxt = [*z[1:], 0.0]
    for i in range(n):
        zi = z[i]
        # Means of z over lines i-k..i+k without line i itself (0.0 when there are none), k = 2 and 6.
        lo = i - 2 if i > 2 else 0
        hi = i + 3 if i + 3 < n else n
        m2 = (cum[hi] - cum[lo] - zi) / (hi - lo - 1) if hi - lo > 1 else 0.0
        lo = i - 6 if i > 6 else 0
        hi = i + 7 if i + 7 < n else n
        m6 = (cum[hi] - cum[lo] - zi) / (hi - lo - 1) if hi - lo > 1 else 0.0
        w6 = z[lo:i] + z[i + 1 : hi]
        lo = i - 12 if i > 12 else 0
        hi = i + 13 if i + 13 < n else n
        yield [
            zi,
            prev[i],
            nxt[i],
            m2,
            m6,
            min(w6) if w6 else 0.0,
            logw[i],
            ends[i],
            (cum[hi] - cum[lo]) / (hi - lo),
            rel[i],
            in_main[i],
        ]


def stage2_features(z: list[float], rows: list[list[float]]) -> list[list[float]]:
    """Compute the stage-two features from the stage-one logits of every line.

    Args:
        z: Stage-one logits, one per line.
        rows: The stage-one feature rows (:func:`line_features`).

    Returns:
        One row of :data:`STAGE2_FEATURES` values per line.
    """
    return _stage2_rows(z, [r[_I_LOGW] for r in rows], [r[_I_ENDS] for r in rows])


def _logits(rows: Iterable[list[float]], stage: _Stage) -> list[float]:
    """Return :meth:`_Stage.logit` of every row (the same sums, without a call per row)."""
    bias, w = stage.bias, stage.w
    return [bias + sum(map(mul, r, w)) for r in rows]


def _finish(z: list[float], logw: list[float], ends: list[float], model: LineModel) -> list[float]:
    """Turn the stage-one logits into line probabilities (through stage two, if any)."""
    if model.stage2 is not None:
        z = _logits(_stage2_rows(z, logw, ends), model.stage2)
    return [_sigmoid(v) for v in z]


def _probabilities(rows: list[list[float]], model: LineModel) -> list[float]:
    return _finish(
        [max(-30.0, min(30.0, v)) for v in _logits(rows, model.stage1)],
        [r[_I_LOGW] for r in rows],
        [r[_I_ENDS] for r in rows],
        model,
    )


def classify_lines(seg: Segmented, res: TemplateResources) -> list[float]:
    """Return the probability that each line of a text is boilerplate (learned model only).

    Args:
        seg: The segmented text.
        res: What :func:`load` returned.

    Returns:
        One probability in [0, 1] per line of ``seg.lines``; ``[]`` for empty text.
        Lines after the first :data:`MAX_MODEL_LINES` are not classified and get 0.0.
    """
    rows, _ = line_features(seg, res.patterns)
    probs = _probabilities(rows, res.model)
    return probs + [0.0] * (len(seg.lines) - len(probs))


def _blocks(seg: Segmented, nws: list[int], cats: list[str | None]) -> dict[int, str]:
    """Mark the lines of Key Points / FAQ blocks that follow their heading."""
    marked: dict[int, str] = {}
    n = len(seg.lines)
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
                if nws[j] > BLOCK_MAX_WORDS or cats[j] in ("keypoints", "faq"):
                    break
                s, e = seg.lines[j]
                t = text[s:e]
                # A list or Q/A block is bullet lines, questions, or short answers to them.
                qa = cat == "faq" and (_QUESTION.search(t) or (j > 0 and j - 1 in marked))
                if not (_BULLET.match(t) or qa or nws[j] <= 12):
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
    lines = seg.lines
    n = len(lines)
    if n == 0:
        return FamilyResult((0.0,) * len(NAMES), [])
    nws = _line_word_counts(seg)
    model = res.model
    rows, cats = line_features(seg, res.patterns, limit=MAX_MODEL_LINES, counts=nws)
    z = [max(-30.0, min(30.0, v)) for v in _logits(rows, model.stage1)]
    ends = [r[_I_ENDS] for r in rows]
    probs = _finish(z, [r[_I_LOGW] for r in rows], ends, model)
    # Lines after the first MAX_MODEL_LINES are neither classified nor pattern-matched.
    probs += [0.0] * (n - len(probs))
    cats += [None] * (n - len(cats))
    blocks = _blocks(seg, nws, cats)
    site: list[bool] = [False] * n
    if ctx.site_docs > 0 and ctx.site_lines:
        need = max(SITE_MIN_OTHERS, SITE_MIN_SHARE * ctx.site_docs)
        get = ctx.site_lines.get
        site = [k is not None and get(k, 0) >= need for k in _line_key_list(seg, nws)]
    thr = model.threshold
    spans: list[RawSpan] = []
    widths = [e - s for s, e in lines]
    n_chars = sum(widths) or 1
    short = sum(1 for c in nws if c <= SHORT_LINE_WORDS)
    site_n = sum(site)
    # sum() adds left to right: the same float as a running total over the lines.
    wsum = sum(map(mul, probs, widths))
    bp_lines = tp_lines = bp_chars = tp_chars = chrome = cta = 0
    found = dict.fromkeys(_TEMPLATE_CATS, False)
    for i in range(n):
        cat = cats[i]
        pr = probs[i]
        if cat is None and pr < thr and not site[i] and i not in blocks:
            continue  # the common body line: no pattern, no block, no site repeat, below threshold
        nw = nws[i]
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
            pr >= thr
            and (pr >= GUARD_PROB or not (ends[i] and nw >= 3))
            and (
                not ISOLATED_GUARD
                or (i > 0 and (probs[i - 1] >= thr or cats[i - 1] is not None))
                or (i < n - 1 and (probs[i + 1] >= thr or cats[i + 1] is not None))
            )
        ):
            kind, detail = "boilerplate", f"line p={pr:.2f}"
        if kind is None:
            continue
        s, e = lines[i]
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
