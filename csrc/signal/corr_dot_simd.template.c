/*
 * corr_dot_simd.template.c -- the corr_dot kernel (signal_kernels.h) for one
 * SIMD target and element type, included by signal_kernels.c before
 * corr_rows_simd.template.c, with the same vocabulary (S_NAME, S_ATTR, S_T,
 * S_V, S_L, S_LOADU, S_ZERO, S_FMA, S_MASK_T, S_MASK, S_MLOAD, S_MASK_RANGE,
 * S_MFMA) and
 *
 *   S_DOT_NB       outputs per block (their accumulators fit the registers)
 *   S_DOT_SUM(a)   the sum of an output's S_DOT_ACCS accumulators a[],
 *                  in the order of signal_kernels.h's contract
 *
 * (#undef'd at the end of this file).
 *
 * Chunk c of a kernel row (S_L taps from q = c * S_L) goes to accumulator
 * c % S_DOT_ACCS of its output: S_DOT_ACCS vectors hold the contract's
 * FC_DOT_PARTIALS partial sums of FC_DOT_SLOT_BYTES each (AVX2: 4 vectors
 * of 32 bytes, AVX-512: 2 of 64), so both levels add the same products into
 * the same lanes.  A block of S_DOT_NB outputs shares every loaded chunk of
 * w: S_DOT_NB * S_DOT_ACCS independent chains.  The chunks that are whole
 * for every output of the block (all their taps inside x's row) run without
 * a test; the others, at the ends of the rows, load only the present taps
 * (masked: nothing outside [0, xc) is read) and add only those.  The outputs
 * left over (fewer than S_DOT_NB) make one smaller block.
 */
#define S_DOT_ACCS ((int)(FC_DOT_PARTIALS * FC_DOT_SLOT_BYTES / (S_L * sizeof(S_T))))

/* Chunk c (taps q0_ = c * S_L ..) of kernel row wp into accumulator a of
 * each output k < NB (NB, a constants after inlining): the present taps of
 * output k, lanes [qlo[k], qhi[k]) - q0_ of the chunk, of a present row
 * xrow[k]; whole: every lane of every output present (no test). */
#define S_DOT_CHUNK(NB, c, a, whole)                                                     \
    do {                                                                                \
        const ptrdiff_t q0_ = (c) * S_L;                                                \
        const int tail_ = (int)fc_min((ptrdiff_t)S_L, wc - q0_);                        \
        const S_V wv_ = tail_ == S_L ? S_LOADU(wp + q0_) : S_MLOAD(wp + q0_, S_MASK(tail_)); \
        _Pragma("GCC unroll 4")                                                         \
        for (int k = 0; k < (NB); ++k) {                                                \
            if (whole) {                                                                \
                acc[k][a] = S_FMA(S_LOADU(xrow[k] + q0_), wv_, acc[k][a]);              \
                continue;                                                               \
            }                                                                           \
            if (xrow[k] == NULL) {                                                      \
                continue;                                                               \
            }                                                                           \
            const ptrdiff_t lo_ = fc_max((ptrdiff_t)0, qlo[k] - q0_);                   \
            const ptrdiff_t hi_ = fc_min((ptrdiff_t)tail_, qhi[k] - q0_);               \
            if (lo_ >= hi_) {                                                           \
                continue;                                                               \
            }                                                                           \
            if (lo_ == 0 && hi_ == S_L) {                                               \
                acc[k][a] = S_FMA(S_LOADU(xrow[k] + q0_), wv_, acc[k][a]);              \
            } else {                                                                    \
                const S_MASK_T m_ = S_MASK_RANGE((int)lo_, (int)hi_);                   \
                acc[k][a] = S_MFMA(S_MLOAD(xrow[k] + q0_, m_), wv_, acc[k][a], m_);     \
            }                                                                           \
        }                                                                               \
    } while (0)

/* Chunks [c_begin, c_end) of kernel row wp, in order, chunk c into
 * accumulator c % S_DOT_ACCS (every accumulator index a constant: the
 * loops over a unroll). */
#define S_DOT_CHUNKS(NB, c_begin, c_end, whole)                                          \
    do {                                                                                \
        ptrdiff_t c_ = (c_begin);                                                       \
        _Pragma("GCC unroll 4")                                                         \
        for (int a_ = 1; a_ < S_DOT_ACCS; ++a_) {   /* up to a multiple of S_DOT_ACCS */ \
            if (c_ < (c_end) && c_ % S_DOT_ACCS == a_) {                                \
                S_DOT_CHUNK(NB, c_, a_, whole);                                         \
                ++c_;                                                                   \
            }                                                                           \
        }                                                                               \
        for (; c_ + S_DOT_ACCS <= (c_end); c_ += S_DOT_ACCS) {                          \
            _Pragma("GCC unroll 4")                                                     \
            for (int a_ = 0; a_ < S_DOT_ACCS; ++a_) {                                   \
                S_DOT_CHUNK(NB, c_ + a_, a_, whole);                                    \
            }                                                                           \
        }                                                                               \
        _Pragma("GCC unroll 4")                                                         \
        for (int a_ = 0; a_ < S_DOT_ACCS - 1; ++a_) {   /* the rest */                  \
            if (c_ < (c_end)) {                                                         \
                S_DOT_CHUNK(NB, c_, a_, whole);                                         \
                ++c_;                                                                   \
            }                                                                           \
        }                                                                               \
    } while (0)

