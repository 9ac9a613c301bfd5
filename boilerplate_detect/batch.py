"""Batch scoring of files: chunks, cross-outlet passes, worker processes, resume.

The pipeline is ``io.iter_records`` -> ``Article.from_mapping`` -> ``Detector.score_many``
-> a row writer, one chunk of ``batch_size`` records at a time, so memory stays
bounded by a few chunks whatever the input size.

Cross-outlet comparison, by default, takes two passes: the first adds every
article of the input to an embedded index in the temporary folder (``$TMPDIR``;
about 1 KB of fingerprints per article, no texts, on disk so memory stays
bounded), the second reads the input again and scores it against that index.
Standard input cannot be read twice and is spooled to a temporary file. With a
persistent index (``index="crawl.idx"`` or ``"redis://..."``) each article is
checked against the index and then added to it, in one pass; with worker
processes, the parent adds each chunk after it is scored.

With ``jobs > 1`` one pool of worker processes serves both passes: in the first
they compute fingerprints that the parent stores, in the second they score
chunks against the index file. Each loads the Detector once; at most ``2 * jobs``
chunks are in flight and rows are written in input order, so the output does
not depend on ``jobs``. The parent does as little as it can, so that it does not
take CPU from the workers: JSON Lines input goes to the workers as raw lines
(they parse it), and JSON Lines output comes back already serialised (the parent
only writes the bytes).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from boilerplate_detect import io as bio
from boilerplate_detect.article import Article
from boilerplate_detect.errors import (
    BoilerplateDetectError,
    InvalidArticleError,
    ModelLoadError,
)
from boilerplate_detect.stream import CheckThenAdd

if TYPE_CHECKING:
    from boilerplate_detect.detector import Detector
    from boilerplate_detect.index import Index

__all__ = ["DEFAULT_CHUNK", "BatchOptions", "Summary", "chunks", "records_to_rows", "run_score"]

logger = logging.getLogger(__name__)

#: Records per chunk (and per Detector batch) by default.
DEFAULT_CHUNK = 256

_T = TypeVar("_T")


@dataclass(frozen=True)
class BatchOptions:
    """How records are turned into articles and scored (picklable: it goes to workers).

    Attributes:
        text_field: Field holding the text.
        id_field: Field holding the id.
        url_field: Field holding the URL.
        outlet_field: Field holding the outlet.
        published_field: Field holding the publication time.
        model: Model directory, or None for the bundled model.
        batch_size: Records per chunk and per Detector batch.
        include_text: Copy the article text into the output row (``text``).
    """

    text_field: str = "text"
    id_field: str = "id"
    url_field: str = "url"
    outlet_field: str = "outlet"
    published_field: str = "published"
    model: str | None = None
    batch_size: int = DEFAULT_CHUNK
    include_text: bool = False


@dataclass
class Summary:
    """What a run did.

    Attributes:
        records: Input records handled in this run (skipped resumed ones excluded).
        errors: Records that became error rows.
        flagged: Scored articles labelled ``farm``.
        skipped: Records skipped because ``--resume`` found them already written.
        seconds: Wall time of the scoring pass.
        interrupted: The run was stopped (Ctrl-C, SIGTERM) before the end.
        previous_errors: Error rows already in the output that ``--resume`` continued.
    """

    records: int = 0
    errors: int = 0
    flagged: int = 0
    skipped: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    previous_errors: int = 0

    @property
    def failed(self) -> bool:
        """Some record failed, in this run or in the part of the output it resumed."""
        return bool(self.errors or self.previous_errors)

    @property
    def rate(self) -> float:
        """Records per second of the scoring pass."""
        return self.records / self.seconds if self.seconds > 0 else 0.0


_Item = bio.Record | bio.RawLine


def chunks(records: Iterable[_T], size: int) -> Iterator[list[_T]]:
    """Group records into lists of ``size`` (the last may be shorter)."""
    buf: list[_T] = []
    for r in records:
        buf.append(r)
        if len(buf) >= size:
            yield buf
            buf = []
    if buf:
        yield buf


def to_article(rec: bio.Record, opts: BatchOptions) -> Article | str:
    """Build the Article of a record, or return the error message of a record that fails.

    Args:
        rec: The record.
        opts: Field names.

    Returns:
        The Article, or the error message.
    """
    if rec.error is not None or rec.data is None:
        return rec.error or "the record could not be read"
    try:
        return Article.from_mapping(
            rec.data,
            text_field=opts.text_field,
            id_field=opts.id_field,
            url_field=opts.url_field,
            outlet_field=opts.outlet_field,
            published_field=opts.published_field,
            default_id=str(rec.position),
        )
    except InvalidArticleError as exc:
        where = f"{rec.source}:{rec.line}: " if rec.line is not None else ""
        return f"{where}{type(exc).__name__}: {exc}"


def _record_id(rec: bio.Record, opts: BatchOptions) -> str | None:
    if rec.data is None:
        return None
    v = rec.data.get(opts.id_field)
    return None if v is None else str(v)


def records_to_rows(
    detector: Detector, records: Sequence[bio.Record], opts: BatchOptions
) -> tuple[list[dict[str, Any]], list[Article]]:
    """Score one chunk: one output row per record, in order, error rows included.

    Args:
        detector: The Detector.
        records: The chunk.
        opts: Field names and output options.

    Returns:
        The rows, and the chunk's valid articles (for adding to an index).
    """
    built = [to_article(r, opts) for r in records]
    articles = [a for a in built if isinstance(a, Article)]
    reports = iter(detector.score_many(articles, batch_size=max(len(articles), 1)))
    rows: list[dict[str, Any]] = []
    for rec, art in zip(records, built, strict=True):
        if not isinstance(art, Article):
            rows.append(bio.error_row(rec, art, record_id=_record_id(rec, opts)))
            continue
        row = next(reports).to_dict()
        if art.url:
            row["url"] = art.url
        if art.published:
            row["published"] = art.published
        if rec.extra:
            row["extra"] = {**row.get("extra", {}), **rec.extra}
        if opts.include_text:
            row["text"] = art.text
        rows.append(row)
    return rows, articles


# --------------------------------------------------------------------------- worker processes

_WORKER: dict[str, Any] = {}


def _open_index(spec: str) -> Index:
    from boilerplate_detect.index import Index

    return Index.open(spec)


def _load_detector(opts: BatchOptions, index: Index | None) -> Detector:
    from boilerplate_detect.detector import Detector

    return Detector.load(opts.model, index=index)


def _worker_init(opts: BatchOptions) -> None:
    # The parent handles Ctrl-C; workers are terminated by it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["opts"] = opts
    try:
        _WORKER["base"] = _load_detector(opts, None)
    except BoilerplateDetectError as exc:
        # Raising here would make the pool start the worker again, forever: report it per task.
        _WORKER["error"] = exc


def _worker_detector(index_path: str | None) -> Detector:
    if "error" in _WORKER:
        raise _WORKER["error"]
    if index_path is None:
        return cast("Detector", _WORKER["base"])
    if _WORKER.get("index_path") != index_path:
        _WORKER["index_path"] = index_path
        _WORKER["scoring"] = _with_index(_WORKER["base"], _open_index(index_path))
    return cast("Detector", _WORKER["scoring"])


class _Encoding(NamedTuple):
    """How a worker serialises the rows of a chunk for a JSON Lines output."""

    errors_apart: bool
    write_text: bool


class _Encoded(NamedTuple):
    """A chunk's rows serialised by a worker (see :func:`_encode`)."""

    rows: bytes
    errors: bytes
    n: int
    n_errors: int
    n_flagged: int


