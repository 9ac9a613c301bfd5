"""Tests of the ``fill.`` family: specificity check, lexicon, skeleton scores, features, spans."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.errors import ModelLoadError
from boilerplate_detect.features import Context
from boilerplate_detect.features import filler as F
from boilerplate_detect.text import segment
from tests import texts as X


@pytest.fixture(scope="module")
def res() -> F.FillerResources:
    return F.load()


def values(res: F.FillerResources, text: str) -> dict[str, float]:
    return dict(zip(F.NAMES, F.extract(segment(text), res, Context()).values, strict=True))


ZERO = dict.fromkeys(F.NAMES, 0.0)

# Two generic sentences (lexicon phrases, nothing specific), one paragraph of 20 words.
TWO_CLICHES = "Only time will tell. It remains to be seen how this will play out for everyone involved."
# One specific sentence (a name after a lower-case word), then one cliche.
NAMED_THEN_CLICHE = "Police said Anne Berg was unhurt. Only time will tell."

TABLE = [
    ("empty", X.EMPTY, {}),
    ("blank", X.BLANK, {}),
    ("one_word", X.ONE_WORD, {}),
    ("clean_news", X.CLEAN_NEWS, {}),
    (
        "two_cliches",
        TWO_CLICHES,
        {
            "fill.generic_sentence_frac": 1.0,
            "fill.generic_char_frac": 1.0,
            "fill.lexicon_hit_rate": 1.0,
            "fill.max_generic_run": 2 / F.RUN_NORM,
            "fill.nonspecific_para_frac": 1.0,
            "fill.nonspecific_sentence_frac": 1.0,
        },
    ),
    (
        "named_then_cliche",
        NAMED_THEN_CLICHE,
        {
            "fill.generic_sentence_frac": 0.5,
            "fill.generic_char_frac": len("Only time will tell.") / (len(NAMED_THEN_CLICHE) - 1),
            "fill.lexicon_hit_rate": 0.5,
            "fill.max_generic_run": 1 / F.RUN_NORM,
            "fill.nonspecific_sentence_frac": 0.5,
        },
    ),
]


@pytest.mark.parametrize(("text", "expected"), [(t, e) for _, t, e in TABLE], ids=[i for i, _, _ in TABLE])
def test_feature_table(res: F.FillerResources, text: str, expected: dict[str, float]) -> None:
    got = values(res, text)
    got.pop("fill.skeleton_score_mean")  # learned weights: checked with a hand-made table below
    want = {k: v for k, v in {**ZERO, **expected}.items() if k in got}
    assert got == pytest.approx(want)


@pytest.mark.parametrize(
    ("sentence", "specific"),
    [
        ("", False),
        ("Only time will tell.", False),
        ("I think it will work out.", False),
        ("They said I'm wrong about it.", False),
        ("The road reopened after 3 days.", True),
        ('He said "no" twice.', True),
        ("The mayor of Tromso spoke.", True),
        ("Anne Berg spoke to reporters.", True),
        ("The NATO summit ended.", True),
    ],
    ids=[
        "empty",
        "cliche",
        "pronoun_i",
        "pronoun_i_contraction",
        "digit",
        "quote",
        "name_mid",
        "name_lead",
        "acronym",
    ],
)
def test_is_specific(sentence: str, specific: bool) -> None:
    assert F.is_specific(sentence, 0, len(sentence)) is specific


def test_skeleton_keeps_stock_words() -> None:
    vocab = frozenset({"it", "is", "to", "the"})
    assert F.skeleton(["it", "is", "hard", "to", "say"], vocab) == ["it", "is", "_", "to", "_"]
    assert F.skeleton([], vocab) == []


def hand_resources(threshold: float = 0.5) -> F.FillerResources:
    """A tiny hand-made skeleton model: only the trigram 'this is a' weighs (1.0)."""
    phrases = F.load_phrases("only time will tell")
    sk = F.Skeletons(frozenset({"this", "is", "a", "the", "of"}), {("this", "is", "a"): 1.0}, threshold)
    return F.FillerResources(phrases, frozenset(phrases), sk)


@pytest.mark.parametrize(
    ("text", "score", "generic"),
    [
        # 8 words, 6 trigrams, one of them weighs 1.0 -> 1/6 < 0.5
        ("This is a very big deal for everyone.", 1 / 6, False),
        # 8 words, trigram 'this is a' twice -> 2/6
        ("This is a deal and this is a", 2 / 6, False),
        # 7 words: too short for a skeleton-only verdict, even with a high score
        ("This is a this is a deal.", 2 / 5, False),
        # 9 words, 7 trigrams, 'this is a' twice -> 2/7
        ("This is a this is a deal, quite simply.", 2 / 7, False),
    ],
    ids=["one_hit", "two_hits", "too_short", "two_of_seven"],
)
def test_hand_skeleton_scores(text: str, score: float, generic: bool) -> None:
    res = hand_resources()
    seg = segment(text)
    (got, spec, phrase), *_ = F.sentence_scores(seg, res)
    assert not spec and phrase == ""
    assert got == pytest.approx(score)
    assert bool(F.extract(seg, res, Context()).spans) is generic


def test_hand_skeleton_threshold_makes_generic() -> None:
    res = hand_resources(threshold=0.25)
    seg = segment("This is a this is a deal, quite simply.")  # 2/7 >= 0.25, 9 words
    spans = F.extract(seg, res, Context()).spans
    assert [(s.kind, s.detail) for s in spans] == [("filler", "generic")]
    got = dict(zip(F.NAMES, F.extract(seg, res, Context()).values, strict=True))
    assert got["fill.skeleton_score_mean"] == pytest.approx(2 / 7)


def test_padded_spans(res: F.FillerResources) -> None:
    seg = segment(X.PADDED)
    spans = F.extract(seg, res, Context()).spans
    texts = [seg.text[s.start : s.end] for s in spans]
    assert "Only time will tell." in texts
    assert all(s.kind == "filler" for s in spans)
    details = {seg.text[s.start : s.end]: s.detail for s in spans}
    assert details["Only time will tell."] == "only time will tell"
    assert "A landslide has hit Tromso." not in texts  # names a place: specific


def test_templated_news_has_no_filler_in_the_news(res: F.FillerResources) -> None:
    seg = segment(X.TEMPLATED)
    assert all(s.start >= len(X.CLEAN_NEWS) for s in F.extract(seg, res, Context()).spans)


def test_longest_phrase_wins() -> None:
    phrases = F.load_phrases("time will tell\ntime will tell us nothing")
    assert phrases[("time", "will")][0] == ("time", "will", "tell", "us", "nothing")


def test_lexicon_and_skeleton_file_errors() -> None:
    with pytest.raises(ModelLoadError, match="fewer than two words"):
        F.load_phrases("# comment\nsingleword")
    with pytest.raises(ModelLoadError, match="malformed"):
        F.load_skeletons("{}")
    with pytest.raises(ModelLoadError, match="rebuild"):
        F.load_skeletons(json.dumps({"n": 4, "vocab": [], "weights": {}, "threshold": 0.1}))


def test_shipped_resources_are_sane(res: F.FillerResources) -> None:
    sk = res.skeletons
    assert len(sk.vocab) > 500 and len(sk.weights) > 1000
    assert 0.0 < sk.threshold < 5.0
    assert all(len(g) == F.SKELETON_N and 0 < w <= 5.0 for g, w in sk.weights.items())
    assert ("only", "time") in res.phrases


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=400))
def test_property_values_in_range_and_deterministic(res: F.FillerResources, text: str) -> None:
    seg = segment(text)
    a = F.extract(seg, res, Context())
    assert a == F.extract(segment(text), res, Context())
    for v, (lo, hi) in zip(a.values, F.RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
    for s in a.spans:
        assert 0 <= s.start < s.end <= len(seg.text) and s.kind == "filler"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from([X.CLEAN_NEWS, X.PADDED, TWO_CLICHES, "Only time will tell.", "\n\n"]), max_size=8
    )
)
def test_property_adding_specific_news_never_raises_generic_count(
    res: F.FillerResources, parts: list[str]
) -> None:
    text = " ".join(parts)
    base = len(F.extract(segment(text), res, Context()).spans)
    more = len(F.extract(segment(text + "\n\n" + X.CLEAN_NEWS), res, Context()).spans)
    assert more == base


# --- The fast paths equal the plain definitions ------------------------------------------------


def plain_is_specific(text: str, start: int, end: int) -> bool:
    """The definition of ``is_specific`` on a copy of the sentence, byte counts, no classes."""
    b = text[start:end].encode()
    if b'"' in b or any(c in b for c in b"0123456789"):
        return True
    upper = sum(1 for c in b if 65 <= c <= 90)
    return upper > 1 and upper - b.count(b" I ") - b.count(b" I'") > 1


def plain_extract(
    seg: object, res: F.FillerResources
) -> tuple[tuple[float, ...], list[tuple[int, int, str]]]:
    """``fill.`` values and spans straight from their definitions, via ``sentence_scores``."""
    assert isinstance(seg, type(segment("")))
    scores = F.sentence_scores(seg, res)
    n = chars = g_chars = generic = hits = nonspec = run = best_run = 0
    score_sum = 0.0
    spans = []
    para_words: dict[int, int] = {}
    para_spec: dict[int, bool] = {}
    for i, ((s, e), ws, (score, spec, phrase)) in enumerate(
        zip(seg.sentences, seg.sentence_words, scores, strict=True)
    ):
        p = seg.line_paragraph[seg.sentence_line[i]]
        para_words[p] = para_words.get(p, 0) + len(ws)
        para_spec[p] = para_spec.get(p, False) or spec
        if len(ws) < F.MIN_SENTENCE_WORDS:
            continue
        n += 1
        chars += e - s
        score_sum += score
        hits += phrase != ""
        nonspec += not spec
        if not spec and (phrase or (score >= res.skeletons.threshold and len(ws) >= F.MIN_SKELETON_WORDS)):
            generic += 1
            g_chars += e - s
            run += 1
            best_run = max(best_run, run)
            spans.append((s, e, phrase or "generic"))
        else:
            run = 0
    big = [p for p, c in para_words.items() if c >= F.MIN_PARAGRAPH_WORDS]
    values = (
        (
            generic / n,
            g_chars / chars,
            hits / n,
            score_sum / nonspec if nonspec else 0.0,
            min(1.0, best_run / 5),
        )
        if n
        else (0.0,) * 5
    )
    values += (
        sum(1 for p in big if not para_spec[p]) / len(big) if big else 0.0,
        nonspec / n if n else 0.0,
    )
    return values, spans


# Sentences that exercise the specificity classes: pronoun "I" in all positions, overlapping
# " I I ", acronyms, quotes, digits, non-ASCII letters (upper and lower case), apostrophes.
SPEC_PARTS = [
    "I think so.",
    "Then I said no.",
    "He knew I I did.",
    "They said I'm late.",
    "I I I agree.",
    "The NATO summit ended.",
    "Only time will tell.",
    'He said "no".',
    "It took 3 days.",
    "Ésta es la Ópera.",
    "über alles I think",
    "Anne Berg spoke.",
    "it remains to be seen how this will play out for everyone involved in it",
    "\n\n",
    " ",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(SPEC_PARTS) | st.text(max_size=30), max_size=12))
def test_property_specific_flags_equal_plain_definition(parts: list[str]) -> None:
    text = " ".join(parts)
    seg = segment(text)
    plain = [plain_is_specific(seg.text, s, e) for s, e in seg.sentences]
    assert F._specific_flags(seg.text, seg.sentences) == plain
    assert [F.is_specific(seg.text, s, e) for s, e in seg.sentences] == plain
    assert F.is_specific(text, 0, len(text)) is plain_is_specific(text, 0, len(text))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*SPEC_PARTS, X.PADDED, X.CLEAN_NEWS, TWO_CLICHES]), max_size=10))
def test_property_extract_equals_plain_definition(res: F.FillerResources, parts: list[str]) -> None:
    seg = segment(" ".join(parts))
    got = F.extract(seg, res, Context())
    values, spans = plain_extract(seg, res)
    assert got.values == values  # bit-identical, not approximately equal
    assert [(s.start, s.end, s.detail) for s in got.spans] == spans
