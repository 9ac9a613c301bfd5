from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect import Article, Detector, Report
from boilerplate_detect.features import FEATURE_NAMES
from boilerplate_detect.report import SPAN_KINDS
from tests import texts


def _check_report(r: Report, text: str) -> None:
    assert 0.0 <= r.originality <= 1.0 and math.isfinite(r.originality)
    assert r.label == ("farm" if r.originality < r.threshold else "original")
    assert tuple(r.features) == FEATURE_NAMES
    assert all(math.isfinite(v) for v in r.features.values())
    for s in r.spans:
        assert 0 <= s.start <= s.end <= len(text)
        assert s.kind in SPAN_KINDS
    json.dumps(r.to_dict())


@pytest.mark.parametrize(
    "text", [texts.EMPTY, texts.BLANK, texts.ONE_WORD], ids=["empty", "blank", "one-word"]
)
def test_degenerate_text_gives_a_too_short_report(detector: Detector, text: str) -> None:
    r = detector.score(text)
    _check_report(r, text)
    assert r.reasons[0] == "too_short"
    assert r.label == "original"


@pytest.mark.parametrize("bad", [None, 42, b"bytes", 1.5], ids=["none", "int", "bytes", "float"])
def test_wrong_types_raise(detector: Detector, bad: object) -> None:
    with pytest.raises((TypeError, ValueError), match="text"):
        detector.score(bad)  # type: ignore[arg-type]


def test_huge_text_is_cut_and_says_so(detector: Detector) -> None:
    huge = (texts.CLEAN_NEWS + "\n\n") * 30_000  # ~12 MB
    r = detector.score(huge)
    assert "truncated" in r.reasons
    _check_report(r, huge)


def test_non_english_is_out_of_domain_not_farm(detector: Detector) -> None:
    r = detector.score(texts.NON_ENGLISH)
    assert r.reasons[0] == "unsupported_language"
    assert r.label == "original"


def test_score_equals_score_many(detector: Detector) -> None:
    items = [texts.CLEAN_NEWS, Article(id="p", text=texts.PADDED), {"id": "t", "text": texts.TEMPLATED}]
    many = list(detector.score_many(items))
    assert [r.id for r in many] == ["0", "p", "t"]
    for item, r in zip(items, many, strict=False):
        assert detector.score(item) == next(detector.score_many([item]))
        assert detector.score(item).to_dict() == r.to_dict()


def test_score_many_is_lazy_and_ordered(detector: Detector) -> None:
    def gen():  # type: ignore[no-untyped-def]
        for i in range(7):
            yield Article(id=f"a{i}", text=texts.CLEAN_NEWS + f" Item {i}.")
        raise AssertionError("consumed beyond what was asked")

    it = detector.score_many(gen(), batch_size=3)
    got = [next(it).id for _ in range(3)]
    assert got == ["a0", "a1", "a2"]


def test_padded_and_templated_score_below_the_originals(detector: Detector) -> None:
    o = detector.score(texts.CLEAN_NEWS).originality
    ind = detector.score(texts.INDEPENDENT_NEWS).originality
    for farm in (texts.PADDED, texts.TEMPLATED):
        f = detector.score(farm).originality
        assert f < min(o, ind), (f, o, ind)


def test_templated_text_has_template_spans(detector: Detector) -> None:
    r = detector.score(texts.TEMPLATED)
    kinds = {s.kind for s in r.spans}
    assert kinds & {"template", "boilerplate"}
    for s in r.spans:
        if s.kind in ("template", "boilerplate"):
            assert texts.TEMPLATED[s.start : s.end].strip()
            assert s.start >= len(texts.CLEAN_NEWS) - 1


def test_reasons_are_feature_names_strongest_first(detector: Detector) -> None:
    r = detector.score(texts.PADDED)
    assert r.reasons, "a padded text must have reasons"
    assert all(
        x in FEATURE_NAMES or x in ("too_short", "truncated", "unsupported_language") for x in r.reasons
    )


def test_two_detectors_share_no_state() -> None:
    a = Detector.load()
    b = Detector.load(threshold=0.99)
    assert a.resources is not b.resources
    ra, rb = a.score(texts.CLEAN_NEWS), b.score(texts.CLEAN_NEWS)
    assert ra.originality == rb.originality and rb.threshold == 0.99 and ra.threshold != 0.99
    assert a.score(texts.CLEAN_NEWS) == ra


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=400))
def test_any_text_gives_a_valid_report(detector: Detector, text: str) -> None:
    _check_report(detector.score(text), text)


def test_output_is_byte_identical_across_hash_seeds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = textwrap.dedent(
        """
        import json, sys
        from boilerplate_detect import Detector
        sys.path.insert(0, sys.argv[1])
        import texts
        det = Detector.load()
        items = [texts.CLEAN_NEWS, texts.PADDED, texts.TEMPLATED, texts.CHROME_COPY, texts.INDEPENDENT_NEWS]
        for r in det.score_many(items):
            sys.stdout.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\\n")
        """
    )
    here = str(Path(__file__).parent)
    outs = []
    for seed in ("1", "2", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        p = subprocess.run(
            [sys.executable, "-c", code, here], capture_output=True, env=env, timeout=300, check=True
        )
        outs.append(p.stdout)
    assert outs[0] == outs[1] == outs[2]
    assert outs[0].count(b"\n") == 5
