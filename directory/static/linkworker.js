// Link worker pages. Everything here is an extra: the pages work without scripts.

// Matching form: narrow the need checkboxes as you type, matching labels and the words each
// need stands for ("skint" finds money worries). Ticked needs always stay in view.
const filter = document.querySelector("[data-need-filter]");
if (filter) {
  const box = filter.querySelector("input");
  const status = filter.querySelector("[data-need-filter-status]");
  const groups = [...document.querySelectorAll("[data-need-group]")];
  filter.hidden = false;
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault(); // filtering, not sending the form
  });
  box.addEventListener("input", () => {
    const words = box.value.trim().toLowerCase();
    let shown = 0;
    for (const group of groups) {
      let inGroup = 0;
      for (const item of group.querySelectorAll(".nhsuk-checkboxes__item")) {
        const input = item.querySelector("input");
        const text = `${item.textContent} ${input.dataset.words || ""}`.toLowerCase();
        const match = !words || input.checked || text.includes(words);
        item.hidden = !match;
        if (match) inGroup += 1;
      }
      group.hidden = inGroup === 0;
      shown += inGroup;
    }
    status.textContent = words ? `${shown} need${shown === 1 ? "" : "s"} shown` : "";
  });
}

// Shortlist: a print button (the browser's own print works without it).
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
