"""The branch-free helpers give the very bits of the numpy calls they replace (outputs must not move)."""

import numpy as np
import pytest

from simulations.arrays import SMALL, log1p_whole, select

RNG = np.random.default_rng(7)
N = SMALL + 1001  # above the size where select leaves np.where


@pytest.mark.parametrize("a, b", [
    (np.int8(3), RNG.integers(0, 9, N).astype(np.int8)),
    (2, RNG.integers(0, 9, N).astype(np.int8)),
    (1.5, RNG.random(N).astype(np.float32)),
    (RNG.random(N), RNG.random(N).astype(np.float32)),
    (np.float32(2), 0.0),
    (0.3, 0.0),
    (True, RNG.random(N) < 0.5),
    (RNG.integers(0, 5, N).astype(np.int32), -1),
    (np.nan, RNG.random(N)),
    (-0.0, 0.0),
])
@pytest.mark.parametrize("n", [N, 100])
def test_select_is_np_where_bit_for_bit(a, b, n):
    mask = RNG.random(N) < 0.4

    def cut(x):
        return x[:n] if np.ndim(x) else x

    expected, got = np.where(mask[:n], cut(a), cut(b)), select(mask[:n], cut(a), cut(b))
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.int64])
def test_log1p_whole_is_np_log1p_bit_for_bit(dtype):
    counts = RNG.integers(0, 5000, N).astype(dtype)
    assert log1p_whole(counts).tobytes() == np.log1p(counts).tobytes()
    assert log1p_whole(counts[:0]).size == 0
    negative = counts - 3
    with np.errstate(divide="ignore", invalid="ignore"):  # log1p(-1), log1p(-2): the fallback keeps numpy's answer
        assert log1p_whole(negative).tobytes() == np.log1p(negative).tobytes()
