"""THE method chooser: `choose(op, shapes, dtype, boundary, threads)` for
every op of the package, and the one table of method codes.

Method names become a `Method` code once (`code`); the code is what the
rest of the package, and the Cython drivers, receive.

Signal ops ('correlate': the forward primitive, which is also every
grad_input; 'kernel_grad': the gradient of the kernel, few outputs of very
many taps) are priced by a cost model per method,

    direct   t = a + (b * MACs + b_edge * edge_MACs) * (1 + v / output_cols)
                     / speedup(threads)
    im2col   t = a + b * MACs
    fft      t = a + b * transform_work + c * blocks     (see _fft.block_plan)
             (b2 in place of b for 2-D transforms)

(MACs = outputs x taps of the outputs whose window lies inside x,
edge_MACs those of the others, which the direct kernels run on their slower
edge paths -- b_edge_1d for one-row problems, b_edge_2d for images; v
models the vector lanes a direct kernel leaves idle on short output rows; a
2-D transform costs more per element-log2 than a 1-D one, its column pass
striding through complex rows, hence b2; speedup(t) = 1 + (t - 1) *
efficiency), and 'auto' takes the cheapest.  Integer and bool dtypes never
take 'fft' (their results must be exact).  The constants are fitted on a machine by
``python -m fastconv.bench --fit-auto`` and shipped in data/auto_model.json
with the CPU they were fitted on.

Transfer to another machine: the choice depends only on ratios of the
methods' times, and a faster clock or memory speeds every method alike; what
changes a ratio is the ISA level of fastconv's own direct kernels (AVX2
against AVX-512 against scalar), not that of scipy.fft or BLAS, which
dispatch for themselves.  So the direct constants are fitted and stored per
ISA level (the fit runs the direct kernels at every level the CPU has, via
_isa.set_isa), and a call uses those of the level it runs at; a level the
fitting machine lacked (AVX-512 on an AVX2 machine) uses the nearest lower
fitted level, which can only overprice direct, never underprice it.

The nn layers' rule (direct up to a few output channels per group, im2col
beyond) is reproduced exactly by `choose` for ops 'nn_forward',
'nn_grad_input', 'nn_grad_weight'.
"""
import enum
import functools
import json
import math
import os
from importlib import resources

from fastconv import _fft, _isa


class Method(enum.IntEnum):
    """Method codes; 'auto' is resolved before any kernel runs."""
    AUTO = 0
    DIRECT = 1
    IM2COL = 2
    FFT = 3

    @property
    def label(self):
        """The method's name as users write it ('direct', ...)."""
        return self.name.lower()


_BY_NAME = {m.label: m for m in Method}

SIGNAL_OPS = ("correlate", "kernel_grad")
NN_OPS = ("nn_forward", "nn_grad_input", "nn_grad_weight")


def code(method):
    """The `Method` of a validated method name (or of a Method, unchanged)."""
    if isinstance(method, Method):
        return method
    return _BY_NAME[method]


def exact_dtype(dtype):
    """True for the dtypes whose results must be exact: bool and integers."""
    return dtype.kind in "biu"


def check_fft_dtype(dtype):
    """ValueError for method='fft' on a dtype whose results must be exact."""
    if exact_dtype(dtype):
        raise ValueError(
            f"method='fft' is not available for {dtype} inputs: the FFT rounds every output "
            f"in floating point, and {dtype} results must be exact; use method='direct', "
            f"'im2col' or 'auto'")


# --------------------------------------------------------------------------
# the fitted model
# --------------------------------------------------------------------------

MODEL_FILE = "auto_model.json"


def _load_model():
    path = os.environ.get("FASTCONV_AUTO_MODEL")
    if path:
        with open(path) as f:
            return json.load(f)
    text = resources.files("fastconv").joinpath("data", MODEL_FILE).read_text()
    return json.loads(text)


_model = _load_model()


