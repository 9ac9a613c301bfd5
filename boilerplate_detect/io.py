"""Batch input and output: readers that yield positioned records, and writers of scored rows.

Every reader yields one :class:`Record` per input record, in input order, with a
0-based ``position``. A record that cannot be read (a malformed JSON line, bytes
that are not UTF-8, a truncated gzip member, a WARC record that fails to parse)
is still yielded, with ``error`` set, so that the output keeps one row per input
record and nothing is dropped silently.

Formats in: JSON Lines (``.jsonl``, ``.ndjson``; ``.json`` holding either JSON
Lines or one JSON array), CSV, Parquet, WARC (HTML responses go through
trafilatura), a single ``.txt`` file or a folder of them. Any file may be gzip- or
zstd-compressed (detected from its first bytes); ``-`` is standard input.

Formats out: JSON Lines and Parquet; ``-`` is standard output.

Invalid UTF-8 inside a JSONL line, a CSV row or a ``.txt`` file becomes an error
record by default (the text would otherwise change silently); pass
``encoding_errors="replace"`` (``--encoding-errors replace``) to decode it with
U+FFFD replacement characters instead.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, NamedTuple, cast

from boilerplate_detect.errors import InputFormatError

__all__ = [
    "INPUT_FORMATS",
    "OUTPUT_FORMATS",
    "EncodingErrors",
    "JsonlWriter",
    "ParquetWriter",
    "RawLine",
    "Record",
    "RowWriter",
    "count_complete_jsonl_rows",
    "count_error_rows",
    "error_row",
    "infer_input_format",
    "infer_output_format",
    "iter_raw_records",
    "iter_records",
    "open_input",
    "open_writer",
    "parse_raw_line",
    "read_rows",
    "require",
    "row_json",
]

logger = logging.getLogger(__name__)

InputFormat = Literal["jsonl", "json", "csv", "parquet", "warc", "txt"]
OutputFormat = Literal["jsonl", "parquet"]
EncodingErrors = Literal["error", "replace"]

#: Input formats that ``--format`` accepts.
INPUT_FORMATS: tuple[InputFormat, ...] = ("jsonl", "json", "csv", "parquet", "warc", "txt")
#: Output formats that ``--output-format`` accepts.
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("jsonl", "parquet")
#: Rows per Parquet read batch.
PARQUET_READ_BATCH = 1024
#: At most this many page-boilerplate lines are kept per WARC record.
MAX_BOILERPLATE_LINES = 60
#: Page-boilerplate lines are cut to this many characters.
MAX_BOILERPLATE_LINE_CHARS = 300

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_COMPRESSION_SUFFIXES = (".gz", ".gzip", ".zst", ".zstd")
_EXTRA_FOR = {"pyarrow": "parquet", "zstandard": "zstd", "trafilatura": "html", "warcio": "html"}


def require(module: str) -> Any:
    """Import an optional dependency, or fail with the extra that provides it.

    Args:
        module: The top-level module name (``"pyarrow"``, ``"zstandard"``, ``"warcio"``...).

    Returns:
        The imported module.

    Raises:
        InputFormatError: The module is not installed; the message names the extra.
    """
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        extra = _EXTRA_FOR.get(module.split(".")[0], "all")
        raise InputFormatError(
            f"{module} is not installed; install it with: pip install 'boilerplate-detect[{extra}]'"
        ) from None


@dataclass(frozen=True, slots=True)
class Record:
    """One input record, read or failed.

    Attributes:
        position: 0-based index of the record in the whole input stream.
        data: The record's fields (``None`` when it could not be read).
        error: Why the record could not be read, or ``None``.
        line: 1-based line number in its file (JSONL, CSV), when there is one.
        source: The file the record came from.
        extra: Fields to copy into the output row's ``extra`` (e.g. a WARC page's boilerplate).
    """

    position: int
    data: dict[str, Any] | None
    error: str | None = None
    line: int | None = None
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class RawLine(NamedTuple):
    """One JSON Lines record not parsed yet (see :func:`iter_raw_records`).

    Attributes:
        position: 0-based index of the record in the whole input stream.
        line: 1-based line number in its file.
        source: The file the record came from.
        raw: The line's bytes.
    """

    position: int
    line: int
    source: str
    raw: bytes


def error_row(record: Record, message: str, *, record_id: str | None = None) -> dict[str, Any]:
    """Build the output row of a record that failed.

    The row is ``{"id": ..., "line": ..., "position": ..., "error": ...}``: ``id``
    when the record had one, ``line`` its line number (or 1-based record number),
    ``position`` its 0-based place in the input (what ``--resume`` counts).

    Args:
        record: The failed record.
        message: What went wrong and how to fix it.
        record_id: The record's id, when known.

    Returns:
        The error row.
    """
    return {
        "id": record_id,
        "line": record.line if record.line is not None else record.position + 1,
        "position": record.position,
        "error": message,
    }


# --------------------------------------------------------------------------- format inference


def _strip_compression(name: str) -> str:
    low = name.lower()
    for suf in _COMPRESSION_SUFFIXES:
        if low.endswith(suf):
            return low[: -len(suf)]
    return low


def infer_input_format(path: str) -> InputFormat:
    """Infer the input format from a path's extension (``-`` means JSON Lines).

    Args:
        path: A file or folder path, or ``-``.

    Returns:
        The format.

    Raises:
        InputFormatError: The extension is not one this package reads.
    """
    if path == "-":
        return "jsonl"
    if Path(path).is_dir():
        return "txt"
    low = _strip_compression(path)
    for suffixes, fmt in (
        ((".jsonl", ".ndjson"), "jsonl"),
        ((".json",), "json"),
        ((".csv",), "csv"),
        ((".parquet", ".pq"), "parquet"),
        ((".warc", ".arc"), "warc"),
        ((".txt",), "txt"),
    ):
        if low.endswith(suffixes):
            return cast(InputFormat, fmt)
    raise InputFormatError(
        f"cannot tell the format of {path!r} from its extension; name it with --format "
        f"({', '.join(INPUT_FORMATS)})"
    )


def infer_output_format(path: str) -> OutputFormat:
    """Infer the output format from a path's extension: ``.parquet`` or else JSON Lines.

    Args:
        path: The output path, or ``-``.

    Returns:
        The format.
    """
    return "parquet" if _strip_compression(path).endswith((".parquet", ".pq")) else "jsonl"


# --------------------------------------------------------------------------- opening


class _Stdin:
    """Marks standard input; kept as a function for tests that replace sys.stdin."""

    @staticmethod
    def buffer() -> IO[bytes]:
        stream = sys.stdin
        return cast(IO[bytes], getattr(stream, "buffer", stream))


def open_input(path: str) -> IO[bytes]:
    """Open a file (or ``-``, standard input) for binary reading, decompressing gzip or zstd.

    Compression is detected from the first bytes, not the name, so a mislabelled
    file still reads.

    Args:
        path: The file path, or ``-``.

    Returns:
        A readable binary stream of the decompressed bytes.

    Raises:
        InputFormatError: The file does not exist, or zstd is needed but not installed.
    """
    if path == "-":
        raw = _Stdin.buffer()
        if not hasattr(raw, "peek"):
            raw = io.BufferedReader(cast(Any, raw))
    else:
        try:
            raw = Path(path).open("rb")  # noqa: SIM115 - returned to the caller, who closes it
        except FileNotFoundError:
            raise InputFormatError(f"input file {path!r} does not exist") from None
        except IsADirectoryError:
            raise InputFormatError(
                f"{path!r} is a folder; only .txt folders can be read (--format txt)"
            ) from None
    head = cast(io.BufferedReader, raw).peek(4)[:4]
    if head.startswith(_GZIP_MAGIC):
        return cast(IO[bytes], _OwningGzipFile(raw))
    if head.startswith(_ZSTD_MAGIC):
        zstd = require("zstandard")
        reader = zstd.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=path != "-")
        return cast(IO[bytes], io.BufferedReader(reader, 1 << 16))  # adds readline and line iteration
    return raw


class _OwningGzipFile(gzip.GzipFile):
    """A GzipFile that closes the file it reads from."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            if self._raw is not _Stdin.buffer():
                self._raw.close()


