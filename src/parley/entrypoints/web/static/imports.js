// The imports page: drop a file on the drop zone to import it, and watch the upload.
// Without this file (or JavaScript) the form still posts as a plain form.
"use strict";

(() => {
  const form = document.getElementById("import-form");
  if (!form) return;
  const zone = document.getElementById("import-drop");
  const input = document.getElementById("import-file");
  const box = document.getElementById("import-progress-box");
  const bar = document.getElementById("import-progress");

  // Dragging a file over the zone marks it; dropping it fills the field and sends it.
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("over");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const dropped = event.dataTransfer?.files;
    if (!dropped || dropped.length === 0) return;
    input.files = dropped;
    form.requestSubmit();
  });

  // HTMX reports the upload's progress; the bar shows it until the answer comes.
  form.addEventListener("htmx:beforeRequest", () => {
    bar.value = 0;
    box.hidden = false;
    form.setAttribute("aria-busy", "true");
  });
  form.addEventListener("htmx:xhr:progress", (event) => {
    const { loaded, total } = event.detail;
    if (total) bar.value = Math.round((loaded / total) * 100);
  });
  form.addEventListener("htmx:afterRequest", () => {
    box.hidden = true;
    form.removeAttribute("aria-busy");
  });

  // A refused file (422), a refusal (403, 404) and a file too large (413) are answers
  // to show, not failures to hide.
  // (HTMX fires this on the target, outside the form.)
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.requestConfig?.elt !== form) return;
    const status = event.detail.xhr.status;
    if (status === 413) {
      event.detail.shouldSwap = false;
      const result = document.getElementById("import-result");
      result.replaceChildren();
      const alert = document.createElement("div");
      alert.className = "alert";
      alert.setAttribute("role", "alert");
      alert.textContent = form.dataset.tooLarge || "413";
      result.append(alert);
    } else if ([403, 404, 422].includes(status)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // After an import, the file field is emptied for the next file.
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.requestConfig?.elt === form && !document.querySelector("#import-result .alert")) form.reset();
  });
})();
