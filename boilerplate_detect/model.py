"""The model bundle: an additive boosted model of the features, its calibration and its metadata.

The shipped model is a :class:`~sklearn.ensemble.HistGradientBoostingClassifier`
fitted with ``interaction_cst="no_interactions"``: every tree splits on one
feature only, so the model's log-odds are a sum of one step function per
feature (an additive model, as in explainable boosting machines). Each
feature's term is tabulated exactly over the model's own bin edges when the
model is saved, so an article's per-feature contributions are exact and cost
one ``searchsorted`` per feature for a whole batch. Scores are computed from the
same tables (pure NumPy, no thread pool); on load the tables are checked against
the estimator itself.

Calibration is Platt scaling (a sigmoid) fitted on a held-out fold:
``P(original) = 1 / (1 + exp(-(a * f(x) + b)))`` where ``f`` is the boosted
model's log-odds. That map is affine in log-odds, so the calibrated log-odds
are still a sum of per-feature terms: :meth:`ModelBundle.contributions` returns
``a * (term_j(x_j) - baseline_j)``, where ``baseline_j`` is the mean term over the
training originals. A negative contribution means the feature made the article
look less original than a typical original article.

Files of a model directory:

* ``tables.npz``: the arrays scoring needs (``edges``, ``tables``, ``baseline``,
  ``ref_logit``, ``calib_a``, ``calib_b``), NumPy arrays in a zip read with
  ``allow_pickle=False``; its SHA-256 is recorded in ``meta.json`` and checked on
  load. Loading a model for scoring reads only this file and ``meta.json``: it
  imports neither scikit-learn nor skops (about 2.5 s of start-up);
* ``model.skops``: a dict ``{"estimator": HistGradientBoostingClassifier,
  "edges": ndarray, "tables": ndarray, "ref_logit": float, "calib_a": float,
  "calib_b": float, "baseline": ndarray}`` saved with :mod:`skops.io` (no pickle),
  loaded on first use of :attr:`ModelBundle.estimator` (:meth:`ModelBundle.verify`,
  training, evaluation) with an explicit list of trusted types and refused, before
  any of its code runs, when it asks for any other type; the estimator is then
  checked against the tables;
* ``meta.json``: feature names in order, threshold, versions, seed, data hash,
  metrics, the SHA-256 of ``tables.npz``;
* ``MODEL_CARD.md``: what the model is and how well it does.

A model directory saved before ``tables.npz`` existed is upgraded in place, from
its ``model.skops``, by :func:`add_tables_file`.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import zipfile
from collections.abc import Mapping, Sequence
from importlib import metadata as _metadata
from importlib import resources as _resources
from pathlib import Path
from typing import Any

import numpy as np

from boilerplate_detect.errors import ModelLoadError

__all__ = [
    "DEFAULT_MODEL_NAME",
    "META_FILE",
    "MODEL_FILE",
    "REQUIRED_META_KEYS",
    "TABLES_FILE",
    "TRUSTED_TYPES",
    "ModelBundle",
    "add_tables_file",
    "default_model_dir",
]

logger = logging.getLogger(__name__)

#: The file holding the fitted estimator.
MODEL_FILE = "model.skops"
#: The file holding the metadata.
META_FILE = "meta.json"
#: The file holding the scoring tables (NumPy arrays, no pickle).
TABLES_FILE = "tables.npz"
#: The ``meta.json`` key recording the SHA-256 of :data:`TABLES_FILE`.
TABLES_SHA_KEY = "tables_sha256"
#: Name of the bundled model directory.
DEFAULT_MODEL_NAME = "default"
#: Keys every ``meta.json`` must have.
REQUIRED_META_KEYS = ("name", "feature_names", "threshold", "sklearn_version", "format_version")
#: The model file format this build reads and writes.
FORMAT_VERSION = 1

#: The only types a model file may ask for (checked before anything is constructed).
TRUSTED_TYPES: tuple[str, ...] = (
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.Interval",
    "sklearn.preprocessing._encoders.OrdinalEncoder",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
)


_BUNDLE_KEYS = frozenset({"estimator", "edges", "tables", "ref_logit", "calib_a", "calib_b", "baseline"})
#: The arrays of :data:`TABLES_FILE`, in the order they are written.
_TABLE_ARRAYS = ("edges", "tables", "baseline", "ref_logit", "calib_a", "calib_b")
#: A fixed zip timestamp, so that the same tables always give the same bytes.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def default_model_dir() -> Path:
    """Return the directory of the bundled default model.

    Looks first inside the installed package (``boilerplate_detect/_models/default``,
    where the wheel puts it), then in ``models/default`` next to the package (a
    source checkout or an editable install).

    Returns:
        The directory; it may not exist when neither location has the model.
    """
    packaged = Path(str(_resources.files("boilerplate_detect") / "_models" / DEFAULT_MODEL_NAME))
    if (packaged / META_FILE).is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


def _sklearn_major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else -1


def _installed_sklearn() -> str | None:
    """The installed scikit-learn version, read from its metadata (without importing it)."""
    try:
        return _metadata.version("scikit-learn")
    except _metadata.PackageNotFoundError:
        return None


def _tables_bytes(arrays: Mapping[str, Any]) -> bytes:
    """Serialise the scoring arrays as an ``.npz`` zip, byte for byte the same for the same arrays."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for key in _TABLE_ARRAYS:
            member = io.BytesIO()
            arr = np.asarray(arrays[key], dtype="<f8", order="C")
            np.lib.format.write_array(member, arr, version=(1, 0), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, member.getvalue(), compresslevel=9)
    return buf.getvalue()


