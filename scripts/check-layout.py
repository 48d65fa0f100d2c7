#!/usr/bin/env python3
"""Checks that no two modules of a crate import each other, directly or through others.

For the Rust core (core/src) and the C library (src), reads every `crate::<module>` reference outside comments
and fails, naming the loop, when the modules' graph has a cycle. A module is a file of the crate's src/.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRATES = ["core/src", "src"]


def graph(src):
    modules = {p.stem: p for p in src.glob("*.rs") if p.stem not in ("lib", "main")}
    edges = {}
    for name, path in modules.items():
        code = "\n".join(line.split("//")[0] for line in path.read_text().splitlines())
        used = set(re.findall(r"\bcrate::(\w+)", code))
        for group in re.findall(r"\bcrate::\{([^}]*)\}", code):
            used |= set(re.findall(r"\b(\w+)\b", group))
        edges[name] = sorted((used & modules.keys()) - {name})
    return edges


def find_cycle(edges):
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in edges[node]:
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in edges:
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def main():
    ok = True
    for crate in CRATES:
        edges = graph(ROOT / crate)
        cycle = find_cycle(edges)
        if cycle:
            print(f"FAIL {crate}: modules import each other: {' -> '.join(cycle)}")
            ok = False
        else:
            print(f"ok   {crate}: {len(edges)} modules, no import loop")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
