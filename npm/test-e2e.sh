#!/usr/bin/env bash
# The npm flow end to end, as an extension author meets it: build and `npm pack` both packages
# (npm/build.sh --pack), install the two tarballs into a fresh temporary project, and run
# `npx racelint` on the bundled example extension: exit code 1 and its findings.
# Without npm this prints a notice and succeeds, unless RACELINT_REQUIRE_NPM=1 (CI).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if ! command -v npm > /dev/null || ! command -v node > /dev/null; then
    if [[ "${RACELINT_REQUIRE_NPM:-}" == 1 ]]; then
        echo "npm e2e: npm and node are required (RACELINT_REQUIRE_NPM=1)" >&2
        exit 1
    fi
    echo "notice: npm not found; the npm package's end-to-end test is skipped"
    exit 0
fi

mapfile -t tarballs < <(npm/build.sh --pack)
[[ ${#tarballs[@]} -eq 2 ]] || { echo "npm e2e: expected two tarballs, got: ${tarballs[*]}" >&2; exit 1; }

project=$(mktemp -d)
trap 'rm -rf "$project"' EXIT
cd "$project"
npm init -y > /dev/null
# both tarballs at once: the launcher's optional dependency is met by the platform tarball
npm install --no-audit --no-fund --loglevel=error "${tarballs[@]}" > npm-install.log 2>&1 || {
    cat npm-install.log >&2
    exit 1
}
[[ -x node_modules/@racelint/cli-linux-x64/racelint ]] || { echo "npm e2e: the platform package's binary is missing" >&2; exit 1; }
[[ -f node_modules/racelint/racelint.schema.json ]] || { echo "npm e2e: the config schema is not in the package" >&2; exit 1; }

set +e
npx --no-install racelint --no-cache "$root/fixtures/example-extension" > out.txt 2> err.txt
code=$?
set -e
if [[ $code -ne 1 ]] || ! grep -q "racelint(override-across-await)" out.txt || ! grep -q "^Checked .* files in" err.txt; then
    echo "npm e2e: expected findings (exit 1) from npx racelint, got exit $code" >&2
    cat out.txt err.txt >&2
    exit 1
fi
version=$(npx --no-install racelint --version)
[[ "$version" == "racelint $(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)" ]] || {
    echo "npm e2e: unexpected version: $version" >&2
    exit 1
}
# the exit code of a usage error comes through the launcher
set +e
npx --no-install racelint --no-such-flag > /dev/null 2>&1
code=$?
set -e
[[ $code -eq 2 ]] || { echo "npm e2e: a usage error exited $code, not 2" >&2; exit 1; }
echo "npm e2e: npx racelint on fixtures/example-extension exits 1 with its findings ($(tail -n 1 out.txt))"
