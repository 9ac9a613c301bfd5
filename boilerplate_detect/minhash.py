"""Vectorised MinHash whose signatures equal :class:`datasketch.MinHash`'s.

The permutation step is datasketch's ``"affine32"`` scheme (its default since
2.0): every input hash is pre-mixed once with the 32-bit MurmurHash3 finalizer,
then each permutation ``k`` maps it to ``a_k * h + b_k mod 2**32`` with odd
``a_k``; the signature is the per-permutation minimum. The parameters ``a`` and
``b`` are drawn exactly as datasketch draws them (``numpy.random.RandomState(seed)``),
so for the same ``seed``, ``num_perm`` and input hash values the signatures are
identical to ``datasketch.MinHash(num_perm, seed, hashfunc=...).hashvalues``
(``tests/test_minhash.py`` checks it). Unlike datasketch, many documents are
hashed in one numpy pass (:func:`minhash_many`).

Shingles are word n-grams inside one sentence (they never cross a sentence
boundary, so reordering sentences keeps them). Each word is hashed once with
xxh3-64, and an n-gram's hash is a position-weighted combination of its words'
hashes, finalised to 32 bits (:func:`shingle_hashes`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import xxhash

__all__ = [
    "DEFAULT_NGRAM",
    "DEFAULT_NUM_PERM",
    "DEFAULT_SEED",
    "EMPTY_VALUE",
    "SCHEME",
    "minhash",
    "minhash_many",
    "permutations",
    "shingle_hashes",
    "word_hashes",
]

#: Permutations per signature.
DEFAULT_NUM_PERM = 64
#: Words per shingle.
DEFAULT_NGRAM = 5
#: Seed of the permutations (datasketch's default).
DEFAULT_SEED = 1
#: The datasketch permutation scheme reproduced here.
SCHEME = "affine32"
#: Signature value of an empty set (datasketch's ``affine32`` sentinel).
EMPTY_VALUE = np.uint32(0xFFFFFFFF)

U32 = npt.NDArray[np.uint32]
U64 = npt.NDArray[np.uint64]

_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
# Odd 64-bit multipliers, one per position in a shingle (golden-ratio and xxh64 primes).
_POS_MULT = np.array(
    [
        0x9E3779B97F4A7C15,
        0xC2B2AE3D27D4EB4F,
        0x165667B19E3779F9,
        0x85EBCA77C2B2AE63,
        0x27D4EB2F165667C5,
        0xFF51AFD7ED558CCD,
        0xC4CEB9FE1A85EC53,
        0xD6E8FEB86659FD93,
    ],
    dtype=np.uint64,
)
_POS_LIST = [int(p) for p in _POS_MULT]
_MASK64 = (1 << 64) - 1
#: Longest supported shingle.
MAX_NGRAM = len(_POS_MULT)


def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """Return datasketch's ``affine32`` permutation parameters ``(a, b)``.

    Args:
        num_perm: Number of permutations (>= 1).
        seed: The random seed.

    Returns:
        Two ``uint32`` arrays of length ``num_perm``; every ``a`` is odd.

    Raises:
        ValueError: ``num_perm`` is below 1.
    """
    if num_perm < 1:
        raise ValueError(f"num_perm must be >= 1, got {num_perm}")
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a.astype(np.uint32), b.astype(np.uint32)


def _fmix32(hv: U32) -> U32:
    s1, m1, s2, m2, s3 = _FMIX32
    hv = hv ^ (hv >> s1)
    hv = hv * m1
    hv = hv ^ (hv >> s2)
    hv = hv * m2
    out: U32 = hv ^ (hv >> s3)
    return out


def minhash(hashes: npt.ArrayLike, perm: tuple[U32, U32]) -> U32:
    """Return the MinHash signature of one set of 32-bit hash values.

    Args:
        hashes: The set's element hashes (values in ``[0, 2**32)``; duplicates are harmless).
        perm: ``(a, b)`` from :func:`permutations`.

    Returns:
        ``uint32`` array of length ``num_perm``; all :data:`EMPTY_VALUE` for an empty set.
    """
    a, b = perm
    hv = np.asarray(hashes, dtype=np.uint32)
    if hv.size == 0:
        return np.full(a.shape[0], EMPTY_VALUE, dtype=np.uint32)
    # one row per permutation: the minimum runs along contiguous memory
    x = a.reshape(-1, 1) * _fmix32(hv)
    x += b.reshape(-1, 1)
    out: U32 = x.min(axis=1)
    return out


def minhash_many(sets: Sequence[U32], perm: tuple[U32, U32], *, chunk: int = 1 << 16) -> U32:
    """Return the signatures of many sets in one vectorised pass.

    Args:
        sets: One ``uint32`` hash array per set.
        perm: ``(a, b)`` from :func:`permutations`.
        chunk: Ignored; kept for API stability.

    Returns:
        ``uint32`` array of shape ``(len(sets), num_perm)``.
    """
    del chunk  # one signature per numpy call is fastest: reduceat over stacked rows is memory-bound
    out = np.full((len(sets), perm[0].shape[0]), EMPTY_VALUE, dtype=np.uint32)
    for i, s in enumerate(sets):
        if len(s):
            out[i] = minhash(s, perm)
    return out


def word_hashes(words: Sequence[str]) -> U64:
    """Hash every word with xxh3-64.

    Args:
        words: Tokens.

    Returns:
        ``uint64`` array, one value per word.
    """
    return np.fromiter(
        map(xxhash.xxh3_64_intdigest, map(str.encode, words)), dtype=np.uint64, count=len(words)
    )


def shingle_hashes(wh: U64, sentence_lengths: Sequence[int], ngram: int) -> U32:
    """Return the 32-bit hashes of the word n-grams inside each sentence.

    A sentence shorter than ``ngram`` words gives one shingle of all its words.
    The hash of an n-gram depends only on its words and their order.

    Args:
        wh: Word hashes of all words, sentence after sentence (:func:`word_hashes`).
        sentence_lengths: Words per sentence; they sum to ``len(wh)``.
        ngram: Words per shingle (1 to :data:`MAX_NGRAM`).

    Returns:
        ``uint32`` array, one value per shingle, in text order (not deduplicated).

    Raises:
        ValueError: ``ngram`` is out of range.
    """
    if not 1 <= ngram <= MAX_NGRAM:
        raise ValueError(f"ngram must be between 1 and {MAX_NGRAM}, got {ngram}")
    n = len(wh)
    if n == 0:
        return np.zeros(0, dtype=np.uint32)
    lengths = sentence_lengths if isinstance(sentence_lengths, list) else [int(k) for k in sentence_lengths]
    parts: list[U64] = []
    if n >= ngram:
        m = n - ngram + 1
        # every n-gram's words as one row of a view (rows overlap), times the position
        # multipliers: one matmul; uint64 products and sums wrap around as in plain integers
        wh = np.ascontiguousarray(wh, dtype=np.uint64)
        windows: U64 = np.ndarray((m, ngram), dtype=np.uint64, buffer=wh, strides=(8, 8))
        acc: U64 = windows @ _POS_MULT[:ngram]
        if len(lengths) > 1:  # drop the n-grams that cross a sentence boundary
            sid = np.repeat(np.arange(len(lengths)), lengths)
            acc = acc[sid[:m] == sid[ngram - 1 :]]
        parts.append(acc)
    if min(lengths, default=ngram) < ngram:
        # a short sentence is one shingle: few words, so plain integers (same wrap-around sum)
        short: list[int] = []
        end = 0
        for k in lengths:
            end += k
            if 0 < k < ngram:
                total = sum([w * p for w, p in zip(wh[end - k : end].tolist(), _POS_LIST, strict=False)])
                short.append((total & _MASK64) ^ k)
        if short:
            parts.append(np.array(short, dtype=np.uint64))
    if not parts:
        return np.zeros(0, dtype=np.uint32)
    allh = np.concatenate(parts) if len(parts) > 1 else parts[0]
    # fmix64-style finaliser, then keep the high 32 bits.
    allh ^= allh >> np.uint64(33)
    allh *= np.uint64(0xFF51AFD7ED558CCD)
    allh ^= allh >> np.uint64(33)
    out: U32 = (allh >> np.uint64(32)).astype(np.uint32)
    return out
