/*
 * fold2d.c -- instantiates fold2d.template.c for the real floating types and
 * dispatches on the dtype code (fc_fold2d, the adjoint of fc_pad2d).
 */
#include "fastconv.h"
#include "../dtype_list.h"
#include "../util.h"

#define FC_TEMPLATE "signal/fold2d.template.c"
#include "../dtype_instantiate_float.h"

fc_status fc_fold2d(fc_dtype dt,
                    const void *g, ptrdiff_t gr, ptrdiff_t gc,
                    void *x, ptrdiff_t xr, ptrdiff_t xc,
                    ptrdiff_t r0, ptrdiff_t c0,
                    fc_boundary boundary)
{
    if (gr < 0 || gc < 0 || xr < 0 || xc < 0) {
        return FC_ERR_BADARG;
    }
    if (boundary != FC_PAD_FILL && boundary != FC_PAD_WRAP && boundary != FC_PAD_SYMM) {
        return FC_ERR_BADARG;
    }
    if (boundary != FC_PAD_FILL && (xr == 0 || xc == 0) && gr > 0 && gc > 0) {
        return FC_ERR_BADARG;   /* no image to fold a non-empty window onto */
    }
    switch (dt) {
        case FC_F32:
            fold2d_f32((const float *)g, gr, gc, (float *)x, xr, xc, r0, c0, boundary);
            return FC_OK;
        case FC_F64:
            fold2d_f64((const double *)g, gr, gc, (double *)x, xr, xc, r0, c0, boundary);
            return FC_OK;
        default:
            return FC_ERR_DTYPE;
    }
}
