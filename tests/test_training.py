from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from boilerplate_detect import generators, training
from boilerplate_detect.features import FEATURE_NAMES
from boilerplate_detect.model import ModelBundle

_PLACES = ["Norrvik", "Vesterby", "Kallholm", "Sandvik", "Ostra Lund", "Brekke", "Haldor", "Mirvale"]
_PEOPLE = ["Ingrid Salo", "Marko Lind", "Ella Berg", "Tomas Varga", "Ada Kern", "Lena Holt", "Piet Aro"]
_ROLES = ["council leader", "police spokeswoman", "head teacher", "chief executive", "union official"]
_THINGS = ["ferry terminal", "cycle lane", "school roof", "water plant", "bus depot", "sports hall"]


def _original(rng: random.Random) -> str:
    place, thing = rng.choice(_PLACES), rng.choice(_THINGS)
    p1, p2 = rng.sample(_PEOPLE, 2)
    n = rng.randint(2, 90)
    paras = [
        f"The {thing} in {place} will close for {n} weeks from {rng.choice(['May', 'June', 'March'])}, "
        f"officials said on {rng.choice(['Monday', 'Tuesday', 'Friday'])}.",
        f'"We had no choice," said {p1}, a {rng.choice(_ROLES)}. '
        f"The repairs will cost {n * 13} thousand euros.",
        f"{p2}, who has lived in {place} for {rng.randint(3, 40)} years, said the plan came too late. "
        f"A petition signed by {rng.randint(100, 2000)} residents was handed in last month.",
    ]
    rng.shuffle(paras)
    return "\n\n".join(paras[: rng.randint(2, 3)])


def _machine(rng: random.Random, topic: str) -> str:
    return " ".join(
        generators.filler_sentence(rng, [topic, "the community"]) for _ in range(rng.randint(4, 7))
    )


def _corpus(path: Path, n: int = 50) -> None:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        text = _original(rng)
        meta = {"outlet": f"Outlet {i % 5}", "category": "local"}
        rows.append({"id": f"o{i}", "text": text, "label": "original", "group": f"g{i}",
                     "source": "unit-news", "meta": meta})  # fmt: skip
        machine = _machine(rng, rng.choice(_THINGS))
        rows.append({"id": f"m{i}", "text": machine, "label": "farm", "group": f"g{i}", "source": "unit-news",
                     "meta": {"model": "unit-lm"}})  # fmt: skip
    rows.append({"id": "page", "text": "Home\nNews\n" + _original(rng), "label": "unknown", "group": "p",
                 "source": "unit-pages", "meta": {}})  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, object]]:
    root = tmp_path_factory.mktemp("train")
    data = root / "data"
    data.mkdir()
    _corpus(data / "unit.jsonl")
    out = root / "model"
    metrics = training.train(
        data, out, seed=3, cache_dir=None, variants_per_original=1, transfer=False, max_iter=30
    )
    return data, out, metrics


def test_train_writes_a_loadable_artifact(trained: tuple[Path, Path, dict[str, object]]) -> None:
    data, out, metrics = trained
    assert {p.name for p in out.iterdir()} >= {"model.skops", "meta.json", "MODEL_CARD.md"}
    b = ModelBundle.load(out)
    assert b.feature_names == FEATURE_NAMES
    assert b.meta["seed"] == 3
    assert b.meta["data_manifest_sha256"] == training.manifest_hash(data)
    assert b.meta["metrics"] == metrics
    assert 0.0 < b.threshold < 1.0
    assert "Held-out test metrics" in (out / "MODEL_CARD.md").read_text()


def test_the_model_separates_the_easy_corpus(trained: tuple[Path, Path, dict[str, object]]) -> None:
    _, _, metrics = trained
    head = metrics["headline"]
    assert isinstance(head, dict)
    assert head["machine_all_roc_auc"] is not None and head["machine_all_roc_auc"] > 0.9


