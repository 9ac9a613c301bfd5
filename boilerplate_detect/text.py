r"""The text layer: normalise once, segment once, keep offsets into the original.

Every feature family, the index and the span builder read one :class:`Segmented`
made by :func:`segment`. Nothing downstream tokenises again.

Normalisation (:func:`normalise`):

* NFKC per character (full-width letters, ligatures, compatibility forms);
* zero-width characters, soft hyphens, BOMs, bidi controls and other control
  characters removed;
* Cyrillic, Greek and Armenian letters that look like Latin ones (homoglyphs)
  mapped to Latin in every word that also holds a Latin letter, so ``"pаdded"``
  with a Cyrillic ``а`` reads as ``"padded"``; a word made only of such letters
  (``"соре"``) is mapped when the nearest word before or after it that is not
  made only of them is a Latin word, and kept in Cyrillic or Greek text;
* generic combining marks (U+0300-U+036F and kin) dropped, so ``"e\u0301"``
  reads as ``"e"`` and marks added to letters do not split words;
* curly quotes to straight quotes, dashes to ``-``, HTML entities decoded;
* runs of horizontal white space folded to one space; ``\\r\\n`` and other line
  separators to ``\\n``.

Texts longer than :data:`MAX_CHARS` characters are cut at that limit (at the
last line break or space before it) and :attr:`Segmented.truncated` is set.
"""

from __future__ import annotations

import bisect
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain

__all__ = ["MAX_CHARS", "Segmented", "normalise", "segment"]

#: Texts longer than this many characters are cut here; the report says ``truncated``.
MAX_CHARS = 500_000

_ZERO_WIDTH = frozenset(
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u206a"
    "\u206b\u206c\u206d\u206e\u206f\ufeff\ufe00\ufe01\ufe02\ufe03\ufe04\ufe05\ufe06\ufe07\ufe08"
    "\ufe09\ufe0a\ufe0b\ufe0c\ufe0d\ufe0e\ufe0f\u3164\uffa0"
)
# Generic combining marks and variation selectors (category Mn): dropped.
_MARKS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\U000e0100-\U000e01ef]"
)
_LINE_BREAKS = frozenset("\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_SPACES = "\t \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000"
_QUOTES = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"',
    "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-",
}  # fmt: skip
_QUOTES_TABLE = str.maketrans(_QUOTES)
# The commonest of them in news text (see _normalise_with_map).
_COMMON_QUOTES = tuple((c, _QUOTES[c]) for c in "\u2019\u201c\u201d\u2014\u2013\u2018")
# Cyrillic and Greek letters that render like Latin ones (Unicode confusables, the common subset).
_HOMOGLYPHS = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ո": "n",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S",
    "α": "a", "ο": "o", "ν": "v", "ι": "i", "κ": "k", "ρ": "p", "τ": "t", "υ": "u",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "օ": "o", "ս": "u", "ց": "g", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ǀ": "l",
}  # fmt: skip
_HOMOGLYPH_TABLE = str.maketrans(_HOMOGLYPHS)
_HOMOGLYPH_ANY = re.compile("[" + "".join(_HOMOGLYPHS) + "]")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
# Runs of words made only of homoglyphs next to a Latin word (see _map_homoglyphs).
_LATIN_NEIGHBOURS = re.compile(r"(?<=[LM])A+|(?<!A)A+(?=[LM])")
# A letter that is not a homoglyph (decides a word's script).
_PLAIN_LETTER = re.compile(r"[^\W\d_" + "".join(_HOMOGLYPHS) + "]")
# Latin letters, also as full-width and mathematical forms (NFKC makes them Latin later).
_LATIN = re.compile(
    "[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\uff21-\uff3a\uff41-\uff5a\U0001d400-\U0001d6a5]"
)

