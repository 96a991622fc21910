"""fastconv.nn's Winograd method: which layers it runs, which tile it uses,
where 'auto' may take it, and the call into the C core.

Winograd's minimal filtering F(m x m, 3 x 3) (Lavin & Gray 2016) computes an
m x m output tile of a 3x3 correlation with (m+2)^2 multiplications instead
of 9 m^2, at the price of input / output transforms and a larger rounding
error that grows with m.  It applies to 3x3 kernels with stride 1 and
dilation 1, forward and grad_input (a 3x3 stride-1 correlation with the
weights transposed within each group and flipped); the C core is
csrc/nn/winograd.c, the user-guide page docs/guide/winograd.rst has the
measured error and speed behind every constant below.
"""
from fastconv import _config, _isa
from fastconv._ext import _nn_winograd as _ext

TILE_SIZES = (2, 4, 6)

# The tile of method='winograd': F(4x4, 3x3), the fastest tile on the dense
# layers measured (docs/guide/winograd.rst) with an error 2-4x below F(6x6)'s.
DEFAULT_TILE = 4


def not_applicable(g):
    """Why Winograd cannot run layer geometry g, or None when it can."""
    if (g.kh, g.kw) != (3, 3):
        return f"its kernel is {g.kh}x{g.kw}, not 3x3"
    if (g.stride_h, g.stride_w) != (1, 1):
        return f"its stride is {(g.stride_h, g.stride_w)}, not 1"
    if (g.dil_h, g.dil_w) != (1, 1):
        return f"its dilation is {(g.dil_h, g.dil_w)}, not 1"
    return None


# Channels per group (input and output) from which Winograd F(4x4) beat
# im2col in the forward sweep of bench/winograd_crossover.py (1 thread,
# float32, extents 7..56; docs/guide/winograd.rst): below it the transforms
# cost more than the multiplications they save.
FASTER_MIN_CHANNELS = 16


def faster_than_im2col(g):
    """True when Winograd is expected to beat im2col on layer geometry g
    (the measured crossover), for a chooser that may take it; False for
    layers it cannot run.  'auto' does not use it (see the module
    docstring of fastconv/nn.py: Winograd fails the elementwise bound)."""
    if not_applicable(g) is not None:
        return False
    cg, og = g.c_in // g.groups, g.c_out // g.groups
    return min(cg, og) >= FASTER_MIN_CHANNELS and g.h_out * g.w_out >= 16


def check_applicable(fname, g):
    """ValueError naming the reason when Winograd cannot run layer g."""
    reason = not_applicable(g)
    if reason is not None:
        raise ValueError(f"{fname}: method='winograd' computes 3x3 layers with stride 1 and "
                         f"dilation 1; this layer cannot use it: {reason}")


def run(grad_input, inp, weight, bias, out, geometry, dtype_code, tile=None, nthreads=1):
    """out = the layer's forward pass of inp (grad_input False) or its
    grad_input from inp = grad_output (True), by Winograd F(tile x tile, 3x3)
    within the nn workspace budget (fastconv._config.nn_tile_bytes), on up
    to nthreads threads (blocks of output tiles; the result is the same for
    every count)."""
    _ext.conv2d_winograd(inp, weight, bias, out, tuple(geometry), dtype_code, grad_input,
                         DEFAULT_TILE if tile is None else tile, _config.nn_tile_bytes(),
                         _isa.current, nthreads)


def workspace(geometry, grad_input=False, tile=None, itemsize=4):
    """(tiles, input-channel block, output-channel block, bytes) of the
    workspace Winograd allocates for this layer within the nn budget (bytes
    at its largest thread count; the blocks do not depend on threads)."""
    return _ext.workspace(tuple(geometry), grad_input, DEFAULT_TILE if tile is None else tile,
                          itemsize, _config.nn_tile_bytes())


def tile_magnitude(inp, weight, padding, tile, groups=1, grad_input=False):
    """The scale of Winograd's rounding error at every output, for tests and
    error measurements: an elementwise analogue of the accuracy rule's (docs/guide/accuracy.rst) (|x| * |w|)
    in which each input is replaced by the largest |input| of the whole
    (tile+2) x (tile+2) input tile its output tile reads, since the
    transforms mix those before any product:

        tmag[b, o, i, j] = sum_c  max_{tile patch of (i, j)} |inp[b, c]| * sum_{r, q} |w(o, c, r, q)|

    inp is the layer's input x (grad_input False; output: y's extents) or
    its grad_output dy (True; output: x's extents, which must be passed as
    padding=((top, bottom), (left, right)) of the layer like the forward).
    weight is the layer's (c_out, c_in/groups, 3, 3).  The error of F(m x m)
    is at most c_m * K * eps * tmag, K = 9 * channels summed
    (docs/guide/winograd.rst has the measured c_m).
    """
    import numpy as np

    inp = np.abs(np.asarray(inp, dtype=np.float64))
    w1 = np.abs(np.asarray(weight, dtype=np.float64)).sum(axis=(2, 3))   # (c_out, cg)
    (pt, pb), (pl, pr) = padding
    n, channels, h, w = inp.shape
    if grad_input:
        # dx[h'] = sum dy[h' + pt - 2 + r] w[2 - r]: an input of dy's extents
        h_out, w_out = h + 2 - pt - pb, w + 2 - pl - pr
        off_h, off_w = pt - 2, pl - 2
        og, cg = w1.shape[0] // groups, w1.shape[1]
        w1 = np.concatenate([w1[g * og:(g + 1) * og].T for g in range(groups)])  # (c_in, og)
    else:
        h_out, w_out = h + pt + pb - 2, w + pl + pr - 2
        off_h, off_w = -pt, -pl
    outs = w1.shape[0]
    if n == 0 or h_out <= 0 or w_out <= 0:
        return np.zeros((n, outs, max(h_out, 0), max(w_out, 0)))
    alpha, m = tile + 2, tile
    th, tw = -(-h_out // m), -(-w_out // m)
    ext = np.zeros((n, channels, th * m + 2, tw * m + 2))
    # ext[.., a, b] = inp[.., a + off_h, b + off_w] where inside
    r0, c0 = max(0, -off_h), max(0, -off_w)
    r1, c1 = min(ext.shape[2], h - off_h), min(ext.shape[3], w - off_w)
    if r1 > r0 and c1 > c0:
        ext[:, :, r0:r1, c0:c1] = inp[:, :, r0 + off_h:r1 + off_h, c0 + off_w:c1 + off_w]
    patches = np.lib.stride_tricks.sliding_window_view(ext, (alpha, alpha), axis=(2, 3))
    patch_max = patches[:, :, ::m, ::m].max(axis=(-2, -1))
    per_group_in, per_group_out = channels // groups, outs // groups
    tmag = np.empty((n, outs, th, tw))
    for g in range(groups):
        tmag[:, g * per_group_out:(g + 1) * per_group_out] = np.einsum(
            "nctu,oc->notu", patch_max[:, g * per_group_in:(g + 1) * per_group_in],
            w1[g * per_group_out:(g + 1) * per_group_out])
    return np.repeat(np.repeat(tmag, m, axis=2), m, axis=3)[:, :, :h_out, :w_out]
