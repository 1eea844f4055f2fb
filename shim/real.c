/* SPDX-License-Identifier: MIT */
/* Resolution of the real functions with dlsym(RTLD_NEXT). */
#include "real.h"

#include <dlfcn.h>

#define AGS_REAL_DEF(ret, name, params) ret(*ags_real_##name) params;
AGS_REAL_ALL(AGS_REAL_DEF)
#undef AGS_REAL_DEF

void ags_real_resolve(void)
{
	ags_in_shim++; /* dlsym may allocate or open files */
#define AGS_REAL_GET(ret, name, params)                                                    \
	if (!ags_real_##name)                                                              \
		__atomic_store_n(&ags_real_##name, (ret(*) params)dlsym(RTLD_NEXT, #name), \
				 __ATOMIC_RELEASE);
	AGS_REAL_ALL(AGS_REAL_GET)
#undef AGS_REAL_GET
	ags_in_shim--;
}