def model():
    """The cost model in use (the parsed data file)."""
    return _model


def set_model(data):
    """Use the cost model `data` (a dict in the data file's format) from now
    on; returns the previous one (the calibration uses this)."""
    global _model
    old, _model = _model, data
    _choose_signal.cache_clear()
    return old


def _dtype_key(dtype):
    """The fitted dtype whose constants a dtype uses, and the factor on its
    direct and transform costs (a complex multiply-add is four real ones; a
    complex transform twice a real one of the same length)."""
    if dtype.kind == "c":
        return ("float32" if dtype.itemsize == 8 else "float64"), 4.0, 2.0
    if dtype.kind == "f":
        return ("float32" if dtype.itemsize <= 4 else "float64"), 1.0, 1.0
    return ("float32" if dtype.itemsize <= 4 else "float64"), 1.0, 1.0


def _speedup(efficiency, threads):
    return 1.0 + (max(threads, 1) - 1) * max(efficiency, 0.0)


def _direct_constants(dtype_key):
    levels = _model["direct"]
    for level in range(_isa.current, -1, -1):
        name = _isa.LEVELS[level]
        if name in levels:
            return levels[name][dtype_key]
    return next(iter(levels.values()))[dtype_key]


def direct_macs(shapes):
    """(MACs of the outputs whose window lies inside x, MACs of the others)
    of a call of shapes (x_shape, w_shape, out_shape), the window placed as
    'valid', 'same' and 'full' place it (and the primitive's (0, 0)): as many
    outputs inside along an axis as x has windows there, at most."""
    (xr, xc), (kr, kc), (out_r, out_c) = shapes
    inside = (min(out_r, max(xr - kr + 1, 0)) * min(out_c, max(xc - kc + 1, 0)))
    taps = float(kr * kc)
    return inside * taps, (out_r * out_c - inside) * taps


def edge_key(shapes):
    """The direct model's constant for the edge MACs of a call of `shapes`:
    'b_edge_1d' for a one-row problem, 'b_edge_2d' for an image."""
    return "b_edge_1d" if shapes[0][0] == 1 and shapes[1][0] == 1 else "b_edge_2d"


def edge_slope(constants, shapes):
    """The direct model's seconds per edge MAC (b where a model has none)."""
    return constants.get(edge_key(shapes), constants["b"])


def cost(method, op, shapes, dtype, boundary="zero", threads=1, batch=1, trim=(0, 0)):
    """Predicted seconds of a signal op by `method` (a Method).

    shapes = (x_shape, w_shape, out_shape), all 2-D (1-D is one row), of one
    item of a batch of `batch` problems of that geometry (axis= / axes=):
    the direct kernel runs the batch in one call (its fixed cost once), as
    the FFT does a batch of one-block items under the zero extension;
    otherwise the methods run item by item.  `trim`: the FFT's
    `_fft.zero_trim` of the call (zero extension only)."""
    x_shape, w_shape, out_shape = shapes
    outputs = out_shape[0] * out_shape[1]
    macs = float(outputs) * w_shape[0] * w_shape[1]
    key, mac_factor, transform_factor = _dtype_key(dtype)
    if method == Method.DIRECT:
        c = _direct_constants(key)
        width_penalty = 1.0 + c["v"] / max(out_shape[1], 1)
        inside, edge = direct_macs(shapes)
        work = c["b"] * inside + edge_slope(c, shapes) * edge
        return c["a"] + batch * mac_factor * work * width_penalty / _speedup(c["eff"], threads)
    if method == Method.IM2COL:
        c = _model["im2col"][key]
        return batch * (c["a"] + c["b"] * mac_factor * macs)
    if method == Method.FFT:
        c = _model["fft"][key]
        real = dtype.kind != "c"
        # scipy.fft spreads a batch of transforms, or the rows of a 2-D one,
        # over its workers; one 1-D transform runs on one thread
        if batch > 1 and boundary == "zero":
            plan = _fft.block_plan(out_shape, w_shape, real, block_overhead(dtype), trim=trim)
            if plan.blocks == 1:
                # a batch of one-block items (_batch): one batched transform,
                # its fixed cost once
                parallel = min(threads, batch * plan.nr)
                return c["a"] + batch * (_per_work(c, plan) * transform_factor * plan.work
                                         + c["c"]) / _speedup(c["eff"], parallel)
        # item by item, each as _fft.correlate runs it (1-D blocks in lane groups)
        plan = _fft.block_plan(out_shape, w_shape, real, block_overhead(dtype), lanes=True,
                               trim=trim if boundary == "zero" else (0, 0))
        work = plan.lane_work
        if boundary == "wrap" and x_shape[0] * x_shape[1] > 0:
            work = min(work, _fft.circular_work(x_shape))
        parallel = min(threads, max(plan.blocks, plan.nr))
        return batch * (c["a"] + (_per_work(c, plan) * transform_factor * work
                                  + c["c"] * plan.blocks) / _speedup(c["eff"], parallel))
    raise ValueError(f"no cost model for {method!r}")


