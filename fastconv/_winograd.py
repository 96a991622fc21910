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


def check_applicable(fname, g):
    """ValueError naming the reason when Winograd cannot run layer g."""
    reason = not_applicable(g)
    if reason is not None:
        raise ValueError(f"{fname}: method='winograd' computes 3x3 layers with stride 1 and "
                         f"dilation 1; this layer cannot use it: {reason}")


def run(grad_input, inp, weight, bias, out, geometry, dtype_code, tile=None):
    """out = the layer's forward pass of inp (grad_input False) or its
    grad_input from inp = grad_output (True), by Winograd F(tile x tile, 3x3)
    within the nn workspace budget (fastconv._config.nn_tile_bytes)."""
    _ext.conv2d_winograd(inp, weight, bias, out, tuple(geometry), dtype_code, grad_input,
                         DEFAULT_TILE if tile is None else tile, _config.nn_tile_bytes(),
                         _isa.current)


def workspace(geometry, grad_input=False, tile=None, itemsize=4):
    """(tiles, input-channel block, output-channel block, bytes) of the
    workspace Winograd allocates for this layer within the nn budget."""
    return _ext.workspace(tuple(geometry), grad_input, DEFAULT_TILE if tile is None else tile,
                          itemsize, _config.nn_tile_bytes())
