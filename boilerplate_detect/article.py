"""The input record: :class:`Article`, and the validation of anything a caller passes as one."""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from boilerplate_detect.errors import InvalidArticleError, InvalidArticleTypeError

__all__ = ["Article", "coerce_article", "registered_domain"]

logger = logging.getLogger(__name__)

#: Field names of an :class:`Article`, in schema order.
FIELDS = ("id", "text", "url", "outlet", "published")

# Second-level public suffixes common in news URLs. A compact stand-in for the
# Public Suffix List so that "bbc.co.uk" and "news.bbc.co.uk" are one outlet.
_TWO_LEVEL_SUFFIXES = frozenset(
    {
        "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "ltd.uk", "plc.uk",
        "com.au", "net.au", "org.au", "gov.au", "edu.au",
        "co.nz", "org.nz", "govt.nz", "co.za", "org.za", "co.in", "net.in", "org.in",
        "co.jp", "or.jp", "ne.jp", "co.kr", "or.kr", "com.br", "com.mx", "com.ar",
        "com.cn", "com.hk", "com.sg", "com.tw", "com.tr", "com.ng", "com.pk", "com.ph",
        "com.my", "com.eg", "com.sa", "co.il", "co.ke", "co.id", "com.ua", "com.pl",
    }
)  # fmt: skip


def registered_domain(url: str) -> str:
    """Return the registered domain of a URL or host name, lower-cased.

    ``"https://news.bbc.co.uk/x"`` gives ``"bbc.co.uk"``; ``"www.cnn.com"`` gives
    ``"cnn.com"``. An empty or unparsable value gives ``""``.

    Args:
        url: A URL or a bare host name.

    Returns:
        The registered domain, or ``""``.
    """
    s = url.strip().lower()
    if "://" in s:
        s = s.split("://", 1)[1]
    host = s.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = host.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    if not host or " " in host:
        return ""
    parts = host.split(".")
    if len(parts) <= 2:
        return host
    if ".".join(parts[-2:]) in _TWO_LEVEL_SUFFIXES:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def _check_optional_str(name: str, value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise InvalidArticleTypeError(
        f"Article.{name} must be a str or None, got {type(value).__name__} ({value!r:.60}); "
        f"pass {name}=str(value) or leave it out"
    )


def _normalise_published(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    raise InvalidArticleTypeError(
        f"Article.published must be an ISO-8601 str, a date or a datetime, got {type(value).__name__}; "
        "pass published='2025-01-31' or leave it out"
    )


@dataclass(frozen=True, slots=True)
class Article:
    """One article to score or index.

    Attributes:
        id: A caller's identifier; defaults to ``""`` (the Detector then uses the position).
        text: The article's plain text. Must be a ``str``.
        url: The page URL, if known; its registered domain stands in for ``outlet``.
        outlet: The publishing outlet (site or brand). Two articles of one outlet never
            count as copies of each other.
        published: Publication time as ISO-8601 text; the earlier of two matching
            articles is taken as the source.
    """

    id: str = ""
    text: str = ""
    url: str | None = None
    outlet: str | None = None
    published: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise InvalidArticleTypeError(
                f"Article.text must be a str, got {type(self.text).__name__}; "
                + (
                    "decode bytes first, e.g. text=data.decode('utf-8', errors='replace')"
                    if isinstance(self.text, bytes | bytearray)
                    else "pass the article's plain text as a str"
                )
            )
        if not isinstance(self.id, str):
            if isinstance(self.id, int) and not isinstance(self.id, bool):
                object.__setattr__(self, "id", str(self.id))
            else:
                raise InvalidArticleTypeError(
                    f"Article.id must be a str, got {type(self.id).__name__}; pass id=str(value)"
                )
        _check_optional_str("url", self.url)
        _check_optional_str("outlet", self.outlet)
        object.__setattr__(self, "published", _normalise_published(self.published))

    @property
    def source_key(self) -> str:
        """The outlet used for same-outlet checks: ``outlet`` lower-cased, else the URL's domain."""
        if self.outlet:
            return self.outlet.strip().lower()
        if self.url:
            return registered_domain(self.url)
        return ""

    @classmethod
    def from_mapping(
        cls,
        record: Mapping[str, Any],
        *,
        text_field: str = "text",
        id_field: str = "id",
        url_field: str = "url",
        outlet_field: str = "outlet",
        published_field: str = "published",
        default_id: str = "",
    ) -> Article:
        """Validate a mapping (a JSONL record, a CSV row) and build an Article from it.

        Args:
            record: The mapping; only the named fields are read.
            text_field: The key holding the text.
            id_field: The key holding the id; numbers are turned into strings.
            url_field: The key holding the URL.
            outlet_field: The key holding the outlet.
            published_field: The key holding the publication time.
            default_id: The id used when the record has none.

        Returns:
            The Article.

        Raises:
            InvalidArticleError: The text field is missing, or a field has the wrong type.
        """
        if not isinstance(record, Mapping):
            raise InvalidArticleTypeError(
                f"a record must be a mapping, got {type(record).__name__}; "
                f"pass a dict with a {text_field!r} key"
            )
        if text_field not in record:
            raise InvalidArticleError(
                f"record has no {text_field!r} field (fields: {sorted(map(str, record))[:8]}); "
                f"add it, or name the text field with text_field= / --text-field"
            )
        text = record[text_field]
        if not isinstance(text, str):
            raise InvalidArticleTypeError(
                f"field {text_field!r} must be a string, got {type(text).__name__}; "
                "store the article's plain text as a JSON string"
            )
        raw_id = record.get(id_field)
        art_id = default_id if raw_id is None else raw_id
        if isinstance(art_id, int | float) and not isinstance(art_id, bool):
            art_id = str(int(art_id)) if float(art_id).is_integer() else str(art_id)
        if not isinstance(art_id, str):
            raise InvalidArticleTypeError(
                f"field {id_field!r} must be a string or a number, got {type(art_id).__name__}"
            )

        def opt(field: str) -> Any:
            value = record.get(field)
            return None if value is None else value

        try:
            return cls(
                id=art_id,
                text=text,
                url=_check_optional_str(url_field, opt(url_field)),
                outlet=_check_optional_str(outlet_field, opt(outlet_field)),
                published=opt(published_field),
            )
        except InvalidArticleError as exc:
            raise type(exc)(f"{exc} (record id {art_id!r})") from None


def coerce_article(item: object, position: int) -> Article:
    """Turn what a caller passes to ``score``/``score_many`` into an Article.

    A ``str`` becomes an Article whose id is its position; a mapping is read with
    :meth:`Article.from_mapping`; an Article passes through (an empty id is
    replaced by the position).

    Args:
        item: A ``str``, an :class:`Article`, or a mapping with a ``"text"`` key.
        position: The item's 0-based position in the stream, used as a default id.

    Returns:
        The Article.

    Raises:
        InvalidArticleError: The item is none of the accepted types (it is also a
            ``TypeError`` then), or a mapping fails validation.
    """
    if isinstance(item, Article):
        return item if item.id else Article(str(position), item.text, item.url, item.outlet, item.published)
    if isinstance(item, str):
        return Article(id=str(position), text=item)
    if isinstance(item, Mapping):
        return Article.from_mapping(item, default_id=str(position))
    hint = (
        "decode it first: data.decode('utf-8', errors='replace')"
        if isinstance(item, bytes | bytearray)
        else "pass a str, an Article, or a mapping with a 'text' key"
    )
    raise InvalidArticleTypeError(f"cannot score an item of type {type(item).__name__} (text); {hint}")
