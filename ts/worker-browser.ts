// Entry of a browser Web Worker: exposes the worker API to the page that started it.
import * as Comlink from "comlink";
import { workerApi } from "./worker-api.js";

Comlink.expose(workerApi);