# What the single scan of normalise() stops at: runs of spaces, HTML entities, and any
# character outside printable ASCII except the ranges whose NFKC form is themselves
# (homoglyphs among them are mapped before the scan, by _map_homoglyphs).
_INVISIBLE = "".join(sorted(_ZERO_WIDTH)) + _MARKS.pattern[1:-1]
_KEEP = (
    r"\u00c0-\u00ff\u0100-\u0148\u014a-\u017e\u0391-\u03a1\u03a3-\u03ce\u0400-\u0482"
    r"\u048a-\u052f\u05d0-\u05ea\u0620-\u064a\u4e00-\u9fff\uac00-\ud7a3"
)
_ALTERNATIVES = (
    # In this order: a run of white space, also with invisible characters inside
    # ("a \u200b b"), is one space; an HTML entity; any single character outside printable
    # ASCII and _KEEP.
    rf"(?:(?<=[{_SPACES}])[{_SPACES}{_INVISIBLE}]*[{_SPACES}]"
    r"|(?<=&)(?:[A-Za-z][A-Za-z0-9]{1,30}|#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6});"
    rf"|(?<=[^\n\x20-\x7e{_KEEP}]))"
)
# The spans to normalise are the matches of _SPECIAL: a space, "&" or any character outside
# printable ASCII and _KEEP, then the first of _ALTERNATIVES that matches. The scan uses two
# cheaper patterns instead (see _special_spans): a single character class first lets the
# regex engine skip ordinary text fast, and leaving the ASCII space out of it saves a failed
# match attempt at every space between two words.
_SPECIAL = re.compile(rf"[^\n\x21-\x25\x27-\x7e{_KEEP}]" + _ALTERNATIVES)
_SPECIAL_NOT_SPACE = re.compile(rf"[^\n\x20-\x25\x27-\x7e{_KEEP}]" + _ALTERNATIVES)
# White-space runs that start with an ASCII space: two of them (found by a fast literal
# search), or one before another white-space or invisible character.
_TWO_SPACES_RUN = re.compile(rf"  (?:[{_SPACES}{_INVISIBLE}]*[{_SPACES}])?")
_SPACE_RUN = re.compile(rf" [{_SPACES}{_INVISIBLE}]*[{_SPACES}]")
_RUN_CHAR = re.compile(rf"[{_SPACES}{_INVISIBLE}]")


def _special_spans(text: str) -> list[tuple[int, int]]:
    """The spans of ``_SPECIAL.finditer(text)``, found faster.

    A match of _SPECIAL that does not start with an ASCII space is a match of
    _SPECIAL_NOT_SPACE at the same place, and the reverse. A match that starts with an
    ASCII space is a white-space run: it starts "  ", or " " before a character of
    _RUN_CHAR, which is itself the start of a _SPECIAL_NOT_SPACE match (a white-space
    run can only end a run that contains it, so it is not swallowed by an earlier match).
    A white-space run ends at the last white-space character of the stretch of white-space
    and invisible characters it starts, whichever of its characters it starts at; so the
    matches are the union of both kinds, leftmost first, dropping those inside an earlier one.
    """
    spans = [m.span() for m in _SPECIAL_NOT_SPACE.finditer(text)]
    extra = [m.span() for m in _TWO_SPACES_RUN.finditer(text)] if "  " in text else []
    for s, _ in spans:
        if s and text[s - 1] == " " and _RUN_CHAR.match(text, s):
            m = _SPACE_RUN.match(text, s - 1)
            if m is not None:
                extra.append(m.span())
    if not extra:
        return spans
    out: list[tuple[int, int]] = []
    last = 0
    for s, e in sorted(spans + extra):
        if s >= last:
            out.append((s, e))
            last = e
    return out


def _replacement(text: str, start: int, end: int) -> str:
    s = text[start:end]
    if len(s) > 1:
        if s[0] == "&":
            out = html.unescape(s)
            if len(out) == 1 and not ("\x20" <= out <= "\x7e"):
                # An entity for a curly quote, a no-break space, a zero-width character...
                # gets the same treatment as the character itself.
                out = _char_replacement(out, "\n")
            return out if out != s and "\n" not in out else s
        return " "
    return _char_replacement(s, "\n" if text.startswith("\n", end) else "")


