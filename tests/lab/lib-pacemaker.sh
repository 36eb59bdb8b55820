# SPDX-License-Identifier: GPL-2.0-or-later
# Vocabulary of the Pacemaker lab tests (sourced after lib.sh): a cluster lab
# (netraid-lab up N --cluster), the cluster's view from crm_mon's XML, and the
# netraid promotable clone with a Filesystem on top. In these tests Pacemaker
# decides failover; the tests only crash nodes, write and look.

OCF_AGENT=/usr/lib/ocf/resource.d/netraid/netraid
MD=/dev/md0

# pcmk_lab_up N [DISKS]: a cluster lab of N nodes (512M each: corosync +
# pacemaker + md; DISKS as lab up's --disks, default 256M), every node
# online; netraid set up as lib.sh's other tests have it.
pcmk_lab_up() {
  local n="$1" disks="${2:-256M}" why
  why=$(lab check) || skip "${why#netraid-lab: }"
  for p in corosync pacemakerd crm_mon crm_attribute cibadmin crm ocf-tester xmllint; do
    command -v "$p" > /dev/null || skip "$p is missing: apt-get install pacemaker corosync crmsh resource-agents fence-agents (tools/setup)"
  done
  [ -f /usr/lib/ocf/lib/heartbeat/ocf-shellfuncs ] || skip "resource-agents is not installed (tools/setup)"
  lab_up "$n" --mem 512M --disks "$disks" --cluster
  netraid_lab_setup
  lab cluster-wait n1 180 > /dev/null || fail "the cluster did not form: every node online in crm_mon"
}

# crm_xml NODE: crm_mon's one-shot XML status as NODE sees it.
crm_xml() { try_on "$1" crm_mon -1 --output-as=xml 2> /dev/null; }
# The node on which NODE's crm_mon shows the clone's instance promoted ("" if none).
promoted_node() {
  crm_xml "$1" | tr '\n' ' ' | grep -o "<resource id=\"nr-$TAG\"[^>]*role=\"Promoted\"[^>]*>[^<]*<node name=\"n[0-9]*\"" |
    sed -n 's/.*<node name="\(n[0-9]*\)".*/\1/p' | head -n1
}
# Nodes on which the clone's instance runs unpromoted, sorted, space-separated.
unpromoted_nodes() {
  crm_xml "$1" | tr '\n' ' ' | grep -o "<resource id=\"nr-$TAG\"[^>]*role=\"Unpromoted\"[^>]*>[^<]*<node name=\"n[0-9]*\"" |
    sed -n 's/.*<node name="\(n[0-9]*\)".*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}
# Node the Filesystem resource runs on ("" if stopped).
fs_node() {
  crm_xml "$1" | tr '\n' ' ' | grep -o '<resource id="fs"[^>]*role="Started"[^>]*>[^<]*<node name="n[0-9]*"' |
    sed -n 's/.*<node name="\(n[0-9]*\)".*/\1/p' | head -n1
}
node_online() { crm_xml "$1" | grep -q "<node name=\"$2\" id=\"[0-9]*\" online=\"true\""; }
# The promotion score attribute of the clone on NODE, as the CIB holds it ("" if none).
cib_score() { try_on "$1" crm_attribute -p "nr-$TAG" -N "$2" -G -q 2> /dev/null; }

# wait_for WHAT SECONDS CMD...: until CMD succeeds; fails the test after SECONDS.
wait_for() {
  local what="$1" seconds="$2" deadline=$((SECONDS + $2))
  shift 2
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "$what: not within $seconds s"
    sleep 0.5
  done
}
is_promoted_on() { [ "$(promoted_node "$1")" = "$2" ]; }
fs_on() { [ "$(fs_node "$1")" = "$2" ]; }

# The crm configure of docs/pacemaker.md, for this lab (NODES, the build's
# netraid, the raw mirror $TAG on $MD, ext4 on /mnt). --no-fs: the mirror
# alone, no Filesystem (a load that writes the raw device).
pcmk_configure() {
  local nodes="$1" fs=1
  [ "${2:-}" = --no-fs ] && fs=0
  cat > "$SHARED/cluster.crm" <<CRM
primitive fence-lab stonith:fence_netraid_lab \\
    params pcmk_host_list="$nodes" \\
    op monitor interval=60s
primitive nr-$TAG ocf:netraid:netraid \\
    params tag=$TAG netraid=$NETRAID \\
    op monitor interval=10s role=Promoted timeout=60s \\
    op monitor interval=20s role=Unpromoted timeout=60s \\
    op start timeout=60s op stop timeout=120s \\
    op promote timeout=180s op demote timeout=120s op notify timeout=90s
clone nr nr-$TAG \\
    meta promotable=true promoted-max=1 promoted-node-max=1 clone-node-max=1 notify=true
property stonith-enabled=true stonith-action=reboot
CRM
  [ $fs = 1 ] && cat >> "$SHARED/cluster.crm" <<CRM
primitive fs Filesystem \\
    params device=$MD directory=/mnt fstype=ext4 \\
    op monitor interval=20s timeout=40s
colocation fs-with-source inf: fs nr:Promoted
order source-before-fs Mandatory: nr:promote fs:start
CRM
  on n1 crm configure load update "$SHARED/cluster.crm" > /dev/null
}
