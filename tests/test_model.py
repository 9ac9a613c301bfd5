from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import skops.io as sio

from boilerplate_detect import training
from boilerplate_detect.errors import ModelLoadError
from boilerplate_detect.features import FEATURE_NAMES
from boilerplate_detect.model import META_FILE, MODEL_FILE, ModelBundle, default_model_dir

NAMES = ("t.a", "t.b", "t.flag")


class Payload:
    """A type no model file may ask for; loading it would run this class's code."""

    ran: ClassVar[list[str]] = []

    def __setstate__(self, state: object) -> None:
        Payload.ran.append("setstate")


def _data(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    x[:, 2] = (x[:, 2] > 0).astype(float)
    y = (x[:, 0] - 0.5 * x[:, 2] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return x, y


def _bundle(names: tuple[str, ...] = NAMES) -> tuple[ModelBundle, np.ndarray]:
    x, y = _data()
    b = training.fit_from_arrays(x, y, feature_names=names, seed=0, name="unit", max_iter=40, threshold=0.3)
    b.meta["seed"] = 0
    return b, x


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, ModelBundle, np.ndarray]:
    b, x = _bundle()
    d = tmp_path / "m"
    b.save(d)
    return d, b, x


def _load(d: Path, **kw: object) -> ModelBundle:
    return ModelBundle.load(d, expected_features=NAMES, **kw)  # type: ignore[arg-type]


def test_round_trip_gives_identical_scores(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, b, x = saved
    b2 = _load(d)
    np.testing.assert_array_equal(b2.predict_originality(x), b.predict_originality(x))
    np.testing.assert_array_equal(b2.contributions(x), b.contributions(x))
    assert b2.feature_names == NAMES
    assert b2.threshold == 0.3
    assert b2.name == "unit"
    assert b2.meta["seed"] == 0


def test_scores_are_probabilities_of_the_right_shape(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    _, b, x = saved
    p = b.predict_originality(x)
    assert p.shape == (len(x),)
    assert np.all((p >= 0) & (p <= 1))
    extreme = np.array([[1e9, -1e9, 5.0], [np.finfo(float).max, 0.0, 0.0]])
    assert np.all(np.isfinite(b.predict_originality(extreme)))


def test_contributions_add_up_to_the_calibrated_logit(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    _, b, x = saved
    c = b.contributions(x)
    assert c.shape == x.shape
    p = b.predict_originality(x)
    logit = np.log(p / (1 - p))
    np.testing.assert_allclose(c.sum(axis=1) + b.base_logit(), logit, rtol=1e-9, atol=1e-9)


def test_contribution_follows_the_feature_the_model_uses(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    # y rises with t.a and falls with t.flag in the training data.
    _, b, _ = saved
    c = b.contributions(np.array([[-2.0, 0.0, 0.0], [2.0, 0.0, 1.0]]))
    assert c[1, 0] > c[0, 0]
    assert c[1, 2] < c[0, 2]
    # t.b is noise: its term moves much less than t.a's.
    spread_b = np.ptp(b.tables[1])
    assert spread_b < 0.5 * np.ptp(b.tables[0])


def test_contributions_of_one_feature_depend_on_that_feature_only(
    saved: tuple[Path, ModelBundle, np.ndarray],
) -> None:
    _, b, x = saved
    y = x.copy()
    y[:, 1] += 1.5
    diff = b.contributions(y) - b.contributions(x)
    np.testing.assert_array_equal(diff[:, [0, 2]], 0.0)


def test_tabulate_refuses_a_model_with_interactions() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, _ = _data()
    y = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(int)
    m = HistGradientBoostingClassifier(max_iter=30, early_stopping=False, random_state=0).fit(x, y)
    with pytest.raises(ValueError, match="not additive"):
        training.tabulate(m, x)


def test_batched_rows_equal_single_rows(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    _, b, x = saved
    batch = b.predict_originality(x[:50])
    single = np.array([b.predict_originality(x[i : i + 1])[0] for i in range(50)])
    np.testing.assert_allclose(batch, single, rtol=0, atol=1e-12)


def test_wrong_width_is_a_clear_error(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    _, b, x = saved
    with pytest.raises(ValueError, match="FEATURE_NAMES order"):
        b.predict_originality(x[:, :2])


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        _load(tmp_path / "nope")


@pytest.mark.parametrize("name", [META_FILE, MODEL_FILE], ids=["meta", "model"])
def test_missing_file(saved: tuple[Path, ModelBundle, np.ndarray], name: str) -> None:
    d, _, _ = saved
    (d / name).unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        _load(d)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"name": "x"}', "lacks the keys"),
        (b"\xff\xfe\x00garbage", "not valid JSON"),
    ],
    ids=["syntax", "not-object", "missing-keys", "bad-encoding"],
)
def test_bad_meta(saved: tuple[Path, ModelBundle, np.ndarray], content: str | bytes, match: str) -> None:
    d, _, _ = saved
    if isinstance(content, bytes):
        (d / META_FILE).write_bytes(content)
    else:
        (d / META_FILE).write_text(content)
    with pytest.raises(ModelLoadError, match=match):
        _load(d)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("threshold", 1.5, "threshold"),
        ("threshold", "x", "threshold"),
        ("feature_names", "t.a", "feature_names"),
        ("format_version", 99, "format"),
    ],
    ids=["threshold-range", "threshold-type", "names-type", "format"],
)  # fmt: skip
def test_bad_meta_values(
    saved: tuple[Path, ModelBundle, np.ndarray], key: str, value: object, match: str
) -> None:
    d, _, _ = saved
    meta = json.loads((d / META_FILE).read_text())
    meta[key] = value
    (d / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match=match):
        _load(d)


def test_feature_mismatch_lists_extra_and_missing(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    with pytest.raises(
        ModelLoadError, match=r"extra in this build: \['t\.new'\]; missing from this build: \['t\.flag'\]"
    ):
        ModelBundle.load(d, expected_features=("t.a", "t.b", "t.new"))
    with pytest.raises(ModelLoadError, match="different order"):
        ModelBundle.load(d, expected_features=("t.b", "t.a", "t.flag"))


def test_default_schema_is_feature_names(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    with pytest.raises(ModelLoadError, match=f"this build produces {len(FEATURE_NAMES)}"):
        ModelBundle.load(d)


def test_sklearn_major_mismatch(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, b, x = saved
    meta = json.loads((d / META_FILE).read_text())
    meta["sklearn_version"] = "0.24.2"
    (d / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="allow_version_mismatch"):
        _load(d)
    b2 = _load(d, allow_version_mismatch=True)
    np.testing.assert_array_equal(b2.predict_originality(x), b.predict_originality(x))


@pytest.mark.parametrize("keep", [0, 10, 200, -40], ids=["empty", "10-bytes", "200-bytes", "cut-tail"])
def test_truncated_model_file(saved: tuple[Path, ModelBundle, np.ndarray], keep: int) -> None:
    d, _, _ = saved
    raw = (d / MODEL_FILE).read_bytes()
    (d / MODEL_FILE).write_bytes(raw[:keep])
    with pytest.raises(ModelLoadError, match=r"corrupt|could not be read"):
        _load(d)


def test_garbage_model_file(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    (d / MODEL_FILE).write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(ModelLoadError):
        _load(d)


def test_zip_without_schema(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    with zipfile.ZipFile(d / MODEL_FILE, "w") as z:
        z.writestr("other.txt", "hello")
    with pytest.raises(ModelLoadError, match="corrupt"):
        _load(d)


def test_untrusted_type_is_refused_before_its_code_runs(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, b, _ = saved
    obj = {"estimator": b.estimator, "edges": b.edges, "tables": b.tables, "ref_logit": 0.0, "calib_a": 1.0,
           "calib_b": 0.0, "baseline": b.baseline, "extra": Payload()}  # fmt: skip
    sio.dump(obj, d / MODEL_FILE)
    Payload.ran.clear()
    with pytest.raises(ModelLoadError, match=r"untrusted types \['tests\.test_model\.Payload'\]"):
        _load(d)
    assert Payload.ran == []


def test_a_file_that_is_not_a_bundle(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    sio.dump({"estimator": 1}, d / MODEL_FILE)
    with pytest.raises(ModelLoadError, match="not hold a boilerplate-detect model"):
        _load(d)


def test_model_that_does_not_match_its_meta(
    saved: tuple[Path, ModelBundle, np.ndarray], tmp_path: Path
) -> None:
    d, _, _ = saved
    other = tmp_path / "other"
    shutil.copytree(d, other)
    meta = json.loads((other / META_FILE).read_text())
    meta["feature_names"] = ["t.a", "t.b"]
    (other / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match=r"does not match its meta\.json"):
        ModelBundle.load(other, expected_features=("t.a", "t.b"))


@pytest.mark.skipif(
    not (default_model_dir() / META_FILE).is_file(), reason="no bundled model in this checkout"
)
def test_bundled_model_loads_and_scores() -> None:
    b = ModelBundle.load()
    assert b.feature_names == FEATURE_NAMES
    assert 0.0 < b.threshold < 1.0
    x = np.zeros((4, len(FEATURE_NAMES)))
    p = b.predict_originality(x)
    assert p.shape == (4,)
    assert b.contributions(x).shape == (4, len(FEATURE_NAMES))
    assert (default_model_dir() / MODEL_FILE).stat().st_size < 2_000_000
    for key in ("seed", "data_manifest_sha256", "metrics", "package_version", "sklearn_version"):
        assert key in b.meta
