/*
 * winograd_kernels.c -- the Winograd transform micro-kernels
 * (winograd_kernels.h) and the matrices of F(m x m, 3 x 3), m = 2, 4, 6.
 *
 * The matrices come from the Cook-Toom construction (Lavin & Gray, "Fast
 * Algorithms for Convolutional Neural Networks", 2016) on the interpolation
 * points NNPACK and wincnn use, plus the point at infinity:
 *
 *     F(2x2, 3x3)  0, 1, -1
 *     F(4x4, 3x3)  0, 1, -1, 2, -2
 *     F(6x6, 3x3)  0, 1, -1, 2, -2, 1/2, -1/2
 *
 * (small points and their reciprocals keep the entries of B and A within
 * [1/32, 32]: the well-conditioned choice).  Entries are exact fractions;
 * in float32 those of G that are not dyadic (1/6, 2/9, 1/90, ...) round
 * once, which is part of the measured error (docs/guide/winograd.rst).
 *
 * Every kernel is plain C with constant loop bounds and constant
 * coefficients (the loops over them are unrolled, so zeros vanish and +-1
 * need no multiply), vectorized by the compiler over the lanes: once for the
 * baseline target (the reference) and once inside target("avx2,fma").
 */
#include "winograd_kernels.h"

static const double BT2[4][4] = {
    {1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}};
