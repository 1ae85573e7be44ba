#!/usr/bin/env bash
# Install what building and testing revmon needs on Debian 12, only the
# packages that are missing (so a warm machine pays nothing).
#   deps.sh --main   only what building the core and the revmon CLI needs
#                    (scripts/demo.sh)
#   deps.sh          that and everything the test suite runs
#   deps.sh --bench  that and the benchmarks' tools
set -euo pipefail

# The core: a C compiler, CMake, and its libraries (JSON, HTTPS, crypto, and
# librdkafka for the eventhub source's Kafka protocol, which the core links).
pkgs=(build-essential cmake pkg-config libjansson-dev libcurl4-openssl-dev libssl-dev librdkafka-dev)
if [ "${1:-}" != "--main" ]; then
pkgs+=(libcmocka-dev valgrind jq python3 pyflakes3
	# the graph source's loopback stand-in's certificates
	openssl
	# the monitoring hosts the adapters are tested under
	collectd-core collectd-dev collectd-utils socat
	# the stock collectd.conf (the package test) loads rrdtool and netlink: collectd-core only
	# recommends their libraries
	librrd8 libmnl0
	# write_log's JSON (the family values' meta data in the collectd test) needs yajl
	libyajl2
	# the collectd dashboards test: the rrdtool command renders the shipped graphs;
	# write_prometheus needs libmicrohttpd and protobuf-c (collectd-core only
	# recommends them); a real Prometheus evaluates the Grafana dashboard's queries
	rrdtool libmicrohttpd12 libprotobuf-c1 prometheus
	snmpd snmp libsnmp-dev smitools
	# the subagent's notifications are received by a real snmptrapd (tests/integration/snmp/test_traps.py)
	snmptrapd
	nagios4-core monitoring-plugins-basic
	# the Icinga 2 test: the daemon (icinga2-bin) and its ITL (icinga2-common), which run the
	# shipped CheckCommand
	icinga2-bin icinga2-common
	# the package test: dpkg-shlibdeps, man -l, file (lintian's)
	dpkg-dev man-db groff-base file
	# the package test: dpkg-buildpackage with debhelper, lintian, devscripts'
	# hardening-check, systemd-analyze (systemd) for the unit, ps (procps)
	debhelper lintian devscripts systemd procps
	# libFuzzer targets (tests/fuzz/run.sh): clang and its fuzzer runtime
	clang libclang-rt-14-dev
	# the probe test's OAuth 2.0 provider (oidc-provider, installed by npm ci)
	nodejs)
# Debian's npm package; a nodejs that bundles npm (NodeSource) conflicts with it.
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi
if [ "${1:-}" = "--bench" ]; then
	pkgs+=(time python3)
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	sudo_cmd=()
	[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
	"${sudo_cmd[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
