# SPDX-License-Identifier: ISC
# The local netlink enforcement point (FIB rules through libnl-route-3).
# The only part of Cordon that links libnl.
pkg_check_modules(LIBNL_ROUTE REQUIRED IMPORTED_TARGET libnl-route-3.0)
target_sources(cordon_switches PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/nl_config.c
  ${CMAKE_CURRENT_LIST_DIR}/nl_dump.c
  ${CMAKE_CURRENT_LIST_DIR}/nl_kernel.c
  ${CMAKE_CURRENT_LIST_DIR}/nl_objects.c
  ${CMAKE_CURRENT_LIST_DIR}/nl_point.c
  ${CMAKE_CURRENT_LIST_DIR}/nl_reconcile.c)
target_include_directories(cordon_switches PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(cordon_switches PRIVATE PkgConfig::LIBNL_ROUTE)