static const double G2[4][3] = {
    {1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const double AT2[2][4] = {
    {1, 1, 1, 0}, {0, 1, -1, -1}};

static const double BT4[6][6] = {
    {4, 0, -5, 0, 1, 0},
    {0, -4, -4, 1, 1, 0},
    {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0},
    {0, 2, -1, -2, 1, 0},
    {0, 4, 0, -5, 0, 1}};
static const double G4[6][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1}};
static const double AT4[4][6] = {
    {1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 0},
    {0, 1, 1, 4, 4, 0},
    {0, 1, -1, 8, -8, 1}};

static const double BT6[8][8] = {
    {1, 0, -21.0 / 4, 0, 21.0 / 4, 0, -1, 0},
    {0, 1, 1, -17.0 / 4, -17.0 / 4, 1, 1, 0},
    {0, -1, 1, 17.0 / 4, -17.0 / 4, -1, 1, 0},
    {0, 1.0 / 2, 1.0 / 4, -5.0 / 2, -5.0 / 4, 2, 1, 0},
    {0, -1.0 / 2, 1.0 / 4, 5.0 / 2, -5.0 / 4, -2, 1, 0},
    {0, 2, 4, -5.0 / 2, -5, 1.0 / 2, 1, 0},
    {0, -2, 4, 5.0 / 2, -5, -1.0 / 2, 1, 0},
    {0, -1, 0, 21.0 / 4, 0, -21.0 / 4, 0, 1}};
static const double G6[8][3] = {
    {1, 0, 0},
    {-2.0 / 9, -2.0 / 9, -2.0 / 9},
    {-2.0 / 9, 2.0 / 9, -2.0 / 9},
    {1.0 / 90, 1.0 / 45, 2.0 / 45},
    {1.0 / 90, -1.0 / 45, 2.0 / 45},
    {32.0 / 45, 16.0 / 45, 8.0 / 45},
    {32.0 / 45, -16.0 / 45, 8.0 / 45},
    {0, 0, 1}};
static const double AT6[6][8] = {
    {1, 1, 1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 1.0 / 2, -1.0 / 2, 0},
    {0, 1, 1, 4, 4, 1.0 / 4, 1.0 / 4, 0},
    {0, 1, -1, 8, -8, 1.0 / 8, -1.0 / 8, 0},
    {0, 1, 1, 16, 16, 1.0 / 16, 1.0 / 16, 0},
    {0, 1, -1, 32, -32, 1.0 / 32, -1.0 / 32, 1}};

/*
 * One micro-kernel: out = P . in . P^T per lane for the ROWS x INNER
 * constant matrix P, summed over k in increasing order in both stages
 * (products with zero coefficients skipped).  The coefficient is rounded to
 * T once; multiplying by it is exact when it is a power of two.
 */
#define FC_WINO_KERNEL(NAME, T, ATTR, P, ROWS, INNER)                                    \
    ATTR static void NAME(const T *restrict in, ptrdiff_t in_stride,                     \
                          T *restrict out, ptrdiff_t out_stride)                         \
    {                                                                                    \
        enum { L = FC_WINO_LANES };                                                      \
        T half[(ROWS) * (INNER) * L]; /* P . in: ROWS x INNER */                         \
        _Pragma("GCC unroll 8")                                                          \
        for (int i = 0; i < (ROWS); ++i) {                                               \
            for (int kk = 0; kk < (INNER); ++kk) {                                       \
                T acc[L] = {0};                                                          \
                _Pragma("GCC unroll 8")                                                  \
                for (int k = 0; k < (INNER); ++k) {                                      \
                    const T c = (T)P[i][k];                                              \
                    if (c != 0) {                                                        \
                        const T *src = in + (k * (INNER) + kk) * in_stride;              \
                        for (int l = 0; l < L; ++l) {                                    \
                            acc[l] += c * src[l];                                        \
                        }                                                                \
                    }                                                                    \
                }                                                                        \
                for (int l = 0; l < L; ++l) {                                            \
                    half[(i * (INNER) + kk) * L + l] = acc[l];                           \
                }                                                                        \
            }                                                                            \
        }                                                                                \
        for (int i = 0; i < (ROWS); ++i) {                                               \
            _Pragma("GCC unroll 8")                                                      \
            for (int j = 0; j < (ROWS); ++j) {                                           \
                T acc[L] = {0};                                                          \
                _Pragma("GCC unroll 8")                                                  \
                for (int k = 0; k < (INNER); ++k) {                                      \
                    const T c = (T)P[j][k];                                              \
                    if (c != 0) {                                                        \
                        for (int l = 0; l < L; ++l) {                                    \
                            acc[l] += c * half[(i * (INNER) + k) * L + l];               \
                        }                                                                \
                    }                                                                    \
                }                                                                        \
                T *dst = out + (i * (ROWS) + j) * out_stride;                            \
                for (int l = 0; l < L; ++l) {                                            \
                    dst[l] = acc[l];                                                     \
                }                                                                        \
            }                                                                            \
        }                                                                                \
    }

/* The nine kernels of one element type and target: weight, input and
 * output transforms for m = 2, 4, 6. */
#define FC_WINO_KERNELS(SFX, T, ATTR)                                  \
    FC_WINO_KERNEL(weight2_##SFX, T, ATTR, G2, 4, 3)                   \
    FC_WINO_KERNEL(input2_##SFX, T, ATTR, BT2, 4, 4)                   \
    FC_WINO_KERNEL(output2_##SFX, T, ATTR, AT2, 2, 4)                  \
    FC_WINO_KERNEL(weight4_##SFX, T, ATTR, G4, 6, 3)                   \
    FC_WINO_KERNEL(input4_##SFX, T, ATTR, BT4, 6, 6)                   \
    FC_WINO_KERNEL(output4_##SFX, T, ATTR, AT4, 4, 6)                  \
    FC_WINO_KERNEL(weight6_##SFX, T, ATTR, G6, 8, 3)                   \
    FC_WINO_KERNEL(input6_##SFX, T, ATTR, BT6, 8, 8)                   \
    FC_WINO_KERNEL(output6_##SFX, T, ATTR, AT6, 6, 8)

#define FC_WINO_REGISTER(t, SFX, TSFX)                                                   \
    do {                                                                                 \
        (t)->weight_##TSFX[0] = weight2_##SFX;                                           \
        (t)->input_##TSFX[0] = input2_##SFX;                                             \
        (t)->output_##TSFX[0] = output2_##SFX;                                           \
        (t)->weight_##TSFX[1] = weight4_##SFX;                                           \
        (t)->input_##TSFX[1] = input4_##SFX;                                             \
        (t)->output_##TSFX[1] = output4_##SFX;                                           \
        (t)->weight_##TSFX[2] = weight6_##SFX;                                           \
        (t)->input_##TSFX[2] = input6_##SFX;                                             \
        (t)->output_##TSFX[2] = output6_##SFX;                                           \
    } while (0)

FC_WINO_KERNELS(f32_ref, float, )
FC_WINO_KERNELS(f64_ref, double, )

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define FC_WINO_HAVE_AVX2 1
FC_WINO_KERNELS(f32_avx2, float, __attribute__((target("avx2,fma"))))
FC_WINO_KERNELS(f64_avx2, double, __attribute__((target("avx2,fma"))))
#endif

void fc_winograd_kernels_init(fc_winograd_kernels *t, fc_isa isa)
{
    FC_WINO_REGISTER(t, f32_ref, f32);
    FC_WINO_REGISTER(t, f64_ref, f64);
#ifdef FC_WINO_HAVE_AVX2
    if (isa >= FC_ISA_AVX2) {
        FC_WINO_REGISTER(t, f32_avx2, f32);
        FC_WINO_REGISTER(t, f64_avx2, f64);
    }
#else
    (void)isa;
#endif
}
