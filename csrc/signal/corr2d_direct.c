/*
 * corr2d_direct.c -- instantiates corr2d_direct.template.c for every element
 * type and dispatches on the dtype code (fc_corr2d_direct, fc_matvec).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastconv.h"
#include "../dtype_list.h"
#include "../util.h"
#include "extend.h"

/* Output columns accumulated together: 256 accumulators of at most 16 bytes
 * (4 KiB) stay in L1 while every tap streams over them. */
#define FC_COL_BLOCK 256

#define FC_DT FC_DT_BOOL
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_U8
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_U16
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_U32
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_U64
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_F32
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_F64
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_C64
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

#define FC_DT FC_DT_C128
#include "../dtype_ops.h"
#include "corr2d_direct.template.c"
#undef FC_DT

fc_status fc_corr2d_direct(fc_dtype dt,
                           const void *x, ptrdiff_t xr, ptrdiff_t xc,
                           const void *w, ptrdiff_t wr, ptrdiff_t wc,
                           void *out, ptrdiff_t orows, ptrdiff_t ocols, ptrdiff_t ldo,
                           ptrdiff_t r0, ptrdiff_t c0,
                           fc_boundary boundary, const void *fill)
{
    if (xr < 0 || xc < 0 || wr < 0 || wc < 0 || orows < 0 || ocols < 0 || ldo < ocols) {
        return FC_ERR_BADARG;
    }
    if (boundary != FC_PAD_ZERO && boundary != FC_PAD_FILL && boundary != FC_PAD_WRAP
        && boundary != FC_PAD_SYMM) {
        return FC_ERR_BADARG;
    }
    const size_t itemsize = fc_itemsize(dt);
    if (itemsize == 0) {
        return FC_ERR_DTYPE;
    }
    if (orows == 0 || ocols == 0) {
        return FC_OK;
    }
    if (wr == 0 || wc == 0) {
        /* an empty sum in every output */
        for (ptrdiff_t i = 0; i < orows; ++i) {
            memset((char *)out + (size_t)(i * ldo) * itemsize, 0, (size_t)ocols * itemsize);
        }
        return FC_OK;
    }
    if ((boundary == FC_PAD_FILL && fill == NULL)
        || ((boundary == FC_PAD_WRAP || boundary == FC_PAD_SYMM) && (xr == 0 || xc == 0))) {
        return FC_ERR_BADARG;
    }

    const void **rows = malloc((size_t)wr * sizeof(*rows));
    void *ring = NULL;
    if (rows == NULL) {
        return FC_ERR_NOMEM;
    }
    if (boundary != FC_PAD_ZERO) {
        const ptrdiff_t width = ocols + wc - 1;
        if (width > PTRDIFF_MAX / wr || (size_t)(wr * width) > SIZE_MAX / itemsize) {
            free(rows);
            return FC_ERR_OVERFLOW;
        }
        ring = malloc((size_t)(wr * width) * itemsize);
        if (ring == NULL) {
            free(rows);
            return FC_ERR_NOMEM;
        }
    }
#define FC_CASE(code, sfx, T)                                                        \
    case code:                                                                       \
        if (boundary == FC_PAD_ZERO) {                                               \
            corr2d_zero_##sfx((const T *)x, xr, xc, (const T *)w, wr, wc, (T *)out,   \
                              orows, ocols, ldo, r0, c0, (const T **)rows);          \
        } else {                                                                     \
            corr2d_extended_##sfx((const T *)x, xr, xc, (const T *)w, wr, wc,         \
                                  (T *)out, orows, ocols, ldo, r0, c0, boundary,     \
                                  (const T *)fill, (T *)ring, (const T **)rows);     \
        }                                                                            \
        break;
    switch (dt) {
        FC_FOR_EACH_DTYPE(FC_CASE)
        default:
            break;
    }
#undef FC_CASE
    free(ring);
    free(rows);
    return FC_OK;
}

fc_status fc_matvec(fc_dtype dt, const void *cols, ptrdiff_t np, ptrdiff_t nt,
                    const void *w, void *y, int accumulate)
{
    if (np < 0 || nt < 0) {
        return FC_ERR_BADARG;
    }
#define FC_CASE(code, sfx, T)                                                  \
    case code:                                                                 \
        matvec_##sfx((const T *)cols, np, nt, (const T *)w, (T *)y, accumulate); \
        return FC_OK;
    FC_DISPATCH(dt, FC_CASE)
#undef FC_CASE
}
