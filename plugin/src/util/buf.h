/* A growable byte buffer. The owner of the struct owns .data and frees it
 * with rm_buf_free. */
#ifndef RM_BUF_H
#define RM_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct rm_buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Each returns 0, or -1 when memory runs out (the buffer is left as it was). */
int rm_buf_reserve(struct rm_buf *b, size_t extra);
int rm_buf_append(struct rm_buf *b, const void *p, size_t n);
int rm_buf_puts(struct rm_buf *b, const char *s);
int rm_buf_printf(struct rm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as the contents of a JSON string (no surrounding quotes), escaped. */
int rm_buf_json_escape(struct rm_buf *b, const char *s, size_t n);
/* Drop the first n bytes. */
void rm_buf_consume(struct rm_buf *b, size_t n);
void rm_buf_free(struct rm_buf *b);

#endif
