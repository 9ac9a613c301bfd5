"""The error tree: every error the package raises on purpose subclasses :class:`BoilerplateDetectError`.

Each subclass also subclasses the builtin a caller would naturally catch, so
``except ValueError`` keeps working for code that does not know this package.
"""

from __future__ import annotations

__all__ = [
    "BoilerplateDetectError",
    "IndexLockError",
    "IndexMismatchError",
    "InputFormatError",
    "InvalidArticleError",
    "InvalidArticleTypeError",
    "ModelLoadError",
]


class BoilerplateDetectError(Exception):
    """Base class of every error raised by boilerplate_detect."""


class InvalidArticleError(BoilerplateDetectError, ValueError):
    """An input record is not a usable article (wrong type, missing or non-string field)."""


class InvalidArticleTypeError(InvalidArticleError, TypeError):
    """An input is of the wrong Python type (``None``, a number, ``bytes``...)."""


class InputFormatError(BoilerplateDetectError, ValueError):
    """A file or stream could not be read: malformed JSON, undecodable bytes, truncated archive."""


class ModelLoadError(BoilerplateDetectError, OSError):
    """A model directory is missing, corrupt, untrusted or incompatible with this build."""


class IndexMismatchError(BoilerplateDetectError, ValueError):
    """An index was opened with parameters other than those it was built with."""


class IndexLockError(BoilerplateDetectError, RuntimeError):
    """Another process holds the write lock of an embedded index."""