_READ_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def _read_failure(exc: BaseException, source: str) -> str:
    if isinstance(exc, EOFError):
        return f"{source}: the compressed file is truncated ({exc}); re-download or re-compress it"
    return f"{source}: the file cannot be read: {type(exc).__name__}: {exc}"


def _lines(stream: IO[bytes], source: str) -> Iterator[tuple[int, bytes | None, str | None]]:
    """Yield (line number, bytes, None) per line, then (n, None, message) if reading fails."""
    lineno = 0
    try:
        for raw in stream:
            lineno += 1
            yield lineno, raw, None
    except _READ_ERRORS as exc:
        # A zstd stream raises its own error class; it subclasses Exception only.
        yield lineno + 1, None, _read_failure(exc, source)
    except Exception as exc:
        if type(exc).__module__.startswith("zstandard") or type(exc).__name__ == "ZstdError":
            yield lineno + 1, None, _read_failure(exc, source)
        else:
            raise


def _decode(raw: bytes, errors: EncodingErrors) -> str:
    return raw.decode("utf-8", errors="strict" if errors == "error" else "replace")


def _utf8_error(exc: UnicodeDecodeError, where: str) -> str:
    return (
        f"{where}: invalid UTF-8 at byte {exc.start} ({exc.object[exc.start : exc.start + 4]!r}); "
        "fix the file's encoding, or pass --encoding-errors replace to decode it with U+FFFD"
    )


