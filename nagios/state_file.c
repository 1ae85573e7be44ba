/* The check's memory between runs: one state file per configuration, in a
 * private directory, under a lock so that concurrent runs cannot corrupt it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

/* 0 with the path in out; -1 (errno) when the directory cannot be made;
 * -2 with the directory in out when it is not this user's private one. */
static int default_state_path(const revmon_conf *c, char *out, size_t cap)
{
	const char *dir = getenv("REVMON_STATE_DIR");
	char own[64];

	if (!dir || !*dir) {
		/* one directory per user: root's runs and nagios's never share */
		snprintf(own, sizeof own, DEFAULT_STATE_DIR "-%u", (unsigned)getuid());
		dir = own;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	/* /var/tmp is shared: refuse a directory someone else prepared. */
	{
		struct stat st;

		if (lstat(dir, &st) < 0)
			return -1;
		if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 022)) {
			errno = EPERM;
			snprintf(out, cap, "%s", dir);
			return -2;
		}
	}
	snprintf(out, cap, "%s/%s-%016" PRIx64 ".state", dir, revmon_conf_name(c), revmon_conf_fingerprint(c));
	return 0;
}

/* Hold an exclusive lock on PATH.lock; a second check on the same state
 * waits its turn (bounded by the timeout's alarm). The lock file is opened
 * without following a link (one planted in a shared directory would make
 * the check create its target) and must be this user's (or root's). -1
 * with why set. */
static int lock_state(const char *path, char *why, size_t cap)
{
	char lock[4300];
	struct stat st;
	int fd;

	snprintf(lock, sizeof lock, "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY, 0600);
	if (fd < 0) {
		snprintf(why, cap, "%s: %s", lock, errno == ELOOP ? "a symbolic link: refused (not followed)"
		                                                  : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid())) {
		snprintf(why, cap, "%s: not a regular file of this user or root: refused", lock);
		close(fd);
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			snprintf(why, cap, "%s: %s", lock, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Make the directory of --state-file PATH (mode 0700) when it is missing,
 * so that a per-service path such as Icinga 2's DataDir/revmon/HOST-SERVICE
 * needs no setup; only the last level is made, a missing parent is an
 * error. 0, or -1 after an UNKNOWN line. */
static int make_state_dir(const char *path)
{
	char dir[4200];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof dir, "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0; /* the working directory, or / */
	*slash = '\0';
	if (stat(dir, &st) == 0 || errno != ENOENT)
		return 0; /* there (or unreachable: the lock's open says why) */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		printf(SERVICE " UNKNOWN - --state-file: cannot create the directory %s: %s\n", dir,
		       strerror(errno));
		return -1;
	}
	return 0;
}

/* --state-file, or the default path. 0, or -1 after an UNKNOWN line. */
static int choose_path(const struct opts *o, const revmon_conf *c, struct check_state *st)
{
	int rc = 0;

	if (o->state_file) {
		snprintf(st->path, sizeof st->path, "%s", o->state_file);
		rc = make_state_dir(st->path);
		goto out;
	}
	rc = default_state_path(c, st->path, sizeof st->path);
	if (rc == -2)
		printf(SERVICE " UNKNOWN - state directory %s is not a private directory of this user"
		       " (use --state-file or --no-state)\n", st->path);
	else if (rc < 0)
		printf(SERVICE " UNKNOWN - cannot create the state directory: %s (use --state-file or --no-state)\n",
		       strerror(errno));
	rc = rc < 0 ? -1 : 0;
out:
	return rc;
}

int state_open(const struct opts *o, const revmon_conf *c, revmon *m, struct check_state *st)
{
	struct revmon_error err;
	char why[4400];
	int rc = -1;

	st->lockfd = -1;
	st->note_shown = NULL;
	if (o->no_state)
		return 0;
	if (choose_path(o, c, st) < 0)
		goto out;
	phase(o, "waiting for the lock on %s (another check is using it)", st->path);
	st->lockfd = lock_state(st->path, why, sizeof why);
	if (st->lockfd < 0) {
		printf(SERVICE " UNKNOWN - %s\n", why);
		goto out;
	}
	phase(o, "reading the state file %s", st->path);
	switch (revmon_state_load(m, st->path, &err)) {
	case -1:
		snprintf(st->note, sizeof st->note, "State file refused and replaced: %s", err.msg);
		st->note_shown = st->note;
		break;
	case -2:
		printf(SERVICE " UNKNOWN - %s\n", err.msg);
		goto out;
	default:
		break;
	}
	rc = 0;
out:
	return rc;
}

int state_save(const struct opts *o, revmon *m, const struct check_state *st)
{
	struct revmon_error err;

	if (st->lockfd < 0)
		return 0;
	phase(o, "writing the state file %s", st->path);
	if (revmon_state_save(m, st->path, &err) < 0) {
		printf(SERVICE " UNKNOWN - cannot save state: %s\n", err.msg);
		return -1;
	}
	return 0;
}

void state_close(struct check_state *st)
{
	if (st->lockfd >= 0)
		close(st->lockfd);
	st->lockfd = -1;
}
