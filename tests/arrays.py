"""Random test data for every dtype fastconv computes, and the float64 exact
values / magnitudes that the scaled tolerance needs."""
import numpy as np

KERNEL_DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32,
                 np.int64, np.uint64, np.float16, np.float32, np.float64,
                 np.complex64, np.complex128]
FLOAT_DTYPES = [np.float16, np.float32, np.float64, np.complex64, np.complex128]
METHODS = ["direct", "im2col", "auto"]


def random_array(rng, shape, dtype):
    """Values spanning the dtype: full range for integers (so sums wrap),
    standard normal for floats (float16: a few units, to stay finite)."""
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, shape).astype(bool)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, endpoint=True, dtype=dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def exact_and_magnitude(op, a, v, *args):
    """op on the inputs in float64/complex128 (their values are exact there)
    and op on their absolute values: the two inputs of assert_scaled_close."""
    wide = np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(v) else np.float64
    exact = op(np.asarray(a, dtype=wide), np.asarray(v, dtype=wide), *args)
    magnitude = op(np.abs(np.asarray(a, dtype=wide)), np.abs(np.asarray(v, dtype=wide)), *args)
    return exact, magnitude
