from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import skops.io as sio

from boilerplate_detect import training
from boilerplate_detect.errors import ModelLoadError
from boilerplate_detect.features import FEATURE_NAMES
from boilerplate_detect.model import (
    META_FILE,
    MODEL_FILE,
    TABLES_FILE,
    ModelBundle,
    add_tables_file,
    default_model_dir,
)

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


@pytest.mark.parametrize("name", [META_FILE, MODEL_FILE, TABLES_FILE], ids=["meta", "model", "tables"])
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
    b = _load(d)  # scoring reads tables.npz only
    with pytest.raises(ModelLoadError, match=r"corrupt|could not be read"):
        b.verify()


def test_garbage_model_file(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    (d / MODEL_FILE).write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    with pytest.raises(ModelLoadError):
        _load(d).verify()


def test_zip_without_schema(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    with zipfile.ZipFile(d / MODEL_FILE, "w") as z:
        z.writestr("other.txt", "hello")
    with pytest.raises(ModelLoadError, match="corrupt"):
        _load(d).verify()


def test_untrusted_type_is_refused_before_its_code_runs(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, b, _ = saved
    obj = {"estimator": b.estimator, "edges": b.edges, "tables": b.tables, "ref_logit": 0.0, "calib_a": 1.0,
           "calib_b": 0.0, "baseline": b.baseline, "extra": Payload()}  # fmt: skip
    sio.dump(obj, d / MODEL_FILE)
    Payload.ran.clear()
    b2 = _load(d)
    with pytest.raises(ModelLoadError, match=r"untrusted types \['tests\.test_model\.Payload'\]"):
        b2.estimator  # noqa: B018
    assert Payload.ran == []


def test_a_file_that_is_not_a_bundle(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    sio.dump({"estimator": 1}, d / MODEL_FILE)
    with pytest.raises(ModelLoadError, match="not hold a boilerplate-detect model"):
        _load(d).verify()


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
    # The shipped tables.npz is the shipped model.skops's: same scores to the bit, and it verifies.
    slow = _estimator_bundle(default_model_dir())
    rows = np.random.default_rng(0).random((64, len(FEATURE_NAMES)))
    assert b.predict_originality(rows).tobytes() == slow.predict_originality(rows).tobytes()
    assert b.verify() <= 1e-9


# ----------------------------------------------------------------- tables.npz


def _estimator_bundle(d: Path) -> ModelBundle:
    """The bundle built the way it was before tables.npz: every array from model.skops."""
    obj = sio.load(d / MODEL_FILE, trusted=sio.get_untrusted_types(file=d / MODEL_FILE))
    meta = json.loads((d / META_FILE).read_text())
    return ModelBundle(
        obj["estimator"], edges=obj["edges"], tables=obj["tables"], ref_logit=obj["ref_logit"],
        calib_a=obj["calib_a"], calib_b=obj["calib_b"], baseline=obj["baseline"],
        feature_names=meta["feature_names"], threshold=meta["threshold"], name=meta["name"],
    )  # fmt: skip


def _rewrite_tables(d: Path, raw: bytes) -> None:
    """Replace tables.npz and record its checksum, as a consistent (but wrong) directory would."""
    (d / TABLES_FILE).write_bytes(raw)
    meta = json.loads((d / META_FILE).read_text())
    meta["tables_sha256"] = hashlib.sha256(raw).hexdigest()
    (d / META_FILE).write_text(json.dumps(meta))


def _npz(**arrays: object) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]
    return buf.getvalue()


def test_tables_file_gives_the_estimator_paths_scores_exactly(
    saved: tuple[Path, ModelBundle, np.ndarray],
) -> None:
    d, _, x = saved
    fast = _load(d)
    assert fast._estimator is None  # nothing read from model.skops yet
    slow = _estimator_bundle(d)
    for key in ("edges", "tables", "baseline"):
        np.testing.assert_array_equal(getattr(fast, key), getattr(slow, key))
    assert (fast.ref_logit, fast.calib_a, fast.calib_b) == (slow.ref_logit, slow.calib_a, slow.calib_b)
    assert fast.predict_originality(x).tobytes() == slow.predict_originality(x).tobytes()
    assert fast.contributions(x).tobytes() == slow.contributions(x).tobytes()
    assert fast.verify() <= 1e-9  # loads model.skops on demand and checks it against the tables
    assert fast._estimator is not None


def test_tables_file_is_deterministic_and_add_tables_file_reproduces_it(
    saved: tuple[Path, ModelBundle, np.ndarray], tmp_path: Path
) -> None:
    d, b, _ = saved
    b.save(tmp_path / "again")
    first = (d / TABLES_FILE).read_bytes()
    assert (tmp_path / "again" / TABLES_FILE).read_bytes() == first
    meta = json.loads((d / META_FILE).read_text())
    assert meta["tables_sha256"] == hashlib.sha256(first).hexdigest()
    # An older directory (no tables.npz, no checksum) is upgraded from its model.skops, other keys kept.
    (d / TABLES_FILE).unlink()
    del meta["tables_sha256"]
    (d / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
    with pytest.raises(ModelLoadError, match="add_tables_file"):
        _load(d)
    assert add_tables_file(d) == hashlib.sha256(first).hexdigest()
    assert (d / TABLES_FILE).read_bytes() == first
    upgraded = json.loads((d / META_FILE).read_text())
    assert list(upgraded) == [*meta, "tables_sha256"]
    assert _load(d).threshold == 0.3


def test_meta_without_the_tables_checksum(saved: tuple[Path, ModelBundle, np.ndarray]) -> None:
    d, _, _ = saved
    meta = json.loads((d / META_FILE).read_text())
    del meta["tables_sha256"]
    (d / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelLoadError, match="lacks 'tables_sha256'"):
        _load(d)


@pytest.mark.parametrize("where", [0, 100, -30], ids=["head", "middle", "tail"])
def test_tampered_tables_file_is_refused(saved: tuple[Path, ModelBundle, np.ndarray], where: int) -> None:
    d, _, _ = saved
    raw = bytearray((d / TABLES_FILE).read_bytes())
    raw[where] ^= 0x01
    (d / TABLES_FILE).write_bytes(bytes(raw))
    with pytest.raises(ModelLoadError, match="does not match the checksum"):
        _load(d)


def test_tables_of_another_model_are_refused(
    saved: tuple[Path, ModelBundle, np.ndarray], tmp_path: Path
) -> None:
    d, _, _ = saved
    x, y = _data(seed=1)
    other = training.fit_from_arrays(x, y, feature_names=NAMES, seed=1, name="other", max_iter=40)
    other.save(tmp_path / "other")
    shutil.copy(tmp_path / "other" / TABLES_FILE, d / TABLES_FILE)
    with pytest.raises(ModelLoadError, match="another model"):
        _load(d)
    # With the checksum forged too, the estimator no longer matches the tables once it is needed.
    _rewrite_tables(d, (tmp_path / "other" / TABLES_FILE).read_bytes())
    b = _load(d)
    with pytest.raises(ModelLoadError, match="does not match the rest of its model directory"):
        b.verify()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "could not be read"),
        (b"not a zip at all", "could not be read"),
        ("object", "could not be read"),
        ("missing", r"lacks the arrays \['calib_b'\]"),
        ("float32", r"arrays \['edges'\] are not float64"),
        ("vector-scalar", "does not match its meta.json"),
        ("nan", "non-finite"),
    ],
    ids=["empty", "garbage", "pickled-object", "missing-array", "wrong-dtype", "scalar-shape", "nan"],
)
def test_malformed_tables_file(
    saved: tuple[Path, ModelBundle, np.ndarray], content: bytes | str, match: str
) -> None:
    d, b, _ = saved
    good = {"edges": b.edges, "tables": b.tables, "baseline": b.baseline, "ref_logit": np.float64(b.ref_logit),
            "calib_a": np.float64(b.calib_a), "calib_b": np.float64(b.calib_b)}  # fmt: skip
    if content == "object":
        raw = _npz(**{**good, "edges": np.array([Payload()], dtype=object)})
    elif content == "missing":
        raw = _npz(**{k: v for k, v in good.items() if k != "calib_b"})
    elif content == "float32":
        raw = _npz(**{**good, "edges": b.edges.astype(np.float32)})
    elif content == "vector-scalar":
        raw = _npz(**{**good, "ref_logit": np.array([1.0, 2.0])})
    elif content == "nan":
        raw = _npz(**{**good, "tables": np.where(b.tables == b.tables.max(), np.nan, b.tables)})
    else:
        assert isinstance(content, bytes)
        raw = content
    _rewrite_tables(d, raw)
    Payload.ran.clear()
    with pytest.raises(ModelLoadError, match=match):
        _load(d)
    assert Payload.ran == []


def test_version_check_reads_the_installed_version_without_importing_sklearn(
    saved: tuple[Path, ModelBundle, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    from boilerplate_detect import model

    d, _, _ = saved
    meta = json.loads((d / META_FILE).read_text())
    major = int(meta["sklearn_version"].split(".")[0])
    monkeypatch.setattr(model, "_installed_sklearn", lambda: f"{major + 1}.0.0")
    with pytest.raises(ModelLoadError, match=f"this is {major + 1}.0.0"):
        _load(d)
    monkeypatch.setattr(model, "_installed_sklearn", lambda: f"{major}.99.0")
    assert _load(d).threshold == 0.3


_NO_SKLEARN = """
import sys
from boilerplate_detect import Detector
det = Detector.load(sys.argv[1] if len(sys.argv) > 1 else None)
texts = ["The council said on Tuesday that the bridge over the river would open next spring. " * 4,
         "Short text.", ""]
reports = list(det.score_many(texts))
assert 0.0 <= reports[0].originality <= 1.0, reports[0]
heavy = sorted(m for m in ("sklearn", "skops", "scipy", "pandas", "pyarrow") if m in sys.modules)
print(",".join(heavy))
"""


def test_loading_and_scoring_does_not_import_sklearn(tmp_path: Path) -> None:
    args: list[str] = []
    if not (default_model_dir() / TABLES_FILE).is_file():
        from tests._cli_support import toy_model_dir

        args = [str(toy_model_dir(tmp_path / "toy"))]
    r = subprocess.run(
        [sys.executable, "-c", _NO_SKLEARN, *args], capture_output=True, text=True, timeout=300, check=False
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
