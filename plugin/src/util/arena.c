#include "arena.h"

#include <stdlib.h>

#define CHUNK_MIN (64u << 10)

struct rm_arena_chunk {
	struct rm_arena_chunk *next;
	size_t cap, used;
	char data[];
};

char *rm_arena_alloc(struct rm_arena *a, size_t n)
{
	struct rm_arena_chunk *c = a->cur, **link;
	size_t cap;

	/* reuse the kept chunks in order before adding one */
	for (; c; c = c->next) {
		a->cur = c;
		if (c->cap - c->used >= n) {
			c->used += n;
			return c->data + c->used - n;
		}
	}
	cap = n > CHUNK_MIN ? n : CHUNK_MIN;
	if (cap > (size_t)-1 - sizeof *c)
		return NULL;
	c = malloc(sizeof *c + cap);
	if (!c)
		return NULL;
	c->next = NULL;
	c->cap = cap;
	c->used = n;
	for (link = &a->head; *link; link = &(*link)->next)
		;
	*link = c;
	a->cur = c;
	return c->data;
}

void rm_arena_reset(struct rm_arena *a)
{
	for (struct rm_arena_chunk *c = a->head; c; c = c->next)
		c->used = 0;
	a->cur = a->head;
}

void rm_arena_free(struct rm_arena *a)
{
	struct rm_arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = a->cur = NULL;
}
