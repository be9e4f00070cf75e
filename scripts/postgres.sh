#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on loopback with a database for the tests, and prints its URL.
set -euo pipefail
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
  pg_createcluster "$version" main >&2
fi
cluster=$(pg_lsclusters -h | head -1)
cver=$(echo "$cluster" | awk '{print $1}')
cname=$(echo "$cluster" | awk '{print $2}')
cport=$(echo "$cluster" | awk '{print $3}')
if ! echo "$cluster" | grep -q online; then
  pg_ctlcluster "$cver" "$cname" start >&2
fi
run_psql() { su postgres -c "psql -p $cport -v ON_ERROR_STOP=1 -qtA $*" ; }
if ! run_psql "-c \"select 1 from pg_roles where rolname='shomei'\"" | grep -q 1; then
  run_psql "-c \"create role shomei login createdb password 'shomei-test'\"" >/dev/null
fi
# DROP DATABASE … WITH (FORCE) in the tests must also end an autovacuum worker that just entered
# a scratch database; that needs pg_signal_backend (granting twice is harmless).
run_psql "-c \"grant pg_signal_backend to shomei\"" >/dev/null
if ! run_psql "-c \"select 1 from pg_database where datname='shomei_test'\"" | grep -q 1; then
  run_psql "-c \"create database shomei_test owner shomei\"" >/dev/null
fi
echo "postgres://shomei:shomei-test@127.0.0.1:${cport}/shomei_test"
