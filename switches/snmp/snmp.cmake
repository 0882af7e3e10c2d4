# SPDX-License-Identifier: ISC
# The SNMP enforcement point (snmp_point.c: drivers and operations;
# snmp_session.c: net-snmp's single-session API on libevent). Only the client
# modules include net-snmp's headers.
pkg_check_modules(NETSNMP REQUIRED IMPORTED_TARGET netsnmp)
target_sources(cordon_switches PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/snmp_point.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_session.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_vendor.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_view.c)
target_include_directories(cordon_switches PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(cordon_switches PUBLIC PkgConfig::NETSNMP PkgConfig::LIBEVENT)
