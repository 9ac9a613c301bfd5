"""Helpers for the CLI and batch tests: a model directory to score with.

The tests use the bundled model when it is installed. While it is not (a checkout
before training), they fit a tiny stand-in model with the real ModelBundle
format, so that the whole pipeline (reader -> Detector -> writer) still runs.
"""

from __future__ import annotations

from pathlib import Path


def toy_model_dir(path: Path) -> Path:
    """Fit and save a small additive model over the current feature schema."""
    import numpy as np

    from boilerplate_detect.features import FEATURE_NAMES
    from boilerplate_detect.training import fit_from_arrays

    rng = np.random.default_rng(7)
    n = len(FEATURE_NAMES)
    x = rng.random((200, n))
    y = (x[:, 0] + 0.1 * rng.standard_normal(200) < 0.5).astype(int)
    fit_from_arrays(x, y, feature_names=FEATURE_NAMES, name="toy", max_iter=20).save(path)
    return path


def model_args(tmp_root: Path) -> list[str]:
    """``[]`` when the bundled model loads, else ``["--model", DIR]`` of a toy model."""
    from boilerplate_detect.errors import ModelLoadError
    from boilerplate_detect.model import ModelBundle

    try:
        ModelBundle.load(None)
    except ModelLoadError:
        return ["--model", str(toy_model_dir(tmp_root / "toy-model"))]
    return []
