/*
 * dense_vocabulary_end.h -- ends one element type's instantiation of the
 * dense kernel templates in dense_kernels.c: #undefs every FC_DR_* name of
 * their vocabulary (the AVX2 one and the AVX-512 one), so the next type
 * defines its own.  Included once per (level, type) block; no guard.
 */
#undef FC_DR_SFX
#undef FC_DR_T
#undef FC_DR_V
#undef FC_DR_L
#undef FC_DR_MT
#undef FC_DR_LOAD
#undef FC_DR_STORE
#undef FC_DR_MLOAD
#undef FC_DR_MSTORE
#undef FC_DR_BCAST
#undef FC_DR_FMA
#undef FC_DR_AND
#undef FC_DR_OR
#undef FC_DR_ANDNOT
#undef FC_DR_CASTM
#undef FC_DR_ADD
#undef FC_DR_SET1
#undef FC_DR_ZERO
#undef FC_DR_M
#undef FC_DR_LOADZ
#undef FC_DR_LOADU
#undef FC_DR_STOREU
#undef FC_DR_MASK_FMA
#undef FC_DR_EVENS
