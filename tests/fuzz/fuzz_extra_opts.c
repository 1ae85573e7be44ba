/* --extra-opts: eo_parse over ini text. The input's first line names the
 * section to read (so the fuzzer can match its own headers); the plugin's
 * own section is read from the rest too. */
#include "extra_opts.h"
#include "fuzz.h"

static void parse(const char *buf, size_t len, const char *section)
{
	char why[256];
	char **opts;

	why[0] = '\0';
	opts = eo_parse(buf, len, section, why, sizeof why);
	if (!opts) {
		FUZZ_CHECK(why[0] != '\0' && memchr(why, '\0', sizeof why));
		return;
	}
	/* options start with '-'; anything else is the value of a one-letter one */
	for (char **p = opts; *p; p++) {
		int short_opt = p > opts && (*(p - 1))[0] == '-' &&
		                strlen(*(p - 1)) == 2;

		FUZZ_CHECK((*p)[0] == '-' || short_opt);
	}
	eo_free(opts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t head = nl ? (size_t)(nl - data) : 0;
	char *section = fuzz_cstr(data, head);
	/* exact size: eo_parse takes a length, the text is not NUL-terminated */
	size_t rest = nl ? size - head - 1 : size;
	char *ini = malloc(rest ? rest : 1);

	if (!ini)
		abort();
	if (rest)
		memcpy(ini, nl ? nl + 1 : data, rest);
	parse(ini, rest, section);
	parse(ini, rest, "check_revocation");
	free(section);
	free(ini);
	return 0;
}
