#!/usr/bin/env bash
# A multi-host Drover testbed on one Linux machine: network namespaces joined by veth links
# to a bridge that lives in its own namespace. Nothing touches the root namespace's network.
#
#   testbed.sh up                 create drv-br (bridge), drv-coord (10.77.0.1) and drv-w1..wN
#   testbed.sh down               delete them (idempotent; safe after a failed run)
#   testbed.sh status             namespaces, addresses, faults in place, reachability
#   testbed.sh exec HOST CMD…     run CMD inside HOST (coord, w1, w2, …)
#   testbed.sh partition HOST     drop all of HOST's traffic on its link (nftables, both ways)
#   testbed.sh heal HOST          remove that rule
#   testbed.sh ratelimit HOST RATE   tbf on HOST's egress, e.g. 1mbit
#   testbed.sh unlimit HOST       remove the qdisc
#   testbed.sh netem HOST ARGS…   tc netem (delay/loss) if the kernel has it, else skip with a message
#   testbed.sh ip HOST            print HOST's address
#
# Environment: TESTBED_WORKERS (default 3), TESTBED_PREFIX (default drv).
# Requires root, iproute2 and nftables.
set -euo pipefail

PREFIX="${TESTBED_PREFIX:-drv}"
WORKERS="${TESTBED_WORKERS:-3}"
SUBNET="10.77.0"
BRIDGE_NS="$PREFIX-br"

die() { echo "testbed: $*" >&2; exit 1; }

hosts() {
    echo coord
    for i in $(seq 1 "$WORKERS"); do echo "w$i"; done
}

ns_of() { echo "$PREFIX-$1"; }

ip_of() {
    case "$1" in
        coord) echo "$SUBNET.1" ;;
        w[0-9]*) local n="${1#w}"; echo "$SUBNET.$((10 + n))" ;;
        *) die "unknown host '$1' (coord, w1…w$WORKERS)" ;;
    esac
}

ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

need_host() {
    ip_of "$1" >/dev/null
    ns_exists "$(ns_of "$1")" || die "host $1 is not up (run: testbed.sh up)"
}

cmd_down() {
    local ns
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^$PREFIX-(br|coord|w[0-9]+)$" || true); do
        # Processes a crashed driver left inside the namespace (only ever ones it started there).
        local pid
        for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
    done
}

cmd_up() {
    [ "$(id -u)" -eq 0 ] || die "needs root"
    command -v nft >/dev/null || die "nft (nftables) not installed"
    cmd_down
    trap 'echo "testbed: up failed, tearing down" >&2; cmd_down' ERR
    ip netns add "$BRIDGE_NS"
    ip -n "$BRIDGE_NS" link set lo up
    ip -n "$BRIDGE_NS" link add br0 type bridge
    ip -n "$BRIDGE_NS" link set br0 up
    local h ns
    for h in $(hosts); do
        ns="$(ns_of "$h")"
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        # The pair is created inside the host's namespace, then one end moves to the bridge.
        ip -n "$ns" link add eth0 type veth peer name "p-$h" netns "$BRIDGE_NS"
        ip -n "$ns" addr add "$(ip_of "$h")/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$BRIDGE_NS" link set "p-$h" master br0
        ip -n "$BRIDGE_NS" link set "p-$h" up
    done
    trap - ERR
    # Reachability check with a deadline: ping where installed, else the bridge ports' state.
    local deadline=$((SECONDS + 10))
    for h in $(hosts); do
        [ "$h" = coord ] && continue
        until reachable "$h"; do
            [ "$SECONDS" -lt "$deadline" ] || { cmd_down; die "$h cannot reach coord"; }
            sleep 0.1
        done
    done
    echo "testbed up: coord $(ip_of coord), workers $(for h in $(hosts); do [ "$h" = coord ] || printf '%s=%s ' "$h" "$(ip_of "$h")"; done)"
}

reachable() {
    if command -v ping >/dev/null; then
        ip netns exec "$(ns_of "$1")" ping -c1 -W1 "$(ip_of coord)" >/dev/null 2>&1
    else
        ip netns exec "$BRIDGE_NS" bridge link show dev "p-$1" 2>/dev/null | grep -q 'state forwarding'
    fi
}

cmd_status() {
    local h ns
    for h in $(hosts); do
        ns="$(ns_of "$h")"
        if ! ns_exists "$ns"; then echo "$h: down"; continue; fi
        local faults=""
        ip netns exec "$ns" nft list table inet drv_fault >/dev/null 2>&1 && faults+=" partitioned"
        local q; q="$(ip -n "$ns" -o link show eth0 2>/dev/null | grep -o 'qdisc [a-z_]*' || true)"
        case "$q" in *tbf*|*netem*) faults+=" ${q#qdisc }" ;; esac
        echo "$h: $ns $(ip_of "$h")${faults}"
    done
}

cmd_partition() {
    need_host "$1"
    ip netns exec "$(ns_of "$1")" nft -f - <<NFT
table inet drv_fault
delete table inet drv_fault
table inet drv_fault {
    chain input { type filter hook input priority 0; policy accept; iifname "eth0" drop; }
    chain output { type filter hook output priority 0; policy accept; oifname "eth0" drop; }
}
NFT
}

cmd_heal() {
    need_host "$1"
    ip netns exec "$(ns_of "$1")" nft delete table inet drv_fault 2>/dev/null || true
}

cmd_ratelimit() {
    need_host "$1"
    [ $# -ge 2 ] || die "usage: ratelimit HOST RATE (e.g. 1mbit)"
    ip netns exec "$(ns_of "$1")" tc qdisc replace dev eth0 root tbf rate "$2" burst 32kbit latency 400ms
}

cmd_unlimit() {
    need_host "$1"
    ip netns exec "$(ns_of "$1")" tc qdisc del dev eth0 root 2>/dev/null || true
}

cmd_netem() {
    need_host "$1"
    local host="$1"; shift
    local err
    if ! err="$(ip netns exec "$(ns_of "$host")" tc qdisc replace dev eth0 root netem "$@" 2>&1)"; then
        echo "testbed: netem not available in this kernel ($err); skipped" >&2
        return 0
    fi
}

main() {
    [ $# -ge 1 ] || { sed -n '2,18p' "$0"; exit 2; }
    local cmd="$1"; shift
    case "$cmd" in
        up) cmd_up ;;
        down) cmd_down ;;
        status) cmd_status ;;
        exec)
            [ $# -ge 2 ] || die "usage: exec HOST CMD…"
            need_host "$1"
            local ns; ns="$(ns_of "$1")"; shift
            exec ip netns exec "$ns" "$@" ;;
        partition) [ $# -eq 1 ] || die "usage: partition HOST"; cmd_partition "$1" ;;
        heal) [ $# -eq 1 ] || die "usage: heal HOST"; cmd_heal "$1" ;;
        ratelimit) cmd_ratelimit "$@" ;;
        unlimit) [ $# -eq 1 ] || die "usage: unlimit HOST"; cmd_unlimit "$1" ;;
        netem) [ $# -ge 2 ] || die "usage: netem HOST ARGS…"; cmd_netem "$@" ;;
        ip) [ $# -eq 1 ] || die "usage: ip HOST"; ip_of "$1" ;;
        *) die "unknown command '$cmd'" ;;
    esac
}

main "$@"
