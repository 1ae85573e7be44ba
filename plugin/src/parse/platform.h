/* The platform a client runs on, from deviceDetail.operatingSystem. */
#ifndef RM_PLATFORM_H
#define RM_PLATFORM_H

#include <stddef.h>

#include "event.h"

/* The platform's common name: "iOS", "Android", "macOS", "Windows", "Linux",
 * "ChromeOS", or the text's first word when it is none of these (sign-in
 * logs write "Ios 18.2.1", "MacOs", "Windows 10", "Android 14"); "" when the
 * log had none. Writes at most n bytes (NUL included, n >= 1) into out and
 * returns out; pure. */
char *rm_platform_of(struct rm_str os, char *out, size_t n);

#endif
