#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step): tsx compiles them on load.
"use strict";
require("tsx/cjs");
const { main } = require("../src/cli/main.ts");

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Only a defect in image-factory itself reaches here; user mistakes exit 1 or 2 above.
    process.stderr.write(`image-factory: internal error: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 70;
  },
);
