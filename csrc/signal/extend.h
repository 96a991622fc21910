/*
 * extend.h -- rows of the boundary extension of an image, shared by the
 * kernels that read an extended image without materializing it (pad2d.c,
 * im2col.c, corr2d_direct.c).  Internal: not part of fastconv.h.
 */
#ifndef FASTCONV_EXTEND_H
#define FASTCONV_EXTEND_H

#include <stddef.h>

#include "fastconv.h"

/*
 * fc_extend_row: dst[j] = ext(xrow)[j + c0] for j < dc, where ext extends the
 * length-xc row by `boundary` (the column rule of fc_pad2d), and
 * xrow == NULL stands for a row that lies wholly in the fill region (every
 * element is *fill, or zero for FC_PAD_ZERO).  Copies bytes of itemsize each.
 *
 * Contract: dst has dc elements; for FC_PAD_FILL, fill points at one element;
 * for FC_PAD_WRAP / FC_PAD_SYMM, xrow != NULL and xc > 0.
 */
void fc_extend_row(size_t itemsize, const char *xrow, ptrdiff_t xc,
                   char *dst, ptrdiff_t dc, ptrdiff_t c0,
                   fc_boundary boundary, const char *fill);

/* The source row of extended row k of an xr-row image, or NULL for a fill row. */
const char *fc_extend_source_row(const char *x, ptrdiff_t xr, ptrdiff_t xc, size_t itemsize,
                                 ptrdiff_t k, fc_boundary boundary);

#endif
