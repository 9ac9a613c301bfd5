from __future__ import annotations

import math
import socket
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.features import Context, check_family
from boilerplate_detect.features import readability as read
from boilerplate_detect.text import segment


@pytest.fixture(scope="module")
def res() -> read.Resources:
    return read.load()


def _values(text: str, res: read.Resources) -> dict[str, float]:
    out = read.extract(segment(text), res, Context())
    return dict(zip(read.NAMES, out.values, strict=True))


def test_declarations() -> None:
    assert check_family(read) == []


# "The cat sat on the mat.": 6 one-syllable words, one sentence.
CAT = "The cat sat on the mat."


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("", "read.flesch", 0.0),
        ("", "read.fog", 0.0),
        ("", "read.sent_len_cv", 0.0),
        (CAT, "read.flesch", 206.835 - 1.015 * 6 - 84.6 * 1),
        (CAT, "read.fk_grade", 0.39 * 6 + 11.8 * 1 - 15.59),
        (CAT, "read.fog", 0.4 * 6),
        # "investigation" (5 syllables, not an easy word) is difficult: 0.4 * (4 + 100 * 1 / 4).
        ("They began an investigation.", "read.fog", 0.4 * (4 + 25)),
        # Two-word sentences do not count as sentences (textstat's rule): 7 words / 1 sentence.
        ("Yes sir. The cat sat down.", "read.sent_len_mean", 4.0),
        ("One two three. One two three four five.", "read.sent_len_mean", 4.0),
        ("One two three. One two three four five.", "read.sent_len_cv", 1 / 4),
        ("I think we like the cat.", "read.fw_pronoun_rate", 2 / 6),
        ("I think we like the cat.", "read.fw_article_rate", 1 / 6),
        ("It was said that it could be done.", "read.fw_aux_rate", 3 / 8),
        ("It is very very late, perhaps.", "read.fw_hedge_rate", 3 / 6),
        # "it is worth noting", "underscores" and "amid": 3 in 12 words.
        ("It is worth noting that the deal underscores a shift amid talks.", "read.stock_phrase_rate", 25.0),
        ("The amidst-ship crew", "read.stock_phrase_rate", 100 / 4),  # "amidst" is a token of its own
        ("Pyramids amid the sand.", "read.stock_phrase_rate", 100 / 4),
        ("The pyramid stood.", "read.stock_phrase_rate", 0.0),  # no partial-word matches
    ],
    ids=[
        "empty-flesch",
        "empty-fog",
        "empty-cv",
        "flesch",
        "fk-grade",
        "fog-easy",
        "fog-difficult",
        "short-sentences-ignored",
        "sent-len-mean",
        "sent-len-cv",
        "pronouns",
        "articles",
        "auxiliaries",
        "hedges",
        "stock-phrases",
        "stock-hyphen",
        "stock-word",
        "stock-partial",
    ],
)
def test_table(res: read.Resources, text: str, name: str, expected: float) -> None:
    assert _values(text, res)[name] == pytest.approx(expected)


def test_empty_text_is_all_zero(res: read.Resources) -> None:
    assert read.extract(segment(""), res, Context()).values == (0.0,) * len(read.NAMES)


@pytest.mark.parametrize(
    ("word", "expected"),
    [("340", 1), ("kvaloya", 2), ("lindholm", 2), ("strandgate", 2), ("brattle", 2), ("xyz", 1), ("tsk", 1)],
    ids=["number", "vowel-groups", "two-groups", "silent-e", "final-le", "y-vowel", "no-vowel"],
)
def test_fallback_syllables(word: str, expected: int) -> None:
    assert read.fallback_syllables(word) == expected


def test_out_of_dictionary_words_use_the_fallback(res: read.Resources) -> None:
    assert "kvaloyaberg" not in res.codes
    syllables = read._word_counts(["kvaloyaberg", "340", "the"], res)[0]
    assert syllables == read.fallback_syllables("kvaloyaberg") + 1 + 1


# --- equality with textstat --------------------------------------------------------------

# Texts whose tokens and sentences textstat and the shared segmentation agree on: no hyphens,
# no decimal numbers, no abbreviations. "Kvaloya", "Lindholm" and "340" are not in the CMU
# dictionary: textstat's pyphen fallback is patched to our vowel-group rule for them.
EQUAL_TEXTS = [
    "The council voted on Tuesday to build a new barrier at the mouth of the river. Residents were "
    "divided about the plan. Engineers said the gates should cope with a higher sea level by the end "
    "of the century.",
    "Officials announced an extraordinary investigation into the unexpected collapse. It's unclear "
    "what happened. Nobody has explained why the authorities waited so long before evacuating "
    "Kvaloya and Lindholm.",
    "We were lucky. The police told 340 families to leave their homes immediately! Would anybody "
    "have predicted such a catastrophe? Everyone agreed that communication was unsatisfactory.",
]


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError("network access attempted")


