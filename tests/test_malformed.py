"""Malformed and hostile input: nothing may crash, hang or use unbounded memory.

Every case runs the whole single-article pipeline (``segment`` -> every feature
family -> the language check) under a wall-clock budget enforced by SIGALRM, so a
catastrophically backtracking regex fails the test instead of hanging the run.
The same cases are run by ``scripts/adversarial_report.py``.
"""

from __future__ import annotations

import math
import random
import re
import signal
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

import pytest

from boilerplate_detect.features import FEATURE_NAMES, FEATURE_RANGES, Context, extract, load_resources
from boilerplate_detect.language import is_supported
from boilerplate_detect.text import MAX_CHARS, segment

#: Seconds allowed for one pathological input of up to ~1 MB (cut at MAX_CHARS).
BUDGET_S = 2.0
#: Seconds allowed for the 50 MB text (reading past MAX_CHARS must not cost anything).
BUDGET_50MB_S = 5.0
#: Extra memory (bytes) one call may allocate on top of its input.
MEMORY_BOUND = 200 * 2**20
#: Seconds allowed for texts of up to 1 MB whose every character is special (each one
#: takes the slow path of the normaliser) or whose 500,000 kept characters hold tens of
#: thousands of lines (the template line classifier costs ~40-70 us per line).
HEAVY_BUDGET_S = 6.0
LINE_HEAVY_BUDGET_S = 15.0
#: The test machine is shared by several jobs; a run may take this multiple of its budget.
SLACK = 1.5