def _per_work(constants, plan):
    """The FFT model's seconds per element-log2 of `plan`'s transforms: b for
    1-D ones, b2 for 2-D ones (b in a model fitted without b2)."""
    return constants.get("b2", constants["b"]) if plan.nr > 1 else constants["b"]


def block_overhead(dtype):
    """The FFT path's per-block cost in units of transform work (element-log2)
    for _fft.block_plan: the fitted one (chosen by timing block plans)."""
    return _model["fft"][_dtype_key(dtype)[0]].get("overhead", _fft.BLOCK_OVERHEAD)


# --------------------------------------------------------------------------
# the chooser
# --------------------------------------------------------------------------

def choose(op, shapes, dtype, boundary="zero", threads=1, batch=1, trim=(0, 0)):
    """The method 'auto' runs for one call.

    Parameters
    ----------
    op : str
        'correlate' (the signal primitive, forward and grad_input),
        'kernel_grad' (the signal kernel gradient), or 'nn_forward',
        'nn_grad_input', 'nn_grad_weight' (fastconv.nn).
    shapes : tuple
        Signal ops: (x_shape, w_shape, out_shape) of the primitive, 2-D.
        nn ops: the layer's `_nn_shapes.Geometry`.
    dtype : numpy.dtype
        The compute dtype.
    boundary : str
        'zero', 'fill', 'wrap' or 'symm' (signal ops).
    threads : int
        The call's positive thread count.
    batch : int
        Signal ops: the number of items of that geometry the call runs
        (axis= / axes=); each method is priced per item times the batch.
    trim : tuple of int
        Signal ops under the zero extension: `_fft.zero_trim` of the call
        (how much shorter than its window a one-block transform may be).

    Returns
    -------
    Method
    """
    if op in NN_OPS:
        return _choose_nn(op, shapes, _isa.current)
    if op not in SIGNAL_OPS:
        raise ValueError(f"unknown op {op!r}")
    x_shape, w_shape, out_shape = shapes
    # memoized: a call's choice depends only on these and on the ISA level
    # (set_model clears the memo)
    return _choose_signal(op, tuple(x_shape), tuple(w_shape), tuple(out_shape), dtype,
                          boundary, threads, batch, tuple(trim), _isa.current)


@functools.lru_cache(maxsize=1024)
def _choose_signal(op, x_shape, w_shape, out_shape, dtype, boundary, threads, batch, trim,
                   isa_level):
    shapes = (x_shape, w_shape, out_shape)
    if out_shape[0] * out_shape[1] == 0 or w_shape[0] * w_shape[1] == 0:
        return Method.DIRECT
    costs = {m: cost(m, op, shapes, dtype, boundary, threads, batch)
             for m in (Method.DIRECT, Method.IM2COL)}
    best = min(costs, key=costs.get)
    # a lower bound of the FFT's cost spares the block plan (the slow part of
    # pricing it) whenever FFT cannot win
    if (not exact_dtype(dtype)
            and _fft_cost_bound(shapes, dtype, boundary, threads, batch) < costs[best]
            and cost(Method.FFT, op, shapes, dtype, boundary, threads, batch, trim)
            < costs[best]):
        best = Method.FFT
    return best


