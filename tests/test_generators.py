from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect import generators as g

# Invented texts: no third-party sentences.
STORY = (
    "The harbour council in Norrvik voted on Monday to close the old ferry terminal by March.\n\n"
    'Council leader Ingrid Salo said the building had become too costly to repair. "We looked at every '
    'option," she told reporters after the vote, which passed by nine votes to four.\n\n'
    "Ferry operator Baltline, which carries about 3,000 passengers a week, said it would move its "
    "sailings to the north quay. Its chief executive, Marko Lind, said ticket prices would not change.\n\n"
    "Residents opposed to the closure handed in a petition with 1,200 signatures last month. One of "
    "them, shop owner Ella Berg, said the decision would hurt trade on the waterfront."
)
DONOR = (
    "A new cycle lane opened in Vesterby on Friday after two years of roadworks.\n\n"
    "The city's transport office said the lane cost 4.1 million kroner and would be cleared of snow first."
)


def _variant(kind: str, seed: int) -> str:
    return g.make_variant(STORY, random.Random(seed), donors=[DONOR], kinds=[kind])[1]


@pytest.mark.parametrize("kind", sorted(g.GENERATORS))
def test_each_generator_changes_the_text_and_is_deterministic(kind: str) -> None:
    a = _variant(kind, 1)
    assert a != STORY
    assert a == _variant(kind, 1)


@pytest.mark.parametrize("kind", sorted(g.GENERATORS))
def test_generators_vary_with_the_seed(kind: str) -> None:
    outs = {_variant(kind, s) for s in range(8)}
    assert len(outs) >= 6


def test_filler_uses_the_articles_own_words_and_many_forms() -> None:
    topics = g.topic_words(STORY)
    assert "council" in [t.lower() for t in topics]
    rng = random.Random(0)
    sents = [g.filler_sentence(rng, topics) for _ in range(300)]
    assert len(set(sents)) > 250
    # Skeletons (topic words blanked) are varied too: not a fixed list.
    skeletons = {
        re.sub("|".join(map(re.escape, sorted(topics, key=len, reverse=True))), "_", s) for s in sents
    }
    assert len(skeletons) > 150
    assert sum(any(t in s for t in topics) for s in sents) > 200


def test_pad_keeps_every_original_sentence_and_adds_filler() -> None:
    out = _variant("pad", 3)
    assert len(out) > len(STORY)
    for para in STORY.split("\n\n"):
        first = para.split(". ")[0]
        assert first in out


def test_template_adds_blocks_in_random_forms() -> None:
    heads = set()
    for s in range(30):
        out = _variant("template", s)
        heads.add(out.split("\n", 1)[0])
    assert len(heads) > 10


def test_spin_swaps_words_from_the_table() -> None:
    table = g.load_synonyms()
    assert "said" in table and "stated" in table["said"]
    assert all(w not in alts for w, alts in table.items())
    out = _variant("spin", 2)
    assert out.split() != STORY.split()


def test_stitch_borrows_from_donors() -> None:
    found = False
    for s in range(10):
        out = _variant("stitch", s)
        found |= "cycle lane" in out
        assert "harbour council" in out or "Norrvik" in out
    assert found


def test_chrome_adds_short_lines_around_the_body() -> None:
    out = _variant("chrome", 5)
    lines = out.split("\n")
    assert sum(len(line.split()) <= 4 for line in lines) >= 3
    assert "Ingrid Salo" in out


def test_make_variant_combines_generators() -> None:
    names = {g.make_variant(STORY, random.Random(s), donors=[DONOR])[0] for s in range(60)}
    assert any("+" in n for n in names)
    assert len(names) > 8


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=400), seed=st.integers(0, 2**32 - 1))
def test_any_text_gives_a_string(text: str, seed: int) -> None:
    name, out = g.make_variant(text, random.Random(seed), donors=[DONOR, ""])
    assert isinstance(out, str)
    assert all(part in g.GENERATORS for part in name.split("+"))


@pytest.mark.parametrize("seed", range(12))
def test_residue_adds_one_or_two_lines_and_keeps_the_text(seed: int) -> None:
    out = g.residue(STORY, random.Random(seed))
    assert out == g.residue(STORY, random.Random(seed))
    kept = [line for line in STORY.split("\n") if line]
    lines = [line for line in out.split("\n") if line]
    added = [line for line in lines if line not in kept]
    assert 1 <= len(added) <= 2
    assert [line for line in lines if line in kept] == kept  # every original line, in order
    assert all(len(line.split()) <= 12 for line in added)


@settings(max_examples=40, deadline=None)
@given(text=st.text(max_size=300), seed=st.integers(0, 2**32 - 1))
def test_residue_of_any_text_contains_the_text(text: str, seed: int) -> None:
    out = g.residue(text, random.Random(seed))
    assert all(line in out for line in text.split("\n"))
