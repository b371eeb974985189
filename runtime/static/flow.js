/* Approvals: a decision button stays disabled from the click until the page answers, also
   without htmx (a plain form post), so a double click acts once. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("#task-form, .flow-panel form")) return;
    if (form.hasAttribute("hx-post") && window.htmx) return; // htmx disables the buttons itself (hx-disabled-elt)
    if (form.getAttribute("data-posting")) { event.preventDefault(); return; }
    form.setAttribute("data-posting", "1");
  });
})();
