# SPDX-License-Identifier: ISC
# The Debian package: `cpack -G DEB --config build/CPackConfig.cmake` in a
# build directory packs what `cmake --install` installs, under /usr, with
# /etc/cordon/cordon.conf as a conffile, the units, the manual pages, and the
# maintainer scripts of packaging/debian/ (the system user "cordon", the
# state directory /var/lib/cordon). Its dependencies are read off the
# binaries by dpkg-shlibdeps. tests/packaging/deb.sh builds, installs,
# checks and purges it.
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "cordon")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "Cordon")
set(CPACK_PACKAGE_CONTACT "Cordon maintainers <maintainers@cordon.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "network worm containment and quarantine controller")
set(CPACK_PACKAGE_DESCRIPTION "Cordon's sensors watch traffic for worm scanning (failed first contacts,
fan-out, sweeps, exploit signatures); its daemon, cordond, isolates
infected hosts by moving their switch port into a quarantine VLAN over SNMP
or with netlink rules on a router, and keeps them isolated until they are
patched and released.")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${CMAKE_CURRENT_LIST_DIR}/debian/postinst;${CMAKE_CURRENT_LIST_DIR}/debian/prerm;${CMAKE_CURRENT_LIST_DIR}/debian/postrm;${CMAKE_CURRENT_LIST_DIR}/debian/conffiles")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Packed under /usr whatever the build's own prefix; the configuration goes
# to /etc (controller/CMakeLists.txt: a prefix ending in /usr has its etc
# beside it).
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES OFF)
# Debian's place for the licence.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/cordon RENAME copyright)
include(CPack)