def _char_replacement(c: str, following: str) -> str:
    if c in _ZERO_WIDTH:
        return ""
    if c == "\r":
        return "" if following == "\n" else "\n"
    if c in _LINE_BREAKS:
        return "\n"
    q = _QUOTES.get(c)
    if q is not None:
        return q
    if _MARKS.match(c):
        return ""
    cat = unicodedata.category(c)
    if cat[0] == "C":  # control, format, unassigned, private use, surrogate
        return " " if c == "\t" else ""
    if cat == "Zs":
        return " "
    out = unicodedata.normalize("NFKC", c)
    if out != c:
        # "ŉ" is "ʼn": the quote in it is straightened too, so that normalising twice changes nothing.
        return out.translate(_QUOTES_TABLE)
    return c


@dataclass(slots=True, eq=False)
class _OffsetMap:
    """Piecewise-linear map from normalised offsets to original offsets."""

    norm: list[int] = field(default_factory=lambda: [0])
    orig: list[int] = field(default_factory=lambda: [0])

    def add(self, norm_pos: int, orig_pos: int) -> None:
        self.norm.append(norm_pos)
        self.orig.append(orig_pos)

    def __call__(self, pos: int) -> int:
        i = bisect.bisect_right(self.norm, pos) - 1
        out = self.orig[i] + (pos - self.norm[i])
        if i + 1 < len(self.orig) and out > self.orig[i + 1]:
            return self.orig[i + 1]
        return out


def _map_homoglyphs(text: str) -> str:
    """Map homoglyphs to Latin word by word (see the module docstring); keeps every offset."""
    spans: list[tuple[int, int]] = []
    # One letter per word: "L" all ASCII, "M" Latin with non-ASCII letters (maybe
    # homoglyphs), "G" holds another script's letter, "A" made only of homoglyphs.
    kinds: list[str] = []
    for m in _LETTER_RUN.finditer(text):
        w = m.group()
        spans.append(m.span())
        if w.isascii():
            kinds.append("L")
        elif _LATIN.search(w):
            kinds.append("M")
        elif _PLAIN_LETTER.search(w):
            kinds.append("G")
        else:
            kinds.append("A")
    code = "".join(kinds)
    todo = [i for i, k in enumerate(code) if k == "M"]
    for m in _LATIN_NEIGHBOURS.finditer(code):
        todo.extend(range(m.start(), m.end()))
    if not todo:
        return text
    pieces = []
    last = 0
    for i in sorted(todo):
        s, e = spans[i]
        pieces.append(text[last:s])
        pieces.append(text[s:e].translate(_HOMOGLYPH_TABLE))
        last = e
    pieces.append(text[last:])
    return "".join(pieces)


# The characters of a text that needs at most its runs of spaces folded: printable ASCII
# but "&" (entities), and line breaks (as bytes: deleting them leaves the others).
_PLAIN_ASCII = bytes(sorted({*range(0x20, 0x7F), ord("\n")} - {ord("&")}))
# Runs of two or more ASCII spaces.
_SPACES_RUN = re.compile(r"  +")


def _normalise_with_map(text: str) -> tuple[str, _OffsetMap | None]:
    # Fast paths: printable ASCII (apart from line breaks) without "&" needs no change at
    # all when its spaces are single, and only its runs of spaces folded otherwise.
    if _is_plain_ascii(text):
        return (text, None) if "  " not in text else _fold_spaces(text)
    # The commonest curly quotes and dashes first, in bulk: each becomes the one character
    # _scan would put in its place, so every offset stays. The scan then has fewer spans
    # to replace; its offset map lacks their breakpoints, which map every offset as the
    # offsets around them do (a one-for-one replacement shifts nothing). When nothing else
    # needs the scan, the fast path above does its work.
    quoted = text
    for c, q in _COMMON_QUOTES:
        if c in quoted:
            quoted = quoted.replace(c, q)
    if quoted is not text and _is_plain_ascii(quoted):
        norm, omap = _fold_spaces(quoted) if "  " in quoted else (quoted, None)
    else:
        norm, omap = _scan(quoted)
    if omap is None and quoted is not text:
        omap = _OffsetMap()  # only quotes replaced: offsets kept (and clamped to the text, as before)
    if _may_hold_homoglyphs(norm) and _HOMOGLYPH_ANY.search(norm):
        # After the scan, so that words split by invisible characters or written with
        # entities are whole; the mapping keeps every offset.
        norm = _map_homoglyphs(norm)
    return norm, omap


