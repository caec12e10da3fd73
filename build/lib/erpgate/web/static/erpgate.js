// Forms whose work takes a while say so while it runs. A form with data-busy="…" shows those
// words in place of its submit button's label and announces them to screen readers, and the button
// is disabled so a second click sends nothing twice (an order placed once, one test run). Every
// page works without this file: it only adds the feedback.
"use strict";

document.addEventListener("submit", (event) => {
  const form = event.target;
  const words = form instanceof HTMLFormElement ? form.dataset.busy : undefined;
  if (!words || event.defaultPrevented) {
    return;
  }
  const button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
  let status = form.querySelector(".busy-status");
  if (!status) {
    status = document.createElement("p");
    status.className = "busy-status";
    status.setAttribute("role", "status");
    form.append(status);
  }
  status.textContent = words;
  form.setAttribute("aria-busy", "true");
  if (button) {
    // Disabled once the submission has begun: a disabled button's name and value would not be sent.
    setTimeout(() => {
      button.disabled = true;
      button.textContent = words;
    }, 0);
  }
});
