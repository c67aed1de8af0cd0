// The browser's loader: compiles the .wasm once per page from its URL. Streaming compilation needs the
// server to send `application/wasm`; when it does not (file servers, some CDNs), the bytes are
// compiled from an ArrayBuffer instead.

const compiled = new Map<string, Promise<WebAssembly.Module>>();

/** The compiled optimlab module at `url`, fetched and compiled once per page and shared by every worker. */
export function compileModule(url: string | URL): Promise<WebAssembly.Module> {
  const key = String(url);
  let module = compiled.get(key);
  if (!module) {
    module = compileFrom(key);
    compiled.set(key, module);
    // A failed fetch must not stay cached: the next run tries again.
    module.catch(() => compiled.delete(key));
  }
  return module;
}

async function compileFrom(url: string): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (response.status === 404) {
    throw new Error(
      `optimlab: the WebAssembly module ${new URL(url, location.href).pathname.split("/").at(-1)} is missing: looked for ${url} (HTTP 404; deploy it next to ` +
        "optimlab's script, or point setAssetLocation({ wasmUrl }) at it)",
    );
  }
  if (!response.ok) throw new Error(`optimlab: cannot load ${url}: HTTP ${response.status} ${response.statusText}`);
  if (
    typeof WebAssembly.compileStreaming === "function" &&
    response.headers.get("Content-Type")?.startsWith("application/wasm")
  ) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
