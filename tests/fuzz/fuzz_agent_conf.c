/* revmon-agentx's configuration mapping: rm_agent_conf_load takes a path,
 * so each input is written to a memfd and read back through /proc; and
 * rm_parse_duration_ms over the input's first line. */
#define _GNU_SOURCE /* memfd_create */
#include <sys/mman.h>
#include <unistd.h>

#include "agent_conf.h"
#include "fuzz.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("revmon-agentx-conf", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rm_agent_conf c;
	char err[512];
	const uint8_t *nl = memchr(data, '\n', size);
	char *first = fuzz_cstr(data, nl ? (size_t)(nl - data) : size);
	long long ms = rm_parse_duration_ms(first);

	FUZZ_CHECK(ms >= -1 && ms <= 1000000000000LL);
	free(first);

	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	err[0] = '\0';
	if (rm_agent_conf_load(path, &c, err, sizeof err) == 0) {
		FUZZ_CHECK(c.n_rows >= 1 && c.rows);
		FUZZ_CHECK(c.s.ping_s >= 1 && c.s.ping_s <= 3600);
		FUZZ_CHECK(memchr(c.s.socket, '\0', sizeof c.s.socket));
		FUZZ_CHECK(memchr(c.s.base_oid, '\0', sizeof c.s.base_oid) && c.s.base_oid[0]);
		FUZZ_CHECK(memchr(c.s.persistent_dir, '\0', sizeof c.s.persistent_dir));
		for (size_t i = 0; i < c.n_rows; i++) {
			FUZZ_CHECK(c.rows[i].conf != NULL);
			FUZZ_CHECK(c.rows[i].interval_ms >= 10 && c.rows[i].interval_ms <= 86400000);
			FUZZ_CHECK(c.rows[i].budget_ms >= 10 && c.rows[i].budget_ms <= 86400000);
		}
		rm_agent_conf_free(&c);
	} else {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err));
		FUZZ_CHECK(c.rows == NULL && c.n_rows == 0);
	}
	return 0;
}
