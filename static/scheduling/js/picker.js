/* The time picker, one day at a time: without this script every open day is listed at once (it
 * still works); with it, a row of day buttons shows one day's times, so the arrow keys move only
 * through that day's times and "Book" stays close to them on a phone. */
(function () {
  "use strict";
  var picker = document.querySelector(".lv-picker");
  if (!picker) return;
  var days = Array.prototype.slice.call(picker.querySelectorAll(".lv-day"));
  if (days.length < 2) return;

  var group = document.createElement("div");
  group.className = "lv-day-buttons margin-bottom-2";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", picker.dataset.daysLabel);
  var list = document.createElement("ul");
  list.className = "usa-button-group";
  group.appendChild(list);

  function choose(index) {
    days.forEach(function (day, other) {
      day.hidden = other !== index;
      buttons[other].setAttribute("aria-pressed", String(other === index));
      buttons[other].classList.toggle("usa-button--outline", other !== index);
    });
  }

  var buttons = days.map(function (day, index) {
    day.id = day.id || "lv-day-" + index;
    var item = document.createElement("li");
    item.className = "usa-button-group__item";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "usa-button usa-button--outline";
    button.setAttribute("aria-controls", day.id);
    button.textContent = day.querySelector("legend").textContent;
    button.addEventListener("click", function () { choose(index); });
    item.appendChild(button);
    list.appendChild(item);
    return button;
  });

  picker.insertBefore(group, days[0]);
  var checked = days.findIndex(function (day) { return day.querySelector("input:checked"); });
  choose(checked >= 0 ? checked : 0);
})();
