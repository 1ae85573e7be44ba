# A Debian package: cmake --build build --target package (configure with
# -DCMAKE_INSTALL_PREFIX=/usr). Runtime dependencies come from
# dpkg-shlibdeps (libcurl, jansson, OpenSSL, net-snmp); the monitoring
# daemons are suggestions, since each adapter is optional.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME revmon)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "revmon developers <revmon@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "token revocation lag and stale-token monitoring for Nagios, collectd and SNMP")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "token revocation lag and stale-token monitoring for Nagios, collectd and SNMP
 revmon reads Microsoft Entra ID sign-in and audit logs and reports how long
 revocations take to be enforced, how many revoked or orphaned tokens are
 still in play, and when a re-authentication storm is under way, through
 check_revocation (Nagios/Icinga), a collectd plugin and an SNMP AgentX
 subagent with its MIB.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "collectd-core, snmpd, snmp, monitoring-plugins-basic | nagios4 | icinga2")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The operator's files: kept when the package is removed, asked about when
# a new version changes them.
set(REVMON_CONFFILES "/etc/revmon/revmon.conf\n")
if(EXISTS ${PROJECT_SOURCE_DIR}/snmp/revmon-agentx.conf.example)
  string(APPEND REVMON_CONFFILES "/etc/revmon/revmon-agentx.conf\n")
endif()
file(WRITE ${PROJECT_BINARY_DIR}/debian/conffiles "${REVMON_CONFFILES}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
