/*
 * winograd_transform.template.c -- the transform micro-kernel of
 * winograd_kernels.h for one element type, included by winograd_kernels.c
 * with FC_WT_T (element type), FC_WT_NAME (function name) and FC_WT_ATTR
 * (empty, or a target attribute) defined.  Plain C: the lane loops have a
 * constant trip count, so the compiler vectorizes them for the target.
 */
FC_WT_ATTR
static void FC_WT_NAME(const FC_WT_T *mat, int rows, int inner,
                       const FC_WT_T *in, FC_WT_T *out)
{
    enum { L = FC_WINO_LANES };
    FC_WT_T half[FC_WINO_MAX_ALPHA * FC_WINO_MAX_ALPHA * L];   /* mat . in: rows x inner */

    for (int i = 0; i < rows; ++i) {
        for (int kk = 0; kk < inner; ++kk) {
            FC_WT_T acc[L];
            for (int l = 0; l < L; ++l) {
                acc[l] = 0;
            }
            for (int k = 0; k < inner; ++k) {
                const FC_WT_T c = mat[i * inner + k];
                if (c == 0) {
                    continue;
                }
                const FC_WT_T *src = in + (k * inner + kk) * L;
                for (int l = 0; l < L; ++l) {
                    acc[l] += c * src[l];
                }
            }
            for (int l = 0; l < L; ++l) {
                half[(i * inner + kk) * L + l] = acc[l];
            }
        }
    }
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < rows; ++j) {
            FC_WT_T acc[L];
            for (int l = 0; l < L; ++l) {
                acc[l] = 0;
            }
            for (int k = 0; k < inner; ++k) {
                const FC_WT_T c = mat[j * inner + k];
                if (c == 0) {
                    continue;
                }
                const FC_WT_T *src = half + (i * inner + k) * L;
                for (int l = 0; l < L; ++l) {
                    acc[l] += c * src[l];
                }
            }
            for (int l = 0; l < L; ++l) {
                out[(i * rows + j) * L + l] = acc[l];
            }
        }
    }
}