def _is_plain_ascii(text: str) -> bool:
    """True when ``text`` needs at most its runs of spaces folded (see :data:`_PLAIN_ASCII`)."""
    return text.isascii() and not text.encode("ascii").translate(None, _PLAIN_ASCII)


def _may_hold_homoglyphs(text: str) -> bool:
    """False when no character of ``text`` is above U+00FF, as every homoglyph is."""
    if text.isascii():
        return False
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return True
    return False


def _fold_spaces(text: str) -> tuple[str, _OffsetMap]:
    """:func:`_scan` of a printable ASCII text without ``"&"``, tabs or carriage returns.

    The only spans such a text has to normalise are its runs of spaces (each becomes
    one space), so this gives the same text and the same offset map, with less work
    (``str.find`` skips to the next two spaces faster than a regex search).
    """
    pieces: list[str] = []
    norm_at = [0]
    orig_at = [0]
    last = 0
    npos = 0
    find = text.find
    s = find("  ")
    while s >= 0:
        e = s + 2
        if text.startswith(" ", e):  # a longer run (rare): its end in one call
            run = _SPACES_RUN.match(text, s)
            assert run is not None  # two spaces start at s
            e = run.end()
        pieces.append(text[last : s + 1])
        npos += s - last
        norm_at.append(npos)
        orig_at.append(s)
        npos += 1
        norm_at.append(npos)
        orig_at.append(e)
        last = e
        s = find("  ", e)
    pieces.append(text[last:])
    return "".join(pieces), _OffsetMap(norm_at, orig_at)


def _scan(text: str) -> tuple[str, _OffsetMap | None]:
    pieces: list[str] = []
    norm_at = [0]
    orig_at = [0]
    last = 0
    npos = 0
    quotes = _QUOTES
    for s, e in _special_spans(text):
        g = text[s:e]
        # The two commonest cases inline (a run of spaces, a curly quote or dash); the
        # same replacements as _replacement gives.
        if len(g) > 1 and g[0] != "&":
            r = " "
        else:
            q = quotes.get(g)
            if q is None:
                r = _replacement(text, s, e)
                if r == g:
                    continue
            else:
                r = q
        pieces.append(text[last:s])
        npos += s - last
        norm_at.append(npos)
        orig_at.append(s)
        pieces.append(r)
        npos += len(r)
        norm_at.append(npos)
        orig_at.append(e)
        last = e
    if last == 0 and not pieces:
        return text, None
    pieces.append(text[last:])
    return "".join(pieces), _OffsetMap(norm_at, orig_at)


def normalise(text: str) -> str:
    """Return the normalised form of a text (see the module docstring for the rules).

    Args:
        text: Any string.

    Returns:
        The normalised string; ``""`` for ``""``.
    """
    return _normalise_with_map(text)[0]


