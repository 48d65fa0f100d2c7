#!/usr/bin/env bash
# make demo: start the local SxT-compatible server on a free loopback port, run the whole flow in Rust (with an
# API-key sign-in and a subscription join) and
# then the C examples (keygen, register-then-authenticate, bearer with curl), and stop the server.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
cargo build -q -p sxt-auth --lib
cargo build -q -p sxt-auth-core --example demo
cargo build -q -p sxt-auth-server

work=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$target/debug/sxt-auth-server" --listen 127.0.0.1:0 --join-code DEMO-ORG --api-key demo_api_user:DEMO-API-KEY \
  >"$work/server.out" 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 100); do grep -q '^listening on ' "$work/server.out" 2>/dev/null && break; sleep 0.05; done
base_url=$(sed -n 's/^listening on //p' "$work/server.out" | head -n1)
[ -n "$base_url" ] || { echo "the server did not start" >&2; cat "$work/server.log" >&2; exit 1; }
echo "== local SxT auth server at $base_url (join code DEMO-ORG, API key DEMO-API-KEY for demo_api_user)"

echo "== the whole flow, from Rust"
SXT_API_KEY=DEMO-API-KEY "$target/debug/examples/demo" "$base_url" DEMO-ORG

if [ -f examples/c/keygen.c ] && [ -f examples/c/register_authenticate.c ]; then
  echo "== the seed workflow, from C"
  cc -std=c99 -Wall -Iinclude examples/c/keygen.c -o "$work/keygen" -L"$target/debug" -lsxt_auth
  cc -std=c99 -Wall -Iinclude examples/c/register_authenticate.c -o "$work/register_authenticate" -L"$target/debug" -lsxt_auth
  export LD_LIBRARY_PATH="$PWD/$target/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  "$work/keygen" | tee "$work/keys.txt"
  priv=$(sed -n 's/^Private Key (Base64): //p' "$work/keys.txt")
  pub=$(sed -n 's/^Public Key (Base64): //p' "$work/keys.txt")
  user="seed_user_$$"
  printf 'API_URL=%s/v1/\nUSER_PRIVATE_KEY=%s\nUSER_PUBLIC_KEY=%s\nORG_CODE=DEMO-ORG\nSXT_ALLOW_HTTP=1\n' \
    "$base_url" "$priv" "$pub" >"$work/.env"
  (cd "$work" && ./register_authenticate "$user")
  echo "-- and again, now that the user exists"
  (cd "$work" && ./register_authenticate "$user")
  if command -v curl >/dev/null 2>&1; then
    echo "-- an API call with the session's token: bearer | curl -H @- \$API_URL/v1/auth/validtoken"
    cc -std=c99 -Wall -Iinclude examples/c/bearer.c -o "$work/bearer" -L"$target/debug" -lsxt_auth
    API_URL=$base_url USER_PRIVATE_KEY=$priv SXT_ALLOW_HTTP=1 "$work/bearer" "$user" |
      curl -sS -H @- "$base_url/v1/auth/validtoken"
    echo
  fi
fi
echo "== demo finished"
