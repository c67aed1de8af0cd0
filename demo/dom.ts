// Small DOM helpers shared by the demo's views.
import { PALETTE } from "../ts/browser.js";

export const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Creates an element with attributes (strings; `true` for a bare boolean attribute) and children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number | boolean> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children);
  return node;
}

/** The colour the figures give the run at `index`, for swatches beside names in tables and lists. */
export function swatch(index: number): HTMLSpanElement {
  const mark = element("span", { class: "swatch", "aria-hidden": "true" });
  mark.style.background = PALETTE[index % PALETTE.length]!;
  return mark;
}

/** A status line (role="status") that shows progress, results and errors. */
export function statusLine(id: string): (text: string, isError?: boolean) => void {
  const line = byId<HTMLParagraphElement>(id);
  return (text, isError = false) => {
    line.textContent = text;
    line.classList.toggle("error", isError);
  };
}

export function formatNumber(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "–" : value.toPrecision(4);
}

/** A width for a figure filling `container`, within what stays readable. */
export function figureWidth(container: HTMLElement, fallback = 900): number {
  return Math.max(480, Math.min(container.clientWidth || fallback, 1100));
}
