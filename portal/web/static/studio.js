/* Live preview in the editor: the server renders with the publishing renderer and
   lints; results land in polite live regions, focus stays in the text. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("editor-form");
    if (!form) { return; }
    var body = form.querySelector("#body"), title = form.querySelector("#title");
    var preview = document.getElementById("preview");
    var url = form.getAttribute("data-preview-url"), lang = form.getAttribute("data-lang");
    var token = form.querySelector('input[name="csrf_token"]').value;
    var timer = null;
    function refresh() {
      var data = new FormData();
      data.append("csrf_token", token);
      data.append("body", body.value);
      data.append("title", title.value);
      data.append("lang", lang);
      fetch(url, {method: "POST", body: data, credentials: "same-origin", headers: {"X-CSRFToken": token}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (result) { if (result) { preview.innerHTML = result.html; } })
        .catch(function () {});
    }
    body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 500); });
  });
}());
/* Bulk machine translation: keep the progress bar current. The status line is a
   polite live region, only rewritten when a number changed. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var sections = document.querySelectorAll(".batch-progress[data-progress-url]");
    Array.prototype.forEach.call(sections, function (section) {
      var bar = section.querySelector("progress"), status = section.querySelector(".batch-status");
      var reload = section.querySelector(".batch-reload");
      var last = status.textContent;
      var number = new Intl.NumberFormat(document.documentElement.lang || undefined);
      function fill(template, data) {
        return template.replace("{finished}", number.format(data.done + data.failed))
          .replace("{total}", number.format(data.total)).replace("{failed}", number.format(data.failed));
      }
      function poll() {
        fetch(section.getAttribute("data-progress-url"), {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (data) {
            if (!data) { return; }
            bar.max = data.total || 1;
            bar.value = data.total ? data.done + data.failed : 1;
            var text = fill(status.getAttribute(data.complete ? "data-template-done" : "data-template-running"), data);
            if (text !== last) { status.textContent = text; last = text; }
            if (data.complete) { if (reload) { reload.hidden = true; } return; }
            setTimeout(poll, 2000);
          })
          .catch(function () { setTimeout(poll, 5000); });
      }
      if (reload && !reload.hidden) { setTimeout(poll, 1000); }
    });
  });
}());
/* Lint findings link to their place: the text field gets focus with that line selected
   (without JavaScript the link still moves focus to the text field). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a.finding-link[data-line]") : null;
    var body = document.getElementById("body");
    if (!link || !body) { return; }
    event.preventDefault();
    var lines = body.value.split("\n"), wanted = Math.max(1, parseInt(link.getAttribute("data-line"), 10) || 1);
    var start = 0;
    for (var i = 0; i < wanted - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var end = start + (lines[wanted - 1] || "").length;
    body.focus();
    body.setSelectionRange(start, end);
    var lineHeight = parseFloat(getComputedStyle(body).lineHeight) || 20;
    body.scrollTop = Math.max(0, (wanted - 3) * lineHeight);
  });
}());
