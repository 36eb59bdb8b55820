#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# netraid(8) documents every verb the binary has, each in the section
# `netraid --help --all` lists it under, and no verb the binary lacks; plain
# `netraid --help` leaves out the verbs systems run on each other.
# Usage: man-lists-every-verb.sh NETRAID POD
set -u
NETRAID="$1" POD="$2"
fail() { echo "FAIL man-lists-every-verb: $*" >&2; exit 1; }

HELP_ALL=$("$NETRAID" --help --all) || fail "netraid --help --all exited $?"
HELP=$("$NETRAID" --help) || fail "netraid --help exited $?"

# "verb<TAB>section" from the help: a section is a line ending in ':' that
# starts at column 0; a verb line is indented by two spaces.
from_help=$(awk '/^[^ ].*:$/ && !/^usage/ { sub(/:$/, ""); section = $0; next }
                 /^  [a-z]/ { print $1 "\t" section }' <<< "$HELP_ALL" | sort)
# The same from netraid(8): =head2 titles and '=item B<netraid VERB>' inside
# =head1 VERBS (options like --help are not verbs).
from_pod=$(awk '/^=head1 / { in_verbs = ($2 == "VERBS") ; next }
                in_verbs && /^=head2 / { sub(/^=head2 /, ""); section = $0; next }
                in_verbs && /^=item B<netraid [a-z]/ { v = $3; sub(/>.*/, "", v); print v "\t" section }' "$POD" | sort -u)

[ "$(wc -l <<< "$from_help")" -ge 20 ] || fail "netraid --help --all lists only $(wc -l <<< "$from_help") verbs"
if [ "$from_help" != "$from_pod" ]; then
  diff <(echo "$from_help") <(echo "$from_pod") | sed 's/^</  help:/; s/^>/  man: /' >&2
  fail "netraid --help --all and $POD disagree (above: help-only and man-only lines)"
fi
for plumbing in $(awk -F'\t' '$2 == "Between the systems of a mirror" { print $1 }' <<< "$from_help"); do
  grep -q "^  $plumbing " <<< "$HELP" && fail "plain netraid --help lists the plumbing verb $plumbing"
done
grep -q -- "--help --all" <<< "$HELP" || fail "plain netraid --help does not point to --help --all"
echo "ok: $(wc -l <<< "$from_help") verbs, each in the same section of netraid --help --all and $(basename "$POD")"
