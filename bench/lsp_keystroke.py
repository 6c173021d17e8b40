#!/usr/bin/env python3
"""Keystroke benchmark of `racelint lsp`, driven through the real LSP protocol (stdio, JSON-RPC
with Content-Length framing), as an editor drives it.

For each scenario (a workspace and a file in it) and each server binary, one round starts a
server, sends `initialize` with the workspace as root, opens the file (`didOpen`, full text) and
times the first `publishDiagnostics` for it, then sends EDITS edits (`didChange`, full sync, one
new comment line in the middle of the file per edit, each on top of the last, as typing does) and
times each `didChange` -> `publishDiagnostics` of that version. Rounds of the binaries alternate
(a warm-up round first), so a change in the machine's load falls on all of them alike; the report
gives medians over rounds of the first-diagnostics time and of the per-round keystroke median.

    bench/lsp_keystroke.py                                  # target/release/racelint, RUNS=3
    bench/lsp_keystroke.py --bin old=/tmp/racelint-old --bin new=target/release/racelint --runs 5
    bench/lsp_keystroke.py --json out.json

The workspaces are SillyTavern 1.13.5's `public/` (fetched by bench/run.sh into .cache/) and 4
copies of it as one workspace (made here, in .cache/bench/lsp-x4). Each server gets an empty
cache directory of its own (XDG_CACHE_HOME), so first diagnostics are cold.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import queue
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / ".cache/sillytavern-1.13.5/package/public"
X4 = ROOT / ".cache/bench/lsp-x4"


class Server:
    def __init__(self, binary, root, cache):
        env = dict(os.environ, XDG_CACHE_HOME=str(cache))
        env.pop("RACELINT_TIMINGS", None)
        self.p = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self.q = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.next_id = 0
        self.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}})
        self.notify("initialized", {})

    def _read(self):
        out = self.p.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self.q.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.partition(b":")
                if k.lower() == b"content-length":
                    length = int(v)
            body = out.read(length)
            self.q.put((time.perf_counter(), json.loads(body)))

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        rid = self.next_id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        while True:
            item = self.q.get(timeout=600)
            if item is None:
                raise RuntimeError("server exited")
            if item[1].get("id") == rid:
                return item[1]

    def wait_diagnostics(self, uri, version):
        """When the diagnostics of `uri` at `version` arrived, and how many there were."""
        while True:
            item = self.q.get(timeout=600)
            if item is None:
                raise RuntimeError("server exited")
            at, m = item
            p = m.get("params") or {}
            if m.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri and p.get("version") == version:
                return at, len(p.get("diagnostics", []))
            if m.get("method") == "window/logMessage" and p.get("type") == 1:
                raise RuntimeError(p.get("message"))

    def close(self):
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()


def edits(text, n):
    """`n` texts, each the last with one more comment line in the middle of the file."""
    lines = text.split("\n")
    at = len(lines) // 2
    out = []
    for i in range(n):
        lines.insert(at + i, f"// keystroke {i}")
        out.append("\n".join(lines))
    return out


def one_round(binary, root, file, n_edits):
    cache = Path(tempfile.mkdtemp(prefix="rl-lsp-bench-"))
    try:
        s = Server(binary, root, cache)
        uri = file.as_uri()
        text = file.read_text()
        t0 = time.perf_counter()
        s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "javascript", "version": 1, "text": text}})
        at, first_count = s.wait_diagnostics(uri, 1)
        first = at - t0
        keys = []
        counts = []
        for i, t in enumerate(edits(text, n_edits)):
            v = i + 2
            t0 = time.perf_counter()
            s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": t}]})
            at, c = s.wait_diagnostics(uri, v)
            keys.append(at - t0)
            counts.append(c)
        s.close()
        return first, keys, first_count, counts
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", action="append", help="label=path of a racelint binary (repeatable)")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", 3)))
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--scenario", action="append", help="only these scenarios (script, small, x4-script, x4-small)")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    bins = [b.split("=", 1) if "=" in b else (b, b) for b in (a.bin or [f"racelint={ROOT / 'target/release/racelint'}"])]
    if not (CORPUS / "script.js").is_file():
        sys.exit(f"no corpus at {CORPUS}: run bench/run.sh once (it fetches sillytavern@1.13.5)")
    if not (X4 / "copy4/script.js").is_file():
        shutil.rmtree(X4, ignore_errors=True)
        X4.mkdir(parents=True)
        for i in range(1, 5):
            shutil.copytree(CORPUS, X4 / f"copy{i}", symlinks=True)
    scenarios = [
        ("script", CORPUS, CORPUS / "script.js"),
        ("small", CORPUS, CORPUS / "scripts/bulk-edit.js"),
        ("x4-script", X4, X4 / "copy1/script.js"),
        ("x4-small", X4, X4 / "copy1/scripts/bulk-edit.js"),
    ]
    if a.scenario:
        scenarios = [s for s in scenarios if s[0] in a.scenario]
    results = {}
    for name, root, file in scenarios:
        per = {label: {"first": [], "key": [], "keys": []} for label, _ in bins}
        for r in range(a.runs + 1):
            for label, path in bins:
                first, keys, fc, counts = one_round(path, root, file, a.edits)
                if r == 0:
                    continue  # warm-up (page cache, pool start)
                per[label]["first"].append(first)
                per[label]["key"].append(statistics.median(keys))
                per[label]["keys"].append(keys)
                per[label]["diagnostics"] = [fc] + counts
        results[name] = {"workspace": str(root.relative_to(ROOT)), "file": str(file.relative_to(ROOT)), "bins": per}
        for label, _ in bins:
            d = per[label]
            print(
                f"{name:<10} {label:<10} first diagnostics {statistics.median(d['first']) * 1e3:8.1f} ms   "
                f"keystroke median {statistics.median(d['key']) * 1e3:7.1f} ms   "
                f"(rounds: {', '.join(f'{k * 1e3:.1f}' for k in d['key'])}; {d['diagnostics'][-1]} diagnostics)",
                flush=True,
            )
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
