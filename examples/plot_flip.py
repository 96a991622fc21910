"""
The flip: convolution, cross-correlation, and CNN layers
========================================================

Convolution flips the kernel before sliding it; cross-correlation slides it
as it is:

.. math::

   (a * v)[n] = \\sum_k a[n - k] \\, v[k], \\qquad
   (a \\star v)[n] = \\sum_k a[n + k] \\, v[k].

For a symmetric kernel (a blur, a Laplacian) the two agree.  For an
asymmetric one they do not, and the difference is easy to see: convolving an
impulse draws the kernel, correlating it draws the kernel backwards.

CNN libraries call their layers "convolution" but compute a
cross-correlation: the kernel is learned, so flipping it would change
nothing but the name.  :func:`fastconv.nn.conv2d` follows them, and this
example checks that it equals :func:`fastconv.correlate2d`, and
:func:`fastconv.convolve2d` with the flipped kernel.
"""
import matplotlib.pyplot as plt
import numpy as np
from skimage import data

import fastconv
from fastconv import nn

# %%
# An impulse and an asymmetric kernel
# -----------------------------------

impulse = np.zeros(11)
impulse[5] = 1.0
kernel = np.array([1.0, 2.0, 3.0])                      # asymmetric: a ramp up

conv = fastconv.convolve(impulse, kernel, "same")
corr = fastconv.correlate(impulse, kernel, "same")
print("convolve :", conv)                               # the kernel, in order
print("correlate:", corr)                               # the kernel, reversed
np.testing.assert_array_equal(conv[4:7], kernel)
np.testing.assert_array_equal(corr[4:7], kernel[::-1])

fig, axes = plt.subplots(1, 3, figsize=(9, 2.4), sharey=True)
for ax, y, title in zip(axes, [impulse, conv, corr],
                        ["impulse", "convolve(impulse, [1, 2, 3])", "correlate(impulse, [1, 2, 3])"]):
    ax.stem(np.arange(len(y)), y)
    ax.set_title(title, fontsize=9)
fig.tight_layout()

# %%
# On a photograph
# ---------------
# scikit-image's ``camera`` (shipped in its wheel).  The kernel is an
# asymmetric "comet": a bright head at the top-left and a fading tail.  The
# convolution drags a ghost of every edge one way, the correlation the
# other; correlating with the flipped kernel gives the convolution back.

image = data.camera().astype(np.float64) / 255.0
comet = np.zeros((15, 15))
comet[np.arange(15), np.arange(15)] = np.linspace(1.0, 0.1, 15)   # head at (0, 0)
comet /= comet.sum()

convolved = fastconv.convolve2d(image, comet, "same", boundary="symm")
correlated = fastconv.correlate2d(image, comet, "same", boundary="symm")
np.testing.assert_allclose(fastconv.correlate2d(image, comet[::-1, ::-1], "valid"),
                           fastconv.convolve2d(image, comet, "valid"), rtol=1e-12, atol=1e-12)

fig, axes = plt.subplots(1, 4, figsize=(11, 3.2))
crop = (slice(60, 260), slice(180, 380))               # the face and the camera
panels = [("the kernel (15x15)", comet, "viridis"), ("image", image[crop], "gray"),
          ("convolve2d", convolved[crop], "gray"), ("correlate2d", correlated[crop], "gray")]
for ax, (title, img, cmap) in zip(axes, panels):
    ax.imshow(img, cmap=cmap)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# A CNN layer is a cross-correlation
# ----------------------------------
# :func:`fastconv.nn.conv2d` takes a batch of images ``(N, C, H, W)`` and a
# weight ``(C_out, C_in, kH, kW)``, with the semantics of
# ``torch.nn.functional.conv2d``.  With one image, one channel and no
# padding it is exactly ``correlate2d(image, kernel, 'valid')``, and so
# ``convolve2d`` with the kernel flipped in both axes.

x = image[None, None]                                   # batch 1, 1 channel
w = comet[None, None]                                   # 1 -> 1 channel
layer = nn.conv2d(x, w)[0, 0]
np.testing.assert_allclose(layer, fastconv.correlate2d(image, comet, "valid"), rtol=1e-12, atol=1e-12)
np.testing.assert_allclose(layer, fastconv.convolve2d(image, comet[::-1, ::-1], "valid"),
                           rtol=1e-12, atol=1e-12)
print("nn.conv2d == correlate2d(..., 'valid') == convolve2d(flipped kernel, 'valid'):", layer.shape)

# %%
# With ``padding='same'`` the layer keeps the image's size, padding with
# zeros: it equals ``correlate2d`` in ``'same'`` mode with the default
# ``boundary='fill'`` (for an odd kernel; for an even one torch and SciPy put
# the extra row on different sides).

same = nn.conv2d(x, w, padding="same")[0, 0]
np.testing.assert_allclose(same, fastconv.correlate2d(image, comet, "same"), rtol=1e-12, atol=1e-12)

# sphinx_gallery_thumbnail_number = 2
plt.show()
