#!/usr/bin/env bash
# A highly available PostgreSQL on this machine with pg_auto_failover
# (Debian's postgresql-15-auto-failover): a monitor on 127.0.0.1:5440 and
# two nodes, a primary and a synchronous standby, on 127.0.0.1:5441 and
# 127.0.0.1:5442, each in its own data directory under $SETTLE_HA_DIR
# (default /tmp/settle-ha). Settle connects to both nodes with the URL
# `pg-ha.sh` prints, and follows whichever is the primary.
#
#   scripts/pg-ha.sh                 start (or restart) what is not running;
#                                    prints the multi-host URL
#   scripts/pg-ha.sh url             prints the URL only
#   scripts/pg-ha.sh state           the monitor's view of the nodes
#   scripts/pg-ha.sh kill-primary    kill -9 the primary's keeper and server
#                                    (prints the node killed)
#   scripts/pg-ha.sh wait-primary    waits until a node is primary again
#   scripts/pg-ha.sh stop            stops everything
#
# Run as root (the servers run as the postgres user). Every server listens
# on 127.0.0.1 only. The monitor checks the nodes each second, marks a
# node unhealthy after two seconds without an answer and promotes the
# standby 5 s later, once the old primary must have stopped itself (it
# does after 3 s alone); pg_auto_failover's defaults are 5 s, 20 s, 30 s
# and 20 s, for networks slower than loopback. The figures are in
# BENCHMARKS.md.
set -euo pipefail
dir=${SETTLE_HA_DIR:-/tmp/settle-ha}
db=${SETTLE_HA_DATABASE:-settle_ha}
version=$(ls /etc/postgresql | head -n1)
bin=/usr/lib/postgresql/$version/bin
monitor_port=5440
nodes=(1 2)
node_port() { echo $((5440 + $1)); }
monitor_url="postgres://autoctl_node@127.0.0.1:$monitor_port/pg_auto_failover?sslmode=disable"
url="postgres://postgres@127.0.0.1:$(node_port 1),127.0.0.1:$(node_port 2)/$db?target_session_attrs=read-write"

as_postgres() { su postgres -c "export PATH=$bin:\$PATH; cd $dir; $*"; }

need_package() {
    if ! command -v pg_autoctl >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$version-auto-failover" >/dev/null
    fi
}

# The keeper of a data directory runs in a process group of its own, whose
# id is kept beside the data, so one node can be killed alone.
running() { [ -f "$dir/$1.pgid" ] && kill -0 -- "-$(cat "$dir/$1.pgid")" 2>/dev/null; }
run_keeper() {
    local name=$1
    running "$name" && return 0
    as_postgres "pg_autoctl config set --pgdata $dir/$name postgresql.listen_addresses 127.0.0.1 >/dev/null"
    if [ "$name" != monitor ]; then
        # A primary that has lost both the monitor and its standby for 3 s
        # stops taking writes, before the monitor's 5 s demote timeout
        # lets the standby take over: never two primaries.
        as_postgres "pg_autoctl config set --pgdata $dir/$name timeout.network_partition_timeout 3 >/dev/null"
    fi
    su postgres -c "export PATH=$bin:\$PATH; cd $dir; setsid pg_autoctl run --pgdata $dir/$name >> $dir/$name.log 2>&1 < /dev/null & echo \$! > $dir/$name.pgid"
}
answers() { "$bin/pg_isready" -q -h 127.0.0.1 -p "$1"; }
primary_port() {
    psql -h 127.0.0.1 -p $monitor_port -U autoctl_node -d pg_auto_failover -Atc \
        "SELECT nodeport FROM pgautofailover.node WHERE reportedstate IN ('primary', 'wait_primary', 'single') AND goalstate IN ('primary', 'wait_primary', 'single') LIMIT 1" 2>/dev/null || true
}
wait_primary() {
    for _ in $(seq 1 240); do
        local port
        port=$(primary_port)
        if [ -n "$port" ] && [ "$(psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; then
            return 0
        fi
        sleep 0.5
    done
    echo "no primary after two minutes" >&2
    as_postgres "pg_autoctl show state --pgdata $dir/monitor" >&2 || true
    return 1
}

start() {
    need_package
    mkdir -p "$dir"
    chown postgres:postgres "$dir"
    if [ ! -d "$dir/monitor" ]; then
        as_postgres "pg_autoctl create monitor --pgdata $dir/monitor --pgport $monitor_port --hostname 127.0.0.1 --auth trust --no-ssl > $dir/monitor.log 2>&1"
    fi
    run_keeper monitor
    for _ in $(seq 1 60); do answers $monitor_port && break; sleep 0.5; done
    # Fail over after two seconds without an answer.
    psql -q -h 127.0.0.1 -p $monitor_port -U postgres -d pg_auto_failover \
        -c "ALTER SYSTEM SET pgautofailover.health_check_period = 1000" \
        -c "ALTER SYSTEM SET pgautofailover.health_check_retry_delay = 500" \
        -c "ALTER SYSTEM SET pgautofailover.health_check_max_retries = 1" \
        -c "ALTER SYSTEM SET pgautofailover.health_check_timeout = 1000" \
        -c "ALTER SYSTEM SET pgautofailover.node_considered_unhealthy_timeout = 2000" \
        -c "ALTER SYSTEM SET pgautofailover.primary_demote_timeout = 5000" \
        -c "SELECT pg_reload_conf()" >/dev/null
    for n in "${nodes[@]}"; do
        if [ ! -d "$dir/node$n" ]; then
            as_postgres "pg_autoctl create postgres --pgdata $dir/node$n --pgport $(node_port "$n") --listen 127.0.0.1 \
                --hostname 127.0.0.1 --name node$n --auth trust --no-ssl --dbname $db --monitor '$monitor_url' > $dir/node$n.log 2>&1"
            run_keeper "node$n"
            # A new first node becomes the primary before the second is made its standby.
            wait_primary
        else
            run_keeper "node$n"
        fi
    done
    wait_primary
    # Both nodes up, the standby streaming synchronously.
    for _ in $(seq 1 240); do
        local sync
        sync=$(psql -h 127.0.0.1 -p "$(primary_port)" -U postgres -d postgres -Atc \
            "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')" 2>/dev/null || echo 0)
        [ "$sync" = 1 ] && break
        sleep 0.5
    done
    echo "$url"
}

case "${1:-start}" in
    start) start ;;
    url) echo "$url" ;;
    state) as_postgres "pg_autoctl show state --pgdata $dir/monitor" ;;
    wait-primary) wait_primary ;;
    kill-primary)
        port=$(primary_port)
        [ -n "$port" ] || { echo "no primary" >&2; exit 1; }
        name="node$((port - 5440))"
        kill -9 -- "-$(cat "$dir/$name.pgid")"
        # The server the keeper started is in the keeper's group; make sure.
        pkill -9 -f "postgres -D $dir/$name " || true
        echo "$name"
        ;;
    stop)
        for name in node2 node1 monitor; do
            if running "$name"; then kill -- "-$(cat "$dir/$name.pgid")" || true; fi
        done
        ;;
    *) echo "usage: $0 [start|url|state|kill-primary|wait-primary|stop]" >&2; exit 2 ;;
esac
