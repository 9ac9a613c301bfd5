"""The family protocol's :func:`boilerplate_detect.features.extract`: order, clipping, checks."""

from __future__ import annotations

import math
import types

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boilerplate_detect import features as F
from boilerplate_detect.text import segment


def _fake_family(values: tuple[float, ...]) -> types.ModuleType:
    fam = types.ModuleType("fake")
    fam.PREFIX = "fake."  # type: ignore[attr-defined]
    fam.NAMES = ("fake.a", "fake.b", "fake.c")  # type: ignore[attr-defined]
    fam.RANGES = ((0.0, 1.0), (-1.0, 1.0), (0.0, 100.0))  # type: ignore[attr-defined]
    fam.extract = lambda seg, res, ctx: F.FamilyResult(values, [])  # type: ignore[attr-defined]
    return fam


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ((0.0, 0.0, 0.0), [0.0, 0.0, 0.0]),
        ((0.5, -0.25, 42.0), [0.5, -0.25, 42.0]),
        ((2.0, -3.0, 101.0), [1.0, -1.0, 100.0]),
        ((math.nan, math.inf, -math.inf), [0.0, -1.0, 0.0]),
        ((True, 1, 7), [1.0, 1.0, 7.0]),
    ],
    ids=["zeros", "inside", "clipped", "non-finite-to-low", "ints-and-bools"],
)
def test_values_are_clipped_to_the_declared_range(
    monkeypatch: pytest.MonkeyPatch, raw: tuple[float, ...], expected: list[float]
) -> None:
    fam = _fake_family(raw)
    monkeypatch.setattr(F, "FAMILIES", (fam,))
    monkeypatch.setattr(F, "_LOW", F.np.array([r[0] for r in fam.RANGES]))
    monkeypatch.setattr(F, "_HIGH", F.np.array([r[1] for r in fam.RANGES]))
    values, spans = F.extract(segment("Some text."), {"fake.": None})
    assert values == expected
    assert all(type(v) is float for v in values)
    assert spans == []


def test_a_family_with_the_wrong_number_of_values_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(F, "FAMILIES", (_fake_family((0.0, 0.0)),))
    with pytest.raises(ValueError, match=r"fake\.extract returned 2 values for 3"):
        F.extract(segment("Some text."), {"fake.": None})


@pytest.fixture(scope="module")
def resources() -> dict[str, object]:
    return F.load_resources()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.sampled_from(["Alpha", "beta.", "Gamma", "said", "5", "things!", "\n", "\n\n", '"', "the"]),
        max_size=60,
    )
)
def test_real_values_are_finite_and_inside_their_ranges(
    resources: dict[str, object], words: list[str]
) -> None:
    values, _ = F.extract(segment(" ".join(words)), resources)
    assert len(values) == len(F.FEATURE_NAMES)
    for name, v in zip(F.FEATURE_NAMES, values, strict=True):
        lo, hi = F.FEATURE_RANGES[name]
        assert math.isfinite(v) and lo <= v <= hi, name


def test_extract_many_equals_extract_text_by_text(resources: dict[str, object]) -> None:
    from tests import texts as X

    texts = [X.EMPTY, X.CLEAN_NEWS, X.PADDED, X.TEMPLATED, X.CHROME_COPY, X.ONE_WORD, X.INDEPENDENT_NEWS]
    segs = [segment(t) for t in texts]
    site = F.Context(site_lines={1: 3}, site_docs=4)
    contexts: list[F.Context | None] = [None, site, None, site, None, None, F.Context()]
    batch = F.extract_many(segs, resources, contexts)
    assert batch == [F.extract(s, resources, c) for s, c in zip(segs, contexts, strict=True)]
    assert F.extract_many([], resources) == []
    with pytest.raises(ValueError, match="2 texts but 1 contexts"):
        F.extract_many(segs[:2], resources, [None])


def test_extract_many_clips_non_finite_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    fam = _fake_family((math.nan, 0.5, math.inf))
    monkeypatch.setattr(F, "FAMILIES", (fam,))
    monkeypatch.setattr(F, "_LOW", F.np.array([r[0] for r in fam.RANGES]))
    monkeypatch.setattr(F, "_HIGH", F.np.array([r[1] for r in fam.RANGES]))
    rows = F.extract_many([segment("One."), segment("Two.")], {"fake.": None})
    assert [v for v, _ in rows] == [[0.0, 0.5, 0.0], [0.0, 0.5, 0.0]]
