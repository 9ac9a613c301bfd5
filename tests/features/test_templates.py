"""Tests of the ``tmpl.`` family: line model, patterns, template blocks, site repeats."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.errors import ModelLoadError
from boilerplate_detect.features import Context
from boilerplate_detect.features import templates as T
from boilerplate_detect.text import segment
from tests import texts as X


@pytest.fixture(scope="module")
def res() -> T.TemplateResources:
    return T.load()


def values(res: T.TemplateResources, text: str, ctx: Context | None = None) -> dict[str, float]:
    out = T.extract(segment(text), res, ctx or Context())
    return dict(zip(T.NAMES, out.values, strict=True))


ZERO = dict.fromkeys(T.NAMES, 0.0)

TABLE = [
    ("empty", X.EMPTY, {}),
    ("blank", X.BLANK, {}),
    ("clean_news", X.CLEAN_NEWS, {}),
    (
        "copyright_only",
        "© 2024 Example Gazette. All rights reserved.",
        {"tmpl.template_line_frac": 1.0, "tmpl.template_char_frac": 1.0, "tmpl.copyright_line": 1.0},
    ),
    (
        "disclaimer_after_news",
        X.CLEAN_NEWS + "\n\nDisclaimer: This article is for informational purposes only.",
        {"tmpl.template_line_frac": 0.5, "tmpl.disclaimer_line": 1.0},
    ),
    (
        # 10 lines: the news paragraph, 4 Key Points lines, 3 FAQ lines, a CTA, a copyright line.
        "templated",
        X.TEMPLATED,
        {
            "tmpl.template_line_frac": 0.9,
            "tmpl.cta_lines": 1.0,
            "tmpl.faq_block": 1.0,
            "tmpl.key_points_block": 1.0,
            "tmpl.copyright_line": 1.0,
            "tmpl.short_line_frac": 0.7,  # the 4 Key Points lines and the 3 FAQ lines have <= 5 words
        },
    ),
    (
        # 7 lines: 6 of page chrome around the news paragraph.
        "chrome_copy",
        X.CHROME_COPY,
        {
            "tmpl.boilerplate_line_frac": 6 / 7,
            "tmpl.chrome_lines": 6.0,
            "tmpl.short_line_frac": 4 / 7,
        },
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in TABLE], ids=[i for i, _, _ in TABLE])
def test_feature_table(res: T.TemplateResources, text: str, expected: dict[str, float]) -> None:
    got = values(res, text)
    check = {k: v for k, v in got.items() if k not in ("tmpl.mean_line_prob", "tmpl.boilerplate_char_frac")}
    if "tmpl.template_char_frac" not in expected:
        check.pop("tmpl.template_char_frac")
    want = {**ZERO, **expected}
    want = {k: want[k] for k in check}
    assert check == pytest.approx(want)


def test_empty_is_all_zero(res: T.TemplateResources) -> None:
    out = T.extract(segment(""), res, Context())
    assert out.values == (0.0,) * len(T.NAMES)
    assert out.spans == []


def test_templated_spans_cover_template_lines_not_news(res: T.TemplateResources) -> None:
    seg = segment(X.TEMPLATED)
    spans = T.extract(seg, res, Context()).spans
    news_end = len(X.CLEAN_NEWS)
    assert all(s.start >= news_end for s in spans)
    covered = {seg.text[s.start : s.end] for s in spans}
    for line in X.TEMPLATED[news_end:].strip().split("\n"):
        if line:
            assert line in covered, line
    kinds = {seg.text[s.start : s.end]: (s.kind, s.detail) for s in spans}
    assert kinds["Key Points"] == ("template", "keypoints")
    assert kinds["FAQs"] == ("template", "faq")
    assert kinds["© 2025 Daily Buzz Times. All rights reserved."] == ("template", "copyright")
    assert kinds["Follow Daily Buzz Times on Google News for the latest updates."] == ("template", "cta")


def test_templated_without_blank_lines(res: T.TemplateResources) -> None:
    """Every line its own paragraph: the blocks still end where the template does."""
    text = X.TEMPLATED.replace("\n\n", "\n")
    seg = segment(text)
    spans = T.extract(seg, res, Context()).spans
    assert [s.detail for s in spans] == ["keypoints"] * 4 + ["faq"] * 3 + ["cta", "copyright"]
    assert all(s.start >= len(X.CLEAN_NEWS) for s in spans)


def test_chrome_spans_are_boilerplate(res: T.TemplateResources) -> None:
    seg = segment(X.CHROME_COPY)
    spans = T.extract(seg, res, Context()).spans
    flagged = {seg.text[s.start : s.end]: s.kind for s in spans}
    assert flagged["Total Views : 80"] == "boilerplate"
    assert flagged["Zoom In Zoom Out Read Later Print"] == "boilerplate"
    assert flagged["Related articles"] == "boilerplate"
    assert X.CLEAN_NEWS not in flagged


@pytest.mark.parametrize(
    "text",
    [
        X.CLEAN_NEWS + "\n\nWhat happens next?\n\n" + X.INDEPENDENT_NEWS,
        X.CLEAN_NEWS + " Will the road reopen by Monday? Engineers said it depends on the rain.",
        X.CLEAN_NEWS + "\n\nRoad closed\n\n" + X.INDEPENDENT_NEWS,
        X.CLEAN_NEWS + "\nThe mayor said the town was ready.\n" + X.INDEPENDENT_NEWS,
        "Who pays for the repairs?\n\n" + X.CLEAN_NEWS,
    ],
    ids=["question_line", "question_in_paragraph", "short_subhead", "short_sentence_line", "question_first"],
)
def test_news_with_question_or_short_line_not_flagged(res: T.TemplateResources, text: str) -> None:
    assert T.extract(segment(text), res, Context()).spans == []


def test_line_keys_fold_case_and_digits() -> None:
    a = T.line_keys(segment("Total Views : 80\nSign UP for our newsletter"))
    b = T.line_keys(segment("total views : 1234\nsign up for our NEWSLETTER"))
    assert a == b and len(a) == 2
    assert T.line_keys(segment("")) == []
    long_line = " ".join(["word"] * (T.LINE_KEY_MAX_WORDS + 1))
    assert T.line_keys(segment(long_line)) == []
    assert len(T.line_keys(segment(" ".join(["word"] * T.LINE_KEY_MAX_WORDS)))) == 1


SITE_LINE = "Get the Tromso Morning briefing every weekday"


def site_ctx(text: str, others: list[str]) -> Context:
    """Count line keys like the Detector does for one outlet."""
    own = set(T.line_keys(segment(text)))
    counts: dict[int, int] = {}
    for o in others:
        for k in set(T.line_keys(segment(o))):
            if k in own:
                counts[k] = counts.get(k, 0) + 1
    return Context(site_lines=counts, site_docs=len(others))


def test_site_repeated_line_is_template(res: T.TemplateResources) -> None:
    text = X.CLEAN_NEWS + "\n\n" + SITE_LINE
    others = [X.INDEPENDENT_NEWS + "\n\n" + SITE_LINE, "Another story about roads.\n\n" + SITE_LINE]
    ctx = site_ctx(text, others)
    seg = segment(text)
    out = T.extract(seg, res, ctx)
    got = dict(zip(T.NAMES, out.values, strict=True))
    assert got["tmpl.site_repeat_line_frac"] == 0.5
    assert [(seg.text[s.start : s.end], s.kind, s.detail) for s in out.spans] == [
        (SITE_LINE, "template", "site-repeat")
    ]
    # Alone, the same line is not flagged.
    assert T.extract(seg, res, Context()).spans == []


@pytest.mark.parametrize(
    ("count", "docs", "flagged"),
    [(1, 1, False), (1, 5, False), (2, 2, True), (2, 6, True), (2, 10, False), (3, 10, True)],
    ids=["1of1", "1of5", "2of2", "2of6", "2of10", "3of10"],
)
def test_site_threshold(res: T.TemplateResources, count: int, docs: int, flagged: bool) -> None:
    text = X.CLEAN_NEWS + "\n\n" + SITE_LINE
    seg = segment(text)
    ctx = Context(site_lines=dict.fromkeys(T.line_keys(seg), count), site_docs=docs)
    got = dict(zip(T.NAMES, T.extract(seg, res, ctx).values, strict=True))
    assert (got["tmpl.site_repeat_line_frac"] > 0) is flagged


def test_line_model_loads_with_expected_features() -> None:
    model = T.load_line_model()
    assert len(model.stage1.features) == len(T.LINE_FEATURES) == 32
    assert model.stage2 is not None and len(model.stage2.features) == len(T.STAGE2_FEATURES) == 11
    assert 0.0 < model.threshold < 1.0
    assert all(math.isfinite(c) for c in model.stage1.coef + model.stage2.coef)


def test_line_model_rejects_bad_files() -> None:
    with pytest.raises(ModelLoadError, match="not valid JSON"):
        T.load_line_model("{nope")
    good = json.loads(T._data_text("line_model.json"))
    good["stage1"]["features"] = good["stage1"]["features"][:-1]
    with pytest.raises(ModelLoadError, match="retrain"):
        T.load_line_model(json.dumps(good))


def test_pattern_file_errors() -> None:
    with pytest.raises(ModelLoadError, match="CATEGORY"):
        T.load_patterns("nonsense\t^x$")
    with pytest.raises(ModelLoadError, match="trigger words"):
        T.load_patterns("cta\t\\bfollow us\\b")
    with pytest.raises(ModelLoadError, match="does not compile"):
        T.load_patterns("chrome\t^(unclosed$")
    p = T.load_patterns("cta\t\\bfollow us\\b\tfollow\nchrome\t^print$")
    assert p.find("Print", ["print"]) == "chrome"
    assert p.find("Please follow us there", ["please", "follow", "us", "there"]) == "cta"
    assert p.find("Fine weather", ["fine", "weather"]) is None


SAMPLE_LINES = [
    "Follow Daily Buzz Times on Google News for the latest updates.",
    "Subscribe to our free daily newsletter",
    "Join our WhatsApp channel for breaking news",
    "© 2025 Daily Buzz Times. All rights reserved.",
    "Copyright 2023 Example Media Group",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "Disclaimer: This article is for informational purposes only.",
    "We may earn a commission when you buy through links on our site.",
    "We use cookies to improve your experience. Accept all cookies",
    "Photo: Getty Images",
    "Share on Facebook Share on Twitter Share by email",
    "Zoom In Zoom Out Read Later Print",
    "Already a subscriber? Log in to continue reading.",
    "Have a news tip? Send it to our newsroom.",
    "Download our free app and turn on notifications.",
    X.CLEAN_NEWS,
    X.INDEPENDENT_NEWS,
]


@pytest.mark.parametrize("line", SAMPLE_LINES, ids=[f"line{i}" for i in range(len(SAMPLE_LINES))])
def test_triggers_do_not_change_matches(res: T.TemplateResources, line: str) -> None:
    """The trigger pre-filter is only a speed-up: a brute-force search finds the same category."""
    seg = segment(line)
    words = [w for ws in seg.sentence_words for w in ws]
    fast = res.patterns.find(seg.text, words)
    brute = None
    if res.patterns.anchored is not None and len(words) <= T.ANCHORED_MAX_WORDS:
        m = res.patterns.anchored.match(seg.text)
        brute = m.lastgroup if m else None
    if brute is None:
        brute = next((cat for _, rx, cat in res.patterns.floating if rx.search(seg.text)), None)
    assert fast == brute
    if line not in (X.CLEAN_NEWS, X.INDEPENDENT_NEWS):
        assert fast is not None


def test_classify_lines_one_probability_per_line(res: T.TemplateResources) -> None:
    seg = segment(X.CHROME_COPY)
    probs = T.classify_lines(seg, res)
    assert len(probs) == len(seg.lines)
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert T.classify_lines(segment(""), res) == []
    news = T.classify_lines(segment(X.CLEAN_NEWS), res)
    assert news[0] < 0.5


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_property_values_in_range_and_deterministic(res: T.TemplateResources, text: str) -> None:
    seg = segment(text)
    a = T.extract(seg, res, Context())
    b = T.extract(segment(text), res, Context())
    assert a == b
    for v, (lo, hi) in zip(a.values, T.RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
    for s in a.spans:
        assert 0 <= s.start < s.end <= len(seg.text)
        assert s.kind in ("boilerplate", "template")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from([*SAMPLE_LINES, "Menu", "Home", "Read more", "", "- a bullet"]), max_size=12))
def test_property_mixed_lines(res: T.TemplateResources, lines: list[str]) -> None:
    text = "\n".join(lines)
    seg = segment(text)
    out = T.extract(seg, res, Context())
    for v, (lo, hi) in zip(out.values, T.RANGES, strict=True):
        assert lo <= v <= hi
    # Every span is exactly one line of the text.
    assert {(s.start, s.end) for s in out.spans} <= set(seg.lines)


def test_hostile_many_lines_are_capped(res: T.TemplateResources) -> None:
    """A text of many tiny lines: only the first MAX_MODEL_LINES are classified, all still count."""
    n = T.MAX_MODEL_LINES + 3_000
    seg = segment("\n".join(["Share"] * n))
    rows, cats = T.line_features(seg, res.patterns)
    assert len(rows) == len(cats) == T.MAX_MODEL_LINES
    probs = T.classify_lines(seg, res)
    assert len(probs) == n and probs[T.MAX_MODEL_LINES :] == [0.0] * (n - T.MAX_MODEL_LINES)
    result = T.extract(seg, res, Context())
    values = dict(zip(T.NAMES, result.values, strict=True))
    assert values["tmpl.short_line_frac"] == 1.0  # every line counts in the totals
    assert all(sp.start < seg.lines[T.MAX_MODEL_LINES][0] for sp in result.spans)


# --- Speed-ups that must not change any value --------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "has_twin"),
    [
        ("^print$", True),
        (r"^\d+ (views|shares)\s*:?$", True),
        (r"^(?P<chrome>(?:^read more[.!:]?$))", True),
        (r"\bfollow [a-z.'-]+ on\b", True),
        (r"[\d,.]+[km]?", True),
        ("^Print$", False),  # an upper-case letter
        ("(?P<Chrome>x)", False),  # ... also in a group name
        ("[!-~]x", False),  # a range that holds A-Z without naming it
        ("[0-^]", False),
        (r"[\d-z]", False),  # an escape as a range end
        (r"\u00a9|\(c\)", False),  # an escape that may stand for any character
        (r"\x41", False),
        (r"(a)\1", False),  # a back reference
        ("(?i)x", False),  # inline flags
        ("(?P=x)", False),
        ("©", False),  # not ASCII
    ],
    ids=[
        "literal",
        "digits",
        "named_group",
        "class_range",
        "class_escape",
        "upper_literal",
        "upper_group_name",
        "punct_range",
        "range_over_upper",
        "escape_range_end",
        "unicode_escape",
        "hex_escape",
        "back_reference",
        "inline_flags",
        "named_back_reference",
        "non_ascii",
    ],
)
def test_ascii_twin_only_when_plainly_equivalent(pattern: str, has_twin: bool) -> None:
    twin = T._ascii_twin(pattern)
    assert (twin is not None) is has_twin
    if twin is not None:
        assert twin.pattern == pattern and not twin.flags & re.IGNORECASE


def _all_patterns(p: T.Patterns) -> list[tuple[re.Pattern[str], re.Pattern[str] | None]]:
    assert p.anchored is not None
    return [(p.anchored, p.ascii_anchored)] + [
        (rx, tw) for (_, rx, _), tw in zip(p.floating, p.ascii_floating, strict=True)
    ]


def test_shipped_patterns_have_twins(res: T.TemplateResources) -> None:
    """The speed-up applies to the shipped file (only the pattern naming the sign has none)."""
    pairs = _all_patterns(res.patterns)
    assert len(pairs) == len(res.patterns.floating) + 1
    assert sum(tw is None for _, tw in pairs) <= 1


# Words of the shipped patterns and around them, in any case: lines that match, or almost do.
_PATTERN_TEXT = (
    "share this article print follow us on google news subscribe to our newsletter photo getty images "
    "key points faqs all rights reserved copyright 2024 (c) 1999 disclaimer: we use cookies total views "
    "read more related stories by jane doe updated 3 hours ago 12k shares zoom in out a+ - | : . ? ! the"
)
_PATTERN_WORDS = _PATTERN_TEXT.split()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(_PATTERN_WORDS), st.integers(0, 2), st.sampled_from(["", " ", "  ", ", "])),
        min_size=1,
        max_size=10,
    )
)
def test_property_ascii_twins_answer_as_the_patterns(
    res: T.TemplateResources, parts: list[tuple[str, int, str]]
) -> None:
    """On ASCII lines in any case, each twin on the lower-cased line gives the pattern's answer."""
    line = "".join((w, w.upper(), w.title())[case] + sep for w, case, sep in parts).strip() or "x"
    for rx, twin in _all_patterns(res.patterns):
        if twin is None:
            continue
        m, mt = rx.match(line), twin.match(line.lower())
        if m is None or mt is None:
            assert m is None and mt is None
        else:
            assert m.lastgroup == mt.lastgroup
        assert (rx.search(line) is None) == (twin.search(line.lower()) is None)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([*SAMPLE_LINES, *_PATTERN_WORDS, "Menu", "KEY POINTS", "Zoom In"]), max_size=6)
)
def test_property_find_same_without_twins(res: T.TemplateResources, pieces: list[str]) -> None:
    """find with the twins returns what the case-insensitive patterns alone return."""
    p = res.patterns
    plain = T.Patterns(p.anchored, p.floating, p.triggers)
    seg = segment(" ".join(pieces))
    for i, ws in enumerate(T._line_words(seg)):
        line = seg.line_text(i)
        assert p.find(line, ws) == plain.find(line, ws)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["", "Share", "A line. Two sentences here!", "...", "© 2024 x", X.CLEAN_NEWS]),
        max_size=8,
    )
)
def test_property_line_words_are_the_sentence_words(lines: list[str]) -> None:
    """The line word lists (slices of seg.words) are the words of each line's sentences."""
    seg = segment("\n".join(lines))
    want: list[list[str]] = [[] for _ in seg.lines]
    for li, ws in zip(seg.sentence_line, seg.sentence_words, strict=True):
        want[li].extend(ws)
    assert T._line_words(seg) == want
    assert T._line_word_counts(seg) == [len(ws) for ws in want]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from([*SAMPLE_LINES, "Menu", "Home", "Read more", "", "- a bullet", "Key Points"]),
        max_size=12,
    )
)
def test_property_extract_uses_the_line_model_rows(res: T.TemplateResources, lines: list[str]) -> None:
    """extract gives the probabilities of line_features + the model, as the training script computes them."""
    seg = segment("\n".join(lines))
    out = dict(zip(T.NAMES, T.extract(seg, res, Context()).values, strict=True))
    probs = T.classify_lines(seg, res)
    widths = [e - s for s, e in seg.lines]
    wsum = 0.0
    for p, w in zip(probs, widths, strict=True):
        wsum += p * w
    assert out["tmpl.mean_line_prob"] == (wsum / (sum(widths) or 1) if seg.lines else 0.0)
    rows, _ = T.line_features(seg, res.patterns)
    z = [max(-30.0, min(30.0, res.model.stage1.logit(r))) for r in rows]
    assert res.model.stage2 is not None
    assert [T._sigmoid(res.model.stage2.logit(r)) for r in T.stage2_features(z, rows)] == probs


