from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def detector():  # type: ignore[no-untyped-def]
    from boilerplate_detect import Detector

    return Detector.load()