def test_training_is_reproducible(trained: tuple[Path, Path, dict[str, object]], tmp_path: Path) -> None:
    data, out, metrics = trained
    again = training.train(
        data, tmp_path / "again", seed=3, cache_dir=None, variants_per_original=1, transfer=False, max_iter=30
    )
    assert again == metrics
    x = np.random.default_rng(0).uniform(0, 1, size=(20, len(FEATURE_NAMES)))
    a = ModelBundle.load(out).predict_originality(x)
    b = ModelBundle.load(tmp_path / "again").predict_originality(x)
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_group_split_never_splits_a_group() -> None:
    groups = [f"g{i}" for i in range(2000)]
    splits = [training.group_split(g, 0) for g in groups]
    assert splits == [training.group_split(g, 0) for g in groups]
    share = splits.count("test") / len(splits)
    assert 0.15 < share < 0.25
    assert splits != [training.group_split(g, 1) for g in groups]


def test_examples_keep_variants_in_their_originals_group(tmp_path: Path) -> None:
    _corpus(tmp_path / "c.jsonl", n=12)
    rows = training.load_rows(tmp_path)
    ex = training.build_examples(rows, seed=0, variants_per_original=2)
    originals = {e.group for e in ex if e.y == 1 and not e.augment}
    syn = [e for e in ex if e.kind.startswith("synthetic:")]
    assert len(syn) == 24
    assert {e.group for e in syn} <= originals
    assert all(e.y == 0 for e in syn)
    assert not any(e.id == "page" for e in ex)  # unknown rows are not labelled examples


def test_residue_copies_are_originals_of_their_group(tmp_path: Path) -> None:
    _corpus(tmp_path / "c.jsonl", n=12)
    rows = training.load_rows(tmp_path)
    ex = training.build_examples(rows, seed=0, residue_share=1.0)
    by_id = {e.id: e for e in ex}
    residue = [e for e in ex if e.augment == "residue"]
    assert len(residue) == sum(1 for e in ex if e.y == 1 and not e.augment)
    for e in residue:
        source = by_id[e.id.removesuffix("#residue")]
        assert (e.y, e.group, e.kind) == (1, source.group, "human")
        assert e.text != source.text
    assert not any(e.augment == "residue" for e in training.build_examples(rows, seed=0, residue_share=0.0))


@pytest.mark.parametrize(
    ("text", "n", "expected"),
    [
        ("", 150, ""),
        ("a b c", 150, "a b c"),
        ("One two. Three four five. Six seven", 6, "One two. Three four five."),
        ("One two. Three four five six", 5, "One two. Three four five"),
    ],
    ids=["empty", "short", "cut-at-stop", "stop-too-early"],
)
def test_cut_words(text: str, n: int, expected: str) -> None:
    assert training.cut_words(text, n) == expected


def test_reflow_joins_paragraphs() -> None:
    assert training.reflow("A b.\n\nC d.\nE.") == "A b. C d. E."


def test_missing_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"no \*\.jsonl files"):
        training.load_rows(tmp_path)


def test_indexed_scenarios_give_copies_dup_evidence(tmp_path: Path) -> None:
    from boilerplate_detect.features import FEATURE_NAMES

    _corpus(tmp_path / "c.jsonl", n=8)
    ex = training.build_examples(training.load_rows(tmp_path), seed=0, variants_per_original=2)
    groups = {e.group for e in ex if e.y == 1}
    rows = training.compute_indexed_features(ex, groups, seed=0, cache_dir=None)
    assert set(rows) == {i for i, e in enumerate(ex) if not e.augment}
    containment = FEATURE_NAMES.index("dup.max_containment")
    keeps_all = {"synthetic:pad", "synthetic:chrome", "synthetic:template", "synthetic:keywords"}
    copies = [rows[i][containment] for i, e in enumerate(ex) if e.kind in keeps_all]
    alone = [rows[i][containment] for i, e in enumerate(ex) if e.kind == "unit-lm" and not e.augment]
    assert copies
    assert max(copies) > 0.3  # a padded or wrapped copy contains most of its original
    assert all(v < 0.3 for v in alone)  # unrelated machine text shares nothing


def test_cli_train_writes_the_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse

    _corpus(tmp_path / "c.jsonl", n=30)
    parser = argparse.ArgumentParser()
    training.add_train_arguments(parser)
    out = tmp_path / "m"
    args = parser.parse_args([str(tmp_path), "-o", str(out), "--seed", "2", "--no-cache", "--no-transfer"])
    assert training.cli_train(args) == 0
    assert "headline:" in capsys.readouterr().out
    assert ModelBundle.load(out).meta["seed"] == 2