# --------------------------------------------------------------------------- readers


def parse_raw_line(item: RawLine, encoding_errors: EncodingErrors = "error") -> Record:
    """Parse one JSON Lines record read by :func:`iter_raw_records`.

    Args:
        item: The unparsed line.
        encoding_errors: ``"error"`` or ``"replace"`` for invalid UTF-8.

    Returns:
        The record, with ``error`` set when the line is not UTF-8 or not a JSON object.
    """
    pos, lineno, source, raw = item
    where = f"{source}:{lineno}"
    try:
        text = _decode(raw, encoding_errors)
    except UnicodeDecodeError as exc:
        return Record(pos, None, _utf8_error(exc, where), lineno, source)
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return Record(pos, None, f"{where}: malformed JSON: {exc.msg} at column {exc.colno}", lineno, source)
    if isinstance(obj, dict):
        return Record(pos, obj, None, lineno, source)
    return Record(
        pos, None, f"{where}: expected a JSON object per line, got {type(obj).__name__}", lineno, source
    )


def _raw_jsonl(stream: IO[bytes], source: str) -> Iterator[Record | RawLine]:
    pos = 0
    for lineno, raw, failure in _lines(stream, source):
        if failure is not None:
            yield Record(pos, None, failure, lineno, source)
            return
        assert raw is not None
        if not raw.strip():
            continue
        yield RawLine(pos, lineno, source, raw)
        pos += 1


def _read_jsonl(stream: IO[bytes], source: str, encoding_errors: EncodingErrors) -> Iterator[Record]:
    for item in _raw_jsonl(stream, source):
        yield parse_raw_line(item, encoding_errors) if isinstance(item, RawLine) else item


def _read_json(stream: IO[bytes], source: str, encoding_errors: EncodingErrors) -> Iterator[Record]:
    """A ``.json`` file: one JSON array of objects (loaded whole), or JSON Lines."""
    buffered = io.BufferedReader(cast(Any, stream)) if not hasattr(stream, "peek") else stream
    head = cast(io.BufferedReader, buffered).peek(64).lstrip()
    if not head.startswith(b"["):
        yield from _read_jsonl(buffered, source, encoding_errors)
        return
    try:
        data = buffered.read()
        items = json.loads(_decode(data, encoding_errors))
    except UnicodeDecodeError as exc:
        yield Record(0, None, _utf8_error(exc, source), None, source)
        return
    except json.JSONDecodeError as exc:
        yield Record(0, None, f"{source}: malformed JSON: {exc.msg} at line {exc.lineno}", exc.lineno, source)
        return
    except _READ_ERRORS as exc:
        yield Record(0, None, _read_failure(exc, source), None, source)
        return
    for pos, obj in enumerate(items):
        if isinstance(obj, dict):
            yield Record(pos, obj, None, None, source)
        else:
            yield Record(
                pos, None, f"{source}[{pos}]: expected a JSON object, got {type(obj).__name__}", None, source
            )


