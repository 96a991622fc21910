/*
 * dtype_instantiate.h -- includes the template FC_TEMPLATE once per element
 * type of dtype_list.h, in the list's order, each time with FC_DT defined to
 * the type's code and dtype_ops.h included first (FC_T, FC_SFX, ...).
 * dtype_instantiate_float.h does the same for the real floating types only
 * (the rows of FC_FOR_EACH_FLOAT_DTYPE).  Then FC_TEMPLATE is undefined:
 *
 *     #define FC_TEMPLATE "signal/corr2d_direct.template.c"
 *     #include "../dtype_instantiate.h"
 *
 * FC_TEMPLATE is a path relative to csrc/ (quoted #includes are looked up
 * next to the file that has the #include, i.e. this one).
 *
 * The preprocessor cannot run #include in a loop over FC_DTYPE_LIST, so the
 * blocks below follow the list by hand; a type of the list without a block
 * here leaves its kernels undefined and fails the build.
 */
#ifndef FC_TEMPLATE
#  error "dtype_instantiate.h: define FC_TEMPLATE to the template to instantiate first"
#endif

#ifndef FC_INSTANTIATE_FLOAT_ONLY

#define FC_DT FC_DT_BOOL
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#define FC_DT FC_DT_U8
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#define FC_DT FC_DT_U16
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#define FC_DT FC_DT_U32
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#define FC_DT FC_DT_U64
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#endif /* !FC_INSTANTIATE_FLOAT_ONLY */

/* the real floating types (is_float 1 in the list) */

#define FC_DT FC_DT_F32
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#define FC_DT FC_DT_F64
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#ifndef FC_INSTANTIATE_FLOAT_ONLY

#define FC_DT FC_DT_C64
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#define FC_DT FC_DT_C128
#include "dtype_ops.h"
#include FC_TEMPLATE
#undef FC_DT

#endif /* !FC_INSTANTIATE_FLOAT_ONLY */

#undef FC_TEMPLATE
