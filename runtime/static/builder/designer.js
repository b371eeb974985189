/* Formwork form designer: the draft lives here as JSON; the server stores, checks, previews and publishes it.
   Palette → canvas by drag and drop (SortableJS), a property panel for the selected field, autosave through
   drafts.js (debounced, with the revision last seen: 409 = someone else saved first), expression checks as you type. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("designer-data").textContent);
  var TEXT = JSON.parse(document.getElementById("designer-text").textContent);
  var form = data.body;
  var problems = [];          // {path, message, in_form, field, child, prop}
  var problemsByField = new Map();  // field object → [problem]
  var selected = null;        // the field object being edited
  var selectedParent = null;  // its subform field, or null
  var autoName = new WeakSet(); // new fields whose name still follows the label
  var sortables = [];
  var LANG = data.lang;
  var TYPES = {};
  data.palette.forEach(function (p) { TYPES[p.type] = p; });
  var TEXT_TYPES = ["text", "textarea", "phone", "email", "url", "id_card"];
  var NUMBER_TYPES = ["integer", "decimal", "percent"];
  var NO_DEFAULT = ["subform", "attachment", "auto_number", "formula"];
  var NAME_RE = /^[a-z][a-z0-9_]{0,39}$/;

  var t = FormworkDrafts.translator(TEXT);
  var csrf = FormworkDrafts.csrf;  // the token every designer request carries
  var el = FormworkDrafts.el;
  function labelText(label) { return FormworkDrafts.labelText(label, LANG); }
  function uid() { return "x" + Math.random().toString(36).slice(2, 9); }

  // ---------------------------------------------------------------- the model
  function sections() { return form.layout.sections; }

  function normalize() {
    form.fields = form.fields || [];
    var names = form.fields.map(function (f) { return f.name; });
    var raw = (form.layout && form.layout.sections) || [];
    var placed = {};
    var out = raw.map(function (s) {
      var fields = (s.fields || []).filter(function (n) {
        if (names.indexOf(n) < 0 || placed[n]) return false;
        placed[n] = true;
        return true;
      });
      var section = { columns: s.columns || 2, fields: fields };
      if (s.title) section.title = s.title;
      return section;
    });
    if (!out.length) out.push({ title: { "zh-CN": "基本信息", en: "Details" }, columns: 2, fields: [] });
    names.forEach(function (n) { if (!placed[n]) out[out.length - 1].fields.push(n); });
    form.layout = Object.assign({}, form.layout || {}, { sections: out });
  }

  function byName(name, list) {
    return (list || form.fields).filter(function (f) { return f.name === name; })[0] || null;
  }

  /* The order of `fields` follows the canvas: section by section. */
  function syncOrder() {
    var order = [];
    sections().forEach(function (s) { s.fields.forEach(function (n) { var f = byName(n); if (f) order.push(f); }); });
    form.fields.forEach(function (f) { if (order.indexOf(f) < 0) order.push(f); });
    form.fields = order;
  }

  function scopeOf(field) {
    return selectedParent && selectedParent.fields.indexOf(field) >= 0 ? selectedParent.fields : form.fields;
  }
  function parentOf(field) {
    if (form.fields.indexOf(field) >= 0) return null;
    return form.fields.filter(function (f) { return f.type === "subform" && (f.fields || []).indexOf(field) >= 0; })[0] || null;
  }

  function uniqueName(base, list) {
    var taken = {};
    list.forEach(function (f) { taken[f.name] = true; });
    var name = base, n = 1;
    while (taken[name]) { n += 1; name = base.slice(0, 40 - String(n).length - 1) + "_" + n; }
    return name;
  }

  function newField(type) {
    var p = TYPES[type];
    var label = p.field_label || { "zh-CN": p.label };
    var f = { name: "", type: type, label: { "zh-CN": label["zh-CN"] } };
    if (label.en) f.label.en = label.en;
    if (type === "select" || type === "multiselect") {
      f.options = [1, 2, 3].map(function (i) { return { value: "option" + i, label: { "zh-CN": t("选项") + i } }; });
    } else if (type === "relation") {
      var target = data.targets.filter(function (x) { return !x.self; })[0] || data.targets[0];
      f.target = target ? target.name : form.name;
    } else if (type === "subform") {
      f.fields = [{ name: "mingcheng", type: "text", label: { "zh-CN": "名称", en: "Name" } }];
    } else if (type === "auto_number") {
      f.number_pattern = "NO-{YYYY}{MM}{DD}-{seq:4}";
    } else if (type === "formula") {
      f.expression = "";
      f.result_type = "decimal";
    } else if (type === "boolean") {
      f["default"] = false;
    }
    autoName.add(f);
    return f;
  }

  /* Names follow labels through the server's pinyin (客户名称 → kehu_mingcheng); a local name first. */
  function provisionalName(field, list) {
    var ascii = (field.label["zh-CN"] || "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
    if (!/^[a-z]/.test(ascii)) ascii = "field" + (ascii ? "_" + ascii : "");
    return uniqueName(ascii.slice(0, 40), list.filter(function (f) { return f !== field; }));
  }

  function siblingsOf(field) {
    var parent = parentOf(field);
    return parent ? parent.fields : form.fields;
  }

  var suggestTimers = new WeakMap();
  function suggestName(field, now) {
    clearTimeout(suggestTimers.get(field));
    var run = function () {
      var taken = siblingsOf(field).filter(function (f) { return f !== field; }).map(function (f) { return f.name; });
      var params = new URLSearchParams({ label: field.label["zh-CN"] || "" });
      taken.forEach(function (n) { params.append("taken", n); });
      return fetch(data.urls.suggest + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (out) {
          if (!out || !autoName.has(field) || field.name === out.name) return;
          rename(field, out.name);
          renderCanvas();
          if (selected === field) { var input = document.getElementById("p-name"); if (input) input.value = out.name; }
          changed();
        });
    };
    if (now) return run();
    suggestTimers.set(field, setTimeout(run, 300));
  }

  function rename(field, name) {
    var old = field.name;
    field.name = name;
    if (!old || old === name || parentOf(field)) return;  // subform fields are not in the layout
    sections().forEach(function (s) { s.fields = s.fields.map(function (n) { return n === old ? name : n; }); });
    if (form.title_field === old) form.title_field = name;
    if (form.default_sort && form.default_sort.replace(/^-/, "") === old) form.default_sort = form.default_sort.replace(old, name);
    (form.rules || []).forEach(function (r) { if (r.field === old) r.field = name; });
    (form.indexes || []).forEach(function (ix) { ix.fields = ix.fields.map(function (n) { return n === old ? name : n; }); });
  }

  function insertField(type, section, index, parent) {
    var list = parent ? (parent.fields = parent.fields || []) : form.fields;
    var f = newField(type);
    f.name = provisionalName(f, list);
    if (parent) {
      list.splice(index === undefined ? list.length : index, 0, f);
    } else {
      list.push(f);
      var s = sections()[section === undefined ? sections().length - 1 : section];
      s.fields.splice(index === undefined ? s.fields.length : index, 0, f.name);
      syncOrder();
    }
    select(f, parent);
    renderCanvas();
    suggestName(f, true);
    changed();
    return f;
  }

  function removeField(field) {
    var parent = parentOf(field);
    if (parent) {
      parent.fields.splice(parent.fields.indexOf(field), 1);
    } else {
      form.fields.splice(form.fields.indexOf(field), 1);
      sections().forEach(function (s) { s.fields = s.fields.filter(function (n) { return n !== field.name; }); });
      if (form.title_field === field.name) delete form.title_field;
    }
    if (selected === field) select(null);
    renderCanvas();
    changed();
  }

  // ---------------------------------------------------------------- saving (drafts.js)
  var draft = FormworkDrafts.autosave({
    url: data.urls.draft, revision: data.revision, t: t, problems: setProblems,
    body: function () { return form; },
    sent: function () { return form.fields.slice(); }
  });
  function changed() { draft.changed(); }

  function setProblems(list, sent) {
    problems = list;
    problemsByField = new Map();
    var general = [];
    list.forEach(function (p) {
      var f = p.field !== null && p.field !== undefined ? sent[p.field] : null;
      if (f && p.child !== null && p.child !== undefined) f = (f.fields || [])[p.child] || f;
      if (f) {
        if (!problemsByField.has(f)) problemsByField.set(f, []);
        problemsByField.get(f).push(p);
      } else {
        general.push(p);
      }
    });
    var box = document.getElementById("draft-problems");
    var ul = document.getElementById("draft-problem-list");
    ul.innerHTML = "";
    general.forEach(function (p) { ul.appendChild(el("li", {}, [p.message + " ", el("code", { class: "muted small", text: p.path })])); });
    box.hidden = !general.length;
    renderCanvas();
    if (selected) showProblems();
  }

  // ---------------------------------------------------------------- palette
  function renderPalette() {
    var root = document.getElementById("palette-groups");
    root.innerHTML = "";
    data.groups.forEach(function (g) {
      var items = data.palette.filter(function (p) { return p.group === g; });
      if (!items.length) return;
      var list = el("ul", { class: "palette-list", "data-kind": "palette" }, items.map(function (p) {
        return el("li", { class: "palette-item", "data-type": p.type, tabindex: "0", role: "button",
                          title: t("拖到画布，或点击添加"), "aria-label": t("添加字段：{label}", { label: LANG === "en" ? p.label_en : p.label }) }, [
          el("span", { class: "pi-icon", "aria-hidden": "true", text: p.icon }),
          el("span", { class: "pi-label", text: LANG === "en" ? p.label_en : p.label })
        ]);
      }));
      root.appendChild(el("div", { class: "palette-group" }, [el("div", { class: "palette-group-title", text: t(g) }), list]));
      new Sortable(list, { group: { name: "fields", pull: "clone", put: false }, sort: false, forceFallback: true,
                           fallbackOnBody: true, animation: 150 });
    });
    root.addEventListener("click", function (e) {
      var item = e.target.closest(".palette-item");
      if (item) addFromPalette(item.getAttribute("data-type"));
    });
    root.addEventListener("keydown", function (e) {
      var item = e.target.closest(".palette-item");
      if (item && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); addFromPalette(item.getAttribute("data-type")); }
    });
  }

  function addFromPalette(type) {
    if (selected && selectedParent && type !== "subform") return insertField(type, undefined, undefined, selectedParent);
    if (selected && selected.type === "subform" && type !== "subform") return insertField(type, undefined, undefined, selected);
    var at = sections().length - 1;
    if (selected && !selectedParent) sections().forEach(function (s, i) { if (s.fields.indexOf(selected.name) >= 0) at = i; });
    insertField(type, at);
  }

  // ---------------------------------------------------------------- canvas
  function card(f, parent) {
    var p = TYPES[f.type] || { icon: "?", label: f.type };
    var issues = problemsByField.get(f) || [];
    var childIssues = (f.fields || []).reduce(function (n, c) { return n + (problemsByField.get(c) || []).length; }, 0);
    var node = el("div", {
      class: "field-card" + (f === selected ? " selected" : "") + (issues.length ? " has-problem" : "") +
             (["subform", "textarea", "multiselect", "attachment"].indexOf(f.type) >= 0 && !parent ? " wide" : ""),
      "data-name": f.name, tabindex: "0", role: "button", "aria-pressed": f === selected ? "true" : "false"
    }, [
      el("span", { class: "fc-handle", "aria-hidden": "true", text: "⋮⋮" }),
      el("span", { class: "fc-icon", "aria-hidden": "true", text: p.icon }),
      el("span", { class: "fc-main" }, [
        el("span", { class: "fc-label" }, [labelText(f.label) || t("（未命名）"), f.required ? el("span", { class: "req", text: "*" }) : null]),
        el("span", { class: "fc-meta" }, [el("code", { text: f.name }), " · " + (LANG === "en" ? p.label_en : p.label)]),
      ]),
      issues.length || childIssues ? el("span", { class: "fc-problem", title: issues.map(function (x) { return x.message; }).join("\n"),
                                                  text: t("{n} 个问题", { n: issues.length + childIssues }) }) : null,
      el("button", { type: "button", class: "btn btn-icon fc-remove", title: t("删除字段"), "aria-label": t("删除字段") + " " + labelText(f.label),
                     "data-remove": "1", text: "×" })
    ]);
    node._field = f;
    node._parent = parent || null;
    if (f.type === "subform") {
      var sub = el("div", { class: "sub-fields", "data-kind": "sub" }, (f.fields || []).map(function (c) { return card(c, f); }));
      sub._subform = f;
      node.appendChild(el("div", { class: "sub-wrap" }, [el("div", { class: "sub-hint muted small", text: t("子表单字段：把字段拖到这里") }), sub]));
    }
    return node;
  }

  function renderCanvas() {
    sortables.forEach(function (s) { s.destroy(); });
    sortables = [];
    var canvas = document.getElementById("canvas");
    var scroll = window.scrollY;
    canvas.innerHTML = "";
    sections().forEach(function (s, i) {
      var list = el("div", { class: "canvas-fields", "data-kind": "top", "data-section": String(i), style: "--cols: " + (s.columns || 2) },
                    s.fields.map(function (n) { var f = byName(n); return f ? card(f, null) : null; }));
      var columns = el("select", { class: "section-cols", "aria-label": t("每行字段数"), onchange: function (e) {
        s.columns = parseInt(e.target.value, 10); list.style.setProperty("--cols", s.columns); changed();
      } }, [1, 2, 3, 4].map(function (n) { return el("option", { value: String(n), text: t("每行 {n} 个", { n: n }) }); }));
      columns.value = String(s.columns || 2);
      var title = el("input", { type: "text", class: "section-title-input", value: s.title ? (s.title["zh-CN"] || "") : "",
                                placeholder: t("分组标题（可不填）"), "aria-label": t("分组标题"), maxlength: "40",
                                oninput: function (e) {
                                  var v = e.target.value.trim();
                                  if (v) s.title = Object.assign({}, s.title || {}, { "zh-CN": v }); else delete s.title;
                                  changed();
                                } });
      var remove = sections().length > 1 ? el("button", { type: "button", class: "btn btn-icon", title: t("删除分组（字段移到上一个分组）"),
                                                          "aria-label": t("删除分组"), text: "×", onclick: function () {
        var target = sections()[i === 0 ? 1 : i - 1];
        target.fields = i === 0 ? s.fields.concat(target.fields) : target.fields.concat(s.fields);
        sections().splice(i, 1);
        syncOrder(); renderCanvas(); changed();
      } }) : null;
      canvas.appendChild(el("div", { class: "card canvas-section" }, [
        el("div", { class: "section-head" }, [title, columns, remove]),
        list,
        s.fields.length ? null : el("div", { class: "canvas-empty muted", text: t("把左侧的字段拖到这里") })
      ]));
    });
    canvas.querySelectorAll(".canvas-fields").forEach(function (list) {
      sortables.push(new Sortable(list, {
        group: { name: "fields", pull: true, put: function (to, from, dragged) {
          return from.el.getAttribute("data-kind") !== "sub" || !!dragged.getAttribute("data-type");
        } },
        animation: 150, forceFallback: true, fallbackOnBody: true, filter: ".fc-remove, input, select", preventOnFilter: false,
        onEnd: readCanvas, onAdd: readCanvas
      }));
    });
    canvas.querySelectorAll(".sub-fields").forEach(function (list) {
      sortables.push(new Sortable(list, {
        group: { name: "sub-" + uid(), pull: false, put: function (to, from, dragged) {
          var type = dragged.getAttribute("data-type");
          return !!type && type !== "subform";
        } },
        animation: 150, forceFallback: true, fallbackOnBody: true, filter: ".fc-remove", preventOnFilter: false,
        onEnd: readCanvas, onAdd: readCanvas
      }));
    });
    if (Math.abs(window.scrollY - scroll) > 2) window.scrollTo(0, scroll);
  }

  /* After a drag: the canvas's DOM order is the new model; palette items dropped in become new fields. */
  var reading = false;
  function readCanvas(evt) {
    if (reading) return;
    reading = true;
    setTimeout(function () {
      reading = false;
      var added = null;
      document.querySelectorAll("#canvas .canvas-fields").forEach(function (list, i) {
        var names = [];
        Array.prototype.forEach.call(list.children, function (node) {
          if (node.classList.contains("palette-item")) {
            var f = newField(node.getAttribute("data-type"));
            f.name = provisionalName(f, form.fields);
            form.fields.push(f);
            names.push(f.name);
            added = { field: f, list: form.fields };
          } else if (node._field) {
            names.push(node._field.name);
          }
        });
        sections()[i].fields = names;
      });
      document.querySelectorAll("#canvas .sub-fields").forEach(function (list) {
        var sub = list._subform, fields = [];
        Array.prototype.forEach.call(list.children, function (node) {
          if (node.classList.contains("palette-item")) {
            var f = newField(node.getAttribute("data-type"));
            f.name = provisionalName(f, sub.fields || []);
            fields.push(f);
            added = { field: f, list: fields, parent: sub };
          } else if (node._field && (sub.fields || []).indexOf(node._field) >= 0) {
            fields.push(node._field);
          }
        });
        sub.fields = fields;
      });
      syncOrder();
      if (added) select(added.field, added.parent || null);
      renderCanvas();
      if (added) suggestName(added.field, true);
      changed();
    }, 0);
  }

  document.getElementById("canvas").addEventListener("click", function (e) {
    var node = e.target.closest(".field-card");
    if (!node) return;
    if (e.target.closest("[data-remove]")) {
      var f = node._field;
      var msg = f.column ? t("删除“{label}”？发布后它会被归档：数据保留，可以恢复。", { label: labelText(f.label) })
                         : t("删除“{label}”？", { label: labelText(f.label) });
      if (window.confirm(msg)) removeField(f);
      return;
    }
    e.stopPropagation();
    select(node._field, node._parent);
    renderCanvas();
  });
  document.getElementById("canvas").addEventListener("keydown", function (e) {
    var node = e.target.closest(".field-card");
    if (node && e.target === node && (e.key === "Enter" || e.key === " ")) {
      e.preventDefault(); select(node._field, node._parent); renderCanvas();
      var first = document.querySelector("#panel-field input"); if (first) first.focus();
    }
  });
  document.getElementById("add-section").addEventListener("click", function () {
    sections().push({ title: { "zh-CN": t("新分组") }, columns: 2, fields: [] });
    renderCanvas();
    changed();
  });

  // ---------------------------------------------------------------- property panel
  function select(field, parent) {
    selected = field;
    selectedParent = field ? (parent === undefined ? parentOf(field) : parent) : null;
    showTab("field");
    renderFieldPanel();
  }

  function row(label, control, opts) {
    opts = opts || {};
    var id = control.id || ("p-" + uid());
    control.id = id;
    return el("div", { class: "prop" + (opts.wide ? " wide" : ""), "data-prop": opts.prop || null }, [
      el("label", { class: "field-label", for: id, text: label }),
      control,
      opts.help ? el("div", { class: "help", text: opts.help }) : null,
      el("div", { class: "field-error prop-error" })
    ]);
  }

  function setOrDelete(obj, key, value) {
    if (value === "" || value === null || value === undefined || (Array.isArray(value) && !value.length)) delete obj[key];
    else obj[key] = value;
  }

  function textProp(obj, key, label, opts) {
    opts = opts || {};
    var input = el("input", { type: "text", value: obj[key] === undefined || obj[key] === null ? "" : String(obj[key]),
                              placeholder: opts.placeholder || "", maxlength: opts.max || null, id: opts.id || null,
                              oninput: function (e) { setOrDelete(obj, key, e.target.value.trim()); (opts.after || renderCanvas)(); changed(); } });
    return row(label, input, { prop: key, help: opts.help });
  }

  function numberProp(obj, key, label, opts) {
    opts = opts || {};
    var input = el("input", { type: "number", step: opts.step || "any", value: obj[key] === undefined || obj[key] === null ? "" : obj[key],
                              class: "num", oninput: function (e) {
      var v = e.target.value.trim();
      setOrDelete(obj, key, v === "" || isNaN(Number(v)) ? null : (opts.integer ? parseInt(v, 10) : Number(v)));
      changed();
    } });
    return row(label, input, { prop: key, help: opts.help });
  }

  function checkProp(obj, key, label, opts) {
    var input = el("input", { type: "checkbox", checked: !!obj[key], onchange: function (e) {
      if (e.target.checked) obj[key] = true; else delete obj[key];
      renderCanvas(); changed();
    } });
    return el("label", { class: "check prop-check", "data-prop": key }, [input, el("span", { text: label }),
      opts && opts.help ? el("span", { class: "muted small", text: " " + opts.help }) : null]);
  }

  function labelProp(obj, key, label, opts) {
    opts = opts || {};
    var value = obj[key] || {};
    var zh = el("input", { type: "text", value: value["zh-CN"] || "", placeholder: t("中文文字"), id: opts.id || null, maxlength: "200",
                           oninput: function (e) { update("zh-CN", e.target.value); if (opts.onZh) opts.onZh(); } });
    var en = el("input", { type: "text", value: value.en || "", placeholder: "English", "aria-label": label + " (English)", maxlength: "200",
                           oninput: function (e) { update("en", e.target.value); } });
    function update(lang, text) {
      var next = Object.assign({}, obj[key] || {});
      if (text.trim()) next[lang] = text.trim(); else delete next[lang];
      if (!next["zh-CN"] && !next.en) { if (opts.required) obj[key] = { "zh-CN": "" }; else delete obj[key]; }
      else { if (!next["zh-CN"]) next["zh-CN"] = ""; obj[key] = next; }
      renderCanvas(); changed();
    }
    var node = row(label, zh, { prop: key, help: opts.help });
    node.insertBefore(en, node.querySelector(".help, .prop-error"));
    node.classList.add("label-pair");
    return node;
  }

  function selectProp(obj, key, label, choices, opts) {
    opts = opts || {};
    var input = el("select", { onchange: function (e) { setOrDelete(obj, key, e.target.value); if (opts.onChange) opts.onChange(); renderCanvas(); changed(); } },
                   choices.map(function (c) { return el("option", { value: c[0], text: c[1] }); }));
    input.value = obj[key] === undefined || obj[key] === null ? "" : String(obj[key]);
    return row(label, input, { prop: key, help: opts.help });
  }

  /* An expression editor: checked by the server as you type, listing the fields it reads. */
  function expressionProp(obj, key, label, names, opts) {
    opts = opts || {};
    var status = el("div", { class: "expr-status muted small", "aria-live": "polite" });
    var input = el("textarea", { rows: "2", class: "expr", spellcheck: "false", placeholder: opts.placeholder || "",
                                 oninput: function (e) { setOrDelete(obj, key, e.target.value.trim()); changed(); check(); } });
    input.value = obj[key] || "";
    var timer = null;
    function check() {
      clearTimeout(timer);
      var source = input.value;
      if (!source.trim()) { status.textContent = opts.required ? t("请填写公式") : ""; status.className = "expr-status muted small"; return; }
      status.textContent = t("正在检查…");
      timer = setTimeout(function () {
        fetch(data.urls.check, { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
          body: JSON.stringify({ source: source, names: names() }) })
          .then(function (r) { return r.json(); })
          .then(function (out) {
            if (input.value !== source) return;
            if (out.ok) {
              status.className = "expr-status expr-ok small";
              status.textContent = "✓ " + (out.names.length ? t("用到的字段：{names}", { names: out.names.join("、") }) : t("公式正确"));
            } else {
              status.className = "expr-status expr-bad small";
              status.textContent = "✗ " + out.problems.concat(out.suggestions || []).join(" ");
            }
          })
          .catch(function () { status.textContent = ""; });
      }, 300);
    }
    var node = row(label, input, { prop: key, help: opts.help, wide: true });
    node.insertBefore(status, node.querySelector(".help, .prop-error"));
    if (input.value) check();
    return node;
  }

  function namesIn(list) { return function () { return list().map(function (f) { return f.name; }); }; }

  function optionsEditor(f) {
    var list = el("ul", { class: "options-list" });
    function draw() {
      list.innerHTML = "";
      (f.options || []).forEach(function (o, i) {
        var color = el("input", { type: "color", value: /^#[0-9a-fA-F]{6}$/.test(o.color || "") ? o.color : "#8c8c8c", "aria-label": t("颜色"),
                                  oninput: function (e) { o.color = e.target.value; changed(); } });
        list.appendChild(el("li", { class: "option-row" }, [
          el("span", { class: "drag-handle", "aria-hidden": "true", text: "⋮⋮" }),
          color,
          el("input", { type: "text", class: "opt-label", value: o.label ? o.label["zh-CN"] || "" : "", placeholder: t("显示文字"),
                        "aria-label": t("选项显示文字"), oninput: function (e) { o.label = Object.assign({}, o.label, { "zh-CN": e.target.value.trim() }); changed(); } }),
          el("input", { type: "text", class: "opt-en", value: o.label && o.label.en || "", placeholder: "English", "aria-label": t("选项英文"),
                        oninput: function (e) { var v = e.target.value.trim(); o.label = Object.assign({}, o.label); if (v) o.label.en = v; else delete o.label.en; changed(); } }),
          el("input", { type: "text", class: "opt-value", value: o.value, placeholder: t("保存值"), "aria-label": t("选项保存值"),
                        title: t("保存值：写入数据库，发布后不宜再改"), oninput: function (e) { o.value = e.target.value.trim(); changed(); } }),
          el("button", { type: "button", class: "btn btn-icon", "aria-label": t("删除选项"), text: "×", onclick: function () {
            f.options.splice(i, 1); draw(); changed();
          } })
        ]));
      });
    }
    draw();
    new Sortable(list, { handle: ".drag-handle", animation: 150, forceFallback: true, onEnd: function (evt) {
      var moved = f.options.splice(evt.oldIndex, 1)[0];
      f.options.splice(evt.newIndex, 0, moved);
      draw(); changed();
    } });
    var add = el("button", { type: "button", class: "btn btn-small", text: "＋ " + t("添加选项"), onclick: function () {
      f.options = f.options || [];
      var n = f.options.length + 1, value = "option" + n;
      while (f.options.some(function (o) { return o.value === value; })) { n += 1; value = "option" + n; }
      f.options.push({ value: value, label: { "zh-CN": t("选项") + n } });
      draw(); changed();
      var inputs = list.querySelectorAll(".opt-label"); inputs[inputs.length - 1].focus();
    } });
    return el("div", { class: "prop wide", "data-prop": "options" }, [
      el("span", { class: "field-label", text: t("选项") }), list, add,
      el("div", { class: "help", text: t("拖动调整顺序；保存值写入数据库，已发布的选项不宜再改") }),
      el("div", { class: "field-error prop-error" })
    ]);
  }

  function defaultProp(f) {
    if (NO_DEFAULT.indexOf(f.type) >= 0 || !TYPES[f.type] || !TYPES[f.type].writable) return null;
    if (f.type === "boolean") {
      var input = el("select", { onchange: function (e) { var v = e.target.value; if (v === "") delete f["default"]; else f["default"] = v === "true"; changed(); } },
                     [["", t("不设置")], ["true", t("是")], ["false", t("否")]].map(function (c) { return el("option", { value: c[0], text: c[1] }); }));
      input.value = f["default"] === true ? "true" : f["default"] === false ? "false" : "";
      return row(t("默认值"), input, { prop: "default" });
    }
    if (f.type === "select") {
      return selectProp(f, "default", t("默认值"), [["", t("不设置")]].concat((f.options || []).map(function (o) { return [o.value, labelText(o.label)]; })));
    }
    if (f.type === "multiselect" || ["relation", "user", "department"].indexOf(f.type) >= 0) return null;
    if (NUMBER_TYPES.indexOf(f.type) >= 0) return numberProp(f, "default", t("默认值"));
    return textProp(f, "default", t("默认值"), { help: f.type === "date" ? t("如 2024-01-31；要用今天，请用下面的默认值公式 today()") : null });
  }

  function renderFieldPanel() {
    var panel = document.getElementById("panel-field");
    panel.innerHTML = "";
    var f = selected;
    if (!f) {
      panel.appendChild(el("div", { class: "empty-state panel-empty" }, [
        el("div", { class: "empty-icon", "aria-hidden": "true", text: "☝" }),
        el("p", { text: t("点击画布中的字段，在这里修改它的属性") })
      ]));
      return;
    }
    var p = TYPES[f.type] || { label: f.type };
    var siblings = function () { return selectedParent ? selectedParent.fields : form.fields; };
    panel.appendChild(el("div", { class: "panel-head" }, [
      el("strong", { text: (LANG === "en" ? p.label_en : p.label) + (selectedParent ? " · " + t("子表单“{label}”", { label: labelText(selectedParent.label) }) : "") }),
      f.column ? el("span", { class: "muted small", title: t("数据库中的列名，改字段名不会改它"), text: t("列 {column}", { column: f.column }) }) : el("span", { class: "tag", style: "--tag: #2e9d5b", text: t("新字段") })
    ]));
    panel.appendChild(el("div", { class: "panel-problems alert alert-error", id: "panel-problems", hidden: true }));
    var body = el("div", { class: "props" });
    panel.appendChild(body);
    body.appendChild(labelProp(f, "label", t("字段名称"), { required: true, id: "p-label", onZh: function () {
      if (autoName.has(f)) suggestName(f, false);
    } }));
    var name = el("input", { type: "text", id: "p-name", value: f.name, maxlength: "40", autocomplete: "off", spellcheck: "false",
                             oninput: function (e) {
      var v = e.target.value.trim();
      autoName.delete(f);
      var hint = name.parentElement.querySelector(".prop-error");
      var dup = siblingsOf(f).some(function (x) { return x !== f && x.name === v; });
      hint.textContent = !NAME_RE.test(v) ? t("名称只能用小写英文字母开头，后接小写字母、数字或下划线，最长 40 个字符")
                        : dup ? t("字段名称“{name}”重复", { name: v }) : "";
      rename(f, v);
      renderCanvas(); changed();
    } });
    body.appendChild(row(t("字段标识（API 名称）"), name, { prop: "name",
      help: f.column ? t("公式、接口通过它引用这个字段；改名不会移动数据") : t("根据字段名称自动生成（中文转拼音），也可以自己改") }));
    var ft = TYPES[f.type] || {};
    if (ft.writable !== false && f.type !== "subform") body.appendChild(checkProp(f, "required", t("必填")));
    if (ft.writable !== false && ["subform", "attachment", "multiselect", "boolean"].indexOf(f.type) < 0 && !selectedParent) {
      body.appendChild(checkProp(f, "unique", t("不允许重复"), { help: t("同一表单中不能有两条记录的这个值相同") }));
    }
    if (!selectedParent && f.type !== "subform") {
      body.appendChild(checkProp(f, "in_list", t("在列表中显示")));
      if (TEXT_TYPES.indexOf(f.type) >= 0 || f.type === "auto_number") body.appendChild(checkProp(f, "searchable", t("可按它搜索")));
    }
    // type-specific
    if (TEXT_TYPES.indexOf(f.type) >= 0) {
      body.appendChild(numberProp(f, "min_length", t("最少字数"), { integer: true, step: "1" }));
      body.appendChild(numberProp(f, "max_length", t("最多字数"), { integer: true, step: "1" }));
      body.appendChild(textProp(f, "pattern", t("格式规则（正则表达式）"), { placeholder: "^1[3-9]\\d{9}$", help: t("可不填；如 ^[A-Z]{2}\\d{4}$") }));
      body.appendChild(labelProp(f, "pattern_message", t("格式不符时的提示")));
    }
    if (NUMBER_TYPES.indexOf(f.type) >= 0) {
      body.appendChild(numberProp(f, "min", t("最小值")));
      body.appendChild(numberProp(f, "max", t("最大值")));
      if (f.type !== "integer") {
        body.appendChild(numberProp(f, "scale", t("小数位数"), { integer: true, step: "1" }));
        body.appendChild(numberProp(f, "precision", t("总位数"), { integer: true, step: "1", help: t("可不填") }));
      }
    }
    if (f.type === "select" || f.type === "multiselect") body.appendChild(optionsEditor(f));
    if (f.type === "relation") {
      var targets = data.targets.map(function (x) { return [x.name, x.label + (x.self ? " (" + t("本表单") + ")" : "")]; });
      body.appendChild(selectProp(f, "target", t("关联的表单"), targets, { onChange: function () { delete f.display_field; renderFieldPanel(); } }));
      var target = data.targets.filter(function (x) { return x.name === f.target; })[0];
      var tf = target && target.self ? form.fields : (target ? target.fields : []);
      body.appendChild(selectProp(f, "display_field", t("显示目标表单的哪个字段"), [["", t("（标题字段）")]].concat(tf.map(function (x) {
        return [x.name, labelText(x.label) || x.label + "" ];
      }))));
    }
    if (f.type === "subform") {
      body.appendChild(el("p", { class: "muted small", text: t("子表单的字段在画布中这个子表单里面：从左侧拖入或点击（先选中子表单）添加，拖动排序，点击修改。") }));
    }
    if (f.type === "attachment") {
      body.appendChild(numberProp(f, "max_size_mb", t("单个文件大小上限（MB）")));
      var accept = el("input", { type: "text", value: (f.accept || []).join(", "), placeholder: ".pdf, .jpg, image/*", oninput: function (e) {
        setOrDelete(f, "accept", e.target.value.split(/[,，\s]+/).filter(Boolean)); changed();
      } });
      body.appendChild(row(t("允许的文件类型"), accept, { prop: "accept", help: t("不填表示不限") }));
      body.appendChild(checkProp(f, "multiple", t("允许上传多个文件")));
    }
    if (f.type === "auto_number") {
      body.appendChild(textProp(f, "number_pattern", t("编号规则"), { help: t("可用 {YYYY} {YY} {MM} {DD} 和流水号 {seq:4}（4 位，不足补零），如 HT-{YYYY}{MM}-{seq:4}") }));
    }
    if (f.type === "formula") {
      body.appendChild(expressionProp(f, "expression", t("计算公式"), namesIn(siblings), { required: true, placeholder: "quantity * unit_price",
        help: t("用字段标识计算，如 quantity * unit_price、days_between(start_date, today())") }));
      body.appendChild(selectProp(f, "result_type", t("结果类型"), [["text", t("文本")], ["integer", t("整数")], ["decimal", t("小数")],
        ["percent", t("百分比")], ["date", t("日期")], ["datetime", t("日期时间")], ["boolean", t("是/否")]]));
    }
    var def = defaultProp(f);
    if (def) body.appendChild(def);
    if (ft.writable !== false && f.type !== "subform" && f.type !== "attachment") {
      body.appendChild(expressionProp(f, "default_expression", t("默认值公式"), namesIn(siblings), { placeholder: "today()", help: t("可不填；如 today()") }));
    }
    if (f.type !== "subform" && ft.writable !== false) body.appendChild(labelProp(f, "placeholder", t("输入提示")));
    body.appendChild(labelProp(f, "help", t("说明文字")));
    body.appendChild(expressionProp(f, "visible_when", t("显示条件"), namesIn(siblings), { placeholder: "status == \"following\"",
      help: t("可不填；公式为真时才显示这个字段") }));
    if (!selectedParent) {
      body.appendChild(expressionProp(f, "readonly_when", t("只读条件"), namesIn(siblings), { placeholder: "status == \"closed\"",
        help: t("可不填；公式为真时这个字段不能修改") }));
    }
    body.appendChild(el("div", { class: "panel-actions" }, [
      el("button", { type: "button", class: "btn btn-danger btn-small", text: t("删除字段"), onclick: function () {
        var msg = f.column ? t("删除“{label}”？发布后它会被归档：数据保留，可以恢复。", { label: labelText(f.label) }) : t("删除“{label}”？", { label: labelText(f.label) });
        if (window.confirm(msg)) removeField(f);
      } })
    ]));
    showProblems();
  }

  function showProblems() {
    var panel = document.getElementById("panel-field");
    var mine = selected ? problemsByField.get(selected) || [] : [];
    FormworkDrafts.showPanelProblems(panel, selected && document.getElementById("panel-problems"), mine,
                                     function (p) { return p.prop || ""; });
  }

  // ---------------------------------------------------------------- form settings
  function renderFormPanel() {
    var panel = document.getElementById("panel-form");
    panel.innerHTML = "";
    var body = el("div", { class: "props" });
    panel.appendChild(body);
    body.appendChild(labelProp(form, "label", t("表单名称"), { required: true, onZh: function () {
      document.getElementById("designer-title").textContent = labelText(form.label) || form.name;
    } }));
    body.appendChild(textProp(form, "icon", t("图标"), { max: "8", placeholder: "📋", help: t("一个字或一个 emoji（可不填）") }));
    var titles = form.fields.filter(function (f) { return ["text", "auto_number", "phone", "email", "id_card"].indexOf(f.type) >= 0; });
    body.appendChild(selectProp(form, "title_field", t("标题字段"), [["", t("（自动：第一个文本字段）")]].concat(titles.map(function (f) {
      return [f.name, labelText(f.label)];
    })), { help: t("记录页面和关联选择中用它代表一条记录") }));
    // form-level validation rules
    var rules = el("div", { class: "rules" });
    function draw() {
      rules.innerHTML = "";
      (form.rules || []).forEach(function (r, i) {
        var box = el("div", { class: "rule card" });
        box.appendChild(expressionProp(r, "expression", t("校验公式 {n}", { n: i + 1 }), namesIn(function () { return form.fields; }),
          { required: true, placeholder: "end_date >= start_date", help: t("结果为真表示通过") }));
        box.appendChild(labelProp(r, "message", t("不通过时的提示"), { required: true }));
        box.appendChild(selectProp(r, "field", t("提示显示在"), [["", t("表单顶部")]].concat(form.fields.map(function (f) { return [f.name, labelText(f.label)]; }))));
        box.appendChild(el("button", { type: "button", class: "btn btn-small btn-danger", text: t("删除规则"), onclick: function () {
          form.rules.splice(i, 1); if (!form.rules.length) delete form.rules; draw(); changed();
        } }));
        rules.appendChild(box);
      });
    }
    draw();
    body.appendChild(el("div", { class: "prop wide" }, [
      el("span", { class: "field-label", text: t("校验规则") }),
      el("p", { class: "muted small", text: t("保存记录时逐条检查，公式结果为假就拒绝保存并提示。") }),
      rules,
      el("button", { type: "button", class: "btn btn-small", text: "＋ " + t("添加校验规则"), onclick: function () {
        form.rules = form.rules || [];
        form.rules.push({ expression: "", message: { "zh-CN": "" } });
        draw(); changed();
      } })
    ]));
  }

  // ---------------------------------------------------------------- tabs
  function showTab(name) {
    document.querySelectorAll(".itab").forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.classList.toggle("active", on);
      b.setAttribute("aria-selected", on ? "true" : "false");
    });
    ["field", "form", "preview"].forEach(function (n) { document.getElementById("panel-" + n).hidden = n !== name; });
    if (name === "form") renderFormPanel();
  }
  document.querySelectorAll(".itab").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
  });

  normalize();
  renderPalette();
  setProblems(data.problems || [], form.fields.slice());
  renderFieldPanel();
})();