_SURROGATE = re.compile("[\udc80-\udcff]")


def _read_csv(stream: IO[bytes], source: str, encoding_errors: EncodingErrors) -> Iterator[Record]:
    # Articles are long: lift csv's 128 KiB field limit (a process-wide setting of the csv module).
    csv.field_size_limit(2**31 - 1)
    text = io.TextIOWrapper(cast(Any, stream), encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.DictReader(text)
    try:
        yield from _csv_rows(reader, source, encoding_errors)
    finally:
        text.detach()  # the caller closes the binary stream


def _csv_rows(reader: csv.DictReader[str], source: str, encoding_errors: EncodingErrors) -> Iterator[Record]:
    pos = 0
    try:
        for row in reader:
            where = f"{source}:{reader.line_num}"
            values = {k: v for k, v in row.items() if k is not None}
            bad = next((k for k, v in values.items() if isinstance(v, str) and _SURROGATE.search(v)), None)
            if bad is not None:
                if encoding_errors == "error":
                    yield Record(
                        pos,
                        None,
                        f"{where}: invalid UTF-8 in column {bad!r}; fix the file's encoding, or pass "
                        "--encoding-errors replace",
                        reader.line_num,
                        source,
                    )
                    pos += 1
                    continue
                values = {
                    k: (
                        v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                        if isinstance(v, str)
                        else v
                    )
                    for k, v in values.items()
                }
            yield Record(pos, values, None, reader.line_num, source)
            pos += 1
    except csv.Error as exc:
        yield Record(pos, None, f"{source}:{reader.line_num}: malformed CSV: {exc}", reader.line_num, source)
    except _READ_ERRORS as exc:
        yield Record(pos, None, _read_failure(exc, source), reader.line_num + 1, source)


def _seekable(stream: IO[bytes], stack: contextlib.ExitStack) -> IO[bytes]:
    """Return a seekable stream: the stream itself, or a temporary copy of it."""
    if isinstance(stream, io.BufferedReader | io.FileIO) and stream.seekable():
        return stream
    tmp = stack.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 - closed by the stack
    shutil.copyfileobj(stream, tmp, 1 << 20)
    tmp.seek(0)
    return cast(IO[bytes], tmp)


def _read_parquet(stream: IO[bytes], source: str) -> Iterator[Record]:
    pq = require("pyarrow.parquet")
    pos = 0
    with contextlib.ExitStack() as stack:
        try:
            pf = pq.ParquetFile(_seekable(stream, stack))
            for batch in pf.iter_batches(batch_size=PARQUET_READ_BATCH):
                for row in batch.to_pylist():
                    yield Record(pos, row, None, None, source)
                    pos += 1
        except (OSError, ValueError, EOFError) as exc:
            # pyarrow raises ArrowInvalid (a ValueError) or OSError for corrupt files.
            yield Record(pos, None, f"{source}: the Parquet file cannot be read: {exc}", None, source)


_BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "nav", "footer", "header",
    "section", "article", "aside", "tr", "table", "blockquote", "br", "figcaption", "form", "button", "a",
)  # fmt: skip


def page_lines(tree: Any) -> list[str]:
    """Return the visible text lines of a parsed HTML page, chrome included.

    Args:
        tree: An lxml HTML tree (``trafilatura.load_html``).

    Returns:
        Non-empty, whitespace-folded lines in document order.
    """
    etree = require("lxml.etree")
    tree = etree.fromstring(etree.tostring(tree), parser=etree.HTMLParser())  # a copy we may edit
    if tree is None:
        return []
    etree.strip_elements(tree, "script", "style", "noscript", "template", "svg", with_tail=False)
    for el in tree.iter(*_BLOCK_TAGS):
        el.text = "\n" + (el.text or "")
        el.tail = "\n" + (el.tail or "")
    text = "".join(tree.itertext())
    return [line for line in (" ".join(x.split()) for x in text.split("\n")) if line]


WarcText = Literal["main", "page"]


