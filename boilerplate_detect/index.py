"""The cross-outlet near-duplicate index, with passage provenance and direction.

Content farms copy and spin other outlets' articles. For each article the
:class:`Index` finds the articles of *other* outlets that share passages or
facts with it, says which passages, and says which one came first:

>>> from boilerplate_detect import Article, Index
>>> idx = Index.memory()
>>> idx.add(Article(id="a1", text="...", outlet="x.example", published="2025-01-01"))
>>> hits = idx.query(Article(id="b1", text="...", outlet="y.example"))

How it works (see :mod:`boilerplate_detect.index_fingerprint`):

1. **Candidates.** A MinHash signature (datasketch-compatible, see
   :mod:`boilerplate_detect.minhash`) of the article's within-sentence word
   shingles is cut into LSH bands; together with *passage keys* (sampled hashes
   of long sentences, and hashes of the fact sets of sentences, which survive
   synonym swaps) they are looked up in the postings. Document-level MinHash
   alone misses partial and rewritten copies; the passage keys find them.
2. **Exact verification.** Each candidate's stored sentence hashes are compared
   with the query's: verbatim-shared sentences give exact Jaccard and
   containment over within-sentence shingles, fact-set matches find rewritten
   sentences. A candidate sharing too little is dropped, so no false positive
   from hashing remains.
3. **Provenance.** Consecutive shared sentences form passages, with offsets into
   both texts; they become ``copied`` spans.
4. **Direction.** With both publication times, the earlier article is the
   source. Otherwise the version that carries the unique details (more weighted
   facts: quotes, attributed names, numbers with units) is taken as the source,
   and the record says the direction was inferred.

Articles of the same outlet (``outlet``, else the URL's registered domain) and
the article itself (same id) are never matches.

Batches: :meth:`Index.query_many`, :meth:`Index.query_fingerprints` and
:meth:`Index.evidence_many` answer a whole batch with one posting lookup, one
record fetch and one vectorised screening (the Detector's ``score_many`` uses
``evidence_many``); :meth:`Index.check_then_add_many` is a stream's
compare-then-add for a batch. Their results are those of the one-article
methods, in order.

Backends (:mod:`boilerplate_detect.index_store`): ``Index.open("crawl.idx")`` is
an embedded, crash-safe SQLite file; ``Index.open("redis://host:port/db")`` is
shared between workers; ``Index.memory()`` is in memory. The parameters are
stored with the index, and opening it with other parameters raises
:class:`~boilerplate_detect.errors.IndexMismatchError`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from boilerplate_detect.article import Article
from boilerplate_detect.errors import IndexMismatchError
from boilerplate_detect.facts import fact_weight
from boilerplate_detect.features import RawSpan
from boilerplate_detect.features.neardup import MAX_OUTLETS, DupEvidence
from boilerplate_detect.index_fingerprint import (
    FORMAT_VERSION,
    Fingerprint,
    Fingerprinter,
    IndexParams,
    Match,
    compare,
    encode_many,
    may_match,
    prepare_keys,
    screen_many,
)
from boilerplate_detect.index_store import (
    DEFAULT_LOCK_TIMEOUT,
    RedisStore,
    SQLiteStore,
    Store,
    chunks,
)
from boilerplate_detect.report import NearDuplicate
from boilerplate_detect.text import Segmented, segment

__all__ = ["OVERFETCH", "DupEvidence", "Index", "IndexParams"]

logger = logging.getLogger(__name__)

#: A candidate record: (id, outlet key, published, fingerprint bytes).
Row = tuple[str, str, "str | None", bytes]

#: Records per transaction in :meth:`Index.add_many`.
ADD_BATCH = 500
#: How many more candidates than ``max_candidates`` are fetched, to leave room for
#: same-outlet articles that are dropped after fetching (the Spark path ranks the same way).
OVERFETCH = 3


class Index:
    """A cross-outlet near-duplicate index. Build one with :meth:`open` or :meth:`memory`.

    Args:
        store: The storage backend.
        params: The parameters (must equal the stored ones).
        location: Where the index lives, for messages and for worker processes.
    """

    def __init__(self, store: Store, params: IndexParams, location: str) -> None:
        self._store = store
        self._params = params
        self._fp = Fingerprinter(params)
        self.location = location
        # The last fingerprint computed, keyed by the identity of its article and
        # segmentation: a query followed by an add of the same article computes it once.
        self._last: tuple[Article, Segmented, Fingerprint] | None = None

    # ----------------------------------------------------------------- opening
    @classmethod
    def open(
        cls, path_or_url: str | os.PathLike[str], *, timeout: float = DEFAULT_LOCK_TIMEOUT, **params: Any
    ) -> Index:
        """Open (or create) a persistent index.

        Args:
            path_or_url: A file path (embedded SQLite index, crash-safe), or
                ``redis://host:port/db`` for an index shared on a Redis server.
            timeout: Embedded index: seconds to wait for another writer's lock.
            **params: :class:`IndexParams` fields. For an existing index they must
                equal the stored ones; leave them out to use the stored ones.

        Returns:
            The index.

        Raises:
            IndexMismatchError: The index was built with other parameters.
            IndexLockError: Another writer held the embedded index's lock too long.
            ValueError: A parameter is invalid.
        """
        spec = os.fspath(path_or_url)
        store: Store
        if spec.startswith(("redis://", "rediss://", "unix://")):
            store = RedisStore(spec)
        else:
            if spec != ":memory:":
                parent = Path(spec).parent
                if not parent.is_dir():
                    raise FileNotFoundError(
                        f"cannot create index {spec!r}: directory {str(parent)!r} does not exist"
                    )
            store = SQLiteStore(spec, timeout=timeout)
        return cls._with_params(store, spec, params)

    @classmethod
    def memory(cls, **params: Any) -> Index:
        """Create an empty in-memory index (same layout and size as the embedded one).

        Args:
            **params: :class:`IndexParams` fields.

        Returns:
            The index.
        """
        return cls._with_params(SQLiteStore(":memory:"), ":memory:", params)

    @classmethod
    def _with_params(cls, store: Store, location: str, given: dict[str, Any]) -> Index:
        unknown = sorted(set(given) - set(IndexParams.__dataclass_fields__))
        if unknown:
            store.close()
            raise TypeError(
                f"unknown index parameter(s) {unknown}; known: {sorted(IndexParams.__dataclass_fields__)}"
            )
        try:
            stored = store.get_params()
            if stored is None:
                params = IndexParams(**given)
                store.set_params(params.to_dict())
                stored = store.get_params()  # another process may have been first
                assert stored is not None
            fmt = stored.get("format")
            if fmt != FORMAT_VERSION:
                raise IndexMismatchError(
                    f"index {location!r} has record format {fmt}, this build reads format {FORMAT_VERSION}; "
                    "rebuild the index with this version"
                )
            params = IndexParams.from_dict(stored)
            diff = {k: (getattr(params, k), v) for k, v in given.items() if getattr(params, k) != v}
            if diff:
                detail = ", ".join(f"{k}: stored {a!r}, given {b!r}" for k, (a, b) in sorted(diff.items()))
                raise IndexMismatchError(
                    f"index {location!r} was built with other parameters ({detail}); "
                    "open it without them to use the stored ones, or build a new index"
                )
        except BaseException:
            store.close()
            raise
        return cls(store, params, location)

    # ---------------------------------------------------------------- metadata
    @property
    def params(self) -> IndexParams:
        """The parameters the index was built with."""
        return self._params

    def __len__(self) -> int:
        return self._store.count()

    def ids(self) -> list[str]:
        """Return the ids of every indexed article."""
        return self._store.ids()

    def close(self) -> None:
        """Release the backend (the embedded index is checkpointed to its file)."""
        self._store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Index({self.location!r}, num_perm={self._params.num_perm}, ngram={self._params.ngram})"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Copy an embedded or in-memory index into a new index file.

        Args:
            path: The new file; it must not exist.

        Raises:
            TypeError: The index is on Redis (it is already shared).
        """
        if not isinstance(self._store, SQLiteStore):
            raise TypeError("a Redis index is already shared; open it by its URL instead of saving it")
        self._store.save(os.fspath(path))

    def size_bytes(self) -> int:
        """Bytes used by an embedded or in-memory index (database pages in use, plus the postings in memory).

        Raises:
            TypeError: The index is on Redis.
        """
        if not isinstance(self._store, SQLiteStore):
            raise TypeError("size_bytes() is defined for the embedded and in-memory index only")
        return self._store.size_bytes()

    # ------------------------------------------------------------------ writes
    def fingerprint(self, article: Article, seg: Segmented | None = None) -> Fingerprint:
        """Compute an article's fingerprint with this index's parameters.

        Args:
            article: The article.
            seg: Its segmentation (computed when None).

        Returns:
            The fingerprint (offsets into the article's text as given).
        """
        if seg is None:
            seg = segment(article.text)
        last = self._last
        if last is not None and last[0] is article and last[1] is seg:
            return last[2]
        fp = self._fp(article.id, article.source_key, article.published, seg)
        self._last = (article, seg, fp)
        return fp

    def add(self, article: Article, seg: Segmented | None = None) -> None:
        """Index one article; an article with the same id is replaced.

        When this returns, the article is stored (committed to disk for the
        embedded index).

        Args:
            article: The article; its id identifies it.
            seg: Its segmentation, if already computed.
        """
        self.add_fingerprints([self.fingerprint(article, seg)])

    def add_many(self, articles: Iterable[Article]) -> int:
        """Index many articles, :data:`ADD_BATCH` per transaction.

        Args:
            articles: The articles.

        Returns:
            How many were added.
        """
        n = 0
        for batch in chunks(articles, ADD_BATCH):
            self.add_fingerprints([self.fingerprint(a) for a in batch])
            n += len(batch)
        return n

    def add_fingerprints(self, fps: Sequence[Fingerprint]) -> None:
        """Store precomputed fingerprints (made by this index's :meth:`fingerprint`)."""
        p = self._params
        prepare_keys(fps, p)
        blobs = encode_many(fps)
        recs = [(f.id, f.outlet, f.published, b, f.posting_keys(p)) for f, b in zip(fps, blobs, strict=True)]
        self._store.put_many(recs, self._record_keys)

    def _record_keys(self, blob: bytes) -> list[int]:
        return Fingerprint.from_bytes("", "", None, blob).posting_keys(self._params)

    def update(self, article: Article, seg: Segmented | None = None) -> None:
        """Replace an indexed article (or add it): the same as :meth:`add`."""
        self.add(article, seg)

    def remove(self, article_id: str) -> bool:
        """Remove one article.

        Args:
            article_id: Its id.

        Returns:
            Whether it was indexed.
        """
        return self._store.remove(article_id, self._record_keys)

    # ------------------------------------------------------------------- reads
    def _matches(self, q: Fingerprint) -> list[Match]:
        p = self._params
        rows = self._eligible(q, self._store.candidates(q.query_keys(p), p.max_candidates * OVERFETCH))
        return self._compare(q, [r for r in rows if may_match(q, r[3], p)])  # quick reject before decoding

    def _matches_many(self, qs: Sequence[Fingerprint]) -> list[list[Match]]:
        """:meth:`_matches` of every fingerprint, with one candidate lookup and one screening for all."""
        if not qs:
            return []
        p = self._params
        prepare_keys(qs, p)
        found = self._store.candidates_many([q.query_keys(p) for q in qs], p.max_candidates * OVERFETCH)
        rows = [self._eligible(q, r) for q, r in zip(qs, found, strict=True)]
        ok = iter(screen_many(qs, [(i, r[3]) for i, rs in enumerate(rows) for r in rs], p))
        return [self._compare(q, [r for r in rs if next(ok)]) for q, rs in zip(qs, rows, strict=True)]

    def _eligible(self, q: Fingerprint, rows: Sequence[Row]) -> list[Row]:
        """The first ``max_candidates`` records that are neither the query itself nor of its outlet."""
        out = [r for r in rows if r[0] != q.id and not (q.outlet and r[1] == q.outlet)]
        return out[: self._params.max_candidates]

    def _compare(self, q: Fingerprint, rows: Sequence[Row]) -> list[Match]:
        """Compare the screened records exactly; return the matches, best first."""
        p = self._params
        out: list[Match] = []
        for rid, outlet, published, blob in rows:
            m = compare(q, Fingerprint.from_bytes(rid, outlet, published, blob), p)
            if m is not None:
                out.append(m)
        out.sort(key=lambda m: (-m.dup.overlap, -m.dup.containment, -m.dup.fact_overlap, m.dup.id))
        return out

    def query(self, article: Article, seg: Segmented | None = None) -> list[NearDuplicate]:
        """Find the articles of other outlets that share passages or facts with this one.

        Args:
            article: The article (need not be indexed; if it is, it is not matched with itself).
            seg: Its segmentation, if already computed.

        Returns:
            The matches, best (largest shared fraction) first.
        """
        return [m.dup for m in self._matches(self.fingerprint(article, seg))]

    def query_many(
        self, articles: Sequence[Article], segs: Sequence[Segmented | None] | None = None
    ) -> list[list[NearDuplicate]]:
        """Query a batch of articles at once: the same results as :meth:`query` on each, faster.

        Every article is compared with the index as it is when the call starts
        (the articles of the batch do not see each other, unless already indexed).

        Args:
            articles: The articles.
            segs: Their segmentations, if already computed (``segs[i]`` belongs to
                ``articles[i]``; None entries are computed).

        Returns:
            Per article, in order, its matches, best first.

        Raises:
            ValueError: ``segs`` and ``articles`` differ in length.
        """
        if segs is None:
            segs = [None] * len(articles)
        elif len(segs) != len(articles):
            raise ValueError(f"query_many got {len(articles)} articles but {len(segs)} segmentations")
        fps = [self._fp_of(a, s) for a, s in zip(articles, segs, strict=True)]
        return self.query_fingerprints(fps)

    def query_fingerprints(self, fps: Sequence[Fingerprint]) -> list[list[NearDuplicate]]:
        """Query precomputed fingerprints (made by this index's :meth:`fingerprint`) as a batch.

        The counterpart of :meth:`add_fingerprints`: the same results as
        :meth:`query` on each article, with the index lookups of the whole batch
        done together.

        Args:
            fps: The fingerprints.

        Returns:
            Per fingerprint, in order, its matches, best first.
        """
        return [[m.dup for m in ms] for ms in self._matches_many(fps)]

    def _fp_of(self, article: Article, seg: Segmented | None) -> Fingerprint:
        """:meth:`fingerprint` without touching the one-article cache."""
        if seg is None:
            seg = segment(article.text)
        last = self._last
        if last is not None and last[0] is article and last[1] is seg:
            return last[2]
        return self._fp(article.id, article.source_key, article.published, seg)

    def evidence(self, article: Article, seg: Segmented) -> DupEvidence:
        """Return everything the Detector needs for one article in one call.

        Args:
            article: The article.
            seg: Its segmentation (the one the features read).

        Returns:
            The near-duplicates, the ``dup.*`` values and ``copied`` spans in
            normalised offsets of ``seg``.
        """
        q = self.fingerprint(article, seg)
        return _evidence(q, seg, self._matches(q))

    def evidence_many(self, articles: Sequence[Article], segs: Sequence[Segmented]) -> list[DupEvidence]:
        """Return :meth:`evidence` for a batch of articles, with the index lookups done together.

        The results equal calling :meth:`evidence` on each article in turn (the
        batch's articles are compared with the index as it is when the call
        starts; none of them is added).

        Args:
            articles: The articles.
            segs: Their segmentations (``segs[i]`` belongs to ``articles[i]``).

        Returns:
            Per article, in order, its evidence.

        Raises:
            ValueError: ``segs`` and ``articles`` differ in length.
        """
        if len(segs) != len(articles):
            raise ValueError(f"evidence_many got {len(articles)} articles but {len(segs)} segmentations")
        fps = [self._fp_of(a, s) for a, s in zip(articles, segs, strict=True)]
        return [_evidence(q, seg, ms) for q, seg, ms in zip(fps, segs, self._matches_many(fps), strict=True)]

    def check_then_add_many(
        self, articles: Sequence[Article], segs: Sequence[Segmented], add: Sequence[bool] | None = None
    ) -> list[DupEvidence]:
        """Compare each article with the index, then add it, in order, for a whole batch.

        The result and the index afterwards are the same as for
        ``ev = index.evidence(a, seg); index.add(a, seg)`` on each article in turn,
        so article ``k`` sees articles ``0..k-1`` of the batch (a stream's
        check-then-add). The articles that cannot see an earlier one of the batch
        (no shared key, no replaced id: nearly all of them) are looked up together
        like :meth:`evidence_many`; the others one at a time after the earlier
        ones are added.

        Args:
            articles: The articles, in stream order.
            segs: Their segmentations (``segs[i]`` belongs to ``articles[i]``).
            add: Per article, whether to add it after its comparison (default: all).

        Returns:
            Per article, its evidence against the index as it was just before it.

        Raises:
            ValueError: ``segs`` or ``add`` and ``articles`` differ in length.
        """
        n = len(articles)
        adding = [True] * n if add is None else list(add)
        if len(segs) != n or len(adding) != n:
            raise ValueError(
                f"check_then_add_many got {n} articles, {len(segs)} segmentations and {len(adding)} add flags"
            )
        fps = [self._fp_of(a, s) for a, s in zip(articles, segs, strict=True)]
        matches = self._check_then_add(fps, adding)
        return [_evidence(q, seg, ms) for q, seg, ms in zip(fps, segs, matches, strict=True)]

    def _check_then_add(self, fps: Sequence[Fingerprint], adding: Sequence[bool]) -> list[list[Match]]:
        """:meth:`check_then_add_many` from fingerprints; return each one's matches."""
        if not fps:
            return []
        p = self._params
        prepare_keys(fps, p)
        found = self._store.candidates_many([q.query_keys(p) for q in fps], p.max_candidates * OVERFETCH)
        # An article is answered from the index as it was before the batch unless an earlier
        # article of the batch could change its candidates: by sharing a key with it, or by
        # replacing (same id) one of its candidates.
        posted: set[int] = set()
        added_ids: set[str] = set()
        rows: list[list[Row] | None] = []
        for q, a_rows, adds in zip(fps, found, adding, strict=True):
            clash = not posted.isdisjoint(q.query_keys(p)) or any(r[0] in added_ids for r in a_rows)
            rows.append(None if clash else self._eligible(q, a_rows))
            if adds:
                posted.update(q.posting_keys(p))
                added_ids.add(q.id)
        ok = iter(screen_many(fps, [(i, r[3]) for i, rs in enumerate(rows) if rs for r in rs], p))
        matches = [
            None if rs is None else self._compare(q, [r for r in rs if next(ok)])
            for q, rs in zip(fps, rows, strict=True)
        ]
        pending: list[Fingerprint] = []
        out: list[list[Match]] = []
        for q, ms, adds in zip(fps, matches, adding, strict=True):
            if ms is None:
                self._add_in_order(pending)
                ms = self._matches(q)
            out.append(ms)
            if adds:
                pending.append(q)
        self._add_in_order(pending)
        return out

    def _add_in_order(self, fps: list[Fingerprint]) -> None:
        """Add fingerprints as one add each would (a repeated id starts a new transaction); empty the list."""
        start = 0
        seen: set[str] = set()
        for i, f in enumerate(fps):
            if f.id in seen:
                self.add_fingerprints(fps[start:i])
                start, seen = i, set()
            seen.add(f.id)
        if start < len(fps):
            self.add_fingerprints(fps[start:])
        fps.clear()