def _fft_cost_bound(shapes, dtype, boundary, threads, batch=1):
    """A lower bound of cost(Method.FFT, ...) that needs no block plan: every
    plan transforms, forward and back, at least the outputs' number of
    elements of each item, in transforms of at least the kernel's size (and
    'wrap' may instead transform x, three times)."""
    x_shape, w_shape, out_shape = shapes
    key, _, transform_factor = _dtype_key(dtype)
    c = _model["fft"][key]
    outputs = out_shape[0] * out_shape[1]
    work = 2.0 * outputs * max(math.log2(max(w_shape[0] * w_shape[1], 2)), 1.0)
    x_size = x_shape[0] * x_shape[1]
    if boundary == "wrap" and x_size > 0:
        work = min(work, 3.0 * x_size * max(math.log2(x_size), 1.0))
    per_work = min(c["b"], c.get("b2", c["b"]))
    return c["a"] + batch * per_work * transform_factor * work / _speedup(c["eff"], threads)


# The nn layers' rule, from the CNN grid (docs/guide/cnn_performance.rst).
# Without a dense kernel (the reference level, and the layers outside the
# kernels' domain) the direct kernels keep 4 output channels' accumulators
# in registers for forward and grad_input, so up to og = 4 output channels
# per group they beat im2col + GEMM, and GEMM wins beyond; the direct
# grad_weight wins for og = 1 unless dilation along the rows stops its tap
# vectors.
#
# The dense kernels (fused multiply-adds, the same constants as FC_DENSE_*
# in csrc/nn) take the layers with stride 1 along the rows (forward and
# grad_weight at AVX-512: 1 or 2), more than one tap and at least _NN_DENSE_MIN_UNITS
# channels computed per group (output channels for forward and grad_weight,
# input channels for grad_input): forward, and grad_input with strides 1, at
# most _NN_DENSE_MAX_KW kernel columns, on the dense row kernel from the
# AVX2 level on; grad_weight, at most _NN_DENSE_GW_MAX_COLUMNS output
# columns, on the dense grad_weight kernel at AVX-512 only
# (_nn_dense_kernel_runs).  Where 'auto' takes them
# (_nn_dense_kernel_pays):
# - AVX-512 (csrc/nn/dense_*_avx512.template.c, 8 channels at a time):
#   everywhere but 1x1 layers with stride 2 along the rows (and see
#   their grad_weight below); on the grid's
#   3x3, 5x5 and 1-D layers 1.4-3x im2col + OpenBLAS forward and
#   grad_input, 1.1-1.9x grad_weight (OpenBLAS runs its AVX2 kernels on
#   these Zen 5 CPUs).  1x1 layers (forward and grad_input; their
#   grad_weight has no dense kernel) with stride 1, since the row kernel
#   prefetches the next band: 1.14-2.0x im2col at 1 thread (N32 64 -> 64
#   on 32x32 1.55 / 1.64, N16 64 -> 256 on 56x56 1.32-1.37 / 1.58, N8 512
#   -> 512 on 7x7 1.14 / 1.22), 1.0-1.4x at 2; stride 2 went either way
#   (N16 64 -> 128 on 56x56 1.19, N8 256 -> 512 on 28x28 0.74).  Their
#   grad_weight (strides 1, no padding: the pointwise kernel) where a plane
#   has at least _NN_POINTWISE_GW_MIN_POSITIONS positions: 1.25-1.5x
#   im2col on 28x28 to 56x56 planes with 32-256 channels, 1.9-4x with 3-16
#   or 10 output channels, at 1 thread (2-4x at 2: im2col's grad_weight
#   runs one unit per 128 output channels); 0.94-0.96x on 14x14 (256
#   channels) and 0.56-0.66x on 7x7 (512-1024 channels), where the lane
#   sums of many channels leave L2 and each call has few positions.
# - AVX2: 1x1 layers keep im2col, 2-3x faster than the row kernel there.
# - AVX2 (csrc/nn/dense_row_avx2.template.c, 2 x 4 channels x 24 columns):
#   it runs at the FMA rate of OpenBLAS's Haswell GEMM, its taps at the row
#   edges (masked, about 3x an interior tap) and the lanes past a row's end
#   cost extra, so it pays where the GEMM is small: few output channels
#   (forward: the GEMM's M; grad_input: its summed dimension).  Measured at
#   the avx2 level (float32, 1 thread, min of 7-15 interleaved runs,
#   2026-12-02, AMD EPYC Zen 5 VM), im2col time / direct time, 3x3 unless
#   said, N batch, C input and K output channels:
#   forward  K 16: 1.92 (C64 14x14), 2.02 (C64 28x28); K 32: 1.25 (C64
#            14x14), 1.38 (C64 28x28), 1.59 (C32 112x112), 1.07 (mnist, C1
#            5x5 28x28); K 64: 1.08-1.11 (resnet3x3, C64 56x56), 1.08 (C32
#            56x56), 1.22-1.30 (conv1d C64 k9 L1024), but 0.87 (C8, C16
#            56x56), 0.97 (conv1d k3), 0.83-1.01 (14x14, 21x21); K 128-256:
#            0.73-0.96 (deep3x3 C256 14x14: 0.58).
#   grad_input  K 8: 2.55 (C4 56x56); K 16: 1.34-1.39 (C64 14x14, 28x28);
#            K 32: 0.90-1.02; K 64 and more: 0.56-0.99.
#   So at AVX2 'auto' takes it, for kernels of at least
#   _NN_DENSE_AVX2_MIN_TAPS taps, for forward with og <= 32
#   (_NN_DENSE_AVX2_FORWARD_UNITS) output channels per group, or og <= 64
#   with rows of at least 56 outputs and at least 288 (cg * kh * kw) terms
#   per output (_NN_DENSE_AVX2_FORWARD_WIDE), and for grad_input with
#   og <= 16 (_NN_DENSE_AVX2_GRAD_INPUT_UNITS).  Up to og = 4 'auto' takes
#   the direct method at every level anyway (above).
_NN_DIRECT_MAX_CHANNELS = 4
_NN_DIRECT_MAX_CHANNELS_GRAD_WEIGHT = 1
_NN_DENSE_LEVEL = _isa.LEVELS.index("avx2")
_NN_DENSE_EVERYWHERE_LEVEL = _isa.LEVELS.index("avx512")
_NN_DENSE_MIN_UNITS = 2
_NN_DENSE_MAX_KW = 16
_NN_DENSE_GW_MAX_COLUMNS = 4096
_NN_POINTWISE_GW_MIN_POSITIONS = 256
_NN_DENSE_AVX2_MIN_TAPS = 9
_NN_DENSE_AVX2_FORWARD_UNITS = 32
_NN_DENSE_AVX2_FORWARD_WIDE = (64, 56, 288)   # og <=, w_out >=, cg * kh * kw >=
_NN_DENSE_AVX2_GRAD_INPUT_UNITS = 16
_INT_MAX = 2**31 - 1


