/* Configuration files are trusted as ssh trusts its own: a configuration can
 * point graph_authority or probe_token_url at any server, which then receives
 * the client secret, so a file (or a directory above it) that someone other
 * than root or the running user could change is refused. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

/* NULL when st may hold (or lead to) a configuration, else why not. A
 * directory with the sticky bit (/tmp) is the exception ssh does not make:
 * others may add names there, but not replace or rename ours; a symbolic
 * link's mode means nothing, its owner does. */
static const char *untrusted(const struct stat *st, char *why, size_t cap)
{
	uid_t me = geteuid();

	if (st->st_uid != 0 && st->st_uid != me) {
		snprintf(why, cap, "owned by uid %u, neither root nor the running user (uid %u)",
		         (unsigned)st->st_uid, (unsigned)me);
		return why;
	}
	if ((st->st_mode & 022) && !S_ISLNK(st->st_mode) && !(S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX))) {
		snprintf(why, cap, "writable by %s (chmod go-w)",
		         (st->st_mode & 022) == 022 ? "group and others" : st->st_mode & 020 ? "group" : "others");
		return why;
	}
	return NULL;
}

/* Each directory from real (a resolved path) up to /: 0, or -1 with err. */
static int check_dirs(const char *path, char *real, struct revmon_error *err)
{
	char why[128];

	for (char *slash = strrchr(real, '/'); slash; slash = strrchr(real, '/')) {
		struct stat st;

		slash[slash == real] = '\0'; /* "/a/b" -> "/a" -> "/" */
		if (stat(real, &st) < 0) {
			rm_errorf(err, "%s: directory %s: %s", path, real, strerror(errno));
			return -1;
		}
		if (untrusted(&st, why, sizeof why)) {
			rm_errorf(err, "%s: refused: its directory %s is %s; a configuration can name endpoints "
			          "and secrets", path, real, why);
			return -1;
		}
		if (slash == real)
			break;
	}
	return 0;
}

/* A symbolic link at path (it names the file as much as the file does):
 * its owner, and the directories it lives in. 0, or -1 with err. */
static int check_link(const char *path, struct revmon_error *err)
{
	struct stat link;
	char why[128], *copy = strdup(path), *dir = NULL, *at;
	int rc = -1;

	if (lstat(path, &link) < 0 || !S_ISLNK(link.st_mode)) {
		free(copy);
		return 0;
	}
	if (!copy || !(dir = realpath(dirname(copy), NULL))) {
		rm_errorf(err, "%s: %s", path, copy ? strerror(errno) : "out of memory");
		goto out;
	}
	if (untrusted(&link, why, sizeof why)) {
		rm_errorf(err, "%s: refused: the link is %s; a configuration can name endpoints and secrets",
		          path, why);
		goto out;
	}
	at = realloc(dir, strlen(dir) + 3);
	if (!at) {
		rm_errorf(err, "%s: out of memory", path);
		goto out;
	}
	dir = at;
	memcpy(dir + strlen(dir), "/l", 3); /* check_dirs starts above the last name */
	rc = check_dirs(path, dir, err);
out:
	free(dir);
	free(copy);
	return rc;
}

int rm_conf_file_trusted(const char *path, int fd, struct revmon_error *err)
{
	struct stat st;
	char why[128], *real;
	int rc;

	if (fstat(fd, &st) < 0) {
		rm_errorf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (untrusted(&st, why, sizeof why)) {
		rm_errorf(err, "%s: refused: %s; a configuration can name endpoints and secrets", path, why);
		return -1;
	}
	if (check_link(path, err) < 0)
		return -1;
	if (!S_ISREG(st.st_mode))
		return 0; /* a pipe (--config <(...)) has no directory to check */
	real = realpath(path, NULL);
	if (!real) {
		rm_errorf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = check_dirs(path, real, err);
	free(real);
	return rc;
}

int revmon_conf_check_file(const char *path, struct revmon_error *err)
{
	FILE *f = fopen(path, "rb");
	int rc;

	if (!f) {
		rm_errorf(err, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = rm_conf_file_trusted(path, fileno(f), err);
	fclose(f);
	return rc;
}
