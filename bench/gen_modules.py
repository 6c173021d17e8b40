#!/usr/bin/env python3
"""Generates N small ES modules that import each other in chains and through barrels, each with
module state, an async function that awaits, and a call into the previous module: a tree that
exercises import resolution, `export *` chains and the summary fixpoint at scale."""
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
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
        (f"    return step{prev}(key);" if prev >= 0 else "    return cache0.get(key);"),
        "}",
    ]
    with open(os.path.join(d, f"m{i}.js"), "w") as f:
        f.write("\n".join(lines) + "\n")
for b in range((n + barrel_size - 1) // barrel_size):
    d = os.path.join(out, f"pkg{b}")
    with open(os.path.join(d, "index.js"), "w") as f:
        for i in range(b * barrel_size, min(n, (b + 1) * barrel_size)):
            f.write(f"export * from './m{i}.js';\n")
