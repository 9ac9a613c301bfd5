"""boilerplate-detect: tell how original a news article is, and why.

>>> from boilerplate_detect import Detector
>>> report = Detector.load().score("Officials said on Friday that 340 homes were evacuated.")
>>> 0.0 <= report.originality <= 1.0
True
"""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from boilerplate_detect.article import Article
from boilerplate_detect.detector import Detector
from boilerplate_detect.errors import (
    BoilerplateDetectError,
    IndexLockError,
    IndexMismatchError,
    InputFormatError,
    InvalidArticleError,
    ModelLoadError,
)
from boilerplate_detect.report import NearDuplicate, Passage, Report, Span

if TYPE_CHECKING:
    from boilerplate_detect.index import Index


def __getattr__(name: str) -> object:
    # Index is imported on first use so that `import boilerplate_detect` stays light.
    if name == "Index":
        from boilerplate_detect.index import Index

        return Index
    raise AttributeError(f"module 'boilerplate_detect' has no attribute {name!r}")


try:
    __version__ = version("boilerplate-detect")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "Article",
    "BoilerplateDetectError",
    "Detector",
    "Index",
    "IndexLockError",
    "IndexMismatchError",
    "InputFormatError",
    "InvalidArticleError",
    "ModelLoadError",
    "NearDuplicate",
    "Passage",
    "Report",
    "Span",
    "__version__",
]
