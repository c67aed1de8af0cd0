// Module hooks of trace-imports.mjs: each resolved URL, a line each.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.OPTIMLAB_TRACE, `${resolved.url}\n`);
  return resolved;
}
