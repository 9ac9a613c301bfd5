from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from boilerplate_detect.cli import main
from tests import texts
from tests._cli_support import model_args

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def margs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return model_args(tmp_path_factory.mktemp("model"))


def _has_index() -> bool:
    try:
        import boilerplate_detect.index  # noqa: F401
    except ImportError:
        return False
    return True


needs_index = pytest.mark.skipif(not _has_index(), reason="boilerplate_detect.index is not available yet")


def _rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


ARTICLES = [
    {"id": "src", "text": texts.CLEAN_NEWS, "outlet": "a.example", "published": "2025-01-01"},
    {"id": "pad", "text": texts.PADDED, "outlet": "c.example", "published": "2025-01-02"},
    {"id": "tpl", "text": texts.TEMPLATED, "outlet": "d.example", "published": "2025-01-02"},
    {"id": "ind", "text": texts.INDEPENDENT_NEWS, "outlet": "e.example", "published": "2025-01-03"},
]


# ----------------------------------------------------------------------------- help and exit codes


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["score", "--help"],
        ["sites", "--help"],
        ["report", "--help"],
        ["train", "--help"],
        ["evaluate", "--help"],
    ],
    ids=["main", "score", "sites", "report", "train", "evaluate"],
)
def test_help_everywhere(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "usage: boilerplate-detect" in out
    assert "exit codes" in out or argv[0] in ("sites", "report", "train", "evaluate")
    if argv[0] == "train":
        assert "--seed" in out
    if argv[0] == "evaluate":
        assert "--model" in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nonsense"],
        ["score"],
        ["score", "x.jsonl", "--jobs", "many"],
        ["score", "-", "--index", "i", "--no-cross-outlet"],
    ],
    ids=["no-command", "unknown-command", "no-input", "bad-int", "exclusive-options"],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage:" in capsys.readouterr().err


