// Injected by scripts/bundle.mjs into the CommonJS Node worker bundle, which has no import.meta: `import.meta.url`
// becomes the bundle's own file URL.
import { pathToFileURL } from "node:url";

export const moduleUrl = pathToFileURL(__filename).href;