_WORD = re.compile(r"\w+(?:'\w+)*")
# A line stripped of its outer white space (str.strip): from its first to its last other character.
_STRIPPED_LINE = re.compile(r"[^\s](?:[^\n]*[^\s])?")
_BLANK_LINE = re.compile(r"\n[ ]*\n")
# ASCII fast path of the tokeniser: every character that cannot be in a word becomes a
# space, so ``str.split`` finds the same tokens as :data:`_WORD` (for ASCII, ``\w`` is
# ``[A-Za-z0-9_]``) once the apostrophes that are not inside a word are spaces too.
_ASCII_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'")
# The same translation lower-cases the letters (the ASCII path needs no str.lower copy).
_ASCII_TOKEN_TABLE = bytes(ord(chr(i).lower()) if chr(i) in _ASCII_WORD_CHARS else 32 for i in range(256))
# An apostrophe not between two word characters (in the translated text: letters, digits, "_").
_STRAY_APOSTROPHE = re.compile(r"'(?:(?![a-z0-9_])|(?<![a-z0-9_]'))")
# The tokeniser of other texts (_tokens) translates their UTF-8 bytes with this table:
# the ASCII characters as above, the bytes of every other character kept.
_UTF8_TOKEN_TABLE = bytes(i if i >= 128 or chr(i) in _ASCII_WORD_CHARS else 32 for i in range(256))
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# An apostrophe not between two word characters, once the characters that are neither word
# characters, white space nor apostrophes are spaces (a word character is anything else).
_STRAY_APOSTROPHE_ANY = re.compile(r"'(?:(?![^\s'])|(?<![^\s']'))")
# The lookbehind makes a match start only at the first mark of a run: linear on "....." lines.
# Group 1 is the end of the sentence: the marks and any closing quotes or brackets.
_SENT_END = re.compile(r"([.!?](?<![.!?]{2})[.!?]*[\"')\]]*)\s+(?=[\"'(\[]?[A-Z0-9])")
# The same, one pattern per first mark: the regex engine skips fast to a literal first
# character, not to a character class (_split_sentences). Their white space holds no line
# break ("[^\S\n]+" for "\s+"): a match of _SENT_END whose white space reaches a line break
# has only white space after its marks on their line, so the scan of that line alone does
# not find it (see _sentence_ends).
_SENT_ENDS = tuple(
    (
        mark,
        re.compile(
            "("
            + re.escape(mark)
            + _SENT_END.pattern.removeprefix("([.!?]").replace(r")\s+(?=", r")[^\S\n]+(?=")
        ),
    )
    for mark in ".!?"
)
_MATCH_START = re.Match.start
_ABBREV = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sen",
        "rep",
        "gov",
        "gen",
        "col",
        "lt",
        "sgt",
        "st",
        "jr",
        "sr",
        "inc",
        "corp",
        "co",
        "ltd",
        "no",
        "vs",
        "etc",
        "fig",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "u.s",
        "u.k",
        "e.g",
        "i.e",
        "a.m",
        "p.m",
        "rev",
        "hon",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "supt",
        "det",
        "insp",
    ]
)


# The last word before a mark is an abbreviation only if it is at most this long
# (single letters too), once lower-cased and stripped of opening quotes and brackets.
_ABBREV_MAX = max(map(len, _ABBREV))
# Too long for that: more characters than _ABBREV_MAX right before the mark, none of them
# white space, a quote or an opening bracket (lower-casing never shortens a character, nor
# makes one of those), so the stripped last word keeps all of them.
_TAIL = _ABBREV_MAX + 1
_LONG_TAIL = re.compile(rf"[^\s\"'(]{{{_TAIL}}}")


def _sentence_ends(text: str) -> list[re.Match[str]]:
    """The matches of :data:`_SENT_END` in every line of ``text``, in order.

    Found in the whole text, one pattern per mark (:data:`_SENT_ENDS`, whose white space
    holds no line break). A match of _SENT_END whose white space stays on its line ends
    before a character of that line, so the scan of that line alone finds it too; one
    whose white space reaches a line break has only white space after its marks on their
    line, so that scan does not, and neither do the patterns of _SENT_ENDS. Matches never
    overlap: each starts at the first mark of a run and holds no other run, so no match
    starts inside one that the line breaks rule out.
    """
    ends: list[re.Match[str]] = []
    kinds = 0
    for mark, pattern in _SENT_ENDS:
        if mark in text:
            ends.extend(pattern.finditer(text))
            kinds += 1
    if kinds > 1:
        ends.sort(key=_MATCH_START)
    return ends


def _split_sentences(
    text: str, lines: list[tuple[int, int]], out: list[tuple[int, int]], out_line: list[int]
) -> None:
    """Append the sentences of every line, and their line index, to ``out`` and ``out_line``."""
    if not lines:
        return
    long_tail = _LONG_TAIL.fullmatch
    append = out.append
    append_line = out_line.append
    li = 0
    start, le = lines[0]
    for m in _sentence_ends(text):  # in order; each within a line (it starts at a mark)
        ms = m.start()
        while ms >= le:  # the rest of line li, then the next line
            if start < le:
                append((start, le))
                append_line(li)
            li += 1
            start, le = lines[li]
        if ms - _TAIL < start or not (text[ms - _TAIL : ms].isalnum() or long_tail(text, ms - _TAIL, ms)):
            # Only the tail before the mark matters (abbreviations are short): slicing
            # the whole head made long lines of abbreviations quadratic. Letters and
            # digits are none of the characters _LONG_TAIL excludes (the common case,
            # without a regex call).
            head = text[ms - 40 if ms - 40 > start else start : ms].rsplit(None, 1)
            if head:
                last_word = head[-1].lower().lstrip("\"'(")
                if last_word in _ABBREV or (len(last_word) == 1 and last_word.isalpha()):
                    continue
        append((start, m.end(1)))
        append_line(li)
        start = m.end()
    while True:  # the rest of line li and the lines after it
        if start < le:
            append((start, le))
            append_line(li)
        li += 1
        if li == len(lines):
            break
        start, le = lines[li]


