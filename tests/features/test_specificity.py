from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.features import Context, check_family
from boilerplate_detect.features import specificity as spec
from boilerplate_detect.text import segment


@pytest.fixture(scope="module")
def res() -> spec.Resources:
    return spec.load()


def _values(text: str, res: spec.Resources) -> dict[str, float]:
    out = spec.extract(segment(text), res, Context())
    return dict(zip(spec.NAMES, out.values, strict=True))


def test_declarations() -> None:
    assert check_family(spec) == []


ATTRIBUTED = '"It was late," said Anne Berg. Berg added that the road was shut.'  # 13 words


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("", "spec.name_density", 0.0),
        ("", "spec.specific_sentence_frac", 0.0),
        # "Anne Berg" (one run) and "Oslo": 2 names in 7 words; sentence-initial "The" is none.
        ("The mayor met Anne Berg in Oslo.", "spec.name_density", 200 / 7),
        # "Berg" opens a sentence but recurs mid-sentence: a name; "Oslo" only opens one: no name.
        ("Berg left. Oslo is cold. They met Berg.", "spec.name_density", 200 / 8),
        # The first word of an initial run is dropped unless seen mid-sentence: "Berg" remains.
        ("Anne Berg left the town.", "spec.name_density", 100 / 5),
        ("Mr. Smith met the board.", "spec.name_density", 100 / 5),  # "Mr" is a title, "Smith" a name
        ("I think so, and I agree.", "spec.name_density", 0.0),
        # A chrome heading contributes no name: only "Parliament" of 8 words.
        ("Key Points\nThe plan was approved by Parliament.", "spec.name_density", 100 / 8),
        # "340 homes" weighs 1.0, the bare year 1987 0.25: 1.25 in 6 words.
        ("They counted 340 homes in 1987.", "spec.number_density", 125 / 6),
        ("It was 12 to 3.", "spec.number_density", 100 / 5),  # two bare numbers, 0.5 each
        ("Prices rose 5% and $40 more.", "spec.number_density", 200 / 6),
        ("Route E8 was shut.", "spec.number_density", 0.0),  # part of a code
        # "Monday" and "May" (mid-sentence): 2 dates in 8 words; neither is a name.
        ("We met on Monday and again in May.", "spec.date_density", 200 / 8),
        ("We met on Monday and again in May.", "spec.name_density", 0.0),
        ("May I ask a question?", "spec.date_density", 0.0),
        ("The deadline is 12/03/2024 for all.", "spec.date_density", 100 / 8),  # "12/03/2024" is 3 words
        ('She said "we will rebuild the town" today.', "spec.quote_density", 100 / 8),
        ('She said "we will rebuild the town" today.', "spec.quoted_word_frac", 5 / 8),
        ('She said "yes" today.', "spec.quote_density", 0.0),  # shorter than QUOTE_MIN_WORDS
        (ATTRIBUTED, "spec.attribution_density", 200 / 13),
        (ATTRIBUTED, "spec.named_attribution_density", 200 / 13),
        ("He said the road was shut.", "spec.named_attribution_density", 0.0),
        ("According to the police, the road is closed.", "spec.attribution_density", 100 / 8),
        ("The saidan bridge is old.", "spec.attribution_density", 0.0),  # whole words only
        ("Anne Berg left. Things happen. Prices rose 5 percent.", "spec.specific_sentence_frac", 2 / 3),
        ("Years ago, things were different. Recently, they changed.", "spec.vague_time_rate", 200 / 8),
    ],
    ids=[
        "empty-names",
        "empty-specific",
        "names-mid-sentence",
        "names-initial-recurring",
        "names-initial-run",
        "names-title",
        "names-pronoun-i",
        "names-chrome-line",
        "numbers-unit-and-year",
        "numbers-bare",
        "numbers-percent-currency",
        "numbers-code",
        "dates-words",
        "dates-not-names",
        "dates-may-modal",
        "dates-numeric",
        "quote",
        "quoted-word-frac",
        "quote-too-short",
        "attributions",
        "named-attributions",
        "pronoun-attribution",
        "according-to",
        "attribution-whole-word",
        "specific-sentences",
        "vague-time",
    ],
)
def test_table(res: spec.Resources, text: str, name: str, expected: float) -> None:
    assert _values(text, res)[name] == pytest.approx(expected)


def test_empty_text_is_all_zero(res: spec.Resources) -> None:
    assert spec.extract(segment(""), res, Context()).values == (0.0,) * len(spec.NAMES)


BODY = (
    "Officials in Tromso said on Friday that 340 homes were evacuated after a landslide. "
    'Police chief Anne Berg told reporters that two people were hurt. "We were lucky," said Berg.'
)


def test_template_headings_add_no_names(res: spec.Resources) -> None:
    """FINDINGS: template headings and sentence-initial capitals must not count as facts."""
    templated = BODY + "\n\nKey Points\n- Homes Evacuated\n\nFAQs\nFuture Prospects\nFollow Daily Buzz Times"
    body = _values(BODY, res)
    tmpl = _values(templated, res)
    n_body, n_tmpl = len(segment(BODY).words), len(segment(templated).words)
    assert tmpl["spec.name_density"] * n_tmpl == pytest.approx(body["spec.name_density"] * n_body)
    assert tmpl["spec.specific_sentence_frac"] == pytest.approx(body["spec.specific_sentence_frac"])


def test_values_do_not_depend_on_layout(res: spec.Resources) -> None:
    paras = BODY.split(". ")
    split = _values(".\n\n".join(paras), res)
    flat = _values(". ".join(paras), res)
    assert split == pytest.approx(flat)


_TEXTS = st.text(alphabet=st.sampled_from(list("ab MAy.\n,'\"-19$%/é")), max_size=300) | st.text(max_size=200)


@settings(max_examples=150, deadline=None)
@given(text=_TEXTS)
def test_values_are_finite_in_range_and_deterministic(res: spec.Resources, text: str) -> None:
    out = spec.extract(segment(text), res, Context())
    assert len(out.values) == len(spec.NAMES)
    for v, (lo, hi) in zip(out.values, spec.RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
    assert spec.extract(segment(text), res, Context()) == out
