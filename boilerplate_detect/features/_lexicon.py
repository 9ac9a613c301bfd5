"""Load word and phrase lists shipped as package data in ``boilerplate_detect/data/``.

A list file holds one entry per line. Blank lines are skipped, and so is everything
from a ``#`` to the end of its line, so files can carry comments on provenance.
Families call :func:`load_lines` from their ``load()``; nothing is read at import.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["MONTHS", "WEEKDAYS", "load_lines"]

#: Month names and their usual abbreviations, capitalised (``spec.`` date words, facts' dates).
MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
)
#: Weekday names, capitalised.
WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_PACKAGE = "boilerplate_detect"
_DATA_DIR = "data"


def load_lines(name: str) -> tuple[str, ...]:
    """Return the entries of a package-data list file, in file order.

    Args:
        name: File name inside ``boilerplate_detect/data/``, e.g. ``"stock_phrases.txt"``.

    Returns:
        The stripped, non-blank lines with ``#`` comments removed.

    Raises:
        FileNotFoundError: When the file is not in the installed package; the message
            names the file and the fix (reinstall the package).
    """
    ref = resources.files(_PACKAGE).joinpath(_DATA_DIR).joinpath(name)
    if not ref.is_file():
        raise FileNotFoundError(
            f"package data file {_DATA_DIR}/{name} is missing from {_PACKAGE}; "
            "reinstall boilerplate-detect (the wheel ships it)"
        )
    out: list[str] = []
    for raw in ref.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return tuple(out)
