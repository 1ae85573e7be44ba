#!/usr/bin/env bash
# Mechanical checks that keep reviews about design: no banned functions in
# the product's C (curl's list, adapted), no mutable globals in the core (one
# monitor per thread must be safe), no non-static functions in headers, no
# function over 100 lines, the core's includes only down its data path, and
# pyflakes over the Python test scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
banned='\b(sprintf|vsprintf|strcat|strncat|strcpy|strncpy|strtok|gmtime|localtime|ctime|asctime|atoi|atol|atof|gets|rand|srand)[[:space:]]*\('
files=$(git ls-files 'plugin/*.c' 'plugin/*.h' 'nagios/*.c' 'collectd/*.c' 'snmp/*.c' 2>/dev/null || true)
if [ -n "$files" ] && hits=$(grep -nE "$banned" $files); then
	echo "banned function used (see STYLE; use snprintf, memcpy, strtol, gmtime_r...):"
	echo "$hits"
	status=1
fi
# File-scope variables in the core must be const: no shared mutable state.
for f in $(git ls-files 'plugin/src/*.c'); do
	if hits=$(grep -nE '^(static )?(unsigned |signed )?(char|int|long|size_t|double|uint[0-9]+_t|int[0-9]+_t|struct [a-z_]+) +\**[a-z_][a-z0-9_]*(\[[^]]*\])* *(=|;)' "$f" | grep -v 'const'); then
		echo "$f: mutable file-scope variable (the core keeps its state in its handles):"
		echo "$hits"
		status=1
	fi
done
# The core's folders: includes point only down the data path.
if ! python3 scripts/check-layers.py; then
	echo "includes that break the core's layering (scripts/check-layers.py says why)"
	status=1
fi
# No function over 100 lines in the product's C; scripts/long-functions.allow
# lists the debt still being paid off.
if [ -n "$files" ] && ! python3 scripts/function-length.py scripts/long-functions.allow \
	$(git ls-files 'plugin/*.c' 'nagios/*.c' 'collectd/*.c' 'snmp/*.c'); then
	echo "functions too long (see above; split them, or they are new debt)"
	status=1
fi
# The test and bench scripts: no unused import or name, no undefined one.
if command -v pyflakes3 >/dev/null; then
	pyfiles=$(git ls-files 'tests/*.py' 'scripts/*.py'; git ls-files tests/bench | while read -r f; do
		if head -c 64 "$f" | grep -q '^#!.*python'; then echo "$f"; fi; done)
	if [ -n "$pyfiles" ] && ! pyflakes3 $pyfiles; then
		echo "pyflakes3 found the problems above in the Python test scripts"
		status=1
	fi
else
	echo "pyflakes3 not installed: the Python scripts were not checked (scripts/deps.sh installs it)"
fi
[ $status -eq 0 ] && echo "style: ok"
exit $status
