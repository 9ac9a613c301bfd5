"""Is a text in the language the model was trained for (English)?

A cheap check on the shared segmentation: the share of tokens that are common
English function words. English news runs at about 0.35-0.50; other languages,
even Latin-script ones, stay under 0.10. Texts with too few words are not judged.
"""

from __future__ import annotations

from boilerplate_detect.text import Segmented

__all__ = ["MIN_ENGLISH_SHARE", "MIN_WORDS_TO_JUDGE", "english_share", "is_supported"]

#: Below this many words the language is not judged (the text counts as supported).
MIN_WORDS_TO_JUDGE = 12
#: A text whose English function-word share is below this is outside the model's domain.
MIN_ENGLISH_SHARE = 0.12

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
    hits = sum(1 for w in seg.words if w in _ENGLISH)
    return hits / len(seg.words)


def is_supported(seg: Segmented) -> bool:
    """Return False when the text is clearly not English (too short a text counts as supported)."""
    if len(seg.words) < MIN_WORDS_TO_JUDGE:
        return True
    return english_share(seg) >= MIN_ENGLISH_SHARE
