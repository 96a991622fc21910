/* dtype.c -- facts about the dtype codes of fastconv.h. */
#include "fastconv.h"

/* Each preprocessor code FC_DT_<NAME> (dtype_list.h) equals its fc_dtype
 * constant FC_<NAME>: a compile-time check per row of the list (an array of
 * negative size otherwise; C99 has no _Static_assert).  A row without its
 * FC_DT_ code fails here too. */
#define FC_DT_CHECK(X, NAME, sfx, T, is_float) \
    typedef char fc_dt_code_of_##NAME[(FC_DT_##NAME == (int)FC_##NAME) ? 1 : -1];
FC_DTYPE_LIST(FC_DT_CHECK, ~)
#undef FC_DT_CHECK

size_t fc_itemsize(fc_dtype dt)
{
#define FC_SIZE(code, sfx, T) case code: return sizeof(T);
    switch (dt) {
        FC_FOR_EACH_DTYPE(FC_SIZE)
        default:
            return 0;
    }
#undef FC_SIZE
}
