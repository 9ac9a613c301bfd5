from __future__ import annotations

import boilerplate_detect as bd
from boilerplate_detect import errors


def test_all_is_the_public_surface() -> None:
    assert set(bd.__all__) == {
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
    }
    for name in bd.__all__:
        assert getattr(bd, name) is not None, name


def test_error_tree_subclasses_the_builtins() -> None:
    assert issubclass(errors.InvalidArticleError, ValueError)
    assert issubclass(errors.InvalidArticleTypeError, TypeError)
    assert issubclass(errors.IndexMismatchError, ValueError)
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.BoilerplateDetectError)


def test_public_names_have_docstrings() -> None:
    for name in bd.__all__:
        obj = getattr(bd, name)
        if name != "__version__":
            assert obj.__doc__, name
