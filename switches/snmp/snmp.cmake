# SPDX-License-Identifier: ISC
# The SNMP enforcement point: the point's modules (snmp_point.c and the
# operations it queues, snmp_int.h) and snmp_client (snmp_client.h: net-snmp's
# single-session API on the event loop of common/loop.h, snmpc_int.h), the notification receiver
# (snmp_receiver.c) on the same internals, and the pure decoders of
# notifications (snmp_notify.c) and neighbour tables (snmp_neigh.c). Only
# snmp_client's modules and the receiver include net-snmp's headers.
pkg_check_modules(NETSNMP REQUIRED IMPORTED_TARGET netsnmp)
target_sources(cordon_switches PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/snmp_batch.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_check.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_config.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_context.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_decide.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_driver.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_locate.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_neigh.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_notify.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_op.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_point.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_probe.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_receiver.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_router.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_client_test.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_oid.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_request.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_session.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_v3.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_vendor.c
  ${CMAKE_CURRENT_LIST_DIR}/snmp_view.c)
target_include_directories(cordon_switches PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(cordon_switches PUBLIC PkgConfig::NETSNMP cordon_loop)
