// Node-only rendering: a DOM for Observable Plot (linkedom), SVG text for files, PNG through resvg.
// The figure modules stay browser-safe; only this file knows about Node.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { Resvg as ResvgClass } from "@resvg/resvg-js";
import { parseHTML } from "linkedom";
import { SVG_NS } from "./common.js";

/** A fresh DOM document to hand to the figures' `document` option in Node. */
export function nodeDocument(): Document {
  return parseHTML("<!doctype html><html><head></head><body></body></html>").document as unknown as Document;
}

/** A figure as a standalone SVG file's text (Plot leaves out the xmlns a file needs). */
export function svgText(figure: Element): string {
  figure.setAttribute("xmlns", SVG_NS);
  return figure.outerHTML;
}

const require = createRequire(import.meta.url);
// DejaVu Sans, shipped in the package (dist/assets/fonts/, copied by scripts/build.sh), so PNG text draws on
// machines without system fonts.
const FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) =>
  fileURLToPath(new URL(`../assets/fonts/${file}`, import.meta.url)),
);

/** Renders SVG text to PNG bytes at `scale` × its size (2 by default, sharp on high-density screens). */
export function svgToPng(svg: string, options: { scale?: number } = {}): Uint8Array {
  // Loaded on first use: resvg is a native addon, and most users of the package never make a PNG.
  const { Resvg } = require("@resvg/resvg-js") as { Resvg: typeof ResvgClass };
  const resvg = new Resvg(svg, {
    background: "white",
    fitTo: { mode: "zoom", value: options.scale ?? 2 },
    font: {
      fontFiles: FONT_FILES,
      loadSystemFonts: false,
      defaultFontFamily: "DejaVu Sans",
      sansSerifFamily: "DejaVu Sans",
    },
  });
  return resvg.render().asPng();
}
