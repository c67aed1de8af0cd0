// The view switcher, as WAI-ARIA's tabs pattern with automatic activation: one tab stop (the selected tab),
// Left/Right arrows move between tabs and wrap, Home/End jump to the ends; the selected tab has aria-selected="true"
// and only its panel is shown.

export interface Tabs {
  /** Shows the view whose panel has id `panelId`; `focus` moves the keyboard focus to its tab. */
  select(panelId: string, focus?: boolean): void;
}

export function setupTabs(tablist: HTMLElement, onShow: (panelId: string) => void): Tabs {
  const tabs = [...tablist.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const panelOf = (tab: HTMLButtonElement) => tab.getAttribute("aria-controls")!;

  function activate(chosen: HTMLButtonElement, focus: boolean): void {
    for (const tab of tabs) {
      const selected = tab === chosen;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
      document.getElementById(panelOf(tab))!.hidden = !selected;
    }
    if (focus) chosen.focus();
    onShow(panelOf(chosen));
  }

  for (const tab of tabs) tab.addEventListener("click", () => activate(tab, false));
  tablist.addEventListener("keydown", (event) => {
    const current = tabs.indexOf(event.target as HTMLButtonElement);
    if (current < 0) return;
    const next = {
      ArrowRight: (current + 1) % tabs.length,
      ArrowLeft: (current - 1 + tabs.length) % tabs.length,
      Home: 0,
      End: tabs.length - 1,
    }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    activate(tabs[next]!, true);
  });

  return {
    select(panelId, focus = false) {
      const tab = tabs.find((candidate) => panelOf(candidate) === panelId);
      if (tab) activate(tab, focus);
    },
  };
}
