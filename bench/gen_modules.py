#!/usr/bin/env python3
"""Generates N small ES modules that import each other in chains and through barrels: a tree
that exercises import resolution, `export *` chains and the summary fixpoint at scale.

    gen_modules.py OUT N [RACY_EVERY]

Every module has module state, an async function that awaits, and a call into the previous
module. One module in RACY_EVERY (default 50) holds two races (a check-then-act on its cache
and a busy flag set across the await); the others do the same work race-free. The default gives
about one finding per 9 KB, twice the density of SillyTavern's `public/` (one per 19 KB), so
that a per-byte comparison with the real tree compares analysis, not output volume.
RACY_EVERY=1 plants races in every module (20 000 findings for N=10 000): a stress test of the
reporting path."""
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
racy_every = int(sys.argv[3]) if len(sys.argv) > 3 else 50
os.makedirs(out, exist_ok=True)
barrel_size = 50
for i in range(n):
    d = os.path.join(out, f"pkg{i // barrel_size}")
    os.makedirs(d, exist_ok=True)
    prev = i - 1
    lines = []
    if prev >= 0:
        if prev // barrel_size == i // barrel_size:
            lines.append(f"import {{ step{prev} }} from './m{prev}.js';")
        else:
            lines.append(f"import {{ step{prev} }} from '../pkg{prev // barrel_size}/index.js';")
    tail = f"    return step{prev}(key);" if prev >= 0 else "    return cache0.get(key);"
    if i % racy_every == 0:
        lines += [
            f"let busy{i} = false;",
            f"export const cache{i} = new Map();",
            f"export async function step{i}(key) {{",
            f"    if (!cache{i}.has(key)) {{",
            f"        busy{i} = true;",
            f"        const value = await fetch(`/api/{i}/${{key}}`);",
            f"        cache{i}.set(key, value);",
            f"        busy{i} = false;",
            "    }",
            tail,
            "}",
        ]
    else:
        lines += [
            f"let busy{i} = false;",
            f"export const cache{i} = new Map();",
            f"export function reset{i}() {{",
            f"    busy{i} = false;",
            f"    cache{i}.clear();",
            "}",
            f"export async function step{i}(key) {{",
            f"    const value = await fetch(`/api/{i}/${{key}}`);",
            f"    if (!busy{i} && !cache{i}.has(key)) {{",
            f"        cache{i}.set(key, value);",
            "    }",
            tail,
            "}",
        ]
    with open(os.path.join(d, f"m{i}.js"), "w") as f:
        f.write("\n".join(lines) + "\n")
for b in range((n + barrel_size - 1) // barrel_size):
    d = os.path.join(out, f"pkg{b}")
    with open(os.path.join(d, "index.js"), "w") as f:
        for i in range(b * barrel_size, min(n, (b + 1) * barrel_size)):
            f.write(f"export * from './m{i}.js';\n")
