/*
 * dtype_list.h -- THE list of element types the kernels are instantiated for
 * (included by fastconv.h).  Everything that goes over the types is derived
 * from FC_DTYPE_LIST, in its order (the model is BLIS's GENTFUNC lists):
 *
 *   fc_dtype (fastconv.h)        the enum FC_BOOL = 0, FC_U8, ..., FC_NDTYPES
 *   FC_FOR_EACH_DTYPE(X)         X(code, suffix, type) for every type
 *   FC_FOR_EACH_FLOAT_DTYPE(X)   the same for the real floating types only
 *   FC_DISPATCH, FC_DISPATCH_FLOAT   a switch over those, FC_ERR_DTYPE otherwise
 *   dtype_instantiate.h          a template included once per type
 *   fastconv._dtypes (Python)    the codes, read from the compiled enum
 *
 * Adding a type: a row here, its FC_DT_ code below, its arithmetic in
 * dtype_ops.h and its block in dtype_instantiate.h (the preprocessor cannot
 * #include in a loop; a missing block or code fails the build), its name in
 * fastconv/_ext/cfastconv.pxd and _runtime.pyx, and its plan in _dtypes.py.
 */
#ifndef FASTCONV_DTYPE_LIST_H
#define FASTCONV_DTYPE_LIST_H

/* One row per type, R(X, NAME, suffix, element type, is_float):
 *   NAME      the fc_dtype constant FC_<NAME> and the preprocessor code FC_DT_<NAME>
 *   suffix    appended to kernel names (corr2d_tile_f32, ...)
 *   type      the element type in memory (fc_c64 and fc_c128 are in fastconv.h)
 *   is_float  1 for the real floating types, the only ones of the nn kernels
 *             and of fc_fold2d
 * Signed integers use the unsigned kernel of the same width: products and
 * sums modulo 2**n give the same bit pattern as the wrapping signed
 * arithmetic NumPy relies on, without C's undefined signed overflow.
 * float16 is computed by the caller in float32. */
#define FC_DTYPE_LIST(R, X)                                                            \
    R(X, BOOL, b,    unsigned char, 0) /* npy_bool (one byte, 0 or 1);              */ \
                                       /* multiply-add is OR of AND                  */ \
    R(X, U8,   u8,   uint8_t,       0)                                                 \
    R(X, U16,  u16,  uint16_t,      0)                                                 \
    R(X, U32,  u32,  uint32_t,      0)                                                 \
    R(X, U64,  u64,  uint64_t,      0)                                                 \
    R(X, F32,  f32,  float,         1)                                                 \
    R(X, F64,  f64,  double,        1)                                                 \
    R(X, C64,  c64,  fc_c64,        0) /* two floats, real then imaginary (NumPy's) */ \
    R(X, C128, c128, fc_c128,       0) /* two doubles                               */

/* The preprocessor codes of the types, for `#if FC_DT == FC_DT_F32` in the
 * templates (see dtype_ops.h).  The preprocessor cannot see enum constants,
 * so these are written out: each equals its fc_dtype value, which dtype.c
 * checks at compile time for every row of the list. */
#define FC_DT_BOOL 0
#define FC_DT_U8 1
#define FC_DT_U16 2
#define FC_DT_U32 3
#define FC_DT_U64 4
#define FC_DT_F32 5
#define FC_DT_F64 6
#define FC_DT_C64 7
#define FC_DT_C128 8

/* X-macros over (dtype code, kernel suffix, element type): dispatchers
 * expand X once per instantiated type. */
#define FC_ROW_ALL_(X, NAME, sfx, T, is_float) X(FC_##NAME, sfx, T)
#define FC_ROW_FLOAT_(X, NAME, sfx, T, is_float) FC_ROW_IF_##is_float##_(X(FC_##NAME, sfx, T))
#define FC_ROW_IF_0_(row)
#define FC_ROW_IF_1_(row) row

#define FC_FOR_EACH_DTYPE(X) FC_DTYPE_LIST(FC_ROW_ALL_, X)
#define FC_FOR_EACH_FLOAT_DTYPE(X) FC_DTYPE_LIST(FC_ROW_FLOAT_, X)

/* switch on a dtype code, expanding CASE(code, suffix, type) for each
 * instantiated type (each real floating type); other codes return
 * FC_ERR_DTYPE. */
#define FC_DISPATCH(dt, CASE)              \
    switch (dt) {                          \
        FC_FOR_EACH_DTYPE(CASE)            \
        default:                           \
            return FC_ERR_DTYPE;           \
    }

#define FC_DISPATCH_FLOAT(dt, CASE)        \
    switch (dt) {                          \
        FC_FOR_EACH_FLOAT_DTYPE(CASE)      \
        default:                           \
            return FC_ERR_DTYPE;           \
    }

#endif