def test_missing_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path / "nope.jsonl"), "-o", str(tmp_path / "o.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err and "Traceback" not in err


def test_unknown_extension_names_format_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "in.xlsx"
    p.write_text("x")
    assert main(["score", str(p), "-o", str(tmp_path / "o.jsonl"), "--quiet", "--no-cross-outlet"]) == 2
    assert "--format" in capsys.readouterr().err


def test_missing_model_exit_3_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    code = main(
        ["score", str(p), "-o", str(tmp_path / "o.jsonl"), "--model", str(tmp_path / "no-model"), "--quiet"]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert err.count("\n") == 1 and "Traceback" not in err and "no-model" in err


# ----------------------------------------------------------------------------- scoring


def test_score_jsonl_keeps_order_and_ids(
    tmp_path: Path, margs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES)
    out = tmp_path / "o.jsonl"
    assert main(["score", str(p), "-o", str(out), "--no-cross-outlet", *margs]) == 0
    rows = _rows(out)
    assert [r["id"] for r in rows] == ["src", "pad", "tpl", "ind"]
    for r in rows:
        assert 0.0 <= float(r["originality"]) <= 1.0  # type: ignore[arg-type]
        assert r["label"] in ("original", "farm")
    assert rows[0]["outlet"] == "a.example" and rows[0]["published"] == "2025-01-01"
    assert "text" not in rows[0]
    err = capsys.readouterr().err
    assert "4 records" in err  # the summary
    assert "scoring" not in err  # no progress bar when stderr is not a terminal


def test_bad_records_become_error_rows(
    tmp_path: Path, margs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        json.dumps({"id": "g", "text": texts.CLEAN_NEWS}).encode(),
        b'{"id": "bad", "text": ',
        json.dumps({"id": "n", "text": 5}).encode(),
        json.dumps({"id": "m"}).encode(),
        b'{"id": "u", "text": "caf\xe9 \xff"}',
    ]
    p = tmp_path / "in.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    out = tmp_path / "o.jsonl"
    code = main(["score", str(p), "-o", str(out), "--quiet", "--no-cross-outlet", *margs])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and "4 of 5 records failed" in err
    rows = _rows(out)
    assert len(rows) == 5
    assert rows[0]["id"] == "g" and "error" not in rows[0]
    assert rows[1] == {"id": None, "line": 2, "position": 1, "error": rows[1]["error"]}
    assert "malformed JSON" in str(rows[1]["error"])
    assert rows[2]["id"] == "n" and "must be a string" in str(rows[2]["error"])
    assert rows[3]["id"] == "m" and "no 'text' field" in str(rows[3]["error"])
    assert rows[4]["line"] == 5 and "invalid UTF-8" in str(rows[4]["error"])


def test_encoding_errors_replace_scores_the_record(tmp_path: Path, margs: list[str]) -> None:
    p = tmp_path / "in.jsonl"
    line = json.dumps({"id": "u", "text": "cafX " + texts.CLEAN_NEWS}).encode().replace(b"cafX", b"caf\xe9")
    p.write_bytes(line + b"\n")
    out = tmp_path / "o.jsonl"
    assert (
        main(
            [
                "score",
                str(p),
                "-o",
                str(out),
                "-q",
                "--no-cross-outlet",
                "--encoding-errors",
                "replace",
                *margs,
            ]
        )
        == 0
    )
    assert _rows(out)[0]["id"] == "u"


def test_errors_file(tmp_path: Path, margs: list[str]) -> None:
    p = tmp_path / "in.jsonl"
    p.write_bytes(
        json.dumps(ARTICLES[0]).encode() + b"\nnot json\n" + json.dumps(ARTICLES[1]).encode() + b"\n"
    )
    out, errs = tmp_path / "o.jsonl", tmp_path / "e.jsonl"
    code = main(["score", str(p), "-o", str(out), "--errors", str(errs), "-q", "--no-cross-outlet", *margs])
    assert code == 1
    assert [r["id"] for r in _rows(out)] == ["src", "pad"]
    (e,) = _rows(errs)
    assert e["line"] == 2 and e["position"] == 1


def test_field_options(tmp_path: Path, margs: list[str]) -> None:
    p = _jsonl(
        tmp_path / "in.jsonl",
        [
            {
                "key": 7,
                "body": texts.CLEAN_NEWS,
                "site": "s.example",
                "link": "https://www.s.example/a",
                "day": "2025-02-01",
            }
        ],
    )
    out = tmp_path / "o.jsonl"
    argv = [
        "score",
        str(p),
        "-o",
        str(out),
        "-q",
        "--no-cross-outlet",
        "--text-field",
        "body",
        "--id-field",
        "key",
        "--outlet-field",
        "site",
        "--url-field",
        "link",
        "--published-field",
        "day",
        "--include-text",
        *margs,
    ]
    assert main(argv) == 0
    (row,) = _rows(out)
    assert row["id"] == "7" and row["outlet"] == "s.example" and row["url"] == "https://www.s.example/a"
    assert row["published"] == "2025-02-01" and row["text"] == texts.CLEAN_NEWS


def test_csv_in_parquet_out(tmp_path: Path, margs: list[str]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import csv

    p = tmp_path / "in.csv.gz"
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["id", "text", "outlet"])
    w.writeheader()
    for a in ARTICLES:
        w.writerow({k: a[k] for k in ("id", "text", "outlet")})
    p.write_bytes(gzip.compress(buf.getvalue().encode()))
    out = tmp_path / "o.parquet"
    assert main(["score", str(p), "-o", str(out), "-q", "--no-cross-outlet", *margs]) == 0
    t = pq.read_table(out)
    assert t.column("id").to_pylist() == ["src", "pad", "tpl", "ind"]
    assert all(0 <= x <= 1 for x in t.column("originality").to_pylist())


def test_txt_folder(tmp_path: Path, margs: list[str]) -> None:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "one.txt").write_text(texts.CLEAN_NEWS)
    (d / "two.txt").write_text(texts.PADDED)
    out = tmp_path / "o.jsonl"
    assert main(["score", str(d), "-o", str(out), "-q", "--no-cross-outlet", *margs]) == 0
    assert [r["id"] for r in _rows(out)] == ["one", "two"]


def test_warc_in_parquet_out(tmp_path: Path, margs: list[str]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    pytest.importorskip("trafilatura")
    from tests.test_io import _page, _warc

    p = _warc(
        tmp_path / "c.warc.gz",
        [
            (f"https://www.n{i}.example/a", _page(t), "text/html")
            for i, t in enumerate([texts.CLEAN_NEWS, texts.PADDED])
        ],
    )
    out = tmp_path / "o.parquet"
    assert main(["score", str(p), "-o", str(out), "-q", "--no-cross-outlet", *margs]) == 0
    t = pq.read_table(out).to_pylist()
    assert [r["url"] for r in t] == ["https://www.n0.example/a", "https://www.n1.example/a"]
    assert [r["outlet"] for r in t] == ["n0.example", "n1.example"]
    assert "Home | World | Sport" in json.loads(t[0]["extra"])["page_boilerplate"]


def test_stdin_to_stdout(
    tmp_path: Path,
    margs: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    data = "".join(json.dumps(a) + "\n" for a in ARTICLES[:2]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["score", "-", "-o", "-", "--quiet", "--no-cross-outlet", *margs]) == 0
    out = capsysbinary.readouterr().out.decode()
    assert [json.loads(x)["id"] for x in out.splitlines()] == ["src", "pad"]


def test_resume_continues_without_duplicates(tmp_path: Path, margs: list[str]) -> None:
    items = [
        {"id": f"a{i}", "text": texts.CLEAN_NEWS + f" Item {i}.", "outlet": f"o{i % 3}.example"}
        for i in range(9)
    ]
    items[4] = {"id": "a4"}  # an error row in the middle
    p = _jsonl(tmp_path / "in.jsonl", items)
    full = tmp_path / "full.jsonl"
    base = ["-q", "--no-cross-outlet", "--batch-size", "2", *margs]
    assert main(["score", str(p), "-o", str(full), *base]) == 1
    lines = full.read_bytes().splitlines(keepends=True)
    part = tmp_path / "part.jsonl"
    part.write_bytes(b"".join(lines[:5]) + lines[5][:17])  # five rows and a cut-off sixth
    # The exit code covers the whole output: the error row was written before the stop.
    assert main(["score", str(p), "-o", str(part), "--resume", *base]) == 1
    assert part.read_bytes() == full.read_bytes()
    # Resuming a complete output adds nothing.
    assert main(["score", str(p), "-o", str(part), "--resume", *base]) == 1
    assert part.read_bytes() == full.read_bytes()


def test_resume_with_errors_file(tmp_path: Path, margs: list[str]) -> None:
    items: list[dict[str, object]] = [{"id": f"a{i}", "text": texts.CLEAN_NEWS + f" {i}."} for i in range(8)]
    for i in (1, 2, 6):
        items[i] = {"id": f"a{i}"}
    p = _jsonl(tmp_path / "in.jsonl", items)
    base = ["-q", "--no-cross-outlet", "--batch-size", "3", *margs]
    out, errs = tmp_path / "o.jsonl", tmp_path / "e.jsonl"
    assert main(["score", str(p), "-o", str(out), "--errors", str(errs), *base]) == 1
    full_out, full_err = out.read_bytes(), errs.read_bytes()
    # As if killed after the errors of the second chunk were written but not its rows.
    out.write_bytes(b"".join(full_out.splitlines(keepends=True)[:1]))
    errs.write_bytes(full_err)
    main(["score", str(p), "-o", str(out), "--errors", str(errs), "--resume", *base])
    assert out.read_bytes() == full_out and errs.read_bytes() == full_err


def test_resume_parquet(tmp_path: Path, margs: list[str]) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES)
    out = tmp_path / "o.parquet"
    base = ["-q", "--no-cross-outlet", *margs]
    assert main(["score", str(tmp_path / "in.jsonl"), "-o", str(out), *base]) == 0
    first_two = pq.read_table(out).slice(0, 2)
    pq.write_table(first_two, out)
    assert main(["score", str(p), "-o", str(out), "--resume", *base]) == 0
    assert pq.read_table(out).column("id").to_pylist() == ["src", "pad", "tpl", "ind"]


def test_resume_needs_an_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    assert main(["score", str(p), "-o", "-", "--resume"]) == 2
    assert "--resume" in capsys.readouterr().err


@needs_index
def test_cross_outlet_batch_finds_the_source(tmp_path: Path, margs: list[str]) -> None:
    rows = [
        ARTICLES[0],
        {
            "id": "cp",
            "text": texts.CLEAN_NEWS + " It remains to be seen.",
            "outlet": "b.example",
            "published": "2025-01-02",
        },
        ARTICLES[1],
    ]
    p = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "o.jsonl"
    assert main(["score", str(p), "-o", str(out), "-q", *margs]) == 0
    got = _rows(out)
    near = [str(n["id"]) for n in got[1]["near_duplicates"]]  # type: ignore[union-attr]
    assert "src" in near
    alone = tmp_path / "alone.jsonl"
    assert main(["score", str(p), "-o", str(alone), "-q", "--no-cross-outlet", *margs]) == 0
    assert _rows(alone)[1]["near_duplicates"] == []


@needs_index
def test_persistent_index_is_added_to(tmp_path: Path, margs: list[str]) -> None:
    from boilerplate_detect import Index

    idx_path = tmp_path / "crawl.idx"
    first = _jsonl(tmp_path / "a.jsonl", [ARTICLES[0]])
    second = _jsonl(
        tmp_path / "b.jsonl",
        [{"id": "cp", "text": texts.CLEAN_NEWS, "outlet": "b.example", "published": "2025-01-02"}],
    )
    assert (
        main(["score", str(first), "-o", str(tmp_path / "o1.jsonl"), "-q", "--index", str(idx_path), *margs])
        == 0
    )
    assert (
        main(["score", str(second), "-o", str(tmp_path / "o2.jsonl"), "-q", "--index", str(idx_path), *margs])
        == 0
    )
    near = [str(n["id"]) for n in _rows(tmp_path / "o2.jsonl")[0]["near_duplicates"]]  # type: ignore[union-attr]
    assert near == ["src"]
    idx = Index.open(str(idx_path))
    assert len(idx) == 2
    idx.close()


@pytest.mark.slow
def test_jobs_2_equals_jobs_1(tmp_path: Path, margs: list[str]) -> None:
    items = [
        {
            "id": f"a{i}",
            "text": [texts.CLEAN_NEWS, texts.PADDED, texts.TEMPLATED][i % 3] + f" Note {i}.",
            "outlet": f"o{i % 4}.example",
        }
        for i in range(40)
    ]
    items[7] = {"id": "bad"}
    p = _jsonl(tmp_path / "in.jsonl", items)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    base = ["-q", "--batch-size", "8", "--no-cross-outlet", *margs]
    assert main(["score", str(p), "-o", str(one), *base]) == 1
    assert main(["score", str(p), "-o", str(two), "--jobs", "2", *base]) == 1
    assert one.read_bytes() == two.read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize(
    "extra",
    [
        ["--no-cross-outlet"],
        ["--no-cross-outlet", "--include-text", "--encoding-errors", "replace"],
        ["--errors", "ERRORS"],
    ],
    ids=["plain", "text-and-replace", "errors-apart-two-pass"],
)
def test_jobs_2_equals_jobs_1_on_unparsed_lines(
    tmp_path: Path, margs: list[str], capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    # Worker processes parse the JSON Lines and serialise the rows themselves: every kind of
    # bad line, several files (positions run across them), gzip, and the errors file must come
    # out exactly as in one process.
    def line(i: int) -> bytes:
        text = [texts.CLEAN_NEWS, texts.PADDED, texts.TEMPLATED][i % 3] + f" Note {i}."
        return json.dumps({"id": f"a{i}", "text": text, "outlet": f"o{i % 3}.example"}).encode() + b"\n"

    first = tmp_path / "first.jsonl"
    first.write_bytes(
        b"".join(line(i) for i in range(9))
        + b"{not json\n[1, 2]\n\n"
        + json.dumps({"id": "bin", "text": "café " + texts.CLEAN_NEWS}, ensure_ascii=False)
        .encode()
        .replace("é".encode(), b"\xe9")  # Latin-1, not UTF-8
        + b"\n"
        + b"".join(line(i) for i in range(9, 14))
    )
    second = tmp_path / "second.jsonl.gz"
    second.write_bytes(gzip.compress(b"".join(line(i) for i in range(14, 22)) + b'{"id": "no-text"}\n'))
    outputs: list[tuple[bytes, bytes, str]] = []
    for jobs in ("1", "2"):
        out, err = tmp_path / f"o{jobs}.jsonl", tmp_path / f"e{jobs}.jsonl"
        args = [a if a != "ERRORS" else str(err) for a in extra]
        code = main(
            ["score", str(first), str(second), "-o", str(out), "--batch-size", "4", "-j", jobs, *args, *margs]
        )
        assert code == 1
        summary = capsys.readouterr().err.rsplit(",", 1)[0]  # without the rate
        outputs.append((out.read_bytes(), err.read_bytes() if err.exists() else b"", summary))
    assert outputs[0] == outputs[1]
    rows = [json.loads(x) for x in outputs[0][0].splitlines() + outputs[0][1].splitlines()]
    assert len(rows) == 26
    errors = sorted(r["position"] for r in rows if r.get("error"))
    bad_utf8 = [] if "replace" in extra else [11]
    assert errors == sorted([9, 10, *bad_utf8, 25])
    assert ("text" in rows[0]) == ("--include-text" in extra)
    assert "26 records" in outputs[0][2]


def _cli() -> list[str]:
    exe = shutil.which("boilerplate-detect") or str(Path(sys.executable).parent / "boilerplate-detect")
    return [exe] if Path(exe).exists() else [sys.executable, "-m", "boilerplate_detect"]


def test_installed_entry_point_smoke(tmp_path: Path, margs: list[str]) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:2])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    v = subprocess.run([*_cli(), "--version"], capture_output=True, timeout=120, env=env)
    assert v.returncode == 0 and v.stdout.startswith(b"boilerplate-detect ")
    r = subprocess.run(
        [*_cli(), "score", str(p), "-o", "-", "--quiet", "--no-cross-outlet", *margs],
        capture_output=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-300:]
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["src", "pad"]
    m = subprocess.run(
        [sys.executable, "-m", "boilerplate_detect", "score", "--help"],
        capture_output=True,
        timeout=120,
        env=env,
    )
    assert m.returncode == 0 and b"--text-field" in m.stdout


@pytest.mark.slow
def test_sigterm_leaves_a_valid_partial_output_that_resumes(tmp_path: Path, margs: list[str]) -> None:
    items = [{"id": f"a{i}", "text": texts.CLEAN_NEWS + f" Item {i}."} for i in range(3000)]
    p = _jsonl(tmp_path / "in.jsonl", items)
    out = tmp_path / "o.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "boilerplate_detect",
        "score",
        str(p),
        "-o",
        str(out),
        "-q",
        "--no-cross-outlet",
        "--batch-size",
        "16",
        *margs,
    ]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size == 0):
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the run finished before it could be interrupted")
    assert proc.returncode == 130, err.decode(errors="replace")
    assert b"--resume" in err and b"Traceback" not in err
    partial = _rows(out)  # every line is complete JSON
    assert 0 < len(partial) < len(items)
    r = subprocess.run([*cmd, "--resume"], capture_output=True, env=env, timeout=600)
    assert r.returncode == 0, r.stderr.decode(errors="replace")[-300:]
    assert [row["id"] for row in _rows(out)] == [it["id"] for it in items]


