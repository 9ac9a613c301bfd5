from __future__ import annotations

import datetime as dt

import pytest

from boilerplate_detect.article import Article, coerce_article, registered_domain
from boilerplate_detect.errors import InvalidArticleError


@pytest.mark.parametrize(
    ("url", "domain"),
    [
        ("", ""),
        ("https://www.cnn.com/a/b", "cnn.com"),
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("http://user@Sub.Example.COM:8080/x?q", "example.com"),
        ("localhost", "localhost"),
        ("not a url", ""),
    ],
    ids=["empty", "www", "two-level-suffix", "userinfo-port", "single-label", "junk"],
)
def test_registered_domain(url: str, domain: str) -> None:
    assert registered_domain(url) == domain


@pytest.mark.parametrize(
    "bad", [None, 42, 3.5, b"bytes", ["list"]], ids=["none", "int", "float", "bytes", "list"]
)
def test_wrong_types_raise_with_the_fix(bad: object) -> None:
    with pytest.raises(TypeError) as exc:
        coerce_article(bad, 0)
    assert isinstance(exc.value, ValueError)
    assert "text" in str(exc.value)


def test_bytes_text_names_decoding() -> None:
    with pytest.raises(TypeError, match="decode"):
        Article(id="x", text=b"abc")  # type: ignore[arg-type]


def test_from_mapping_validates_fields() -> None:
    with pytest.raises(InvalidArticleError, match="'body'"):
        Article.from_mapping({"id": "1", "text": "x"}, text_field="body")
    with pytest.raises(TypeError, match="'text' must be a string"):
        Article.from_mapping({"id": "1", "text": 5})
    with pytest.raises(TypeError, match="outlet"):
        Article.from_mapping({"id": "1", "text": "x", "outlet": 3})
    a = Article.from_mapping({"id": 7, "text": "x", "published": None, "url": "https://a.b.example.org/x"})
    assert a.id == "7" and a.published is None and a.source_key == "example.org"


def test_published_accepts_dates() -> None:
    assert Article(text="x", published=dt.date(2025, 1, 2)).published == "2025-01-02"  # type: ignore[arg-type]


def test_coerce_keeps_or_assigns_ids() -> None:
    assert coerce_article("text", 4).id == "4"
    assert coerce_article({"text": "t"}, 2).id == "2"
    assert coerce_article(Article(id="z", text="t"), 9).id == "z"
    assert coerce_article(Article(text="t", outlet="o"), 9) == Article(id="9", text="t", outlet="o")
