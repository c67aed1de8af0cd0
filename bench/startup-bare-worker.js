// The floor under any fresh Web Worker in bench/startup.bench.ts: a one-line script from the same server that
// answers as soon as it runs, as the Node bench's bare worker thread does.
postMessage(0);
