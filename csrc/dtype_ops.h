/*
 * dtype_ops.h -- the arithmetic of each element type, for the *.template.c
 * kernels.  dtype_instantiate.h includes it before each instantiation of a
 * template, with FC_DT defined to one of the FC_DT_* codes of dtype_list.h;
 * this header then defines
 *
 *   FC_T               the element type in memory
 *   FC_ACC             the accumulator type
 *   FC_SFX(name)       name with the dtype suffix appended (name_f32, ...)
 *   FC_SFX_DTYPE       the fc_dtype constant of the type (FC_F32, ...)
 *   FC_ZERO(acc)       acc = 0
 *   FC_MAC(acc, w, x)  acc += w * x   (OR of AND for bool)
 *   FC_STORE(dst, acc) dst = acc, converted to FC_T
 *
 * Integers accumulate in an unsigned type at least as wide as the element, so
 * overflow wraps modulo 2**bits (defined behaviour in C) and the truncating
 * store gives exactly NumPy's wrap-around result for signed and unsigned
 * data alike.  Complex multiply-add is the textbook formula, without C99
 * Annex G's inf/nan recovery (NumPy's dot does the same).
 */
#ifndef FC_DT
#  error "dtype_ops.h: define FC_DT to one of the FC_DT_* codes first"
#endif

#include "fastconv.h"

#define FC_CAT_(a, b) a##_##b
#define FC_CAT(a, b) FC_CAT_(a, b)

#undef FC_T
#undef FC_ACC
#undef FC_SUFFIX
#undef FC_ZERO
#undef FC_MAC
#undef FC_STORE
#undef FC_IS_COMPLEX
#undef FC_SFX_DTYPE

#if FC_DT == FC_DT_BOOL
#  define FC_T unsigned char
#  define FC_ACC unsigned char
#  define FC_SUFFIX b
#  define FC_ZERO(acc) ((acc) = 0)
#  define FC_MAC(acc, w, x) ((acc) |= (unsigned char)(((w) != 0) & ((x) != 0)))
#  define FC_STORE(dst, acc) ((dst) = (acc))
#elif FC_DT == FC_DT_U8 || FC_DT == FC_DT_U16 || FC_DT == FC_DT_U32 || FC_DT == FC_DT_U64
#  if FC_DT == FC_DT_U8
#    define FC_T uint8_t
#    define FC_ACC uint32_t
#    define FC_SUFFIX u8
#  elif FC_DT == FC_DT_U16
#    define FC_T uint16_t
#    define FC_ACC uint32_t
#    define FC_SUFFIX u16
#  elif FC_DT == FC_DT_U32
#    define FC_T uint32_t
#    define FC_ACC uint32_t
#    define FC_SUFFIX u32
#  else
#    define FC_T uint64_t
#    define FC_ACC uint64_t
#    define FC_SUFFIX u64
#  endif
#  define FC_ZERO(acc) ((acc) = 0)
#  define FC_MAC(acc, w, x) ((acc) += (FC_ACC)(w) * (FC_ACC)(x))
#  define FC_STORE(dst, acc) ((dst) = (FC_T)(acc))
#elif FC_DT == FC_DT_F32 || FC_DT == FC_DT_F64
#  if FC_DT == FC_DT_F32
#    define FC_T float
#    define FC_SUFFIX f32
#  else
#    define FC_T double
#    define FC_SUFFIX f64
#  endif
#  define FC_ACC FC_T
#  define FC_ZERO(acc) ((acc) = 0)
#  define FC_MAC(acc, w, x) ((acc) += (w) * (x))
#  define FC_STORE(dst, acc) ((dst) = (acc))
#elif FC_DT == FC_DT_C64 || FC_DT == FC_DT_C128
#  if FC_DT == FC_DT_C64
#    define FC_T fc_c64
#    define FC_SUFFIX c64
#  else
#    define FC_T fc_c128
#    define FC_SUFFIX c128
#  endif
#  define FC_ACC FC_T
#  define FC_IS_COMPLEX 1
#  define FC_ZERO(acc) ((acc).re = 0, (acc).im = 0)
#  define FC_MAC(acc, w, x)                                   \
      ((acc).re += (w).re * (x).re - (w).im * (x).im,         \
       (acc).im += (w).re * (x).im + (w).im * (x).re)
#  define FC_STORE(dst, acc) ((dst) = (acc))
#else
#  error "dtype_ops.h: FC_DT is not one of the FC_DT_* codes of dtype_list.h"
#endif

#define FC_SFX(name) FC_CAT(name, FC_SUFFIX)
/* the codes equal the fc_dtype values (checked in dtype.c) */
#define FC_SFX_DTYPE ((fc_dtype)FC_DT)
