"""The ``boilerplate-detect`` command line: ``score``, ``sites``, ``report``, ``train``, ``evaluate``.

Exit codes:
    0: every record was scored.
    1: some records failed; each became an error row ``{"id"/"line", "error"}``.
    2: usage error: bad arguments, a missing input file, an unknown format, or a
       missing optional dependency (the message names the extra to install).
    3: the model or the index is missing or incompatible.
    130: interrupted (Ctrl-C or SIGTERM); the output holds complete rows and
       ``--resume`` continues it.

Expected errors print one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from boilerplate_detect import io as bio
from boilerplate_detect.errors import (
    IndexLockError,
    IndexMismatchError,
    InputFormatError,
    ModelLoadError,
)

__all__ = ["EXIT_FAILED_RECORDS", "EXIT_INTERRUPTED", "EXIT_MODEL", "EXIT_OK", "EXIT_USAGE", "main"]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED_RECORDS = 1
EXIT_USAGE = 2
EXIT_MODEL = 3
EXIT_INTERRUPTED = 130

_EPILOG = """\
exit codes: 0 ok; 1 some records failed (error rows in the output); 2 usage error;
3 model or index missing/incompatible; 130 interrupted (continue with --resume)."""


def _version() -> str:
    from boilerplate_detect import __version__

    return __version__


def _build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="boilerplate-detect",
        description="Score how original news articles are (content-farm detection), and say why.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    s = sub.add_parser(
        "score",
        help="score articles from files; write one row per input record",
        description=(
            "Score articles read from JSONL, JSON, CSV, Parquet, WARC, a .txt file or a folder of .txt "
            "files (any may be .gz or .zst compressed; - is standard input). Writes JSONL or Parquet "
            "(chosen from the output's extension; -o - is standard output). Articles of one run are "
            "compared with each other across outlets (two passes) unless --no-cross-outlet."
        ),
        epilog=_EPILOG
        + "\ninvalid UTF-8 in a record makes it an error row unless --encoding-errors replace.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument("inputs", nargs="+", metavar="INPUT", help="input files or .txt folders; - for stdin")
    s.add_argument(
        "-o", "--output", default="-", help="output file (.jsonl or .parquet); - for stdout (default)"
    )
    s.add_argument("--format", choices=bio.INPUT_FORMATS, help="input format (default: from the extension)")
    s.add_argument("--output-format", choices=bio.OUTPUT_FORMATS, help="output format (default: from -o)")
    fields = s.add_argument_group("input fields")
    fields.add_argument("--text-field", default="text", help="field holding the text (default: text)")
    fields.add_argument("--id-field", default="id", help="field holding the id (default: id)")
    fields.add_argument("--url-field", default="url", help="field holding the URL (default: url)")
    fields.add_argument("--outlet-field", default="outlet", help="field holding the outlet (default: outlet)")
    fields.add_argument(
        "--published-field",
        default="published",
        help="field holding the publication time (default: published)",
    )
    cross = s.add_argument_group("cross-outlet comparison")
    mx = cross.add_mutually_exclusive_group()
    mx.add_argument(
        "--index",
        metavar="PATH|redis://...",
        help="compare against a persistent index and add the scored articles to it",
    )
    mx.add_argument("--no-cross-outlet", action="store_true", help="single-article features only")
    run = s.add_argument_group("running")
    run.add_argument("--model", metavar="DIR", help="model directory (default: the bundled model)")
    run.add_argument("--jobs", "-j", type=int, default=1, metavar="N", help="worker processes (0 = all CPUs)")
    run.add_argument(
        "--batch-size", type=int, default=256, metavar="N", help="records per chunk (default: 256)"
    )
    run.add_argument(
        "--errors", metavar="FILE", help="write error rows to this JSONL file instead of the output"
    )
    run.add_argument(
        "--resume", action="store_true", help="continue a partial output: skip the rows it holds"
    )
    run.add_argument("--quiet", "-q", action="store_true", help="no progress bar and no summary")
    run.add_argument(
        "--encoding-errors",
        choices=("error", "replace"),
        default="error",
        help="invalid UTF-8: make the record an error row (default) or decode it with U+FFFD",
    )
    run.add_argument(
        "--warc-text",
        choices=("main", "page"),
        default="main",
        help="WARC HTML: score the main text (default) or the whole visible page, chrome included",
    )
    run.add_argument("--include-text", action="store_true", help="copy each article's text into its row")
    run.add_argument("--html", metavar="FILE", help="also write the HTML report of this run")

    t = sub.add_parser(
        "sites",
        help="per-outlet rollup of a scored file",
        description=(
            "Per outlet: articles, mean and median originality, share flagged, top reasons, share of copied "
            "articles and whom they were copied from."
        ),
    )
    t.add_argument("scored", metavar="SCORED", help="a scored JSONL or Parquet file; - for stdin")
    t.add_argument("-o", "--output", default="-", help="output file; - for stdout (default)")
    t.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        help="output format (default: from -o's extension, else table)",
    )
    t.add_argument("--top", type=int, default=3, metavar="N", help="reasons and sources listed per outlet")
    t.add_argument(
        "--min-articles", type=int, default=1, metavar="N", help="omit outlets with fewer articles"
    )

    r = sub.add_parser(
        "report",
        help="write a self-contained HTML report of a scored file",
        description=(
            "Write an HTML page: per article the score, the reasons and the text with its evidence spans "
            "highlighted (score with --include-text to keep the texts), links to near-duplicates, and an "
            "outlet summary with a histogram of scores."
        ),
    )
    r.add_argument("scored", metavar="SCORED", help="a scored JSONL or Parquet file; - for stdin")
    r.add_argument("-o", "--output", required=True, help="the HTML file to write")
    r.add_argument("--title", default="boilerplate-detect report", help="page title")
    r.add_argument(
        "--max-articles", type=int, default=2000, metavar="N", help="articles shown in full (default: 2000)"
    )

    # train and evaluate take their arguments from their modules, imported only when asked for.
    tr = sub.add_parser(
        "train",
        help="train a model from labelled JSONL files",
        description="Fit the originality model on labelled news (see boilerplate_detect.training).",
    )
    ev = sub.add_parser(
        "evaluate",
        help="score labelled JSONL files and print accuracy metrics",
        description="Evaluate a model on labelled news (see boilerplate_detect.evaluation).",
    )
    if "train" in argv:
        from boilerplate_detect.training import add_train_arguments

        add_train_arguments(tr)
    if "evaluate" in argv:
        from boilerplate_detect.evaluation import add_evaluate_arguments

        add_evaluate_arguments(ev)
    return parser


def _fail(message: str, code: int) -> int:
    print(f"boilerplate-detect: error: {message}", file=sys.stderr)
    return code


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _cmd_score(args: argparse.Namespace) -> int:
    from boilerplate_detect.batch import BatchOptions, default_jobs, run_score

    if args.batch_size < 1:
        return _fail(f"--batch-size must be >= 1, got {args.batch_size}", EXIT_USAGE)
    if args.jobs < 0:
        return _fail(f"--jobs must be >= 0, got {args.jobs}", EXIT_USAGE)
    if args.resume and args.output == "-":
        return _fail("--resume needs an output file (-o FILE), not standard output", EXIT_USAGE)
    for p in args.inputs:
        if p != "-" and not Path(p).exists():
            return _fail(f"input {p!r} does not exist", EXIT_USAGE)
    # Fail on formats and missing extras before the model is loaded.
    formats = {args.format} if args.format else {bio.infer_input_format(p) for p in args.inputs}
    if (args.output_format or bio.infer_output_format(args.output)) == "parquet" or "parquet" in formats:
        bio.require("pyarrow.parquet")
    if "warc" in formats:
        bio.require("warcio")
        bio.require("trafilatura")
    jobs = args.jobs or default_jobs()
    opts = BatchOptions(
        text_field=args.text_field,
        id_field=args.id_field,
        url_field=args.url_field,
        outlet_field=args.outlet_field,
        published_field=args.published_field,
        model=args.model,
        batch_size=args.batch_size,
        include_text=bool(args.include_text or args.html),
    )
    collector = None
    if args.html:
        from boilerplate_detect.html_report import ReportBuilder

        collector = ReportBuilder()
    summary = run_score(
        args.inputs,
        args.output,
        opts=opts,
        input_format=args.format,
        output_format=args.output_format,
        errors_path=args.errors,
        cross_outlet=not args.no_cross_outlet,
        index=args.index,
        jobs=jobs,
        resume=args.resume,
        quiet=args.quiet,
        encoding_errors=args.encoding_errors,
        warc_text=args.warc_text,
        on_rows=collector.add_rows if collector is not None else None,
        write_text=bool(args.include_text),
    )
    if collector is not None and not summary.interrupted:
        Path(args.html).write_text(collector.render(), encoding="utf-8")
    if summary.interrupted:
        print(
            f"boilerplate-detect: interrupted after {summary.records + summary.skipped} records; "
            "the output holds complete rows: rerun with --resume to continue",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not args.quiet:
        flagged = f", {summary.flagged} flagged as farm" if summary.records else ""
        resumed = f" (resumed after {summary.skipped})" if summary.skipped else ""
        print(
            f"boilerplate-detect: {summary.records} records{resumed}: "
            f"{summary.records - summary.errors} scored"
            f"{flagged}, {summary.errors} errors, {summary.rate:.1f} articles/s",
            file=sys.stderr,
        )
    elif summary.errors:
        print(f"boilerplate-detect: {summary.errors} of {summary.records} records failed", file=sys.stderr)
    if summary.previous_errors and not args.quiet:
        print(
            f"boilerplate-detect: the resumed part of the output held {summary.previous_errors} errors",
            file=sys.stderr,
        )
    return EXIT_FAILED_RECORDS if summary.failed else EXIT_OK


def _cmd_sites(args: argparse.Namespace) -> int:
    from boilerplate_detect import sites

    fmt = args.format
    if fmt is None:
        low = args.output.lower()
        fmt = "csv" if low.endswith(".csv") else "json" if low.endswith(".json") else "table"
    rollup = sites.rollup(bio.read_rows(args.scored), top=args.top)
    rollup = [s for s in rollup if s.articles >= args.min_articles]
    text = sites.render(rollup, fmt)
    if args.output == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from boilerplate_detect.html_report import ReportBuilder

    builder = ReportBuilder(title=args.title, max_articles=args.max_articles)
    for row in bio.read_rows(args.scored):
        builder.add_rows([row])
    Path(args.output).write_text(builder.render(), encoding="utf-8")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: The arguments (without the program name); ``sys.argv[1:]`` when None.

    Returns:
        The exit code (see the module docstring).
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, a usage error exits 2
        return int(exc.code) if isinstance(exc.code, int) else EXIT_USAGE
    logging.basicConfig(level=logging.WARNING, format="boilerplate-detect: %(levelname)s: %(message)s")
    previous: Any = None
    with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        if args.command == "score":
            return _cmd_score(args)
        if args.command == "sites":
            return _cmd_sites(args)
        if args.command == "train":
            from boilerplate_detect.training import cli_train

            return cli_train(args)
        if args.command == "evaluate":
            from boilerplate_detect.evaluation import cli_evaluate

            return cli_evaluate(args)
        return _cmd_report(args)
    except ModelLoadError as exc:
        return _fail(f"{exc}", EXIT_MODEL)
    except IndexMismatchError as exc:
        return _fail(f"{exc}", EXIT_MODEL)
    except (InputFormatError, IndexLockError) as exc:
        return _fail(f"{exc}", EXIT_USAGE)
    except BrokenPipeError:
        # The reader of standard output went away (e.g. `| head`): stop quietly.
        # Point stdout at /dev/null so that the flush at exit does not fail again (Python's advice).
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as exc:
        # A path that cannot be created or read: the output's folder, --errors, --index, --html.
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return _fail(f"{exc.strerror or exc}{where}; check the path and its permissions", EXIT_USAGE)
    except KeyboardInterrupt:
        return _fail("interrupted", EXIT_INTERRUPTED)
    finally:
        if previous is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
