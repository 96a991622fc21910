/* dtype.c -- facts about the dtype codes of fastconv.h. */
#include "fastconv.h"
#include "dtype_list.h"

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
