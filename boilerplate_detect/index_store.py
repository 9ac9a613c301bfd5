"""Storage backends of the cross-outlet index: SQLite (file or memory) and Redis.

Both keep, per article, one record (id, outlet key, published, fingerprint
bytes) and postings ``key -> article`` for the LSH band keys and passage keys.
Candidates are ranked by the number of keys shared, ties by insertion order (an
update is a new insertion), on both backends and on the Spark path.

* :class:`SQLiteStore` is the embedded default. The database holds one row per
  article (record and posting keys); the postings themselves are kept in memory
  (:class:`Postings`, 8 bytes each), loaded on open and kept up to date from what
  other connections commit. On disk it runs in WAL mode with one transaction per
  ``put``/``put_many``, so a process killed mid-write leaves a database that opens
  with every committed (acknowledged) article. Several processes may write at once:
  SQLite serialises them; a writer that cannot get the lock within ``timeout``
  seconds gets :class:`~boilerplate_detect.errors.IndexLockError`. ``:memory:``
  gives the in-memory index (same layout, same size per article).
* :class:`RedisStore` shares one index between workers on a Redis server. Every
  write is one MULTI/EXEC transaction of idempotent commands (HSET, SADD, SREM),
  and a dropped connection is retried until ``retry_seconds`` pass, so a
  reconnect neither loses nor duplicates an article.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import sqlite3
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import numpy as np
import numpy.typing as npt

from boilerplate_detect.errors import IndexLockError, IndexMismatchError

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_RETRY_SECONDS",
    "Postings",
    "Record",
    "RedisStore",
    "SQLiteStore",
    "Store",
]

logger = logging.getLogger(__name__)

#: Seconds a writer waits for another process's write lock before IndexLockError.
DEFAULT_LOCK_TIMEOUT = 30.0
#: Seconds a Redis operation keeps retrying after a dropped connection.
DEFAULT_RETRY_SECONDS = 30.0

#: Page cache of an embedded index file, in KiB (an in-memory index holds all its pages anyway).
CACHE_KIB = 65536

#: Records read per statement when the candidates of a batch are fetched (below SQLite's
#: smallest limit on bound parameters).
FETCH_CHUNK = 900

#: One stored article: (id, outlet key, published, fingerprint bytes, posting keys).
Record = tuple[str, str, "str | None", bytes, Sequence[int]]

T = TypeVar("T")


class Store(Protocol):
    """What the index needs of a backend."""

    def get_params(self) -> dict[str, Any] | None:
        """Return the stored parameters, or None for a new index."""

    def set_params(self, params: dict[str, Any]) -> None:
        """Store the parameters of a new index."""

    def put_many(self, records: Sequence[Record], keys_of: Callable[[bytes], Sequence[int]]) -> None:
        """Insert or replace records atomically."""

    def candidates(self, keys: Sequence[int], limit: int) -> list[tuple[str, str, str | None, bytes]]:
        """Return up to ``limit`` records sharing the most keys, most shared first."""

    def candidates_many(
        self, keys: Sequence[Sequence[int]], limit: int
    ) -> list[list[tuple[str, str, str | None, bytes]]]:
        """Return :meth:`candidates` of every key list, in order (as many calls would).

        Each key list must be distinct keys in ascending order (as
        :meth:`~boilerplate_detect.index_fingerprint.Fingerprint.query_keys` gives them).
        """

    def remove(self, article_id: str, keys_of: Callable[[bytes], Sequence[int]]) -> bool:
        """Remove one record; return whether it existed."""

    def count(self) -> int:
        """Return the number of records."""

    def ids(self) -> list[str]:
        """Return every stored id."""

    def close(self) -> None:
        """Release the connection."""


def _locked(exc: sqlite3.OperationalError, path: str, timeout: float) -> IndexLockError:
    return IndexLockError(
        f"the index {path!r} is locked by another writer and stayed locked for {timeout:g} s ({exc}); "
        "retry later, raise the timeout with Index.open(path, timeout=...), or give each writer its own index"
    )


_DOC_MASK = np.uint64(0xFFFFFFFF)


class Postings:
    """The postings ``key -> doc`` of an index, in memory.

    A posting is one ``uint64``, ``key << 32 | doc`` (keys are 31-bit, docs 32-bit),
    8 bytes, kept in three levels, like a small log-structured merge tree:

    * ``base``: one sorted array, with a bucket directory (the first posting of
      every key prefix), so looking up all of a query's keys is one vectorised
      gather instead of binary searches over a large array;
    * ``mid``: a sorted array of at most ``sqrt(4096 * len(base))`` postings,
      merged into ``base`` when full;
    * ``new``: the latest adds in a dict (pushed into ``mid`` every
      ``new_postings`` postings).

    Removed docs are tombstoned and dropped when ``mid`` is merged into ``base``.

    Args:
        new_postings: Postings held in the newest level before it is pushed into ``mid``.
        min_mid: ``mid`` is merged into ``base`` when it holds more than this many
            postings and more than ``sqrt(4096 * len(base))``.
    """

    def __init__(self, *, new_postings: int = 4096, min_mid: int = 65536) -> None:
        self._new_postings = new_postings
        self._min_mid = min_mid
        self._base = np.zeros(0, dtype=np.uint64)
        self._dir = np.zeros(2, dtype=np.uint32)
        self._shift = 31
        self._mid = np.zeros(0, dtype=np.uint64)
        self._new: dict[int, int | list[int]] = {}
        self._new_vals: list[int] = []
        self._dead: set[int] = set()

    @staticmethod
    def encode(docs: Sequence[int], keys: Sequence[npt.NDArray[np.uint64]]) -> npt.NDArray[np.uint64]:
        """Return the sorted postings of docs with their keys (``keys[i]`` belongs to ``docs[i]``)."""
        if not docs:
            return np.zeros(0, dtype=np.uint64)
        counts = [len(k) for k in keys]
        flat = np.concatenate(keys) if len(keys) > 1 else keys[0]
        out: npt.NDArray[np.uint64] = (flat << np.uint64(32)) | np.repeat(
            np.asarray(docs, dtype=np.uint64), counts
        )
        out.sort()
        return out

    def add(self, docs: Sequence[int], keys: Sequence[Sequence[int]]) -> None:
        """Add docs not yet added, ``keys[i]`` (distinct 31-bit keys) being those of ``docs[i]``."""
        total = sum(len(k) for k in keys)
        if total > self._new_postings:
            self._push(self.encode(docs, [np.asarray(k, dtype=np.uint64) for k in keys]))
            return
        new, vals = self._new, self._new_vals
        for doc, ks in zip(docs, keys, strict=True):
            for k in ks:
                had = new.get(k)
                if had is None:
                    new[k] = doc  # an int, not a list: fewer objects for the garbage collector
                elif isinstance(had, int):
                    new[k] = [had, doc]
                else:
                    had.append(doc)
            vals.extend([(k << 32) | doc for k in ks])
        if len(vals) > self._new_postings:
            self._new, self._new_vals = {}, []
            self._push(np.sort(np.asarray(vals, dtype=np.uint64)))

    def add_encoded(self, postings: npt.NDArray[np.uint64]) -> None:
        """Add the sorted postings (from :meth:`encode`) of docs not yet added."""
        if postings.size:
            self._push(postings)

    def _push(self, postings: npt.NDArray[np.uint64]) -> None:
        m = self._mid
        self._mid = np.insert(m, m.searchsorted(postings), postings) if m.size else postings
        if self._mid.size > max(self._min_mid, math.isqrt(4096 * self._base.size)):
            self._compact()

    def _compact(self) -> None:
        """Merge every level into ``base`` and drop the postings of removed docs."""
        if self._new_vals:
            m, p = self._mid, np.sort(np.asarray(self._new_vals, dtype=np.uint64))
            self._new, self._new_vals = {}, []
            self._mid = np.insert(m, m.searchsorted(p), p) if m.size else p
        b, m = self._base, self._mid
        merged = np.insert(b, b.searchsorted(m), m) if b.size else m
        if self._dead:
            dead = np.fromiter(self._dead, dtype=np.uint64, count=len(self._dead))
            merged = merged[~np.isin(merged & _DOC_MASK, dead)]
            self._dead.clear()
        self._mid = np.zeros(0, dtype=np.uint64)
        self._set_base(merged)

    def _set_base(self, base: npt.NDArray[np.uint64]) -> None:
        bits = min(max((base.size // 4).bit_length() - 1, 0), 31)
        self._shift = 31 - bits
        counts = np.bincount((base >> np.uint64(32 + self._shift)).astype(np.intp), minlength=1 << bits)
        self._dir = np.concatenate(([0], np.cumsum(counts))).astype(np.uint32)
        self._base = base

    def remove(self, docs: Iterable[int]) -> None:
        """Tombstone docs: they are never returned again."""
        self._dead.update(docs)

    @property
    def nbytes(self) -> int:
        """Bytes held by the posting arrays and the directory (the newest level not counted)."""
        return int(self._base.nbytes + self._dir.nbytes + self._mid.nbytes)

    def top(self, keys: Sequence[int], limit: int) -> list[int]:
        """Return up to ``limit`` docs sharing the most keys, most first, ties by doc number.

        Args:
            keys: Distinct query keys (31-bit).
            limit: How many docs at most.
        """
        if not keys:
            return []
        found: list[int] = []
        k = np.asarray(keys, dtype=np.uint64)
        q0 = np.zeros(k.size, dtype=np.uint64)  # one query: its coded docs are the docs
        if self._base.size:
            b = (k >> np.uint64(self._shift)).astype(np.intp)
            lo = self._dir[b].astype(np.intp)
            found += _gather_coded(self._base, k, q0, lo, self._dir[b + 1].astype(np.intp) - lo).tolist()
        mid = self._mid
        if mid.size:
            k32 = k << np.uint64(32)
            lo = mid.searchsorted(k32)
            found += _gather_coded(mid, k, q0, lo, mid.searchsorted(k32 + np.uint64(1 << 32)) - lo).tolist()
        if self._new:
            new = self._new
            for key in keys:
                ds = new.get(key)
                if ds is not None:
                    if isinstance(ds, int):
                        found.append(ds)
                    else:
                        found += ds
        if not found:
            return []
        dead = self._dead
        counts: dict[int, int] = {}
        for d in found:
            if d not in dead:
                counts[d] = counts.get(d, 0) + 1
        return sorted(counts, key=lambda d: (-counts[d], d))[:limit]

    def top_many(self, keys: Sequence[Sequence[int]], limit: int) -> list[list[int]]:
        """Return :meth:`top` of every key list, with a few vectorised calls for all of them.

        Args:
            keys: Per query, its distinct keys (31-bit).
            limit: How many docs at most per query.

        Returns:
            Per query, the docs :meth:`top` returns for it (same docs, same order).
        """
        lens = [len(k) for k in keys]
        total = sum(lens)
        if not total:
            return [[] for _ in keys]
        flat = np.fromiter(itertools.chain.from_iterable(keys), dtype=np.uint64, count=total)
        qid = np.repeat(np.arange(len(keys), dtype=np.uint64), lens)
        docs: list[npt.NDArray[np.uint64]] = []
        if self._base.size:
            b = (flat >> np.uint64(self._shift)).astype(np.intp)
            lo = self._dir[b].astype(np.intp)
            docs.append(_gather_coded(self._base, flat, qid, lo, self._dir[b + 1].astype(np.intp) - lo))
        mid = self._mid
        if mid.size:
            k32 = flat << np.uint64(32)
            lo = mid.searchsorted(k32)
            docs.append(_gather_coded(mid, flat, qid, lo, mid.searchsorted(k32 + np.uint64(1 << 32)) - lo))
        if self._new:
            new = self._new
            coded: list[int] = []
            for q, ks in enumerate(keys):
                for key in ks:
                    ds = new.get(key)
                    if ds is not None:
                        if isinstance(ds, int):
                            coded.append(q << 32 | ds)
                        else:
                            coded += [q << 32 | d for d in ds]
            if coded:
                docs.append(np.asarray(coded, dtype=np.uint64))
        if not docs:
            return [[] for _ in keys]
        found = np.concatenate(docs) if len(docs) > 1 else docs[0]
        if self._dead and found.size:
            dead = np.fromiter(self._dead, dtype=np.uint64, count=len(self._dead))
            found = found[~np.isin(found & _DOC_MASK, dead)]
        # (query, doc) pairs and how many keys each shares; then per query: most first, ties by doc
        pairs, counts = np.unique(found, return_counts=True)
        q_of = pairs >> np.uint64(32)
        order = np.lexsort((pairs, -counts, q_of))
        q_sorted = q_of[order]
        starts = np.searchsorted(q_sorted, np.arange(len(keys) + 1, dtype=np.uint64))
        rank = np.arange(q_sorted.size) - starts[q_sorted.astype(np.intp)]
        keep = order[rank < limit]
        bounds = np.searchsorted(q_sorted[rank < limit], np.arange(len(keys) + 1, dtype=np.uint64)).tolist()
        out: list[int] = (pairs[keep] & _DOC_MASK).tolist()
        return [out[bounds[q] : bounds[q + 1]] for q in range(len(keys))]


def _gather_coded(
    arr: npt.NDArray[np.uint64],
    keys: npt.NDArray[np.uint64],
    qid: npt.NDArray[np.uint64],
    lo: npt.NDArray[np.intp],
    n: npt.NDArray[np.intp],
) -> npt.NDArray[np.uint64]:
    """``qid[i] << 32 | doc`` of the postings of ``keys[i]`` in ``arr[lo[i] : lo[i] + n[i]]``.

    The ranges may hold other keys' postings; only ``keys[i]``'s are kept.
    """
    total = int(n.sum())
    if not total:
        return np.zeros(0, dtype=np.uint64)
    vals = arr[np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(total)]
    hit = (vals >> np.uint64(32)) == np.repeat(keys, n)
    out: npt.NDArray[np.uint64] = (np.repeat(qid, n)[hit] << np.uint64(32)) | (vals[hit] & _DOC_MASK)
    return out


def _distinct(keys: Sequence[int]) -> list[int]:
    return sorted({int(k) for k in keys})


class SQLiteStore:
    """An index in one SQLite database (a file in WAL mode, or ``":memory:"``).

    The database holds one row per article (its record and its posting keys);
    every connection keeps the postings in memory (:class:`Postings`), loaded on
    open and brought up to date from the rows other processes committed (new docs,
    and the ``gone`` log of removed ones) whenever SQLite's ``data_version`` says
    another connection wrote. Doc numbers are never reused.

    Args:
        path: The database file, or ``":memory:"``.
        timeout: Seconds to wait for another writer's lock.
    """

    def __init__(self, path: str, *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._lock = threading.RLock()
        self._post = Postings()
        self._seen_doc = 0
        self._seen_gone = 0
        self._version: int | None = None
        self._shared = path != ":memory:"
        try:
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
            # records are ~0.6 KB: 8 KiB pages waste less of each page than 4 KiB ones (new databases only)
            self._db.execute("PRAGMA page_size=8192")
            if self._shared:
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            # an in-memory database keeps every page; a smaller cache limit only slows it down
            self._db.execute(f"PRAGMA cache_size={-CACHE_KIB if self._shared else -(1 << 30)}")
            have = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "post" in have:
                self._db.close()
                raise IndexMismatchError(
                    f"index {path!r} was written by an older version (record format 1, postings on disk); "
                    "rebuild the index with this version"
                )
            if not {"meta", "art", "gone"} <= have:  # opening an existing index takes no write lock
                self._write(self._create)
            self._catch_up(force=True)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise _locked(exc, path, timeout) from exc
            raise OSError(
                f"cannot open index {path!r}: {exc}; is it an index file made by Index.open?"
            ) from exc

    def _create(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS art(doc INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, "
            "outlet TEXT NOT NULL, published TEXT, rec BLOB NOT NULL, keys BLOB NOT NULL)"
        )
        db.execute("CREATE TABLE IF NOT EXISTS gone(seq INTEGER PRIMARY KEY, doc INTEGER NOT NULL)")

    def _catch_up(self, *, force: bool = False) -> None:
        """Load what other connections committed since the last look (call under the lock)."""
        if not force:
            if not self._shared:
                return
            version = self._db.execute("PRAGMA data_version").fetchone()[0]
            if version == self._version:
                return
        own = not self._db.in_transaction
        if own:
            self._db.execute("BEGIN")  # one snapshot for both tables
        try:
            self._version = self._db.execute("PRAGMA data_version").fetchone()[0]
            gone = self._db.execute("SELECT seq, doc FROM gone WHERE seq > ?", (self._seen_gone,)).fetchall()
            rows = self._db.execute(
                "SELECT doc, keys FROM art WHERE doc > ? ORDER BY doc", (self._seen_doc,)
            ).fetchall()
        finally:
            if own:
                self._db.execute("COMMIT")
        if gone:
            self._seen_gone = max(g[0] for g in gone)
            self._post.remove(g[1] for g in gone)
        if rows:
            self._seen_doc = rows[-1][0]
            keys = [np.frombuffer(r[1], "<u4").astype(np.uint64) for r in rows]
            self._post.add_encoded(Postings.encode([r[0] for r in rows], keys))

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _locked(exc, self.path, self.timeout) from exc
            try:
                out = fn(self._db)
                self._db.execute("COMMIT")
                return out
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def get_params(self) -> dict[str, Any] | None:
        """Return the stored parameters, or None for a new index."""
        with self._lock:
            row = self._db.execute("SELECT v FROM meta WHERE k='params'").fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def set_params(self, params: dict[str, Any]) -> None:
        """Store the parameters of a new index (kept if another process stored them first)."""
        self._write(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO meta(k, v) VALUES ('params', ?)", (json.dumps(params, sort_keys=True),)
            )
        )

    def put_many(self, records: Sequence[Record], keys_of: Callable[[bytes], Sequence[int]]) -> None:
        """Insert or replace records in one transaction (``keys_of`` is not needed here)."""
        latest: dict[str, Record] = {r[0]: r for r in records}  # the last one of an id wins
        keys = [_distinct(r[4]) for r in latest.values()]
        key_blobs = [struct.pack(f"<{len(k)}I", *k) for k in keys]

        def run(db: sqlite3.Connection) -> tuple[list[int], int, int]:
            self._catch_up()
            ids = list(latest)
            old: list[int] = []
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                marks = ",".join("?" * len(part))
                old += [r[0] for r in db.execute(f"SELECT doc FROM art WHERE id IN ({marks})", part)]
            if old:
                marks = ",".join("?" * len(old))
                db.execute(f"DELETE FROM art WHERE doc IN ({marks})", old)
                db.executemany("INSERT INTO gone(doc) VALUES (?)", [(d,) for d in old])
            row = db.execute("SELECT seq FROM sqlite_sequence WHERE name='art'").fetchone()
            base = max(int(row[0]) if row else 0, self._seen_doc) + 1
            db.executemany(
                "INSERT INTO art(doc, id, outlet, published, rec, keys) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (base + n, r[0], r[1], r[2], r[3], kb)
                    for n, (r, kb) in enumerate(zip(latest.values(), key_blobs, strict=True))
                ],
            )
            return old, base, self._gone_seq() if old else self._seen_gone

        with self._lock:
            old, base, gone_seq = self._write(run)
            if old:
                self._seen_gone = gone_seq
                self._post.remove(old)
            docs = list(range(base, base + len(latest)))
            self._seen_doc = docs[-1]
            self._post.add(docs, keys)

    def _gone_seq(self) -> int:
        return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM gone").fetchone()[0])

    def candidates(self, keys: Sequence[int], limit: int) -> list[tuple[str, str, str | None, bytes]]:
        """Return up to ``limit`` records sharing the most keys, most shared first, then by insertion."""
        if not keys:
            return []
        with self._lock:
            self._catch_up()
            docs = self._post.top(sorted(set(keys)), limit)
            if not docs:
                return []
            marks = ",".join("?" * len(docs))
            rows = {
                r[0]: r[1:]
                for r in self._db.execute(
                    f"SELECT doc, id, outlet, published, rec FROM art WHERE doc IN ({marks})", docs
                )
            }
        return [(r[0], r[1], r[2], r[3]) for r in (rows.get(d) for d in docs) if r is not None]

    def candidates_many(
        self, keys: Sequence[Sequence[int]], limit: int
    ) -> list[list[tuple[str, str, str | None, bytes]]]:
        """Return :meth:`candidates` of every key list, in order, from one snapshot of the postings.

        Each key list must be distinct keys in ascending order. The postings of all
        the lists are looked up together and the records read
        with one statement per :data:`FETCH_CHUNK` docs, which is what makes a
        batch cheaper than as many :meth:`candidates` calls.
        """
        with self._lock:
            self._catch_up()
            tops = self._post.top_many(keys, limit)
            wanted = sorted({d for t in tops for d in t})
            rows: dict[int, tuple[str, str, str | None, bytes]] = {}
            for i in range(0, len(wanted), FETCH_CHUNK):
                part = wanted[i : i + FETCH_CHUNK]
                marks = ",".join("?" * len(part))
                for r in self._db.execute(
                    f"SELECT doc, id, outlet, published, rec FROM art WHERE doc IN ({marks})", part
                ):
                    rows[r[0]] = (r[1], r[2], r[3], r[4])
        get = rows.get
        return [[r for r in map(get, t) if r is not None] for t in tops]

    def remove(self, article_id: str, keys_of: Callable[[bytes], Sequence[int]]) -> bool:
        """Remove one record; return whether it existed (``keys_of`` is not needed here)."""

        def run(db: sqlite3.Connection) -> tuple[int, int] | None:
            self._catch_up()
            old = db.execute("SELECT doc FROM art WHERE id=?", (article_id,)).fetchone()
            if old is None:
                return None
            db.execute("DELETE FROM art WHERE doc=?", (old[0],))
            seq = db.execute("INSERT INTO gone(doc) VALUES (?)", (old[0],)).lastrowid
            return int(old[0]), int(seq or 0)

        with self._lock:
            done = self._write(run)
            if done is None:
                return False
            self._seen_gone = done[1]
            self._post.remove([done[0]])
            return True

    def count(self) -> int:
        """Return the number of records."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM art").fetchone()[0])

    def ids(self) -> list[str]:
        """Return every stored id."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT id FROM art ORDER BY doc")]

    def save(self, path: str) -> None:
        """Copy the whole index into a new database file (WAL mode)."""
        if Path(path).exists():
            raise FileExistsError(f"{path!r} exists; remove it or choose another path to save the index to")
        dst = sqlite3.connect(path, isolation_level=None)
        try:
            with self._lock:
                self._db.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()

    def size_bytes(self) -> int:
        """Return the index's size in bytes: database pages in use, plus the postings in memory."""
        with self._lock:
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
            size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size) + self._post.nbytes

    def close(self) -> None:
        """Close the connection (checkpointing the WAL on disk)."""
        with self._lock:
            self._db.close()


