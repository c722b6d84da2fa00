/* The agent's identity checklist: each form posts one step and the panel shows the state the
 * server sends back. Words only: nothing here touches the video. */
(function () {
  "use strict";

  var root = document.querySelector("[data-checklist]");
  if (!root) return;

  function status(text, kind) {
    var box = root.querySelector("[data-checklist-status-box]");
    root.querySelector("[data-checklist-status]").textContent = text;
    box.className = "usa-alert usa-alert--slim usa-alert--" + (kind || "info");
    box.hidden = !text;
  }

  function clearErrors(form) {
    form.querySelectorAll(".usa-error-message[data-js-error]").forEach(function (node) { node.remove(); });
    form.querySelectorAll(".usa-input--error").forEach(function (node) {
      node.classList.remove("usa-input--error");
      node.removeAttribute("aria-invalid");
    });
  }

  function showErrors(form, fields) {
    Object.keys(fields).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (!input) return;
      var message = document.createElement("span");
      message.className = "usa-error-message";
      message.dataset.jsError = "";
      message.id = "error-" + name;
      message.textContent = fields[name].join(" ");
      var anchor = input.closest(".usa-checkbox, .usa-radio, fieldset") || input;
      anchor.parentNode.insertBefore(message, anchor);
      input.classList.add("usa-input--error");
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", message.id);
    });
  }

  function listItem(text) {
    var item = document.createElement("li");
    item.textContent = text;
    return item;
  }

  function render(state) {
    var list = root.querySelector("[data-evidence-list]");
    list.replaceChildren();
    state.evidence.forEach(function (doc) {
      var item = listItem(doc.document + " (" + doc.issuer + "), " + doc.strength.toLowerCase() +
        (doc.checks.length ? ": " + doc.checks.join(", ") : ""));
      if (state.editable) {
        var form = root.querySelector("[data-remove-template]").content.firstElementChild.cloneNode(true);
        form.querySelector("[name=evidence]").value = doc.id;
        form.addEventListener("submit", submit);
        item.appendChild(document.createTextNode(" "));
        item.appendChild(form);
      }
      list.appendChild(item);
    });
    var last = state.challenges[state.challenges.length - 1];
    var pending = last && last.result === "pending";
    if (last) root.querySelector("[data-challenge-text]").textContent = last.text + " (" + last.result_label + ")";
    root.querySelector("[data-challenge-id]").value = pending ? last.id : "";
    root.querySelectorAll("[data-challenge-button]").forEach(function (b) { b.disabled = !pending || !state.editable; });
    if (state.code) root.querySelector("[data-code-status]").textContent = state.code.status;
    var missing = root.querySelector("[data-missing]");
    missing.replaceChildren();
    state.missing.verified.forEach(function (text) { missing.appendChild(listItem(text)); });
    root.querySelector("[data-missing-box]").hidden = !state.missing.verified.length || !!state.outcome;
    if (state.outcome) {
      var text = state.outcome.text;
      if (state.outcome.level) text += " · " + state.outcome.level;
      if (state.outcome.reasons.length) text += " · " + state.outcome.reasons.join("; ");
      if (state.outcome.follow_up) text += " · " + state.outcome.follow_up;
      root.querySelector("[data-outcome-text]").textContent = text;
      root.querySelector("[data-outcome-box]").hidden = false;
    }
    root.querySelectorAll("[data-checklist-form] button, [data-checklist-form] input, [data-checklist-form] select, [data-checklist-form] textarea")
      .forEach(function (control) {
        if (control.type === "hidden" || control.hasAttribute("data-challenge-button")) return;
        control.disabled = !state.editable;
      });
  }

  async function send(url, body) {
    var response = await fetch(url, {
      method: body ? "POST" : "GET",
      body: body,
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    });
    return { ok: response.ok, data: await response.json() };
  }

  async function submit(event) {
    event.preventDefault();
    var form = event.target;
    var body = new FormData(form, event.submitter);
    clearErrors(form);
    var result;
    try {
      result = await send(form.action, body);
    } catch (error) {
      status(root.dataset.offline, "error");
      return;
    }
    if (result.ok) {
      status(result.data.message, "success");
      if (!form.hasAttribute("data-keep")) form.reset();
      render(result.data.state);
    } else {
      status(result.data.error.message, "error");
      showErrors(form, result.data.error.fields || {});
      var refreshed = await send(root.dataset.url);
      if (refreshed.ok) render(refreshed.data.state);
    }
  }

  function refresh() {
    send(root.dataset.url).then(function (result) { if (result.ok) render(result.data.state); });
  }

  root.querySelectorAll("[data-checklist-form]").forEach(function (form) { form.addEventListener("submit", submit); });
  refresh();
  setInterval(refresh, 15000);
  // The call page says when the interview's state changes (admitted, ended): the checklist opens or closes then.
  document.addEventListener("interview:state", refresh);
})();
