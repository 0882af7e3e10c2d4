# SPDX-License-Identifier: ISC
# The local netlink enforcement point (FIB rules through libnl-route-3).
# The only part of Cordon that links libnl.
pkg_check_modules(LIBNL_ROUTE REQUIRED IMPORTED_TARGET libnl-route-3.0)
target_sources(cordon_switches PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/netlink.c)
target_link_libraries(cordon_switches PRIVATE PkgConfig::LIBNL_ROUTE)
