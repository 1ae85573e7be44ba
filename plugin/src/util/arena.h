/* A scratch arena whose bytes never move: chunks are added as needed and
 * kept for reuse, so slices handed out stay valid until the next reset.
 * The parsers decode JSON text found inside strings into one, and the
 * record's slices may point there until the record has been delivered. */
#ifndef RM_ARENA_H
#define RM_ARENA_H

#include <stddef.h>

struct rm_arena_chunk;

/* Zero-initialised is empty. The owner of the struct frees it with
 * rm_arena_free. */
struct rm_arena {
	struct rm_arena_chunk *head, *cur;
};

/* n bytes valid until the next rm_arena_reset / rm_arena_free; NULL when
 * memory runs out. The arena owns them. */
char *rm_arena_alloc(struct rm_arena *a, size_t n);
/* Make every byte reusable (the chunks are kept). */
void rm_arena_reset(struct rm_arena *a);
void rm_arena_free(struct rm_arena *a);

#endif