def _tokens(lower: str, sentences: list[tuple[int, int]]) -> list[list[str]]:
    r"""``_WORD.findall`` of every sentence of any text, by translations and splits.

    As :func:`_ascii_tokens`, for any script: ``\w`` is ``str.isalnum`` or ``"_"`` and
    ``\s`` is ``str.isspace``, so once every character that is neither (punctuation,
    symbols) and every apostrophe not between two word characters are spaces,
    ``str.split`` finds exactly the words. The ASCII characters are translated as
    bytes (the UTF-8 bytes of the others are kept); the few other characters that are
    neither are replaced one by one. A sentence always starts and ends next to white
    space or at an end of the text, so deciding the apostrophes on the whole text
    decides them as on each sentence alone.
    """
    spaced = (
        lower.encode("utf-8", "surrogatepass").translate(_UTF8_TOKEN_TABLE).decode("utf-8", "surrogatepass")
    )
    for c in set(_NON_ASCII.findall(lower)):
        if not (c.isalnum() or c.isspace()):
            spaced = spaced.replace(c, " ")
    if "'" in spaced:
        spaced = _STRAY_APOSTROPHE_ANY.sub(" ", spaced)
    return [spaced[s:e].split() for s, e in sentences]


def _ascii_tokens(text: str, sentences: list[tuple[int, int]]) -> list[list[str]]:
    """``_WORD.findall`` of every sentence of an ASCII text, lower-cased, by one translation and splits.

    A word is a run of word characters and apostrophes in which every apostrophe stands
    between two word characters; the other apostrophes become spaces like the other
    non-word characters, so ``str.split`` finds exactly the words. The translation also
    lower-cases the letters (as ``str.lower`` does for ASCII).
    """
    spaced = text.encode("ascii").translate(_ASCII_TOKEN_TABLE).decode("ascii")
    if "'" in spaced:
        spaced = _STRAY_APOSTROPHE.sub(" ", spaced)
    return [spaced[s:e].split() for s, e in sentences]