@needs_index
@pytest.mark.slow
def test_cross_outlet_jobs_2_equals_jobs_1(tmp_path: Path, margs: list[str]) -> None:
    items = [
        {
            "id": f"a{i}",
            "text": [texts.CLEAN_NEWS, texts.CHROME_COPY, texts.INDEPENDENT_NEWS][i % 3] + f" Note {i}.",
            "outlet": f"o{i % 5}.example",
            "published": f"2025-01-{1 + i % 20:02d}",
        }
        for i in range(24)
    ]
    p = _jsonl(tmp_path / "in.jsonl", items)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    base = ["-q", "--batch-size", "5", *margs]
    assert main(["score", str(p), "-o", str(one), *base]) == 0
    assert main(["score", str(p), "-o", str(two), "--jobs", "2", *base]) == 0
    assert one.read_bytes() == two.read_bytes()
    assert any(r["near_duplicates"] for r in _rows(one))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_tampered_model_tables_exit_3(
    tmp_path: Path, margs: list[str], capsys: pytest.CaptureFixture[str], jobs: str
) -> None:
    from boilerplate_detect.model import TABLES_FILE, default_model_dir

    model = tmp_path / "model"
    shutil.copytree(Path(margs[1]) if margs else default_model_dir(), model)
    raw = bytearray((model / TABLES_FILE).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (model / TABLES_FILE).write_bytes(bytes(raw))
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    argv = ["score", str(p), "-o", str(tmp_path / "o.jsonl"), "-q", "--jobs", jobs, "--model", str(model)]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert "does not match the checksum" in err and "Traceback" not in err


def test_score_jsonl_imports_no_heavy_module(tmp_path: Path, margs: list[str]) -> None:
    # Start-up is most of a small run: JSONL in and out needs neither scikit-learn nor skops
    # (the model's tables are NumPy arrays) nor the optional readers and writers.
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:2])
    code = (
        "import sys\n"
        "from boilerplate_detect.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = ('sklearn', 'skops', 'scipy', 'pandas', 'pyarrow', 'trafilatura', 'warcio', 'zstandard')\n"
        "print(','.join(m for m in heavy if m in sys.modules))\n"
        "sys.exit(code)\n"
    )
    argv = ["score", str(p), "-o", str(tmp_path / "o.jsonl"), "-q", "--no-cross-outlet", *margs]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, timeout=300
    )
    assert r.returncode == 0, r.stderr[-300:]
    assert r.stdout.strip() == ""


