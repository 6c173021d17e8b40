#!/usr/bin/env python3
"""Prints the benchmark's medians (from hyperfine's JSON), peak memory and the target ratios."""
import json
import os
import sys

work = sys.argv[1]


def medians(name):
    data = json.load(open(os.path.join(work, f"{name}.json")))
    return {r["command"]: r["median"] for r in data["results"]}


def bytes_of(tree):
    total = 0
    for d, _, files in os.walk(os.path.join(work, tree)):
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files if f.endswith((".js", ".mjs")) and ".min." not in f)
    return total


nolib, full, x4, gen = medians("nolib"), medians("full"), medians("x4"), medians("gen10k")
dense, growth = medians("gen10k-dense"), medians("growth")
mem = dict(line.split() for line in open(os.path.join(work, "mem.txt")))
kib = lambda k: f"{float(mem[k]) / 1024:.0f} MiB"
print()
print("| tree | floor (parse only) | racelint | racelint / floor |")
print("|------|--------------------|----------|------------------|")
for name, m in [
    ("public/ without lib/", nolib),
    ("public/ (minified bundles skipped)", full),
    ("4 copies of public/ without lib/", x4),
    ("10 000 generated modules (400 findings)", gen),
    ("10 000 generated modules, a race in each (20 000 findings)", dense),
]:
    print(f"| {name} | {m['floor'] * 1000:.1f} ms | {m['racelint'] * 1000:.1f} ms | {m['racelint'] / m['floor']:.2f}x |")
print()
print("| generated modules | racelint | per 1 000 modules |")
print("|-------------------|----------|-------------------|")
for n in ["2500", "5000", "10000", "20000"]:
    print(f"| {n} | {growth[n] * 1000:.1f} ms | {growth[n] * 1000 / (int(n) / 1000):.2f} ms |")
per_byte = lambda m, tree: m / bytes_of(tree)
print()
print(f"per byte, generated / real: floor {per_byte(gen['floor'], 'gen10k') / per_byte(nolib['floor'], 'nolib'):.2f}x, "
      f"racelint {per_byte(gen['racelint'], 'gen10k') / per_byte(nolib['racelint'], 'nolib'):.2f}x "
      f"(small files cost more per byte for any tool: opening, reading and setting up a parse per file)")
# the commands take turns, so each round's floor and racelint ran under the same load: the
# median of the per-round ratios is steadier than the ratio of the medians on a busy machine
def paired(name):
    data = {r["command"]: r["times"] for r in json.load(open(os.path.join(work, f"{name}.json")))["results"]}
    ratios = sorted(a / b for a, b in zip(data["racelint"], data["floor"]))
    return ratios[len(ratios) // 2] if len(ratios) % 2 else (ratios[len(ratios) // 2 - 1] + ratios[len(ratios) // 2]) / 2, ratios[0], ratios[-1]
print()
for name, what in [("nolib", "public/ without lib/"), ("full", "public/"), ("gen10k", "10 000 generated modules")]:
    m, lo, hi = paired(name)
    print(f"racelint / floor on {what}, round by round: median {m:.2f}x (from {lo:.2f}x to {hi:.2f}x)")
print()
print("| on public/ without lib/ | median | peak memory |")
print("|--------------------------|--------|-------------|")
for k in ["floor", "racelint", "biome", "eslint"]:
    print(f"| {k} | {nolib[k] * 1000:.1f} ms | {kib(k)} |")
print(f"| racelint, warm cache | {nolib['warm'] * 1000:.1f} ms | |")
print()
targets = [
    ("racelint <= 2.0x the parse-only floor", nolib["racelint"] / nolib["floor"], 2.0),
    ("racelint <= 0.5x Biome's useAtomicUpdates", nolib["racelint"] / nolib["biome"], 0.5),
    ("peak memory < 100 MiB (ratio to 100 MiB)", float(mem["racelint"]) / 1024 / 100, 1.0),
    ("full public/ <= 2.0x its own floor", full["racelint"] / full["floor"], 2.0),
    ("4 copies <= 4.6x one copy", x4["racelint"] / nolib["racelint"], 4.6),
    ("warm re-run on an unchanged tree <= 0.3x the cold run", nolib["warm"] / nolib["racelint"], 0.3),
    ("growth: 20 000 generated modules <= 2.3x 10 000 (linear, with the 4-copies slack)", growth["20000"] / growth["10000"], 2.3),
    ("10k modules per byte <= 1.2x the real tree per byte", (gen["racelint"] / bytes_of("gen10k")) / (nolib["racelint"] / bytes_of("nolib")), 1.2),
]
for what, ratio, limit in targets:
    print(f"{'PASS' if ratio <= limit else 'MISS'}  {what}: {ratio:.2f}")
