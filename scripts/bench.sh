#!/usr/bin/env bash
# Benchmarks of sxt-auth (`make bench`). Not part of `make test`: nothing here asserts a speed. Every figure is
# printed as a ratio against a peer or a floor measured in the same run, with the raw medians beside it.
#
# What it does:
#   1. builds in release mode: the local server, the library (.so/.a) and examples/bench.rs;
#   2. makes sure the Python venv target/py-venv holds the official SxT SDK (spaceandtime 1.1.73) and PyNaCl;
#   3. starts two sxt-auth-servers on 127.0.0.1:0, plain http and https (its CA written to a temporary file),
#      and stops them on exit;
#   4. runs examples/bench.rs, in which the Rust API, its floors, the C ABI and the Python peer
#      (tests/bench/peer.py, a child process) take turns in random order, so that load from elsewhere on the
#      machine hits every side alike;
#   5. links tests/bench/size_probe.c statically, runs it once, and measures it and the library files against
#      libcurl + libssl + libcrypto on this machine;
#   6. prints the table (tests/bench/report.py).
#
# Environment: BENCH_RUNS (default 9) runs per measurement, BENCH_LOGINS (default 60) sign-ins per run and
# side, SXT_BENCH_SERVER_BIN to use another server binary, BENCH_RESULTS=FILE to keep the raw RESULT lines,
# BENCH_MARKDOWN=1 to print the table as Markdown; SXT_VENV and PYTHON as for tests/conformance/run.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
RUNS="${BENCH_RUNS:-9}"
LOGINS="${BENCH_LOGINS:-60}"
VENV="${SXT_VENV:-$TARGET/py-venv}"
SDK_VERSION="1.1.73"
# The protocol's test key; the server registers the bench user with it on first use.
BENCH_USER="bench-user"
BENCH_KEY="Td/IhCO/j3YWGbzvIgTTFgNVK60P4V2wFqho9ajN2Yc="

step() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/sxt-bench.XXXXXX")"
SERVER_PIDS=()
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$SECONDS

step "building (release): server, library, bench"
cargo build --release -p sxt-auth-server
# A plain release build is the release build: the C libraries come out with LTO applied.
cargo build --release -p sxt-auth --lib --example bench
SERVER="${SXT_BENCH_SERVER_BIN:-$TARGET/release/sxt-auth-server}"
BENCH="$TARGET/release/examples/bench"
LIB_SO="$TARGET/release/libsxt_auth.so"
LIB_A="$TARGET/release/libsxt_auth.a"
for f in "$SERVER" "$BENCH" "$LIB_SO" "$LIB_A"; do [[ -f "$f" ]] || die "missing build output $f"; done

step "Python peer: spaceandtime $SDK_VERSION and PyNaCl in $VENV"
# The same venv and pins as tests/conformance/run.sh: spaceandtime 1.1.73 needs biscuit-python 0.3 (0.4 removed
# PrivateKey.from_hex, which the SDK calls), and PyNaCl is the signature peer.
REQUIREMENTS=("spaceandtime==$SDK_VERSION" biscuit-python==0.3.2 PyNaCl==1.5.0)
peer_ready() {
    "$VENV/bin/python" - <<'EOF' 2>/dev/null
import importlib.metadata as m, sys
want = {"spaceandtime": "1.1.73", "biscuit-python": "0.3.2", "PyNaCl": "1.5.0"}
sys.exit(any(m.version(p) != v for p, v in want.items()))
EOF
}
if ! peer_ready; then
    if [[ ! -x "$VENV/bin/python" ]]; then
        "${PYTHON:-python3}" -m venv "$VENV" || die "cannot create the venv $VENV"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQUIREMENTS[@]}" \
        || die "cannot install ${REQUIREMENTS[*]} into $VENV"
    peer_ready || die "the venv $VENV still lacks ${REQUIREMENTS[*]}"
fi
PY="$VENV/bin/python"

step "size probe: tests/bench/size_probe.c linked statically against libsxt_auth.a"
command -v gcc >/dev/null || die "gcc is needed for the size probe"
gcc -O2 -Wall -Wextra -Werror -I include tests/bench/size_probe.c "$LIB_A" -lpthread -ldl -lm -Wl,--gc-sections \
    -o "$WORK/size_probe"
echo 'int main(void) { return 0; }' | gcc -O2 -x c - -o "$WORK/empty"