@dataclass(slots=True, eq=False)
class Segmented:
    """One text, normalised and segmented once.

    All offsets in ``paragraphs``, ``lines`` and ``sentences`` are into
    :attr:`text` (the normalised text); :meth:`to_original` maps them back.

    Attributes:
        original: The text as given (after truncation, if any).
        text: The normalised text.
        truncated: True when the input was longer than :data:`MAX_CHARS`.
        lines: ``(start, end)`` of every non-blank line, stripped of outer spaces.
        line_paragraph: For every line, the index of its paragraph.
        paragraphs: ``(start, end)`` of every paragraph: blocks between blank lines, or
            single lines when the text has no blank lines.
        sentences: ``(start, end)`` of every sentence; a line break always ends one.
        sentence_line: For every sentence, the index of its line.
        sentence_words: The lower-cased word tokens of every sentence.
        words: All lower-cased word tokens, in order.
    """

    original: str
    text: str
    truncated: bool
    lines: list[tuple[int, int]]
    line_paragraph: list[int]
    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    sentence_line: list[int]
    sentence_words: list[list[str]]
    words: list[str]
    _map: _OffsetMap | None = None
    _token_text: str = ""
    _word_starts: list[int] | None = None
    _joined: str | None = None

    def to_original(self, pos: int) -> int:
        """Map an offset into :attr:`text` to the matching offset into :attr:`original`."""
        if self._map is None:
            return pos
        return min(self._map(pos), len(self.original))

    def to_original_many(self, positions: Sequence[int]) -> list[int]:
        """Return :meth:`to_original` of every offset in ``positions``, in order.

        Most texts need no mapping, or only a clamp to the original's length (their
        normalisation replaced characters one for one): those skip the per-offset lookup.
        """
        m = self._map
        if m is None:
            return list(positions)
        if len(m.norm) == 1 and m.norm[0] == m.orig[0] and min(positions, default=0) >= m.norm[0]:
            top = len(self.original)
            return [p if p < top else top for p in positions]
        return list(map(self.to_original, positions))

    def line_text(self, i: int) -> str:
        """Return the normalised text of line ``i``."""
        s, e = self.lines[i]
        return self.text[s:e]

    def sentence_text(self, i: int) -> str:
        """Return the normalised text of sentence ``i``."""
        s, e = self.sentences[i]
        return self.text[s:e]

    def word_starts(self) -> list[int]:
        """Return the start offset (into :attr:`text`) of every word in :attr:`words`.

        Computed on first use and kept on this object; most features never need it.
        """
        if self._word_starts is None:
            starts: list[int] = []
            for s, e in self.sentences:
                starts.extend(m.start() for m in _WORD.finditer(self._token_text, s, e))
            self._word_starts = starts
        return self._word_starts

    def joined_words(self) -> str:
        """Return ``" ".join(self.words)``, computed on first use and kept on this object."""
        if self._joined is None:
            self._joined = " ".join(self.words)
        return self._joined

    def word_end(self, i: int) -> int:
        """Return the end offset (into :attr:`text`) of word ``i``."""
        return self.word_starts()[i] + len(self.words[i])

    @property
    def n_chars(self) -> int:
        """Number of non-space characters of the normalised text."""
        return len(self.text) - self.text.count(" ") - self.text.count("\n")


def segment(text: str, *, max_chars: int = MAX_CHARS) -> Segmented:
    """Normalise and segment a text.

    Args:
        text: The article text, as given.
        max_chars: Longer texts are cut to this many characters.

    Returns:
        The :class:`Segmented` text. An empty or blank text gives empty lists.
    """
    truncated = len(text) > max_chars
    if truncated:
        cut = max(text.rfind("\n", 0, max_chars), text.rfind(" ", 0, max_chars))
        text = text[: cut if cut > max_chars // 2 else max_chars]
    norm, omap = _normalise_with_map(text)

    lines: list[tuple[int, int]] = []
    line_paragraph: list[int] = []
    paragraphs: list[tuple[int, int]] = []
    has_blank = "\n" in norm and _BLANK_LINE.search(norm) is not None
    para = -1
    prev_end = 0
    for m in _STRIPPED_LINE.finditer(norm):
        span = m.span()
        s, e = span
        if not lines or not has_blank or norm.count("\n", prev_end, s) >= 2:
            para += 1
            paragraphs.append(span)
        else:  # the line continues the paragraph
            paragraphs[para] = (paragraphs[para][0], e)
        lines.append(span)
        line_paragraph.append(para)
        prev_end = e

    sentences: list[tuple[int, int]] = []
    sentence_line: list[int] = []
    _split_sentences(norm, lines, sentences, sentence_line)
    if norm.isascii():  # _WORD finds words at the same offsets in either case
        token_text = norm
        sentence_words = _ascii_tokens(norm, sentences)
    else:
        lower = norm.lower()
        if len(lower) == len(norm):
            token_text = lower
            sentence_words = _tokens(lower, sentences)
        else:  # a few letters (e.g. "İ") grow when lower-cased: tokenise the original case instead
            findall = _WORD.findall
            sentence_words = [[w.lower() for w in findall(norm, s, e)] for s, e in sentences]
            token_text = norm
    words = list(chain.from_iterable(sentence_words))
    return Segmented(
        original=text,
        text=norm,
        truncated=truncated,
        lines=lines,
        line_paragraph=line_paragraph,
        paragraphs=paragraphs,
        sentences=sentences,
        sentence_line=sentence_line,
        sentence_words=sentence_words,
        words=words,
        _map=omap,
        _token_text=token_text,
    )
