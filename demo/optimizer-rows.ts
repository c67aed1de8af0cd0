// A table of optimizers to run, shared by the three views: a checkbox per row, an optional learning-rate field,
// options shown inline (the notebook's momentum) or folded under "options" with fields generated from the Rust
// registry's defaults (optimizerDefaults), and rows added from the registry (optimizers()) with a Remove button.
import {
  LR_RULES,
  optimizerDefaults,
  optimizers,
  type ComparedOptimizer,
  type LrRule,
  type OptimizerInfo,
  type OptimizerName,
  type OptimizerSpec,
  type ScheduleSpec,
} from "../ts/browser.js";
import { element } from "./dom.js";

/**
 * The lr an added row starts with when the registry has no default (optax's optimizers require one). The LR finder
 * sends it too: the test sets every step's lr itself, but such an optimizer refuses to open without one.
 */
export const FALLBACK_LR = 1e-3;

type Defaults = Record<string, unknown>;

/** How the lr-choice menu names each rule. */
const LR_RULE_NAMES: Record<LrRule, string> = {
  valley: "valley",
  steep: "steepest",
  minimum: "minimum ÷ 10",
  slide: "slide",
};

/** One editable option: its inputs (several for a tuple such as betas), its default, and how to read it back. */
interface OptionField {
  option: string;
  defaultValue: unknown;
  /** Inline options are always sent (the notebook's momentum); folded ones only when they differ from the default. */
  inline: boolean;
  read(): unknown;
  /** Shows `value` in the field (a configuration restored from a link). */
  write(value: unknown): void;
}

export interface OptimizerRow {
  label: string;
  base: OptimizerSpec;
  checkbox: HTMLInputElement;
  lr?: HTMLInputElement;
  /** "fixed" (the lr field's value) or the lr auto rule (the optimizer's range test picks the lr). */
  lrMode?: HTMLSelectElement;
  /** The run's own schedule: "inherit" (the comparison's), "none", or one of the view's schedule choices. */
  schedule?: HTMLSelectElement;
  fields: OptionField[];
  /** The row's table rows: its own, and the one below holding its folded options, if any. */
  elements: HTMLTableRowElement[];
}

