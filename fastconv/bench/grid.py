"""Which cases are run: the standard grid, the --quick grid, and selection
by dtype and name pattern."""
import fnmatch

from fastconv.bench.batch_cases import LagsCase, StackCase
from fastconv.bench.cases import LayerCase, SignalCase
from fastconv.bench.train_step import TrainStepCase

DTYPES = ("float32", "float64")

#: 1-D (n, k), modes 'full' and 'valid', float32 and float64.
SIGNAL_1D_SIZES = ((1_000, 3), (100_000, 3), (100_000, 31), (1_000_000, 101),
                   (100_000, 1_001), (1_000_000, 10_001))
SIGNAL_1D_MODES = ("full", "valid")

#: 2-D 'same': images and kernels, float32 and float64.
SIGNAL_2D_IMAGES = (512, 2048)
SIGNAL_2D_KERNELS = (3, 5, 15, 31)

#: CNN layers (float32 NCHW / NCL), each timed forward, grad_input and grad_weight.
LAYERS = (
    dict(batch=32, in_channels=1, spatial=(28, 28), out_channels=32, kernel=(5, 5), padding=2,
         label="mnist"),
    dict(batch=16, in_channels=64, spatial=(56, 56), out_channels=64, kernel=(3, 3), padding=1,
         label="resnet3x3"),
    dict(batch=8, in_channels=256, spatial=(14, 14), out_channels=256, kernel=(3, 3), padding=1,
         label="deep3x3"),
    dict(batch=16, in_channels=64, spatial=(56, 56), out_channels=256, kernel=(1, 1),
         label="pointwise"),
    dict(batch=8, in_channels=3, spatial=(224, 224), out_channels=64, kernel=(7, 7), stride=2,
         padding=3, label="stem"),
    dict(batch=16, in_channels=128, spatial=(28, 28), out_channels=128, kernel=(3, 3), padding=1,
         groups=128, label="depthwise"),
    dict(batch=32, in_channels=64, spatial=(1024,), out_channels=64, kernel=(9,), padding=4,
         label="conv1d"),
)
LAYER_OPS = ("forward", "grad_input", "grad_weight")

#: training steps of a small CNN (fastconv.bench.train_step), float32
TRAIN_STEPS = (TrainStepCase(batch=32, in_channels=3, spatial=(32, 32), widths=(32, 64, 64, 10)),)

#: real workloads (issue 12): stacks in one call, and a window of lags
BATCHES = tuple(case for dtype in DTYPES for case in (
    StackCase(1000, (4096,), (31,), dtype), StackCase(64, (256, 256), (5, 5), dtype),
    LagsCase(1_000_000, 100, dtype)))

# --quick: small sizes of the same kinds, a few seconds in all.
QUICK_1D = (((1_000, 3), "full"), ((20_000, 31), "valid"))
QUICK_2D = ((128, 3), (128, 15))
QUICK_BATCHES = (StackCase(50, (1024,), (31,), "float32"),
                 StackCase(8, (64, 64), (5, 5), "float32"), LagsCase(20_000, 10, "float64"))
QUICK_LAYERS = (
    dict(batch=2, in_channels=8, spatial=(16, 16), out_channels=8, kernel=(3, 3), padding=1,
         label="small"),
    dict(batch=2, in_channels=8, spatial=(64,), out_channels=8, kernel=(5,), padding=2,
         label="small1d"),
)


def _signal_cases(sizes_1d, images_2d, dtypes):
    cases = []
    for dtype in dtypes:
        for (n, k), modes in sizes_1d:
            for mode in modes:
                cases.append(SignalCase((n,), (k,), mode, dtype))
        for size, k in images_2d:
            cases.append(SignalCase((size, size), (k, k), "same", dtype))
    return cases


def _layer_cases(layers, dtype="float32"):
    return [LayerCase(op=op, dtype=dtype, **layer) for layer in layers for op in LAYER_OPS]


def standard_grid():
    """Every case of the standard grid, in running order (small before large
    within each family)."""
    sizes_1d = [((n, k), SIGNAL_1D_MODES) for n, k in SIGNAL_1D_SIZES]
    images_2d = [(s, k) for s in SIGNAL_2D_IMAGES for k in SIGNAL_2D_KERNELS]
    return (_signal_cases(sizes_1d, images_2d, DTYPES) + list(BATCHES) + _layer_cases(LAYERS)
            + list(TRAIN_STEPS))


def quick_grid():
    """The --quick subset: the same kinds of case at small sizes."""
    sizes_1d = [((n, k), (mode,)) for (n, k), mode in QUICK_1D]
    return (_signal_cases(sizes_1d, QUICK_2D, DTYPES) + list(QUICK_BATCHES)
            + _layer_cases(QUICK_LAYERS))


def all_cases():
    """Standard and quick cases: every name that `find_case` knows."""
    return standard_grid() + quick_grid()


def find_case(name):
    """The case called `name` (raises KeyError if there is none)."""
    for case in all_cases():
        if case.name == name:
            return case
    raise KeyError(f"no benchmark case named {name!r}")


def matches(name, pattern):
    """True when `name` matches `pattern`: a shell glob if the pattern holds
    any of ``*?[``, otherwise a substring.  Case-sensitive."""
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    return pattern in name


def select(cases, *, dtypes=None, patterns=None):
    """The cases whose dtype is in `dtypes` (all if None) and whose name
    matches any of `patterns` (all if None or empty)."""
    chosen = []
    for case in cases:
        if dtypes and case.dtype not in dtypes:
            continue
        if patterns and not any(matches(case.name, p) for p in patterns):
            continue
        chosen.append(case)
    return chosen
