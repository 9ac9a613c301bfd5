from __future__ import annotations

import gc
import gzip
import io
import json
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect import io as bio
from boilerplate_detect.errors import InputFormatError
from tests import texts


def _write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _read(path: Path | str, fmt: bio.InputFormat | None = None, **kw: object) -> list[bio.Record]:
    return list(bio.iter_records([str(path)], fmt, **kw))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("-", "jsonl"),
        ("a.jsonl", "jsonl"),
        ("a.ndjson", "jsonl"),
        ("a.jsonl.gz", "jsonl"),
        ("A.JSONL.ZST", "jsonl"),
        ("a.json", "json"),
        ("a.csv.gz", "csv"),
        ("a.parquet", "parquet"),
        ("crawl.warc.gz", "warc"),
        ("crawl.warc", "warc"),
        ("note.txt", "txt"),
    ],
    ids=[
        "stdin",
        "jsonl",
        "ndjson",
        "jsonl-gz",
        "jsonl-zst-upper",
        "json",
        "csv-gz",
        "parquet",
        "warc-gz",
        "warc",
        "txt",
    ],
)
def test_infer_input_format(name: str, fmt: str) -> None:
    assert bio.infer_input_format(name) == fmt


def test_infer_input_format_unknown_names_the_fix() -> None:
    with pytest.raises(InputFormatError, match="--format"):
        bio.infer_input_format("data.xlsx")


def test_infer_input_format_folder_is_txt(tmp_path: Path) -> None:
    assert bio.infer_input_format(str(tmp_path)) == "txt"


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("-", "jsonl"), ("o.jsonl", "jsonl"), ("o.parquet", "parquet"), ("o.jsonl.gz", "jsonl")],
    ids=["stdout", "jsonl", "parquet", "jsonl-gz"],
)
def test_infer_output_format(name: str, fmt: str) -> None:
    assert bio.infer_output_format(name) == fmt


def test_jsonl_good_bad_blank_and_non_object_lines(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    p.write_bytes(
        b'{"id": "a", "text": "x"}\n'
        b"\n"
        b'{"id": "b", "text": \n'
        b"[1, 2]\n"
        b'{"id": "c", "text": "caf\xe9"}\n'
        b'{"id": "d", "text": "last, no newline"}'
    )
    recs = _read(p)
    assert [r.position for r in recs] == [0, 1, 2, 3, 4]
    assert [r.line for r in recs] == [1, 3, 4, 5, 6]
    assert recs[0].data == {"id": "a", "text": "x"} and recs[0].error is None
    assert recs[1].data is None and "malformed JSON" in str(recs[1].error) and ":3" in str(recs[1].error)
    assert "expected a JSON object" in str(recs[2].error)
    assert "invalid UTF-8" in str(recs[3].error) and "--encoding-errors replace" in str(recs[3].error)
    assert recs[4].data == {"id": "d", "text": "last, no newline"}


def test_jsonl_invalid_utf8_replaced_on_request(tmp_path: Path) -> None:
    p = tmp_path / "in.jsonl"
    p.write_bytes(b'{"id": "c", "text": "caf\xe9 ok"}\n')
    (rec,) = _read(p, encoding_errors="replace")
    assert rec.error is None and rec.data == {"id": "c", "text": "caf\ufffd ok"}


@pytest.mark.parametrize("compression", ["gzip", "zstd"], ids=["gzip", "zstd"])
def test_compressed_jsonl_detected_by_content(tmp_path: Path, compression: str) -> None:
    raw = b"".join(json.dumps({"id": str(i), "text": texts.CLEAN_NEWS}).encode() + b"\n" for i in range(5))
    if compression == "gzip":
        data = gzip.compress(raw)
    else:
        import zstandard

        data = zstandard.ZstdCompressor().compress(raw)
    p = tmp_path / "in.jsonl"  # no compression suffix: the magic bytes decide
    p.write_bytes(data)
    recs = _read(p)
    assert [r.data["id"] for r in recs if r.data] == ["0", "1", "2", "3", "4"]


def test_truncated_gzip_gives_the_read_records_then_one_error(tmp_path: Path) -> None:
    raw = b"".join(
        json.dumps({"id": str(i), "text": texts.CLEAN_NEWS + str(i)}).encode() + b"\n" for i in range(50)
    )
    data = gzip.compress(raw)
    p = tmp_path / "in.jsonl.gz"
    p.write_bytes(data[: len(data) * 2 // 3])
    recs = _read(p)
    assert recs[-1].error is not None and "truncated" in recs[-1].error
    good = recs[:-1]
    assert all(r.error is None for r in good) and 0 < len(good) < 50
    assert [r.position for r in recs] == list(range(len(recs)))


def test_json_array_file(tmp_path: Path) -> None:
    p = tmp_path / "in.json"
    p.write_text(json.dumps([{"id": "a", "text": "x"}, 5, {"id": "b", "text": "y"}]))
    recs = _read(p)
    assert [r.error is None for r in recs] == [True, False, True]
    assert recs[2].data == {"id": "b", "text": "y"}


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    p = _write_jsonl(tmp_path / "in.json", [{"id": "a", "text": "x"}, {"id": "b", "text": "y"}])
    assert [r.data["id"] for r in _read(p) if r.data] == ["a", "b"]


def test_csv_long_fields_and_bad_bytes(tmp_path: Path) -> None:
    long_text = texts.CLEAN_NEWS * 400  # ~190 KB: above csv's default field limit
    buf = io.StringIO()
    import csv

    w = csv.writer(buf)
    w.writerow(["id", "body"])
    w.writerow(["a", long_text])
    w.writerow(["b", "line one\nline two"])
    data = buf.getvalue().encode() + b"c,caf\xe9\r\n"
    p = tmp_path / "in.csv"
    p.write_bytes(data)
    recs = _read(p)
    assert recs[0].data == {"id": "a", "body": long_text}
    assert recs[1].data == {"id": "b", "body": "line one\nline two"}
    assert recs[2].data is None and "invalid UTF-8" in str(recs[2].error)
    (rec,) = [r for r in _read(p, encoding_errors="replace") if r.position == 2]
    assert rec.data == {"id": "c", "body": "caf\ufffd"}


def test_parquet_input(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    p = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "a", "text": "x"}, {"id": "b", "text": None}]), p)
    recs = _read(p)
    assert [r.data for r in recs] == [{"id": "a", "text": "x"}, {"id": "b", "text": None}]


