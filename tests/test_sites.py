from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from boilerplate_detect import sites
from boilerplate_detect.cli import main


def _row(
    outlet: str | None, score: float, label: str, reasons: list[str], copied_from: list[str] | None = None
) -> dict[str, object]:
    near = [{"id": f"x-{o}", "outlet": o, "direction": "copied_from"} for o in copied_from or []]
    near.append({"id": "later", "outlet": "later.example", "direction": "copied_by"})
    return {
        "id": "i",
        "outlet": outlet,
        "originality": score,
        "label": label,
        "reasons": reasons,
        "near_duplicates": near,
    }


ROWS = [
    _row("farm.example", 0.1, "farm", ["fill.a", "rep.b"], ["src.example"]),
    _row("farm.example", 0.2, "farm", ["fill.a"], ["src.example", "other.example"]),
    _row("farm.example", 0.9, "original", ["tmpl.c"]),
    _row("farm.example", 0.4, "farm", ["fill.a", "tmpl.c"], ["other.example"]),
    {"id": None, "line": 9, "position": 8, "error": "malformed JSON"},
    _row("src.example", 0.8, "original", []),
    {"id": "u", "url": "https://news.src.example/a", "originality": 0.6, "label": "original", "reasons": []},
]


def test_rollup_by_hand() -> None:
    stats = {s.outlet: s for s in sites.rollup(ROWS, top=2)}
    farm = stats["farm.example"]
    assert farm.articles == 4 and farm.errors == 0
    assert farm.mean_originality == pytest.approx((0.1 + 0.2 + 0.9 + 0.4) / 4)
    assert farm.median_originality == pytest.approx(0.3)
    assert farm.flagged_share == pytest.approx(0.75)
    assert farm.top_reasons == [("fill.a", 0.75), ("tmpl.c", 0.5)]
    assert farm.copied_share == pytest.approx(0.75)
    assert farm.copied_from == [("other.example", 2), ("src.example", 2)]
    # The URL's registered domain stands in for a missing outlet.
    src = stats["src.example"]
    assert src.articles == 2 and src.mean_originality == pytest.approx(0.7) and src.copied_share == 0
    assert stats[sites.UNKNOWN_OUTLET].errors == 1 and stats[sites.UNKNOWN_OUTLET].articles == 0


def test_rollup_of_nothing() -> None:
    assert sites.rollup([]) == []


def test_render_formats() -> None:
    stats = sites.rollup(ROWS)
    table = sites.render(stats, "table")
    assert table.splitlines()[0].split()[:3] == ["outlet", "articles", "errors"]
    assert "farm.example" in table and "75%" in table
    parsed = list(csv.DictReader(io.StringIO(sites.render(stats, "csv"))))
    assert parsed[0]["outlet"] == "farm.example" and parsed[0]["articles"] == "4"
    data = json.loads(sites.render(stats, "json"))
    assert data[0]["copied_from"][0] == {"outlet": "other.example", "articles": 2}
    assert data[0]["top_reasons"][0] == {"reason": "fill.a", "share": 0.75}


@pytest.mark.parametrize(
    ("name", "first"),
    [("s.csv", "outlet,articles"), ("s.json", "["), ("s.txt", "outlet ")],
    ids=["csv", "json", "table"],
)
def test_sites_command(tmp_path: Path, name: str, first: str) -> None:
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    out = tmp_path / name
    assert main(["sites", str(scored), "-o", str(out)]) == 0
    assert out.read_text().startswith(first)


def test_sites_command_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scored = tmp_path / "scored.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    assert main(["sites", str(scored), "--format", "json", "--min-articles", "3"]) == 0
    assert [s["outlet"] for s in json.loads(capsys.readouterr().out)] == ["farm.example"]


def test_sites_reads_scored_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    from boilerplate_detect import io as bio

    w = bio.ParquetWriter(str(tmp_path / "s.parquet"), ["f.a"])
    w.write_many(ROWS)
    w.close()
    assert main(["sites", str(tmp_path / "s.parquet"), "--format", "json"]) == 0
    got = {s["outlet"]: s for s in json.loads(capsys.readouterr().out)}
    assert got["farm.example"]["articles"] == 4 and got["farm.example"]["copied_share"] == 0.75
