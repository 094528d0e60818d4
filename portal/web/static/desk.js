/* Announce new customer messages on an open ticket without moving focus. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("desk-live");
    if (!live) { return; }
    var url = live.getAttribute("data-poll-url");
    var last = parseInt(live.getAttribute("data-last-id"), 10) || 0;
    setInterval(function () {
      fetch(url + "?after=" + last, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {messages: []}; })
        .then(function (data) {
          if (data.messages && data.messages.length) {
            last = data.messages[data.messages.length - 1].id;
            live.textContent = live.getAttribute("data-announce");
          }
        })
        .catch(function () {});
    }, 15000);
  });
}());