def _parse(items: Sequence[_Item], encoding_errors: bio.EncodingErrors) -> list[bio.Record]:
    return [bio.parse_raw_line(i, encoding_errors) if isinstance(i, bio.RawLine) else i for i in items]


def _encode(rows: list[dict[str, Any]], how: _Encoding) -> _Encoded:
    """Serialise rows exactly as :func:`_emit` and :class:`~boilerplate_detect.io.JsonlWriter` would."""
    out: list[str] = []
    err: list[str] = []
    n_errors = n_flagged = 0
    for r in rows:
        if r.get("error"):
            n_errors += 1
            if how.errors_apart:
                err.append(bio.row_json(r) + "\n")
                continue
        elif r.get("label") == "farm":
            n_flagged += 1
        if not how.write_text and "text" in r:
            r = {k: v for k, v in r.items() if k != "text"}
        out.append(bio.row_json(r) + "\n")
    return _Encoded(
        "".join(out).encode("utf-8"), "".join(err).encode("utf-8"), len(rows), n_errors, n_flagged
    )


def _worker_score(
    items: list[_Item],
    index_path: str | None,
    encoding_errors: bio.EncodingErrors = "error",
    encoding: _Encoding | None = None,
) -> list[dict[str, Any]] | _Encoded:
    records = _parse(items, encoding_errors)
    rows, _ = records_to_rows(_worker_detector(index_path), records, _WORKER["opts"])
    return rows if encoding is None else _encode(rows, encoding)


