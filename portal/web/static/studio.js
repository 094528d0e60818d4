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