def _warc_article(
    content: bytes, url: str, record_id: str, warc_text: WarcText
) -> tuple[dict[str, Any], dict[str, Any]]:
    trafilatura = require("trafilatura")
    tree = trafilatura.load_html(content)
    if tree is None:
        return {"id": record_id, "url": url, "text": ""}, {"page_boilerplate": []}
    doc = trafilatura.bare_extraction(tree, url=url or None, with_metadata=True)
    main = (doc.text if doc is not None else "") or ""
    published = getattr(doc, "date", None) if doc is not None else None
    lines = page_lines(tree)
    main_folded = " ".join(main.split())
    boiler = [ln[:MAX_BOILERPLATE_LINE_CHARS] for ln in lines if ln not in main_folded][
        :MAX_BOILERPLATE_LINES
    ]
    text = "\n".join(lines) if warc_text == "page" else main
    data = {"id": record_id, "url": url, "text": text, "published": published}
    return data, {"page_boilerplate": boiler}


def _read_warc(stream: IO[bytes], source: str, warc_text: WarcText) -> Iterator[Record]:
    require("trafilatura")
    archive = require("warcio.archiveiterator")
    exceptions = require("warcio.exceptions")
    pos = 0
    it = iter(archive.ArchiveIterator(stream))
    while True:
        try:
            rec = next(it)
            if rec.rec_type != "response":
                continue
            ctype = (rec.http_headers.get_header("Content-Type") if rec.http_headers else "") or ""
            if "html" not in ctype.lower():
                continue
            url = rec.rec_headers.get_header("WARC-Target-URI") or ""
            rid = rec.rec_headers.get_header("WARC-Record-ID") or url or str(pos)
            content = rec.content_stream().read()
        except StopIteration:
            return
        except (exceptions.ArchiveLoadFailed, *_READ_ERRORS, ValueError) as exc:
            # After a record fails to parse, the stream cannot be resynchronised.
            yield Record(pos, None, f"{source}: WARC record {pos + 1} fails to parse: {exc}", None, source)
            return
        data, extra = _warc_article(content, url, rid, warc_text)
        yield Record(pos, data, None, None, source, extra)
        pos += 1


def _read_txt(path: str, encoding_errors: EncodingErrors) -> Iterator[Record]:
    root = Path(path)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if _is_txt(p))
    for pos, f in enumerate(files):
        rel = f.name if f == root else f.relative_to(root).as_posix()
        rid = re.sub(r"\.txt(\.(gz|gzip|zst|zstd))?$", "", rel, flags=re.IGNORECASE)
        try:
            with open_input(str(f)) as s:
                raw = s.read()
        except _READ_ERRORS as exc:
            yield Record(pos, None, _read_failure(exc, rel), None, str(f))
            continue
        except Exception as exc:
            if type(exc).__name__ != "ZstdError":
                raise
            yield Record(pos, None, _read_failure(exc, rel), None, str(f))
            continue
        try:
            text = _decode(raw, encoding_errors)
        except UnicodeDecodeError as exc:
            yield Record(pos, {"id": rid}, _utf8_error(exc, rel), None, str(f))
            continue
        yield Record(pos, {"id": rid, "text": text}, None, None, str(f))


def _is_txt(p: Path) -> bool:
    return p.is_file() and _strip_compression(p.name).endswith(".txt")


def iter_records(
    paths: Sequence[str],
    fmt: InputFormat | None = None,
    *,
    encoding_errors: EncodingErrors = "error",
    warc_text: WarcText = "main",
) -> Iterator[Record]:
    """Yield every record of the inputs in order, failed records included.

    Positions run across all inputs, so they identify a record in the whole stream.

    Args:
        paths: Files (``-`` for standard input) or ``.txt`` folders, read one after another.
        fmt: The input format; inferred from each path's extension when None.
        encoding_errors: ``"error"`` makes invalid UTF-8 an error record;
            ``"replace"`` decodes it with U+FFFD.
        warc_text: For WARC, score the trafilatura main text (``"main"``) or the
            whole visible page, chrome included (``"page"``).

    Yields:
        Records with ``position`` counting from 0 across all inputs.

    Raises:
        InputFormatError: A path does not exist, its format is unknown, or an optional
            dependency for its format is missing.
    """
    for item in iter_raw_records(paths, fmt, encoding_errors=encoding_errors, warc_text=warc_text):
        yield parse_raw_line(item, encoding_errors) if isinstance(item, RawLine) else item


