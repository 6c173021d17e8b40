#!/usr/bin/env node
// Launches the racelint binary of this platform, from the package npm installed through
// optionalDependencies (as Biome and oxlint do): @racelint/cli-<platform>-<arch>.
// RACELINT_BINARY overrides the binary's path.
"use strict";

const { spawnSync } = require("child_process");

const platforms = {
  "linux x64": "@racelint/cli-linux-x64",
};

function binary() {
  if (process.env.RACELINT_BINARY) {
    return process.env.RACELINT_BINARY;
  }
  const key = `${process.platform} ${process.arch}`;
  const pkg = platforms[key];
  if (!pkg) {
    console.error(
      `racelint: no prebuilt binary for ${key}; build it with \`cargo install --path .\` from racelint's ` +
        "source and set RACELINT_BINARY to its path"
    );
    process.exit(2);
  }
  try {
    return require.resolve(`${pkg}/racelint`);
  } catch (e) {
    console.error(
      `racelint: the package ${pkg} is missing. It is an optional dependency of racelint: ` +
        "reinstall without --no-optional / --omit=optional (or set RACELINT_BINARY)"
    );
    process.exit(2);
  }
}

const result = spawnSync(binary(), process.argv.slice(2), { stdio: "inherit", windowsHide: true });
if (result.error) {
  console.error(`racelint: cannot run ${result.error.path || "the binary"}: ${result.error.message}`);
  process.exit(2);
}
if (result.signal) {
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 2 : result.status);
