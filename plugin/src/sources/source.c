/* What every source's constructor starts with and its destructor ends with. */
#include <stdlib.h>
#include <string.h>

#include "source.h"

struct rm_source *rm_source_alloc(const char *spec, const struct rm_source_ops *ops,
                                  size_t impl_size, struct revmon_error *err)
{
	struct rm_source *src = calloc(1, sizeof *src);
	void *impl = calloc(1, impl_size);

	if (!src || !impl || !(src->name = strdup(spec))) {
		rm_errorf(err, "source: %s: out of memory", spec);
		free(impl);
		free(src);
		return NULL;
	}
	src->ops = ops;
	src->impl = impl;
	src->up = 1;
	return src;
}

void rm_source_release(struct rm_source *src)
{
	rm_stream_free(&src->stream);
	free(src->impl);
	free(src->name);
	free(src->error);
	free(src);
}
