"""Turns the RESULT and SIZE lines of one bench run into the summary table (and, with --markdown, the same
table as Markdown for docs/benchmarks.md). Standard library only.

Input lines (tab separated):
  RESULT  metric  median  unit  runs  iterations_per_run  min  max
  SIZE    name    bytes   description
  NOTE    text
Exits non-zero when a metric the table needs is missing.
"""

import sys

# (label, ours, other, kind, what the ratio means). kind "time": ratio = ours / other, below 1 means ours is
# faster; "size": ratio = ours / other, below 1 means ours is smaller; "scale": ratio = N threads / 1 thread.
ROWS = [
    ("sign-in: exists + Client::login vs bare Transport floor (3 exchanges each)", "login", "login_floor", "time",
     "ours / floor: our session logic over the bare exchanges"),
    ("sign-in: exists + Client::login vs SDK exists+authenticate (3 exchanges each)", "login", "sdk_exists_auth", "time",
     "ours / Python SDK, like for like"),
    ("sign-in of a known user: Client::login vs SDK authenticate (2 exchanges each)", "login_known", "sdk_auth",
     "time", "ours / Python SDK as it signs in by default"),
    ("sign-in over https: Client::login vs bare Transport floor", "login_tls", "login_tls_floor", "time",
     "ours / floor, with TLS"),
    ("sign-in over https: Client::login vs SDK exists+authenticate", "login_tls", "sdk_exists_auth_tls", "time",
     "ours / Python SDK, like for like, with TLS"),
    ("sign-in of a known user over https: Client::login vs SDK authenticate", "login_known_tls", "sdk_auth_tls",
     "time", "ours / Python SDK as it signs in by default, with TLS"),
    ("sign-in via C ABI: sxt_login vs Client::login (known user, 2 exchanges each)", "capi_login", "login_known",
     "time", "C ABI / Rust API"),
    ("sign: PrivateKey::sign_hex vs PyNaCl sign+hex (22-char authCode)", "sign", "nacl_sign", "time",
     "ours / PyNaCl (libsodium)"),
    ("sign: PrivateKey::sign_hex vs SDK sign_message", "sign", "sdk_sign", "time",
     "ours / SDK (rebuilds the key each call)"),
    ("sign via C ABI: sxt_key_sign (parses the key) vs sign_hex", "capi_sign", "sign", "time",
     "C ABI / Rust API"),
    ("hot path, 500-char token: Session::access_token (fresh) vs Mutex<String> lock+clone", "token_hot",
     "token_hot_floor", "time", "ours / floor (ours wipes its copy when dropped)"),
    ("hot path via C ABI, 500-char token: sxt_session_access_token vs access_token", "capi_token_hot", "token_hot",
     "time", "C ABI / Rust API; goal: C ABI <= 500 ns"),
    ("concurrency: access_token, 8 threads vs 1 thread (throughput)", "token_8t", "token_1t", "scale",
     "8T / 1T throughput; 1.0 = no loss to contention"),
    ("concurrency floor: Mutex<String>, 8 threads vs 1 thread", "floor_8t", "floor_1t", "scale",
     "8T / 1T throughput of the floor"),
    ("concurrency: access_token, 2 threads (one per core) vs 1 thread", "token_2t", "token_1t", "scale",
     "2T / 1T throughput; 1.0 = no loss to contention"),
    ("concurrency floor: Mutex<String>, 2 threads vs 1 thread", "floor_2t", "floor_1t", "scale",
     "2T / 1T throughput of the floor"),
    ("CPU per sign-in via C ABI, new client (3 exchanges, new connection) vs one Ed25519 signature", "cpu_fresh",
     "cpu_signature", "time", "signatures' worth of CPU (getrusage, user+system); goal <= 3"),
    ("CPU per sign-in via C ABI, known user (2 exchanges, pooled) vs one Ed25519 signature", "cpu_known",
     "cpu_signature", "time", "signatures' worth of CPU (getrusage, user+system); goal <= 2.5"),
    ("CPU per sign-in via C ABI, new client vs its floor (sxt_key_sign + connect, 3 bare exchanges, close)",
     "cpu_fresh", "cpu_floor_fresh", "time", "ours / floor: what the library adds to the key work and the sockets"),
    ("CPU per sign-in via C ABI, known user vs its floor (sxt_key_sign + 2 bare exchanges on one socket)",
     "cpu_known", "cpu_floor_known", "time", "ours / floor: what the library adds to the key work and the sockets"),
    ("CPU of 2 bare loopback exchanges (no library) vs one Ed25519 signature", "cpu_raw2", "cpu_signature", "time",
     "signatures' worth of CPU the kernel and sockets alone take: part of every floor"),
    ("CPU per sign-in via Rust API, known user (2 exchanges, pooled) vs one Ed25519 signature", "rust_cpu_known",
     "rust_cpu_sign", "time", "signatures' worth of CPU (getrusage, user+system); goal <= 2.5"),
    ("CPU per sign-in via Rust API, known user vs its floor (one signature + 2 bare exchanges on one socket)",
     "rust_cpu_known", "rust_cpu_floor_known", "time", "ours / floor: what the library adds to the signature and the sockets"),
    ("instructions per sign-in via C ABI, new client vs one signature (callgrind)", "ir_fresh", "ir_signature",
     "count", "signatures' worth of instructions (user space only)"),
    ("instructions per sign-in via C ABI, known user vs one signature (callgrind)", "ir_known", "ir_signature",
     "count", "signatures' worth of instructions (user space only)"),
    ("logins per second, one thread, https: Python SDK time per login vs ours", "sdk_exists_auth_tls",
     "login_tls", "time", "how many times more logins per second we make, like for like; goal >= 20"),
    ("20 ms round trip, https: sign-in from a new client vs the SDK (exists + authenticate)", "signin_lat",
     "sdk_signin_lat", "time", "ours / Python SDK, wall time"),
    ("20 ms round trip, https: sign-in + refresh + logout vs the SDK", "flow_lat", "sdk_flow_lat", "time",
     "ours / Python SDK, wall time"),
    ("TCP connections (= TLS handshakes) per sign-in + refresh + logout: ours vs the SDK", "conn_flow",
     "sdk_conn_flow", "count", "ours / SDK; ours: one connection for the whole flow"),
    ("size: libsxt_auth.so (stripped) vs libcurl+libssl+libcrypto", "so", "peer_libs", "size",
     "ours / peer"),
    ("size: libsxt_auth.a (debug info stripped) vs libcurl+libssl+libcrypto", "a", "peer_libs", "size",
     "ours / peer"),
    ("size: added to a static C binary using the C ABI vs libcurl+libssl+libcrypto", "static_delta", "peer_libs",
     "size", "ours / peer"),
    ("size: libsxt_auth.so vs libcurl's whole dependency closure", "so", "peer_closure", "size",
     "ours / peer"),
]


