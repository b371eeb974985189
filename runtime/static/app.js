/* Formwork pages: the few things htmx can't do — picking a record, removing a row or a file,
   clickable table rows and showing errors of background requests. No form logic lives here. */
(function () {
  "use strict";

  function closePickers(except) {
    document.querySelectorAll(".picker-menu").forEach(function (menu) {
      if (except && except.contains(menu)) return;
      menu.innerHTML = "";
      var input = menu.parentElement.querySelector("[data-pick-text]");
      if (input) input.setAttribute("aria-expanded", "false");
    });
  }

  function choose(picker, id, label) {
    var hidden = picker.querySelector("[data-pick-value]");
    var text = picker.querySelector("[data-pick-text]");
    var changed = hidden.value !== id;
    hidden.value = id;
    hidden.setAttribute("data-label", label);
    text.value = label;
    closePickers();
    if (changed) hidden.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function showToast(text) {
    var toast = document.getElementById("toast");
    if (!toast || !text) return;
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(function () { toast.hidden = true; }, 6000);
  }

  document.addEventListener("mousedown", function (event) {
    if (event.target.closest(".picker-option")) event.preventDefault(); // keep focus in the text box
  });

  document.addEventListener("click", function (event) {
    var t = event.target;
    var option = t.closest(".picker-option");
    if (option) {
      choose(option.closest("[data-picker]"), option.getAttribute("data-pick-id"), option.getAttribute("data-pick-label"));
      return;
    }
    if (!t.closest("[data-picker]")) closePickers();
    var removeRow = t.closest("[data-remove-row]");
    if (removeRow) { removeRow.closest("tr").remove(); return; }
    var removeChip = t.closest("[data-remove-chip]");
    if (removeChip) { removeChip.closest(".file-chip").remove(); return; }
    var dismiss = t.closest("[data-dismiss]");
    if (dismiss) { dismiss.parentElement.remove(); return; }
    var row = t.closest("tr[data-href]");
    if (row && !t.closest("a, button, input, select, label, textarea") && !String(window.getSelection())) {
      window.location.href = row.getAttribute("data-href");
    }
  });

  document.addEventListener("input", function (event) {
    var text = event.target.closest("[data-pick-text]");
    if (text && text.value.trim() === "") {
      var hidden = text.parentElement.querySelector("[data-pick-value]");
      if (hidden.value !== "") {
        hidden.value = "";
        hidden.setAttribute("data-label", "");
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
  });

  document.addEventListener("focusout", function (event) {
    var text = event.target.closest && event.target.closest("[data-pick-text]");
    if (!text) return;
    setTimeout(function () {
      var picker = text.closest("[data-picker]");
      if (!picker || picker.contains(document.activeElement)) return;
      var hidden = picker.querySelector("[data-pick-value]");
      // Text typed without choosing a record goes back to what is chosen.
      if (hidden.value && hidden.hasAttribute("data-label")) text.value = hidden.getAttribute("data-label");
      else if (hidden.value === "") text.value = "";
      closePickers();
    }, 150);
  });

  document.addEventListener("keydown", function (event) {
    var text = event.target.closest && event.target.closest("[data-pick-text]");
    if (!text) return;
    var picker = text.closest("[data-picker]");
    var options = Array.prototype.slice.call(picker.querySelectorAll(".picker-option"));
    var current = options.indexOf(document.activeElement);
    if (event.key === "Escape") { closePickers(); return; }
    if (event.key === "Enter") {
      event.preventDefault();
      if (options.length) choose(picker, options[0].getAttribute("data-pick-id"), options[0].getAttribute("data-pick-label"));
    }
    if (event.key === "ArrowDown" && options.length) { event.preventDefault(); options[Math.min(current + 1, options.length - 1)].focus(); }
  });

  document.addEventListener("keydown", function (event) {
    var option = event.target.closest && event.target.closest(".picker-option");
    if (!option) return;
    var picker = option.closest("[data-picker]");
    var options = Array.prototype.slice.call(picker.querySelectorAll(".picker-option"));
    var i = options.indexOf(option);
    if (event.key === "ArrowDown") { event.preventDefault(); if (options[i + 1]) options[i + 1].focus(); }
    if (event.key === "ArrowUp") { event.preventDefault(); (options[i - 1] || picker.querySelector("[data-pick-text]")).focus(); }
    if (event.key === "Escape") { picker.querySelector("[data-pick-text]").focus(); closePickers(); }
  });

  function rememberLabels() {
    document.querySelectorAll("[data-pick-value]").forEach(function (hidden) {
      var text = hidden.parentElement.querySelector("[data-pick-text]");
      if (hidden.value && text && !hidden.hasAttribute("data-label")) hidden.setAttribute("data-label", text.value);
    });
  }

  document.addEventListener("DOMContentLoaded", rememberLabels);
  document.addEventListener("htmx:afterSettle", rememberLabels);

  document.addEventListener("keydown", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-menu-toggle]");
    if (toggle && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); toggle.click(); }
  });

  document.addEventListener("change", function (event) {
    if (event.target.id === "nav-toggle") {
      var toggle = document.querySelector("[data-menu-toggle]");
      if (toggle) toggle.setAttribute("aria-expanded", event.target.checked ? "true" : "false");
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var summary = document.getElementById("form-summary");
    if (summary && event.detail.target && event.detail.target.id === "record-form") {
      summary.scrollIntoView({ block: "center" });
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target && target.classList && target.classList.contains("picker-menu")) {
      var input = target.parentElement.querySelector("[data-pick-text]");
      if (input) input.setAttribute("aria-expanded", target.children.length ? "true" : "false");
    }
  });

  // A picker whose text is the chosen record's name has nothing to search for; a late answer to
  // a search typed before the choice must not reopen the list either.
  function settled(text) {
    var hidden = text.parentElement.querySelector("[data-pick-value]");
    return Boolean(hidden && hidden.value && hidden.getAttribute("data-label") === text.value);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.matches && elt.matches("[data-pick-text]") && settled(elt)) event.preventDefault();
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("picker-menu")) return;
    var text = target.parentElement.querySelector("[data-pick-text]");
    if (text && (settled(text) || document.activeElement !== text)) event.detail.shouldSwap = false;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.type === "file") elt.value = "";
  });

  document.addEventListener("htmx:responseError", function (event) {
    var tpl = document.createElement("template");
    tpl.innerHTML = event.detail.xhr.responseText || "";
    var text = (tpl.content.textContent || "").replace(/\s+/g, " ").trim();
    showToast(text || event.detail.xhr.statusText);
  });

  document.addEventListener("htmx:sendError", function () {
    showToast(document.documentElement.lang === "en" ? "Network error, please try again" : "网络连接失败，请稍后重试");
  });
})();