def _bits(rows: list[list[float]]) -> list[list[str]]:
    """Exact float bits (``-0.0`` differs from ``0.0``)."""
    return [[float(v).hex() for v in r] for r in rows]


ONE_LINE_TEXTS = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_characters="\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), max_size=300
    ),
    st.sampled_from([*SAMPLE_LINES, "Menu", "Key Points", "- a bullet", "...", "© 2024", "İstanbul: 12 KM"]),
)


@settings(max_examples=300, deadline=None)
@given(ONE_LINE_TEXTS)
def test_property_one_line_rows_are_the_general_rows(res: T.TemplateResources, text: str) -> None:
    """The one-line route (page-level features written out) gives the general rows, bit for bit."""
    seg = segment(text)
    if len(seg.lines) != 1:
        return
    fast, fast_cats = T._one_line_rows(seg, res.patterns)
    rows, cats = T._line_rows(seg, res.patterns, T._line_word_counts(seg), T.MAX_MODEL_LINES)
    assert _bits(fast) == _bits(rows) and fast_cats == cats
    assert T.line_features(seg, res.patterns) == (fast, fast_cats)


@settings(max_examples=300, deadline=None)
@given(
    st.floats(-30.0, 30.0),
    st.floats(0.0, 10.0),
    st.sampled_from([0.0, 1.0]),
)
def test_property_one_line_stage2_is_the_window_rows(z: float, logw: float, ends: float) -> None:
    """The one-line stage-two row (windows written out) is the general one, bit for bit."""
    assert _bits(T._stage2_rows([z], [logw], [ends])) == _bits(
        list(T._stage2_window_rows([z], [logw], [ends]))
    )


@pytest.mark.parametrize(
    ("z", "nws", "rel", "in_main"),
    [
        ([], [], [], []),
        ([1.0], [4.0], [0.0], [0.0]),  # no likely-body line: no run
        (
            [-1.0, 2.0, -1.0, 3.0, 3.0, -2.0],
            [4.0, 1.0, 2.0, 1.0, 1.0, 3.0],
            [1.0, 0.0, 1.0, 0.0, 0.0, 0.5],
            [1.0, 0.0, 1.0, 0.0, 0.0, 0.0],
        ),
        ([-1.0], [0.0], [0.0], [1.0]),  # a run without words (used to raise ValueError)
    ],
    ids=["empty", "no_run", "two_runs", "wordless_run"],
)
def test_runs_table(z: list[float], nws: list[float], rel: list[float], in_main: list[float]) -> None:
    assert T._runs(z, nws) == (rel, in_main)
