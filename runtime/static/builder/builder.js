/* Formwork designer pages other than the form designer: names suggested from labels (pinyin, on the
   server), the menu designer (groups and order by drag and drop), and busy states of long posts. */
(function () {
  "use strict";

  // An identifier input filled from a label until the user types in it themselves.
  document.querySelectorAll("[data-suggest-into]").forEach(function (label) {
    var target = document.getElementById(label.getAttribute("data-suggest-into"));
    if (!target) return;
    var follow = !target.value;
    var timer = null;
    target.addEventListener("input", function () { follow = !target.value; });
    label.addEventListener("input", function () {
      if (!follow) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        var params = new URLSearchParams({ label: label.value, fallback: label.getAttribute("data-suggest-fallback") || "field" });
        (label.getAttribute("data-suggest-taken") || "").split(",").filter(Boolean).forEach(function (n) { params.append("taken", n); });
        fetch("/builder/suggest-name?" + params.toString(), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (out) { if (out && follow) target.value = label.value.trim() ? out.name : ""; });
      }, 250);
    });
  });

  // The menu designer: groups (named, reorderable) holding forms (reorderable, movable between groups).
  var menu = document.querySelector("[data-menu-designer]");
  if (menu && window.Sortable) {
    var groups = menu.querySelector("[data-menu-groups]");
    var sortItems = function (list) {
      new Sortable(list, { group: "menu-forms", animation: 150, forceFallback: true, fallbackOnBody: true });
    };
    new Sortable(groups, { handle: ".menu-group-head .drag-handle", animation: 150, forceFallback: true });
    menu.querySelectorAll("[data-menu-items]").forEach(sortItems);
    menu.querySelector("[data-add-group]").addEventListener("click", function () {
      var tpl = menu.querySelector("[data-group-template]");
      var node = tpl.content.firstElementChild.cloneNode(true);
      groups.appendChild(node);
      sortItems(node.querySelector("[data-menu-items]"));
      node.querySelector(".group-zh").focus();
    });
    menu.addEventListener("click", function (e) {
      var remove = e.target.closest("[data-remove-group]");
      if (!remove) return;
      var group = remove.closest("[data-menu-group]");
      var all = Array.prototype.slice.call(groups.querySelectorAll("[data-menu-group]"));
      var other = all[all.indexOf(group) - 1] || all[all.indexOf(group) + 1];
      if (!other) return;
      var items = other.querySelector("[data-menu-items]");
      group.querySelectorAll(".menu-item").forEach(function (item) { items.appendChild(item); });
      group.remove();
    });
    menu.addEventListener("submit", function () {
      var out = Array.prototype.map.call(groups.querySelectorAll("[data-menu-group]"), function (g) {
        var zh = g.querySelector(".group-zh").value.trim(), en = g.querySelector(".group-en").value.trim();
        return { label: zh || en ? { "zh-CN": zh, en: en } : null,
                 forms: Array.prototype.map.call(g.querySelectorAll(".menu-item"), function (i) { return i.getAttribute("data-form"); }) };
      });
      menu.querySelector("[data-menu-json]").value = JSON.stringify(out);
    });
  }

  // A publish can take a while on big tables: say so, and don't let a second click post it again.
  document.querySelectorAll("form[data-busy]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.classList.contains("busy")) { e.preventDefault(); return; }
      form.classList.add("busy");
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
    });
  });

  // The app page's collapsible sections open when linked to (#properties, #create-app).
  document.querySelectorAll("[data-open]").forEach(function (link) {
    link.addEventListener("click", function () {
      var target = document.getElementById(link.getAttribute("data-open"));
      if (target) target.open = true;
    });
  });
})();
