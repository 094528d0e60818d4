/* Search suggestions as an ARIA 1.2 combobox (list autocomplete).
   Progressive enhancement: without this script the search form works as is.
   Keyboard: Down/Up move through suggestions, Enter picks one, Escape closes.
   Pointer: a suggestion is picked on click (release), never on press.
   The number of suggestions is announced through a polite live region; focus
   always stays in the input. */
(function () {
  "use strict";
  var counter = 0;

  function enhance(form) {
    var input = form.querySelector('input[type="search"]');
    var url = form.getAttribute("data-suggest-url");
    if (!input || !url) { return; }
    counter += 1;
    var listId = "suggestions-" + counter;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.getAttribute("data-suggest-label") || input.labels[0].textContent);
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.parentNode.appendChild(list);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var active = -1, timer = null, lastQuery = "", lang = document.documentElement.lang;
    var announce = form.getAttribute("data-count-template") || "";

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }
    function setActive(index) {
      var options = list.querySelectorAll('[role="option"]');
      if (!options.length) { return; }
      active = (index + options.length) % options.length;
      options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", options[active].id);
    }
    function choose(text) {
      input.value = text;
      close();
      form.submit();
    }
    function show(items) {
      list.innerHTML = "";
      items.forEach(function (text, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = text;
        // Pointer cancellation (WCAG 2.5.2): the down event only keeps focus in the input
        // (so the list does not close on blur); choosing happens on click, the up event, so
        // a press can be abandoned by moving the pointer off the option before releasing.
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(text); });
        list.appendChild(option);
      });
      var open = items.length > 0;
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      active = -1;
      status.textContent = open ? announce.replace("%(num)s", String(items.length)) : "";
    }
    function fetchSuggestions() {
      var query = input.value;
      if (query === lastQuery) { return; }
      lastQuery = query;
      if (query.trim().length < 2) { close(); return; }
      fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query), {headers: {"Accept": "application/json"}})
        .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
        .then(function (data) { if (input.value === query) { show(data.suggestions || []); } })
        .catch(function () { close(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        if (list.hidden) { lastQuery = ""; fetchSuggestions(); } else { setActive(active + 1); }
        event.preventDefault();
      } else if (event.key === "ArrowUp" && !list.hidden) {
        setActive(active - 1);
        event.preventDefault();
      } else if (event.key === "Enter" && !list.hidden && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll('[role="option"]')[active].textContent);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 100); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-suggest-url]").forEach(enhance);
  });
}());