@pytest.fixture
def offline_textstat(monkeypatch: pytest.MonkeyPatch, res: read.Resources) -> Iterator[ModuleType]:
    """textstat with its CMU dictionary replaced by ours and every network path failing the test."""
    monkeypatch.setattr(socket, "socket", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    textstat = pytest.importorskip("textstat")
    import nltk
    from textstat.backend.counts import _count_syllables

    monkeypatch.setattr(nltk, "download", _no_network)
    ours = {w: [["AH1"] * n] for w, n in read._read_cmudict().items()}
    monkeypatch.setattr(_count_syllables, "get_cmudict", lambda lang: ours)
    monkeypatch.setattr(_count_syllables, "get_pyphen", lambda lang: _VowelRule())
    _clear_textstat_caches()
    yield textstat
    _clear_textstat_caches()


class _VowelRule:
    """Stands in for textstat's pyphen object: as many break points as our rule's syllables, less one."""

    def positions(self, word: str) -> list[int]:
        return list(range(read.fallback_syllables(word) - 1))


def _clear_textstat_caches() -> None:
    for name, mod in list(sys.modules.items()):
        if name.startswith("textstat"):
            for obj in vars(mod).values():
                clear = getattr(obj, "cache_clear", None)
                if callable(clear):
                    clear()


@pytest.mark.parametrize("text", EQUAL_TEXTS, ids=["plain", "oov-names", "numbers-questions"])
def test_formulas_equal_textstat(offline_textstat: ModuleType, res: read.Resources, text: str) -> None:
    ts = offline_textstat
    ours = _values(text, res)
    assert ours["read.flesch"] == pytest.approx(ts.flesch_reading_ease(text), abs=1e-9)
    assert ours["read.fk_grade"] == pytest.approx(ts.flesch_kincaid_grade(text), abs=1e-9)
    assert ours["read.fog"] == pytest.approx(ts.gunning_fog(text), abs=1e-9)


def test_load_and_extract_never_touch_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    from boilerplate_detect.features import repetition, specificity

    monkeypatch.setattr(socket, "socket", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    for fam in (read, repetition, specificity):
        r = fam.load()
        out = fam.extract(segment(EQUAL_TEXTS[1]), r, Context())
        assert len(out.values) == len(fam.NAMES)


def test_textstat_is_not_imported_by_load() -> None:
    import subprocess

    code = (
        "import sys\n"
        "from boilerplate_detect.features import readability as r\n"
        "r.load()\n"
        "print('textstat' in sys.modules, 'nltk' in sys.modules)"
    )
    from pathlib import Path

    run = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert run.stdout.split() == ["False", "False"]


_TEXTS = st.text(alphabet=st.sampled_from(list("aeiou bcdtK.!?\n'\"-19é")), max_size=300) | st.text(
    max_size=200
)


@settings(max_examples=150, deadline=None)
@given(text=_TEXTS)
def test_values_are_finite_in_range_and_deterministic(res: read.Resources, text: str) -> None:
    out = read.extract(segment(text), res, Context())
    assert len(out.values) == len(read.NAMES)
    for v, (lo, hi) in zip(out.values, read.RANGES, strict=True):
        assert math.isfinite(v) and lo <= v <= hi
    assert read.extract(segment(text), res, Context()) == out
    assert out.spans == []


def test_common_codes_are_entries_of_the_dictionary(res: read.Resources) -> None:
    assert 0 < len(res.common_codes) < len(res.codes)
    assert all(res.codes[w] == c for w, c in res.common_codes.items())


def _plain_word_counts(words: list[str], res: read.Resources) -> list[int]:
    """The word counts one word at a time, from the dictionary and the fallback rule (no memo)."""
    totals = [0] * (1 + len(read._FIELDS))
    for w in words:
        code = res.codes.get(w)
        if code is None:
            n = read.fallback_syllables(w)
            totals[0] += n
            totals[1] += n >= read.FOG_SYLLABLES and w not in res.easy_words
        else:
            totals = [t + v for t, v in zip(totals, read._unpack([code]), strict=True)]
    return totals


# A token with 40 vowel groups: more syllables than the packed field holds.
_LONG_TOKEN = "ba" * 40
_WORDS = st.sampled_from(
    ["the", "said", "government", "kvaloyaberg", "340", "it's", "you", "hedge", "delve", _LONG_TOKEN]
) | st.text(alphabet="abeioy'", min_size=1, max_size=12)


@settings(max_examples=80, deadline=None)
@given(batches=st.lists(st.lists(_WORDS, max_size=300), min_size=1, max_size=4), extra=st.integers(0, 300))
def test_memoised_word_counts_equal_the_plain_counts(
    res: read.Resources, batches: list[list[str]], extra: int
) -> None:
    # The memo is a cache: whatever it holds (fresh, warm, or cleared at a small bound on the
    # way), the counts equal the plain word-by-word counts.
    import dataclasses

    fresh = dataclasses.replace(res, memo_limit=len(res.common_codes) + extra)
    for words in batches:
        assert read._word_counts(words, fresh) == _plain_word_counts(words, res)
        assert read._word_counts(words, fresh) == _plain_word_counts(words, res)  # memo now warm
        assert len(fresh.memo) <= max(fresh.memo_limit, len(res.common_codes) + 1)


def test_memo_is_cleared_at_its_bound_and_values_stay_the_same(res: read.Resources) -> None:
    import dataclasses

    texts = [EQUAL_TEXTS[1], EQUAL_TEXTS[2], "Zorblat and Quixonia met Vrellinger at 4 pm. " * 3]
    small = dataclasses.replace(res, memo_limit=len(res.common_codes) + 5)
    assert small.memo == res.common_codes and small.memo is not res.memo
    for text in texts * 2:
        seg = segment(text)
        assert read.extract(seg, small, Context()) == read.extract(seg, read.load(), Context())
        assert len(small.memo) <= small.memo_limit
    assert "zorblat" in small.memo  # the last text's new words are remembered after the clear
    assert "kvaloya" not in small.memo  # ...and an earlier text's were dropped with it


def test_stock_phrases_repeated_back_to_back_count_as_str_count_does(res: read.Resources) -> None:
    # " amid amid " holds one non-overlapping " amid ": the counts are str.count's.
    assert _values("Troops amid amid the ruins.", res)["read.stock_phrase_rate"] == pytest.approx(100 / 5)
