/*
 * corr2d_direct.c -- instantiates corr2d_direct.template.c for every element
 * type and dispatches on the dtype code (fc_corr2d_direct, fc_matvec).
 */
#include "fastconv.h"
#include "../dtype_list.h"
#include "../util.h"

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
                           void *out, ptrdiff_t orows, ptrdiff_t ocols,
                           ptrdiff_t r0, ptrdiff_t c0)
{
    if (xr < 0 || xc < 0 || wr < 0 || wc < 0 || orows < 0 || ocols < 0) {
        return FC_ERR_BADARG;
    }
#define FC_CASE(code, sfx, T)                                                  \
    case code:                                                                 \
        corr2d_direct_##sfx((const T *)x, xr, xc, (const T *)w, wr, wc,        \
                            (T *)out, orows, ocols, r0, c0);                   \
        return FC_OK;
    FC_DISPATCH(dt, FC_CASE)
#undef FC_CASE
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
