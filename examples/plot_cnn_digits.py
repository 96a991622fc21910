"""
A CNN's weights are its kernels: training a small CNN on digits
===============================================================

A convolutional layer holds a stack of small kernels, and its output is the
cross-correlation of the input with each of them (see
:doc:`plot_flip`).  Those kernels are the network's weights.  Nobody chooses
their values: they start random, and backpropagation turns them, a small
step at a time, into whatever filters make the loss small.

This example trains a small CNN on scikit-learn's handwritten digits (1797
images of 8x8 pixels, shipped in its wheel) with :mod:`fastconv.nn` for the
convolutions and the ReLU, forward and backward, and NumPy for the rest:

``conv 5x5 (1 -> 8) -> ReLU -> max-pool 2 -> conv 3x3 (8 -> 16) -> ReLU ->
max-pool 2 -> linear (64 -> 10) -> softmax cross-entropy``

Every gradient is written out: :func:`fastconv.nn.conv2d_backward` for the
convolutions, :func:`fastconv.nn.relu_backward` for the ReLU, a few lines of
NumPy for pooling, the linear layer and the loss.  It reaches about 98 % test accuracy in a few seconds.
"""
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from fastconv import nn

FAST = os.environ.get("FASTCONV_EXAMPLES_FAST", "") not in ("", "0")
EPOCHS = 3 if FAST else 15          # fast mode: 3 short epochs of 8 batches, to show the plots
rng = np.random.default_rng(0)

# %%
# The data
# --------

digits = load_digits()
images = (digits.images / 16.0).astype(np.float32)[:, None]   # (1797, 1, 8, 8), NCHW
x_train, x_test, y_train, y_test = train_test_split(images, digits.target, test_size=0.25,
                                                    stratify=digits.target, random_state=0)
print(f"{len(x_train)} training and {len(x_test)} test images of {images.shape[2:]} pixels")

# %%
# The layers and their gradients
# ------------------------------
# Max-pooling keeps the largest of each 2x2 block; its gradient goes back to
# the element that was kept.  The loss is softmax cross-entropy, whose
# gradient with respect to the scores is ``softmax - one_hot``.


def maxpool2(x):
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    return out, (blocks == out[:, :, :, None, :, None])


def maxpool2_backward(grad_out, argmax_mask):
    grad = argmax_mask * grad_out[:, :, :, None, :, None]
    n, c, h2, _, w2, _ = grad.shape
    return grad.reshape(n, c, 2 * h2, 2 * w2)


def he_init(shape):
    fan_in = np.prod(shape[1:])
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


params = {
    "w1": he_init((8, 1, 5, 5)), "b1": np.zeros(8, np.float32),      # 8 kernels of 5x5
    "w2": he_init((16, 8, 3, 3)), "b2": np.zeros(16, np.float32),    # 16 kernels of 8x3x3
    "w3": he_init((10, 64)), "b3": np.zeros(10, np.float32),         # linear: 16*2*2 -> 10
}
initial_filters = params["w1"].copy()


def forward(p, x):
    z1 = nn.conv2d(x, p["w1"], p["b1"], padding="same")              # (N, 8, 8, 8)
    a1, m1 = maxpool2(nn.relu(z1))                                   # (N, 8, 4, 4)
    z2 = nn.conv2d(a1, p["w2"], p["b2"], padding="same")             # (N, 16, 4, 4)
    a2, m2 = maxpool2(nn.relu(z2))                                   # (N, 16, 2, 2)
    flat = a2.reshape(len(x), -1)                                    # (N, 64)
    scores = flat @ p["w3"].T + p["b3"]                              # (N, 10)
    return scores, (x, z1, m1, a1, z2, m2, flat)


def loss_and_gradients(p, x, y):
    scores, (x, z1, m1, a1, z2, m2, flat) = forward(p, x)
    shifted = scores - scores.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    loss = -np.mean(np.log(probs[np.arange(len(y)), y] + 1e-12))
    g_scores = probs
    g_scores[np.arange(len(y)), y] -= 1
    g_scores /= len(y)                                               # d loss / d scores
    g = {"w3": g_scores.T @ flat, "b3": g_scores.sum(axis=0)}
    g_a2 = (g_scores @ p["w3"]).reshape(m2.shape[0], 16, 2, 2)
    g_z2 = nn.relu_backward(maxpool2_backward(g_a2, m2), z2)         # back through pool and ReLU
    g_a1, g["w2"], g["b2"] = nn.conv2d_backward(g_z2, a1, p["w2"], padding="same")
    g_z1 = nn.relu_backward(maxpool2_backward(g_a1, m1), z1)
    _, g["w1"], g["b1"] = nn.conv2d_backward(g_z1, x, p["w1"], padding="same",
                                             output_mask=(False, True, True))
    return loss, g


