"""
Convolution by hand
===================

The convolution of a signal ``a`` with a kernel ``v`` is

.. math::

   (a * v)[n] = \\sum_k a[k] \\, v[n - k].

Read as a recipe: **flip** the kernel, **slide** it along the signal, and at
each position **multiply** the overlapping values and **sum** the products.
This example does exactly that for the textbook case

``convolve([1, 0.5, 1, 1], [1, 0.5, 0.25]) == [1, 1, 1.5, 1.625, 0.75, 0.25]``

draws every step, and checks the result against :mod:`fastconv.reference`
(the definition in plain Python), :func:`numpy.convolve`, and
:func:`fastconv.convolve` with each of its methods.
"""
import matplotlib.pyplot as plt
import numpy as np

import fastconv
import fastconv.reference

a = np.array([1, 0.5, 1, 1])
v = np.array([1, 0.5, 0.25])

# %%
# Step 1: flip the kernel
# -----------------------
# ``v[n - k]`` read for increasing ``k`` runs through ``v`` backwards.

v_flipped = v[::-1]
print("kernel          ", v)
print("flipped kernel  ", v_flipped)

# %%
# Steps 2 to 4: slide, multiply, sum
# ----------------------------------
# In ``'full'`` mode, output ``n`` puts the flipped kernel's last element
# under ``a[n]``; positions where it hangs over the signal's edge read zeros.
# There are ``len(a) + len(v) - 1 = 6`` positions.

n_out = len(a) + len(v) - 1
by_hand = np.zeros(n_out)
steps = []
for n in range(n_out):
    positions = np.arange(n - len(v) + 1, n + 1)        # where the flipped kernel sits
    inside = (positions >= 0) & (positions < len(a))
    products = np.where(inside, a[np.clip(positions, 0, len(a) - 1)], 0.0) * v_flipped
    by_hand[n] = products.sum()
    steps.append((positions, products))
    terms = " + ".join(f"{p:g}" for p, ok in zip(products, inside) if ok)
    print(f"out[{n}] = {terms} = {by_hand[n]:g}")

fig, axes = plt.subplots(n_out, 1, figsize=(7, 1.25 * n_out), sharex=True)
for n, (ax, (positions, products)) in enumerate(zip(axes, steps)):
    ax.bar(np.arange(len(a)), a, width=0.8, color="lightgray", label="signal a")
    ax.bar(positions, v_flipped, width=0.4, color="tab:orange", label="flipped kernel")
    for p, prod in zip(positions, products):
        if 0 <= p < len(a):
            ax.text(p, 1.1, f"{prod:g}", ha="center", fontsize=8, color="tab:red")
    ax.text(len(a) + 2.0, 0.5, f"sum = out[{n}] = {by_hand[n]:g}", va="center", fontsize=9)
    ax.set_ylim(0, 1.45)
    ax.set_yticks([])
    ax.set_xlim(-2.6, len(a) + 5.2)
axes[0].set_title("flip, slide, multiply (red: the products), sum", fontsize=10)
axes[-1].set_xticks(range(-2, len(a) + 2))
axes[-1].set_xlabel("index into a")
handles, labels = axes[0].get_legend_handles_labels()
fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8)
fig.tight_layout(rect=(0, 0.04, 1, 1))

# %%
# The result, checked three ways
# ------------------------------

expected = [1, 1, 1.5, 1.625, 0.75, 0.25]
np.testing.assert_array_equal(by_hand, expected)
np.testing.assert_array_equal(fastconv.reference.convolve(a, v), expected)   # the definition
np.testing.assert_array_equal(np.convolve(a, v), expected)                   # NumPy
for method in ("direct", "im2col", "fft", "auto"):
    got = fastconv.convolve(a, v, method=method)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    print(f"fastconv.convolve(a, v, method={method!r:9}) = {got}")

# %%
# The other modes keep part of these outputs: ``'same'`` the ``max(M, N)``
# central ones, ``'valid'`` those where the kernel fits inside the signal.

print("same :", fastconv.convolve(a, v, "same"))
print("valid:", fastconv.convolve(a, v, "valid"))
np.testing.assert_array_equal(fastconv.convolve(a, v, "same"), np.convolve(a, v, "same"))
np.testing.assert_array_equal(fastconv.convolve(a, v, "valid"), [1.5, 1.625])

plt.show()