def _worker_fingerprints(items: list[_Item], encoding_errors: bio.EncodingErrors = "error") -> list[Any]:
    """Pass 1 in a worker: the fingerprints of a chunk's articles (the parent stores them)."""
    if "fingerprinter" not in _WORKER:
        from boilerplate_detect.index import Index

        _WORKER["fingerprinter"] = Index.memory()
    fp = _WORKER["fingerprinter"]
    records = _parse(items, encoding_errors)
    return [fp.fingerprint(a) for a in _articles(records, _WORKER["opts"]) if a.text.strip()]


#: Modules a fork server imports once, so that each worker forked from it only loads the model files.
FORKSERVER_PRELOAD = (
    "boilerplate_detect.batch",
    "boilerplate_detect.detector",
    "boilerplate_detect.model",
    "boilerplate_detect.index",
)


class _Workers:
    """A process pool whose results come back in submission order, at most ``2 * jobs`` in flight.

    Workers start from a fork server that has already imported the heavy modules
    (a fresh, single-threaded process: safe to fork, unlike a parent that may run
    OpenMP threads); where there is no fork server (not POSIX), they are spawned.
    """

    def __init__(self, jobs: int, opts: BatchOptions, stack: contextlib.ExitStack) -> None:
        self.jobs = jobs
        if "forkserver" in multiprocessing.get_all_start_methods():
            ctx: Any = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))
        else:  # pragma: no cover - Windows
            ctx = multiprocessing.get_context("spawn")
        self._pool = ctx.Pool(jobs, initializer=_worker_init, initargs=(opts,))
        stack.callback(self._pool.join)
        stack.callback(self._pool.terminate)

    def map(
        self, fn: Callable[..., Any], items: Iterable[list[_T]], *args: Any
    ) -> Iterator[tuple[Any, list[_T]]]:
        """Yield ``(fn(item, *args), item)`` in the order of ``items``."""
        pending: deque[tuple[Any, list[_T]]] = deque()
        for item in items:
            pending.append((self._pool.apply_async(fn, (item, *args)), item))
            if len(pending) >= 2 * self.jobs:
                res, done = pending.popleft()
                yield res.get(), done
        while pending:
            res, done = pending.popleft()
            yield res.get(), done