def accuracy(p, x, y):
    return np.mean(forward(p, x)[0].argmax(axis=1) == y)


# %%
# Training
# --------
# Mini-batches of 32, SGD with momentum; the step size falls linearly to
# zero over the epochs, so that the weights settle at the end.

batch, lr0, momentum = 32, 0.05, 0.9
velocity = {k: np.zeros_like(v) for k, v in params.items()}
history = {"loss": [], "train": [], "test": []}
batches_per_epoch = 8 if FAST else None
for epoch in range(EPOCHS):
    lr = lr0 * (1 - epoch / EPOCHS)
    order = rng.permutation(len(x_train))
    losses = []
    for start in range(0, len(order), batch)[:batches_per_epoch]:
        idx = order[start:start + batch]
        loss, grads = loss_and_gradients(params, x_train[idx], y_train[idx])
        for k in params:
            velocity[k] = momentum * velocity[k] - lr * grads[k]
            params[k] += velocity[k].astype(np.float32)
        losses.append(loss)
    history["loss"].append(np.mean(losses))
    history["train"].append(accuracy(params, x_train, y_train))
    history["test"].append(accuracy(params, x_test, y_test))
    print(f"epoch {epoch + 1:2d}: loss {history['loss'][-1]:.4f}, "
          f"train accuracy {history['train'][-1]:.3f}, test accuracy {history['test'][-1]:.3f}")

if not FAST:
    assert history["test"][-1] >= 0.97, history["test"][-1]

# %%
# The first layer's kernels, before and after
# -------------------------------------------
# Before training the eight 5x5 kernels are noise.  After it, they are
# filters: strokes, edges and blobs at different orientations, the patterns
# whose presence the later layers combine into digits.

fig, axes = plt.subplots(2, 8, figsize=(10, 3))
for row, (title, filters) in enumerate([("random (initial)", initial_filters),
                                        ("learned", params["w1"])]):
    for j in range(8):
        k = filters[j, 0]
        lim = np.abs(k).max()
        axes[row, j].imshow(k, cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[row, j].set_xticks([])
        axes[row, j].set_yticks([])
    axes[row, 0].set_ylabel(title, fontsize=9)
fig.suptitle("first-layer kernels (red positive, blue negative)", fontsize=10)
fig.tight_layout()

# %%
# What the first layer sees in one digit
# --------------------------------------
# Each feature map is the digit correlated with one learned kernel (plus its
# bias, through the ReLU): bright where the digit has that kernel's pattern.

digit = x_test[:1]
maps = nn.relu(nn.conv2d(digit, params["w1"], params["b1"], padding="same"))[0]
fig, axes = plt.subplots(1, 9, figsize=(11, 1.8))
axes[0].imshow(digit[0, 0], cmap="gray_r")
axes[0].set_title(f"digit {y_test[0]}", fontsize=9)
for j in range(8):
    axes[j + 1].imshow(maps[j], cmap="magma")
    axes[j + 1].set_title(f"map {j}", fontsize=8)
for ax in axes:
    ax.set_xticks([])
    ax.set_yticks([])
fig.tight_layout()

# %%
# Loss, accuracy, and the confusion matrix
# ----------------------------------------

fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(12, 3.6))
epochs = np.arange(1, len(history["loss"]) + 1)
ax1.plot(epochs, history["loss"], "o-")
ax1.set_xlabel("epoch")
ax1.set_title("training loss", fontsize=9)
ax2.plot(epochs, history["train"], "o-", label="train")
ax2.plot(epochs, history["test"], "s-", label="test")
ax2.set_xlabel("epoch")
ax2.set_title("accuracy", fontsize=9)
ax2.legend(fontsize=8)
predicted = forward(params, x_test)[0].argmax(axis=1)
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (y_test, predicted), 1)
ax3.imshow(confusion, cmap="Blues")
for (i, j), count in np.ndenumerate(confusion):
    if count:
        ax3.text(j, i, count, ha="center", va="center", fontsize=7,
                 color="white" if count > confusion.max() / 2 else "black")
ax3.set_xticks(range(10))
ax3.set_yticks(range(10))
ax3.set_xlabel("predicted")
ax3.set_ylabel("true")
ax3.set_title(f"test set: {np.mean(predicted == y_test):.1%} correct", fontsize=9)
fig.tight_layout()

plt.show()
