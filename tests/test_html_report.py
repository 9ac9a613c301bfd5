from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from boilerplate_detect.cli import main
from boilerplate_detect.html_report import ReportBuilder, highlight

# The article's script would retitle the page and add an element whose id is built at run time,
# so the literal id appears in the DOM only if the script ran.
EVIL = (
    "Officials said the road is closed. <script>document.title='PWNED';"
    "var e=document.createElement('div');e.id='pw'+'ned';document.body.appendChild(e);</script>"
    " It remains to be seen. <img src=x onerror=\"document.title='PWNED2'\"> Read more"
)


def _rows() -> list[dict[str, object]]:
    filler = EVIL.index("It remains")
    chrome = EVIL.index("Read more")
    return [
        {
            "id": "evil<1>",
            "originality": 0.12,
            "label": "farm",
            "reasons": ["fill.generic_sentence_frac", "<b>bold</b>"],
            "outlet": "bad.example",
            "spans": [
                {"start": filler, "end": filler + 23, "kind": "filler", "detail": "generic <phrase>"},
                {"start": chrome, "end": chrome + 9, "kind": "boilerplate", "detail": "chrome"},
            ],
            "near_duplicates": [
                {"id": "src", "outlet": "good.example", "overlap": 0.5, "direction": "copied_from"},
                {"id": "elsewhere", "outlet": "x.example", "overlap": 0.2, "direction": "unknown"},
            ],
            "text": EVIL,
        },
        {
            "id": "src",
            "originality": 0.91,
            "label": "original",
            "reasons": [],
            "outlet": "good.example",
            "spans": [],
            "near_duplicates": [],
            "text": "The original report, with a quote.",
        },
        {"id": None, "line": 3, "position": 2, "error": "malformed JSON at column 4"},
    ]


def test_highlight_escapes_and_splits_overlaps() -> None:
    text = "a <b> c d"
    out = highlight(
        text, [{"start": 0, "end": 5, "kind": "filler"}, {"start": 2, "end": 7, "kind": "copied"}]
    )
    assert out == (
        '<mark class="k-filler" data-kind="filler" title="filler">a </mark>'
        '<mark class="k-filler k-copied" data-kind="filler" title="filler; copied">&lt;b&gt;</mark>'
        '<mark class="k-copied" data-kind="copied" title="copied"> c</mark> d'
    )


@pytest.mark.parametrize(
    "spans",
    [[], [{"start": 5, "end": 5, "kind": "filler"}], [{"start": -3, "end": 99, "kind": "template"}]],
    ids=["none", "empty-span", "out-of-range"],
)
def test_highlight_edge_cases(spans: list[dict[str, object]]) -> None:
    out = highlight("x < y", spans)
    assert re.sub(r"<[^>]+>", "", out) == "x &lt; y"


def test_report_escapes_untrusted_text_and_links_near_duplicates() -> None:
    b = ReportBuilder(title="Test <report>")
    b.add_rows(_rows())
    page = b.render()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<img" not in page and "<b>bold" not in page
    assert "<title>Test &lt;report&gt;</title>" in page
    assert "Content-Security-Policy" in page
    assert 'class="k-filler"' in page and 'class="k-boilerplate"' in page
    # "src" is in the report: a link to its anchor; "elsewhere" is not: plain text.
    src_anchor = re.search(r'<article class="original" id="(a-[0-9a-f]+)">', page)
    assert src_anchor and f'href="#{src_anchor.group(1)}"' in page
    assert "elsewhere (x.example)</li>" in page.replace(": unknown, overlap 0.20", "")
    assert "malformed JSON at column 4" in page
    assert "3 records, 2 scored, 1 errors, 1 flagged" in page
    assert 'aria-label="histogram of scores"' in page


def test_report_without_texts_says_how_to_get_them() -> None:
    b = ReportBuilder()
    row = dict(_rows()[1])
    del row["text"]
    b.add_rows([row])
    assert "--include-text" in b.render()


def test_report_limits_articles_shown() -> None:
    b = ReportBuilder(max_articles=1)
    b.add_rows(_rows())
    page = b.render()
    assert page.count("<article ") == 1 and "Showing the first 1 articles" in page
    assert "3 records" in page


def test_report_command(tmp_path: Path) -> None:
    scored = tmp_path / "s.jsonl"
    scored.write_text("".join(json.dumps(r) + "\n" for r in _rows()))
    out = tmp_path / "r.html"
    assert main(["report", str(scored), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(
    _chromium() is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)
def test_report_renders_in_headless_chromium_and_runs_no_article_script(tmp_path: Path) -> None:
    b = ReportBuilder(title="Browser test")
    b.add_rows(_rows())
    page = tmp_path / "report.html"
    page.write_text(b.render(), encoding="utf-8")
    exe = _chromium()
    assert exe is not None
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=3000",
        "--dump-dom",
        page.as_uri(),
    ]
    r = subprocess.run(cmd, capture_output=True, timeout=120)
    dom = r.stdout.decode("utf-8", "replace")
    assert r.returncode == 0 and "<html" in dom, r.stderr.decode(errors="replace")[-500:]
    # The highlighted spans are in the rendered DOM.
    assert re.search(r'<mark class="k-filler"[^>]*>It remains to be seen', dom)
    assert re.search(r'<mark class="k-boilerplate"[^>]*>Read more</mark>', dom)
    # The article's script shows as text and did not run.
    assert "&lt;script&gt;document.title='PWNED'" in dom
    assert "<title>Browser test</title>" in dom
    assert 'id="pwned"' not in dom and "PWNED</title>" not in dom and "PWNED2" not in dom.split("&lt;img")[0]
    assert "<img" not in dom


def test_score_html_option_writes_the_report(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests import texts
    from tests._cli_support import model_args

    margs = model_args(tmp_path_factory.mktemp("model"))
    inp = tmp_path / "in.jsonl"
    rows = [{"id": "t", "text": texts.TEMPLATED + "\n<script>alert(1)</script>", "outlet": "t.example"}]
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    html_path, out = tmp_path / "r.html", tmp_path / "o.jsonl"
    assert (
        main(["score", str(inp), "-o", str(out), "--html", str(html_path), "-q", "--no-cross-outlet", *margs])
        == 0
    )
    page = html_path.read_text(encoding="utf-8")
    assert "Key Points" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "text" not in json.loads(out.read_text())  # the texts go to the report, not the output