def _check_model(opts: BatchOptions) -> None:
    """Fail early, in the parent, when the model is missing or incompatible.

    Loading the model for scoring reads ``meta.json`` and the tables only (a few
    milliseconds, no scikit-learn), so the parent checks exactly what each worker will load.
    """
    from boilerplate_detect.model import META_FILE, ModelBundle, default_model_dir

    where = Path(opts.model) if opts.model else default_model_dir()
    if not (where / META_FILE).is_file():
        raise ModelLoadError(
            f"no model at {where} ({META_FILE} missing); pass --model DIR or reinstall the package"
        )
    ModelBundle.load(where)


# --------------------------------------------------------------------------- the run


def _spool_stdin(tmpdir: str) -> str:
    path = str(Path(tmpdir) / "stdin.jsonl")  # "-" reads as JSON Lines unless --format says otherwise
    with Path(path).open("wb") as out:
        shutil.copyfileobj(bio._Stdin.buffer(), out, 1 << 20)
    return path


def _resume_point(out_rows: int, errors_path: str | None) -> tuple[int, int]:
    """Return (records to skip, error rows to keep) when errors go to their own file.

    Error rows are written before the output rows of their chunk, so the errors file
    may lead the output by up to one chunk. The records done are the error positions
    and the first ``out_rows`` other positions; error rows past that are dropped.
    """
    if errors_path is None or not Path(errors_path).exists():
        return out_rows, 0
    bio.count_complete_jsonl_rows(errors_path, truncate=True)
    positions = [int(r["position"]) for r in bio.read_rows(errors_path) if "position" in r]
    err = set(positions)
    successes = 0
    p = 0
    while True:
        if p in err:
            p += 1
            continue
        if successes == out_rows:
            break
        successes += 1
        p += 1
    keep = sum(1 for q in positions if q < p)
    return p, keep


def _truncate_jsonl_rows(path: str, keep: int) -> None:
    with Path(path).open("r+b") as f:
        n = 0
        while n < keep and f.readline():
            n += 1
        f.truncate(f.tell())


