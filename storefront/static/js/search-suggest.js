// Search box suggestions (products, categories, cooperatives) from /search/suggest.
// Progressive enhancement: without this file the search form works as before. The
// box becomes an ARIA combobox: arrows move through the list, Enter follows the
// highlighted suggestion (or submits the form), Escape closes the list.
(function () {
  "use strict";
  var form = document.querySelector("form.search[data-suggest]");
  var input = form && form.querySelector("input[name=q]");
  if (!input || !window.fetch) return;

  var list = document.createElement("ul");
  list.id = "q-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var timer = null;
  var active = -1;
  var asked = "";

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var items = list.querySelectorAll("[role=option]");
    if (!items.length) return;
    active = (index + items.length) % items.length;
    for (var i = 0; i < items.length; i++) {
      items[i].setAttribute("aria-selected", i === active ? "true" : "false");
    }
    input.setAttribute("aria-activedescendant", items[active].id);
  }

  function show(suggestions) {
    close();
    if (!suggestions.length) return;
    suggestions.forEach(function (s, i) {
      var item = document.createElement("li");
      item.id = "q-suggestion-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      var link = document.createElement("a");
      link.href = s.url;
      link.tabIndex = -1;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = s.label;
      link.appendChild(document.createTextNode(s.text + " "));
      link.appendChild(kind);
      item.appendChild(link);
      list.appendChild(item);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function ask() {
    var text = input.value.trim();
    if (text.length < 2) { close(); return; }
    asked = text;
    fetch(form.getAttribute("data-suggest") + "?q=" + encodeURIComponent(text), {
      headers: { Accept: "application/json" }
    })
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) { if (data.query === asked) show(data.suggestions); })
      .catch(close);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (list.hidden) return;
    if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    else if (e.key === "Escape") { close(); }
    else if (e.key === "Enter" && active >= 0) {
      e.preventDefault();
      window.location.assign(list.querySelectorAll("[role=option] a")[active].href);
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 200); });
})();
