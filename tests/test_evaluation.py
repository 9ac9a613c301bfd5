from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from boilerplate_detect import evaluation, training
from boilerplate_detect.training import Example
from tests.test_training import _corpus


def _ex(i: str, y: int, group: str, kind: str = "human", source: str = "s", augment: str = "") -> Example:
    return Example(i, "t", y, group, source, kind, augment=augment)


def test_metrics_by_hand() -> None:
    # Two stories: originals score 0.9 and 0.4; machine versions 0.2 and 0.5; one synthetic 0.1.
    ex = [
        _ex("o1", 1, "a"),
        _ex("m1", 0, "a", kind="lm-x"),
        _ex("o2", 1, "b"),
        _ex("m2", 0, "b", kind="lm-x"),
        _ex("s2", 0, "b", kind="synthetic:pad"),
        _ex("o2r", 1, "b", augment="reflow150"),
    ]
    scores = np.array([0.9, 0.2, 0.4, 0.5, 0.1, 0.3])
    m = evaluation.compute_metrics(ex, scores, threshold=0.35)
    lm = m["slices"]["machine:s:lm-x"]
    # Pairs: (0.9 > 0.2) win, (0.4 < 0.5) loss -> 0.5.  AUC over {0.9,0.4} vs {0.2,0.5}: 3 of 4 pairs -> 0.75.
    assert lm["paired_win_rate"] == 0.5
    assert lm["roc_auc"] == 0.75
    assert lm["false_farm_rate"] == 0.0
    # Farm predicted below 0.35: m1 yes, m2 no -> tp 1, fn 1, fp 0 -> F1 = 2/3.
    assert lm["f1"] == pytest.approx(0.6667, abs=1e-4)
    syn = m["slices"]["synthetic:pad"]
    assert syn["roc_auc"] == 1.0 and syn["paired_win_rate"] == 1.0
    assert m["slices"]["generator:pad"]["n_farm"] == 1
    assert m["false_farm"]["original:s:reflow150"]["false_farm_rate"] == 1.0
    head = m["headline"]
    assert head["false_farm_rate_human"] == 0.0
    assert head["false_farm_rate_human_with_aug"] == pytest.approx(1 / 3, abs=1e-4)
    # All pairs: a: (0.9, 0.2) win; b: (0.4, 0.5) loss, (0.4, 0.1) win -> 2/3.
    assert head["paired_win_rate"] == pytest.approx(0.6667, abs=1e-4)
    assert head["n_pairs"] == 3


def test_single_class_slices_have_no_auc() -> None:
    ex = [_ex("m1", 0, "a", kind="lm")]
    m = evaluation.compute_metrics(ex, np.array([0.3]), threshold=0.5)
    assert m["slices"]["machine:s:lm"]["roc_auc"] is None
    assert "roc_auc" in evaluation.format_table(m)


@pytest.fixture(scope="module")
def model_and_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("eval")
    data = root / "data"
    data.mkdir()
    _corpus(data / "unit.jsonl", n=40)
    training.train(
        data, root / "model", seed=1, cache_dir=None, variants_per_original=1, transfer=False, max_iter=30
    )
    return data / "unit.jsonl", root / "model"


def test_evaluate_end_to_end(model_and_data: tuple[Path, Path], tmp_path: Path) -> None:
    data, model = model_and_data
    out = tmp_path / "m.json"
    m = evaluation.evaluate([data], model, json_out=out)
    assert json.loads(out.read_text()) == m
    assert "machine:unit-news:unit-lm" in m["slices"]
    assert any(k.startswith("synthetic:") for k in m["slices"])
    assert "original:unit-news:reflow150" in m["false_farm"]
    assert m["unlabelled"]["n"] == 1
    table = evaluation.format_table(m)
    assert "paired_wi" in table and "reflow150" in table


def test_evaluate_test_split_only(model_and_data: tuple[Path, Path]) -> None:
    data, model = model_and_data
    full = evaluation.evaluate([data], model, synthetic=False, layout_slices=False)
    test = evaluation.evaluate([data], model, synthetic=False, layout_slices=False, split="test")
    assert 0 < test["n"] < full["n"]


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is not None, reason="matplotlib is installed")
def test_plot_without_matplotlib_says_how_to_get_it(
    model_and_data: tuple[Path, Path], tmp_path: Path
) -> None:
    data, model = model_and_data
    with pytest.raises(ImportError, match="pip install matplotlib"):
        evaluation.evaluate([data], model, synthetic=False, plot=tmp_path / "p.png")


@pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None, reason="needs matplotlib")
def test_plot_writes_a_png(model_and_data: tuple[Path, Path], tmp_path: Path) -> None:
    data, model = model_and_data
    evaluation.evaluate([data], model, plot=tmp_path / "p.png")
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"


def test_model_card_has_the_sections(model_and_data: tuple[Path, Path]) -> None:
    _, model = model_and_data
    card = (model / "MODEL_CARD.md").read_text()
    for section in (
        "## Intended use",
        "## Data",
        "## Recipe",
        "## Held-out test metrics",
        "## Known failure cases",
    ):
        assert section in card


def test_cli_evaluate_prints_the_table(
    model_and_data: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    data, model = model_and_data
    parser = argparse.ArgumentParser()
    evaluation.add_evaluate_arguments(parser)
    args = parser.parse_args([str(data), "--model", str(model), "--json", str(tmp_path / "m.json")])
    assert evaluation.cli_evaluate(args) == 0
    out = capsys.readouterr().out
    assert "headline:" in out and "false_farm" in out
    assert json.loads((tmp_path / "m.json").read_text())["model"] == "model"
