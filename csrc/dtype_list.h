/*
 * dtype_list.h -- preprocessor codes of the instantiated element types.
 * A kernel family is instantiated by defining FC_DT to each code in turn and
 * including its template (see signal/corr2d_direct.c).
 */
#ifndef FASTCONV_DTYPE_LIST_H
#define FASTCONV_DTYPE_LIST_H

#define FC_DT_BOOL 1
#define FC_DT_U8 2
#define FC_DT_U16 3
#define FC_DT_U32 4
#define FC_DT_U64 5
#define FC_DT_F32 6
#define FC_DT_F64 7
#define FC_DT_C64 8
#define FC_DT_C128 9

/* X-macro over (dtype code, kernel suffix, element type): dispatchers expand
 * X once per instantiated type, so the list of types lives in one place. */
#define FC_FOR_EACH_DTYPE(X)          \
    X(FC_BOOL, b, unsigned char)      \
    X(FC_U8, u8, uint8_t)             \
    X(FC_U16, u16, uint16_t)          \
    X(FC_U32, u32, uint32_t)          \
    X(FC_U64, u64, uint64_t)          \
    X(FC_F32, f32, float)             \
    X(FC_F64, f64, double)            \
    X(FC_C64, c64, fc_c64)            \
    X(FC_C128, c128, fc_c128)

/* switch on a dtype code, expanding CASE(code, suffix, type) for each
 * instantiated type; unknown codes return FC_ERR_DTYPE. */
#define FC_DISPATCH(dt, CASE)              \
    switch (dt) {                          \
        FC_FOR_EACH_DTYPE(CASE)            \
        default:                           \
            return FC_ERR_DTYPE;           \
    }

#endif
