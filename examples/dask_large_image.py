"""
Filtering an image larger than memory with fastconv.dask
========================================================

An image stored on disk as a NumPy memmap is read as a dask array, chunk by
chunk, blurred with a 5 x 5 kernel by `fastconv.dask.convolve2d`, and the
result is written to a second memmap, again chunk by chunk: at no time does
the whole image, or the whole result, sit in memory.  Each chunk reads the
two-pixel halo it needs from its neighbours, and the symmetric boundary of
the whole image is the one `scipy.signal.convolve2d` uses, so the result is
exactly the in-memory ``fastconv.convolve2d(image, kernel, 'same', 'symm')``.

Run it with ``python examples/dask_large_image.py``; with the environment
variable ``FASTCONV_EXAMPLES_FAST=1`` it uses a small image (for tests and
the documentation build).
"""
import os
import tempfile
import time

import dask
import dask.array as da
import numpy as np

import fastconv
import fastconv.dask

FAST = os.environ.get("FASTCONV_EXAMPLES_FAST") == "1"
SIZE = 1024 if FAST else 8192          # 8192 x 8192 float32: 256 MiB on disk
CHUNK = 256 if FAST else 1024

# %%
# An image on disk
# ----------------
# A memmap stands for any on-disk format dask can read by chunks (zarr,
# HDF5, TIFF tiles...).  It is written band by band, never whole.

workdir = tempfile.mkdtemp(prefix="fastconv-dask-")
source_path = os.path.join(workdir, "image.f32")
image_on_disk = np.lib.format.open_memmap(source_path, mode="w+", dtype=np.float32,
                                          shape=(SIZE, SIZE))
rng = np.random.default_rng(0)
y = np.arange(SIZE, dtype=np.float32)[:, None]
x = np.arange(SIZE, dtype=np.float32)[None, :]
for top in range(0, SIZE, CHUNK):
    rows = y[top:top + CHUNK]
    band = np.sin(rows / 97.0) * np.cos(x / 61.0)           # a smooth pattern...
    band += 0.5 * rng.standard_normal(band.shape).astype(np.float32)   # ...and noise
    image_on_disk[top:top + CHUNK] = band
image_on_disk.flush()
del image_on_disk

# %%
# A lazy blur
# -----------
# Opening the memmap read-only and wrapping it in a dask array reads nothing
# yet; `fastconv.dask.convolve2d` only builds the graph: one task per output
# chunk, each reading its chunk and the halo around it.

image = da.from_array(np.load(source_path, mmap_mode="r"), chunks=CHUNK)
kernel = np.full((5, 5), 1 / 25, dtype=np.float32)
blurred = fastconv.dask.convolve2d(image, kernel, mode="same", boundary="symm")
print(f"image {image.shape} {image.dtype} in {image.numblocks} chunks; "
      f"result {blurred.shape}, {len(blurred.__dask_graph__())} tasks in the graph")

# %%
# Computing into a file
# ---------------------
# `dask.array.store` computes the chunks (on Dask's threads: each fastconv
# task runs on one thread) and writes each into the output memmap as soon as
# it is done.

result_path = os.path.join(workdir, "blurred.f32")
result_on_disk = np.lib.format.open_memmap(result_path, mode="w+", dtype=np.float32,
                                           shape=blurred.shape)
start = time.perf_counter()
with dask.config.set(scheduler="threads"):
    da.store(blurred, result_on_disk)
result_on_disk.flush()
print(f"blurred and stored in {time.perf_counter() - start:.2f} s")

# %%
# The same result as in memory
# ----------------------------
# A band of rows is checked against the in-memory function on the band plus
# its halo (the whole image may not fit; the band does).

band = slice(SIZE // 2 - CHUNK // 2, SIZE // 2 + CHUNK // 2)
source = np.load(source_path, mmap_mode="r")
with_halo = np.asarray(source[band.start - 2:band.stop + 2])
expected = fastconv.convolve2d(with_halo, kernel, "same", "symm")[2:-2]
# columns: the band spans the whole width, so its left and right boundary are the image's
got = np.asarray(np.load(result_path, mmap_mode="r")[band])
print(f"largest difference from the in-memory result on rows {band.start}..{band.stop - 1}: "
      f"{np.abs(got - expected).max():.3g}")
assert np.array_equal(got, expected) or np.allclose(got, expected, rtol=1e-6, atol=1e-6)

for path in (source_path, result_path):
    os.remove(path)
os.rmdir(workdir)
