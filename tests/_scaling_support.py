"""Invented articles and a stand-in model for the Spark and stream tests (no text copied from anywhere).

The stories are built from word pools with a seeded RNG, so every sentence is
new. Each story has a source, a verbatim copy with filler, a partial copy with
a site template, and an independent version; outlets carry a recurring footer
so that the per-outlet site context matters.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

PLACES = [
    "Varnholm",
    "Kessing",
    "Ostrava Bay",
    "Pellow Quay",
    "Drumlin",
    "Harrowgate",
    "Saltmere",
    "Wickford",
]
PEOPLE = ["Ines Calloway", "Tomas Reyland", "Olufemi Brandt", "Mira Soltan", "Jonas Ekdahl", "Priya Venn"]
ROLES = [
    "harbour master",
    "city engineer",
    "deputy mayor",
    "fire chief",
    "police spokeswoman",
    "council leader",
]
THINGS = [
    "bridge",
    "water main",
    "grain barge",
    "school roof",
    "ferry",
    "rail signal",
    "sea wall",
    "power line",
]
VERBS = ["closed", "repaired", "inspected", "reopened", "evacuated", "surveyed", "cordoned off", "rebuilt"]
UNITS = ["homes", "vehicles", "passengers", "metres", "households", "workers", "tonnes", "residents"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
FILLER = [
    "It remains to be seen how this will play out.",
    "Only time will tell what the future holds.",
    "This is a testament to the power of community.",
    "In today's fast-paced world, stories like this matter more than ever.",
]


def _sentence(rng: random.Random) -> str:
    p, r, t = rng.choice(PEOPLE), rng.choice(ROLES), rng.choice(THINGS)
    n, u, d, pl = rng.randint(12, 9800), rng.choice(UNITS), rng.choice(DAYS), rng.choice(PLACES)
    forms = [
        f"The {t} in {pl} was {rng.choice(VERBS)} on {d} after {n} {u} were affected, {r} {p} said.",
        f'"We expect the {t} to be {rng.choice(VERBS)} within {rng.randint(2, 19)} days," said {p}, the {r}.',
        f"About {n} {u} in {pl} depend on the {t}, according to figures from the {r}'s office.",
        f"{p} told reporters in {pl} that crews had {rng.choice(VERBS)} the {t} by {d} evening.",
        f"Officials in {pl} said {n} {u} had been moved while the {t} was {rng.choice(VERBS)}.",
    ]
    return rng.choice(forms)


def corpus(seed: int = 7, stories: int = 5) -> list[dict[str, Any]]:
    """Return invented articles: ``id, text, outlet, published`` (ISO dates), in a fixed order."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    footers = {
        "ledger.example": "Follow the Ledger on social media for the latest updates.",
        "buzz.example": "Subscribe to Buzz Daily for more stories like this one.",
    }
    for s in range(stories):
        body = [_sentence(rng) for _ in range(10)]
        day = 1 + s
        rows.append(
            {
                "id": f"s{s}-src",
                "text": " ".join(body),
                "outlet": "courier.example",
                "published": f"2025-03-{day:02d}T08:00:00",
            }
        )
        padded = body[:]
        for k in range(3):
            padded.insert(2 + 3 * k, FILLER[(s + k) % len(FILLER)])
        rows.append(
            {
                "id": f"s{s}-pad",
                "text": " ".join(padded) + "\n\n" + footers["buzz.example"],
                "outlet": "buzz.example",
                "published": f"2025-03-{day:02d}T11:00:00",
            }
        )
        half = body[:5] + [_sentence(rng) for _ in range(4)]
        rows.append(
            {
                "id": f"s{s}-part",
                "text": "\n\n".join([" ".join(half), "Key Points", footers["ledger.example"]]),
                "outlet": "ledger.example",
                "published": f"2025-03-{day + 1:02d}T09:00:00",
            }
        )
        rows.append(
            {
                "id": f"s{s}-ind",
                "text": " ".join(_sentence(rng) for _ in range(9)),
                "outlet": f"indie{s % 2}.example",
                "published": f"2025-03-{day:02d}T10:00:00",
            }
        )
    rows.append(
        {
            "id": "undated",
            "text": ". ".join(rows[0]["text"].split(". ")[:6]) + ".",
            "outlet": None,
            "published": None,
        }
    )
    rows.append({"id": "blank", "text": "   ", "outlet": "ledger.example", "published": None})
    return rows


class LinearModel:
    """A stand-in model: a fixed random linear function of every feature (pickles by reference)."""

    threshold = 0.5
    name = "linear-test"

    def __init__(self, n_features: int, seed: int = 0) -> None:
        self.w = np.random.default_rng(seed).normal(0.0, 1.0, n_features)

    def predict_originality(self, x: np.ndarray) -> np.ndarray:
        z = np.tanh(x) @ self.w / 3.0
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def contributions(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(np.tanh(x) * self.w / 3.0, dtype=np.float64)