def test_jobs_2_missing_model_exit_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    argv = [
        "score",
        str(p),
        "-o",
        str(tmp_path / "o.jsonl"),
        "-q",
        "--jobs",
        "2",
        "--model",
        str(tmp_path / "none"),
    ]
    assert main(argv) == 3
    assert "Traceback" not in capsys.readouterr().err


@needs_index
def test_stdin_is_spooled_for_the_two_passes(
    margs: list[str], monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    rows = [
        ARTICLES[0],
        {"id": "cp", "text": texts.CLEAN_NEWS, "outlet": "b.example", "published": "2025-01-02"},
    ]
    data = gzip.compress("".join(json.dumps(a) + "\n" for a in rows).encode())  # compressed stdin too
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["score", "-", "-o", "-", "--quiet", *margs]) == 0
    out = [json.loads(x) for x in capsysbinary.readouterr().out.decode().splitlines()]
    assert [r["id"] for r in out] == ["src", "cp"]
    assert [n["id"] for n in out[1]["near_duplicates"]] == ["src"]


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("quiet", "shown"), [([], True), (["--quiet"], False)], ids=["tty", "tty-quiet"])
def test_progress_bar_on_a_terminal(
    tmp_path: Path, margs: list[str], monkeypatch: pytest.MonkeyPatch, quiet: list[str], shown: bool
) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES)
    err = _Tty()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["score", str(p), "-o", str(tmp_path / "o.jsonl"), "--no-cross-outlet", *quiet, *margs]) == 0
    out = err.getvalue()
    assert ("scoring" in out and "articles/s" in out) is shown


