/* When a page comes back with field errors, list them at the top of the page, each linked to its
 * field, and move focus there, so keyboard and screen-reader users learn at once what to fix
 * instead of starting again from the top of the page. An error about the whole form gets the focus. */
import { labels } from "./labels.js";

function summarise(main) {
  const groups = Array.from(document.querySelectorAll("main form .usa-form-group--error"));
  if (!groups.length) {
    // An error about the whole form or action (an overlap, a wrong password, a refusal): go to it.
    const alert = main.querySelector(".usa-alert--error");
    if (alert) {
      alert.tabIndex = -1;
      alert.focus();
    }
    return;
  }

  const box = document.createElement("div");
  box.className = "usa-alert usa-alert--error margin-bottom-3";
  box.setAttribute("role", "alert");
  box.tabIndex = -1;
  const body = document.createElement("div");
  body.className = "usa-alert__body";
  const heading = document.createElement("h2");
  heading.className = "usa-alert__heading";
  heading.textContent = labels("errors").heading;
  const list = document.createElement("ul");
  list.className = "usa-list";
  groups.forEach((group) => {
    const field = group.querySelector("input:not([type=hidden]), select, textarea");
    const label = group.querySelector("legend, .usa-label");
    const message = group.querySelector(".usa-error-message");
    if (!field || !message) return;
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.className = "usa-link";
    link.href = "#" + field.id;
    link.textContent = (label ? label.firstChild.textContent.trim() + ": " : "") + message.textContent.trim();
    link.addEventListener("click", (event) => {
      event.preventDefault();
      field.focus();
    });
    item.appendChild(link);
    list.appendChild(item);
  });
  if (!list.children.length) return;
  body.appendChild(heading);
  body.appendChild(list);
  box.appendChild(body);
  const title = main.querySelector("h1");
  if (title) title.parentNode.insertBefore(box, title.nextSibling);
  else main.insertBefore(box, main.firstChild);
  box.focus();
}

const main = document.querySelector("main");
if (main) summarise(main);
