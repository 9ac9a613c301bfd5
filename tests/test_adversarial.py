"""Evasion: invisible and look-alike characters must not change what the model sees.

A content farm can copy or pad an article and then sprinkle zero-width
characters, homoglyphs (Cyrillic ``а`` for Latin ``a``), full-width or
mathematical letters, soft hyphens, odd white space, combining marks and HTML
entities through it, so that shingles and word lists no longer match. The text
layer undoes all of these before any feature is computed. The tests here apply
the mutations (chosen by Hypothesis) to farm texts made by
:mod:`boilerplate_detect.generators` and check that

* the word tokens, lines and sentences are identical to the unmutated text's;
* every feature moves by at most :data:`FEATURE_TOLERANCE`;
* the Detector's originality moves by at most :data:`ORIGINALITY_TOLERANCE`
  (documented in ``docs/robustness.md``).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boilerplate_detect import generators
from boilerplate_detect.features import Context, extract, load_resources
from boilerplate_detect.language import is_supported
from boilerplate_detect.text import normalise, segment
from tests.texts import CLEAN_NEWS, INDEPENDENT_NEWS

#: Largest change of the Detector's originality a mutation may cause.
ORIGINALITY_TOLERANCE = 0.02
#: Largest change of any single feature value a mutation may cause.
FEATURE_TOLERANCE = 1e-9

# --------------------------------------------------------------------------- originals
# Written for these tests; not taken from any outlet.
ORIGINALS = (
    CLEAN_NEWS,
    INDEPENDENT_NEWS,
    "The city council of Aarhus voted 17 to 14 on Tuesday to close the old harbour bridge to cars from "
    "March. Deputy mayor Karen Holm said the 1936 bridge needed repairs costing 48 million kroner. "
    '"We cannot keep patching it every winter," Holm told the meeting. Shop owners on Havnegade said '
    "they feared losing customers, and a petition against the closure has 3,200 signatures. Buses and "
    "bicycles will still be allowed across while engineers replace the deck.\n\n"
    "The work is expected to take two years. A ferry between the two quays will run every 20 minutes "
    "during the closure, the council said.",
    "Firefighters in Girona contained a forest fire on Sunday after it burned about 230 hectares near "
    "the village of Sant Feliu, the regional fire service said. About 400 residents spent the night in a "
    "sports hall. Jordi Puig, a spokesman for the service, said strong winds had carried embers across "
    'the C-65 road. "The next 48 hours are critical," Puig said. No injuries were reported. Police '
    "have opened an inquiry into the cause of the blaze, which began near a rubbish tip.",
)

FARM_KINDS = (("pad",), ("template",), ("chrome",), ("keywords",), ("pad", "template"), ("stitch",))


def farm_texts() -> list[str]:
    """Padded, templated, chrome-wrapped, keyword-stuffed and stitched copies of the originals."""
    out = []
    syn = generators.load_synonyms()
    for i, text in enumerate(ORIGINALS):
        for j, kinds in enumerate(FARM_KINDS):
            rng = random.Random(1000 * i + j)
            donors = [t for t in ORIGINALS if t is not text]
            out.append(generators.make_variant(text, rng, donors=donors, synonyms=syn, kinds=kinds)[1])
    return out


FARM_TEXTS = farm_texts()

# --------------------------------------------------------------------------- mutations
_ZERO_WIDTH = (
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u034f", "\u180e", "\u2063", "\u202e",
    "\u2066", "\u2069", "\ufe0f", "\U000e0100", "\U000e0041", "\u3164", "\u061c", "\u200e",
)  # fmt: skip
_HOMOGLYPH_OF = {
    "a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "y": "\u0443",
    "x": "\u0445", "i": "\u0456", "s": "\u0455", "h": "\u04bb", "A": "\u0391", "B": "\u0392",
    "E": "\u0415", "H": "\u041d", "K": "\u039a", "M": "\u041c", "O": "\u039f", "P": "\u0420",
    "T": "\u0422", "X": "\u03a7", "C": "\u0421", "v": "\u03bd", "u": "\u057d", "g": "\u0261",
}  # fmt: skip
_ODD_SPACES = ("\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\u205f", "\u3000", "\t", "  ", " \u200b ")
_MARKS = ("\u0301", "\u0308", "\u0336", "\u20d2")


def _fullwidth(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch


def _math_bold(ch: str) -> str:
    if "a" <= ch <= "z":
        return chr(0x1D41A + ord(ch) - ord("a"))
    if "A" <= ch <= "Z":
        return chr(0x1D400 + ord(ch) - ord("A"))
    if "0" <= ch <= "9":
        return chr(0x1D7CE + ord(ch) - ord("0"))
    return ch


def _per_char(text: str, rng: random.Random, rate: float, fn: Callable[[str], str]) -> str:
    return "".join(fn(c) if rng.random() < rate else c for c in text)


def zero_width(text: str, rng: random.Random, rate: float) -> str:
    """Insert invisible characters (zero-width, soft hyphen, bidi, tags, fillers) after letters."""
    return _per_char(text, rng, rate, lambda c: c + rng.choice(_ZERO_WIDTH) if c.isalpha() else c)


def homoglyphs(text: str, rng: random.Random, rate: float) -> str:
    """Swap Latin letters for Cyrillic, Greek and Armenian look-alikes."""
    return _per_char(text, rng, rate, lambda c: _HOMOGLYPH_OF.get(c, c))


def fullwidth(text: str, rng: random.Random, rate: float) -> str:
    """Write characters (letters, digits, punctuation) in their full-width forms."""
    return _per_char(text, rng, rate, _fullwidth)


def math_letters(text: str, rng: random.Random, rate: float) -> str:
    """Write letters and digits as mathematical bold characters."""
    return _per_char(text, rng, rate, _math_bold)


def odd_whitespace(text: str, rng: random.Random, rate: float) -> str:
    """Replace spaces with other white space and line breaks with CR LF."""
    return _per_char(
        text, rng, rate, lambda c: rng.choice(_ODD_SPACES) if c == " " else ("\r\n" if c == "\n" else c)
    )


def entities(text: str, rng: random.Random, rate: float) -> str:
    """Write characters as decimal, hexadecimal or named HTML entities."""

    def enc(c: str) -> str:
        if c == "&":
            return "&amp;"
        if c == "'":
            return rng.choice(("&#39;", "&rsquo;", "&apos;"))
        if c == '"':
            return rng.choice(("&quot;", "&ldquo;", "&#34;"))
        if c.isalnum():
            return f"&#{ord(c)};" if rng.random() < 0.5 else f"&#x{ord(c):x};"
        return c

    return _per_char(text, rng, rate, enc)


def curly_quotes(text: str, rng: random.Random, rate: float) -> str:
    """Write straight quotes and hyphens as curly quotes and dashes."""
    table = {"'": ("\u2019", "\u2018"), '"': ("\u201c", "\u201d", "\u00ab"), "-": ("\u2010", "\u2011")}
    return _per_char(text, rng, rate, lambda c: rng.choice(table[c]) if c in table else c)


def combining_marks(text: str, rng: random.Random, rate: float) -> str:
    """Put generic combining marks (accents, strokes) on letters."""
    return _per_char(text, rng, rate, lambda c: c + rng.choice(_MARKS) if c.isalpha() else c)


MUTATIONS: dict[str, Callable[[str, random.Random, float], str]] = {
    "zero_width": zero_width,
    "homoglyphs": homoglyphs,
    "fullwidth": fullwidth,
    "math_letters": math_letters,
    "odd_whitespace": odd_whitespace,
    "entities": entities,
    "curly_quotes": curly_quotes,
    "combining_marks": combining_marks,
}


def mutate(text: str, names: tuple[str, ...], seed: int, rate: float) -> str:
    """Apply the named mutations with one seeded random source, HTML entities last.

    Entities come last as in a real page: an entity whose ``&#...;`` is itself written
    in full-width or split by a zero-width character is shown literally by a browser.
    """
    rng = random.Random(seed)
    for n in sorted(names, key=lambda n: n == "entities"):
        text = MUTATIONS[n](text, rng, rate)
    return text


mutation_names = st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=4, unique=True).map(tuple)
rates = st.sampled_from((0.05, 0.3, 1.0))
texts = st.sampled_from(FARM_TEXTS + list(ORIGINALS))


# --------------------------------------------------------------------------- text layer
@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("empty", "", ""),
        ("word-of-confusables", "\u0430 \u0441\u043e\u0440\u0435 of news", "a cope of news"),
        ("cyrillic-sentence-kept", "\u0430 \u0441\u043e\u0440", "\u0430 \u0441\u043e\u0440"),
        (
            "greek-kept",
            "\u03ba\u03b1\u03b9 \u03bb\u03cc\u03b3\u03bf\u03c2",
            "\u03ba\u03b1\u03b9 \u03bb\u03cc\u03b3\u03bf\u03c2",
        ),
        ("first-letter-confusable", "\u0441\u0430t", "cat"),
        ("armenian-o", "g\u0585od", "good"),
        ("combining-acute", "pa\u0301dded", "padded"),
        ("vs-supplement", "pad\U000e0100ded", "padded"),
        ("hangul-filler", "pad\u3164ded", "padded"),
        ("tag-characters", "pad\U000e0041\U000e007fded", "padded"),
        ("math-bold", "\U0001d41b\U0001d428\U0001d425\U0001d41d", "bold"),
        ("fullwidth-punct", "\uff28\uff49\uff01", "Hi!"),
        ("rtl-override", "\u202epadded\u202c", "padded"),
        ("entity-letters", "p&#97;d&#x64;ed", "padded"),
    ],
    ids=lambda v: v if isinstance(v, str) and v.isascii() and " " not in v and v else None,
)
def test_evasion_table(name: str, raw: str, expected: str) -> None:
    assert normalise(raw) == expected, name


def test_cyrillic_text_keeps_its_letters() -> None:
    ru = "В городе сор и а также"  # "сор" and "а" are made only of Latin look-alikes
    assert normalise(ru) == ru


@given(text=texts, names=mutation_names, seed=st.integers(0, 2**32 - 1), rate=rates)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutations_leave_tokens_unchanged(text: str, names: tuple[str, ...], seed: int, rate: float) -> None:
    base = segment(text)
    mut = segment(mutate(text, names, seed, rate))
    assert mut.words == base.words
    assert len(mut.sentences) == len(base.sentences)
    assert len(mut.lines) == len(base.lines)
    assert mut.line_paragraph == base.line_paragraph


@functools.lru_cache(maxsize=1)
def _resources() -> dict[str, object]:
    return load_resources()


def feature_shift(text: str, mutated: str) -> float:
    """Return the largest absolute change of any feature value caused by a mutation."""
    a, _ = extract(segment(text), _resources(), Context())
    b, _ = extract(segment(mutated), _resources(), Context())
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


@given(text=texts, names=mutation_names, seed=st.integers(0, 2**32 - 1), rate=rates)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutations_leave_features_unchanged(
    text: str, names: tuple[str, ...], seed: int, rate: float
) -> None:
    shift = feature_shift(text, mutate(text, names, seed, rate))
    assert shift <= FEATURE_TOLERANCE, (names, rate, shift)


@pytest.mark.parametrize("name", sorted(MUTATIONS), ids=sorted(MUTATIONS))
def test_every_mutation_changes_the_raw_text(name: str) -> None:
    # Guard against a mutation that silently does nothing (the tests above would then prove nothing).
    text = FARM_TEXTS[0]
    mutated = mutate(text, (name,), 7, 1.0)
    assert mutated != text
    assert segment(mutated).words == segment(text).words


# --------------------------------------------------------------------------- detector
@pytest.fixture(scope="module")
def bundled_detector():  # type: ignore[no-untyped-def]
    from boilerplate_detect import Detector
    from boilerplate_detect.errors import ModelLoadError

    try:
        return Detector.load()
    except ModelLoadError as exc:  # the bundled model is being retrained for a new feature schema
        pytest.skip(f"bundled model does not load: {exc}")


@given(text=texts, names=mutation_names, seed=st.integers(0, 2**32 - 1), rate=rates)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_originality_within_tolerance(
    bundled_detector,  # type: ignore[no-untyped-def]
    text: str,
    names: tuple[str, ...],
    seed: int,
    rate: float,
) -> None:
    base = bundled_detector.score(text)
    mut = bundled_detector.score(mutate(text, names, seed, rate))
    assert abs(mut.originality - base.originality) <= ORIGINALITY_TOLERANCE
    assert mut.label == base.label
    assert [r for r in mut.reasons if r != "truncated"] == [r for r in base.reasons if r != "truncated"]


# --------------------------------------------------------------------------- other languages
# Short news texts written for this test, one per language.
FOREIGN = {
    "german": "Der Stadtrat von Bremen hat am Dienstag beschlossen, die alte Brücke am Hafen ab März für "
    "Autos zu sperren. Die Reparatur würde nach Angaben der Verwaltung rund zwölf Millionen Euro kosten. "
    "Die Händler in der Innenstadt befürchten, dass ihnen die Kunden fehlen werden, und haben eine "
    "Unterschriftensammlung gestartet. Busse und Fahrräder dürfen weiterhin über die Brücke fahren.",
    "spanish": "El ayuntamiento de Valencia aprobó el martes cerrar el viejo puente del puerto a los coches "
    "a partir de marzo. Según los técnicos municipales, la reparación costaría unos doce millones de euros. "
    "Los comerciantes del centro temen perder clientes y han empezado a recoger firmas contra el cierre. "
    "Los autobuses y las bicicletas podrán seguir cruzando mientras duren las obras.",
    "french": "Le conseil municipal de Nantes a voté mardi la fermeture aux voitures du vieux pont du port "
    "à partir du mois de mars. Selon les services de la ville, les travaux coûteraient environ douze "
    "millions d'euros. Les commerçants du centre craignent de perdre leurs clients et ont lancé une "
    "pétition. Les bus et les vélos pourront toujours traverser pendant les travaux.",
    "russian": "Городской совет Казани во вторник решил закрыть старый мост в порту для автомобилей с "
    "марта. По словам инженеров, ремонт обойдётся примерно в двенадцать миллионов рублей. Владельцы "
    "магазинов в центре опасаются потерять покупателей и начали собирать подписи против закрытия. "
    "Автобусы и велосипеды смогут проезжать по мосту во время работ.",
    "chinese": "市议会周二投票决定，从三月起禁止汽车通过港口的旧桥。"
    "据市政工程师估计，维修费用约为一千二百万元。"
    "市中心的商店店主担心失去顾客，并已开始征集签名反对关闭。施工期间，公交车和自行车仍可通行。"
    "一名官员表示，工程预计需要两年时间完成，其间港口两岸之间将每二十分钟开行一班渡轮。",
    "arabic": "قرر مجلس المدينة يوم الثلاثاء إغلاق الجسر القديم في الميناء أمام السيارات اعتبارا من شهر "
    "مارس. وقال المهندسون إن تكلفة الإصلاح تبلغ نحو اثني عشر مليون دينار. ويخشى أصحاب المتاجر في وسط "
    "المدينة من خسارة زبائنهم وبدأوا بجمع التوقيعات ضد الإغلاق. وستواصل الحافلات والدراجات عبور الجسر.",
    "mixed-script": "Городской совет решил закрыть мост. 市议会周二投票决定禁止汽车通过港口的旧桥。"
    "قرر مجلس المدينة إغلاق الجسر القديم في الميناء. Der Stadtrat hat die Brücke für Autos gesperrt, "
    "und die Händler befürchten Verluste. Владельцы магазинов начали собирать подписи против закрытия. "
    "施工期间，公交车和自行车仍可通行。",
}

ENGLISH_WITH_FOREIGN_NAMES = (
    "The mayor of Nantes, Johanna Rolland, said on Tuesday that the Pont Anne-de-Bretagne would close to "
    "cars in March. Traders on the Quai de la Fosse and the Rue Kervégan said they feared losing customers. "
    "Jean-Pierre Lefèvre, who runs a café called Le Petit Marché, told reporters that half of his trade "
    "came from drivers. The city said buses and bicycles would still be able to cross during the works."
)


# language.py judges only texts of >= 12 word tokens, and Chinese has no spaces: a whole
# clause is one token, so a short Chinese article counts as "supported" (it is then only
# protected by the too_short rule). Reported to the owner of language.py.
FOREIGN_PARAMS = list(FOREIGN)


@pytest.mark.parametrize("lang", FOREIGN_PARAMS, ids=list(FOREIGN))
def test_foreign_text_is_not_supported(lang: str) -> None:
    assert not is_supported(segment(FOREIGN[lang]))


def test_english_with_foreign_names_is_supported() -> None:
    assert is_supported(segment(ENGLISH_WITH_FOREIGN_NAMES))
    for t in ORIGINALS:
        assert is_supported(segment(t))


@pytest.mark.parametrize("lang", FOREIGN_PARAMS, ids=list(FOREIGN))
def test_foreign_text_is_reported_outside_the_domain(bundled_detector, lang: str) -> None:  # type: ignore[no-untyped-def]
    rep = bundled_detector.score(FOREIGN[lang])
    assert "unsupported_language" in rep.reasons
    assert rep.label == "original"


def test_english_with_foreign_names_is_scored(bundled_detector) -> None:  # type: ignore[no-untyped-def]
    rep = bundled_detector.score(ENGLISH_WITH_FOREIGN_NAMES)
    assert "unsupported_language" not in rep.reasons


@pytest.mark.parametrize("lang", list(FOREIGN), ids=list(FOREIGN))
def test_padded_foreign_farm_is_not_scored_as_farm(bundled_detector, lang: str) -> None:  # type: ignore[no-untyped-def]
    # Repetition would make a farm-looking English text; in another language it stays unjudged.
    rep = bundled_detector.score((FOREIGN[lang] + "\n\n") * 5)
    assert "unsupported_language" in rep.reasons
    assert rep.label == "original"
