# SPDX-License-Identifier: ISC
# The SNMP enforcement point (snmp.c: drivers and operations; snmp_client.c:
# net-snmp's single-session API on libevent). Only these files include
# net-snmp's headers.
pkg_check_modules(NETSNMP REQUIRED IMPORTED_TARGET netsnmp)
target_sources(cordon_switches PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/snmp.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_client.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_neigh.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_notify.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_receiver.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_vendor.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_view.c)
target_link_libraries(cordon_switches PUBLIC PkgConfig::NETSNMP PkgConfig::LIBEVENT)
