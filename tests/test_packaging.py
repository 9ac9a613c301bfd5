"""The built wheel contains the model and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (whl,) = out.glob("boilerplate_detect-*.whl")
    return whl


def test_wheel_contains_package_data_and_model(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "boilerplate_detect/__init__.py",
        "boilerplate_detect/py.typed",
        "boilerplate_detect/_models/default/meta.json",
        "boilerplate_detect/_models/default/model.skops",
        "boilerplate_detect/_models/default/tables.npz",
        "boilerplate_detect/_models/default/MODEL_CARD.md",
    ):
        assert required in names, required
    assert not any(n.endswith((".pkl", ".joblib", ".pickle")) for n in names)
    assert not any(n.startswith("tests/") for n in names)


@pytest.mark.slow
def test_wheel_installs_and_scores_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # Dependencies come from the test environment, the package itself only from the wheel.
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(site, "_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    code = (
        "import boilerplate_detect, sys; from boilerplate_detect import Detector; "
        "r = Detector.load().score('Some text.'); print(boilerplate_detect.__file__); print(r.originality)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    p = subprocess.run(
        [str(py), "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300
    )
    assert p.returncode == 0, p.stderr
    where, score = p.stdout.split()
    assert str(env_dir) in where and str(ROOT) not in where
    assert 0.0 <= float(score) <= 1.0
    cli = env_dir / "bin" / "boilerplate-detect"
    p = subprocess.run(
        [str(cli), "--help"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
    )
    assert p.returncode == 0 and "score" in p.stdout


def _newer_regex_syntax(parsed: object) -> list[str]:
    """Possessive repeats and atomic groups anywhere in a parsed pattern (``re._parser``)."""
    from re import _constants as constants  # type: ignore[attr-defined]
    from re import _parser as parser  # type: ignore[attr-defined]

    newer = (constants.POSSESSIVE_REPEAT, constants.ATOMIC_GROUP)
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, parser.SubPattern):
            for op, arg in node.data:
                if op in newer:
                    found.append(str(op))
                walk(arg)
        elif isinstance(node, (tuple, list)):
            for item in node:
                walk(item)

    walk(parsed)
    return found


def test_regular_expressions_need_no_newer_python_than_requires_python() -> None:
    # pyproject.toml says requires-python >= 3.10: possessive repeats ("*+", "++") and atomic
    # groups came with Python 3.11, and a pattern using them fails to compile on 3.10 at import.
    # CI runs 3.11 only, so every compiled pattern of every module is checked here.
    import importlib
    import pkgutil
    import re

    import boilerplate_detect

    if sys.version_info < (3, 11):  # pragma: no cover - there the import above already failed
        pytest.skip("re._parser is the 3.11 parser")
    from re import _parser as parser  # type: ignore[attr-defined]

    assert 'requires-python = ">=3.10"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    seen = 0
    offending: list[str] = []
    for info in pkgutil.walk_packages(boilerplate_detect.__path__, "boilerplate_detect."):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional extra that is not installed: not this test's concern
            continue
        for name, value in vars(module).items():
            patterns = value if isinstance(value, tuple) else (value,)
            for p in patterns:
                if isinstance(p, tuple):  # (mark, pattern) pairs
                    p = next((x for x in p if isinstance(x, re.Pattern)), None)
                if isinstance(p, re.Pattern):
                    seen += 1
                    if _newer_regex_syntax(parser.parse(p.pattern, p.flags)):
                        offending.append(f"{info.name}.{name}: {p.pattern!r}")
    assert seen > 50  # the walk found the package's patterns
    assert offending == []
