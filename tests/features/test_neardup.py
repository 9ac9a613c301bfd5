"""Family ``dup.``: values come from the index's evidence; defined "no evidence" values otherwise."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.features import Context, RawSpan, check_family
from boilerplate_detect.features import neardup as fam
from boilerplate_detect.features.neardup import NAMES, NO_EVIDENCE, RANGES, DupEvidence
from boilerplate_detect.text import segment
from tests.texts import CLEAN_NEWS, EMPTY, ONE_WORD

EV = DupEvidence((), (0.25, 0.5, 3.0, 0.4, 0.3, 0.0), (RawSpan(0, 9, "copied", "shared with x"),))


@pytest.mark.parametrize(
    ("text", "ev", "values", "n_spans"),
    [
        (EMPTY, None, NO_EVIDENCE, 0),
        (EMPTY, EV, NO_EVIDENCE, 0),  # no text: no evidence, whatever the index said
        (ONE_WORD, None, NO_EVIDENCE, 0),
        (CLEAN_NEWS, None, (0.0, 0.0, 0.0, 0.0, 1.0, 1.0), 0),
        (CLEAN_NEWS, DupEvidence(), NO_EVIDENCE, 0),
        (CLEAN_NEWS, EV, (0.25, 0.5, 3.0, 0.4, 0.3, 0.0), 1),
    ],
    ids=["empty", "empty-with-evidence", "one-word", "no-index", "no-match", "copied"],
)
def test_neardup_table(text: str, ev: DupEvidence | None, values: tuple[float, ...], n_spans: int) -> None:
    res = fam.extract(segment(text), fam.load(), Context(dup=ev))
    assert res.values == values
    assert len(res.spans) == n_spans
    assert all(s.kind == "copied" for s in res.spans)


def test_declarations() -> None:
    assert not check_family(fam)
    assert dict(zip(NAMES, NO_EVIDENCE, strict=True))["dup.novel_fact_frac"] == 1.0


def test_evidence_needs_one_value_per_name() -> None:
    with pytest.raises(ValueError, match="values"):
        DupEvidence((), (0.0,), ())


def test_spans_outside_the_text_are_dropped() -> None:
    ev = DupEvidence((), NO_EVIDENCE, (RawSpan(0, 10**6, "copied", "x"),))
    assert fam.extract(segment(CLEAN_NEWS), None, Context(dup=ev)).spans == []


@settings(max_examples=50, deadline=None)
@given(
    st.text(max_size=200),
    st.tuples(
        st.floats(0, 1), st.floats(0, 1), st.integers(0, 100).map(float), st.floats(0, 1), st.floats(0, 1),
        st.sampled_from([0.0, 1.0]),
    ),
)  # fmt: skip
def test_values_stay_in_range(text: str, values: tuple[float, ...]) -> None:
    res = fam.extract(segment(text), None, Context(dup=DupEvidence((), values, ())))
    for v, (lo, hi) in zip(res.values, RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
