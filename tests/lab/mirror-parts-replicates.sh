#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mirror-stock-replicates.sh with netraid's own NBD path: nbdkit-netraid-plugin on the
# target (netraid serve --direct) and the netraid NBD client on the source.
export MIRROR_PARTS=netraid NETRAID_LAB=mirror-parts-replicates
exec bash "$(dirname "$0")/mirror-stock-replicates.sh"
