/* When a page comes back with field errors, list them at the top of the page, each linked to its
 * field, and move focus there, so keyboard and screen-reader users learn at once what to fix
 * instead of starting again from the top of the page. An error about the whole form gets the focus. */
(function () {
  "use strict";
  var main = document.querySelector("main");
  if (!main) return;
  var groups = Array.prototype.slice.call(document.querySelectorAll("main form .usa-form-group--error"));
  if (!groups.length) {
    // An error about the whole form or action (an overlap, a wrong password, a refusal): go to it.
    var alert = main.querySelector(".usa-alert--error");
    if (alert) {
      alert.tabIndex = -1;
      alert.focus();
    }
    return;
  }

  var box = document.createElement("div");
  box.className = "usa-alert usa-alert--error margin-bottom-3";
  box.setAttribute("role", "alert");
  box.tabIndex = -1;
  var body = document.createElement("div");
  body.className = "usa-alert__body";
  var heading = document.createElement("h2");
  heading.className = "usa-alert__heading";
  heading.textContent = main.dataset.errorsHeading;
  var list = document.createElement("ul");
  list.className = "usa-list";
  groups.forEach(function (group) {
    var field = group.querySelector("input:not([type=hidden]), select, textarea");
    var label = group.querySelector("legend, .usa-label");
    var message = group.querySelector(".usa-error-message");
    if (!field || !message) return;
    var item = document.createElement("li");
    var link = document.createElement("a");
    link.className = "usa-link";
    link.href = "#" + field.id;
    link.textContent = (label ? label.firstChild.textContent.trim() + ": " : "") + message.textContent.trim();
    link.addEventListener("click", function (event) { event.preventDefault(); field.focus(); });
    item.appendChild(link);
    list.appendChild(item);
  });
  if (!list.children.length) return;
  body.appendChild(heading);
  body.appendChild(list);
  box.appendChild(body);
  var title = main.querySelector("h1");
  if (title) title.parentNode.insertBefore(box, title.nextSibling);
  else main.insertBefore(box, main.firstChild);
  box.focus();
})();