def _random_bytes(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _mixed_rtl() -> str:
    return (
        "\u202eThe minister said \u0627\u0644\u0648\u0632\u064a\u0631 \u0642\u0627\u0644 that "
        "\u05d4\u05e9\u05e8 \u05d0\u05de\u05e8 \u2067prices rose\u2069 by 4% \u200f. "
    ) * 4000


#: name -> builder of one hostile text (built lazily: some are large).
MALFORMED_CASES: dict[str, Callable[[], str]] = {
    "binary-latin1-1MB": lambda: _random_bytes(1_000_000, 1).decode("latin-1"),
    "binary-replace-1MB": lambda: _random_bytes(1_000_000, 2).decode("utf-8", errors="replace"),
    "invalid-utf8-surrogateescape": lambda: _random_bytes(300_000, 3).decode("utf-8", "surrogateescape"),
    "lone-surrogates": lambda: "word \ud800 other \udfff text " * 5_000,
    "nul-and-controls": lambda: "".join(chr(i) for i in range(32)) * 20_000,
    "text-50MB": lambda: "The council met on Monday. " * 1_900_000,
    "one-line-1MB-letters": lambda: "a" * 1_000_000,
    "one-line-1MB-random-letters": lambda: "".join(
        random.Random(4).choices("abcdefghijklmnopqrstuvwxyz", k=1_000_000)
    ),
    "one-line-1MB-dots": lambda: "." * 1_000_000,
    "one-line-1MB-bang-question": lambda: "!?" * 500_000,
    "dots-then-parens": lambda: "." * 250_000 + ")" * 250_000,
    "one-line-abbreviations": lambda: "Mr. Smith x. Y " * 60_000,
    "apostrophes": lambda: "a'" * 400_000,
    "hyphens": lambda: "a-" * 400_000,
    "dashes": lambda: "-" * 1_000_000,
    "stars-bullets": lambda: "* " * 400_000 + "follow",
    "spaces-then-word": lambda: " " * 1_000_000 + "subscribe",
    "digits": lambda: "1" * 1_000_000,
    "numbers-with-commas": lambda: "1,000." * 150_000,
    "entities": lambda: "&amp;&#169;&#x41;&bogus;" * 40_000,
    "html-tags": lambda: "<div><p>" * 100_000,
    "open-parens": lambda: "(" * 1_000_000,
    "quotes": lambda: '"' * 500_000 + "'" * 500_000,
    "newlines-only": lambda: "\n" * 1_000_000,
    "crlf-only": lambda: "\r\n" * 500_000,
    "blank-lines-with-spaces": lambda: "\n \n" * 300_000,
    "zero-width-only": lambda: "\u200b\u200d\ufeff\u2060" * 250_000,
    "combining-zalgo": lambda: "a" + "\u0301\u0336" * 400_000,
    "variation-selectors": lambda: "x\U000e0100" * 300_000,
    "homoglyph-only": lambda: "\u0430\u0435\u043e " * 200_000,
    "cyrillic-1MB": lambda: "\u0434\u043e\u043c \u0441\u0442\u043e\u0438\u0442. " * 100_000,
    "repeated-sentence-10k": lambda: "The cat sat on the mat. " * 10_000,
    "repeated-line-10k": lambda: "Key Points\n" * 10_000,
    "repeated-bullets-50k": lambda: "- Read more\n" * 50_000,
    "repeated-paragraphs": lambda: ("Officials said the road was closed. " * 5 + "\n\n") * 5_000,
    "capitalised-names": lambda: "Anne Berg " * 100_000,
    "urls": lambda: "http://" + "a." * 400_000,
    "emoji-zwj": lambda: "\U0001f468\u200d\U0001f469\u200d\U0001f467 " * 100_000,
    "rtl-mixed": _mixed_rtl,
    "cjk-1MB": lambda: "\u65b0\u95fb\u62a5\u9053\u3002" * 200_000,
    "math-alphanumerics": lambda: "\U0001d42d\U0001d421\U0001d41e " * 200_000,
    "fullwidth": lambda: "\uff34\uff48\uff45\u3000\uff4e\uff45\uff57\uff53\uff0e" * 100_000,
    "private-use": lambda: "\ue000\uf8ff" * 300_000,
    "tabs-and-vertical": lambda: "a\t\x0b\x0c\x85\u2028b" * 150_000,
    "many-short-lines": lambda: "a\n" * 500_000,
}
_HEAVY = {
    "binary-latin1-1MB",
    "binary-replace-1MB",
    "invalid-utf8-surrogateescape",
    "nul-and-controls",
    "fullwidth",
    "math-alphanumerics",
    "repeated-bullets-50k",
    "combining-zalgo",
    "emoji-zwj",
}
_LINE_HEAVY = {"tabs-and-vertical", "many-short-lines"}


def budget_for(name: str, text: str) -> float:
    """Return the wall-clock budget (seconds, before SLACK) of one malformed case."""
    if len(text) > 10 * MAX_CHARS:
        return BUDGET_50MB_S
    if name in _LINE_HEAVY:
        return LINE_HEAVY_BUDGET_S
    return HEAVY_BUDGET_S if name in _HEAVY else BUDGET_S


class _Hung(Exception):
    pass


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`_Hung` when the block runs longer than ``seconds`` (Unix only)."""

    def _on_alarm(signum: int, frame: FrameType | None) -> None:
        raise _Hung(f"still running after {seconds:.1f} s")

    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def run_pipeline(text: str, resources: dict[str, object]) -> list[float]:
    """Segment, extract every family and judge the language of one text; return the values."""
    seg = segment(text)
    values, spans = extract(seg, resources, Context())
    is_supported(seg)
    n = len(seg.text)
    for sp in spans:
        assert 0 <= sp.start <= sp.end <= n
    return values


@pytest.fixture(scope="module")
def resources() -> dict[str, object]:
    return load_resources()


@pytest.mark.parametrize("name", list(MALFORMED_CASES), ids=list(MALFORMED_CASES))
def test_pathological_input_within_budget(name: str, resources: dict[str, object]) -> None:
    text = MALFORMED_CASES[name]()
    budget = budget_for(name, text)
    t0 = time.perf_counter()
    with time_limit(budget * SLACK * 3):
        values = run_pipeline(text, resources)
    elapsed = time.perf_counter() - t0
    assert elapsed < budget * SLACK, f"{name}: {elapsed:.2f} s (budget {budget} s)"
    assert len(values) == len(FEATURE_NAMES)
    for v, fname in zip(values, FEATURE_NAMES, strict=True):
        lo, hi = FEATURE_RANGES[fname]
        assert math.isfinite(v) and lo <= v <= hi, (fname, v)


def test_50mb_text_is_cut_and_memory_is_bounded(resources: dict[str, object]) -> None:
    text = MALFORMED_CASES["text-50MB"]()
    assert len(text) > 50_000_000
    tracemalloc.start()
    try:
        seg = segment(text)
        extract(seg, resources, Context())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seg.truncated and len(seg.original) <= MAX_CHARS
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.0f} MiB"


def test_truncation_keeps_the_start_of_the_text() -> None:
    text = "Alpha beta gamma. " * 100_000
    seg = segment(text)
    assert seg.truncated
    assert text.startswith(seg.original)
    assert len(seg.original) > MAX_CHARS // 2


@pytest.mark.parametrize(
    "text",
    ["", " ", "\x00", "\ud800", "\u200b", "\u0301", "&amp;", ".", "\r", "\U000e0100"],
    ids=["empty", "space", "nul", "surrogate", "zero-width", "mark", "entity", "dot", "cr", "vs-supplement"],
)
def test_tiny_hostile_inputs(text: str, resources: dict[str, object]) -> None:
    values = run_pipeline(text, resources)
    assert all(math.isfinite(v) for v in values)


def test_sentence_end_regex_is_linear() -> None:
    # The sentence-end pattern used to be quadratic on runs of "." (20,000 dots took 18 s).
    from boilerplate_detect import text as text_mod

    for n in (50_000, 200_000):
        t0 = time.perf_counter()
        with time_limit(10):
            list(text_mod._SENT_END.finditer("." * n))
        assert time.perf_counter() - t0 < 0.5


def _module_patterns() -> list[tuple[str, re.Pattern[str]]]:
    import importlib
    import pkgutil

    import boilerplate_detect

    out = []
    for info in pkgutil.walk_packages(boilerplate_detect.__path__, "boilerplate_detect."):
        if info.name.endswith(("spark", "cli", "__main__")):
            continue
        mod = importlib.import_module(info.name)
        for attr, val in vars(mod).items():
            if isinstance(val, re.Pattern) and isinstance(val.pattern, str):
                out.append((f"{info.name}.{attr}", val))
    return out


_AUDIT_INPUTS = {
    "dots": ".",
    "spaces": " ",
    "letters": "a",
    "capitals": "A",
    "capitals-then-other": "AG",
    "words": "a ",
    "caps": "Ab ",
    "digits": "1,",
    "apostrophes": "a'",
    "punct": ".,;:!?",
    "newline": " \n",
    "brackets": "([<",
    "quotes": "\"'",
    "hyphens": "a-",
    "url": "http://a.",
}
# Patterns that are only ever used anchored (``.match``) in their module: a search would be
# quadratic on runs of their leading character class, but a match is linear.
_ANCHORED_ONLY = {"boilerplate_detect.facts._TEMPLATE_LINE"}


def test_every_module_regex_is_linear_on_repeated_input() -> None:
    """Doubling a pathological input may at most ~double a regex's time (no backtracking blow-up)."""
    slow = []
    for name, pat in _module_patterns():
        op = pat.match if name in _ANCHORED_ONLY else pat.search
        for iname, unit in _AUDIT_INPUTS.items():
            times = []
            for n in (20_000, 80_000):
                s = unit * (n // len(unit))
                best = float("inf")
                for _ in range(3):  # best of three: a busy machine can stall any single run
                    t0 = time.perf_counter()
                    with time_limit(20):
                        op(s)
                        if name not in _ANCHORED_ONLY:
                            pat.findall(s)
                    best = min(best, time.perf_counter() - t0)
                    if best < 0.01:
                        break  # too fast to matter (see below)
                times.append(best)
            # 4x the input: linear is ~4x; quadratic is ~16x. Ignore sub-10 ms timings.
            if times[1] > 0.05 and times[1] > 8 * times[0]:
                slow.append((name, iname, times))
    assert not slow, slow
