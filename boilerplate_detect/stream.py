"""Ingestion pipelines: score a stream against a persistent index, with a restartable checkpoint.

A consumer of a crawl or a news feed wants three things that a plain
:meth:`Detector.score_many <boilerplate_detect.Detector.score_many>` does not give:

* **check, then add.** Every incoming article is compared against the persistent
  index *and then* added to it, so that a later copy finds the earlier article and
  the earlier one is its source. Within a batch the order is kept too: article
  ``k`` sees articles ``0..k-1`` of its own batch.
* **bounded memory.** The stream is read lazily, one batch at a time; only the index
  (on disk, in Redis, or in memory when the caller chose so) grows.
* **a checkpoint.** After each batch, the number of records consumed is written
  atomically (temporary file, ``fsync``, ``os.replace``). A restarted consumer skips
  what was committed, and undoes the index additions of a batch that was cut short,
  so it emits no duplicates and loses nothing.

Example:
    >>> from boilerplate_detect import Detector, Index
    >>> from boilerplate_detect.stream import StreamScorer
    >>> scorer = StreamScorer(Detector.load(), Index.open("crawl.idx"), "crawl.ckpt")  # doctest: +SKIP
    >>> scorer.run(read_jsonl("feed.jsonl"), "scored.jsonl")  # doctest: +SKIP

Two ways to consume:

* :meth:`StreamScorer.run` writes JSONL to a file it owns and is exactly-once: the
  checkpoint records the file's committed length, and a restart cuts off whatever
  an interrupted batch had written.
* :meth:`StreamScorer.score_many` yields Reports. A batch is committed when the
  consumer asks for the record after its last one, so a consumer that dies while
  handling a batch sees that batch again after a restart (at-least-once, at most
  one batch replayed, with identical Reports).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from boilerplate_detect.article import Article, coerce_article
from boilerplate_detect.detector import Detector
from boilerplate_detect.errors import BoilerplateDetectError

if TYPE_CHECKING:
    from boilerplate_detect.features.neardup import DupEvidence
    from boilerplate_detect.report import Report
    from boilerplate_detect.text import Segmented

__all__ = [
    "CHECKPOINT_VERSION",
    "DEFAULT_STREAM_BATCH_SIZE",
    "CheckThenAdd",
    "Checkpoint",
    "CheckpointError",
    "StreamIndex",
    "StreamScorer",
]

logger = logging.getLogger(__name__)

#: Format version written into every checkpoint file.
CHECKPOINT_VERSION = 1
#: Records per committed batch in a stream: one model call and two checkpoint writes each.
DEFAULT_STREAM_BATCH_SIZE = 64


class CheckpointError(BoilerplateDetectError, ValueError):
    """A checkpoint file is unreadable, or does not match the output it guards."""


class StreamIndex(Protocol):
    """What a stream needs of an index: :class:`boilerplate_detect.Index` has it."""

    def evidence(self, article: Article, seg: Segmented) -> DupEvidence:
        """Compare one article against the indexed ones."""

    def add(self, article: Article, seg: Segmented | None = None) -> Any:
        """Index one article (``seg``: its segmentation, when already computed)."""

    def remove(self, article_id: str) -> Any:
        """Drop one article from the index."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The committed state of a stream consumer.

    Attributes:
        offset: How many records of the stream are committed (scored, indexed, emitted).
        output_bytes: Committed length of the output file of :meth:`StreamScorer.run`,
            or None when the consumer has no output file.
        pending: Ids that an uncommitted batch may have added to the index; a restart
            removes them before scoring that batch again.
    """

    offset: int = 0
    output_bytes: int | None = None
    pending: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {
            "version": CHECKPOINT_VERSION,
            "offset": self.offset,
            "output_bytes": self.output_bytes,
            "pending": list(self.pending),
        }

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> Checkpoint:
        """Read a checkpoint file; a missing file is the empty checkpoint.

        Args:
            path: The checkpoint file.

        Returns:
            The Checkpoint.

        Raises:
            CheckpointError: The file is not a checkpoint of this format version.
        """
        p = Path(path)
        if not p.exists():
            return cls()
        try:
            d = json.loads(p.read_text(encoding="utf-8"))
            if d.get("version") != CHECKPOINT_VERSION:
                raise CheckpointError(
                    f"checkpoint {p} has format version {d.get('version')!r}, this build reads "
                    f"{CHECKPOINT_VERSION}; delete it to start over from the first record"
                )
            ob = d["output_bytes"]
            return cls(int(d["offset"]), None if ob is None else int(ob), tuple(map(str, d["pending"])))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if isinstance(exc, CheckpointError):
                raise
            raise CheckpointError(
                f"checkpoint {p} is not readable ({type(exc).__name__}: {exc}); "
                "restore it, or delete it to start over from the first record"
            ) from None

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the checkpoint atomically: temporary file, ``fsync``, ``os.replace``.

        Args:
            path: The checkpoint file.
        """
        p = Path(path)
        tmp = p.with_name(p.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(self.to_dict(), f)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(p)
        _fsync_dir(p.parent)


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class CheckThenAdd:
    """An index view for the Detector: every article is compared, then added.

    The Detector asks its index for each article's evidence in input order; adding
    the article right after gives the sequential meaning inside a batch too:
    ``Detector(model, index=CheckThenAdd(idx))`` scores article ``k`` of a batch
    against everything indexed before it, including articles ``0..k-1``.

    Args:
        index: The index to read and then extend.
    """

    def __init__(self, index: StreamIndex) -> None:
        self.index = index

    def evidence(self, article: Article, seg: Segmented) -> DupEvidence:
        """Return the article's evidence against the index, then add the article.

        Args:
            article: The article.
            seg: Its segmentation (the one the Detector's features read).

        Returns:
            The evidence, computed before the article was added.
        """
        ev = self.index.evidence(article, seg)
        if article.text.strip():  # blank texts are not indexed (as in the CLI's batch index)
            self.index.add(article, seg)
        return ev

    def evidence_many(self, articles: Sequence[Article], segs: Sequence[Segmented]) -> list[DupEvidence]:
        """Do :meth:`evidence` for a batch, in order, with the same results and index.

        An :class:`~boilerplate_detect.Index` answers the batch in one pass
        (``Index.check_then_add_many``); another index is asked one article at a time.

        Args:
            articles: The articles, in stream order.
            segs: Their segmentations.

        Returns:
            Per article, its evidence against the index as it was just before it.
        """
        many = getattr(self.index, "check_then_add_many", None)
        if many is None:
            return [self.evidence(a, s) for a, s in zip(articles, segs, strict=True)]
        out: list[DupEvidence] = many(articles, segs, [bool(a.text.strip()) for a in articles])
        return out


class StreamScorer:
    """Score an unbounded stream against a persistent index, restartably.

    Args:
        detector: The loaded Detector (its own index, if any, is not used).
        index: The persistent index every article is checked against and then added
            to: ``Index.open(path)``, ``Index.open("redis://...")`` or ``Index.memory()``.
            None scores without cross-outlet evidence.
        checkpoint_path: Where the committed state is kept. None keeps no checkpoint
            (a restart then starts from the first record).
        batch_size: Records per committed batch.

    Raises:
        ValueError: ``batch_size`` is below 1.
    """

    def __init__(
        self,
        detector: Detector,
        index: StreamIndex | None,
        checkpoint_path: str | os.PathLike[str] | None,
        *,
        batch_size: int = DEFAULT_STREAM_BATCH_SIZE,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.index = index
        self.checkpoint_path = Path(checkpoint_path) if checkpoint_path is not None else None
        self.batch_size = int(batch_size)
        adapter: Any = CheckThenAdd(index) if index is not None else None
        self._detector = Detector(
            detector.model,
            index=adapter,
            threshold=detector.threshold,
            resources=detector.resources,
            max_chars=detector.max_chars,
        )
        self._checkpoint = Checkpoint()

    @property
    def offset(self) -> int:
        """How many records of the stream are committed (read from the checkpoint file)."""
        return self._load().offset

    def _load(self) -> Checkpoint:
        self._checkpoint = (
            Checkpoint.read(self.checkpoint_path) if self.checkpoint_path is not None else self._checkpoint
        )
        return self._checkpoint

    def _commit(self, ckpt: Checkpoint) -> None:
        if self.checkpoint_path is not None:
            ckpt.write(self.checkpoint_path)
        self._checkpoint = ckpt

    def _recover(self) -> Checkpoint:
        """Undo what an interrupted batch added to the index; return the committed state."""
        ckpt = self._load()
        if ckpt.pending and self.index is not None:
            for article_id in ckpt.pending:
                with contextlib.suppress(KeyError):  # the batch stopped before this one was added
                    self.index.remove(article_id)
            logger.info("undid %d index additions of an interrupted batch", len(ckpt.pending))
        return ckpt

    def _batches(
        self, records: Iterable[object], start: int, done: int
    ) -> Iterator[tuple[int, list[Article]]]:
        """Yield ``(position, articles)`` for every uncommitted batch of the stream."""
        it = iter(records)
        position = start
        if done > start:
            skipped = sum(1 for _ in islice(it, done - start))
            position += skipped
            if position < done:
                return
        elif done < start:
            raise CheckpointError(
                f"the stream starts at record {start} but only {done} are committed; "
                f"seek the source to record {done} (StreamScorer.offset) and pass start={done}"
            )
        while True:
            chunk = list(islice(it, self.batch_size))
            if not chunk:
                return
            yield position, [coerce_article(x, position + i) for i, x in enumerate(chunk)]
            position += len(chunk)

    def _score(self, articles: Sequence[Article]) -> list[Report]:
        return list(self._detector.score_many(articles, batch_size=len(articles)))

    def score_many(
        self, records: Iterable[str | Article | Mapping[str, object]], *, start: int = 0
    ) -> Iterator[Report]:
        """Score a stream lazily; commit each batch once the consumer has taken all of it.

        Records before the committed offset are skipped (read, not scored). A batch is
        committed when the consumer asks for the next Report after the batch's last one,
        so after a crash the consumer sees at most the one uncommitted batch again.

        Args:
            records: The stream: ``str``, :class:`Article` or mappings with a ``"text"`` key.
                Records without an id get their stream position as id.
            start: The stream position of the first record, when the source was already
                positioned at :attr:`offset` (a seekable queue); 0 replays from the beginning.

        Yields:
            One Report per uncommitted record, in order.

        Raises:
            CheckpointError: The checkpoint is unreadable, or ``start`` is past the committed offset.
            InvalidArticleError: A record is not a usable article (nothing of its batch is committed).
        """
        ckpt = self._recover()
        for position, articles in self._batches(records, start, ckpt.offset):
            ids = tuple(a.id for a in articles)
            self._commit(Checkpoint(position, ckpt.output_bytes, ids))
            reports = self._score(articles)
            yield from reports
            ckpt = Checkpoint(position + len(articles), ckpt.output_bytes, ())
            self._commit(ckpt)

    def run(
        self,
        records: Iterable[str | Article | Mapping[str, object]],
        output: str | os.PathLike[str],
        *,
        start: int = 0,
    ) -> int:
        """Score a stream into a JSONL file, exactly once across restarts.

        The file is appended to. Each batch's lines are written and ``fsync``-ed before
        the checkpoint that covers them; on restart the file is cut back to the
        committed length, so an interrupted batch leaves no partial or duplicate lines.

        Args:
            records: The stream, as for :meth:`score_many`.
            output: The JSONL file of Reports (``Report.to_dict()`` per line).
            start: As for :meth:`score_many`.

        Returns:
            The number of records scored by this call.

        Raises:
            CheckpointError: The output file is shorter than the checkpoint says (it was
                replaced or truncated by someone else), or the checkpoint is unreadable.
        """
        out = Path(output)
        ckpt = self._recover()
        size = out.stat().st_size if out.exists() else 0
        committed = ckpt.output_bytes if ckpt.output_bytes is not None else (size if ckpt.offset else 0)
        if size < committed:
            raise CheckpointError(
                f"{out} has {size} bytes but the checkpoint committed {committed}; the output was "
                "truncated or replaced: restore it, or delete the checkpoint and the output to start over"
            )
        n = 0
        with out.open("ab") as f:
            f.truncate(committed)
            f.seek(committed)
            for position, articles in self._batches(records, start, ckpt.offset):
                self._commit(Checkpoint(position, committed, tuple(a.id for a in articles)))
                data = b"".join(
                    json.dumps(r.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n"
                    for r in self._score(articles)
                )
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
                committed += len(data)
                n += len(articles)
                self._commit(Checkpoint(position + len(articles), committed, ()))
        return n
