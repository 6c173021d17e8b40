#!/usr/bin/env python3
"""Signal: how many of racelint's findings on real code are real races.

    bench/signal/corpus.sh                      lay out the development corpus in .cache/signal/
    bench/signal/signal.py run [--label L]      lint every corpus; findings per rule per corpus
    bench/signal/signal.py sample --seed S      draw a seeded random sample for a blind judge
    bench/signal/signal.py score [VERDICTS...]  precision of judged verdicts against the last run,
                                                and regressions (a finding judged false is back)

The run is written to .cache/signal/runs/<label>.json (git-ignored: it quotes the corpus). A
sample is written to signal/samples/<name>.jsonl: one finding a line, with everything the judge
needs to open the code (corpus, commit, file, line, labels, help, timeline) and nothing about
what the finding is expected to be. Verdicts (signal/verdicts/*.json) follow
../shared/signal/RUBRIC.md: a list of {corpus, commit, file, line, rule, function, state, verdict,
class_ok, should_be, labels_ok, help_ok, timeline_ok, reason}.
"""

import argparse
import collections
import glob
import json
import os
import random
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(ROOT, ".cache", "signal")
RUNS = os.path.join(CACHE, "runs")
SAMPLES = os.path.join(ROOT, "signal", "samples")
VERDICTS = os.path.join(ROOT, "signal", "verdicts")
SILLYTAVERN = "sillytavern-1.13.5"
RULES = ["RC001", "RC002", "RC003", "RC004", "RC005", "RC006"]


def corpora():
    """(name, directory to run in, path argument, commit) for every laid-out corpus."""
    out = []
    if not os.path.isdir(CACHE):
        sys.exit("no corpus: run bench/signal/corpus.sh first")
    for name in sorted(os.listdir(CACHE)):
        d = os.path.join(CACHE, name)
        marker = os.path.join(d, ".racelint-commit")
        if not os.path.isfile(marker):
            continue
        commit = open(marker).read().strip()
        if name == SILLYTAVERN:
            out.append((name, os.path.join(d, "package"), "public", commit))
        else:
            out.append((name, d, ".", commit))
    return out


def binary():
    exe = os.path.abspath(os.environ.get("RACELINT", os.path.join(ROOT, "target", "release", "racelint")))
    if "RACELINT" not in os.environ:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return exe


def key(f):
    return (f["corpus"], f["file"], f["rule"], f["function"], f["state"])


def loose_key(f):
    """The same accesses reported under any rule, and at any depth of the state's path
    (`extension_settings.sd` then `extension_settings.sd.height`): a claim that comes back."""
    return (f["corpus"], f["file"], f["function"], f["state"].split(".")[0])


def cmd_run(args):
    exe = binary()
    findings = []
    table = collections.OrderedDict()
    for name, cwd, path, commit in corpora():
        out = subprocess.run([exe, "--no-cache", "--no-config", "--format", "json", path], cwd=cwd, capture_output=True)
        if out.returncode not in (0, 1, 2):
            sys.exit(f"racelint failed on {name}: {out.stderr.decode(errors='replace')}")
        v = json.loads(out.stdout)
        counts = collections.Counter()
        for f in v["findings"]:
            f = dict(f, corpus=name, commit=commit)
            findings.append(f)
            counts[f["rule"]] += 1
        table[name] = (counts, len(v["errors"]))
    os.makedirs(RUNS, exist_ok=True)
    path = os.path.join(RUNS, f"{args.label}.json")
    with open(path, "w") as fh:
        json.dump(findings, fh, indent=1)
    rules = [r for r in RULES if any(c[r] for c, _ in table.values())]
    print(f"{'corpus':45} " + " ".join(f"{r:>5}" for r in rules) + "  total errors")
    total = collections.Counter()
    for name, (counts, errors) in table.items():
        total.update(counts)
        print(f"{name:45} " + " ".join(f"{counts[r]:5}" for r in rules) + f"  {sum(counts.values()):5} {errors:6}")
    print(f"{'all':45} " + " ".join(f"{total[r]:5}" for r in rules) + f"  {sum(total.values()):5}")
    print(f"written {os.path.relpath(path, ROOT)}")


def load_run(label):
    path = os.path.join(RUNS, f"{label}.json")
    if not os.path.isfile(path):
        sys.exit(f"no run {label}: run `bench/signal/signal.py run --label {label}` first")
    return json.load(open(path))


def judged_keys():
    keys = set()
    for p in glob.glob(os.path.join(VERDICTS, "*.json")):
        for v in json.load(open(p)):
            keys.add(key(v))
    return keys


