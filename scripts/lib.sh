# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the LifeKeeper-style scripts (sourced). They are thin: parse the
# LifeKeeper arguments, run one `netraid` verb with an argument vector (no
# shell string is ever built from input), messages on stderr, exit status
# passed through (0 success, non-zero failure).
set -u
SCRIPTS_DIR="$(cd "$(dirname "$0")" && pwd)"
PROG="$(basename "$(dirname "$0")")/$(basename "$0")"

# netraid: $NETRAID, else on PATH, else the build tree of this checkout.
if [ -z "${NETRAID:-}" ]; then
  if command -v netraid > /dev/null 2>&1; then
    NETRAID=netraid
  else
    for candidate in "$SCRIPTS_DIR/../build/cli/netraid" "$SCRIPTS_DIR/../../build/cli/netraid"; do
      [ -x "$candidate" ] && NETRAID="$candidate" && break
    done
  fi
fi
[ -n "${NETRAID:-}" ] || { echo "$PROG: netraid not found: install it or set NETRAID" >&2; exit 1; }

# LifeKeeper calls action scripts as `ACTION -t TAG -i ID`; operators may
# give just TAG. Sets TAG or exits 2 with the usage.
parse_tag() {
  TAG=""
  while [ $# -gt 0 ]; do
    case "$1" in
      -t) [ $# -ge 2 ] || usage_error "-t needs a TAG"; TAG="$2"; shift 2 ;;
      -i) [ $# -ge 2 ] || usage_error "-i needs an ID"; shift 2 ;;
      -*) usage_error "unknown option '$1'" ;;
      *) [ -z "$TAG" ] || usage_error "more than one TAG given"; TAG="$1"; shift ;;
    esac
  done
  [ -n "$TAG" ] || usage_error "no TAG given"
}
usage_error() { echo "$PROG: $1: usage: $PROG TAG  (or -t TAG [-i ID])" >&2; exit 2; }

# Run netraid with its output on stderr (LifeKeeper logs stderr).
run_netraid() { "$NETRAID" "$@" >&2; }
# Refusals advise in the words of these scripts (mirror_action), not the CLI's.
export NETRAID_ADVICE_FOR=lifekeeper
