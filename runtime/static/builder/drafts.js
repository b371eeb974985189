/* What the form designer and the flow designer share: building elements, translating, labels, and the draft
   autosave. The autosave: the whole draft PUT
   (debounced) with the revision last seen; 409 DraftConflict/DraftGone freezes the page under the conflict
   banner, a network failure retries. Also leaving the page: the publish link saves first, closing the tab asks
   while a change is unsaved, discarding the draft stops autosave. Load it before the designer's own script. */
(function () {
  "use strict";

  // The page's CSRF token (base.html puts it in hx-headers): the designers' other requests send it too.
  function csrf() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (e) { return ""; }
  }

  /* opts: url (the draft's PUT address), revision (as the page was loaded), t (the page's text lookup),
     body() → the draft to send, sent() → what the answer's problems point into, as it was when sent,
     problems(list, sent) → show the problems of a saved draft. Returns {changed}: call it after every edit. */
  function autosave(opts) {
    var t = opts.t;
    var revision = opts.revision;
    var saveTimer = null, saving = null, dirty = false, frozen = false;

    function setStatus(text, kind) {
      var status = document.getElementById("save-status");
      status.textContent = text;
      status.className = "save-status" + (kind ? " " + kind : "");
    }

    function changed() {
      if (frozen) return;
      dirty = true;
      setStatus(t("有未保存的修改…"), "pending");
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 800);
    }

    function save() {
      clearTimeout(saveTimer);
      if (frozen) return Promise.resolve(false);
      if (saving) return saving.then(function () { return dirty ? save() : true; });
      if (!dirty) return Promise.resolve(true);
      dirty = false;
      setStatus(t("正在保存…"), "saving");
      var sent = opts.sent();
      var body = JSON.stringify({ revision: revision, body: opts.body() });
      saving = fetch(opts.url, {
        method: "PUT", credentials: "same-origin", body: body,
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), "Accept": "application/json" }
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (out) { return { status: r.status, out: out }; });
      }).then(function (res) {
        saving = null;
        if (res.status === 200) {
          revision = res.out.revision;
          setStatus(t("已自动保存 {time}", { time: res.out.saved_at }), "saved");
          opts.problems(res.out.problems || [], sent);
          document.body.dispatchEvent(new CustomEvent("draft-saved"));
          return dirty ? save() : true;
        }
        if (res.status === 409 && res.out.type && /DraftConflict|DraftGone/.test(res.out.type)) {
          frozen = true;
          setStatus(t("未保存"), "error");
          document.getElementById("conflict-text").textContent = res.out.detail;
          document.getElementById("conflict-alert").hidden = false;
          document.getElementById("conflict-alert").scrollIntoView({ block: "center" });
          return false;
        }
        dirty = true;
        setStatus(t("保存失败：{reason}", { reason: res.out.detail || res.status }), "error");
        return false;
      }, function () {
        saving = null;
        dirty = true;
        setStatus(t("网络连接失败，修改还没有保存，稍后会重试"), "error");
        saveTimer = setTimeout(save, 5000);
        return false;
      });
      return saving;
    }

    document.getElementById("publish-link").addEventListener("click", function (e) {
      e.preventDefault();
      var href = e.currentTarget.getAttribute("href");
      setStatus(t("正在保存…"), "saving");
      save().then(function (ok) { if (ok !== false) window.location.href = href; });
    });
    window.addEventListener("beforeunload", function (e) {
      if ((dirty || saving) && !frozen) { save(); e.preventDefault(); e.returnValue = ""; }
    });
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) { if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault(); else frozen = true; });
    });

    return { changed: changed };
  }

  // An element with attributes (text, class, on<event>, value, checked, others as attributes) and children.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === "text") node.textContent = v;
      else if (k === "class") node.className = v;
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
      else if (k === "value") node.value = v;
      else if (k === "checked") node.checked = !!v;
      else node.setAttribute(k, v === true ? "" : v);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  // t(zh, {params}) over the page's English table (sent by the server; empty in Chinese).
  function translator(text) {
    return function (zh, params) {
      var s = text[zh] || zh;
      if (params) Object.keys(params).forEach(function (k) { s = s.split("{" + k + "}").join(params[k]); });
      return s;
    };
  }

  // A {"zh-CN", "en"} label (or a plain string) in the page's language.
  function labelText(label, lang) {
    if (!label) return "";
    if (typeof label === "string") return label;
    return (lang === "en" && label.en) ? label.en : (label["zh-CN"] || label.en || "");
  }

  // The selected item's problems beside the properties they name (`keyOf(problem)` → data-prop), the rest in `box`.
  function showPanelProblems(panel, box, problems, keyOf) {
    panel.querySelectorAll(".prop-error").forEach(function (n) { n.textContent = ""; });
    panel.querySelectorAll(".prop.has-error").forEach(function (n) { n.classList.remove("has-error"); });
    if (!box) return;
    var loose = [];
    problems.forEach(function (p) {
      var key = keyOf(p);
      var holder = key ? panel.querySelector('[data-prop="' + key + '"]') : null;
      if (holder && holder.querySelector(".prop-error")) {
        holder.classList.add("has-error");
        holder.querySelector(".prop-error").appendChild(el("div", { text: p.message }));
      } else {
        loose.push(p);
      }
    });
    box.innerHTML = "";
    loose.forEach(function (p) { box.appendChild(el("div", { text: p.message })); });
    box.hidden = !loose.length;
  }

  window.FormworkDrafts = { autosave: autosave, csrf: csrf, el: el, translator: translator, labelText: labelText,
                            showPanelProblems: showPanelProblems };
})();