def run_score(
    inputs: Sequence[str],
    output: str,
    *,
    opts: BatchOptions,
    input_format: bio.InputFormat | None = None,
    output_format: bio.OutputFormat | None = None,
    errors_path: str | None = None,
    cross_outlet: bool = True,
    index: str | None = None,
    jobs: int = 1,
    resume: bool = False,
    quiet: bool = False,
    encoding_errors: bio.EncodingErrors = "error",
    warc_text: bio.WarcText = "main",
    on_rows: Callable[[list[dict[str, Any]]], None] | None = None,
    write_text: bool | None = None,
) -> Summary:
    """Score files into an output file; the engine of ``boilerplate-detect score``.

    Args:
        inputs: Input paths (``-`` for standard input).
        output: Output path (``-`` for standard output).
        opts: Field names, model, chunk size.
        input_format: The input format; inferred from each extension when None.
        output_format: The output format; inferred from the output's extension when None.
        errors_path: Write error rows to this JSONL file instead of the output.
        cross_outlet: Compare the articles of the input with each other (two passes).
        index: A persistent index (path or ``redis://`` URL) to compare against and add to.
        jobs: Worker processes.
        resume: Continue a partial output: skip the records it already holds.
        quiet: No progress bar.
        encoding_errors: ``"error"`` or ``"replace"`` for invalid UTF-8.
        warc_text: ``"main"`` or ``"page"`` text of WARC HTML records.
        on_rows: Called with every chunk of rows (with texts when ``opts.include_text``).
        write_text: Keep the ``text`` field in the written rows; defaults to ``opts.include_text``.

    Returns:
        The run's summary.

    Raises:
        InputFormatError: An input cannot be opened, or the output cannot be resumed.
        ModelLoadError: The model is missing or incompatible.
    """
    from tqdm import tqdm

    from boilerplate_detect.features import FEATURE_NAMES

    if jobs < 1:
        raise ValueError(f"jobs must be >= 1, got {jobs}")
    out_fmt = output_format or bio.infer_output_format(output)
    if write_text is None:
        write_text = opts.include_text
    summary = Summary()
    with contextlib.ExitStack() as stack:
        tmpdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="boilerplate-detect-"))
        paths = list(inputs)
        fmt = input_format
        two_pass = cross_outlet and index is None
        if "-" in paths and two_pass:
            # Standard input cannot be read twice: keep a copy for the second pass.
            paths = [_spool_stdin(tmpdir) if p == "-" else p for p in paths]

        persistent = index is not None and cross_outlet
        # Worker processes parse JSON Lines themselves, unless the parent needs the articles
        # (it adds them to a persistent index).
        raw = jobs > 1 and not persistent

        def records() -> Iterator[_Item]:
            if raw:
                return bio.iter_raw_records(paths, fmt, encoding_errors=encoding_errors, warc_text=warc_text)
            return bio.iter_records(paths, fmt, encoding_errors=encoding_errors, warc_text=warc_text)

        writer, done = bio.open_writer(output, out_fmt, feature_names=FEATURE_NAMES, resume=resume)
        stack.callback(writer.close)
        err_writer: bio.RowWriter | None = None
        skip = done
        if errors_path is not None:
            skip, keep = _resume_point(done, errors_path if resume else None)
            if resume and Path(errors_path).exists():
                _truncate_jsonl_rows(errors_path, keep)
            err_writer = bio.JsonlWriter(errors_path, append=resume)
            stack.callback(err_writer.close)
        summary.skipped = skip
        if done:
            summary.previous_errors = bio.count_error_rows(output, out_fmt)
        if errors_path is not None and skip > done:
            summary.previous_errors += skip - done

        bar = tqdm(
            desc="scoring",
            unit=" articles",
            disable=quiet or not sys.stderr.isatty(),
            file=sys.stderr,
            dynamic_ncols=True,
        )
        stack.callback(bar.close)
        # Check the model first: a missing model fails before any input is read. With worker
        # processes the parent only checks; each worker loads it.
        base_detector: Detector | None = None
        if jobs == 1:
            base_detector = _load_detector(opts, None)
        else:
            _check_model(opts)
        # Workers send JSON Lines output back serialised when the parent needs no rows.
        encoding = None
        if jobs > 1 and on_rows is None and isinstance(writer, bio.JsonlWriter):
            encoding = _Encoding(errors_apart=err_writer is not None, write_text=write_text)
        start = time.perf_counter()
        try:
            idx: Index | None = None
            if persistent:
                assert index is not None
                idx = _open_index(index)
                stack.callback(idx.close)
            workers = _Workers(jobs, opts, stack) if jobs > 1 else None
            index_path = index if persistent else None
            if two_pass:
                # On disk, in the temporary folder: memory stays bounded on a large input.
                index_path = str(Path(tmpdir) / "batch.idx")
                idx = _build_batch_index(records(), opts, quiet, workers, index_path, encoding_errors)
                stack.callback(idx.close)
            stream = (r for r in records() if r.position >= skip)
            detector = None
            if base_detector is not None:
                # One process, persistent index: each article is checked, then added, so that
                # later articles of the same chunk see it too.
                view = CheckThenAdd(idx) if persistent and idx is not None else idx
                detector = _with_index(base_detector, view)
            scored = _score_chunks(stream, opts, detector, workers, index_path, encoding_errors, encoding)
            for rows, chunk in scored:
                if isinstance(rows, _Encoded):
                    _emit_encoded(rows, cast("bio.JsonlWriter", writer), err_writer, summary)
                    bar.update(rows.n)
                    continue
                if persistent and idx is not None and detector is None:
                    # Worker processes only read the index; the parent adds each scored chunk.
                    idx.add_many(_articles(_parse(chunk, encoding_errors), opts))
                _emit(rows, writer, err_writer, summary, write_text, on_rows)
                bar.update(len(rows))
        except KeyboardInterrupt:
            summary.interrupted = True
        summary.seconds = time.perf_counter() - start
    return summary


