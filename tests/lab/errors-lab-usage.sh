#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad input to the lab tool: each a one-line error, a non-zero exit, and no lab
# left behind. Needs no UML.
. "$(dirname "$0")/lib.sh"
export NETRAID_LAB=errors-lab-usage-$$

expect_error() {
  local want="$1"; shift
  local err rc
  err=$(lab "$@" 2>&1 > /dev/null)
  rc=$?
  [ $rc != 0 ] || fail "'netraid-lab $*' succeeded, expected an error"
  [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || fail "'netraid-lab $*' printed more than one line: $err"
  [[ "$err" == *"$want"* ]] || fail "'netraid-lab $*': expected a message with '$want', got '$err'"
  [ -e "$(lab dir)" ] && fail "'netraid-lab $*' left $(lab dir) behind"
  echo "    netraid-lab $* -> exit $rc: $err"
}

step "bad verbs, counts, sizes and nodes are refused"
expect_error "unknown verb" frobnicate
expect_error "node count from 1 to 8" up 0
expect_error "node count from 1 to 8" up 9
expect_error "node count from 1 to 8" up two
expect_error "bad disk size" up 1 --disks 12X
expect_error "bad memory size" up 1 --mem lots
expect_error "bad module list" up 1 --modules md,zfs
expect_error "unknown option" up 1 --colour
expect_error "bad node name" exec n0 -- true
expect_error "is not up" exec n1 -- true
expect_error "is not up" crash n1
[ "$(lab status)" = "lab '$NETRAID_LAB': down" ] || fail "status of a lab that is down: $(lab status)"
echo "PASS $TEST_NAME"
