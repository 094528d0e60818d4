/* Deflection on the contact form: while the customer types, suggest articles that
   might answer the question, in a polite live region (never moves focus). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-deflect-url]");
    if (!form) { return; }
    var box = form.querySelector("#message");
    var region = document.getElementById("deflection");
    var url = form.getAttribute("data-deflect-url");
    var lang = form.getAttribute("data-lang");
    var heading = form.getAttribute("data-deflect-heading") || "";
    var noticeHeading = form.getAttribute("data-notice-heading") || "";
    var noticeLabels = JSON.parse(form.getAttribute("data-notice-labels") || "{}");
    var timer = null, last = "";
    function renderNotices(notices) {
      // Known problems first: "We already know about this: follow the status".
      if (!notices.length) { return; }
      var box = document.createElement("div");
      box.className = "notice-banner";
      var title = document.createElement("p");
      title.className = "deflection-title";
      title.textContent = noticeHeading;
      box.appendChild(title);
      var list = document.createElement("ul");
      notices.slice(0, 3).forEach(function (notice) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = notice.url;
        link.textContent = notice.title;
        link.lang = notice.language;
        item.appendChild(link);
        var facts = document.createElement("span");
        facts.textContent = " (" + (noticeLabels[notice.severity] || notice.severity) + ", " +
          (noticeLabels[notice.status] || notice.status) + ")";
        item.appendChild(facts);
        list.appendChild(item);
      });
      box.appendChild(list);
      region.appendChild(box);
    }
    function render(results, notices) {
      region.textContent = "";
      renderNotices(notices || []);
      if (!results.length) { return; }
      var title = document.createElement("p");
      title.className = "deflection-title";
      title.textContent = heading;
      var list = document.createElement("ul");
      results.slice(0, 3).forEach(function (result) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = result.url;
        link.textContent = result.title;
        link.lang = result.language;
        item.appendChild(link);
        list.appendChild(item);
      });
      region.appendChild(title);
      region.appendChild(list);
    }
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var text = box.value.trim().slice(0, 300);
        if (text.length < 12 || text === last) { return; }
        last = text;
        fetch(url + "?lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(text), {headers: {"Accept": "application/json"}})
          .then(function (response) { return response.ok ? response.json() : {results: []}; })
          .then(function (data) { render(data.results || [], data.notices || []); })
          .catch(function () { /* suggestions are optional */ });
      }, 600);
    });
  });
}());