def _nn_blas_sizes_fit(g):
    """True when every GEMM size of the im2col method fits BLAS's 32-bit int."""
    return max(g.h_out * g.w_out, g.h_in * g.w_in, g.c_in // g.groups * g.kh * g.kw,
               g.c_out // g.groups) <= _INT_MAX


def _nn_dense_kernel_runs(op, g, isa_level):
    """True when the direct method runs op on a dense kernel (the conditions
    of csrc/nn/conv2d_direct.template.c)."""
    if isa_level < _NN_DENSE_LEVEL:
        return False
    if op == "nn_forward":   # the AVX-512 row kernel also takes stride 2 along the rows
        max_stride = 2 if isa_level >= _NN_DENSE_EVERYWHERE_LEVEL else 1
        return (g.c_out // g.groups >= _NN_DENSE_MIN_UNITS and g.stride_w <= max_stride
                and g.kw <= _NN_DENSE_MAX_KW)
    if op == "nn_grad_input":
        return (g.c_in // g.groups >= _NN_DENSE_MIN_UNITS and g.stride_w == 1
                and g.stride_h == 1 and g.kw <= _NN_DENSE_MAX_KW)
    if isa_level < _NN_DENSE_EVERYWHERE_LEVEL or g.c_out // g.groups < _NN_DENSE_MIN_UNITS:
        return False
    return _nn_pointwise(g) or (g.stride_w <= 2 and g.kh * g.kw > 1
                                and g.w_out <= _NN_DENSE_GW_MAX_COLUMNS)


def _nn_pointwise(g):
    """True for 1x1 layers with strides 1 and no padding (their grad_weight
    has a kernel of its own)."""
    return (g.kh == 1 and g.kw == 1 and g.stride_h == 1 and g.stride_w == 1
            and g.pad_h == 0 and g.pad_w == 0)


def _nn_dense_kernel_pays(op, g, isa_level):
    """True when 'auto' takes a dense kernel over im2col + GEMM."""
    if not _nn_dense_kernel_runs(op, g, isa_level):
        return False
    if isa_level >= _NN_DENSE_EVERYWHERE_LEVEL:
        if op == "nn_grad_weight" and g.kh * g.kw == 1:
            return g.h_out * g.w_out >= _NN_POINTWISE_GW_MIN_POSITIONS
        return g.kh * g.kw > 1 or g.stride_w == 1
    if g.kh * g.kw == 1:
        return False
    og, cg, taps = g.c_out // g.groups, g.c_in // g.groups, g.kh * g.kw
    if taps < _NN_DENSE_AVX2_MIN_TAPS:
        return False
    if op == "nn_grad_input":
        return og <= _NN_DENSE_AVX2_GRAD_INPUT_UNITS
    max_og, min_width, min_terms = _NN_DENSE_AVX2_FORWARD_WIDE
    return og <= _NN_DENSE_AVX2_FORWARD_UNITS or (
        og <= max_og and g.w_out >= min_width and cg * taps >= min_terms)


def _choose_nn(op, g, isa_level):
    if not _nn_blas_sizes_fit(g) or _nn_dense_kernel_pays(op, g, isa_level):
        return Method.DIRECT
    og = g.c_out // g.groups
    if op == "nn_grad_weight":
        thin = og <= _NN_DIRECT_MAX_CHANNELS_GRAD_WEIGHT and g.dil_w == 1
        return Method.DIRECT if thin else Method.IM2COL
    return Method.DIRECT if og <= _NN_DIRECT_MAX_CHANNELS else Method.IM2COL


def resolve(method, op, shapes, dtype, boundary="zero", threads=1, batch=1, trim=(0, 0)):
    """The Method a call runs: `method` (a validated name or Method) as
    given, 'auto' chosen by `choose`; 'fft' on exact dtypes is a ValueError."""
    method = code(method)
    if method == Method.AUTO:
        return choose(op, shapes, dtype, boundary, threads, batch, trim)
    if method == Method.FFT:
        check_fft_dtype(dtype)
    return method


def describe():
    """One line about the model in use (show_config, the benchmark)."""
    machine = _model.get("machine", {})
    return (f"fitted {_model.get('fitted', '?')} on {machine.get('cpu', '?')} "
            f"(levels {', '.join(_model['direct'])})")