@pytest.mark.parametrize("flag", ["-o", "--errors", "--html"], ids=["output", "errors", "html"])
def test_unwritable_path_is_one_line_exit_2(
    tmp_path: Path, margs: list[str], capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    bad = str(tmp_path / "no-such-dir" / "x.jsonl")
    argv = ["score", str(p), "-q", "--no-cross-outlet", *margs, flag, bad]
    if flag != "-o":
        argv += ["-o", str(tmp_path / "o.jsonl")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "no-such-dir" in err


@needs_index
def test_index_in_a_missing_folder_is_one_line_exit_2(
    tmp_path: Path, margs: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES[:1])
    argv = [
        "score",
        str(p),
        "-o",
        str(tmp_path / "o.jsonl"),
        "-q",
        "--index",
        str(tmp_path / "nope" / "i.idx"),
    ]
    assert main([*argv, *margs]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_broken_pipe_on_stdout_is_quiet(tmp_path: Path, margs: list[str]) -> None:
    p = _jsonl(tmp_path / "in.jsonl", ARTICLES * 50)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "boilerplate_detect",
        "score",
        str(p),
        "-o",
        "-",
        "-q",
        "--no-cross-outlet",
        *margs,
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()  # the reader goes away, like `| head -1`
        err = proc.stderr.read()
        code = proc.wait(timeout=300)
    assert code == 0 and b"Traceback" not in err and b"Exception ignored" not in err
