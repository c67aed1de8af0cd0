// The demo page, using only optimlab's public browser entry (bundled as ../optimlab.browser.mjs): three views
// behind tabs. Compare trains one MLP per optimizer in Web Workers; LR finder runs a learning-rate range test per
// optimizer and hands its suggestion to Compare; Landscape draws optimizer paths over 2-D test functions.
import { setupCompare, useLearningRate } from "./compare.js";
import { byId, statusLine } from "./dom.js";
import { setupLandscape, showLandscape } from "./landscape.js";
import { setupLrFind } from "./lr-find.js";
import { setupTabs } from "./tabs.js";

const tabs = setupTabs(byId("views"), (panelId) => {
  if (panelId === "view-landscape") showLandscape();
});

setupCompare();
const lrStatus = statusLine("lr-status");
setupLrFind((label, name, lr, rule) => {
  useLearningRate(label, name, lr, rule).then(
    (field) => {
      tabs.select("view-compare");
      field.focus();
    },
    (error: Error) => lrStatus(`Could not copy the lr into Compare: ${error.message}`, true),
  );
}).catch((error: Error) => lrStatus(`Failed to start: ${error.message}`, true));
setupLandscape().catch((error: Error) => statusLine("landscape-status")(`Failed to start: ${error.message}`, true));