/* The outputs [first, first + NB) (NB a constant after inlining). */
S_ATTR static inline __attribute__((always_inline)) void
S_NAME(dot_block)(const int NB, const S_T *x, ptrdiff_t xr, ptrdiff_t xc, const S_T *w,
                  ptrdiff_t wr, ptrdiff_t wc, S_T *out, ptrdiff_t ldo, ptrdiff_t ocols,
                  ptrdiff_t first, ptrdiff_t r0, ptrdiff_t c0)
{
    const ptrdiff_t nchunks = (wc + S_L - 1) / S_L;
    /* output k: row i[k], x column of tap 0 col[k]; its taps [qlo, qhi) of
     * every kernel row read x; chunks [whole_lo, whole_hi) are whole for all */
    ptrdiff_t i[S_DOT_NB], col[S_DOT_NB], qlo[S_DOT_NB], qhi[S_DOT_NB];
    ptrdiff_t whole_lo = 0, whole_hi = nchunks;
    S_V acc[S_DOT_NB][S_DOT_ACCS];
    for (int k = 0; k < NB; ++k) {
        const ptrdiff_t o = first + k;
        i[k] = o / ocols;
        col[k] = o % ocols + c0;
        qlo[k] = fc_min(wc, fc_max((ptrdiff_t)0, -col[k]));
        qhi[k] = fc_max(qlo[k], fc_min(wc, xc - col[k]));
        whole_lo = fc_max(whole_lo, (qlo[k] + S_L - 1) / S_L);
        whole_hi = fc_min(whole_hi, qhi[k] / S_L);
        for (int a = 0; a < S_DOT_ACCS; ++a) {
            acc[k][a] = S_ZERO();
        }
    }
    whole_hi = fc_max(whole_lo, whole_hi);
    for (ptrdiff_t p = 0; p < wr; ++p) {
        const S_T *wp = w + p * wc;
        const S_T *xrow[S_DOT_NB];   /* x at output k's tap (p, 0); NULL: row outside x */
        int present = 1;
        for (int k = 0; k < NB; ++k) {
            const ptrdiff_t row = i[k] + r0 + p;
            xrow[k] = row >= 0 && row < xr ? x + row * xc + col[k] : NULL;
            present &= xrow[k] != NULL;
        }
        /* chunks [c_lo, c_hi) whole for every output; the others tested */
        const ptrdiff_t c_lo = present ? whole_lo : nchunks, c_hi = present ? whole_hi : nchunks;
        S_DOT_CHUNKS(NB, 0, c_lo, 0);
        S_DOT_CHUNKS(NB, c_lo, c_hi, 1);
        S_DOT_CHUNKS(NB, c_hi, nchunks, 0);
    }
    for (int k = 0; k < NB; ++k) {
        out[i[k] * ldo + col[k] - c0] = S_DOT_SUM(acc[k]);
    }
}

S_ATTR static void S_NAME(corr_dot)(const S_T *x, ptrdiff_t xr, ptrdiff_t xc, const S_T *w,
                                    ptrdiff_t wr, ptrdiff_t wc, S_T *out, ptrdiff_t ldo,
                                    ptrdiff_t ocols, ptrdiff_t first, ptrdiff_t count,
                                    ptrdiff_t r0, ptrdiff_t c0)
{
    ptrdiff_t o = first;
    for (; o + S_DOT_NB <= first + count; o += S_DOT_NB) {
        S_NAME(dot_block)(S_DOT_NB, x, xr, xc, w, wr, wc, out, ldo, ocols, o, r0, c0);
    }
    switch (first + count - o) {   /* the rest as one block (more chains than single outputs) */
#if S_DOT_NB > 3
    case 3:
        S_NAME(dot_block)(3, x, xr, xc, w, wr, wc, out, ldo, ocols, o, r0, c0);
        break;
#endif
#if S_DOT_NB > 2
    case 2:
        S_NAME(dot_block)(2, x, xr, xc, w, wr, wc, out, ldo, ocols, o, r0, c0);
        break;
#endif
    case 1:
        S_NAME(dot_block)(1, x, xr, xc, w, wr, wc, out, ldo, ocols, o, r0, c0);
        break;
    default:
        break;
    }
}

#undef S_DOT_ACCS
#undef S_DOT_CHUNK
#undef S_DOT_CHUNKS
#undef S_DOT_NB
#undef S_DOT_SUM
