"""``python -m boilerplate_detect``: the same as the ``boilerplate-detect`` command."""

from __future__ import annotations

import sys

from boilerplate_detect.cli import main

if __name__ == "__main__":
    sys.exit(main())