def md_row(cells):
    """A Markdown table row; angle brackets escaped so that `Mutex<String>` is not read as HTML."""
    return "| " + " | ".join(c.replace("<", "&lt;").replace(">", "&gt;") for c in cells) + " |"


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.1f} ns"


def fmt_value(v, unit):
    if unit == "ns":
        return fmt_time(v)
    if unit == "ops/s":
        return f"{v / 1e6:.2f} M/s"
    if unit == "bytes":
        return f"{v / 1e6:.2f} MB"
    if unit == "instr":
        return f"{v / 1e3:.0f}k instr"
    if unit == "conn":
        return f"{v:g}"
    return f"{v:g} {unit}"


def main():
    markdown = "--markdown" in sys.argv[1:]
    results, sizes, notes = {}, {}, []
    for line in sys.stdin:
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "RESULT" and len(parts) == 8:
            _, metric, median, unit, runs, iters, lo, hi = parts
            results[metric] = dict(median=float(median), unit=unit, runs=int(runs), iters=int(iters),
                                   min=float(lo), max=float(hi))
        elif parts[0] == "SIZE" and len(parts) == 4:
            sizes[parts[1]] = dict(median=float(parts[2]), unit="bytes", desc=parts[3])
        elif parts[0] == "NOTE" and len(parts) >= 2:
            notes.append("\t".join(parts[1:]))
    values = {**results, **sizes}

    # libcurl's closure is only measured when libcurl is installed; the script says so in a NOTE.
    optional = {"peer_closure", "ir_fresh", "ir_known", "ir_signature"}  # need libcurl, valgrind (NOTE lines say)
    missing = sorted({m for row in ROWS for m in row[1:3] if m not in values} - optional)
    table = []
    for label, ours, other, kind, meaning in ROWS:
        if ours not in values or other not in values:
            continue
        a, b = values[ours], values[other]
        ratio = a["median"] / b["median"]
        table.append((label, fmt_value(a["median"], a["unit"]), fmt_value(b["median"], b["unit"]),
                      f"{ratio:.2f}", meaning))

    head = ("metric", "ours", "peer/floor", "ratio", "ratio means")
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in table:
            print(md_row(row))
    else:
        widths = [max(len(r[i]) for r in table + [head]) for i in range(len(head))]
        line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
        print(line(head))
        print("  ".join("-" * w for w in widths))
        for row in table:
            print(line(row))

    print()
    raw_head = ("measurement", "median", "min", "max", "runs x iterations")
    raw = []
    for metric, r in results.items():
        raw.append((metric, fmt_value(r["median"], r["unit"]), fmt_value(r["min"], r["unit"]),
                    fmt_value(r["max"], r["unit"]), f"{r['runs']} x {r['iters']}"))
    for name, s in sizes.items():
        raw.append((name, f"{int(s['median'])} B", "", "", s["desc"]))
    if markdown:
        print("| " + " | ".join(raw_head) + " |")
        print("|" + "---|" * len(raw_head))
        for row in raw:
            print(md_row(row))
    else:
        print("Raw numbers (median of the runs; time per operation, or throughput):")
        widths = [max(len(r[i]) for r in raw + [raw_head]) for i in range(len(raw_head))]
        for row in [raw_head] + raw:
            print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    for n in notes:
        print(("- " if markdown else "note: ") + n)

    if missing:
        print(f"missing measurements: {', '.join(missing)}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
