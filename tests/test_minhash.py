"""The vectorised MinHash equals datasketch's, and shingles behave as documented."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerplate_detect.minhash import (
    EMPTY_VALUE,
    minhash,
    minhash_many,
    permutations,
    shingle_hashes,
    word_hashes,
)

datasketch = pytest.importorskip("datasketch")


def _datasketch_sig(values: list[int], num_perm: int, seed: int) -> np.ndarray:
    m = datasketch.MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
    if getattr(m, "scheme", None) != "affine32":
        pytest.skip("datasketch < 2.0 has no affine32 scheme to compare with")
    m.update_batch(values)
    return np.asarray(m.hashvalues)


@pytest.mark.parametrize(("num_perm", "seed"), [(64, 1), (128, 1), (128, 7), (16, 42)], ids=str)
def test_signature_equals_datasketch_minhash(num_perm: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    hv = rng.integers(0, 2**32, 500, dtype=np.uint64).astype(np.uint32)
    ours = minhash(hv, permutations(num_perm, seed))
    assert ours.dtype == np.uint32
    np.testing.assert_array_equal(ours, _datasketch_sig([int(x) for x in hv], num_perm, seed))


def test_signature_equals_datasketch_leanminhash_and_its_jaccard() -> None:
    a = np.arange(0, 300, dtype=np.uint32) * 7919
    b = np.arange(100, 400, dtype=np.uint32) * 7919
    perm = permutations(128, 1)
    ma = datasketch.MinHash(num_perm=128, seed=1, hashfunc=int)
    ma.update_batch([int(x) for x in a])
    mb = datasketch.MinHash(num_perm=128, seed=1, hashfunc=int)
    mb.update_batch([int(x) for x in b])
    la = datasketch.LeanMinHash(ma)
    np.testing.assert_array_equal(minhash(a, perm), np.asarray(la.hashvalues))
    ours = float(np.mean(minhash(a, perm) == minhash(b, perm)))
    assert ours == pytest.approx(la.jaccard(datasketch.LeanMinHash(mb)))


def test_datasketch_default_hash_on_real_shingles() -> None:
    # Shingle bytes hashed with datasketch's own sha1_hash32, then fed to both.
    from datasketch.hashfunc import sha1_hash32

    shingles = [f"word{i} word{i + 1} word{i + 2}".encode() for i in range(200)]
    m = datasketch.MinHash(num_perm=64, seed=3)
    m.update_batch(shingles)
    ours = minhash(np.array([sha1_hash32(s) for s in shingles], dtype=np.uint32), permutations(64, 3))
    np.testing.assert_array_equal(ours, m.hashvalues)


def test_empty_set_gives_datasketch_empty_value() -> None:
    sig = minhash(np.zeros(0, dtype=np.uint32), permutations(32, 1))
    assert (sig == EMPTY_VALUE).all()
    ds = datasketch.MinHash(num_perm=32, seed=1)
    np.testing.assert_array_equal(sig, ds.hashvalues)


def test_minhash_many_equals_one_by_one() -> None:
    perm = permutations(64, 1)
    rng = np.random.default_rng(0)
    sets = [rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32) for n in (0, 1, 5, 300)]
    many = minhash_many(sets, perm)
    for row, s in zip(many, sets, strict=True):
        np.testing.assert_array_equal(row, minhash(s, perm))


def test_permutations_validate_num_perm() -> None:
    with pytest.raises(ValueError, match="num_perm"):
        permutations(0, 1)


@pytest.mark.parametrize(
    ("lengths", "ngram", "expected"),
    [
        ([], 5, 0),
        ([3], 5, 1),  # a short sentence is one shingle
        ([5], 5, 1),
        ([7], 5, 3),
        ([7, 2], 5, 4),  # shingles never cross sentences
        ([4, 4], 3, 4),
    ],
    ids=["empty", "short", "exact", "long", "two-sentences", "trigrams"],
)
def test_shingle_count(lengths: list[int], ngram: int, expected: int) -> None:
    words = [f"w{i}" for i in range(sum(lengths))]
    assert len(shingle_hashes(word_hashes(words), lengths, ngram)) == expected


def test_shingles_survive_sentence_reordering() -> None:
    s1 = ["the", "council", "met", "on", "monday", "night"]
    s2 = ["residents", "asked", "for", "a", "new", "bridge"]
    a = shingle_hashes(word_hashes(s1 + s2), [6, 6], 5)
    b = shingle_hashes(word_hashes(s2 + s1), [6, 6], 5)
    assert sorted(a.tolist()) == sorted(b.tolist())


def test_shingle_hash_depends_on_word_order() -> None:
    a = shingle_hashes(word_hashes(["a", "b", "c", "d", "e"]), [5], 5)
    b = shingle_hashes(word_hashes(["e", "d", "c", "b", "a"]), [5], 5)
    assert a.tolist() != b.tolist()


def test_ngram_out_of_range() -> None:
    with pytest.raises(ValueError, match="ngram"):
        shingle_hashes(word_hashes(["a"]), [1], 9)


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(0, 2**32 - 1), max_size=60), st.sets(st.integers(0, 2**32 - 1), max_size=60))
def test_estimate_is_symmetric_and_exact_for_equal_sets(a: set[int], b: set[int]) -> None:
    perm = permutations(64, 1)
    sa, sb = (
        minhash(np.array(sorted(a), dtype=np.uint32), perm),
        minhash(np.array(sorted(b), dtype=np.uint32), perm),
    )
    assert np.mean(sa == sb) == np.mean(sb == sa)
    if a == b:
        assert (sa == sb).all()
    # the union's signature is the element-wise minimum
    su = minhash(np.array(sorted(a | b), dtype=np.uint32), perm)
    np.testing.assert_array_equal(su, np.minimum(sa, sb))


_M64 = (1 << 64) - 1
_MULTS = [
    0x9E3779B97F4A7C15,
    0xC2B2AE3D27D4EB4F,
    0x165667B19E3779F9,
    0x85EBCA77C2B2AE63,
    0x27D4EB2F165667C5,
    0xFF51AFD7ED558CCD,
    0xC4CEB9FE1A85EC53,
    0xD6E8FEB86659FD93,
]


def _plain_shingles(words: list[str], lengths: list[int], ngram: int) -> list[int]:
    """The documented shingle hash, one n-gram at a time with Python integers."""
    hashes = word_hashes(words).tolist()
    full: list[int] = []
    short: list[int] = []
    start = 0
    for k in lengths:
        sent = hashes[start : start + k]
        start += k
        if 0 < k < ngram:
            short.append((sum(w * m for w, m in zip(sent, _MULTS, strict=False)) & _M64) ^ k)
        for i in range(k - ngram + 1):
            full.append(sum(w * m for w, m in zip(sent[i : i + ngram], _MULTS, strict=False)) & _M64)
    out = []
    for h in full + short:
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & _M64
        h ^= h >> 33
        out.append(h >> 32)
    return out


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(["a", "b", "council", "é", "7", "x"]), max_size=12), max_size=8),
    st.integers(1, 8),
)
def test_shingle_hashes_equal_plain_per_ngram_hashes(sentences: list[list[str]], ngram: int) -> None:
    words = [w for s in sentences for w in s]
    lengths = [len(s) for s in sentences]
    assert shingle_hashes(word_hashes(words), lengths, ngram).tolist() == _plain_shingles(
        words, lengths, ngram
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 2**32 - 1), max_size=80), st.integers(1, 70))
def test_minhash_equals_plain_minimum(values: list[int], num_perm: int) -> None:
    a, b = permutations(num_perm, 3)
    expected = [0xFFFFFFFF] * num_perm
    for v in values:
        v ^= v >> 16
        v = (v * 0x85EBCA6B) & 0xFFFFFFFF
        v ^= v >> 13
        v = (v * 0xC2B2AE35) & 0xFFFFFFFF
        v ^= v >> 16
        expected = [
            min(e, (int(ak) * v + int(bk)) & 0xFFFFFFFF) for e, ak, bk in zip(expected, a, b, strict=True)
        ]
    assert minhash(np.array(values, dtype=np.uint32), (a, b)).tolist() == expected