def _evidence(q: Fingerprint, seg: Segmented, matches: list[Match]) -> DupEvidence:
    """Build one article's evidence from its fingerprint, segmentation and matches."""
    if not matches:
        return DupEvidence()
    keep = [i for i, ws in enumerate(seg.sentence_words) if ws]
    body = sum(seg.sentences[i][1] - seg.sentences[i][0] for i in keep) or 1
    copied: dict[int, str] = {}
    earlier_facts: set[int] = set()
    for m in matches:
        if m.dup.direction == "copied_by":
            continue
        for j in m.query_sentences:
            copied.setdefault(j, m.dup.id)
        if m.earlier:
            earlier_facts.update(m.shared_facts)
    spans: list[RawSpan] = []
    last = -2
    for j, rid in sorted(copied.items()):
        start, end = seg.sentences[keep[j]]
        detail = f"shared with {rid}"
        if spans and j == last + 1 and spans[-1].detail == detail:
            spans[-1] = spans[-1]._replace(end=end)  # one span per run of shared sentences
        else:
            spans.append(RawSpan(start, end, "copied", detail))
        last = j
    copied_frac = sum(seg.sentences[keep[j]][1] - seg.sentences[keep[j]][0] for j in copied) / body
    qf = q.facts.tolist()
    total = sum(fact_weight(f) for f in qf)
    novel = sum(fact_weight(f) for f in qf if f not in earlier_facts) / total if total else 1.0
    values = (
        max(m.dup.jaccard for m in matches),
        max(m.dup.containment for m in matches),
        float(min(len({m.dup.outlet or m.dup.id for m in matches}), MAX_OUTLETS)),
        min(copied_frac, 1.0),
        novel,
        0.0 if any(m.earlier for m in matches) else 1.0,
    )
    return DupEvidence(tuple(m.dup for m in matches), values, tuple(spans))
