# Where everything goes, the way Debian's monitoring packages expect it
# (debian/*.install split it into the packages):
#   revmon -> /usr/bin, check_revocation -> /usr/lib/nagios/plugins,
#   revmon.so -> /usr/lib/collectd, revmon-agentx -> /usr/sbin,
#   REVMON-MIB -> /usr/share/snmp/mibs, manual pages, examples under
#   /usr/share/doc/revmon/examples, /etc/revmon for the operator's files, the
#   systemd unit, and librevmon (shared and static) with its header and
#   pkg-config file for anyone embedding the core.
# The adapters' own CMakeLists install their binaries; this file does the rest.

install(TARGETS revmon_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS revmon_static ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/plugin/include/revmon.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

# Static linking: the libraries the core links, by their own pkg-config
# names (their flags then come from their own .pc files, as they should).
set(REVMON_PC_PRIVATE "-lm")
set(REVMON_PC_REQUIRES_PRIVATE "libcurl, libcrypto, jansson, rdkafka")
configure_file(${PROJECT_SOURCE_DIR}/cmake/revmon.pc.in ${PROJECT_BINARY_DIR}/revmon.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/revmon.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Manual pages, generated from templates and the registry.
set(REVMON_MAN_PAGES revmon.1 check_revocation.1 revmon.conf.5 revmon-agentx.8)
set(REVMON_MAN_OUT)
foreach(page ${REVMON_MAN_PAGES})
  set(out ${PROJECT_BINARY_DIR}/man/${page})
  # Debian ships manual pages compressed (gzip -n: reproducible).
  add_custom_command(OUTPUT ${out} ${out}.gz
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -DIN=${PROJECT_SOURCE_DIR}/docs/man/${page}.in -DOUT=${out}
            -DREVMON=$<TARGET_FILE:revmon> -DVERSION=${PROJECT_VERSION}
            -P ${PROJECT_SOURCE_DIR}/cmake/gen_man.cmake
    COMMAND gzip -9 -n -f -k ${out}
    DEPENDS revmon ${PROJECT_SOURCE_DIR}/docs/man/${page}.in ${PROJECT_SOURCE_DIR}/cmake/gen_man.cmake
    COMMENT "Generating ${page}")
  list(APPEND REVMON_MAN_OUT ${out} ${out}.gz)
  string(REGEX REPLACE ".*\\.([0-9])$" "\\1" section ${page})
  install(FILES ${out}.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
add_custom_target(man ALL DEPENDS ${REVMON_MAN_OUT})

# Examples and drop-in snippets for the stock configurations.
set(REVMON_EXAMPLES_DIR ${CMAKE_INSTALL_DATADIR}/doc/revmon/examples)
install(FILES
  ${PROJECT_SOURCE_DIR}/docs/examples/revmon.conf
  ${PROJECT_SOURCE_DIR}/docs/examples/nagios-revocation.cfg
  ${PROJECT_SOURCE_DIR}/docs/examples/icinga2-revocation.conf
  ${PROJECT_SOURCE_DIR}/docs/examples/collectd-revmon.conf
  ${PROJECT_SOURCE_DIR}/docs/examples/snmpd-revmon.conf
  DESTINATION ${REVMON_EXAMPLES_DIR})
foreach(example collectd/revmon.conf.example snmp/revmon-agentx.conf.example snmp/snmpd.conf.example)
  if(EXISTS ${PROJECT_SOURCE_DIR}/${example})
    install(FILES ${PROJECT_SOURCE_DIR}/${example} DESTINATION ${REVMON_EXAMPLES_DIR})
  endif()
endforeach()
# The wall graphs (rrdtool) and the Grafana dashboard over write_prometheus.
install(PROGRAMS ${PROJECT_SOURCE_DIR}/collectd/graphs/revmon-graphs DESTINATION ${REVMON_EXAMPLES_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/collectd/graphs/demo.conf
  DESTINATION ${REVMON_EXAMPLES_DIR} RENAME collectd-graphs-demo.conf)
install(FILES ${PROJECT_SOURCE_DIR}/collectd/grafana/revmon.json
  DESTINATION ${REVMON_EXAMPLES_DIR} RENAME grafana-revmon.json)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/revmon)

# /etc/revmon: the operator's files (conffiles in the package: kept when it
# is removed). Readable by the monitoring daemons' users; secrets go in
# separate files that revmon refuses unless they are private.
install(DIRECTORY DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/revmon
  DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                        WORLD_READ WORLD_EXECUTE)
install(FILES ${PROJECT_SOURCE_DIR}/docs/examples/revmon.conf
  DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/revmon
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
if(EXISTS ${PROJECT_SOURCE_DIR}/snmp/revmon-agentx.conf.example)
  install(FILES ${PROJECT_SOURCE_DIR}/snmp/revmon-agentx.conf.example
    DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/revmon RENAME revmon-agentx.conf
    PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endif()
if(EXISTS ${PROJECT_SOURCE_DIR}/snmp/revmon-agentx.service)
  # Debian keeps packaged units in /lib/systemd/system.
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(REVMON_UNIT_DIR /lib/systemd/system)
  else()
    set(REVMON_UNIT_DIR lib/systemd/system)
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/snmp/revmon-agentx.service DESTINATION ${REVMON_UNIT_DIR})
endif()
