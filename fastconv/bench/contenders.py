"""Who computes a case: the `Contender` type, fastconv's own contenders
(every method, and 'auto'), and the list for a case (fastconv first, then
the anchors of `anchors`).

A contender's `prepare(case, inputs)` does everything that is not the
computation (converting arrays to tensors, flipping a kernel for a library
that correlates) and returns a zero-argument callable: the thing timed.
"""
import importlib
from dataclasses import dataclass
from typing import Callable, Optional

FASTCONV_METHODS = ("direct", "im2col", "fft", "auto")
#: the CNN layers have no FFT method
LAYER_METHODS = ("direct", "im2col", "auto")


class Unavailable(Exception):
    """A contender cannot run here (library missing, dtype unsupported...);
    the message says why, and is printed as the skip note."""


@dataclass(frozen=True)
class Contender:
    """One way of computing a case.

    Attributes
    ----------
    name : str
        Shown in the table, e.g. ``'fastconv[direct]'`` or ``'cv2.filter2D'``.
    library : str
        The importable module whose version the report records.
    prepare : callable
        ``prepare(case, inputs) -> call``; raises `Unavailable` when the
        contender cannot run (the reason becomes the skip note).
    method : str or None
        fastconv's method, for fastconv contenders.
    """

    name: str
    library: str
    prepare: Callable
    method: Optional[str] = None

    @property
    def is_fastconv(self):
        return self.library.startswith("fastconv")


def load(module_name, what=None):
    """Import `module_name`, or raise `Unavailable` saying it is not installed."""
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise Unavailable(f"{what or module_name} not available ({exc.__class__.__name__}: {exc})") from None


# --------------------------------------------------------------------------
# fastconv
# --------------------------------------------------------------------------

def _fastconv_signal(method):
    def prepare(case, inputs):
        fastconv = load("fastconv")
        x, w = inputs["x"], inputs["w"]
        kwargs = {"method": method}
        threads = _requested_threads()
        if threads is not None and _takes_threads(fastconv.convolve):
            kwargs["threads"] = threads
        if case.ndim == 1:
            return lambda: fastconv.convolve(x, w, case.mode, **kwargs)
        return lambda: fastconv.convolve2d(x, w, case.mode, **kwargs)

    return prepare


def _requested_threads():
    from fastconv.bench import threads
    return threads.requested_threads()


def _takes_threads(function):
    import inspect
    return "threads" in inspect.signature(function).parameters


def load_fastconv_nn():
    """``fastconv.nn``, or `Unavailable` with the note the report prints."""
    try:
        return importlib.import_module("fastconv.nn")
    except ImportError:
        raise Unavailable("fastconv.nn not available") from None


def _fastconv_layer(method):
    def prepare(case, inputs):
        nn = load_fastconv_nn()
        layer = "conv1d" if case.ndim == 1 else "conv2d"
        try:
            forward = getattr(nn, layer)
            backward = getattr(nn, f"{layer}_backward")
        except AttributeError as exc:
            raise Unavailable(f"fastconv.nn has no {exc.name}") from None
        x, w, g = inputs["x"], inputs["w"], inputs["grad_output"]
        kwargs = case.conv_kwargs()
        if case.op == "forward":
            return lambda: forward(x, w, None, **kwargs, method=method)
        if case.op == "grad_input":
            return lambda: backward(g, x, w, **kwargs, output_mask=(True, False, False), method=method)[0]
        return lambda: backward(g, x, w, **kwargs, output_mask=(False, True, False), method=method)[1]

    return prepare


def _fastconv_train_step(method):
    def prepare(case, inputs):
        from fastconv.bench import train_step

        return train_step.fastconv_step(case, inputs, threads=_requested_threads(), method=method)

    return prepare


def fastconv_contenders(case):
    """fastconv's contenders for `case`: one per method, 'auto' last."""
    if case.family == "train":
        # 'winograd' (explicit, as a user would ask for it) before 'auto'
        return [Contender("fastconv.nn step[winograd]", "fastconv.nn",
                          _fastconv_train_step("winograd"), "winograd"),
                Contender("fastconv.nn step", "fastconv.nn", _fastconv_train_step("auto"), "auto")]
    if case.family == "cnn":
        return [Contender(f"fastconv.nn[{m}]", "fastconv.nn", _fastconv_layer(m), m)
                for m in LAYER_METHODS]
    if case.family == "batch":
        from fastconv.bench import batch_cases
        return batch_cases.fastconv_contenders(case, FASTCONV_METHODS, _requested_threads())
    return [Contender(f"fastconv[{m}]", "fastconv", _fastconv_signal(m), m) for m in FASTCONV_METHODS]


def contenders_for(case):
    """fastconv's contenders, then the anchors, for `case`."""
    from fastconv.bench import anchors

    return fastconv_contenders(case) + anchors.anchors_for(case)
