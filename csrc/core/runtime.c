/*
 * runtime.c -- what the C core knows of the machine it runs on: the best ISA
 * level the CPU supports, and the OpenMP runtime it was built with (if any).
 * Read once by the Python layer at import (fastconv/_runtime.py).
 */
#include "fastconv.h"

#ifdef _OPENMP
#include <omp.h>
#endif

fc_isa fc_cpu_isa(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")
        && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return FC_ISA_AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return FC_ISA_AVX2;
    }
#endif
    return FC_ISA_SCALAR;
}

int fc_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int fc_openmp_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}
