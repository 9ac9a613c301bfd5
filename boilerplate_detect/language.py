"""Is a text in the language the model was trained for (English)?

Two cheap checks on the shared segmentation:

* the script: a text whose letters are mostly not Latin (Chinese, Arabic,
  Cyrillic...) is outside the domain, however few "words" it splits into;
* the share of tokens that are common English function words. English news runs
  at about 0.35-0.50; other Latin-script languages stay under 0.10.

Texts with too few words or letters are not judged.
"""

from __future__ import annotations

import re

from boilerplate_detect.text import Segmented

__all__ = [
    "MIN_ENGLISH_SHARE",
    "MIN_LATIN_SHARE",
    "MIN_LETTERS_TO_JUDGE",
    "MIN_WORDS_TO_JUDGE",
    "english_share",
    "is_supported",
    "latin_share",
]

#: Below this many words the language is not judged (the text counts as supported).
MIN_WORDS_TO_JUDGE = 12
#: Below this many letters the script is not judged.
MIN_LETTERS_TO_JUDGE = 20
#: A text whose letters are less than this share Latin is outside the model's domain.
MIN_LATIN_SHARE = 0.5
#: A text whose English function-word share is below this is outside the model's domain.
MIN_ENGLISH_SHARE = 0.12

_LATIN = re.compile(r"[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")
# Letters (word characters that are not digits or "_") outside the Latin ranges above.
_NON_LATIN = re.compile(r"[^\W\d_A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")

_ENGLISH = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "was",
        "that",
        "for",
        "on",
        "with",
        "as",
        "it",
        "by",
        "at",
        "from",
        "his",
        "her",
        "he",
        "she",
        "they",
        "we",
        "are",
        "were",
        "be",
        "has",
        "have",
        "had",
        "this",
        "an",
        "not",
        "but",
        "or",
        "which",
        "their",
        "its",
        "said",
        "will",
        "would",
        "been",
        "who",
        "after",
        "also",
        "more",
        "than",
        "about",
        "into",
        "when",
        "there",
        "one",
        "over",
        "new",
        "out",
        "up",
        "can",
        "could",
        "our",
        "you",
        "your",
        "i",
    ]
)


def english_share(seg: Segmented) -> float:
    """Return the share of word tokens that are common English function words.

    Args:
        seg: The segmented text.

    Returns:
        A value in [0, 1]; 0.0 for a text with no words.
    """
    if not seg.words:
        return 0.0
    hits = sum(map(_ENGLISH.__contains__, seg.words))  # bools summed at C speed
    return hits / len(seg.words)


def _letter_counts(text: str) -> tuple[int, int]:
    """Return ``(Latin letters, other letters)``, counted by two regex scans (no Python loop)."""
    if text.isascii():
        return len(_LATIN.findall(text)), 0
    return len(_LATIN.findall(text)), len(_NON_LATIN.findall(text))


def latin_share(seg: Segmented) -> float:
    """Return the share of letters that are Latin (ASCII or Latin-1/Extended-A/B), in [0, 1].

    Args:
        seg: The segmented text.

    Returns:
        1.0 for a text with no letters.
    """
    latin, other = _letter_counts(seg.text)
    return latin / (latin + other) if latin + other else 1.0


def is_supported(seg: Segmented) -> bool:
    """Return False when the text is clearly not English (too short a text counts as supported)."""
    if not seg.text.isascii():
        latin, other = _letter_counts(seg.text)
        if latin + other >= MIN_LETTERS_TO_JUDGE and latin < MIN_LATIN_SHARE * (latin + other):
            return False
    if len(seg.words) < MIN_WORDS_TO_JUDGE:
        return True
    return english_share(seg) >= MIN_ENGLISH_SHARE
