# cython: language_level=3
"""What the C core reports of the machine and of its build: the CPU's best
ISA level and the OpenMP runtime (fastconv/_isa.py, fastconv/_threads.py), and
the fc_dtype codes (fastconv/_dtypes.py)."""
from fastconv._ext.cfastconv cimport (fc_cpu_isa, fc_kernel_tables_init, fc_openmp_enabled,
                                      fc_openmp_max_threads, FC_BOOL, FC_U8, FC_U16, FC_U32,
                                      FC_U64, FC_F32, FC_F64, FC_C64, FC_C128, FC_NDTYPES)

# Every driver module imports this one first (through fastconv._isa), so the
# kernel table is filled once, before any kernel runs.
fc_kernel_tables_init()


def cpu_isa():
    """The best fc_isa level this CPU supports (0 scalar, 1 AVX2, 2 AVX-512)."""
    return <int>fc_cpu_isa()


def openmp_enabled():
    """True when the C core was built with OpenMP."""
    return fc_openmp_enabled() != 0


def openmp_max_threads():
    """omp_get_max_threads(): OMP_NUM_THREADS or a threadpoolctl limit, else the
    number of cores; 1 without OpenMP."""
    return fc_openmp_max_threads()


# The fc_dtype codes by constant name.  Cython takes each value from the enum
# of fastconv.h (generated from the list in csrc/dtype_list.h), so Python
# never writes the numbers down.
DTYPE_CODES = {
    "FC_BOOL": <int>FC_BOOL,
    "FC_U8": <int>FC_U8,
    "FC_U16": <int>FC_U16,
    "FC_U32": <int>FC_U32,
    "FC_U64": <int>FC_U64,
    "FC_F32": <int>FC_F32,
    "FC_F64": <int>FC_F64,
    "FC_C64": <int>FC_C64,
    "FC_C128": <int>FC_C128,
}
NDTYPES = <int>FC_NDTYPES
