"""Which level of the C core's kernel table a call uses.

Every fast kernel has a portable C reference; the CPU decides which faster
levels exist (AVX2 + FMA on Zen3 and Haswell or later, AVX-512 on Zen4 and
Skylake-X).  By default the best level the CPU has is used.  The environment
variable FASTCONV_ISA (read once at import) or `set_isa` choose a lower one,
which is how the tests compare every level with the reference on one
machine; a level above the CPU's is refused.
"""
import warnings

from fastconv._ext import _runtime

LEVELS = ("scalar", "avx2", "avx512")   # index = fc_isa code of fastconv.h

CPU_LEVEL = _runtime.cpu_isa()


def available():
    """Names of the levels this CPU can run, lowest first."""
    return LEVELS[:CPU_LEVEL + 1]


def _code(name):
    """The fc_isa code of level `name`; ValueError unless the CPU has it."""
    if not isinstance(name, str) or name.lower() not in LEVELS:
        raise ValueError(f"ISA level must be one of {', '.join(map(repr, LEVELS))}, "
                         f"got {name!r}")
    code = LEVELS.index(name.lower())
    if code > CPU_LEVEL:
        raise ValueError(f"this CPU supports ISA levels up to {LEVELS[CPU_LEVEL]!r}, "
                         f"not {name!r}")
    return code


def _from_environment(variable="FASTCONV_ISA"):
    import os
    text = os.environ.get(variable, "")
    if not text:
        return CPU_LEVEL
    try:
        return _code(text)
    except ValueError as error:
        warnings.warn(f"{variable}={text!r} ignored: {error}", RuntimeWarning, stacklevel=3)
        return CPU_LEVEL


current = _from_environment()   # fc_isa code passed to every call


def isa():
    """The ISA level fastconv's kernels use: 'scalar', 'avx2' or 'avx512'."""
    return LEVELS[current]


def set_isa(name):
    """Use kernel level `name` ('scalar', 'avx2' or 'avx512', at most the
    CPU's) from now on; returns the previous level's name.

    Results of floating-point kernels may differ in the last bits between
    levels (different summation blocking); integer results never do.
    """
    global current
    code = _code(name)
    old, current = LEVELS[current], code
    return old
