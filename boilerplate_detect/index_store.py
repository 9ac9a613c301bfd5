"""Storage backends of the cross-outlet index: SQLite (file or memory) and Redis.

Both keep, per article, one record (id, outlet key, published, fingerprint
bytes) and postings ``key -> article`` for the LSH band keys and passage keys.

* :class:`SQLiteStore` is the embedded default. On disk it runs in WAL mode with
  one transaction per ``put``/``put_many``, so a process killed mid-write leaves
  a database that opens with every committed (acknowledged) article. Several
  processes may write at once: SQLite serialises them; a writer that cannot get
  the lock within ``timeout`` seconds gets :class:`~boilerplate_detect.errors.IndexLockError`.
  ``:memory:`` gives the in-memory index (same layout, same size per article).
* :class:`RedisStore` shares one index between workers on a Redis server. Every
  write is one MULTI/EXEC transaction of idempotent commands (HSET, SADD, SREM),
  and a dropped connection is retried until ``retry_seconds`` pass, so a
  reconnect neither loses nor duplicates an article.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from boilerplate_detect.errors import IndexLockError

__all__ = ["DEFAULT_LOCK_TIMEOUT", "DEFAULT_RETRY_SECONDS", "Record", "RedisStore", "SQLiteStore", "Store"]

logger = logging.getLogger(__name__)

#: Seconds a writer waits for another process's write lock before IndexLockError.
DEFAULT_LOCK_TIMEOUT = 30.0
#: Seconds a Redis operation keeps retrying after a dropped connection.
DEFAULT_RETRY_SECONDS = 30.0

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


class SQLiteStore:
    """An index in one SQLite database (a file in WAL mode, or ``":memory:"``).

    Args:
        path: The database file, or ``":memory:"``.
        timeout: Seconds to wait for another writer's lock.
    """

    def __init__(self, path: str, *, timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._lock = threading.RLock()
        try:
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA cache_size=-65536")
            have = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"meta", "art", "post"} <= have:  # opening an existing index takes no write lock
                self._write(self._create)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise _locked(exc, path, timeout) from exc
            raise OSError(
                f"cannot open index {path!r}: {exc}; is it an index file made by Index.open?"
            ) from exc

    def _create(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL)")
        db.execute(
            "CREATE TABLE IF NOT EXISTS art(doc INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
            "outlet TEXT NOT NULL, published TEXT, rec BLOB NOT NULL)"
        )
        db.execute(
            "CREATE TABLE IF NOT EXISTS post(k INTEGER NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY(k, doc)) "
            "WITHOUT ROWID"
        )

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
        """Insert or replace records in one transaction."""

        def run(db: sqlite3.Connection) -> None:
            latest: dict[str, Record] = {r[0]: r for r in records}  # the last one of an id wins
            ids = list(latest)
            for i in range(0, len(ids), 500):
                part = ids[i : i + 500]
                marks = ",".join("?" * len(part))
                for doc, rec in db.execute(
                    f"SELECT doc, rec FROM art WHERE id IN ({marks})", part
                ).fetchall():
                    db.executemany(
                        "DELETE FROM post WHERE k=? AND doc=?", [(int(k), doc) for k in keys_of(rec)]
                    )
                    db.execute("DELETE FROM art WHERE doc=?", (doc,))
            base = int(db.execute("SELECT COALESCE(MAX(doc), 0) FROM art").fetchone()[0]) + 1
            db.executemany(
                "INSERT INTO art(doc, id, outlet, published, rec) VALUES (?, ?, ?, ?, ?)",
                [(base + n, r[0], r[1], r[2], r[3]) for n, r in enumerate(latest.values())],
            )
            db.executemany(
                "INSERT OR IGNORE INTO post(k, doc) VALUES (?, ?)",
                [(int(k), base + n) for n, r in enumerate(latest.values()) for k in r[4]],
            )

        self._write(run)

    def candidates(self, keys: Sequence[int], limit: int) -> list[tuple[str, str, str | None, bytes]]:
        """Return up to ``limit`` records sharing the most keys, most shared first."""
        if not keys:
            return []
        uniq = sorted({int(k) for k in keys})
        marks = ",".join("?" * len(uniq))
        with self._lock:
            rows = self._db.execute(
                f"SELECT a.id, a.outlet, a.published, a.rec FROM (SELECT doc, COUNT(*) AS c FROM post "
                f"WHERE k IN ({marks}) GROUP BY doc ORDER BY c DESC, doc LIMIT ?) AS p "
                f"JOIN art a ON a.doc = p.doc ORDER BY p.c DESC, p.doc",
                (*uniq, limit),
            ).fetchall()
        return [(r[0], r[1], r[2], bytes(r[3])) for r in rows]

    def remove(self, article_id: str, keys_of: Callable[[bytes], Sequence[int]]) -> bool:
        """Remove one record; return whether it existed."""

        def run(db: sqlite3.Connection) -> bool:
            old = db.execute("SELECT doc, rec FROM art WHERE id=?", (article_id,)).fetchone()
            if old is None:
                return False
            db.executemany(
                "DELETE FROM post WHERE k=? AND doc=?", [(int(k), old[0]) for k in keys_of(old[1])]
            )
            db.execute("DELETE FROM art WHERE doc=?", (old[0],))
            return True

        return self._write(run)

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
        """Return the database's size in bytes (pages in use times page size)."""
        with self._lock:
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
            size = self._db.execute("PRAGMA page_size").fetchone()[0]
        return int((pages - free) * size)

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
        pipe = self._r.pipeline(transaction=True)
        if old is not None:
            for k in set(keys_of(old)) - {int(k) for k in keys}:
                pipe.srem(self._k("p", k), rid)
        pipe.hset(akey, mapping={"outlet": outlet, "published": published or "", "rec": blob})
        pipe.sadd(self._k("ids"), rid)
        for k in keys:
            pipe.sadd(self._k("p", int(k)), rid)
        pipe.execute()

    def candidates(self, keys: Sequence[int], limit: int) -> list[tuple[str, str, str | None, bytes]]:
        """Return up to ``limit`` records sharing the most keys, most shared first."""
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
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        if not top:
            return []

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
