// Service notice banners: each one is announced once, politely, in the live region under them
// (remembered in localStorage, per notice), and may be dismissed (remembered the same way).
// Without JavaScript the banners simply stay, and nothing is announced.
(function () {
  "use strict";
  var box = document.querySelector(".notice-banners");
  if (!box) { return; }
  var DISMISSED = "portal.notices.dismissed", ANNOUNCED = "portal.notices.announced";

  function read(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function write(key, list) {
    try { window.localStorage.setItem(key, JSON.stringify(list.slice(-200))); } catch (e) { /* private mode */ }
  }

  var dismissed = read(DISMISSED), announced = read(ANNOUNCED), lines = [];
  var template = box.getAttribute("data-announce") || "%(title)s";
  Array.prototype.forEach.call(box.querySelectorAll(".notice-banner"), function (section) {
    var id = section.getAttribute("data-notice-id");
    if (dismissed.indexOf(id) !== -1) { section.hidden = true; return; }
    var button = section.querySelector(".notice-dismiss");
    button.hidden = false;
    button.addEventListener("click", function () {
      var now = read(DISMISSED);
      if (now.indexOf(id) === -1) { now.push(id); write(DISMISSED, now); }
      section.hidden = true;
      // Focus was on the button that is gone: the page's content comes next.
      document.getElementById("main").focus();
    });
    if (announced.indexOf(id) === -1) {
      var title = section.querySelector("h2 [lang]").textContent;
      lines.push(template.replace("%(title)s", title).replace("%(severity)s", section.getAttribute("data-severity"))
        .replace("%(status)s", section.getAttribute("data-status")));
      announced.push(id);
    }
  });
  box.setAttribute("data-announcing", String(lines.length));
  if (!lines.length) { return; }
  write(ANNOUNCED, announced);
  // Filled in after the page settled: screen readers announce changes to a live region they already know.
  window.setTimeout(function () {
    document.getElementById("notice-announcer").textContent = lines.join(" ");
  }, 300);
}());