def test_corrupt_parquet_is_an_error_record(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    p = tmp_path / "in.parquet"
    p.write_bytes(b"PAR1 this is not parquet")
    (rec,) = _read(p)
    assert rec.error is not None and "Parquet" in rec.error


def test_txt_folder(tmp_path: Path) -> None:
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / "b.txt").write_text(texts.CLEAN_NEWS, encoding="utf-8")
    (d / "sub" / "a.txt.gz").write_bytes(gzip.compress(texts.PADDED.encode()))
    (d / "bad.txt").write_bytes(b"caf\xe9")
    (d / "ignored.md").write_text("not a txt")
    recs = _read(d)
    assert [(r.data or {}).get("id") for r in recs] == ["b", "bad", "sub/a"]
    assert recs[0].data == {"id": "b", "text": texts.CLEAN_NEWS}
    assert recs[1].error is not None and "invalid UTF-8" in recs[1].error
    assert recs[2].data == {"id": "sub/a", "text": texts.PADDED}


def _warc(path: Path, pages: list[tuple[str, bytes, str]], *, gz: bool = True) -> Path:
    pytest.importorskip("warcio")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    records = []
    with path.open("wb") as f:
        w = WARCWriter(f, gzip=gz)
        for url, body, ctype in pages:
            h = StatusAndHeaders("200 OK", [("Content-Type", ctype)], protocol="HTTP/1.1")
            records.append(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=h))
            records.append(
                w.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"))
            )
            w.write_record(records[-2])
            w.write_record(records[-1])
    with warnings.catch_warnings():
        # warcio's writer leaves its spooled temporary files to the garbage collector.
        warnings.simplefilter("ignore", ResourceWarning)
        del records
        gc.collect()
    return path


def _page(body: str) -> bytes:
    return (
        "<html><head><title>T</title></head><body><nav>Home | World | Sport</nav><article>"
        f"<h1>Landslide closes road</h1><p>{body}</p></article>"
        "<footer>© 2025 Example News. All rights reserved.</footer></body></html>"
    ).encode()