def cmd_sample(args):
    findings = load_run(args.label)
    # a fresh sample: findings already judged are left out unless asked for
    seen = set() if args.include_judged else judged_keys()
    # `--concurrency latent` draws latent notes only, `overlapping` warnings and errors only
    wanted = lambda f: args.concurrency is None or f.get("concurrency", "overlapping") == args.concurrency
    pool_ext = [f for f in findings if f["corpus"] != SILLYTAVERN and key(f) not in seen and wanted(f)]
    pool_st = [f for f in findings if f["corpus"] == SILLYTAVERN and key(f) not in seen and wanted(f)]
    rng = random.Random(args.seed)
    sample = rng.sample(pool_ext, min(args.n, len(pool_ext))) + rng.sample(pool_st, min(args.st, len(pool_st)))
    rng.shuffle(sample)
    os.makedirs(SAMPLES, exist_ok=True)
    name = args.name or f"seed{args.seed}"
    path = os.path.join(SAMPLES, f"{name}.jsonl")
    fields = ["corpus", "commit", "file", "line", "column", "rule", "name", "severity", "function", "state", "states", "message", "labels",
              "help", "timeline", "concurrency", "latent_because", "tasks"]
    with open(path, "w") as fh:
        for f in sample:
            fh.write(json.dumps({k: f.get(k) for k in fields}) + "\n")
    print(f"{len(sample)} findings ({len([f for f in sample if f['corpus'] != SILLYTAVERN])} from extensions, "
          f"{len([f for f in sample if f['corpus'] == SILLYTAVERN])} from {SILLYTAVERN}) written to {os.path.relpath(path, ROOT)}")


def pct(a, b):
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "0/0"


def cmd_score(args):
    files = args.verdicts or sorted(glob.glob(os.path.join(VERDICTS, "*.json")))
    verdicts = []
    for p in files:
        verdicts.extend(json.load(open(p)))
    findings = load_run(args.label)
    current = {key(f) for f in findings}
    current_loose = {loose_key(f) for f in findings}
    if args.current_only:
        verdicts = [v for v in verdicts if key(v) in current]
    by_rule = collections.defaultdict(collections.Counter)
    checks = collections.Counter()
    for v in verdicts:
        by_rule[v["rule"]][v["verdict"]] += 1
        by_rule["all"][v["verdict"]] += 1
        for c in ("class_ok", "labels_ok", "help_ok", "timeline_ok"):
            if v.get(c) is True:
                checks[c] += 1
    n = len(verdicts)
    print(f"{n} judged findings from {len(files)} verdict files" + (" (still reported)" if args.current_only else ""))
    print(f"{'rule':6} {'judged':>6} {'real':>5} {'benign':>6} {'false':>5}  precision  false rate")
    for r in [r for r in RULES if r in by_rule] + ["all"]:
        c = by_rule[r]
        t = sum(c.values())
        print(f"{r:6} {t:6} {c['real']:5} {c['benign']:6} {c['false-positive']:5}  {100 * c['real'] / t:8.0f}%  {100 * c['false-positive'] / t:9.0f}%")
    for c in ("class_ok", "labels_ok", "help_ok", "timeline_ok"):
        print(f"{c:12} {pct(checks[c], n)}")
    # by what the current run says of the finding: warnings and errors, or latent notes
    conc = {key(f): f.get("concurrency", "overlapping") for f in findings}
    by_conc = collections.defaultdict(collections.Counter)
    for v in verdicts:
        if key(v) in conc:
            by_conc[conc[key(v)]][v["verdict"]] += 1
    for k in ("overlapping", "latent"):
        c = by_conc.get(k)
        if c:
            t = sum(c.values())
            print(f"{k:12} {t} judged: {c['real']} real ({100 * c['real'] / t:.0f}%), {c['benign']} benign, "
                  f"{c['false-positive']} false ({100 * c['false-positive'] / t:.0f}%)")
    back = [v for v in verdicts if v["verdict"] == "false-positive" and key(v) in current]
    moved = [v for v in verdicts if v["verdict"] == "false-positive" and key(v) not in current and loose_key(v) in current_loose]
    gone = [v for v in verdicts if key(v) not in current and loose_key(v) not in current_loose]
    print(f"\nof the judged findings, {n - len(gone)} are still reported and {len(gone)} are gone "
          f"({sum(1 for v in gone if v['verdict'] == 'real')} real, {sum(1 for v in gone if v['verdict'] == 'benign')} benign, "
          f"{sum(1 for v in gone if v['verdict'] == 'false-positive')} false)")
    if back or moved:
        print(f"judged false and still reported: {len(back)} as judged, {len(moved)} under another rule or path "
              "(a regression when the verdict is older than the change that should have removed it)")
        for v in back + moved:
            print(f"  {v['rule']} {v['corpus']}/{v['file']}:{v['line']} {v['function']} | {v['state']}: {v['reason']}")
    lost = [v for v in gone if v["verdict"] == "real"]
    for v in lost:
        print(f"  lost a real race: {v['rule']} {v['corpus']}/{v['file']}:{v['line']} {v['function']} | {v['state']}")
    if args.strict and (back or moved):
        sys.exit(1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--label", default="current")
    s = sub.add_parser("sample")
    s.add_argument("--label", default="current")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--n", type=int, default=40, help="findings drawn from the extensions")
    s.add_argument("--st", type=int, default=10, help=f"findings drawn from {SILLYTAVERN}")
    s.add_argument("--name")
    s.add_argument("--include-judged", action="store_true")
    s.add_argument("--concurrency", choices=["overlapping", "latent"], help="only warnings and errors, or only latent notes")
    c = sub.add_parser("score")
    c.add_argument("verdicts", nargs="*")
    c.add_argument("--label", default="current")
    c.add_argument("--current-only", action="store_true", help="only verdicts of findings still reported")
    c.add_argument("--strict", action="store_true", help="exit 1 on a regression")
    args = p.parse_args()
    {"run": cmd_run, "sample": cmd_sample, "score": cmd_score}[args.cmd](args)


if __name__ == "__main__":
    main()
