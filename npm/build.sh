#!/usr/bin/env bash
# Stages the npm packages in target/npm/: `racelint` (the launcher, with the config schema and
# README) and `@racelint/cli-linux-x64` (the binary of `cargo build --release`), their versions
# set to Cargo.toml's. With --pack, also `npm pack`s both into target/npm/ and prints the
# tarballs' paths. Only linux-x64 is built: that is what this machine can build.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[[ "$(uname -s) $(uname -m)" == "Linux x86_64" ]] || { echo "npm/build.sh builds linux-x64 only" >&2; exit 2; }

cargo build --release --quiet --bin racelint

out=target/npm
rm -rf "$out"
mkdir -p "$out/racelint/bin" "$out/cli-linux-x64"

cp npm/racelint/bin/racelint.js "$out/racelint/bin/"
cp racelint.schema.json npm/README.md "$out/racelint/"
cp target/release/racelint "$out/cli-linux-x64/racelint"
cp npm/README.md "$out/cli-linux-x64/"

# the versions of both packages and of the optional dependency follow Cargo.toml
node -e '
const fs = require("fs");
const [version, out] = process.argv.slice(1);
for (const [src, dst] of [["npm/racelint/package.json", out + "/racelint/package.json"], ["npm/cli-linux-x64/package.json", out + "/cli-linux-x64/package.json"]]) {
  const p = JSON.parse(fs.readFileSync(src, "utf8"));
  p.version = version;
  for (const dep of Object.keys(p.optionalDependencies || {})) p.optionalDependencies[dep] = version;
  fs.writeFileSync(dst, JSON.stringify(p, null, 2) + "\n");
}' "$version" "$out"

if [[ "${1:-}" == "--pack" ]]; then
    (cd "$out" && npm pack --silent ./racelint ./cli-linux-x64 | sed "s|^|$PWD/|")
fi
