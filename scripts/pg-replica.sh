#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL (127.0.0.1:5432) on
# 127.0.0.1:${SETTLE_REPLICA_PORT:-5433}, for the reporting-replica tests
# (`SETTLE_TEST_PG_REPLICA_PORT`) and for trying `--read-database-url` by
# hand. Run as root on a machine whose cluster trusts loopback connections
# (as this project's CI sets up); does nothing if the replica answers already.
set -euo pipefail
port=${SETTLE_REPLICA_PORT:-5433}
dir=${SETTLE_REPLICA_DIR:-/tmp/settle-replica}
version=$(ls /etc/postgresql | head -n1)
bin=/usr/lib/postgresql/$version/bin
hba=/etc/postgresql/$version/main/pg_hba.conf

if "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q; then
    exit 0
fi
# The primary lets a replica connect over loopback.
if ! grep -q '^host replication all 127.0.0.1/32 trust' "$hba"; then
    echo 'host replication all 127.0.0.1/32 trust' >> "$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi
rm -rf "$dir"
mkdir -p "$dir"
chown postgres:postgres "$dir"
chmod 700 "$dir"
su postgres -c "$bin/pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D $dir -R -X stream -c fast"
# Debian keeps the configuration outside the data directory: give the copy its own.
su postgres -c "touch $dir/postgresql.conf $dir/pg_ident.conf && cp $hba $dir/pg_hba.conf"
su postgres -c "$bin/pg_ctl -D $dir -l $dir/server.log -w -o '-p $port -k /tmp -c listen_addresses=127.0.0.1 -c hot_standby=on' start"
echo "replica of 127.0.0.1:5432 answering on 127.0.0.1:$port (data in $dir)"
