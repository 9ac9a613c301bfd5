"""Shared helpers of the benchmark sections: timing, core pinning, peers, the network guard."""

from __future__ import annotations

import gc
import importlib.metadata
import importlib.util
import os
import resource
import socket
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

#: Variables that keep numeric libraries to one thread, so that "per core" means one core.
ONE_THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}


def set_one_thread_env() -> None:
    """Set :data:`ONE_THREAD_ENV` (call before numpy is imported)."""
    for k, v in ONE_THREAD_ENV.items():
        os.environ.setdefault(k, v)


def pin(cores: set[int] | None) -> set[int]:
    """Pin this process to ``cores`` (all cores when None); return the previous set.

    Args:
        cores: The CPU ids to allow, or None for every CPU the machine has.

    Returns:
        The affinity in force before the call (empty where affinity is unsupported).
    """
    if not hasattr(os, "sched_setaffinity"):
        return set()
    before = set(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cores if cores is not None else set(range(os.cpu_count() or 1)))
    return before


def forbid_network() -> None:
    """Make any connection to a non-loopback address fail, so no peer downloads anything.

    Spark's local mode and the tests use loopback sockets, which stay allowed.
    """
    original = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if (
            isinstance(host, str)
            and host not in ("localhost", "::1")
            and not host.startswith(("127.", "/"))
            and self.family in (socket.AF_INET, socket.AF_INET6)
        ):
            raise OSError(f"benchmark network guard: connection to {host!r} refused (runs are offline)")
        return original(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]


#: Environment variable naming the model directory the sections load (default: the bundled model).
MODEL_ENV = "BENCH_MODEL"


def load_detector(**kwargs: Any) -> Any:
    """Load the Detector the benchmark measures: ``$BENCH_MODEL`` or the bundled model."""
    from boilerplate_detect import Detector

    return Detector.load(os.environ.get(MODEL_ENV) or None, **kwargs)


def version(dist: str) -> str | None:
    """Return the installed version of a distribution, or None when it is not installed."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def has_module(name: str) -> bool:
    """Return True when ``name`` can be imported."""
    return importlib.util.find_spec(name) is not None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


@dataclass
class Timing:
    """One contestant's best repetition."""

    name: str
    articles: int
    bytes: int
    cpu_s: float
    wall_s: float
    reps: int

    @property
    def per_s(self) -> float:
        """Articles per CPU second: articles/s per core."""
        return self.articles / self.cpu_s if self.cpu_s > 0 else float("inf")

    @property
    def mb_s(self) -> float:
        """MB (10^6 bytes) of UTF-8 text per CPU second."""
        return self.bytes / 1e6 / self.cpu_s if self.cpu_s > 0 else float("inf")

    @property
    def us_per_article(self) -> float:
        """CPU microseconds per article."""
        return self.cpu_s / max(self.articles, 1) * 1e6

    def to_dict(self) -> dict[str, Any]:
        """Return the figures, derived ones included."""
        d = asdict(self)
        d.update(
            articles_per_s_per_core=round(self.per_s, 1),
            mb_per_s=round(self.mb_s, 3),
            us_per_article=round(self.us_per_article, 1),
            wall_articles_per_s=round(self.articles / self.wall_s, 1) if self.wall_s > 0 else None,
        )
        return d


def measure(
    name: str, fn: Callable[[list[Any]], object], items: list[Any], nbytes: int, *, reps: int
) -> Timing:
    """Run ``fn(items)`` ``reps`` times; keep the repetition with the least CPU time.

    Args:
        name: The contestant's name.
        fn: Processes all ``items`` (must consume lazy results itself).
        items: The inputs.
        nbytes: The UTF-8 size of the inputs' texts.
        reps: Repetitions.

    Returns:
        The best repetition's timing.
    """
    best: tuple[float, float] | None = None
    for _ in range(max(reps, 1)):
        gc.collect()
        c0, w0 = time.process_time(), time.perf_counter()
        fn(items)
        c1, w1 = time.process_time(), time.perf_counter()
        if best is None or c1 - c0 < best[0]:
            best = (c1 - c0, w1 - w0)
    assert best is not None
    return Timing(name, len(items), nbytes, best[0], best[1], max(reps, 1))


def consume(it: Iterable[object]) -> int:
    """Exhaust an iterator; return how many items it gave."""
    n = 0
    for _ in it:
        n += 1
    return n


def fmt(x: float | None, digits: int = 0) -> str:
    """Format a number with thousands separators, or an en dash for None."""
    if x is None:
        return "–"
    return f"{x:,.{digits}f}"
