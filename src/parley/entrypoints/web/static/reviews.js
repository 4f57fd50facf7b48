// The review queue: opening "Reject" (key r) moves to its reason; decisions that the
// rules refuse (409, 403) are shown in the queue rather than dropped.
"use strict";

document.addEventListener("toggle", (event) => {
  const details = event.target;
  if (details instanceof HTMLDetailsElement && details.classList.contains("reject") && details.open) {
    details.querySelector("select")?.focus();
  }
}, true);

document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (event.detail.requestConfig?.elt?.closest?.(".decide") && [403, 409, 422].includes(status)) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
