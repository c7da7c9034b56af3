#!/usr/bin/env bash
# Fuzzes the running API from its own OpenAPI document with schemathesis:
# fails on any 5xx and on any answer that breaks the documented schema.
# Usage: scripts/schemathesis.sh path/to/settle [max-examples-per-operation]
set -euo pipefail
settle="$1"
examples="${2:-25}"
port="${SETTLE_FUZZ_PORT:-18181}"
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

export SETTLE_DATA_DIR="$work/data"
"$settle" demo --accounts 40 >/dev/null
# Token 1 is there to be revoked by the examples (POST /tokens/1/revoke);
# the fuzzer uses token 2.
"$settle" --org clinic token create spare --role auditor >/dev/null
token="$("$settle" --org clinic token create schemathesis --role admin | tail -n1)"
SETTLE_ADMIN_PASSWORD='fuzzing admin password' "$settle" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# One worker: hypothesis describes strategies by parsing lambda sources, and
# CPython 3.11 (before 3.11.9) can fail "AST constructor recursion depth
# mismatch" when two threads build ASTs at once, an error of the fuzzer, not
# of Settle (CI of stop 17 failed on it).
status=0
st run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance,content_type_conformance \
    --max-examples "$examples" \
    --generation-deterministic \
    --workers 1 \
    --no-color || status=$?
if [ "$status" -ne 0 ]; then
    echo "--- server log ---"
    tail -n 50 "$work/serve.log"
fi
exit "$status"
