#!/usr/bin/env python3
"""Checks every hand-kept copy of the status table against the generated header.

The table is defined once, by `src/status.rs`; cbindgen writes it into `include/sxt_auth.h` as the
`sxt_status` enum. The bindings mirror it in their own idiom, and each copy must hold exactly the header's
statuses with the header's numbers (names compared without case and underscores, so `SXT_STATUS_INVALID_UTF8`,
`invalid_utf8`, `StatusInvalidUTF8` and `invalidUTF8` are one name). A binding may add negative sentinels of
its own (Swift's `unknown = -1`, Kotlin's `UNKNOWN(-1)`). Exits 1, naming each difference, when any copy drifts.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def canonical(name):
    return name.replace("_", "").replace("`", "").lower()


def header_table():
    text = (ROOT / "include/sxt_auth.h").read_text()
    body = re.search(r"typedef enum \{(.*?)\} sxt_status;", text, re.S)
    if not body:
        sys.exit("check-status-table: no `sxt_status` enum in include/sxt_auth.h")
    table = {canonical(n[len("SXT_STATUS_"):]): int(v) for n, v in re.findall(r"\b(SXT_STATUS_\w+) = (\d+)", body.group(1))}
    if len(table) < 2:
        sys.exit("check-status-table: could not read the sxt_status values")
    return table


def cpp_table(text):
    body = re.search(r"enum class status : std::int32_t \{(.*?)\};", text, re.S).group(1)
    return {canonical(n): int(v) for n, v in re.findall(r"^\s*(\w+) = (-?\d+),?", body, re.M)}


def go_table(text):
    return {canonical(n[len("Status"):]): int(v) for n, v in re.findall(r"^\s*(Status\w+) Status = (-?\d+)", text, re.M)}


def swift_table(text):
    body = re.search(r"enum Code: Int32[^{]*\{(.*?)\n    \}", text, re.S).group(1)
    return {canonical(n): int(v) for n, v in re.findall(r"^\s*case (`?\w+`?) = (-?\d+)", body, re.M)}


def kotlin_table(text):
    body = re.search(r"enum class SxtStatus\(public val code: Int\) \{(.*?)\n    ;", text, re.S).group(1)
    return {canonical(n): int(v) for n, v in re.findall(r"^\s*([A-Z][A-Z0-9_]*)\((-?\d+)\),?", body, re.M)}


def c_test_table(text):
    rows = re.findall(r"\{(SXT_STATUS_\w+), (-?\d+), \"(SXT_STATUS_\w+)\"\}", text)
    for constant, _, name in rows:
        if constant != name:
            print(f"tests/c/test_keys.c: {constant} is paired with the name {name}")
            return None
    return {canonical(c[len("SXT_STATUS_"):]): int(v) for c, v, _ in rows}


COPIES = [
    ("include/sxt_auth.hpp", cpp_table),
    ("bindings/go/errors.go", go_table),
    ("bindings/swift/Sources/SxtAuth/SxtError.swift", swift_table),
    ("bindings/kotlin/src/main/kotlin/sxtauth/SxtStatus.kt", kotlin_table),
    ("tests/c/test_keys.c", c_test_table),
]


def main():
    want = header_table()
    ok = True
    for path, read in COPIES:
        try:
            got = read((ROOT / path).read_text())
        except (OSError, AttributeError) as e:
            print(f"{path}: cannot read its status table ({e})")
            ok = False
            continue
        if got is None:
            ok = False
            continue
        got = {k: v for k, v in got.items() if v >= 0}
        missing = sorted(set(want) - set(got), key=want.get)
        extra = sorted(set(got) - set(want))
        wrong = sorted(k for k in set(want) & set(got) if want[k] != got[k])
        for k in missing:
            print(f"{path}: lacks the status {k} = {want[k]}")
        for k in extra:
            print(f"{path}: has {k} = {got[k]}, which the header does not")
        for k in wrong:
            print(f"{path}: {k} is {got[k]}, the header says {want[k]}")
        if missing or extra or wrong:
            ok = False
        else:
            print(f"ok   {path}: {len(got)} statuses, as in the header")
    if not ok:
        print("status tables drifted from include/sxt_auth.h (src/status.rs defines them)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
