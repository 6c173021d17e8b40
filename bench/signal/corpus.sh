#!/usr/bin/env bash
# Lays out the development corpus (../shared/signal/dev-corpus.txt, or $RACELINT_CORPUS_LIST) in
# the git-ignored .cache/signal/: each extension at its pinned commit, extracted from a mirror of
# its repository ($RACELINT_MIRROR/<owner>+<name>/repo, a bare git directory such as the `fetch`
# tool writes), plus sillytavern@1.13.5 from npm. Nothing of the corpus is ever committed.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
list="${RACELINT_CORPUS_LIST:-$root/../shared/signal/dev-corpus.txt}"
mirror="${RACELINT_MIRROR:-/work/.mirror}"
out="$root/.cache/signal"
mkdir -p "$out"
missing=0
while read -r repo commit; do
    [[ -z "$repo" || "$repo" == \#* ]] && continue
    name="${repo/\//+}"
    dest="$out/$name"
    if [[ -f "$dest/.racelint-commit" && "$(cat "$dest/.racelint-commit")" == "$commit" ]]; then
        continue
    fi
    git_dir="$mirror/$name/repo"
    if ! git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null; then
        echo "missing: $repo at $commit (fetch github:$repo into $mirror first)" >&2
        missing=1
        continue
    fi
    rm -rf "$dest"
    mkdir -p "$dest"
    # file by file: a mirror may lack its largest blobs (listed but absent); those are skipped
    git --git-dir="$git_dir" ls-tree -r -z "$commit" | while IFS= read -r -d '' entry; do
        meta="${entry%%$'\t'*}"; path="${entry#*$'\t'}"
        read -r mode type blob <<< "$meta"
        [[ "$type" == blob && "$mode" != 120000 ]] || continue
        mkdir -p "$dest/$(dirname "$path")"
        if ! git --git-dir="$git_dir" cat-file blob "$blob" > "$dest/$path" 2>/dev/null; then
            rm -f "$dest/$path"
            echo "  absent from the mirror, skipped: $path" >&2
        fi
    done
    echo "$commit" > "$dest/.racelint-commit"
    echo "extracted $repo at ${commit:0:12}"
done < "$list"

st="$out/sillytavern-1.13.5"
if [[ ! -f "$st/package/public/script.js" ]]; then
    mkdir -p "$st"
    (cd "$st" && npm pack --silent sillytavern@1.13.5 >/dev/null && tar xzf sillytavern-1.13.5.tgz && rm -f sillytavern-1.13.5.tgz)
    echo "npm:sillytavern@1.13.5" > "$st/.racelint-commit"
    echo "extracted sillytavern@1.13.5"
fi
exit "$missing"
