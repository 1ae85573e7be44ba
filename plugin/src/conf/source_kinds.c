/* The source kinds, read from sources.def; see source_kinds.h. */
#include "source_kinds.h"

#include <stdio.h>
#include <string.h>

#include "revmon.h"

static const struct {
	const char *kind;
	const char *arg; /* "" or ":ARG" */
} kinds[] = {
#define X(kind, arg, ctor, help) {kind, arg},
#include "sources.def"
#undef X
};

#define N_KINDS (sizeof kinds / sizeof kinds[0])

const char rm_source_key_help[] = "Where events come from; repeat for several."
#define X(kind, arg, ctor, help) " " kind arg ": " help "."
#include "sources.def"
#undef X
	;

static const char kinds_help[] =
#define X(kind, arg, ctor, help) "  " kind arg "\n      " help "\n"
#include "sources.def"
#undef X
	;

int rm_source_kind(const char *spec)
{
	for (size_t i = 0; i < N_KINDS; i++) {
		size_t n = strlen(kinds[i].kind);

		if (strncmp(spec, kinds[i].kind, n) != 0)
			continue;
		/* "file:" alone names no file: refused like an unknown kind */
		if (*kinds[i].arg ? spec[n] == ':' && spec[n + 1] : !spec[n])
			return (int)i;
	}
	return -1;
}

void rm_source_kinds_phrase(char *buf, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_KINDS && used < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == N_KINDS ? " or " : ", ";
		int w = snprintf(buf + used, n - used, "%s%s%s", sep, kinds[i].kind, kinds[i].arg);

		if (w < 0)
			break;
		used += (size_t)w;
	}
}

const char *revmon_source_kinds_help(void)
{
	return kinds_help;
}
