"""
Filters that do something
=========================

A kernel is a small pattern of weights; sliding it over a signal or an image
computes, at every position, how much the neighbourhood looks like that
pattern.  Choosing the weights chooses what the filter does.  This example
finds peaks in a signal, then blurs, differentiates and sharpens a
photograph (scikit-learn's ``china.jpg``, shipped in its wheel), and shows
what each boundary mode does at the edges.
"""
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_image

import fastconv

FAST = os.environ.get("FASTCONV_EXAMPLES_FAST", "") not in ("", "0")

# %%
# Peaks: ``[-1, 1, -1]`` in ``'valid'`` mode
# ------------------------------------------
# Correlating with ``[-1, 1, -1]`` scores each sample by how much it stands
# above both neighbours, ``x[n] - x[n-1] - x[n+1]``: a slow wave scores
# about ``-x[n]``, a spike of height ``h`` scores about ``h``.  In ``'valid'``
# mode, output ``n`` is centred on input ``n + 1``.

rng = np.random.default_rng(0)
t = np.arange(1000)
signal = 0.3 * np.sin(2 * np.pi * t / 400) + 0.02 * rng.standard_normal(t.size)
true_peaks = np.array([120, 380, 610, 870])
signal[true_peaks] += [1.5, 1.0, 2.0, 1.2]

score = fastconv.correlate(signal, [-1, 1, -1], "valid")
found = np.sort(np.argsort(score)[-len(true_peaks):] + 1)
print("peaks found at", found)
np.testing.assert_array_equal(found, true_peaks)

fig, axes = plt.subplots(2, 1, figsize=(8, 4), sharex=True)
axes[0].plot(t, signal, lw=0.8)
axes[0].plot(found, signal[found], "rv", label="found")
axes[0].set_title("signal with four spikes", fontsize=9)
axes[0].legend(fontsize=8)
axes[1].plot(t[1:-1], score, lw=0.8, color="tab:green")
axes[1].set_title("correlate(signal, [-1, 1, -1], 'valid'), plotted at n + 1", fontsize=9)
fig.tight_layout()

# %%
# Four classic image filters
# --------------------------

photo = load_sample_image("china.jpg").astype(np.float64).mean(axis=2) / 255.0   # 427x640 gray
if FAST:
    photo = photo[::3, ::3]                             # a quick look: a third of the size


def gaussian(size, sigma):
    ax = np.arange(size) - (size - 1) / 2
    g = np.exp(-(ax[:, None] ** 2 + ax[None, :] ** 2) / (2 * sigma**2))
    return g / g.sum()                                  # weights sum to 1: keeps the brightness


sobel_x = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)   # d/dx, smoothed along y
sharpen = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float)  # identity + Laplacian

blurred = fastconv.convolve2d(photo, gaussian(9, 2.0), "same", boundary="symm")
gx = fastconv.convolve2d(photo, sobel_x, "same", boundary="symm")
gy = fastconv.convolve2d(photo, sobel_x.T, "same", boundary="symm")
edges = np.hypot(gx, gy)
sharpened = np.clip(fastconv.convolve2d(photo, sharpen, "same", boundary="symm"), 0, 1)

# a symmetric blur with mirrored edges keeps the mean brightness
assert abs(blurred.mean() - photo.mean()) < 1e-12

fig, axes = plt.subplots(2, 2, figsize=(10, 7))
for ax, (title, img) in zip(axes.flat, [("photograph", photo), ("Gaussian blur, 9x9, sigma 2", blurred),
                                        ("Sobel edge magnitude", edges), ("sharpened", sharpened)]):
    ax.imshow(img, cmap="gray")
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# Boundary modes side by side
# ---------------------------
# A large blur (31x31) shows what the kernel reads beyond the edges: zeros
# (``'fill'``) darken the border, ``'wrap'`` pulls in the opposite edge (the
# sky at the top comes from the bottom of the picture), ``'symm'`` mirrors
# the image and leaves the border as bright as the inside.

box = np.ones((31, 31)) / 31**2
fig, axes = plt.subplots(1, 3, figsize=(11, 3.0))
for ax, boundary in zip(axes, ["fill", "wrap", "symm"]):
    out = fastconv.convolve2d(photo, box, "same", boundary=boundary)
    ax.imshow(out, cmap="gray", vmin=0, vmax=1)
    ax.set_title(f"31x31 box blur, boundary='{boundary}'", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# sphinx_gallery_thumbnail_number = 2
plt.show()
