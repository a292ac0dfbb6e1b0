#!/usr/bin/python3
"""Checks the include graph of the project's own C files (make lint, make check).

Fails on an include cycle between folders of firmware/ (firmware/capture -> firmware/index ->
firmware/capture) and on an upward include from drivers/ or ocr/: they may use firmware/include
(the base headers: errors, logging, cleanup, kconfig) and nothing else of firmware/, and not each
other. Prints one line per problem and exits 1; prints nothing and exits 0 when the graph is clean.

Usage: tools/includes.py [SOURCE_ROOT]
"""
import os
import re
import subprocess
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def unit(path):
    """The folder a file belongs to: firmware/<folder>, drivers, ocr, or None (not checked)."""
    parts = path.split('/')
    if parts[0] == 'firmware':
        return 'firmware/' + parts[1] if len(parts) > 2 else None
    if parts[0] in ('drivers', 'ocr'):
        return parts[0]
    return None


def resolve(root, src, name):
    """The repository path of a quoted include, as the compiler finds it (-I. -Ifirmware/include)."""
    for base in (os.path.dirname(src), '', 'firmware/include'):
        cand = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(os.path.join(root, cand)):
            return cand
    return None


def sources(root):
    """The C files of the tree: git's list, or every .c and .h under it outside git."""
    try:
        return subprocess.run(['git', '-C', root, 'ls-files', '*.c', '*.h'], check=True,
                              capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        found = []
        for top in ('firmware', 'drivers', 'ocr'):
            for d, _, names in os.walk(os.path.join(root, top)):
                found += [os.path.relpath(os.path.join(d, n), root) for n in names
                          if n.endswith(('.c', '.h'))]
        return sorted(found)


def edges(root):
    files = sources(root)
    graph = {}
    problems = []
    for src in files:
        frm = unit(src)
        if frm is None:
            continue
        with open(os.path.join(root, src), encoding='utf-8', errors='replace') as f:
            text = f.read()
        for name in INCLUDE.findall(text):
            dst = resolve(root, src, name)
            to = unit(dst) if dst else None
            if to is None or to == frm:
                continue
            if frm in ('drivers', 'ocr') and to != 'firmware/include':
                problems.append(f"{src}: includes '{dst}': {frm}/ may use only firmware/include")
            graph.setdefault(frm, {}).setdefault(to, src)
    return graph, problems


def cycles(graph):
    """Every strongly connected component of more than one folder, with one cycle in it."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def one_cycle(graph, comp):
    """A path from the component's first folder back to itself, inside the component."""
    start = comp[0]
    prev = {start: None}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, {})):
            if w == start:
                path = [v]
                while prev[path[-1]] is not None:
                    path.append(prev[path[-1]])
                path.reverse()
                return path + [start]
            if w in comp and w not in prev:
                prev[w] = v
                queue.append(w)
    return comp


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..')
    graph, problems = edges(root)
    for comp in cycles(graph):
        path = one_cycle(graph, comp)
        steps = ', '.join(f"{a} -> {b} ({graph[a][b]})" for a, b in zip(path, path[1:]))
        problems.append(f"include cycle between {', '.join(comp)}: {steps}")
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
