#!/usr/bin/env node
// A stand-in for native `solc` where no native binary can be downloaded: it answers
// `--version` like native solc and compiles `--standard-json` from stdin with solcjs
// (the npm `solc` package, WebAssembly). py-solc-x (and so ape-solidity) finds it through
// SOLCX_BINARY_PATH; see README "How Solidity gets compiled".
"use strict";
const fs = require("fs");
const path = require("path");

const projectRoot = path.resolve(__dirname, "..");
const solc = require(path.join(projectRoot, "node_modules", "solc"));

// solcjs reports "0.8.28+commit.7893614a.Emscripten.clang"; py-solc-x parses the native form.
function nativeVersionString() {
  return solc.version().replace(/\.Emscripten\.clang$/, ".Linux.g++");
}

function parseArgs(argv) {
  const options = { standardJson: false, version: false, searchRoots: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === "--version") options.version = true;
    else if (arg === "--standard-json") options.standardJson = true;
    else if (arg === "--base-path" || arg === "--include-path" || arg === "--allow-paths") {
      for (const root of String(argv[i + 1] || "").split(",")) {
        if (root) options.searchRoots.push(path.resolve(root));
      }
      i += 1;
    }
    // Every other flag (--allow-empty, ...) has no meaning for solcjs and is ignored.
  }
  if (options.searchRoots.length === 0) options.searchRoots.push(process.cwd());
  // ape-solidity compiles a copy of the project in a temporary folder (its --base-path), which
  // holds contracts/ and interfaces/ but not node_modules/: fall back to this checkout.
  options.searchRoots.push(projectRoot);
  return options;
}

// Native solc resolves an import as a path relative to the base and include paths.
function importCallback(searchRoots) {
  return (importPath) => {
    for (const root of searchRoots) {
      const candidate = path.resolve(root, importPath);
      if (fs.existsSync(candidate)) {
        return { contents: fs.readFileSync(candidate, "utf8") };
      }
    }
    return { error: `File not found: ${importPath} (searched ${searchRoots.join(", ")})` };
  };
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.version) {
    process.stdout.write(
      `solc, the solidity compiler commandline interface\nVersion: ${nativeVersionString()}\n`,
    );
    return;
  }
  if (!options.standardJson) {
    process.stderr.write("this solc bridge supports only --version and --standard-json\n");
    process.exitCode = 1;
    return;
  }
  const input = fs.readFileSync(0, "utf8");
  const output = solc.compile(input, { import: importCallback(options.searchRoots) });
  // No process.exit() here: it would cut a piped stdout at 64 KiB.
  process.stdout.write(output);
}

main();
