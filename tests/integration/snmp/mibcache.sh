#!/usr/bin/env bash
# Test set-up: SNMPv2-SMI, SNMPv2-TC and SNMPv2-CONF for smilint and the
# net-snmp tools. Debian main strips them from libsmi and net-snmp; the
# erlang-snmp package (Debian main) ships them, so fetch it with apt-get
# download and extract it without installing Erlang.
set -euo pipefail
cache=$(realpath -m "${1:?usage: mibcache.sh CACHE_DIR}")
want=(SNMPv2-SMI SNMPv2-TC SNMPv2-CONF)
have=1
for m in "${want[@]}"; do [ -s "$cache/$m.mib" ] || have=0; done
if [ $have = 1 ]; then
	echo "base MIBs already in $cache"
	exit 0
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
if ! apt-get download erlang-snmp >download.log 2>&1; then
	cat download.log >&2
	echo "FAIL: cannot fetch the erlang-snmp package (apt-get download erlang-snmp)," >&2
	echo "      which supplies SNMPv2-SMI/TC/CONF for the MIB tests. Check the apt sources" >&2
	echo "      and network access, or put the three .mib files into $cache by hand." >&2
	exit 1
fi
dpkg-deb -x erlang-snmp_*.deb x
for m in "${want[@]}"; do
	src=$(find x -path '*/mibs/*' -name "$m.mib" | head -n1)
	if [ -z "$src" ]; then
		echo "FAIL: erlang-snmp has no $m.mib" >&2
		exit 1
	fi
	cp "$src" "$cache/$m.mib"
done
echo "base MIBs extracted into $cache"
