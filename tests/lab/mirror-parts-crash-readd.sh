#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mirror-stock-crash-readd.sh with netraid's own NBD path: nbdkit-netraid-plugin on the
# target (netraid serve --direct) and the netraid NBD client on the source.
export MIRROR_PARTS=netraid NETRAID_LAB=mirror-parts-crash-readd
exec bash "$(dirname "$0")/mirror-stock-crash-readd.sh"