# start_server NAME [OPTIONS...]: starts the server, waits for its listening line, sets URL.
start_server() {
    local name="$1"; shift
    : >"$WORK/$name.out"  # exists before the background shell opens it, for the polling below
    "$SERVER" --listen 127.0.0.1:0 "$@" >"$WORK/$name.out" 2>"$WORK/$name.log" &
    local pid=$!
    SERVER_PIDS+=("$pid")
    URL=""
    for _ in $(seq 100); do
        URL="$(sed -n 's/^listening on //p' "$WORK/$name.out")"
        [[ -n "$URL" ]] && break
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "the $name server exited before listening"; }
        sleep 0.1
    done
    [[ -n "$URL" ]] || die "the $name server printed no listening line within 10 s"
    echo "$name server at $URL" >&2
}
step "starting $SERVER twice: http and https, issuing 500-character tokens (the public network's JWTs' size)"
start_server http --token-size 500
HTTP_URL="$URL"
start_server https --tls --ca-out "$WORK/ca.pem" --token-size 500
HTTPS_URL="$URL"

RESULTS="$WORK/results.tsv"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
step "examples/bench.rs with the Python peer and the C ABI: $RUNS runs each, taking turns"
"$BENCH" --url "$HTTP_URL" --tls-url "$HTTPS_URL" --ca-pem "$WORK/ca.pem" --user "$BENCH_USER" --key "$BENCH_KEY" \
    --capi-lib "$LIB_SO" --runs "$RUNS" --logins "$LOGINS" --peer-python "$PY" --peer-script tests/bench/peer.py | tee -a "$RESULTS"

step "CPU per sign-in through the C ABI: tests/bench/signin_cpu.c, a client process of its own"
gcc -O2 -Wall -Wextra -Werror -I include tests/bench/signin_cpu.c -L"$TARGET/release" -lsxt_auth \
    -Wl,-rpath,"$TARGET/release" -o "$WORK/signin_cpu"
CPU_USER="cpu-user"
# All modes in one process, taking turns (10 operations at a time, in a random order each round); raw2/raw3
# are the same exchanges made with bare sockets and no library: the floor the kernel and the server set.
"$WORK/signin_cpu" public,sign,known,fresh,raw2,raw3 "$HTTP_URL" "$CPU_USER" "$BENCH_KEY" 200 "$RUNS" \
    | tee -a "$RESULTS" || die "signin_cpu failed"
# One signature: signing minus parsing the key (which derives the public key, one base-point multiplication).
# A sign-in's floor: parsing the key and signing (sxt_key_sign), plus its exchanges made with bare sockets.
# The Rust API's floor: one signature (its key is parsed already) plus the same bare exchanges.
awk -F'\t' '$2 == "cpu_sign" { s = $3 } $2 == "cpu_public" { p = $3 } $2 == "cpu_raw2" { r2 = $3 } $2 == "cpu_raw3" { r3 = $3 }
    $2 == "rust_cpu_sign" { rs = $3 }
    END { printf "RESULT\tcpu_signature\t%.1f\tns\t1\t1\t%.1f\t%.1f\n", s - p, s - p, s - p
          printf "RESULT\tcpu_floor_known\t%.1f\tns\t1\t1\t%.1f\t%.1f\n", s + r2, s + r2, s + r2
          printf "RESULT\tcpu_floor_fresh\t%.1f\tns\t1\t1\t%.1f\t%.1f\n", s + r3, s + r3, s + r3
          printf "RESULT\trust_cpu_floor_known\t%.1f\tns\t1\t1\t%.1f\t%.1f\n", rs + r2, rs + r2, rs + r2 }' "$RESULTS" \
    | tee -a "$RESULTS"
if command -v valgrind >/dev/null; then
    step "instructions per operation under callgrind (the same program; 30 operations minus 10, over 20)"
    instructions() { # MODE COUNT -> total instructions of one run
        valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$WORK/signin_cpu" "$1" "$HTTP_URL" \
            "$CPU_USER" "$BENCH_KEY" "$2" 1 >/dev/null 2>"$WORK/cg.log" || die "callgrind run of signin_cpu $1 failed"
        awk '/^(summary|totals):/ { print $2; exit }' "$WORK/cg.out"
    }
    for mode in public sign known fresh; do
        few=$(instructions "$mode" 10)
        many=$(instructions "$mode" 30)
        printf 'RESULT\tir_%s\t%s\tinstr\t1\t20\t%s\t%s\n' "$mode" "$(( (many - few) / 20 ))" \
            "$(( (many - few) / 20 ))" "$(( (many - few) / 20 ))"
    done | tee -a "$RESULTS"
    awk -F'\t' '$2 == "ir_sign" { s = $3 } $2 == "ir_public" { p = $3 }
        END { printf "RESULT\tir_signature\t%d\tinstr\t1\t1\t%d\t%d\n", s - p, s - p, s - p }' "$RESULTS" \
        | tee -a "$RESULTS"
