"""Small generated news stories for the index tests (written here; no outlet's text)."""

from __future__ import annotations

import random

_FIRST = [
    "Anne",
    "Lars",
    "Ingrid",
    "Tomas",
    "Maria",
    "Jonas",
    "Elena",
    "Pavel",
    "Sofia",
    "Henrik",
    "Clara",
    "Magnus",
    "Ruth",
    "Oskar",
    "Nina",
    "Viktor",
]
_LAST = [
    "Berg",
    "Eide",
    "Solberg",
    "Haugen",
    "Larsen",
    "Moen",
    "Dahl",
    "Lunde",
    "Strand",
    "Bakke",
    "Holm",
    "Vik",
    "Aas",
    "Lie",
    "Nygaard",
    "Foss",
]
_PLACES = [
    "Tromso",
    "Bergen",
    "Alta",
    "Bodo",
    "Molde",
    "Narvik",
    "Hamar",
    "Skien",
    "Arendal",
    "Harstad",
    "Gjovik",
    "Kongsberg",
    "Halden",
    "Steinkjer",
]
_THINGS = [
    "bridge",
    "school",
    "hospital",
    "ferry",
    "line",
    "road",
    "tunnel",
    "harbour",
    "library",
    "stadium",
    "depot",
    "station",
]
_ROLES = [
    "police spokeswoman",
    "council leader",
    "fire chief",
    "county engineer",
    "union official",
    "school head",
]
_TEMPLATES = [
    "Officials in {place} said on {day} that {n1} homes were evacuated after water reached the {thing}.",
    "{name}, a {role}, told reporters that {n2} people had been moved to a shelter near the {thing}.",
    '"We have never seen the river this high in {place}," said {name} outside the {thing} on {day}.',
    "The county said repairs to the {thing} would cost {n3} million kroner and take about {n4} weeks.",
    "Residents of {place} were asked to register at the town hall, where volunteers had set up {n5} beds.",
    "According to {name2}, the {thing} in {place} had been inspected only {n4} months before it failed.",
    "Engineers from the road agency arrived in {place} to examine the {thing} and the slope above it.",
    "The mayor of {place} promised that families would be paid for the nights spent away from home.",
]


def story(seed: int) -> str:
    """Return one distinct story of eight sentences, deterministic in ``seed``."""
    rng = random.Random(seed)
    slots = {
        "place": rng.choice(_PLACES) + ("vik" if seed % 3 else ""),
        "day": rng.choice(["Monday", "Tuesday", "Friday", "Sunday"]),
        "thing": rng.choice(_THINGS),
        "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        "name2": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
        "role": rng.choice(_ROLES),
        "n1": 100 + seed * 7 % 900,
        "n2": 20 + seed * 13 % 500,
        "n3": 2 + seed % 97,
        "n4": 3 + seed % 11,
        "n5": 40 + seed * 3 % 300,
    }
    sents = [t.format(**slots) for t in _TEMPLATES]
    rng.shuffle(sents)
    return " ".join(sents[:4]) + "\n\n" + " ".join(sents[4:]) + f" Case number {seed} was opened."
