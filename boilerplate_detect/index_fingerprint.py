"""Article fingerprints for the cross-outlet index, and their exact comparison.

A :class:`Fingerprint` is what the index keeps of an article instead of its
text (see :mod:`boilerplate_detect.index`):

* the LSH band keys of its MinHash signature over within-sentence word
  n-gram shingles (:mod:`boilerplate_detect.minhash`);
* per sentence: a 32-bit hash of its word sequence (the exact verification unit),
  a 32-bit hash of its fact set (survives synonym swaps and word reordering),
  its offsets into the original text and its number of shingles;
* its distinct fact hashes (:mod:`boilerplate_detect.facts`);
* the passage keys under which it is found: winnowed hashes of long sentences
  and fact-set hashes (derived from the above, not stored twice).

:func:`compare` verifies a candidate against a query exactly: a sentence is
shared when its word sequence hashes equal (verbatim) or its fact sets equal
(rewritten), and Jaccard and containment are computed over the within-sentence
shingles of the verbatim-shared sentences. Shingles that two edited sentences
still share are not counted, so the figures are exact at sentence granularity
and a lower bound of the shingle-level values.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import xxhash

from boilerplate_detect.facts import CLASS_WEIGHTS, Facts, _extract_facts, _RunMemo, extract_facts
from boilerplate_detect.minhash import minhash, permutations, shingle_hashes, word_hashes
from boilerplate_detect.report import Direction, NearDuplicate, Passage
from boilerplate_detect.text import Segmented

__all__ = [
    "FORMAT_VERSION",
    "Fingerprint",
    "IndexParams",
    "Match",
    "compare",
    "encode_many",
    "fingerprint",
    "may_match",
    "prepare_keys",
    "screen_many",
]

#: Version of the stored record layout (2: fixed-width fields, hashes first).
FORMAT_VERSION = 2
_KEY_MASK = 0x7FFFFFFF
# A fact's identity: its hash without the two class bits (spinning may change the class).
_IDENT = 0xFFFFFFFC
_STRONG_BIT = 2  # set in the class bits of numbers, dates, quotes and attributed persons
_SALT_PAIRS = 0x27D4EB2F
#: At most this many facts of one sentence form fact pairs.
MAX_PAIR_FACTS = 8
_SALT_SENTENCE = 0x5BD1E995
_SALT_FACTS = 0x1B873593
# version, flags, sentences, facts, bands, non-zero fact sets, body characters
_HEADER = struct.Struct("<BBHHHHI")
_WIDE_OFFSETS = 1  # flag: sentence gaps and lengths stored as u4 (else u2)
_NARROW_GAPS = 4  # flag: sentence gaps stored as u1 (all below 256; the usual one or two spaces)
_WIDE_FACT_SENT = 2  # flag: fact sentences stored as u2 (else u1)
# struct packers of 0 to 63 little-endian uint32 values (a sentence's fact identities)
_PACK_U32 = tuple(struct.Struct(f"<{k}I").pack for k in range(64))


@dataclass(frozen=True, slots=True)
class IndexParams:
    """The parameters an index is built with; stored with it and checked on open.

    Attributes:
        num_perm: MinHash permutations.
        ngram: Words per shingle.
        seed: MinHash seed.
        scheme: MinHash permutation scheme (datasketch's ``"affine32"``).
        bands: LSH bands; ``num_perm`` must be a multiple.
        winnow: Window of the winnowing that picks the long sentences an indexed
            article is posted under: every run of this many consecutive long
            sentences has at least one posted (queries look up all of theirs).
        min_key_words: Sentences shorter than this are not passage keys.
        min_overlap: A match needs at least this fraction of the query's body
            characters in verbatim-shared sentences, or the fact route below.
        min_fact_overlap: Fact route: at least this weighted fraction of the query's
            facts in the other article, with :data:`MIN_FACT_SENTENCES` shared fact sets.
        max_candidates: At most this many candidates are verified per query.
        fact_pairs: An indexed article is also posted under this many pairs of facts
            that share a sentence (the smallest pair hashes; queries look up all of
            theirs), which finds spun copies whose sentences all changed.
    """

    num_perm: int = 64
    ngram: int = 5
    seed: int = 1
    scheme: str = "affine32"
    bands: int = 8
    winnow: int = 4
    min_key_words: int = 8
    min_overlap: float = 0.08
    min_fact_overlap: float = 0.4
    max_candidates: int = 50
    fact_pairs: int = 6

    def __post_init__(self) -> None:
        if self.num_perm < 1 or self.bands < 1 or self.num_perm % self.bands:
            raise ValueError(
                f"num_perm ({self.num_perm}) must be a positive multiple of bands ({self.bands}); "
                "e.g. num_perm=64, bands=8"
            )
        if self.scheme != "affine32":
            raise ValueError(f"scheme must be 'affine32' (datasketch's default), got {self.scheme!r}")
        if not 1 <= self.ngram <= 8:
            raise ValueError(f"ngram must be between 1 and 8, got {self.ngram}")
        if self.winnow < 1:
            raise ValueError(f"winnow must be >= 1, got {self.winnow}")

    def to_dict(self) -> dict[str, object]:
        """Return the JSON form, with the record format version."""
        return {
            "format": FORMAT_VERSION,
            **{f: getattr(self, f) for f in self.__dataclass_fields__},
        }

    @classmethod
    def from_dict(cls, d: dict[str, object]) -> IndexParams:
        """Build params from their JSON form (unknown keys are ignored)."""
        kw = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**kw)  # type: ignore[arg-type]


#: Fact route: at least this many sentences must share their fact set.
MIN_FACT_SENTENCES = 2
#: Fact route: at least this much shared fact weight.
MIN_SHARED_FACT_WEIGHT = 6.0
#: A verbatim match of only one sentence needs at least this many shingles.
MIN_SINGLE_SENTENCE_SHINGLES = 12
#: A rewritten sentence is paired with a candidate's sentence sharing at least this many facts.
MIN_PAIR_SHARED_FACTS = 2
#: A fact set is a passage key only with at least this many facts.
MIN_FACTSET_SIZE = 2
#: Inferred direction: only facts weighing at least this much (numbers with units, dates,
#: quotes, attributed people) count as details; bare names come and go with reflowed
#: headlines and spinning.
MIN_DETAIL_WEIGHT = 1.5
#: Inferred direction: unique fact weights must differ by more than this.
DIRECTION_MARGIN = 0.5
#: Inferred direction, on a tie of unique facts: fact densities must differ by this ratio.
DENSITY_RATIO = 1.15


@dataclass(frozen=True, slots=True)
class _Screen:
    """A query's values that :func:`may_match` screens candidates with."""

    sentences: dict[int, int]  # sentence hash -> characters in the sentences of that hash
    body: int  # characters in sentences (at least 1)
    facts: dict[int, float]  # fact identity -> weight of the facts of that identity
    weight: float  # total fact weight


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What the index keeps of one article.

    Attributes:
        id: The article id.
        outlet: The article's outlet key (``""`` when unknown).
        published: ISO-8601 publication time, or None.
        bands: LSH band keys (31-bit).
        sent_hash: Per sentence, the hash of its word sequence.
        sent_facts: Per sentence, the hash of its fact set (0 when it has fewer than 2 facts).
        sent_start: Per sentence, start offset into the original text.
        sent_end: Per sentence, end offset into the original text.
        sent_shingles: Per sentence, its number of shingles.
        facts: Distinct fact hashes, sorted.
        fact_sent: For every fact, the first sentence it appears in.
        body_chars: Characters in sentences.
    """

    id: str
    outlet: str
    published: str | None
    bands: npt.NDArray[np.uint32]
    sent_hash: npt.NDArray[np.uint32]
    sent_facts: npt.NDArray[np.uint32]
    sent_start: npt.NDArray[np.uint32]
    sent_end: npt.NDArray[np.uint32]
    sent_shingles: npt.NDArray[np.uint16]
    facts: npt.NDArray[np.uint32]
    fact_sent: npt.NDArray[np.uint16]
    body_chars: int
    _pairs: list[int] | None = field(default=None, init=False, compare=False, repr=False)
    _idents: dict[int, float] | None = field(default=None, init=False, compare=False, repr=False)
    _sfacts: dict[int, set[int]] | None = field(default=None, init=False, compare=False, repr=False)
    _hashes: frozenset[int] | None = field(default=None, init=False, compare=False, repr=False)
    _screen: _Screen | None = field(default=None, init=False, compare=False, repr=False)
    _keys: tuple[IndexParams, list[int], list[int]] | None = field(
        default=None, init=False, compare=False, repr=False
    )

    def to_bytes(self) -> bytes:
        """Serialise everything but id, outlet and published (stored beside it).

        The layout is fixed-width, the hashes a candidate is screened with first
        (see :func:`may_match`): header, band keys, sentence hashes, fact hashes,
        fact-set bitmap and hashes, shingle counts, fact sentences, sentence gaps
        and lengths.
        """
        n = len(self.sent_hash)
        nz = self.sent_facts != 0
        # offsets in plain Python: a few dozen sentences, where numpy calls cost more than the work
        starts = self.sent_start.tolist()
        lens = [e - s if e > s else 0 for s, e in zip(starts, self.sent_end.tolist(), strict=True)]
        gaps = [b - a if b > a else 0 for a, b in itertools.pairwise(starts)]
        if n:
            gaps.insert(0, starts[0])
        top_gap = max(gaps, default=0)
        flags = 0
        if max(top_gap, max(lens, default=0)) > 0xFFFF:
            flags |= _WIDE_OFFSETS
        fact_sent = self.fact_sent
        if len(fact_sent) and int(fact_sent.max()) > 0xFF:
            flags |= _WIDE_FACT_SENT
        off_c = "I" if flags & _WIDE_OFFSETS else "H"
        gap_c = off_c
        if n and top_gap <= 0xFF:
            flags |= _NARROW_GAPS
            gap_c = "B"
        fs_t = "<u2" if flags & _WIDE_FACT_SENT else np.uint8
        head = _HEADER.pack(
            FORMAT_VERSION,
            flags,
            n,
            len(self.facts),
            len(self.bands),
            int(np.count_nonzero(nz)),
            self.body_chars,
        )
        return b"".join(
            (
                head,
                self.bands.astype("<u4", copy=False).tobytes(),
                self.sent_hash.astype("<u4", copy=False).tobytes(),
                self.facts.astype("<u4", copy=False).tobytes(),
                np.packbits(nz).tobytes(),
                self.sent_facts[nz].astype("<u4", copy=False).tobytes(),
                np.minimum(self.sent_shingles, 255).astype(np.uint8).tobytes(),
                fact_sent.astype(fs_t).tobytes(),
                struct.pack(f"<{n}{gap_c}", *gaps),
                struct.pack(f"<{n}{off_c}", *lens),
            )
        )

    @classmethod
    def from_bytes(cls, id: str, outlet: str, published: str | None, blob: bytes) -> Fingerprint:
        """Rebuild a fingerprint from :meth:`to_bytes` output.

        Raises:
            ValueError: The record was written by another format version.
        """
        version, flags, n, nf, nb, nnz, body = _HEADER.unpack_from(blob, 0)
        if version != FORMAT_VERSION:
            raise ValueError(f"index record format {version}, this build reads {FORMAT_VERSION}")
        off = _HEADER.size
        bands = np.frombuffer(blob, "<u4", nb, off).astype(np.uint32)
        off += 4 * nb
        sh = np.frombuffer(blob, "<u4", n, off).astype(np.uint32)
        off += 4 * n
        facts = np.frombuffer(blob, "<u4", nf, off).astype(np.uint32)
        off += 4 * nf
        nbits = (n + 7) // 8
        nz = np.unpackbits(np.frombuffer(blob, np.uint8, nbits, off), count=n).astype(bool)
        off += nbits
        sf = np.zeros(n, dtype=np.uint32)
        sf[nz] = np.frombuffer(blob, "<u4", nnz, off)
        off += 4 * nnz
        nsh = np.frombuffer(blob, np.uint8, n, off).astype(np.uint16)
        off += n
        fs_t, fs_w = ("<u2", 2) if flags & _WIDE_FACT_SENT else (np.uint8, 1)
        fsent = np.frombuffer(blob, fs_t, nf, off).astype(np.uint16)
        off += fs_w * nf
        off_t, off_w = ("<u4", 4) if flags & _WIDE_OFFSETS else ("<u2", 2)
        if flags & _NARROW_GAPS:
            gaps = np.frombuffer(blob, np.uint8, n, off).astype(np.int64)
            off += n
        else:
            gaps = np.frombuffer(blob, off_t, n, off).astype(np.int64)
            off += off_w * n
        lens = np.frombuffer(blob, off_t, n, off).astype(np.uint32)
        starts = np.cumsum(gaps).astype(np.uint32)
        return cls(id, outlet, published, bands, sh, sf, starts, starts + lens, nsh, facts, fsent, body)

    def sentence_facts(self) -> dict[int, set[int]]:
        """Fact identities (class bits cleared) by sentence, each fact at its first sentence."""
        out: dict[int, set[int]] = {}
        for f, j in zip(self.facts.tolist(), self.fact_sent.tolist(), strict=True):
            out.setdefault(j, set()).add(f & _IDENT)
        return out

    def _sentence_facts(self) -> dict[int, set[int]]:
        """:meth:`sentence_facts`, computed once (callers must not change it)."""
        if self._sfacts is None:
            object.__setattr__(self, "_sfacts", self.sentence_facts())
        assert self._sfacts is not None
        return self._sfacts

    def _hash_set(self) -> frozenset[int]:
        """The set of sentence hashes (computed once)."""
        if self._hashes is None:
            object.__setattr__(self, "_hashes", frozenset(self.sent_hash.tolist()))
        assert self._hashes is not None
        return self._hashes

    def _screening(self) -> _Screen:
        """What :func:`may_match` reads of a query (computed once)."""
        if self._screen is None:
            lens = (self.sent_end.astype(np.int64) - self.sent_start.astype(np.int64)).tolist()
            chars: dict[int, int] = {}
            for h, c in zip(self.sent_hash.tolist(), lens, strict=True):
                chars[h] = chars.get(h, 0) + c
            facts = self.facts.tolist()
            weights: dict[int, float] = {}
            for f in facts:
                weights[f & _IDENT] = weights.get(f & _IDENT, 0.0) + CLASS_WEIGHTS[f & 3]
            screen = _Screen(chars, sum(lens) or 1, weights, _weight(list(set(facts))))
            object.__setattr__(self, "_screen", screen)
        assert self._screen is not None
        return self._screen

    def pair_keys(self) -> list[int]:
        """Keys of the pairs of non-weak facts that first appear in one sentence, sorted (computed once)."""
        if self._pairs is None:
            object.__setattr__(self, "_pairs", self._pair_keys())
        assert self._pairs is not None
        return self._pairs

    def ident_weights(self) -> dict[int, float]:
        """``{fact identity: weight}`` (computed once)."""
        if self._idents is None:
            object.__setattr__(
                self, "_idents", {f & _IDENT: CLASS_WEIGHTS[f & 3] for f in self.facts.tolist()}
            )
        assert self._idents is not None
        return self._idents

    def _pair_keys(self) -> list[int]:
        by: dict[int, list[int]] = {}
        for f, j in zip(self.facts.tolist(), self.fact_sent.tolist(), strict=True):
            if f & 3:
                by.setdefault(j, []).append(f & _IDENT)
        keys: set[int] = set()
        for idents in by.values():
            idents = sorted(idents)[:MAX_PAIR_FACTS]
            for a in range(len(idents)):
                for b in range(a + 1, len(idents)):
                    keys.add(
                        (((idents[a] * 0x9E3779B1) ^ idents[b]) * 0x85EBCA77 >> 16 ^ _SALT_PAIRS) & _KEY_MASK
                    )
        return sorted(keys)

    def _long(self, params: IndexParams) -> list[int]:
        """Hashes of the sentences long enough to be passage keys, in text order."""
        min_sh = max(params.min_key_words - params.ngram + 1, 2)
        return [
            h
            for h, n in zip(self.sent_hash.tolist(), self.sent_shingles.tolist(), strict=True)
            if n >= min_sh
        ]

    def _key_lists(self, params: IndexParams) -> tuple[list[int], list[int]]:
        """(query keys, posting keys), computed once per parameters."""
        cached = self._keys
        if cached is not None and (cached[0] is params or cached[0] == params):
            return cached[1], cached[2]
        bands = self.bands.tolist()
        long = self._long(params)
        fact_keys = [(h ^ _SALT_FACTS) & _KEY_MASK for h in self.sent_facts.tolist() if h]
        pairs = self.pair_keys()
        query = sorted(set(bands).union([(h ^ _SALT_SENTENCE) & _KEY_MASK for h in long], fact_keys, pairs))
        w = params.winnow
        picked = set(long) if len(long) <= w else {min(long[i : i + w]) for i in range(len(long) - w + 1)}
        posting = sorted(
            set(bands).union(
                [(h ^ _SALT_SENTENCE) & _KEY_MASK for h in picked], fact_keys, pairs[: params.fact_pairs]
            )
        )
        object.__setattr__(self, "_keys", (params, query, posting))
        return query, posting

    def query_keys(self, params: IndexParams) -> list[int]:
        """Keys a query looks up (sorted): band keys, every long sentence, every fact set, every fact pair."""
        return list(self._key_lists(params)[0])

    def posting_keys(self, params: IndexParams) -> list[int]:
        """Keys an indexed article is found under (sorted).

        They are its band keys, winnowed long sentences, fact sets and its
        ``params.fact_pairs`` smallest fact pairs.
        """
        return list(self._key_lists(params)[1])


#: Below this many fingerprints, :func:`prepare_keys` computes keys one by one (fewer numpy calls).
MIN_KEY_BATCH = 8
#: At most this many fingerprints per vectorised pass (the article number is packed in 16 bits).
MAX_KEY_BATCH = 4096
_U32 = np.uint64(32)


def _concat(arrays: Sequence[npt.NDArray[np.generic]], dtype: type[np.generic]) -> npt.NDArray[np.uint64]:
    """Concatenate arrays into one ``uint64`` array (an empty one when there are none)."""
    if not arrays:
        return np.zeros(0, dtype=np.uint64)
    return np.concatenate(arrays).astype(dtype, copy=False).astype(np.uint64)


def _sorted_distinct(a: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """The distinct values of ``a``, sorted (``np.unique`` hashes first, which is slower here)."""
    a = np.sort(a)
    if a.size < 2:
        return a
    keep = np.empty(a.size, dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    out: npt.NDArray[np.uint64] = a[keep]
    return out


def _per_group_rank(group: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """Position of every element within its run of equal ``group`` values (``group`` sorted)."""
    new = np.empty(group.size, dtype=bool)
    new[:1] = True
    np.not_equal(group[1:], group[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    rank: npt.NDArray[np.intp] = np.arange(group.size) - starts[np.cumsum(new) - 1]
    return rank


def prepare_keys(fps: Sequence[Fingerprint], params: IndexParams) -> None:
    """Compute the query and posting keys of many fingerprints with a few vectorised calls.

    The keys are cached on each fingerprint, exactly as :meth:`Fingerprint.query_keys`
    and :meth:`Fingerprint.posting_keys` compute them one by one; fingerprints whose
    keys are already cached for ``params`` are left alone.

    Args:
        fps: The fingerprints.
        params: The index parameters.
    """
    todo = []
    for f in fps:
        cached = f._keys
        if cached is None or not (cached[0] is params or cached[0] == params):
            todo.append(f)
    if len(todo) < MIN_KEY_BATCH:
        for f in todo:
            f._key_lists(params)
        return
    if len(todo) > MAX_KEY_BATCH:
        for i in range(0, len(todo), MAX_KEY_BATCH):
            prepare_keys(todo[i : i + MAX_KEY_BATCH], params)
        return
    n = len(todo)
    arts = np.arange(n, dtype=np.uint64)
    u32 = np.uint32
    bands = _concat([f.bands for f in todo], u32)
    band_codes = (np.repeat(arts, [len(f.bands) for f in todo]) << _U32) | bands
    sent_art = np.repeat(arts, [len(f.sent_hash) for f in todo])
    sent_hash = _concat([f.sent_hash for f in todo], u32)
    sent_facts = _concat([f.sent_facts for f in todo], u32)
    shingles = _concat([f.sent_shingles for f in todo], np.uint16)
    # long sentences, in text order
    is_long = shingles >= max(params.min_key_words - params.ngram + 1, 2)
    long_hash = sent_hash[is_long]
    long_art = sent_art[is_long]
    long_codes = (long_art << _U32) | ((long_hash ^ _SALT_SENTENCE) & _KEY_MASK)
    nz = sent_facts != 0
    fact_codes = (sent_art[nz] << _U32) | ((sent_facts[nz] ^ _SALT_FACTS) & _KEY_MASK)
    # winnowing: every window of `w` long sentences within one article gives its smallest hash;
    # an article with at most `w` long sentences gives all of them
    w = params.winnow
    n_long = np.bincount(long_art.astype(np.intp), minlength=n)
    picked = [long_codes[n_long[long_art.astype(np.intp)] <= w]]
    if long_hash.size >= w:
        span = long_hash.size - w + 1
        low = long_hash[:span].copy()
        for d in range(1, w):
            np.minimum(low, long_hash[d : d + span], out=low)
        whole = long_art[:span] == long_art[w - 1 :]
        picked.append((long_art[:span][whole] << _U32) | ((low[whole] ^ _SALT_SENTENCE) & _KEY_MASK))
    # fact pairs: per sentence, its smallest MAX_PAIR_FACTS non-weak fact identities, paired
    facts = _concat([f.facts for f in todo], u32)
    fact_sent = _concat([f.fact_sent for f in todo], np.uint16)
    strong = (facts & 3) != 0
    # one sort of (article, sentence, identity): article < 2**16 per call, sentence < 2**16
    packed = np.sort(
        (np.repeat(arts, [len(f.facts) for f in todo])[strong] << np.uint64(48))
        | (fact_sent[strong] << _U32)
        | (facts[strong] & _IDENT)
    )
    ident = packed & np.uint64(0xFFFFFFFF)
    group = packed >> _U32
    keep = _per_group_rank(group) < MAX_PAIR_FACTS
    ident, group = ident[keep], group[keep]
    firsts, seconds, owners = [], [], []
    for d in range(1, min(MAX_PAIR_FACTS, ident.size)):
        same = group[:-d] == group[d:]
        firsts.append(ident[:-d][same])
        seconds.append(ident[d:][same])
        owners.append(group[d:][same] >> np.uint64(16))
    if firsts:
        a, b = np.concatenate(firsts), np.concatenate(seconds)
        # the same bits as the Python formula: only bits 16..46 of the product are kept
        pair_keys = ((((a * 0x9E3779B1) ^ b) * 0x85EBCA77 >> np.uint64(16)) ^ _SALT_PAIRS) & _KEY_MASK
        pair_codes = _sorted_distinct((np.concatenate(owners) << _U32) | pair_keys)
    else:
        pair_codes = np.zeros(0, dtype=np.uint64)
    first_pairs = pair_codes[_per_group_rank(pair_codes >> _U32) < params.fact_pairs]
    query = _sorted_distinct(np.concatenate((band_codes, long_codes, fact_codes, pair_codes)))
    posting = _sorted_distinct(np.concatenate((band_codes, *picked, fact_codes, first_pairs)))
    bounds = np.arange(n + 1, dtype=np.uint64) << _U32
    q_at = np.searchsorted(query, bounds).tolist()
    p_at = np.searchsorted(posting, bounds).tolist()
    q_keys = (query & np.uint64(0xFFFFFFFF)).tolist()
    p_keys = (posting & np.uint64(0xFFFFFFFF)).tolist()
    for i, f in enumerate(todo):
        object.__setattr__(f, "_keys", (params, q_keys[q_at[i] : q_at[i + 1]], p_keys[p_at[i] : p_at[i + 1]]))


def _segment_max(values: npt.NDArray[np.int64], counts: npt.NDArray[np.intp]) -> npt.NDArray[np.int64]:
    """Per segment (``counts[i]`` consecutive values each), its largest value; 0 for an empty segment."""
    out = np.zeros(counts.size, dtype=np.int64)
    filled = counts > 0
    if values.size:
        starts = (np.cumsum(counts) - counts)[filled]
        out[filled] = np.maximum.reduceat(values, starts)
    return out


def _offsets(counts: npt.NDArray[np.intp], width: int) -> list[int]:
    """Byte offsets of consecutive fields of ``counts[i]`` items of ``width`` bytes: ``n + 1`` values."""
    out = np.zeros(counts.size + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    listed: list[int] = (out * width).tolist()
    return listed


def encode_many(fps: Sequence[Fingerprint]) -> list[bytes]:
    """:meth:`Fingerprint.to_bytes` of many fingerprints, each field encoded for all of them at once.

    Args:
        fps: The fingerprints.

    Returns:
        Per fingerprint, the same bytes as its :meth:`~Fingerprint.to_bytes`.
    """
    if len(fps) < MIN_KEY_BATCH:
        return [f.to_bytes() for f in fps]
    m = len(fps)
    n = np.asarray([len(f.sent_hash) for f in fps], dtype=np.intp)
    nf = np.asarray([len(f.facts) for f in fps], dtype=np.intp)
    nb = np.asarray([len(f.bands) for f in fps], dtype=np.intp)
    total = int(n.sum())
    first = np.cumsum(n) - n  # index of every fingerprint's first sentence
    starts = np.concatenate([f.sent_start for f in fps]).astype(np.int64)
    lens = np.concatenate([f.sent_end for f in fps]).astype(np.int64) - starts
    np.maximum(lens, 0, out=lens)
    prev = np.empty(total, dtype=np.int64)
    prev[:1] = 0
    prev[1:] = starts[:-1]
    prev[first[n > 0]] = 0
    gaps = np.maximum(starts - prev, 0)
    top_gap = _segment_max(gaps, n)
    wide = np.maximum(top_gap, _segment_max(lens, n)) > 0xFFFF
    fact_sent = np.concatenate([f.fact_sent for f in fps]).astype(np.int64)
    wide_fs = _segment_max(fact_sent, nf) > 0xFF
    narrow = (n > 0) & (top_gap <= 0xFF)
    flags = (
        np.where(wide, _WIDE_OFFSETS, 0)
        | np.where(wide_fs, _WIDE_FACT_SENT, 0)
        | np.where(narrow, _NARROW_GAPS, 0)
    ).tolist()
    sent_facts = np.concatenate([f.sent_facts for f in fps])
    nz = sent_facts != 0
    owner = np.repeat(np.arange(m), n)
    nnz = np.bincount(owner[nz], minlength=m).astype(np.intp)
    # the fact-set bitmap: every fingerprint's bits start on a byte boundary, as np.packbits pads them
    nbytes = (n + 7) // 8
    padded = np.zeros(8 * int(nbytes.sum()), dtype=bool)
    padded[np.arange(total) - first[owner] + 8 * (np.cumsum(nbytes) - nbytes)[owner]] = nz
    u4 = "<u4"
    fields = (
        (np.concatenate([f.bands for f in fps]).astype(u4).tobytes(), _offsets(nb, 4)),
        (np.concatenate([f.sent_hash for f in fps]).astype(u4).tobytes(), _offsets(n, 4)),
        (np.concatenate([f.facts for f in fps]).astype(u4).tobytes(), _offsets(nf, 4)),
        (np.packbits(padded).tobytes(), _offsets(nbytes, 1)),
        (sent_facts[nz].astype(u4).tobytes(), _offsets(nnz, 4)),
        (
            np.minimum(np.concatenate([f.sent_shingles for f in fps]), 255).astype(np.uint8).tobytes(),
            _offsets(n, 1),
        ),
    )
    fs1, fs2 = fact_sent.astype(np.uint8).tobytes(), fact_sent.astype("<u2").tobytes()
    fs_at1, fs_at2 = _offsets(nf, 1), _offsets(nf, 2)
    g1, g2, g4 = gaps.astype(np.uint8).tobytes(), gaps.astype("<u2").tobytes(), gaps.astype(u4).tobytes()
    l2, l4 = lens.astype("<u2").tobytes(), lens.astype(u4).tobytes()
    at1, at2, at4 = _offsets(n, 1), _offsets(n, 2), _offsets(n, 4)
    heads = zip(n.tolist(), nf.tolist(), nb.tolist(), nnz.tolist(), strict=True)
    pack = _HEADER.pack
    out: list[bytes] = []
    for i, (f, fl, (ni, nfi, nbi, nzi)) in enumerate(zip(fps, flags, heads, strict=True)):
        parts = [pack(FORMAT_VERSION, fl, ni, nfi, nbi, nzi, f.body_chars)]
        parts += [buf[at[i] : at[i + 1]] for buf, at in fields]
        parts.append(
            fs2[fs_at2[i] : fs_at2[i + 1]] if fl & _WIDE_FACT_SENT else fs1[fs_at1[i] : fs_at1[i + 1]]
        )
        if fl & _NARROW_GAPS:
            parts.append(g1[at1[i] : at1[i + 1]])
        elif fl & _WIDE_OFFSETS:
            parts.append(g4[at4[i] : at4[i + 1]])
        else:
            parts.append(g2[at2[i] : at2[i + 1]])
        parts.append(l4[at4[i] : at4[i + 1]] if fl & _WIDE_OFFSETS else l2[at2[i] : at2[i + 1]])
        out.append(b"".join(parts))
    return out


class Fingerprinter:
    """Computes fingerprints with fixed parameters (permutations drawn once).

    It also keeps a cache of what each capitalised run gives as a fact, shared by
    the articles it fingerprints (bounded); the fingerprints equal :func:`fingerprint`'s.
    """

    def __init__(self, params: IndexParams) -> None:
        self.params = params
        self.perm = permutations(params.num_perm, params.seed)
        self._runs = _RunMemo()

    def __call__(self, article_id: str, outlet: str, published: str | None, seg: Segmented) -> Fingerprint:
        """Fingerprint one segmented article."""
        return _fingerprint(
            article_id,
            outlet,
            published,
            seg,
            self.params,
            self.perm,
            _extract_facts(seg, self._runs),
            word_hashes(seg.words),
        )


def fingerprint(
    article_id: str,
    outlet: str,
    published: str | None,
    seg: Segmented,
    params: IndexParams,
    perm: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]] | None = None,
    facts: Facts | None = None,
) -> Fingerprint:
    """Compute the fingerprint of one segmented article.

    Args:
        article_id: The article id.
        outlet: The outlet key (``""`` when unknown).
        published: ISO-8601 publication time, or None.
        seg: The segmented text.
        params: The index parameters.
        perm: MinHash permutations for ``params`` (drawn when None).
        facts: The article's facts (extracted when None).

    Returns:
        The fingerprint.
    """
    if perm is None:
        perm = permutations(params.num_perm, params.seed)
    if facts is None:
        facts = extract_facts(seg)
    return _fingerprint(article_id, outlet, published, seg, params, perm, facts, word_hashes(seg.words))


def _fingerprint(
    article_id: str,
    outlet: str,
    published: str | None,
    seg: Segmented,
    params: IndexParams,
    perm: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]],
    facts: Facts,
    wh: npt.NDArray[np.uint64],
) -> Fingerprint:
    """:func:`fingerprint` given the article's facts and word hashes."""
    lengths = list(map(len, seg.sentence_words))
    if 0 in lengths:  # sentences without words are left out
        keep = [i for i, n in enumerate(lengths) if n]
        kept_words = [seg.sentence_words[i] for i in keep]
        kept_lengths = [lengths[i] for i in keep]
        kept_sents = [seg.sentences[i] for i in keep]
        kept_facts: Sequence[tuple[int, ...]] = [facts.by_sentence[i] for i in keep]
    else:
        kept_words, kept_lengths, kept_sents, kept_facts = (
            seg.sentence_words,
            lengths,
            seg.sentences,
            facts.by_sentence,
        )
    shingles = shingle_hashes(wh, kept_lengths, params.ngram)
    raw = minhash(shingles, perm).tobytes()  # duplicates do not change a minimum
    width = 4 * (params.num_perm // params.bands)
    h64 = xxhash.xxh3_64_intdigest
    band_keys = [h64(raw[b * width : (b + 1) * width], seed=b) & _KEY_MASK for b in range(params.bands)]
    sent_hash = [h64(" ".join(ws).encode()) & 0xFFFFFFFF for ws in kept_words]
    sent_facts = [0] * len(kept_lengths)
    first: dict[int, int] = {}  # fact -> first sentence
    add_first = first.setdefault
    for j, fs in enumerate(kept_facts):
        if not fs:
            continue
        at = j if j <= 0xFFFF else 0xFFFF
        for f in fs:
            add_first(f, at)
        # a number, date, quote or attributed person (class 2 or 3) among at least two facts
        if len(fs) >= MIN_FACTSET_SIZE and any(map(_STRONG_BIT.__and__, fs)):
            ident = sorted(set(map(_IDENT.__and__, fs)))
            k = len(ident)
            packed = _PACK_U32[k](*ident) if k < len(_PACK_U32) else struct.pack(f"<{k}I", *ident)
            sent_facts[j] = (h64(packed) & 0xFFFFFFFF) or 1
    offsets = seg.to_original_many(list(itertools.chain.from_iterable(kept_sents)))
    starts = offsets[0::2]
    ends = offsets[1::2]
    ngram = params.ngram - 1
    nsh = [n - ngram if n > ngram else 1 for n in kept_lengths]
    body = sum([e - s for s, e in kept_sents])
    # every fact is in a sentence with words (so kept): the distinct facts are the article's
    fact_list = list(facts.hashes) if len(first) == len(facts.hashes) else sorted(first)
    # the four per-sentence uint32 fields in one call: each is a (contiguous) row
    per_sentence = np.array([sent_hash, sent_facts, starts, ends], dtype=np.uint32)
    return Fingerprint(
        id=article_id,
        outlet=outlet,
        published=published,
        bands=np.array(band_keys, dtype=np.uint32),
        sent_hash=per_sentence[0],
        sent_facts=per_sentence[1],
        sent_start=per_sentence[2],
        sent_end=per_sentence[3],
        sent_shingles=np.array(nsh, dtype=np.uint16),
        facts=np.array(fact_list, dtype=np.uint32),
        fact_sent=np.array(list(map(first.__getitem__, fact_list)), dtype=np.uint16),
        body_chars=body,
    )


@dataclass(frozen=True, slots=True)
class Match:
    """A verified match of a query against one indexed article.

    Attributes:
        dup: The record for the report.
        query_sentences: Indices (into the query's kept sentences) of the shared sentences.
        earlier: True when the other article is the source of the query (direction ``copied_from``).
        shared_facts: The fact hashes both articles carry.
    """

    dup: NearDuplicate
    query_sentences: tuple[int, ...]
    earlier: bool
    shared_facts: frozenset[int]


def _weight(hashes: Sequence[int] | npt.NDArray[np.uint32]) -> float:
    w = CLASS_WEIGHTS
    return float(sum(w[int(h) & 3] for h in hashes))


def _parse_time(s: str) -> _dt.datetime | None:
    try:
        t = _dt.datetime.fromisoformat(s.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=_dt.timezone.utc)


def _related_unique(x: dict[int, set[int]], shared: set[int], weights: dict[int, float]) -> float:
    """Weight of x's facts that the other lacks, counted only in sentences that also state a shared fact.

    A source's own details sit in sentences about the shared story; the unrelated
    text or filler a copy adds around a borrowed passage does not mention it.
    """
    total = 0.0
    for facts in x.values():
        if facts & shared:
            total += sum(w for w in (weights[f] for f in facts - shared) if w >= MIN_DETAIL_WEIGHT)
    return total


def _direction(
    q: Fingerprint,
    r: Fingerprint,
    q_sf: dict[int, set[int]],
    r_sf: dict[int, set[int]],
    shared: set[int],
) -> tuple[Direction, bool]:
    """Return (direction from the query's side, inferred?)."""
    if q.published and r.published:
        tq, tr = _parse_time(q.published), _parse_time(r.published)
        if tq is not None and tr is not None and tq != tr:
            return ("copied_from" if tr < tq else "copied_by"), False
    wq = q.ident_weights()
    wr = r.ident_weights()
    uq = _related_unique(q_sf, shared, wq)
    ur = _related_unique(r_sf, shared, wr)
    if uq > ur + DIRECTION_MARGIN:
        return "copied_by", True
    if ur > uq + DIRECTION_MARGIN:
        return "copied_from", True
    tq_w, tr_w = sum(wq.values()), sum(wr.values())
    dq = tq_w / max(q.body_chars, 1)
    dr = tr_w / max(r.body_chars, 1)
    if tq_w > 0 and tr_w > 0:
        if dq > dr * DENSITY_RATIO:
            return "copied_by", True
        if dr > dq * DENSITY_RATIO:
            return "copied_from", True
    return "unknown", True


def may_match(q: Fingerprint, blob: bytes, params: IndexParams) -> bool:
    """Screen a stored record before decoding it: False when :func:`compare` would reject it.

    Reads only the record's sentence and fact hashes and checks conditions that
    every match meets: either enough of the query's characters sit in sentences
    whose word sequence the record shares (the verbatim route), or enough of the
    query's fact weight is shared (the fact route), besides :func:`compare`'s own
    quick reject. True means the record must be compared.

    Args:
        q: The query's fingerprint.
        blob: A record made by :meth:`Fingerprint.to_bytes`.
        params: The index parameters (thresholds).

    Raises:
        ValueError: The record was written by another format version.
    """
    version, _, n, nf, nb, _, _ = _HEADER.unpack_from(blob, 0)
    if version != FORMAT_VERSION:
        raise ValueError(f"index record format {version}, this build reads {FORMAT_VERSION}")
    sc = q._screening()
    off = _HEADER.size + 4 * nb
    r_hashes = _u32_set(blob, off, n)
    # Weights are multiples of 1/4 and lengths integers: these sums are exact in any order.
    exact = sc.sentences.keys() & r_hashes
    if sum(sc.sentences[h] for h in exact) / sc.body >= params.min_overlap:
        return True
    r_ident = _u32_set(blob, off + 4 * n, nf, _IDENT)
    shared = sum(sc.facts[f] for f in sc.facts.keys() & r_ident)
    if shared < MIN_SHARED_FACT_WEIGHT or not sc.weight or shared / sc.weight < params.min_fact_overlap:
        return False
    if exact:
        return True
    qw = q.ident_weights()
    r_idents = (np.frombuffer(blob, "<u4", nf, off + 4 * n) & np.uint32(_IDENT)).tolist()
    return sum(qw.get(f, 0.0) for f in r_idents) >= MIN_SHARED_FACT_WEIGHT


def _lookup(
    table: npt.NDArray[np.uint64], codes: npt.NDArray[np.uint64]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Positions of ``codes`` in the sorted distinct ``table``, and which of them are there."""
    at = np.searchsorted(table, codes)
    if not table.size:
        return at, np.zeros(codes.size, dtype=bool)
    at[at == table.size] = 0
    return at, table[at] == codes


def _grouped(
    codes: npt.NDArray[np.uint64], values: npt.NDArray[np.float64], *, last: bool = False
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64]]:
    """Distinct ``codes``, sorted, with the sum (or, with ``last``, the last) of their ``values``."""
    order = np.argsort(codes, kind="stable")
    codes, values = codes[order], values[order]
    if not codes.size:
        return codes, values
    head = np.empty(codes.size, dtype=bool)
    head[0] = True
    np.not_equal(codes[1:], codes[:-1], out=head[1:])
    starts = np.flatnonzero(head)
    if last:
        return codes[starts], values[np.append(starts[1:], codes.size) - 1]
    return codes[starts], np.add.reduceat(values, starts)


def screen_many(
    qs: Sequence[Fingerprint], candidates: Sequence[tuple[int, bytes]], params: IndexParams
) -> list[bool]:
    """:func:`may_match` for many (query, record) pairs with a few vectorised calls.

    Args:
        qs: The queries.
        candidates: ``(i, blob)``: a record to screen against ``qs[i]``.
        params: The index parameters (thresholds).

    Returns:
        Per candidate, what :func:`may_match` returns for it.

    Raises:
        ValueError: A record was written by another format version.
    """
    if not candidates:
        return []
    u64 = np.uint64
    # the queries' tables: (query << 32 | hash) -> characters, (query << 32 | identity) -> weight
    q_of = np.arange(len(qs), dtype=u64)
    n_sent = [len(q.sent_hash) for q in qs]
    q_sent = np.repeat(q_of, n_sent)
    lens = np.concatenate([q.sent_end.astype(np.int64) - q.sent_start.astype(np.int64) for q in qs])
    body = np.bincount(q_sent.astype(np.intp), weights=lens, minlength=len(qs))
    body[body == 0] = 1
    sent_codes, chars = _grouped(
        (q_sent << _U32) | np.concatenate([q.sent_hash for q in qs]).astype(u64), lens.astype(np.float64)
    )
    facts = np.concatenate([q.facts for q in qs]).astype(u64)
    q_fact = np.repeat(q_of, [len(q.facts) for q in qs])
    w = np.asarray(CLASS_WEIGHTS)[(facts & u64(3)).astype(np.intp)]
    weight = np.bincount(q_fact.astype(np.intp), weights=w, minlength=len(qs))
    ident_codes = (q_fact << _U32) | (facts & u64(_IDENT))
    fact_codes, fact_w = _grouped(ident_codes, w)
    last_codes, last_w = _grouped(ident_codes, w, last=True)
    # the records' sentence hashes and fact identities
    hashes: list[bytes] = []
    idents: list[bytes] = []
    n_hash: list[int] = []
    n_ident: list[int] = []
    which: list[int] = []
    unpack = _HEADER.unpack_from
    base = _HEADER.size
    for i, blob in candidates:
        version, _, n, nf, nb, _, _ = unpack(blob, 0)
        if version != FORMAT_VERSION:
            raise ValueError(f"index record format {version}, this build reads {FORMAT_VERSION}")
        off = base + 4 * nb
        hashes.append(blob[off : off + 4 * n])
        idents.append(blob[off + 4 * n : off + 4 * (n + nf)])
        n_hash.append(n)
        n_ident.append(nf)
        which.append(i)
    m = len(candidates)
    cand = np.arange(m, dtype=u64)
    cq = np.asarray(which, dtype=u64)
    # verbatim route: characters of the query's sentences whose hash the record has (distinct hashes)
    r_hash = np.frombuffer(b"".join(hashes), "<u4").astype(u64)
    pair = _sorted_distinct((np.repeat(cand, n_hash) << _U32) | r_hash)
    pc = (pair >> _U32).astype(np.intp)
    at, hit = _lookup(sent_codes, (cq[pc] << _U32) | (pair & u64(0xFFFFFFFF)))
    exact_chars = np.bincount(pc[hit], weights=chars[at[hit]], minlength=m)
    n_exact = np.bincount(pc[hit], minlength=m)
    verbatim = exact_chars / body[cq.astype(np.intp)] >= params.min_overlap
    # fact route: shared weight of the distinct identities, then the record's identities counted with repeats
    r_ident = np.frombuffer(b"".join(idents), "<u4").astype(u64) & u64(_IDENT)
    r_owner = np.repeat(cand, n_ident)
    ident_pair = _sorted_distinct((r_owner << _U32) | r_ident)
    ic = (ident_pair >> _U32).astype(np.intp)
    at, hit = _lookup(fact_codes, (cq[ic] << _U32) | (ident_pair & u64(0xFFFFFFFF)))
    shared = np.bincount(ic[hit], weights=fact_w[at[hit]], minlength=m)
    total = weight[cq.astype(np.intp)]
    frac = np.divide(shared, total, out=np.zeros(m), where=total > 0)
    by_facts = (shared >= MIN_SHARED_FACT_WEIGHT) & (total > 0) & (frac >= params.min_fact_overlap)
    ro = r_owner.astype(np.intp)
    at, hit = _lookup(last_codes, (cq[ro] << _U32) | r_ident)
    repeated = np.bincount(ro[hit], weights=last_w[at[hit]], minlength=m)
    ok = verbatim | (by_facts & ((n_exact > 0) | (repeated >= MIN_SHARED_FACT_WEIGHT)))
    out: list[bool] = ok.tolist()
    return out


_LITTLE_ENDIAN = sys.byteorder == "little"


def _u32_set(blob: bytes, off: int, n: int, mask: int = 0xFFFFFFFF) -> set[int]:
    """The distinct little-endian uint32 values ``blob[off : off + 4 * n]``, each ANDed with ``mask``."""
    if _LITTLE_ENDIAN:
        values = memoryview(blob)[off : off + 4 * n].cast("I")
        return set(values) if mask == 0xFFFFFFFF else {v & mask for v in values}
    return set((np.frombuffer(blob, "<u4", n, off) & np.uint32(mask)).tolist())


def compare(q: Fingerprint, r: Fingerprint, params: IndexParams) -> Match | None:
    """Verify a candidate exactly; return the match, or None when it is not one.

    A query sentence is paired with the candidate's sentence of the same word
    sequence (verbatim), else with the candidate's sentence sharing the most (at
    least :data:`MIN_PAIR_SHARED_FACTS`) facts (rewritten).

    Args:
        q: The query's fingerprint (offsets into the query's original text).
        r: The candidate's fingerprint.
        params: The index parameters (thresholds).

    Returns:
        The :class:`Match`, or None when the two share too little.
    """
    r_hashes = r.sent_hash.tolist()
    q_hash = q.sent_hash.tolist()
    qw = q.ident_weights()
    # Quick reject: no verbatim sentence, and too few shared facts for the fact route.
    if (
        q._hash_set().isdisjoint(r_hashes)
        and sum(qw.get(f & _IDENT, 0.0) for f in r.facts.tolist()) < MIN_SHARED_FACT_WEIGHT
    ):
        return None
    r_exact: dict[int, int] = {}
    for j, h in enumerate(r_hashes):
        r_exact.setdefault(h, j)
    q_sf = q._sentence_facts()
    r_sf = r.sentence_facts()
    r_by_fact: dict[int, list[int]] = {}
    for j, fs in r_sf.items():
        for f in fs:
            r_by_fact.setdefault(f, []).append(j)
    pairs: list[tuple[int, int, bool]] = []
    for i, h in enumerate(q_hash):
        je = r_exact.get(h)
        if je is not None:
            pairs.append((i, je, True))
            continue
        q_facts = q_sf.get(i)
        if q_facts is not None and len(q_facts) >= MIN_PAIR_SHARED_FACTS:
            votes: dict[int, int] = {}
            for f in q_facts:
                for j in r_by_fact.get(f, ()):
                    votes[j] = votes.get(j, 0) + 1
            if votes:
                jf, n = max(votes.items(), key=lambda kv: (kv[1], -kv[0]))
                if n >= MIN_PAIR_SHARED_FACTS:
                    pairs.append((i, jf, False))
    if not pairs:
        return None
    q_nsh = q.sent_shingles.tolist()
    r_nsh = r.sent_shingles.tolist()
    q_set = dict(zip(q_hash, q_nsh, strict=True))
    r_set = dict(zip(r.sent_hash.tolist(), r_nsh, strict=True))
    shared = sum(n for h, n in q_set.items() if h in r_set)
    q_total = sum(q_set.values())
    r_total = sum(r_set.values())
    union = q_total + r_total - shared
    jaccard = shared / union if union else 0.0
    containment = shared / q_total if q_total else 0.0
    qs, qe = q.sent_start.tolist(), q.sent_end.tolist()
    q_body = sum(e - s for s, e in zip(qs, qe, strict=True)) or 1
    exact_chars = sum(qe[i] - qs[i] for i, _, ex in pairs if ex)
    all_chars = sum(qe[i] - qs[i] for i, _, _ in pairs)
    qf = set(q.facts.tolist())
    r_ident = {f & _IDENT for f in r.facts.tolist()}
    shared_facts = {f for f in qf if f & _IDENT in r_ident}
    shared_ident = {f & _IDENT for f in shared_facts}
    q_weight = _weight(list(qf))
    shared_weight = _weight(list(shared_facts))
    fact_overlap = shared_weight / q_weight if q_weight else 0.0
    n_exact = sum(1 for p in pairs if p[2])
    n_factset = len(pairs) - n_exact
    verbatim = exact_chars / q_body >= params.min_overlap and (
        n_exact >= 2 or max(q_nsh[i] for i, _, ex in pairs if ex) >= MIN_SINGLE_SENTENCE_SHINGLES
    )
    by_facts = (
        n_factset + n_exact >= MIN_FACT_SENTENCES
        and fact_overlap >= params.min_fact_overlap
        and shared_weight >= MIN_SHARED_FACT_WEIGHT
        and all_chars / q_body >= params.min_overlap
    )
    if not (verbatim or by_facts):
        return None
    direction, inferred = _direction(q, r, q_sf, r_sf, shared_ident)
    rs, re_ = r.sent_start.tolist(), r.sent_end.tolist()
    passages: list[Passage] = []
    run: list[tuple[int, int, bool]] = []

    def flush() -> None:
        if not run:
            return
        ex = sum(q_nsh[i] for i, _, e in run if e)
        tot = sum(q_nsh[i] for i, _, _ in run) + sum(r_nsh[j] for _, j, _ in run) - ex
        passages.append(
            Passage(qs[run[0][0]], qe[run[-1][0]], rs[run[0][1]], re_[run[-1][1]], ex / tot if tot else 0.0)
        )

    for p in pairs:
        if run and (p[0] != run[-1][0] + 1 or p[1] != run[-1][1] + 1):
            flush()
            run = []
        run.append(p)
    flush()
    dup = NearDuplicate(
        id=r.id,
        outlet=r.outlet,
        overlap=min(all_chars / q_body, 1.0),
        jaccard=jaccard,
        containment=containment,
        fact_overlap=fact_overlap,
        direction=direction,
        direction_inferred=inferred and direction != "unknown",
        published=r.published,
        passages=tuple(passages),
    )
    return Match(dup, tuple(i for i, _, _ in pairs), direction == "copied_from", frozenset(shared_facts))