else
    printf 'NOTE\tvalgrind is not installed: no instruction counts\n' | tee -a "$RESULTS"
fi

step "size probe: one sign-in through the statically linked C client"
"$WORK/size_probe" "$HTTP_URL" "$BENCH_USER" "$BENCH_KEY" || die "the size probe could not sign in"

step "sizes"
size_of() { stat -L -c %s "$1"; }
cp "$LIB_SO" "$WORK/libsxt_auth.so" && strip --strip-unneeded "$WORK/libsxt_auth.so"
cp "$LIB_A" "$WORK/libsxt_auth.a" && strip --strip-debug "$WORK/libsxt_auth.a"
strip -o "$WORK/size_probe.stripped" "$WORK/size_probe"
strip "$WORK/empty"
{
    printf 'SIZE\tso\t%s\tlibsxt_auth.so, stripped\n' "$(size_of "$WORK/libsxt_auth.so")"
    printf 'SIZE\ta\t%s\tlibsxt_auth.a, debug info stripped\n' "$(size_of "$WORK/libsxt_auth.a")"
    printf 'SIZE\tstatic_delta\t%s\tsize_probe.c linked with libsxt_auth.a, stripped, minus an empty C program\n' \
        "$(( $(size_of "$WORK/size_probe.stripped") - $(size_of "$WORK/empty") ))"
} | tee -a "$RESULTS"

# The peer: what a C program would link for HTTPS instead, as installed on this machine.
# (awk reads all of its input: an early exit would kill ldconfig with SIGPIPE, which pipefail reports.)
lib_path() { ldconfig -p | awk -v n="$1" '$1 == n && /x86-64|x86_64/ && !found { print $NF; found = 1 }'; }
CURL="$(lib_path libcurl.so.4)"
SSL="$(lib_path libssl.so.3)"
CRYPTO="$(lib_path libcrypto.so.3)"
[[ -n "$SSL" && -n "$CRYPTO" ]] || die "libssl.so.3 / libcrypto.so.3 not found by ldconfig: no size peer"
PEER_FILES=()
[[ -n "$CURL" ]] && PEER_FILES+=("$(readlink -f "$CURL")")
PEER_FILES+=("$(readlink -f "$SSL")" "$(readlink -f "$CRYPTO")")
PEER_BYTES=0
for f in "${PEER_FILES[@]}"; do PEER_BYTES=$(( PEER_BYTES + $(size_of "$f") )); done
{
    names="$(printf '%s ' "${PEER_FILES[@]##*/}")"
    printf 'SIZE\tpeer_libs\t%s\t%s\n' "$PEER_BYTES" "${names% }"
    if [[ -n "$CURL" ]]; then
        # Everything libcurl pulls in besides glibc itself (nghttp2, ssh2, idn2, gssapi, ldap, ...).
        mapfile -t CLOSURE < <( { readlink -f "$CURL"; ldd "$CURL" | awk '$3 ~ /^\// { print $3 }' \
            | grep -Ev '/(libc|libm|libdl|libpthread|librt|libresolv|ld-linux[^/]*)\.so' \
            | xargs -r readlink -f; } | sort -u )
        CLOSURE_BYTES=0
        for f in "${CLOSURE[@]}"; do CLOSURE_BYTES=$(( CLOSURE_BYTES + $(size_of "$f") )); done
        printf 'SIZE\tpeer_closure\t%s\tlibcurl and the %d libraries it loads, glibc excluded\n' \
            "$CLOSURE_BYTES" "$(( ${#CLOSURE[@]} - 1 ))"
    else
        printf 'NOTE\tlibcurl is not installed here: the size peer is libssl + libcrypto only\n'
    fi
} | tee -a "$RESULTS"

{
    printf 'NOTE\tmachine: %s cores, %s, %s; servers, bench and peer share the cores\n' "$(nproc)" "$(uname -sm)" \
        "$(awk -F': ' '/^model name/ && !found { print $2; found = 1 }' /proc/cpuinfo)"
    printf 'NOTE\tload average (1, 5, 15 min) before the measurements: %s; after: %s\n' "$LOAD_BEFORE" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$RESULTS"
if [[ -n "${BENCH_RESULTS:-}" ]]; then cp "$RESULTS" "$BENCH_RESULTS"; fi

step "summary (ratio = ours / peer or floor unless stated; medians of $RUNS runs)"
REPORT_ARGS=()
[[ "${BENCH_MARKDOWN:-}" == 1 ]] && REPORT_ARGS+=(--markdown)
python3 tests/bench/report.py "${REPORT_ARGS[@]}" <"$RESULTS"
echo
echo "make bench: done in $(( SECONDS - START )) s"