export interface RowInit {
  label: string;
  /** The spec the row starts from; fields override its options. */
  spec: OptimizerSpec;
  /** Options shown beside the lr, always sent (e.g. ["momentum"]). */
  inline?: string[];
  /** Registry defaults: every other number, boolean or numeric tuple gets a field under "options". */
  defaults?: Defaults;
  removable?: boolean;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The options a form can edit: numbers, booleans and tuples of numbers (not lr, nor optax's learning_rate alias). */
function editable(option: string, value: unknown): boolean {
  if (option === "lr" || option === "learning_rate") return false;
  return (
    typeof value === "number" ||
    typeof value === "boolean" ||
    (Array.isArray(value) && value.every((v) => typeof v === "number"))
  );
}

function numberInput(
  id: string,
  value: number,
  label: string,
  bounds: { min?: number; max?: number } = {},
): HTMLInputElement {
  return element("input", { type: "number", id, step: "any", value, required: true, "aria-label": label, ...bounds });
}

/** A field for `option` (inputs with ids `${id}-${option}`, `${id}-${option}-1`, …) and the elements showing it. */
function optionField(
  id: string,
  rowLabel: string,
  option: string,
  value: unknown,
  inline: boolean,
): { field: OptionField; nodes: Node[] } {
  const inputId = `${id}-${option}`;
  const field = (read: () => unknown, write: (value: unknown) => void): OptionField => ({
    option,
    defaultValue: value,
    inline,
    read,
    write,
  });
  if (typeof value === "boolean") {
    const box = element("input", { type: "checkbox", id: inputId, checked: value });
    return {
      field: field(
        () => box.checked,
        (checked) => (box.checked = checked === true),
      ),
      nodes: [element("label", { class: "option", for: inputId }, box, ` ${option}`)],
    };
  }
  if (Array.isArray(value)) {
    const inputs = value.map((v: number, k) =>
      numberInput(k === 0 ? inputId : `${inputId}-${k}`, v, `${rowLabel} ${option} ${k + 1}`),
    );
    return {
      field: field(
        () => inputs.map((input) => input.valueAsNumber),
        (values) => inputs.forEach((input, k) => (input.value = String((values as number[])[k]))),
      ),
      nodes: [element("label", { for: inputId }, option), element("span", { class: "tuple" }, ...inputs)],
    };
  }
  // Momentum-like factors live in [0, 1]; other numbers (exponents, decays) may be negative or large.
  const bounds = option === "momentum" ? { min: 0, max: 1 } : {};
  const input = numberInput(inputId, value as number, `${rowLabel} ${option}`, bounds);
  input.removeAttribute("aria-label"); // the <label for> names it
  return {
    field: field(
      () => input.valueAsNumber,
      (number) => (input.value = String(number)),
    ),
    nodes: [element("label", { for: inputId }, option), input],
  };
}

export class OptimizerRows {
  readonly rows: OptimizerRow[] = [];
  private nextId = 0;

  /** `prefix` names the inputs: `${prefix}-0` (checkbox), `${prefix}-0-lr`, `${prefix}-0-momentum`, … */
  constructor(
    private readonly body: HTMLTableSectionElement,
    private readonly prefix: string,
    private readonly withLr: boolean,
    /** Beside each lr, a menu to let the optimizer's range test choose it (lr "auto" and its rule). */
    private readonly withLrChoice = false,
    /** A column of per-run schedule menus offering these choices (value and text) besides "as above" and "none". */
    private readonly scheduleChoices?: readonly { value: string; text: string }[],
    /** Called when a run's schedule menu changes. */
    private readonly onScheduleChange?: () => void,
  ) {}

  add(init: RowInit): OptimizerRow {
    const id = `${this.prefix}-${this.nextId++}`;
    const { label, spec } = init;
    const tableRow = this.body.insertRow();
    const checkbox = element("input", { type: "checkbox", id, name: id, checked: true });
    const nameCell = tableRow.insertCell();
    nameCell.append(checkbox, " ", element("label", { for: id }, label));
    const row: OptimizerRow = { label, base: spec, checkbox, fields: [], elements: [tableRow] };

    if (this.withLr) {
      row.lr = element("input", {
        type: "number",
        id: `${id}-lr`,
        name: `${id}-lr`,
        min: 0,
        step: "any",
        value: spec.lr ?? FALLBACK_LR,
        "aria-label": `${label} learning rate`,
        required: true,
      });
      tableRow.insertCell().append(row.lr);
    }
    if (this.withLr && this.withLrChoice) {
      const lrInput = row.lr!;
      row.lrMode = element(
        "select",
        { id: `${id}-lr-mode`, "aria-label": `${label} learning rate choice`, class: "lr-mode" },
        element("option", { value: "fixed" }, "as set"),
        ...LR_RULES.map((rule) => element("option", { value: rule }, `auto: ${LR_RULE_NAMES[rule]}`)),
      );
      const lrMode = row.lrMode;
      lrMode.addEventListener("change", () => (lrInput.disabled = lrMode.value !== "fixed"));
      lrInput.after(" ", lrMode);
    }
    if (this.scheduleChoices) {
      row.schedule = element(
        "select",
        { id: `${id}-schedule`, "aria-label": `${label} schedule`, class: "run-schedule" },
        element("option", { value: "inherit" }, "as above"),
        element("option", { value: "none" }, "none"),
        ...this.scheduleChoices.map(({ value, text }) => element("option", { value }, text)),
      );
      if (this.onScheduleChange) row.schedule.addEventListener("change", this.onScheduleChange);
      tableRow.insertCell().append(row.schedule);
    }
    // The LR finder's table has no lr nor options column: its rows only fold their options underneath.
    const optionsCell = this.withLr || init.inline?.length ? tableRow.insertCell() : undefined;
    const specValues = spec as unknown as Record<string, unknown>;
    for (const option of init.inline ?? []) {
      const { field, nodes } = optionField(id, label, option, specValues[option], true);
      row.fields.push(field);
      optionsCell!.append(...nodes.flatMap((node, k) => (k === 0 ? [node] : [" ", node])));
    }
    const folded = Object.entries(init.defaults ?? {}).filter(
      ([option, value]) => editable(option, value) && !init.inline?.includes(option),
    );
    if (folded.length > 0) {
      const grid = element("div", { class: "option-grid" });
      for (const [option, value] of folded) {
        const { field, nodes } = optionField(id, label, option, specValues[option] ?? value, false);
        field.defaultValue = value;
        row.fields.push(field);
        grid.append(...nodes);
      }
      // On a row of their own, the width of the table: the options column is too narrow for pairs like betas.
      const optionsRow = this.body.insertRow();
      optionsRow.className = "folded-options";
      const cell = optionsRow.insertCell();
      cell.colSpan = tableRow.cells.length;
      cell.append(element("details", {}, element("summary", {}, `options of ${label}`), grid));
      row.elements.push(optionsRow);
    }
    if (init.removable) {
      const remove = element(
        "button",
        { type: "button", class: "remove", "aria-label": `Remove ${label}`, title: `Remove ${label}` },
        "×",
      );
      remove.addEventListener("click", () => this.remove(row));
      nameCell.append(" ", remove);
    }
    this.rows.push(row);
    return row;
  }

  /** Adds a row for a registry optimizer with its options folded under "options"; the lr starts at its default. */
  async addFromRegistry(name: string, label = this.freeLabel(name)): Promise<OptimizerRow> {
    const defaults = (await optimizerDefaults(name as OptimizerName)) as Defaults;
    const lr = typeof defaults.lr === "number" ? defaults.lr : FALLBACK_LR;
    return this.add({ label, spec: { name, lr } as OptimizerSpec, defaults, removable: true });
  }

  remove(row: OptimizerRow): void {
    const index = this.rows.indexOf(row);
    const next = this.rows[index + 1] ?? this.rows[index - 1];
    this.rows.splice(index, 1);
    for (const tableRow of row.elements) tableRow.remove();
    // Keep the keyboard user in the table rather than back at the top of the page.
    next?.checkbox.focus();
  }

  clear(): void {
    this.rows.length = 0;
    this.nextId = 0;
    this.body.replaceChildren();
  }

  /** The ticked rows' specs, labelled, with the fields' values. */
  chosen(): OptimizerSpec[] {
    return this.chosenForCompare() as OptimizerSpec[];
  }

  /**
   * As `chosen`, where a row on "auto" gets `lr: "auto"` and its rule, and a row with its own schedule the spec
   * `scheduleOf` gives for its choice (`null` for "none"; nothing for "as above").
   */
  chosenForCompare(scheduleOf?: (choice: string) => ScheduleSpec | undefined): ComparedOptimizer[] {
    return this.rows
      .filter((row) => row.checkbox.checked)
      .map((row) => {
        const spec: Record<string, unknown> = { ...row.base, label: row.label };
        if (row.lr) spec.lr = row.lr.valueAsNumber;
        if (row.lrMode && row.lrMode.value !== "fixed") {
          spec.lr = "auto";
          spec.lrRule = row.lrMode.value;
        }
        for (const field of row.fields) {
          const value = field.read();
          if (field.inline || !sameValue(value, field.defaultValue)) spec[field.option] = value;
        }
        const choice = row.schedule?.value ?? "inherit";
        if (choice === "none") spec.schedule = null;
        else if (choice !== "inherit") spec.schedule = scheduleOf?.(choice);
        return spec as unknown as ComparedOptimizer;
      });
  }

  /** Ticks `row` and sets its lr (back to a fixed lr if it was on auto); its options stay. */
  setLr(row: OptimizerRow, lr: number): void {
    row.checkbox.checked = true;
    row.lr!.value = String(lr);
    row.lr!.disabled = false;
    if (row.lrMode) row.lrMode.value = "fixed";
  }

  /** Shows `spec`'s lr (or lr auto and its rule) and options in `row`, and ticks it. */
  show(row: OptimizerRow, spec: ComparedOptimizer): void {
    const values = spec as unknown as Record<string, unknown>;
    row.checkbox.checked = true;
    // optax's optimizers also take their lr as learning_rate; the form's lr field holds it.
    const lr = values.lr ?? values.learning_rate;
    if (row.lr && typeof lr === "number") row.lr.value = String(lr);
    if (row.lr && row.lrMode) {
      const auto = values.lr === "auto";
      row.lrMode.value = auto ? ((values.lrRule as LrRule | undefined) ?? "valley") : "fixed";
      row.lr.disabled = auto;
    }
    for (const field of row.fields) field.write(values[field.option] ?? field.defaultValue);
  }

  /** The row labelled `label`, else the first running optimizer `name`. */
  find(label: string, name: string): OptimizerRow | undefined {
    return this.rows.find((row) => row.label === label) ?? this.rows.find((row) => row.base.name === name);
  }

  private freeLabel(name: string): string {
    const taken = new Set(this.rows.map((row) => row.label));
    let label = name;
    for (let n = 2; taken.has(label); n++) label = `${name} ${n}`;
    return label;
  }
}

/** The registry grouped as a UI lists it: torch.optim's optimizers, the notebook's own, then optax's. */
function groupOf(info: OptimizerInfo): string {
  if (info.name.startsWith("notebook_")) return "the notebook's hand-written versions";
  return info.options.some((option) => option.name === "learning_rate") ? "optax" : "torch.optim";
}

/** Wires a "More from the registry" select and its Add button to `rows`; resolves once the select is filled. */
export async function registryPicker(
  rows: OptimizerRows,
  select: HTMLSelectElement,
  button: HTMLButtonElement,
  onError: (message: string) => void,
): Promise<void> {
  const infos = await optimizers();
  const groups = new Map<string, HTMLOptGroupElement>();
  for (const info of infos) {
    const group = groupOf(info);
    if (!groups.has(group)) groups.set(group, element("optgroup", { label: group }));
    groups.get(group)!.append(element("option", { value: info.name }, info.name));
  }
  select.replaceChildren(...groups.values());
  button.addEventListener("click", async () => {
    try {
      const row = await rows.addFromRegistry(select.value);
      (row.lr ?? row.checkbox).focus();
    } catch (error) {
      onError(`Could not add ${select.value}: ${(error as Error).message}`);
    }
  });
}