def iter_raw_records(
    paths: Sequence[str],
    fmt: InputFormat | None = None,
    *,
    encoding_errors: EncodingErrors = "error",
    warc_text: WarcText = "main",
) -> Iterator[Record | RawLine]:
    """Like :func:`iter_records`, but JSON Lines records come unparsed, as :class:`RawLine`.

    A batch run hands the lines to worker processes, which parse them with
    :func:`parse_raw_line`; the records are the same as :func:`iter_records` yields.

    Args:
        paths: Files (``-`` for standard input) or ``.txt`` folders, read one after another.
        fmt: The input format; inferred from each path's extension when None.
        encoding_errors: For the formats parsed here (not JSON Lines): ``"error"`` or ``"replace"``.
        warc_text: For WARC, ``"main"`` or ``"page"`` (see :func:`iter_records`).

    Yields:
        Records, or RawLines for JSON Lines, with ``position`` counting from 0 across all inputs.

    Raises:
        InputFormatError: A path does not exist, its format is unknown, or an optional
            dependency for its format is missing.
    """
    offset = 0
    for path in paths:
        f = fmt or infer_input_format(path)
        source = "<stdin>" if path == "-" else path
        if f == "txt":
            gen: Iterator[Record | RawLine] = _read_txt(path, encoding_errors)
            stream: IO[bytes] | None = None
        else:
            stream = open_input(path)
            if f == "jsonl":
                gen = _raw_jsonl(stream, source)
            elif f == "json":
                gen = _read_json(stream, source, encoding_errors)
            elif f == "csv":
                gen = _read_csv(stream, source, encoding_errors)
            elif f == "parquet":
                gen = _read_parquet(stream, source)
            else:
                gen = _read_warc(stream, source, warc_text)
        n = 0
        try:
            for rec in gen:
                n = rec.position + 1
                if offset == 0:
                    yield rec
                elif isinstance(rec, RawLine):
                    yield rec._replace(position=rec.position + offset)
                else:
                    yield Record(rec.position + offset, rec.data, rec.error, rec.line, rec.source, rec.extra)
        finally:
            if stream is not None and path != "-":
                stream.close()
        offset += n


def read_rows(path: str) -> Iterator[dict[str, Any]]:
    """Yield the rows of a scored file (JSONL or Parquet, possibly compressed, or ``-``).

    Unreadable lines are skipped with a warning: this reads the package's own output.

    Args:
        path: The scored file.

    Yields:
        The rows as dicts.

    Raises:
        InputFormatError: The file does not exist or cannot be read.
    """
    fmt: InputFormat = "parquet" if infer_output_format(path) == "parquet" else "jsonl"
    for rec in iter_records([path], fmt, encoding_errors="replace"):
        if rec.data is None:
            logger.warning("skipping unreadable row: %s", rec.error)
            continue
        yield rec.data


# --------------------------------------------------------------------------- writers


class RowWriter:
    """Writes output rows; :meth:`write_many` flushes so a stop leaves complete rows."""

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write rows and flush them to the file."""
        raise NotImplementedError

    def close(self) -> None:
        """Finish the file (a Parquet footer) and close it."""
        raise NotImplementedError

    def __enter__(self) -> RowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def row_json(row: Mapping[str, Any]) -> str:
    """Serialise one output row as its JSON Lines line (without the newline).

    Args:
        row: The row.

    Returns:
        The JSON text: key order kept, non-ASCII kept, NaN refused.
    """
    return json.dumps(row, ensure_ascii=False, default=_json_default, allow_nan=False)


def _json_default(obj: object) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, bytes | bytearray):
        return obj.decode("utf-8", "replace")
    raise TypeError(f"cannot write a {type(obj).__name__} as JSON")


class JsonlWriter(RowWriter):
    """JSON Lines to a file or standard output; ``.gz``/``.zst`` names are compressed.

    Args:
        path: The output file, or ``-``.
        append: Append to an existing file (``--resume``).
    """

    def __init__(self, path: str, *, append: bool = False) -> None:
        self.path = path
        self._close_raw = path != "-"
        if path == "-":
            self._out: IO[bytes] = cast(IO[bytes], getattr(sys.stdout, "buffer", sys.stdout))
            return
        mode = "ab" if append else "wb"
        low = path.lower()
        if low.endswith((".gz", ".gzip")):
            self._out = cast(IO[bytes], gzip.open(path, mode))  # noqa: SIM115 - closed in close()
        elif low.endswith((".zst", ".zstd")):
            zstd = require("zstandard")
            raw = Path(path).open(mode)  # noqa: SIM115 - closed with the writer
            self._out = cast(IO[bytes], zstd.ZstdCompressor().stream_writer(raw, closefd=True))
        else:
            self._out = Path(path).open(mode)  # noqa: SIM115 - closed in close()

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write rows, one JSON object a line, and flush."""
        self.write_encoded("".join(row_json(r) + "\n" for r in rows).encode("utf-8"))

    def write_encoded(self, data: bytes) -> None:
        """Write rows already serialised with :func:`row_json` (UTF-8, one a line), and flush."""
        if data:
            self._out.write(data)
            self._out.flush()
            if self._close_raw and hasattr(self._out, "fileno"):
                with contextlib.suppress(OSError, io.UnsupportedOperation):
                    os.fsync(self._out.fileno())

    def close(self) -> None:
        """Flush and close (standard output is flushed, not closed)."""
        if self._close_raw:
            self._out.close()
        else:
            with contextlib.suppress(BrokenPipeError):
                self._out.flush()


