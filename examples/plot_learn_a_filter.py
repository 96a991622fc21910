"""
Where a filter's numbers come from: learning a kernel
=====================================================

A CNN does not get its filters from a textbook: it starts from random
numbers and improves them, step by step, to reduce a loss.  Here is that
process on its smallest scale.  We make pairs of images with a known filter
(a Sobel kernel), start a 3x3 kernel at random values, and learn it back by
gradient descent: at each step :func:`fastconv.convolve2d_backward` gives
the gradient of the loss with respect to the kernel, and the kernel moves
against it.

The data are crops of scikit-image's ``camera`` (shipped in its wheel).
"""
import os

import matplotlib.pyplot as plt
import numpy as np
from skimage import data

import fastconv

FAST = os.environ.get("FASTCONV_EXAMPLES_FAST", "") not in ("", "0")
STEPS = 60 if FAST else 300

# %%
# Input/output pairs made with a known filter
# -------------------------------------------
# The inputs are eight 64x64 crops of the photograph (standardized); each
# target is the crop filtered by the Sobel kernel in ``'valid'`` mode.

image = data.camera().astype(np.float64)
image = (image - image.mean()) / image.std()
sobel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)

rng = np.random.default_rng(0)
corners = rng.integers(0, image.shape[0] - 64, size=(8, 2))
inputs = [image[r:r + 64, c:c + 64] for r, c in corners]
targets = [fastconv.convolve2d(x, sobel, "valid") for x in inputs]

# %%
# Gradient descent
# ----------------
# The loss is the mean squared difference between ``convolve2d(x, kernel)``
# and the target, averaged over the pairs.  Its gradient with respect to the
# output is ``2 * residual / residual.size``; ``convolve2d_backward`` carries
# it back to the two inputs of the convolution, the image (which we do not
# need) and the kernel.  The update is gradient descent with momentum.


def loss_and_gradient(kernel):
    loss, grad = 0.0, np.zeros_like(kernel)
    for x, y in zip(inputs, targets):
        residual = fastconv.convolve2d(x, kernel, "valid") - y
        loss += np.mean(residual**2) / len(inputs)
        _, grad_kernel = fastconv.convolve2d_backward(2 * residual / residual.size / len(inputs),
                                                      x, kernel, "valid")
        grad += grad_kernel
    return loss, grad


kernel = 0.1 * rng.standard_normal((3, 3))              # random at first
velocity = np.zeros_like(kernel)
snapshots = {0: kernel.copy()}
losses = []
for step in range(1, STEPS + 1):
    loss, grad = loss_and_gradient(kernel)
    losses.append(loss)
    velocity = 0.9 * velocity - 0.15 * grad
    kernel = kernel + velocity
    if step in (5, 20, 50, STEPS):
        snapshots[step] = kernel.copy()

print("learned kernel:\n", np.round(kernel, 3))
print(f"loss {losses[0]:.3g} -> {losses[-1]:.3g}")
assert losses[-1] < 1e-2 * losses[0]
if not FAST:
    np.testing.assert_allclose(kernel, sobel, atol=1e-3)

# %%
# The kernel as it learns
# -----------------------
# Random numbers first; then the structure appears (a column of positive
# weights, a column of negative ones, zeros between) and the values settle on
# the true ones.

fig, axes = plt.subplots(1, len(snapshots) + 1, figsize=(2.1 * (len(snapshots) + 1), 2.6))
for ax, (title, k) in zip(axes, [(f"step {s}", k) for s, k in snapshots.items()] + [("Sobel (true)", sobel)]):
    ax.imshow(k, cmap="RdBu_r", vmin=-2.2, vmax=2.2)
    for (i, j), value in np.ndenumerate(k):
        ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# The loss falls by many orders of magnitude: the data were made by a 3x3
# filter, so a 3x3 kernel can fit them exactly.

fig, ax = plt.subplots(figsize=(6, 3))
ax.semilogy(np.arange(1, len(losses) + 1), losses)
ax.set_xlabel("step")
ax.set_ylabel("mean squared error")
ax.set_title("training loss", fontsize=9)
fig.tight_layout()

plt.show()