def _emit(
    rows: list[dict[str, Any]],
    writer: bio.RowWriter,
    err_writer: bio.RowWriter | None,
    summary: Summary,
    write_text: bool,
    on_rows: Callable[[list[dict[str, Any]]], None] | None,
) -> None:
    errors = [r for r in rows if r.get("error")]
    summary.records += len(rows)
    summary.errors += len(errors)
    summary.flagged += sum(1 for r in rows if r.get("label") == "farm")
    if on_rows is not None:
        on_rows(rows)
    written = rows if write_text else [{k: v for k, v in r.items() if k != "text"} for r in rows]
    if err_writer is not None:
        # Errors first: the errors file may lead the output by one chunk, never lag it.
        err_writer.write_many(errors)
        written = [r for r in written if not r.get("error")]
    writer.write_many(written)


def _emit_encoded(
    enc: _Encoded, writer: bio.JsonlWriter, err_writer: bio.RowWriter | None, summary: Summary
) -> None:
    summary.records += enc.n
    summary.errors += enc.n_errors
    summary.flagged += enc.n_flagged
    if err_writer is not None:
        # Errors first: the errors file may lead the output by one chunk, never lag it.
        cast("bio.JsonlWriter", err_writer).write_encoded(enc.errors)
    writer.write_encoded(enc.rows)


def _with_index(detector: Detector, idx: Index | CheckThenAdd | None) -> Detector:
    if idx is None:
        return detector
    return type(detector)(
        detector.model,
        index=cast("Index", idx),
        threshold=detector.threshold,
        resources=detector.resources,
        max_chars=detector.max_chars,
    )


def _score_chunks(
    stream: Iterator[_Item],
    opts: BatchOptions,
    detector: Detector | None,
    workers: _Workers | None,
    index_path: str | None,
    encoding_errors: bio.EncodingErrors,
    encoding: _Encoding | None,
) -> Iterator[tuple[list[dict[str, Any]] | _Encoded, list[_Item]]]:
    """Yield (rows, records) per chunk, in input order, in-process or from worker processes."""
    if workers is None:
        assert detector is not None
        for chunk in chunks(stream, opts.batch_size):
            records = _parse(chunk, encoding_errors)
            yield records_to_rows(detector, records, opts)[0], chunk
        return
    yield from workers.map(
        _worker_score, chunks(stream, opts.batch_size), index_path, encoding_errors, encoding
    )


def _articles(records: Sequence[bio.Record], opts: BatchOptions) -> list[Article]:
    return [a for a in (to_article(r, opts) for r in records) if isinstance(a, Article)]


def _build_batch_index(
    records: Iterator[_Item],
    opts: BatchOptions,
    quiet: bool,
    workers: _Workers | None,
    path: str,
    encoding_errors: bio.EncodingErrors = "error",
) -> Index:
    """Pass 1: add every readable article to an embedded index at ``path`` (texts are not kept).

    With worker processes the workers compute the fingerprints and the parent stores them.
    """
    from tqdm import tqdm

    from boilerplate_detect.index import Index

    idx = Index.open(path)
    with tqdm(
        desc="indexing", unit=" articles", disable=quiet or not sys.stderr.isatty(), file=sys.stderr
    ) as bar:
        if workers is not None:
            batches = chunks(records, opts.batch_size)
            for fps, chunk in workers.map(_worker_fingerprints, batches, encoding_errors):
                idx.add_fingerprints(fps)
                bar.update(len(chunk))
            return idx

        def articles() -> Iterator[Article]:
            for item in records:
                bar.update(1)
                rec = bio.parse_raw_line(item, encoding_errors) if isinstance(item, bio.RawLine) else item
                art = to_article(rec, opts)
                if isinstance(art, Article) and art.text.strip():
                    yield art

        idx.add_many(articles())
    return idx


def default_jobs() -> int:
    """The number of usable CPUs (for ``--jobs 0``)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