def _parquet_schema(feature_names: Sequence[str]) -> Any:
    pa = require("pyarrow")
    passage = pa.struct(
        [
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("other_start", pa.int64()),
            ("other_end", pa.int64()),
            ("similarity", pa.float64()),
        ]
    )
    near = pa.struct(
        [
            ("id", pa.string()),
            ("outlet", pa.string()),
            ("overlap", pa.float64()),
            ("jaccard", pa.float64()),
            ("containment", pa.float64()),
            ("fact_overlap", pa.float64()),
            ("direction", pa.string()),
            ("direction_inferred", pa.bool_()),
            ("published", pa.string()),
            ("passages", pa.list_(passage)),
        ]
    )
    span = pa.struct(
        [("start", pa.int64()), ("end", pa.int64()), ("kind", pa.string()), ("detail", pa.string())]
    )
    return pa.schema(
        [
            ("id", pa.string()),
            ("originality", pa.float64()),
            ("label", pa.string()),
            ("threshold", pa.float64()),
            ("reasons", pa.list_(pa.string())),
            ("outlet", pa.string()),
            ("url", pa.string()),
            ("published", pa.string()),
            ("spans", pa.list_(span)),
            ("near_duplicates", pa.list_(near)),
            ("features", pa.struct([(n, pa.float64()) for n in feature_names])),
            ("model_version", pa.string()),
            ("extra", pa.string()),
            ("text", pa.string()),
            ("line", pa.int64()),
            ("position", pa.int64()),
            ("error", pa.string()),
        ]
    )


