// The CommonJS entry (package.json exports → node → require). The package is ES modules; Node ≥ 20.19 (and
// ≥ 22.12) loads them from require() because none of them uses top-level await. Older Node cannot: it gets a
// message that says what to do instead of ERR_REQUIRE_ESM.
"use strict";
try {
  module.exports = require("./index.js");
} catch (error) {
  if (error && error.code === "ERR_REQUIRE_ESM") {
    throw new Error(
      'optimlab is an ES module and this Node cannot require() it (Node >= 20.19 can): use `import { compare } from "optimlab"`, or `await import("optimlab")` from CommonJS',
      { cause: error },
    );
  }
  throw error;
}