def _read_tables(where: Path, meta: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Read :data:`TABLES_FILE` of a model directory, checked against the SHA-256 in ``meta.json``."""
    path = where / TABLES_FILE
    upgrade = (
        f'add it from model.skops with `python -c "from boilerplate_detect.model import add_tables_file; '
        f"add_tables_file('{where}')\"` (a model you trust) or retrain with "
        f"`boilerplate-detect train DATA_DIR -o {where}`"
    )
    want = meta.get(TABLES_SHA_KEY)
    if not path.is_file():
        raise ModelLoadError(
            f"{path} is missing (the model was saved by an older boilerplate-detect?); {upgrade}"
        )
    if not isinstance(want, str):
        raise ModelLoadError(
            f"{where / META_FILE} lacks {TABLES_SHA_KEY!r}, the checksum of {path}; {upgrade}"
        )
    raw = path.read_bytes()
    got = hashlib.sha256(raw).hexdigest()
    if got != want:
        raise ModelLoadError(
            f"{path} does not match the checksum in {META_FILE} (SHA-256 {got[:12]}..., expected "
            f"{want[:12]}...): the file was changed or belongs to another model; restore the model "
            "directory from its release or retrain"
        )
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            out = {k: npz[k] for k in _TABLE_ARRAYS if k in npz.files}
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError) as exc:
        raise ModelLoadError(
            f"{path} could not be read ({type(exc).__name__}: {exc}); restore it or retrain"
        ) from exc
    missing = [k for k in _TABLE_ARRAYS if k not in out]
    if missing:
        raise ModelLoadError(f"{path} lacks the arrays {missing}; retrain the model")
    bad = [k for k, v in out.items() if v.dtype != np.float64]
    if bad:
        raise ModelLoadError(f"{path}: the arrays {bad} are not float64; retrain the model")
    return out


def _read_meta(path: Path) -> dict[str, Any]:
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise ModelLoadError(
            f"{meta_path} is missing; a model directory needs {MODEL_FILE} and {META_FILE} "
            "(retrain with `boilerplate-detect train DATA_DIR -o DIR` or pass the right --model directory)"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(
            f"{meta_path} is not valid JSON ({exc}); restore it from the model's release or retrain"
        ) from exc
    if not isinstance(meta, dict):
        raise ModelLoadError(f"{meta_path} must hold a JSON object, got {type(meta).__name__}; retrain")
    missing = [k for k in REQUIRED_META_KEYS if k not in meta]
    if missing:
        raise ModelLoadError(f"{meta_path} lacks the keys {missing}; restore the file or retrain the model")
    names = meta["feature_names"]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelLoadError(f"{meta_path}: 'feature_names' must be a list of strings; retrain the model")
    thr = meta["threshold"]
    if not isinstance(thr, (int, float)) or isinstance(thr, bool) or not 0.0 <= float(thr) <= 1.0:
        raise ModelLoadError(f"{meta_path}: 'threshold' must be a number in [0, 1], got {thr!r}; retrain")
    if meta["format_version"] != FORMAT_VERSION:
        raise ModelLoadError(
            f"{meta_path}: model format {meta['format_version']!r}, this build reads {FORMAT_VERSION}; "
            "retrain the model with this version of boilerplate-detect"
        )
    return meta


def _check_features(meta_names: Sequence[str], expected: Sequence[str], where: Path) -> None:
    if tuple(meta_names) == tuple(expected):
        return
    extra = [n for n in expected if n not in set(meta_names)]
    missing = [n for n in meta_names if n not in set(expected)]
    detail = f"extra in this build: {extra}; missing from this build: {missing}"
    if not extra and not missing:
        detail = "same names in a different order"
    raise ModelLoadError(
        f"model at {where} expects {len(meta_names)} features, this build produces {len(expected)} "
        f"({detail}); retrain with `boilerplate-detect train DATA_DIR -o {where}` or install the "
        "boilerplate-detect version the model was trained with"
    )


def _load_estimator(model_path: Path) -> dict[str, Any]:
    import skops.io as sio

    if not model_path.is_file():
        raise ModelLoadError(
            f"{model_path} is missing; retrain with "
            f"`boilerplate-detect train DATA_DIR -o {model_path.parent}`"
        )
    try:
        untrusted = sio.get_untrusted_types(file=model_path)
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError, EOFError, OSError) as exc:
        raise ModelLoadError(
            f"{model_path} is corrupt or truncated ({type(exc).__name__}: {exc}); "
            "restore it from the release or retrain"
        ) from exc
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise ModelLoadError(
            f"{model_path} asks for untrusted types {refused}; refusing to load it. "
            "Only load model files you trust; retrain with `boilerplate-detect train`"
        )
    try:
        obj = sio.load(model_path, trusted=list(untrusted))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError, EOFError, OSError) as exc:
        raise ModelLoadError(
            f"{model_path} could not be read ({type(exc).__name__}: {exc}); restore it or retrain"
        ) from exc
    if not isinstance(obj, dict) or not set(obj) >= _BUNDLE_KEYS:
        raise ModelLoadError(
            f"{model_path} does not hold a boilerplate-detect model bundle; "
            "retrain with `boilerplate-detect train`"
        )
    return obj


class ModelBundle:
    """A fitted originality model with its metadata.

    Args:
        estimator: A fitted additive classifier (``decision_function`` gives the
            log-odds of "original"), here a ``HistGradientBoostingClassifier`` with
            ``interaction_cst="no_interactions"``; None when it is to be read from
            ``estimator_file`` on first use (scoring never needs it).
        edges: Per-feature bin edges, shape ``(n_features, n_edges)``, ascending,
            padded with ``+inf``.
        tables: Per-feature term of each bin, shape ``(n_features, n_edges + 1)``;
            a value ``v`` falls in bin ``searchsorted(edges[j], v, side="left")``.
        ref_logit: The log-odds when every term is zero.
        calib_a: Platt slope applied to the model's log-odds.
        calib_b: Platt intercept.
        baseline: Per-feature mean term over the training originals (contributions
            are measured from it).
        feature_names: The feature names in column order.
        threshold: Originality below this is labelled farm.
        name: The model's name (the directory name) for reports.
        meta: Everything else from ``meta.json``.
        estimator_file: The ``model.skops`` file the estimator is loaded from, when
            ``estimator`` is None.
    """

    def __init__(
        self,
        estimator: Any,
        *,
        edges: np.ndarray,
        tables: np.ndarray,
        ref_logit: float,
        calib_a: float,
        calib_b: float,
        baseline: np.ndarray,
        feature_names: Sequence[str],
        threshold: float,
        name: str,
        meta: Mapping[str, Any] | None = None,
        estimator_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self._estimator = estimator
        self._estimator_file = None if estimator_file is None else Path(estimator_file)
        self.edges = np.asarray(edges, dtype=np.float64)
        self.tables = np.asarray(tables, dtype=np.float64)
        self.ref_logit = float(ref_logit)
        self.calib_a = float(calib_a)
        self.calib_b = float(calib_b)
        self.feature_names: tuple[str, ...] = tuple(feature_names)
        self.threshold = float(threshold)
        self.name = name
        self.meta: dict[str, Any] = dict(meta or {})
        n = len(self.feature_names)
        if self.edges.ndim != 2 or self.edges.shape[0] != n:
            raise ValueError(f"edges must have shape ({n}, n_edges), got {self.edges.shape}")
        if self.tables.shape != (n, self.edges.shape[1] + 1):
            raise ValueError(
                f"tables must have shape ({n}, {self.edges.shape[1] + 1}), got {self.tables.shape}"
            )
        if estimator is None and estimator_file is None:
            raise ValueError("pass a fitted estimator or the estimator_file to load it from")
        self._check_estimator_width(estimator)
        self.baseline = np.asarray(baseline, dtype=np.float64).reshape(n)

    def _check_estimator_width(self, estimator: Any) -> None:
        n = len(self.feature_names)
        if getattr(estimator, "n_features_in_", n) != n:
            raise ValueError(f"the estimator takes {estimator.n_features_in_} features, meta.json names {n}")

    @property
    def estimator(self) -> Any:
        """The fitted scikit-learn estimator, loaded from ``model.skops`` on first use.

        Scoring does not use it (the tables are exact); :meth:`verify`, training
        and evaluation do. The first access imports scikit-learn and skops, loads
        the file with its trusted types only and checks it against the tables.

        Raises:
            ModelLoadError: ``model.skops`` is missing, corrupt, asks for untrusted
                types, or does not match the tables.
        """
        if self._estimator is None:
            assert self._estimator_file is not None  # the constructor requires one of the two
            where = self._estimator_file
            obj = _load_estimator(where)
            try:
                self._check_estimator_width(obj["estimator"])
                same = all(
                    np.array_equal(np.asarray(obj[k], dtype=np.float64), getattr(self, k))
                    for k in ("edges", "tables", "ref_logit")
                )
                if not same:
                    raise ValueError(f"its term tables differ from {TABLES_FILE}")
                self._estimator = obj["estimator"]
                self.verify()
            except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
                self._estimator = None
                raise ModelLoadError(
                    f"{where} does not match the rest of its model directory "
                    f"({type(exc).__name__}: {exc}); restore the directory or retrain"
                ) from exc
        return self._estimator

    @estimator.setter
    def estimator(self, value: Any) -> None:
        self._check_estimator_width(value)
        self._estimator = value

    # ----------------------------------------------------------------- scoring
    def _check(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.feature_names):
            raise ValueError(
                f"expected an array of shape (n, {len(self.feature_names)}), got {x.shape}; "
                "build rows in FEATURE_NAMES order"
            )
        return x

    def terms(self, X: np.ndarray) -> np.ndarray:
        """Return the model's uncalibrated per-feature log-odds terms, shape ``(n, n_features)``.

        ``terms(X).sum(axis=1) + ref_logit`` equals the model's log-odds.
        """
        x = self._check(X)
        out = np.empty_like(x)
        for j in range(x.shape[1]):
            idx = np.searchsorted(self.edges[j], x[:, j], side="left")
            out[:, j] = self.tables[j, idx]
        return out

    def logit(self, X: np.ndarray) -> np.ndarray:
        """Return the model's uncalibrated log-odds of "original" (from the exact term tables)."""
        return np.asarray(self.terms(X).sum(axis=1) + self.ref_logit, dtype=np.float64)

    def verify(self, n_rows: int = 64, seed: int = 0) -> float:
        """Check that the term tables reproduce the estimator's log-odds.

        Args:
            n_rows: Random rows to check, drawn within the tables' edges.
            seed: Random seed of the rows.

        Returns:
            The largest absolute difference.

        Raises:
            ValueError: The tables and the estimator disagree by more than 1e-6.
        """
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

        rng = np.random.default_rng(seed)
        ok = np.isfinite(self.edges)
        has = ok.any(axis=1)
        lo = np.where(has, np.where(ok, self.edges, np.inf).min(axis=1), 0.0) - 1.0
        hi = np.where(has, np.where(ok, self.edges, -np.inf).max(axis=1), 0.0) + 1.0
        x = lo + (hi - lo) * rng.random((n_rows, len(self.feature_names)))
        with threadpool_limits(limits=1):
            want = np.asarray(self.estimator.decision_function(x), dtype=np.float64)
        err = float(np.abs(self.logit(x) - want).max())
        if err > 1e-6:
            raise ValueError(f"the term tables miss the estimator's log-odds by {err:.3g}")
        return err

    def predict_originality(self, X: np.ndarray) -> np.ndarray:
        """Return the calibrated probability that each row is original reporting.

        Args:
            X: Feature rows, shape ``(n, n_features)``, in :attr:`feature_names` order.

        Returns:
            Shape ``(n,)``, values in [0, 1].
        """
        z = self.calib_a * self.logit(X) + self.calib_b
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0))), dtype=np.float64)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Return each feature's signed contribution to the calibrated log-odds.

        The contributions of a row plus :meth:`base_logit` equal the calibrated
        log-odds. Negative values pulled originality down compared with a typical
        original article.

        Args:
            X: Feature rows, shape ``(n, n_features)``.

        Returns:
            Shape ``(n, n_features)``.
        """
        return np.asarray(self.calib_a * (self.terms(X) - self.baseline), dtype=np.float64)

    def base_logit(self) -> float:
        """Return the calibrated log-odds of a row whose every term sits at its baseline."""
        return self.calib_a * (float(self.baseline.sum()) + self.ref_logit) + self.calib_b

    def label(self, X: np.ndarray) -> np.ndarray:
        """Return True where a row would be labelled farm (originality below the threshold)."""
        return np.asarray(self.predict_originality(X) < self.threshold)

    # -------------------------------------------------------------------- I/O
    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str] | None = None,
        *,
        allow_version_mismatch: bool = False,
        expected_features: Sequence[str] | None = None,
    ) -> ModelBundle:
        """Load a model directory, checking it against this build.

        Reads ``meta.json`` and ``tables.npz`` only (checked against the SHA-256 in
        ``meta.json``); the estimator in ``model.skops`` is loaded when first used
        (see :attr:`estimator`), so loading a model to score imports neither
        scikit-learn nor skops.

        Args:
            path: The directory; None loads the bundled default model.
            allow_version_mismatch: Accept a model saved with another scikit-learn major version.
            expected_features: The feature schema to check against; defaults to
                :data:`boilerplate_detect.features.FEATURE_NAMES`.

        Returns:
            The bundle.

        Raises:
            ModelLoadError: The directory or a file is missing, ``tables.npz`` is
                corrupt or does not match its checksum, ``meta.json`` is
                malformed, the feature names differ from this build's, or the
                installed scikit-learn major version differs from the one the
                model was saved with.
        """
        where = default_model_dir() if path is None else Path(path)
        if not where.is_dir():
            hint = (
                "the package was installed without its bundled model; reinstall it"
                if path is None
                else "pass an existing model directory"
            )
            raise ModelLoadError(f"model directory {where} does not exist; {hint}")
        meta = _read_meta(where)
        if expected_features is None:
            from boilerplate_detect.features import FEATURE_NAMES

            expected_features = FEATURE_NAMES
        _check_features(meta["feature_names"], expected_features, where)
        saved = str(meta["sklearn_version"])
        installed = _installed_sklearn()
        if (
            installed is not None
            and _sklearn_major(saved) != _sklearn_major(installed)
            and not allow_version_mismatch
        ):
            raise ModelLoadError(
                f"model at {where} was saved with scikit-learn {saved}, this is {installed}; "
                f"install scikit-learn {saved.split('.', 1)[0]}.x, retrain, "
                "or pass allow_version_mismatch=True"
            )
        model_file = where / MODEL_FILE
        if not model_file.is_file():
            raise ModelLoadError(
                f"{model_file} is missing; restore the model directory from its release or retrain with "
                f"`boilerplate-detect train DATA_DIR -o {where}`"
            )
        arrays = _read_tables(where, meta)
        try:
            bundle = cls(
                None,
                edges=arrays["edges"],
                tables=arrays["tables"],
                ref_logit=float(arrays["ref_logit"]),
                calib_a=float(arrays["calib_a"]),
                calib_b=float(arrays["calib_b"]),
                baseline=arrays["baseline"],
                feature_names=meta["feature_names"],
                threshold=float(meta["threshold"]),
                name=str(meta["name"]),
                meta=meta,
                estimator_file=model_file,
            )
            if not (np.isfinite(bundle.tables).all() and np.isfinite(bundle.baseline).all()):
                raise ValueError("the term tables hold non-finite values")
            if not np.isfinite([bundle.ref_logit, bundle.calib_a, bundle.calib_b]).all():
                raise ValueError("ref_logit or the calibration is not finite")
        except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
            raise ModelLoadError(
                f"model at {where} does not match its meta.json or itself "
                f"({type(exc).__name__}: {exc}); retrain"
            ) from exc
        return bundle

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``model.skops``, ``tables.npz`` and ``meta.json`` into a directory (created if needed).

        Args:
            path: The directory.
        """
        import sklearn
        import skops.io as sio

        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        raw = self._tables_file_bytes()
        obj = {
            "estimator": self.estimator,
            "edges": self.edges,
            "tables": self.tables,
            "ref_logit": self.ref_logit,
            "calib_a": self.calib_a,
            "calib_b": self.calib_b,
            "baseline": self.baseline,
        }
        sio.dump(obj, out / MODEL_FILE, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        (out / TABLES_FILE).write_bytes(raw)
        meta = dict(self.meta)
        meta.update(
            name=self.name,
            feature_names=list(self.feature_names),
            threshold=self.threshold,
            sklearn_version=sklearn.__version__,
            format_version=FORMAT_VERSION,
        )
        meta[TABLES_SHA_KEY] = hashlib.sha256(raw).hexdigest()
        _write_meta(out, meta)

    def _tables_file_bytes(self) -> bytes:
        return _tables_bytes(
            {
                "edges": self.edges,
                "tables": self.tables,
                "baseline": self.baseline,
                "ref_logit": self.ref_logit,
                "calib_a": self.calib_a,
                "calib_b": self.calib_b,
            }
        )


def _write_meta(out: Path, meta: Mapping[str, Any]) -> None:
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def add_tables_file(path: str | os.PathLike[str]) -> str:
    """Write ``tables.npz`` of a model directory saved without it, from its ``model.skops``.

    The conversion is deterministic and does not retrain: it copies the tables the
    model file already holds, after checking them against its estimator, and
    records their SHA-256 in ``meta.json`` (every other key is kept as it was).
    Load only model files you trust: the estimator is read with skops' trusted types.

    Args:
        path: The model directory.

    Returns:
        The SHA-256 of the tables file written.

    Raises:
        ModelLoadError: ``meta.json`` or ``model.skops`` is missing, malformed, untrusted,
            or its tables do not reproduce its estimator.
    """
    where = Path(path)
    meta = _read_meta(where)
    obj = _load_estimator(where / MODEL_FILE)
    try:
        bundle = ModelBundle(
            obj["estimator"],
            edges=obj["edges"],
            tables=obj["tables"],
            ref_logit=obj["ref_logit"],
            calib_a=obj["calib_a"],
            calib_b=obj["calib_b"],
            baseline=obj["baseline"],
            feature_names=meta["feature_names"],
            threshold=float(meta["threshold"]),
            name=str(meta["name"]),
            meta=meta,
        )
        bundle.verify()
    except (AttributeError, IndexError, KeyError, TypeError, ValueError) as exc:
        raise ModelLoadError(
            f"model at {where} does not match its meta.json or itself ({type(exc).__name__}: {exc}); retrain"
        ) from exc
    raw = bundle._tables_file_bytes()
    (where / TABLES_FILE).write_bytes(raw)
    digest = hashlib.sha256(raw).hexdigest()
    meta[TABLES_SHA_KEY] = digest
    _write_meta(where, meta)
    return digest