class ParquetWriter(RowWriter):
    """Parquet with a fixed schema (nested spans and near-duplicates; ``extra`` as JSON text).

    Each :meth:`write_many` call writes one row group. Parquet cannot be appended
    to: with ``keep_rows`` the rows of an earlier partial file are written first.

    Args:
        path: The output file, or ``-`` (standard output, written at close).
        feature_names: The feature columns, in order.
        keep_rows: Rows to write before any new ones (``--resume``).
    """

    def __init__(self, path: str, feature_names: Sequence[str], *, keep_rows: Any = None) -> None:
        pq = require("pyarrow.parquet")
        self._pa = require("pyarrow")
        self.path = path
        self.schema = _parquet_schema(feature_names)
        self._sink: Any = self._pa.BufferOutputStream() if path == "-" else path
        self._writer = pq.ParquetWriter(self._sink, self.schema, compression="zstd")
        if keep_rows is not None and keep_rows.num_rows:
            self._writer.write_table(keep_rows.cast(self.schema))

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Write rows as one row group."""
        prepared = []
        for r in rows:
            d = dict(r)
            if "extra" in d and not isinstance(d["extra"], str | type(None)):
                d["extra"] = json.dumps(d["extra"], ensure_ascii=False, default=_json_default)
            prepared.append(d)
        if prepared:
            self._writer.write_table(self._pa.Table.from_pylist(prepared, schema=self.schema))

    def close(self) -> None:
        """Write the footer; for standard output, write the whole file there."""
        self._writer.close()
        if self.path == "-":
            out = getattr(sys.stdout, "buffer", sys.stdout)
            out.write(self._sink.getvalue().to_pybytes())
            out.flush()


def open_writer(
    path: str,
    fmt: OutputFormat,
    *,
    feature_names: Sequence[str] = (),
    resume: bool = False,
) -> tuple[RowWriter, int]:
    """Open the output for writing, or for continuing with ``--resume``.

    With ``resume``, the complete rows already in the file are kept (a trailing
    partial JSONL line is cut off) and their number is returned, so the caller
    skips that many input records.

    Args:
        path: The output file, or ``-``.
        fmt: ``"jsonl"`` or ``"parquet"``.
        feature_names: The feature columns (Parquet).
        resume: Keep and count what the file already holds.

    Returns:
        The writer and the number of rows it already holds.

    Raises:
        InputFormatError: ``resume`` with standard output, or a compressed JSONL output,
            or a Parquet file too damaged to continue.
    """
    exists = path != "-" and Path(path).exists() and Path(path).stat().st_size > 0
    if resume and path == "-":
        raise InputFormatError("--resume needs an output file, not standard output (-o -)")
    if fmt == "jsonl":
        if resume and exists:
            if path.lower().endswith(_COMPRESSION_SUFFIXES):
                raise InputFormatError(
                    f"--resume cannot continue a compressed output ({path}); "
                    "write plain JSONL and compress it afterwards"
                )
            done = count_complete_jsonl_rows(path, truncate=True)
            return JsonlWriter(path, append=True), done
        return JsonlWriter(path), 0
    keep = None
    if resume and exists:
        pq = require("pyarrow.parquet")
        try:
            keep = pq.read_table(path)
        except (OSError, ValueError) as exc:
            raise InputFormatError(
                f"cannot resume: {path} is not a complete Parquet file ({exc}); Parquet written by a run "
                "that was killed hard (SIGKILL) cannot be continued: delete it, or write JSONL "
                "for resumable runs"
            ) from None
        tmp = f"{path}.resume-tmp"
        writer = ParquetWriter(tmp, feature_names, keep_rows=keep)
        return _RenamingWriter(writer, tmp, path), int(keep.num_rows)
    return ParquetWriter(path, feature_names), 0


class _RenamingWriter(RowWriter):
    """Writes to a temporary file and moves it over the target on close."""

    def __init__(self, inner: RowWriter, tmp: str, final: str) -> None:
        self._inner, self._tmp, self._final = inner, tmp, final

    def write_many(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self._inner.write_many(rows)

    def close(self) -> None:
        self._inner.close()
        Path(self._tmp).replace(self._final)


_ERROR_ROW = re.compile(rb'^\{"id": (?:null|"(?:[^"\\]|\\.)*"), "line": ')


def count_error_rows(path: str, fmt: OutputFormat) -> int:
    """Count the error rows of an output file written by this package.

    Args:
        path: The file.
        fmt: ``"jsonl"`` or ``"parquet"``.

    Returns:
        The number of rows with an ``error``.
    """
    if fmt == "parquet":
        pq = require("pyarrow.parquet")
        col = pq.read_table(path, columns=["error"]).column("error")
        return int(len(col) - col.null_count)
    with Path(path).open("rb") as f:
        return sum(1 for line in f if _ERROR_ROW.match(line))


def count_complete_jsonl_rows(path: str, *, truncate: bool = False) -> int:
    """Count the newline-terminated lines of a JSONL file, cutting a trailing partial line.

    Args:
        path: The file.
        truncate: Remove bytes after the last newline (what a killed writer left).

    Returns:
        The number of complete rows.
    """
    count = 0
    last_end = 0
    offset = 0
    with Path(path).open("rb") as f:
        while True:
            block = f.read(1 << 20)
            if not block:
                break
            n = block.count(b"\n")
            if n:
                count += n
                last_end = offset + block.rindex(b"\n") + 1
            offset += len(block)
    if truncate and last_end < offset:
        with Path(path).open("r+b") as f:
            f.truncate(last_end)
    return count
