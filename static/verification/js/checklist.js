/* The agent's identity checklist: each form posts one step and the panel shows the state the
 * server sends back. Words only: nothing here touches the video. */
import { labels } from "../../core/js/labels.js";

const REFRESH_MS = 15000;

function checklist(root) {
  const strings = labels("checklist");
  // Set while the status line says the panel could not be brought up to date.
  let stale = false;

  function status(text, kind) {
    stale = false;
    const box = root.querySelector("[data-checklist-status-box]");
    root.querySelector("[data-checklist-status]").textContent = text;
    box.className = "usa-alert usa-alert--slim usa-alert--" + (kind || "info");
    box.hidden = !text;
  }

  function failed(error) {
    console.error(error);
    status(strings.failed, "error");
  }

  function clearErrors(form) {
    form.querySelectorAll(".usa-error-message[data-js-error]").forEach((node) => node.remove());
    form.querySelectorAll(".usa-input--error").forEach((node) => {
      node.classList.remove("usa-input--error");
      node.removeAttribute("aria-invalid");
    });
  }

  function showErrors(form, fields) {
    Object.keys(fields).forEach((name) => {
      const input = form.querySelector(`[name="${name}"]`);
      if (!input) return;
      const message = document.createElement("span");
      message.className = "usa-error-message";
      message.dataset.jsError = "";
      message.id = "error-" + name;
      message.textContent = fields[name].join(" ");
      const anchor = input.closest(".usa-checkbox, .usa-radio, fieldset") || input;
      anchor.parentNode.insertBefore(message, anchor);
      input.classList.add("usa-input--error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", message.id);
    });
  }

  function listItem(text) {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }

  function render(state) {
    const list = root.querySelector("[data-evidence-list]");
    list.replaceChildren();
    state.evidence.forEach((doc) => {
      const item = listItem(
        doc.document +
          " (" +
          doc.issuer +
          "), " +
          doc.strength.toLowerCase() +
          (doc.checks.length ? ": " + doc.checks.join(", ") : ""),
      );
      if (state.editable) {
        const form = root.querySelector("[data-remove-template]").content.firstElementChild.cloneNode(true);
        form.querySelector("[name=evidence]").value = doc.id;
        form.addEventListener("submit", onSubmit);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(form);
      }
      list.appendChild(item);
    });
    const last = state.challenges[state.challenges.length - 1];
    const pending = last && last.result === "pending";
    if (last) root.querySelector("[data-challenge-text]").textContent = last.text + " (" + last.result_label + ")";
    root.querySelector("[data-challenge-id]").value = pending ? last.id : "";
    root.querySelectorAll("[data-challenge-button]").forEach((button) => {
      button.disabled = !pending || !state.editable;
    });
    if (state.code) root.querySelector("[data-code-status]").textContent = state.code.status;
    const missing = root.querySelector("[data-missing]");
    missing.replaceChildren();
    state.missing.verified.forEach((text) => missing.appendChild(listItem(text)));
    root.querySelector("[data-missing-box]").hidden = !state.missing.verified.length || !!state.outcome;
    if (state.outcome) {
      let text = state.outcome.text;
      if (state.outcome.level) text += " · " + state.outcome.level;
      if (state.outcome.reasons.length) text += " · " + state.outcome.reasons.join("; ");
      if (state.outcome.follow_up) text += " · " + state.outcome.follow_up;
      root.querySelector("[data-outcome-text]").textContent = text;
      root.querySelector("[data-outcome-box]").hidden = false;
    }
    const controls = ["button", "input", "select", "textarea"].map((tag) => "[data-checklist-form] " + tag);
    root.querySelectorAll(controls.join(", ")).forEach((control) => {
      if (control.type === "hidden" || control.hasAttribute("data-challenge-button")) return;
      control.disabled = !state.editable;
    });
  }

  async function send(url, body) {
    const response = await fetch(url, {
      method: body ? "POST" : "GET",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    return { ok: response.ok, data: await response.json() };
  }

  async function refresh() {
    let result;
    try {
      result = await send(root.dataset.url);
    } catch {
      // Offline, or an answer that is not the checklist (a login page after the session expired).
      status(strings.stale, "error");
      stale = true;
      return;
    }
    try {
      if (stale) status("");
      if (result.ok) render(result.data.state);
    } catch (error) {
      failed(error);
    }
  }

  async function submit(event) {
    event.preventDefault();
    const form = event.target;
    const body = new FormData(form, event.submitter);
    clearErrors(form);
    let result;
    try {
      result = await send(form.action, body);
    } catch {
      status(strings.offline, "error");
      return;
    }
    if (result.ok) {
      status(result.data.message, "success");
      if (!form.hasAttribute("data-keep")) form.reset();
      render(result.data.state);
    } else {
      status(result.data.error.message, "error");
      showErrors(form, result.data.error.fields || {});
      await refresh();
    }
  }

  function onSubmit(event) {
    submit(event).catch(failed);
  }

  root.querySelectorAll("[data-checklist-form]").forEach((form) => form.addEventListener("submit", onSubmit));
  refresh();
  setInterval(refresh, REFRESH_MS);
  // The call page says when the interview's state changes (admitted, ended): the checklist opens or closes then.
  document.addEventListener("interview:state", refresh);
}

const root = document.querySelector("[data-checklist]");
if (root) checklist(root);
