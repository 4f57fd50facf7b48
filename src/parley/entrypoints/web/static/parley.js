// parley's pages work without this file; it adds keyboard shortcuts and small comforts.
// No build step: this is the file the browser runs.
"use strict";

// A key press clicks the visible element whose data-key is that key, unless the person
// is typing in a field. Pages list their keys next to the buttons (<kbd>).
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]")) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const button = document.querySelector(`[data-key="${CSS.escape(key)}"]:not([disabled])`);
  if (button instanceof HTMLElement && button.offsetParent !== null) {
    event.preventDefault();
    button.click();
  }
});

// After HTMX swaps in new content, move focus to what it marks (data-focus), so that a
// keyboard or screen-reader user is where the new content is.
document.addEventListener("htmx:afterSettle", (event) => {
  const focus = event.target.querySelector?.("[data-focus]");
  if (focus instanceof HTMLElement) focus.focus();
});
