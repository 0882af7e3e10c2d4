#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
# deb.sh BUILD_DIR
# The Debian package of BUILD_DIR (packaging/packaging.cmake): packed with
# cpack, installed with dpkg -i, checked (programs, units, manual pages, the
# configuration as a conffile, the system user and the state directory,
# `cordond -n` on the installed configuration, `systemd-analyze verify` on
# both units), then purged, and checked gone. Refuses to touch a machine on
# which a cordon package is already installed. Needs root.
set -uo pipefail
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
B=$(cd "${1:?usage: deb.sh BUILD_DIR}" && pwd)
pass=0 fail=0

fail_unless_root
for t in cpack dpkg dpkg-deb dpkg-shlibdeps systemd-analyze man flock; do
  command -v "$t" >/dev/null || missing_precondition "$t (scripts/install-deps installs it)"
done
# One package test at a time on a machine (dpkg's own lock would fail the second).
exec 9>/run/lock/cordon-packaging.lock
flock -w 600 9 || { echo "FAIL - another package test held the lock for 10 minutes"; exit 1; }
if dpkg-query -W -f='${Status}' cordon 2>/dev/null | grep -q "ok installed"; then
  echo "FAIL - a cordon package is installed on this machine: not replacing it"
  exit 1
fi

TMP=$(mktemp -d /tmp/cordon-deb.XXXXXX)
installed=0
cleanup() {
  [[ $installed -eq 1 ]] && dpkg --purge cordon >/dev/null 2>&1
  rm -rf "$TMP"
}
on_exit cleanup

cpack -G DEB -B "$TMP" --config "$B/CPackConfig.cmake" >"$TMP/cpack.log" 2>&1; rc=$?
DEB=$(ls "$TMP"/cordon_*.deb 2>/dev/null | head -1)
check "cpack builds the package" test $rc -eq 0 -a -n "$DEB"
[[ -n "$DEB" ]] || { tail -20 "$TMP/cpack.log"; results; exit 1; }
dpkg-deb -c "$DEB" | awk '{print $NF}' | sed 's|^\.||' >"$TMP/files"
holds_all() {
  local f
  for f in /usr/sbin/cordond /usr/sbin/cordonctl /usr/sbin/cordon-switch-check /usr/bin/cordon-sensor \
           /usr/lib/systemd/system/cordond.service /usr/lib/systemd/system/cordon-sensor@.service \
           /usr/share/man/man8/cordond.8 /usr/share/man/man8/cordonctl.8 /usr/share/man/man8/cordon-sensor.8 \
           /usr/share/man/man8/cordon-switch-check.8 /usr/share/man/man5/cordon.conf.5 \
           /etc/cordon/cordon.conf /usr/share/doc/cordon/copyright; do
    grep -qx -- "$f" "$TMP/files" || { echo "  missing: $f"; return 1; }
  done
}
check "it holds the programs, both units, the manual pages, the configuration and the licence" holds_all
deps=$(dpkg-deb -f "$DEB" Depends)
check "its dependencies are read off the binaries ($deps)" \
  bash -c "grep -q libpcap0.8 <<<'$deps' && grep -q libsnmp <<<'$deps' && grep -q libsqlite3 <<<'$deps' && grep -q adduser <<<'$deps'"
dpkg-deb -e "$DEB" "$TMP/control"
check "/etc/cordon/cordon.conf is a conffile" grep -qx /etc/cordon/cordon.conf "$TMP/control/conffiles"

dpkg -i "$DEB" >"$TMP/dpkg.log" 2>&1; rc=$?
[[ $rc -eq 0 ]] && installed=1
check "dpkg -i installs it" test $rc -eq 0
[[ $rc -eq 0 ]] || tail -20 "$TMP/dpkg.log"
check "the system user cordon exists" getent passwd cordon
check "/var/lib/cordon is cordon's, mode 750" test "$(stat -c '%U:%G %a' /var/lib/cordon)" = "cordon:cordon 750"
check "/etc/cordon/cordon.conf is root:cordon, mode 640" test "$(stat -c '%U:%G %a' /etc/cordon/cordon.conf)" = "root:cordon 640"
check "cordond -n accepts the installed configuration" /usr/sbin/cordond -n -f /etc/cordon/cordon.conf
check "the installed cordonctl and cordon-sensor run" bash -c "/usr/sbin/cordonctl --help >/dev/null && /usr/bin/cordon-sensor -h >/dev/null 2>&1"
out=$(systemd-analyze verify cordond.service 2>&1); rc=$?
check "systemd-analyze verify accepts cordond.service${out:+ ($out)}" test $rc -eq 0 -a -z "$out"
out=$(systemd-analyze verify cordon-sensor@lo.service 2>&1); rc=$?
check "systemd-analyze verify accepts cordon-sensor@lo.service${out:+ ($out)}" test $rc -eq 0 -a -z "$out"

dpkg --purge cordon >"$TMP/purge.log" 2>&1; rc=$?
[[ $rc -eq 0 ]] && installed=0
check "dpkg --purge removes it" test $rc -eq 0
gone() { local f; for f in /usr/sbin/cordond /usr/bin/cordon-sensor /usr/lib/systemd/system/cordond.service /etc/cordon /var/lib/cordon; do
  [[ -e $f ]] && { echo "  left: $f"; return 1; }; done; return 0; }
check "  programs, units, configuration and state are gone" gone
check "  the system user stays (Debian's policy)" getent passwd cordon
results
