#!/usr/bin/env bash
# racelint benchmark: racelint against the parse-only floor (same parser settings, same files)
# and the peers (Biome's useAtomicUpdates, ESLint's require-atomic-updates) on SillyTavern
# 1.13.5, plus scaling checks. One command; everything it fetches goes to git-ignored folders.
#
#   bench/run.sh            # RUNS=5 by default; RUNS=10 bench/run.sh for more
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
CACHE=$ROOT/.cache
CORPUS=$CACHE/sillytavern-1.13.5/package
WORK=$CACHE/bench

say() { printf '\n== %s\n' "$*"; }

say "corpus: sillytavern@1.13.5 (npm pack, cached in .cache/)"
if [[ ! -f $CORPUS/public/script.js ]]; then
    mkdir -p "$CACHE/sillytavern-1.13.5"
    (cd "$CACHE/sillytavern-1.13.5" && npm pack --silent sillytavern@1.13.5 >/dev/null && tar xzf sillytavern-1.13.5.tgz && rm -f sillytavern-1.13.5.tgz)
fi

say "tools"
if ! command -v hyperfine >/dev/null; then
    if [[ $(id -u) == 0 ]]; then (apt-get install -y -qq hyperfine >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null)); else echo "install hyperfine (Debian package) first" >&2; exit 1; fi
fi
hyperfine --version
(cd bench && npm install --silent --no-audit --no-fund >/dev/null)
echo "biome $(bench/node_modules/.bin/biome --version | head -1), eslint $(bench/node_modules/.bin/eslint --version)"
cargo build --release --quiet --bin racelint --example parse_floor
RL=$ROOT/target/release/racelint
FLOOR=$ROOT/target/release/examples/parse_floor
BIOME="$ROOT/bench/node_modules/.bin/biome lint --config-path=$ROOT/bench/biome.json --max-diagnostics=0 --no-errors-on-unmatched"
ESLINT="$ROOT/bench/node_modules/.bin/eslint -c $ROOT/bench/eslint.config.mjs --no-ignore -f json -o /dev/null"

say "trees"
mkdir -p "$WORK"
if [[ ! -d $WORK/nolib ]]; then
    cp -r "$CORPUS/public" "$WORK/nolib"
    find "$WORK/nolib" -type d -name lib -prune -exec rm -rf {} +
fi
[[ -d $WORK/full ]] || cp -r "$CORPUS/public" "$WORK/full"
if [[ ! -d $WORK/x4 ]]; then
    mkdir -p "$WORK/x4"
    for i in 1 2 3 4; do cp -r "$WORK/nolib" "$WORK/x4/copy$i"; done
fi
# generated trees: races at about twice the real density (the target), a race in every module
# (the stress case), and sizes for the growth curve; regenerated when the generator changes
GEN_SUM=$(sha256sum bench/gen_modules.py | cut -c1-16)
gen() { # name, modules, racy-every
    if [[ ! -f $WORK/$1/.gen-$GEN_SUM ]]; then
        rm -rf "${WORK:?}/$1"
        python3 bench/gen_modules.py "$WORK/$1" "$2" "$3"
        touch "$WORK/$1/.gen-$GEN_SUM"
    fi
}
gen gen10k 10000 50
gen gen10k-dense 10000 1
gen gen2500 2500 50
gen gen5000 5000 50
gen gen20000 20000 50
for t in nolib full x4 gen10k gen10k-dense; do
    printf '%-7s %s\n' "$t" "$($FLOOR "$WORK/$t" | head -1), $(find "$WORK/$t" \( -name '*.js' -o -name '*.mjs' \) ! -name '*.min.*' -print0 | du -ch --apparent-size --files0-from=- | tail -1 | cut -f1) of JavaScript"
done

# hyperfine times every run; the commands of one comparison take turns (a warm-up round, then
# RUNS rounds with each command once), so a change in the machine's load while the benchmark
# runs falls on all of them alike instead of on whichever ran last. The rounds are merged into
# one hyperfine-style JSON per comparison for the report below.
run() { # name, then -n label command, ...
    local name=$1; shift
    local labels=() cmds=()
    while [[ $# -gt 0 ]]; do labels+=("$2"); cmds+=("$3"); shift 3; done
    local parts="$WORK/.rounds/$name"
    rm -rf "$parts" && mkdir -p "$parts"
    for round in $(seq 0 "$RUNS"); do
        for i in "${!cmds[@]}"; do
            hyperfine -N -i --runs 1 --export-json "$parts/$round-$i.json" -n "${labels[$i]}" "${cmds[$i]}" >/dev/null 2>&1
        done
    done
    python3 - "$parts" "$RUNS" "${#cmds[@]}" "$WORK/$name.json" <<'PY'
import json, statistics, sys
parts, runs, n, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
results = []
for i in range(n):
    # round 0 is the warm-up
    rs = [json.load(open(f"{parts}/{r}-{i}.json"))["results"][0] for r in range(1, runs + 1)]
    times = [r["times"][0] for r in rs]
    results.append({
        "command": rs[0]["command"], "median": statistics.median(times), "times": times,
        "user": statistics.median(r["user"] for r in rs), "system": statistics.median(r["system"] for r in rs),
    })
json.dump({"results": results}, open(out, "w"), indent=1)
PY
}
cd "$WORK"
say "timing (hyperfine, $RUNS alternating rounds, medians)"
# racelint cold (--no-cache) against the floor and the peers; warm: the same tree again with a
# filled cache (the warm-up round fills it)
run nolib -n floor "$FLOOR nolib" -n racelint "$RL --no-cache --format json nolib" -n warm "$RL --cache-dir $WORK/rlcache --format json nolib" -n biome "$BIOME nolib" -n eslint "$ESLINT nolib"
run full -n floor "$FLOOR full" -n racelint "$RL --no-cache --format json full"
run x4 -n floor "$FLOOR x4" -n racelint "$RL --no-cache --format json x4"
run gen10k -n floor "$FLOOR gen10k" -n racelint "$RL --no-cache --format json gen10k"
run gen10k-dense -n floor "$FLOOR gen10k-dense" -n racelint "$RL --no-cache --format json gen10k-dense"
run growth -n 2500 "$RL --no-cache --format json gen2500" -n 5000 "$RL --no-cache --format json gen5000" \
    -n 10000 "$RL --no-cache --format json gen10k" -n 20000 "$RL --no-cache --format json gen20000"

say "peak memory (max RSS, median of $RUNS runs)"
mem() { # command...
    for _ in $(seq "$RUNS"); do /usr/bin/time -f '%M' "$@" >/dev/null 2>>"$WORK/mem.tmp" || true; done
    python3 -c "import statistics,sys; v=[int(l) for l in open(sys.argv[1]) if l.strip().isdigit()]; print(statistics.median(v))" "$WORK/mem.tmp"
    rm -f "$WORK/mem.tmp"
}
{
    echo "floor $(mem $FLOOR nolib)"
    echo "racelint $(mem $RL --no-cache --format json nolib)"
    echo "biome $(mem $BIOME nolib)"
    echo "eslint $(mem $ESLINT nolib)"
} > "$WORK/mem.txt"

python3 "$ROOT/bench/report.py" "$WORK"

if [[ ${LSP:-1} != 0 ]]; then
    say "language server: keystroke -> diagnostics (bench/lsp_keystroke.py, $RUNS rounds, medians; LSP=0 skips it)"
    python3 "$ROOT/bench/lsp_keystroke.py" --runs "$RUNS" --bin "racelint=$RL" --json "$WORK/lsp.json"
fi
