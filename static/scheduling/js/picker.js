/* The time picker, one day at a time: without this script every open day is listed at once (it
 * still works); with it, a row of day buttons shows one day's times, so the arrow keys move only
 * through that day's times and "Book" stays close to them on a phone. */
import { labels } from "../../core/js/labels.js";

function pickOneDayAtATime(picker, days) {
  const group = document.createElement("div");
  group.className = "lv-day-buttons margin-bottom-2";
  group.setAttribute("role", "group");
  group.setAttribute("aria-label", labels("picker").days);
  const list = document.createElement("ul");
  list.className = "usa-button-group";
  group.appendChild(list);

  const buttons = days.map((day, index) => {
    day.id = day.id || "lv-day-" + index;
    const item = document.createElement("li");
    item.className = "usa-button-group__item";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "usa-button usa-button--outline";
    button.setAttribute("aria-controls", day.id);
    button.textContent = day.querySelector("legend").textContent;
    button.addEventListener("click", () => choose(index));
    item.appendChild(button);
    list.appendChild(item);
    return button;
  });

  function choose(index) {
    days.forEach((day, other) => {
      day.hidden = other !== index;
      buttons[other].setAttribute("aria-pressed", String(other === index));
      buttons[other].classList.toggle("usa-button--outline", other !== index);
    });
  }

  picker.insertBefore(group, days[0]);
  const checked = days.findIndex((day) => day.querySelector("input:checked"));
  choose(checked >= 0 ? checked : 0);
}

const picker = document.querySelector(".lv-picker");
const days = picker ? Array.from(picker.querySelectorAll(".lv-day")) : [];
if (days.length >= 2) pickOneDayAtATime(picker, days);
