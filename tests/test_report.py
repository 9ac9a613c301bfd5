from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from boilerplate_detect.report import SPAN_KINDS, NearDuplicate, Passage, Report, Span

finite = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
spans = st.builds(
    Span, st.integers(0, 1000), st.integers(0, 1000), st.sampled_from(SPAN_KINDS), st.text(max_size=20)
)
passages = st.builds(
    Passage,
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(0, 100),
    finite.map(lambda x: round(x, 6)),
)
near = st.builds(
    NearDuplicate,
    id=st.text(max_size=10),
    outlet=st.text(max_size=10),
    overlap=finite.map(lambda x: round(x, 6)),
    jaccard=finite.map(lambda x: round(x, 6)),
    containment=finite.map(lambda x: round(x, 6)),
    fact_overlap=finite.map(lambda x: round(x, 6)),
    direction=st.sampled_from(["copied_from", "copied_by", "unknown"]),
    direction_inferred=st.booleans(),
    published=st.none() | st.text(max_size=10),
    passages=st.lists(passages, max_size=3).map(tuple),
)
reports = st.builds(
    Report,
    id=st.text(max_size=10),
    originality=finite.map(lambda x: round(x, 9)),
    label=st.sampled_from(["original", "farm"]),
    threshold=finite.map(lambda x: round(x, 9)),
    reasons=st.lists(st.text(max_size=12), max_size=4).map(tuple),
    features=st.dictionaries(st.text(max_size=8), finite.map(lambda x: round(x, 9)), max_size=5),
    spans=st.lists(spans, max_size=4).map(tuple),
    near_duplicates=st.lists(near, max_size=2).map(tuple),
    outlet=st.none() | st.text(max_size=8),
    model_version=st.text(max_size=8),
)


@given(reports)
def test_report_round_trips_through_to_dict(r: Report) -> None:
    d = r.to_dict()
    assert Report.from_dict(json.loads(json.dumps(d))) == r


def test_to_dict_key_order_is_fixed() -> None:
    r = Report(id="a", originality=0.5, label="original", threshold=0.3, reasons=(), features={"x": 1.0})
    assert list(r.to_dict()) == [
        "id",
        "originality",
        "label",
        "threshold",
        "reasons",
        "outlet",
        "spans",
        "near_duplicates",
        "features",
        "model_version",
    ]


def test_non_finite_feature_values_are_written_as_zero() -> None:
    r = Report(
        id="a", originality=0.5, label="original", threshold=0.3, reasons=(), features={"x": float("nan")}
    )
    assert r.to_dict()["features"] == {"x": 0.0}