def test_warc_html_responses_become_articles(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    p = _warc(
        tmp_path / "c.warc.gz",
        [
            ("https://www.n1.example/a", _page(texts.CLEAN_NEWS), "text/html; charset=utf-8"),
            ("https://n2.example/logo.png", b"\x89PNG....", "image/png"),
            ("https://n3.example/b", _page(texts.INDEPENDENT_NEWS), "text/html"),
        ],
    )
    recs = _read(p)
    assert len(recs) == 2 and all(r.error is None for r in recs)
    first = recs[0].data or {}
    assert first["url"] == "https://www.n1.example/a"
    assert "340 homes were evacuated" in first["text"]
    assert "Home | World | Sport" not in first["text"]
    boiler = recs[0].extra["page_boilerplate"]
    assert "Home | World | Sport" in boiler and any("All rights reserved" in b for b in boiler)
    (page_first, _) = _read(p, warc_text="page")
    assert "Home | World | Sport" in (page_first.data or {})["text"]


def test_warc_record_that_fails_to_parse(tmp_path: Path) -> None:
    pytest.importorskip("trafilatura")
    good = _warc(
        tmp_path / "g.warc", [("https://n1.example/a", _page(texts.CLEAN_NEWS), "text/html")], gz=False
    )
    p = tmp_path / "bad.warc"
    p.write_bytes(good.read_bytes() + b"this is not a WARC record header\r\n\r\nnor a body\r\n\r\n")
    recs = _read(p)
    assert recs[0].error is None
    assert recs[-1].error is not None and "fails to parse" in recs[-1].error


def test_positions_run_across_inputs(tmp_path: Path) -> None:
    a = _write_jsonl(tmp_path / "a.jsonl", [{"text": "1"}, {"text": "2"}])
    b = _write_jsonl(tmp_path / "b.jsonl", [{"text": "3"}])
    recs = list(bio.iter_records([str(a), str(b)]))
    assert [r.position for r in recs] == [0, 1, 2]
    assert recs[2].source == str(b)


def test_missing_input_file() -> None:
    with pytest.raises(InputFormatError, match="does not exist"):
        list(bio.iter_records(["/nonexistent/in.jsonl"]))


def test_count_complete_rows_cuts_a_partial_line(tmp_path: Path) -> None:
    p = tmp_path / "o.jsonl"
    p.write_bytes(b'{"a": 1}\n{"a": 2}\n{"a": 3')
    assert bio.count_complete_jsonl_rows(str(p), truncate=True) == 2
    assert p.read_bytes() == b'{"a": 1}\n{"a": 2}\n'


def test_jsonl_writer_append_and_gzip(tmp_path: Path) -> None:
    p = tmp_path / "o.jsonl"
    with bio.JsonlWriter(str(p)) as w:
        w.write_many([{"id": "a", "t": "é"}])
    with bio.JsonlWriter(str(p), append=True) as w:
        w.write_many([{"id": "b"}])
    assert [json.loads(x)["id"] for x in p.read_text(encoding="utf-8").splitlines()] == ["a", "b"]
    g = tmp_path / "o.jsonl.gz"
    with bio.JsonlWriter(str(g)) as w:
        w.write_many([{"id": "z"}])
    assert json.loads(gzip.decompress(g.read_bytes())) == {"id": "z"}


def test_parquet_writer_mixes_reports_and_error_rows(tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    row = {
        "id": "a",
        "originality": 0.25,
        "label": "farm",
        "threshold": 0.5,
        "reasons": ["fill.generic_sentence_frac"],
        "outlet": "x.example",
        "spans": [{"start": 0, "end": 4, "kind": "filler", "detail": "d"}],
        "near_duplicates": [
            {
                "id": "s",
                "outlet": "y.example",
                "overlap": 0.5,
                "jaccard": 0.1,
                "containment": 0.6,
                "fact_overlap": 0.0,
                "direction": "copied_from",
                "direction_inferred": False,
                "published": None,
                "passages": [{"start": 0, "end": 5, "other_start": 1, "other_end": 6, "similarity": 0.9}],
            }
        ],
        "features": {"f.a": 1.0, "f.b": 2.0},
        "model_version": "m",
        "extra": {"page_boilerplate": ["Home"]},
        "unknown_key": "dropped",
    }
    err = {"id": None, "line": 3, "position": 1, "error": "malformed JSON"}
    w = bio.ParquetWriter(str(tmp_path / "o.parquet"), ["f.a", "f.b"])
    w.write_many([row, err])
    w.write_many([])
    w.close()
    t = pq.read_table(tmp_path / "o.parquet").to_pylist()
    assert t[0]["originality"] == 0.25 and t[0]["spans"][0]["kind"] == "filler"
    assert t[0]["near_duplicates"][0]["passages"][0]["other_end"] == 6
    assert t[0]["features"] == {"f.a": 1.0, "f.b": 2.0}
    assert json.loads(t[0]["extra"]) == {"page_boilerplate": ["Home"]}
    assert t[1]["error"] == "malformed JSON" and t[1]["originality"] is None


def test_missing_extra_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)  # makes the import fail
    with pytest.raises(InputFormatError, match=r"pip install 'boilerplate-detect\[zstd\]'"):
        bio.require("zstandard")
    with pytest.raises(InputFormatError, match=r"boilerplate-detect\[all\]"):
        bio.require("nonexistent_module_xyz")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@given(rows=st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=4), max_size=8))
@settings(max_examples=40, deadline=None)
def test_jsonl_write_read_round_trip(
    tmp_path_factory: pytest.TempPathFactory, rows: list[dict[str, object]]
) -> None:
    p = tmp_path_factory.mktemp("rt") / "o.jsonl"
    with bio.JsonlWriter(str(p)) as w:
        w.write_many(rows)
    recs = _read(p)
    assert [r.position for r in recs] == list(range(len(rows)))
    assert [r.data for r in recs] == rows
    assert bio.count_complete_jsonl_rows(str(p)) == len(rows)


def test_reading_is_lazy_and_bounded(tmp_path: Path) -> None:
    import itertools
    import tracemalloc

    p = tmp_path / "big.jsonl.gz"
    line = (json.dumps({"id": "x", "text": texts.CLEAN_NEWS}) + "\n").encode()
    with gzip.open(p, "wb", compresslevel=1) as f:
        for _ in range(20):
            f.write(line * 1000)  # 20,000 records, ~10 MB uncompressed
    tracemalloc.start()
    try:
        recs = bio.iter_records([str(p)])
        first = list(itertools.islice(recs, 3))
        n = 3 + sum(1 for _ in recs)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [r.position for r in first] == [0, 1, 2] and n == 20_000
    assert peak < 2_000_000, f"peak {peak} bytes while streaming a ~10 MB input"