class RedisStore:
    """An index on a Redis server, shared by any number of processes.

    Args:
        url: ``redis://host:port/db``.
        namespace: Prefix of every key this index uses.
        retry_seconds: How long to keep retrying after a dropped connection.

    Raises:
        ImportError: The ``redis`` package is not installed.
    """

    def __init__(
        self, url: str, *, namespace: str = "bd", retry_seconds: float = DEFAULT_RETRY_SECONDS
    ) -> None:
        try:
            import redis
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError(
                "a redis:// index needs the redis package: pip install 'boilerplate-detect[redis]'"
            ) from exc
        self.url = url
        self.ns = namespace
        self.retry_seconds = retry_seconds
        self._errors: tuple[type[BaseException], ...] = (redis.ConnectionError, redis.TimeoutError)
        self._r = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)

    def _k(self, *parts: object) -> str:
        return ":".join((self.ns, *map(str, parts)))

    def _retry(self, fn: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.05
        while True:
            try:
                return fn()
            except self._errors as exc:
                if time.monotonic() >= deadline:
                    raise ConnectionError(
                        f"Redis at {self.url} unreachable for {self.retry_seconds:g} s ({exc}); "
                        "check that redis-server is running"
                    ) from exc
                logger.warning("Redis connection lost (%s); retrying in %.2f s", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def get_params(self) -> dict[str, Any] | None:
        """Return the stored parameters, or None for a new index."""
        raw = self._retry(lambda: self._r.get(self._k("params")))
        return None if raw is None else dict(json.loads(raw))

    def set_params(self, params: dict[str, Any]) -> None:
        """Store the parameters of a new index (kept if another process stored them first)."""
        self._retry(lambda: self._r.set(self._k("params"), json.dumps(params, sort_keys=True), nx=True))

    def put_many(self, records: Sequence[Record], keys_of: Callable[[bytes], Sequence[int]]) -> None:
        """Insert or replace records; each record is one transaction, retried on a dropped connection."""
        for rid, outlet, published, blob, keys in records:
            self._retry(functools.partial(self._put, rid, outlet, published, blob, keys, keys_of))

    def _put(
        self,
        rid: str,
        outlet: str,
        published: str | None,
        blob: bytes,
        keys: Sequence[int],
        keys_of: Callable[[bytes], Sequence[int]],
    ) -> None:
        akey = self._k("a", rid)
        old = cast("bytes | None", self._r.hget(akey, "rec"))
        # insertion order, as in the embedded index: ties between candidates go to the earlier one
        seq = int(self._r.incr(self._k("seq")))
        pipe = self._r.pipeline(transaction=True)
        if old is not None:
            for k in set(keys_of(old)) - {int(k) for k in keys}:
                pipe.srem(self._k("p", k), rid)
        pipe.hset(akey, mapping={"outlet": outlet, "published": published or "", "rec": blob, "seq": seq})
        pipe.sadd(self._k("ids"), rid)
        for k in keys:
            pipe.sadd(self._k("p", int(k)), rid)
        pipe.execute()

    def candidates(self, keys: Sequence[int], limit: int) -> list[tuple[str, str, str | None, bytes]]:
        """Return up to ``limit`` records sharing the most keys, most shared first, then by insertion."""
        uniq = sorted({int(k) for k in keys})
        if not uniq:
            return []

        def members() -> list[Any]:
            pipe = self._r.pipeline(transaction=False)
            for k in uniq:
                pipe.smembers(self._k("p", k))
            return list(pipe.execute())

        counts: Counter[bytes] = Counter()
        for s in self._retry(members):
            counts.update(s)
        ids = list(counts)
        if not ids:
            return []

        def seqs() -> list[Any]:
            pipe = self._r.pipeline(transaction=False)
            for rid in ids:
                pipe.hget(self._k("a", rid.decode()), "seq")
            return list(pipe.execute())

        order = {rid: int(q) if q is not None else 0 for rid, q in zip(ids, self._retry(seqs), strict=True)}
        top = sorted(counts.items(), key=lambda kv: (-kv[1], order[kv[0]], kv[0]))[:limit]

        def fetch() -> list[Any]:
            pipe = self._r.pipeline(transaction=False)
            for rid, _ in top:
                pipe.hgetall(self._k("a", rid.decode()))
            return list(pipe.execute())

        out = []
        for (rid, _), h in zip(top, self._retry(fetch), strict=True):
            if h:  # removed in the meantime
                pub = h.get(b"published", b"").decode() or None
                out.append((rid.decode(), h[b"outlet"].decode(), pub, bytes(h[b"rec"])))
        return out

    def candidates_many(
        self, keys: Sequence[Sequence[int]], limit: int
    ) -> list[list[tuple[str, str, str | None, bytes]]]:
        """Return :meth:`candidates` of every key list (distinct, ascending), in order: one lookup each."""
        return [self.candidates(k, limit) for k in keys]

    def remove(self, article_id: str, keys_of: Callable[[bytes], Sequence[int]]) -> bool:
        """Remove one record; return whether it existed."""

        def run() -> bool:
            akey = self._k("a", article_id)
            old = cast("bytes | None", self._r.hget(akey, "rec"))
            if old is None:
                return False
            pipe = self._r.pipeline(transaction=True)
            for k in keys_of(old):
                pipe.srem(self._k("p", int(k)), article_id)
            pipe.delete(akey)
            pipe.srem(self._k("ids"), article_id)
            pipe.execute()
            return True

        return self._retry(run)

    def count(self) -> int:
        """Return the number of records."""
        return int(self._retry(lambda: self._r.scard(self._k("ids"))))

    def ids(self) -> list[str]:
        """Return every stored id, sorted."""
        members = cast("set[bytes]", self._retry(lambda: self._r.smembers(self._k("ids"))))
        return sorted(x.decode() for x in members)

    def close(self) -> None:
        """Close the connection pool."""
        self._r.close()


def chunks(items: Iterable[T], n: int) -> Iterable[list[T]]:
    """Yield lists of up to ``n`` items."""
    buf: list[T] = []
    for x in items:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf
