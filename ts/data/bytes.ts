// Byte sources shared by the sample loader and the IDX reader: gunzip through DecompressionStream
// (browsers and Node 20 alike) and reading a URL, with file: URLs read by Node's fs, found at run time
// so that no Node import reaches a browser bundle.
import { DataError } from "./errors.js";

/** True when the bytes start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip data; a truncated or corrupt stream becomes a DataError naming `file`. */
export async function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip"));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (cause) {
    // The platform's own wording differs (Node: "unexpected end of file"); it stays available as `cause`.
    throw Object.assign(new DataError(`${file}: the gzip data is truncated or corrupt`, { file }), { cause });
  }
}

interface NodeFs {
  readFile(path: URL | string): Promise<Uint8Array>;
}

async function nodeFs(): Promise<NodeFs> {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process
    ?.getBuiltinModule;
  if (getBuiltin) return getBuiltin("node:fs/promises") as NodeFs;
  // Node 20 before 20.16: a computed specifier, which bundlers leave alone (Vite is told so: it would warn).
  const specifier = "node:fs/promises";
  return (await import(/* @vite-ignore */ specifier)) as NodeFs;
}

/** The bytes at `url`: fs for file: URLs (Node), fetch otherwise (browsers, http in Node). */
export async function readUrl(url: URL): Promise<Uint8Array> {
  if (url.protocol === "file:") {
    const fs = await nodeFs();
    try {
      return await fs.readFile(url);
    } catch (cause) {
      throw new DataError(`${url.pathname}: cannot read (${(cause as Error).message})`, { file: url.pathname });
    }
  }
  const response = await fetch(url);
  if (!response.ok)
    throw new DataError(`${url}: HTTP ${response.status} ${response.statusText}`, { file: String(url) });
  return new Uint8Array(await response.arrayBuffer());
}
