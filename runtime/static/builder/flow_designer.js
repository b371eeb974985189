/* Formwork flow designer: the flow draft lives here as JSON; the server stores, checks, previews and publishes it.
   A vertical tree (start at the top, end at the bottom), "+" buttons between nodes, condition and parallel groups
   with their branches side by side, a property panel for the selected node or branch, autosave through drafts.js
   (debounced, with the revision last seen: 409 = someone else saved first), problems from the server shown on their nodes. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("flow-data").textContent);
  var TEXT = JSON.parse(document.getElementById("flow-text").textContent);
  var flow = data.body;
  var LANG = data.lang;
  var FORM = data.form || { fields: [], names: [], system: [] };
  var selected = null;          // {node} or {group, branch}
  var problemsOf = new Map();   // node or branch object → [problem]
  var general = [];             // problems on no node
  var openMenu = null;
  var pendingRender = false;  // a re-render that waits until the add menu is closed

  var TYPE_NAMES = { start: "发起人", approval: "审批人", cc: "抄送人", action: "更新字段", end: "结束",
                     condition: "条件分支", parallel: "并行分支" };
  var TYPE_ICONS = { start: "➤", approval: "✔", cc: "✉", action: "✎", end: "■", condition: "◇", parallel: "⇉" };
  var SOURCE_NAMES = { users: "指定成员", role: "角色", manager: "发起人的主管", department_manager: "部门字段的负责人",
                       user_field: "表单中的人员字段", submitter: "发起人本人" };
  var MODES = [["all", "会签（所有人都要同意）"], ["any", "或签（一人同意即可）"], ["sequential", "依次审批（按顺序）"],
               ["vote", "按比例通过（投票）"]];
  var ACCESS = [["hidden", "隐藏"], ["visible", "只读"], ["editable", "可编辑"]];

  var t = FormworkDrafts.translator(TEXT);
  var csrf = FormworkDrafts.csrf;  // the token every designer request carries
  var el = FormworkDrafts.el;
  function labelText(label) { return FormworkDrafts.labelText(label, LANG); }
  function uid() { return "p" + Math.random().toString(36).slice(2, 9); }

  // ---------------------------------------------------------------- the model
  function isGroup(n) { return n.type === "condition" || n.type === "parallel"; }

  /* Every node with its JSON pointer, and every branch: what problems point at. */
  function pointers(nodes, path, out) {
    out = out || new Map();
    (nodes || []).forEach(function (n, i) {
      var at = path + "/" + i;
      out.set(at, n);
      if (isGroup(n)) (n.branches || []).forEach(function (b, j) {
        out.set(at + "/branches/" + j, b);
        pointers(b.nodes, at + "/branches/" + j + "/nodes", out);
      });
    });
    return out;
  }
  function allIds() {
    var ids = {};
    pointers(flow.nodes, "/nodes").forEach(function (obj) { if (obj.id) ids[obj.id] = true; });
    return ids;
  }
  function newId(prefix) {
    var ids = allIds(), n = 1;
    while (ids[prefix + "_" + n]) n += 1;
    return prefix + "_" + n;
  }
  function fieldsOf(types) { return FORM.fields.filter(function (f) { return types.indexOf(f.type) >= 0; }); }
  function peopleFields() { return fieldsOf(["user"]).concat(FORM.system.filter(function (f) { return f.type === "user"; })); }
  function departmentFields() { return fieldsOf(["department"]).concat(FORM.system.filter(function (f) { return f.type === "department"; })); }
  function fieldLabel(name) {
    var f = FORM.fields.concat(FORM.system).filter(function (x) { return x.name === name; })[0];
    return f ? labelText(f.label) : name;
  }
  function roleLabel(name) {
    var r = data.roles.filter(function (x) { return x.name === name; })[0];
    return r ? labelText(r.label) : name;
  }
  function userName(username) {
    var u = data.users.filter(function (x) { return x.username === username; })[0];
    return u ? u.name : username;
  }

  function newNode(type, inBranch) {
    var label = { "zh-CN": TYPE_NAMES[type] };
    var n = { id: newId(type), type: type, label: label };
    if (type === "approval") { n.approvers = [{ source: "manager", level: 1 }]; n.mode = "all"; }
    if (type === "cc") n.recipients = [{ source: "manager", level: 1 }];
    if (type === "action") {
      n.set = {};
      var f = settable()[0];
      if (f) n.set[f.name] = f.options && f.options.length ? f.options[0].value : "";
    }
    if (type === "end") { n.label = { "zh-CN": "结束（驳回）", en: "End (rejected)" }; n.result = "rejected"; }
    if (type === "condition") {
      n.branches = [{ id: "b1", label: { "zh-CN": "条件1" }, when: "", nodes: [] },
                    { id: "b2", label: { "zh-CN": "其他情况", en: "Otherwise" }, "default": true, nodes: [] }];
    }
    if (type === "parallel") {
      n.branches = [1, 2].map(function (i) { return { id: "b" + i, label: { "zh-CN": "分支" + i }, nodes: [] }; });
    }
    return n;
  }
  function branchId(group, index) {
    var taken = {};
    (group.branches || []).forEach(function (b) { taken[b.id] = true; });
    var n = index + 1;
    while (taken["b" + n]) n += 1;
    return "b" + n;
  }
  function settable() {
    return FORM.fields.filter(function (f) { return f.writable && ["subform", "attachment"].indexOf(f.type) < 0; });
  }

  function insertNode(list, index, type, inBranch) {
    var n = newNode(type, inBranch);
    list.splice(index, 0, n);
    select({ node: n });
    changed();
  }
  function removeNode(list, node) {
    closeMenu();
    var msg = isGroup(node) ? t("删除“{label}”及其中所有分支和节点？", { label: labelText(node.label) })
                            : t("删除节点“{label}”？", { label: labelText(node.label) });
    if (!window.confirm(msg)) return;
    list.splice(list.indexOf(node), 1);
    if (selected && (selected.node === node || selected.group === node)) selected = null;
    renderAll();
    changed();
  }
  function addBranch(group) {
    closeMenu();
    var b = { id: branchId(group, group.branches.length), nodes: [] };
    if (group.type === "condition") {
      var at = group.branches.filter(function (x) { return !x["default"]; }).length;
      b.label = { "zh-CN": "条件" + (at + 1) };
      b.when = "";
      var def = group.branches.map(function (x) { return !!x["default"]; }).indexOf(true);
      group.branches.splice(def < 0 ? group.branches.length : def, 0, b);
    } else {
      b.label = { "zh-CN": "分支" + (group.branches.length + 1) };
      group.branches.push(b);
    }
    select({ group: group, branch: b });
    changed();
  }
  function minBranches(group) { return group.type === "parallel" ? 2 : 1; }
  function removeBranch(group, branch) {
    closeMenu();
    if (group.branches.length <= minBranches(group)) return;
    if (branch.nodes && branch.nodes.length && !window.confirm(t("删除分支“{label}”及其中的节点？", { label: labelText(branch.label) }))) return;
    group.branches.splice(group.branches.indexOf(branch), 1);
    if (selected && selected.branch === branch) selected = null;
    renderAll();
    changed();
  }

  // ---------------------------------------------------------------- saving (drafts.js)
  var draft = FormworkDrafts.autosave({
    url: data.urls.draft, revision: data.revision, t: t, problems: setProblems,
    body: function () { return flow; },
    sent: function () { return pointers(flow.nodes, "/nodes"); }
  });
  function changed() {
    renderCanvas();
    draft.changed();
  }

  /* Problems onto the node (or branch) they point at, as the tree was when it was sent. */
  function setProblems(list, sent) {
    problemsOf = new Map();
    general = [];
    list.forEach(function (p) {
      var target = (p.branch && sent.get(p.branch)) || (p.node && sent.get(p.node)) || null;
      if (target) {
        if (!problemsOf.has(target)) problemsOf.set(target, []);
        problemsOf.get(target).push(p);
      } else {
        general.push(p);
      }
    });
    var box = document.getElementById("draft-problems");
    var ul = document.getElementById("draft-problem-list");
    ul.innerHTML = "";
    list.forEach(function (p) {
      var target = (p.branch && sent.get(p.branch)) || (p.node && sent.get(p.node)) || null;
      var li = el("li", {}, [target ? el("strong", { text: labelText(target.label) + "：" }) : null, p.message + " ",
                             el("code", { class: "muted small", text: p.path })]);
      if (target) {
        li.classList.add("linked");
        li.addEventListener("click", function () {
          var group = p.branch ? sent.get(p.node) : null;
          select(group ? { group: group, branch: target } : { node: target });
        });
      }
      ul.appendChild(li);
    });
    box.hidden = !list.length;
    document.getElementById("problem-count").textContent = list.length ? t("{n} 个问题", { n: list.length }) : "";
    renderCanvas();
    showProblems();
  }

  // ---------------------------------------------------------------- the tree
  function summary(n) {
    if (n.type === "start") {
      var limited = Object.keys(n.fields || {}).length;
      return limited ? t("发起人提交；{n} 个字段有权限设置", { n: limited }) : t("发起人提交，可填写全部字段");
    }
    if (n.type === "approval") {
      var mode = MODES.filter(function (m) { return m[0] === (n.mode || "all"); })[0];
      var who = (n.approvers || []).map(sourceText).join("、") || t("未设置审批人");
      var how = n.mode === "vote" ? t("按比例 {threshold} 通过", { threshold: n.threshold || "?" }) : t(mode ? mode[1] : "").replace(/（.*）/, "");
      return who + " · " + how;
    }
    if (n.type === "cc") return (n.recipients || []).map(sourceText).join("、") || t("未设置抄送人");
    if (n.type === "action") {
      var keys = Object.keys(n.set || {});
      return keys.length ? keys.map(function (k) { return fieldLabel(k) + " = " + valueText(k, n.set[k]); }).join("；") : t("未设置要更新的字段");
    }
    if (n.type === "end") return n.result === "rejected" ? t("流程结束：驳回") : t("流程结束：通过");
    return "";
  }
  function sourceText(s) {
    if (s.source === "users") return (s.users || []).map(userName).join("、") || t("指定成员");
    if (s.source === "role") return t("角色“{role}”", { role: roleLabel(s.role || "") }) + (s.any_member ? t("（任一人）") : "");
    if (s.source === "manager") {
      var text = (s.level || 1) === 1 ? t("直属主管") : t("第 {n} 级主管", { n: s.level });
      return s.role ? text + t("（限角色“{role}”）", { role: roleLabel(s.role) }) : text;
    }
    if (s.source === "department_manager") return t("“{field}”的负责人", { field: fieldLabel(s.field || "") });
    if (s.source === "user_field") return t("“{field}”中的人", { field: fieldLabel(s.field || "") });
    if (s.source === "submitter") return t("发起人本人");
    return s.source;
  }
  function valueText(name, value) {
    var f = FORM.fields.filter(function (x) { return x.name === name; })[0];
    if (f && f.options) {
      var o = f.options.filter(function (x) { return x.value === value; })[0];
      if (o) return labelText(o.label);
    }
    if (value === true) return t("是");
    if (value === false) return t("否");
    return value === "" || value === null || value === undefined ? t("（空）") : String(value);
  }

  function issuesOf(obj) { return problemsOf.get(obj) || []; }
  function issueCount(nodes) {
    var n = 0;
    (nodes || []).forEach(function (x) {
      n += issuesOf(x).length;
      if (isGroup(x)) x.branches.forEach(function (b) { n += issuesOf(b).length + issueCount(b.nodes); });
    });
    return n;
  }

  function problemLine(list) {
    if (!list.length) return null;
    return el("div", { class: "fn-problem", role: "note", title: list.map(function (p) { return p.message; }).join("\n") },
              [list[0].message + (list.length > 1 ? " " + t("（还有 {n} 个）", { n: list.length - 1 }) : "")]);
  }

  function nodeCard(n, list, top) {
    var issues = issuesOf(n);
    var fixed = top && (n.type === "start" || (n.type === "end" && list.indexOf(n) === list.length - 1));
    var card = el("div", {
      class: "fd-node type-" + n.type + (selected && selected.node === n ? " selected" : "") + (issues.length ? " has-problem" : ""),
      tabindex: "0", role: "button", "data-node": n.id, "aria-pressed": selected && selected.node === n ? "true" : "false",
      "aria-label": t(TYPE_NAMES[n.type]) + "：" + labelText(n.label)
    }, [
      el("div", { class: "fn-head" }, [
        el("span", { class: "fn-icon", "aria-hidden": "true", text: TYPE_ICONS[n.type] }),
        el("span", { class: "fn-title", text: labelText(n.label) || t(TYPE_NAMES[n.type]) }),
        fixed ? null : el("button", { type: "button", class: "fn-remove", title: t("删除节点"), "aria-label": t("删除节点") + " " + labelText(n.label),
                                      text: "×", onclick: function (e) { e.stopPropagation(); removeNode(list, n); } })
      ]),
      el("div", { class: "fn-body", text: summary(n) }),
      problemLine(issues)
    ]);
    card.addEventListener("click", function () { select({ node: n }); });
    card.addEventListener("keydown", function (e) {
      if (e.target === card && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); select({ node: n }); focusPanel(); }
    });
    return card;
  }

  function branchCard(group, b, index) {
    var issues = issuesOf(b);
    var isSel = selected && selected.branch === b;
    var cond = group.type === "condition";
    var card = el("div", {
      class: "branch-card" + (isSel ? " selected" : "") + (issues.length ? " has-problem" : "") + (b["default"] ? " is-default" : ""),
      tabindex: "0", role: "button", "data-branch": b.id, "aria-pressed": isSel ? "true" : "false"
    }, [
      el("div", { class: "bc-head" }, [
        el("span", { class: "bc-title", text: labelText(b.label) || t("（未命名）") }),
        cond ? el("span", { class: "bc-priority muted small", text: b["default"] ? t("默认") : t("优先级 {n}", { n: index + 1 }) }) : null,
        group.branches.length > minBranches(group) ? el("button", { type: "button", class: "fn-remove", title: t("删除分支"),
          "aria-label": t("删除分支") + " " + labelText(b.label), text: "×", onclick: function (e) { e.stopPropagation(); removeBranch(group, b); } }) : null
      ]),
      cond ? el("div", { class: "bc-when" + (b["default"] ? " muted" : ""),
                          text: b["default"] ? t("其他条件都不满足时进入此分支") : (b.when ? b.when : t("请设置条件")) }) : null,
      problemLine(issues)
    ]);
    card.addEventListener("click", function () { select({ group: group, branch: b }); });
    card.addEventListener("keydown", function (e) {
      if (e.target === card && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); select({ group: group, branch: b }); focusPanel(); }
    });
    return card;
  }

  function groupBox(n, list) {
    var issues = issuesOf(n);
    var cond = n.type === "condition";
    var head = el("div", { class: "fg-head" }, [
      el("button", { type: "button", class: "fg-label" + (selected && selected.node === n ? " selected" : "") + (issues.length ? " has-problem" : ""),
                     "data-node": n.id, text: (cond ? "◇ " : "⇉ ") + (labelText(n.label) || t(TYPE_NAMES[n.type])),
                     onclick: function () { select({ node: n }); } }),
      el("button", { type: "button", class: "fg-add", text: "＋ " + (cond ? t("添加条件") : t("添加分支")),
                     onclick: function () { addBranch(n); } }),
      el("button", { type: "button", class: "fn-remove fg-remove", title: t("删除分支组"), "aria-label": t("删除分支组") + " " + labelText(n.label),
                     text: "×", onclick: function () { removeNode(list, n); } })
    ]);
    var branches = el("div", { class: "fd-branches" }, n.branches.map(function (b, j) {
      return el("div", { class: "fd-branch" }, [
        el("span", { class: "hline top", "aria-hidden": "true" }),
        el("span", { class: "hline bottom", "aria-hidden": "true" }),
        branchCard(n, b, j),
        nodeList(b.nodes = b.nodes || [], { branch: b, group: n })
      ]);
    }));
    return el("div", { class: "fd-group type-" + n.type + (issues.length ? " has-problem" : ""), "data-group": n.id }, [
      head, problemLine(issues), branches
    ]);
  }

  function addButton(list, index, ctx) {
    var wrap = el("div", { class: "fd-add" });
    var button = el("button", { type: "button", class: "fa-button", title: t("添加节点"), "aria-label": t("添加节点"), "aria-haspopup": "menu",
                                "aria-expanded": "false", text: "+" });
    var kinds = ["approval", "cc", "condition", "parallel", "action"];
    if (ctx.branch && ctx.group.type === "condition") kinds.push("end");
    button.addEventListener("click", function (e) {
      e.stopPropagation();
      if (openMenu && openMenu.parentNode === wrap) { closeMenu(); return; }
      closeMenu();
      if (!document.body.contains(wrap)) return;  // the tree was redrawn meanwhile
      var menu = el("div", { class: "fa-menu card", role: "menu" }, kinds.map(function (k) {
        return el("button", { type: "button", role: "menuitem", class: "fa-item type-" + k, "data-type": k, onclick: function (ev) {
          ev.stopPropagation(); closeMenu(); insertNode(list, index, k, !!ctx.branch);
        } }, [el("span", { class: "fn-icon", "aria-hidden": "true", text: TYPE_ICONS[k] }), el("span", { text: t(TYPE_NAMES[k]) })]);
      }));
      wrap.appendChild(menu);
      openMenu = menu;
      button.setAttribute("aria-expanded", "true");
      var first = menu.querySelector("button"); if (first) first.focus();
    });
    wrap.appendChild(button);
    return wrap;
  }
  function closeMenu() {
    if (!openMenu) return;
    var b = openMenu.parentNode && openMenu.parentNode.querySelector(".fa-button");
    if (b) b.setAttribute("aria-expanded", "false");
    openMenu.remove();
    openMenu = null;
    if (pendingRender) { pendingRender = false; renderCanvas(); }
  }
  document.addEventListener("click", function (e) { if (openMenu && !openMenu.contains(e.target)) closeMenu(); });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") closeMenu(); });

  function nodeList(list, ctx) {
    var box = el("div", { class: "fd-list" });
    if (ctx.branch) box.appendChild(addButton(list, 0, ctx));
    list.forEach(function (n, i) {
      box.appendChild(isGroup(n) ? groupBox(n, list) : nodeCard(n, list, !ctx.branch));
      if (n.type !== "end") box.appendChild(addButton(list, i + 1, ctx));
    });
    return box;
  }

  function renderCanvas() {
    if (openMenu) { pendingRender = true; return; }  // don't pull the menu away from under the pointer
    var canvas = document.getElementById("flow-canvas");
    var scrollX = canvas.scrollLeft, scrollY = window.scrollY;
    canvas.innerHTML = "";
    canvas.appendChild(el("div", { class: "fd-tree" }, [nodeList(flow.nodes = flow.nodes || [], {})]));
    canvas.scrollLeft = scrollX;
    if (Math.abs(window.scrollY - scrollY) > 2) window.scrollTo(0, scrollY);
  }

  // ---------------------------------------------------------------- property panel: controls
  function row(label, control, opts) {
    opts = opts || {};
    control.id = control.id || ("p-" + uid());
    return el("div", { class: "prop", "data-prop": opts.prop || null }, [
      el("label", { class: "field-label", for: control.id, text: label }),
      control,
      opts.help ? el("div", { class: "help", text: opts.help }) : null,
      el("div", { class: "field-error prop-error" })
    ]);
  }
  function block(label, children, opts) {
    opts = opts || {};
    return el("div", { class: "prop", "data-prop": opts.prop || null }, [el("span", { class: "field-label", text: label })]
      .concat(children).concat([opts.help ? el("div", { class: "help", text: opts.help }) : null, el("div", { class: "field-error prop-error" })]));
  }
  function setOrDelete(obj, key, value) {
    if (value === "" || value === null || value === undefined || (Array.isArray(value) && !value.length)) delete obj[key];
    else obj[key] = value;
  }
  function options(choices, value) {
    return choices.map(function (c) { var o = el("option", { value: c[0], text: c[1] }); if (String(value) === String(c[0])) o.selected = true; return o; });
  }
  function selectInput(choices, value, onchange, attrs) {
    var s = el("select", Object.assign({ onchange: function (e) { onchange(e.target.value); } }, attrs || {}), options(choices, value === undefined || value === null ? "" : value));
    return s;
  }
  function labelProp(obj, key, label, opts) {
    opts = opts || {};
    var value = obj[key] || {};
    var zh = el("input", { type: "text", value: value["zh-CN"] || "", placeholder: t("中文名称"), id: opts.id || null, maxlength: "100",
                           oninput: function (e) { update("zh-CN", e.target.value); } });
    var en = el("input", { type: "text", value: value.en || "", placeholder: "English", "aria-label": label + " (English)", maxlength: "100",
                           oninput: function (e) { update("en", e.target.value); } });
    function update(lang, text) {
      var next = Object.assign({}, obj[key] || {});
      if (text.trim()) next[lang] = text.trim(); else delete next[lang];
      if (!next["zh-CN"] && !next.en) { if (opts.required) obj[key] = { "zh-CN": "" }; else delete obj[key]; }
      else { if (!next["zh-CN"]) next["zh-CN"] = ""; obj[key] = next; }
      if (opts.after) opts.after();
      changed();
    }
    var node = row(label, zh, { prop: key, help: opts.help });
    node.insertBefore(en, node.querySelector(".help, .prop-error"));
    node.classList.add("label-pair");
    return node;
  }
  function numberInput(value, onchange, attrs) {
    return el("input", Object.assign({ type: "number", class: "num", value: value === undefined || value === null ? "" : value,
      oninput: function (e) { var v = e.target.value.trim(); onchange(v === "" || isNaN(Number(v)) ? null : Number(v)); } }, attrs || {}));
  }

  /* An expression editor checked by the server as you type (the form designer's endpoint). */
  function expressionProp(obj, key, label, opts) {
    opts = opts || {};
    var status = el("div", { class: "expr-status muted small", "aria-live": "polite" });
    var input = el("textarea", { rows: "2", class: "expr", spellcheck: "false", placeholder: opts.placeholder || "", id: opts.id || null,
                                 oninput: function (e) { obj[key] = e.target.value.trim(); if (!obj[key]) obj[key] = ""; changed(); check(); } });
    input.value = obj[key] || "";
    var timer = null;
    function check() {
      clearTimeout(timer);
      var source = input.value;
      if (!source.trim()) { status.textContent = t("请填写条件"); status.className = "expr-status muted small"; return; }
      status.textContent = t("正在检查…");
      timer = setTimeout(function () {
        fetch(data.urls.check, { method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
          body: JSON.stringify({ source: source, names: FORM.names }) })
          .then(function (r) { return r.json(); })
          .then(function (out) {
            if (input.value !== source) return;
            if (out.ok) {
              status.className = "expr-status expr-ok small";
              status.textContent = "✓ " + (out.names.length ? t("用到的字段：{names}", { names: out.names.map(fieldLabel).join("、") }) : t("条件正确"));
            } else {
              status.className = "expr-status expr-bad small";
              status.textContent = "✗ " + out.problems.concat(out.suggestions || []).join(" ");
            }
          })
          .catch(function () { status.textContent = ""; });
      }, 300);
    }
    var node = row(label, input, { prop: key, help: opts.help });
    node.insertBefore(status, node.querySelector(".help, .prop-error"));
    if (input.value) check();
    return node;
  }

  /* Where people come from: a list of sources, each with its own settings. */
  function sourcesEditor(obj, key, label, opts) {
    opts = opts || {};
    var kinds = opts.kinds || Object.keys(SOURCE_NAMES);
    var list = el("div", { class: "sources" });
    function draw() {
      list.innerHTML = "";
      (obj[key] || []).forEach(function (s, i) {
        var detail = el("div", { class: "source-detail" });
        var kind = selectInput(kinds.map(function (k) { return [k, t(SOURCE_NAMES[k])]; }), s.source, function (v) {
          obj[key][i] = defaultSource(v); draw(); changed();
        }, { "aria-label": t("审批人来源"), class: "source-kind" });
        if (s.source === "users") {
          var chips = el("div", { class: "chips" }, (s.users || []).map(function (name, k) {
            return el("span", { class: "chip" }, [userName(name), el("button", { type: "button", class: "chip-x", "aria-label": t("移除 {name}", { name: userName(name) }), text: "×",
              onclick: function () { s.users.splice(k, 1); draw(); changed(); } })]);
          }));
          var add = selectInput([["", t("＋ 添加成员…")]].concat(data.users.filter(function (u) { return (s.users || []).indexOf(u.username) < 0; })
            .map(function (u) { return [u.username, u.name + " (" + u.username + ")"]; })), "", function (v) {
            if (!v) return; s.users = (s.users || []).concat([v]); draw(); changed();
          }, { "aria-label": t("添加成员"), class: "source-users" });
          detail.appendChild(chips); detail.appendChild(add);
        } else if (s.source === "role") {
          detail.appendChild(selectInput([["", t("选择角色…")]].concat(data.roles.map(function (r) { return [r.name, labelText(r.label)]; })), s.role, function (v) {
            s.role = v; changed();
          }, { "aria-label": t("角色"), class: "source-role" }));
          if (opts.anyMember) {
            detail.appendChild(el("label", { class: "check" }, [el("input", { type: "checkbox", checked: !!s.any_member, onchange: function (e) {
              if (e.target.checked) s.any_member = true; else delete s.any_member; changed();
            } }), el("span", { text: t("角色中任意一人处理即可（否则每位成员都要审批）") })]));
          }
        } else if (s.source === "manager") {
          detail.appendChild(selectInput([1, 2, 3, 4, 5].map(function (n) { return [String(n), n === 1 ? t("直属主管") : t("第 {n} 级主管", { n: n })]; }), s.level || 1, function (v) {
            s.level = parseInt(v, 10); changed();
          }, { "aria-label": t("主管层级"), class: "source-level" }));
          detail.appendChild(selectInput([["", t("不限角色")]].concat(data.roles.map(function (r) { return [r.name, t("只算角色“{role}”", { role: labelText(r.label) })]; })), s.role, function (v) {
            setOrDelete(s, "role", v); changed();
          }, { "aria-label": t("只算担任某角色的主管"), class: "source-role" }));
        } else if (s.source === "department_manager" || s.source === "user_field") {
          var fields = s.source === "user_field" ? peopleFields() : departmentFields();
          detail.appendChild(selectInput([["", t("选择字段…")]].concat(fields.map(function (f) { return [f.name, labelText(f.label)]; })), s.field, function (v) {
            s.field = v; changed();
          }, { "aria-label": t("字段"), class: "source-field" }));
        }
        list.appendChild(el("div", { class: "source-row" }, [
          el("div", { class: "source-main" }, [kind, (obj[key] || []).length > 1 ? el("button", { type: "button", class: "btn btn-icon", text: "×", title: t("删除"),
            "aria-label": t("删除"), onclick: function () { obj[key].splice(i, 1); draw(); changed(); } }) : null]),
          detail
        ]));
      });
    }
    draw();
    var add = el("button", { type: "button", class: "btn btn-small", text: "＋ " + (opts.addText || t("添加")), onclick: function () {
      obj[key] = (obj[key] || []).concat([defaultSource(kinds[0] === "users" ? "role" : kinds[0])]);
      draw(); changed();
    } });
    return block(label, [list, add], { prop: key, help: opts.help });
  }
  function defaultSource(kind) {
    if (kind === "users") return { source: "users", users: [] };
    if (kind === "role") return { source: "role", role: data.roles.length ? data.roles[0].name : "" };
    if (kind === "manager") return { source: "manager", level: 1 };
    if (kind === "department_manager") return { source: kind, field: (departmentFields()[0] || {}).name || "" };
    if (kind === "user_field") return { source: kind, field: (peopleFields()[0] || {}).name || "" };
    return { source: kind };
  }

  /* Per node: what each field of the form is for the person there (unlisted: the node's default). */
  function accessEditor(node, fallback, label, help) {
    var table = el("table", { class: "table access-table" }, [
      el("thead", {}, [el("tr", {}, [el("th", { scope: "col", text: t("字段") })].concat(ACCESS.map(function (a) {
        return el("th", { scope: "col", class: "center" }, [el("button", { type: "button", class: "btn-link", text: t(a[1]), title: t("全部设为“{level}”", { level: t(a[1]) }),
          onclick: function () {
            node.fields = {};
            FORM.fields.forEach(function (f) {
              var level = a[0] === "editable" && !f.writable ? "visible" : a[0];
              if (level !== fallback) node.fields[f.name] = level;
            });
            if (!Object.keys(node.fields).length) delete node.fields;
            renderPanel(); changed();
          } })]);
      })))]),
      el("tbody", {}, FORM.fields.map(function (f) {
        var current = (node.fields || {})[f.name] || fallback;
        if (current === "editable" && !f.writable) current = "visible";
        return el("tr", {}, [el("th", { scope: "row", text: labelText(f.label) })].concat(ACCESS.map(function (a) {
          var disabled = a[0] === "editable" && !f.writable;
          return el("td", { class: "center" }, [el("input", { type: "radio", name: "acc-" + node.id + "-" + f.name, value: a[0], checked: current === a[0],
            disabled: disabled, title: disabled ? t("系统计算的字段不能编辑") : null, "aria-label": labelText(f.label) + " " + t(a[1]),
            onchange: function () {
              node.fields = node.fields || {};
              if (a[0] === fallback) delete node.fields[f.name]; else node.fields[f.name] = a[0];
              if (!Object.keys(node.fields).length) delete node.fields;
              changed();
            } })]);
        })));
      }))
    ]);
    return block(label, [el("div", { class: "table-wrap" }, [table])], { prop: "fields", help: help });
  }

  function setEditor(node) {
    var list = el("div", { class: "set-rows" });
    function valueInput(name) {
      var f = FORM.fields.filter(function (x) { return x.name === name; })[0] || {};
      var value = node.set[name];
      var put = function (v) { node.set[name] = v; changed(); };
      if (f.options) return selectInput(f.options.map(function (o) { return [o.value, labelText(o.label)]; }), value, put, { "aria-label": t("值") });
      if (f.type === "boolean") return selectInput([["true", t("是")], ["false", t("否")]], value === false ? "false" : "true", function (v) { put(v === "true"); }, { "aria-label": t("值") });
      if (["integer", "decimal", "percent"].indexOf(f.type) >= 0) return numberInput(value, put, { "aria-label": t("值") });
      var type = f.type === "date" ? "date" : f.type === "datetime" ? "datetime-local" : "text";
      return el("input", { type: type, value: value === undefined || value === null ? "" : String(value), "aria-label": t("值"),
                           oninput: function (e) { put(e.target.value); } });
    }
    function draw() {
      list.innerHTML = "";
      Object.keys(node.set || {}).forEach(function (name) {
        var choices = settable().filter(function (f) { return f.name === name || !(name !== f.name && f.name in node.set); })
          .map(function (f) { return [f.name, labelText(f.label)]; });
        if (!settable().some(function (f) { return f.name === name; })) choices.unshift([name, name]);
        list.appendChild(el("div", { class: "set-row" }, [
          selectInput(choices, name, function (v) {
            var next = {};
            Object.keys(node.set).forEach(function (k) { if (k === name) { var f = FORM.fields.filter(function (x) { return x.name === v; })[0]; next[v] = f && f.options ? f.options[0].value : ""; } else next[k] = node.set[k]; });
            node.set = next; draw(); changed();
          }, { "aria-label": t("字段") }),
          el("span", { class: "muted", text: "=" }),
          valueInput(name),
          el("button", { type: "button", class: "btn btn-icon", text: "×", "aria-label": t("删除"), onclick: function () {
            delete node.set[name]; draw(); changed();
          } })
        ]));
      });
    }
    draw();
    var add = el("button", { type: "button", class: "btn btn-small", text: "＋ " + t("添加字段"), onclick: function () {
      var free = settable().filter(function (f) { return !(f.name in (node.set || {})); })[0];
      if (!free) return;
      node.set = node.set || {};
      node.set[free.name] = free.options ? free.options[0].value : "";
      draw(); changed();
    } });
    return block(t("流程走到这里时，把记录的这些字段改为："), [list, add], { prop: "set" });
  }

  function timeoutEditor(node) {
    var on = !!node.timeout;
    var box = el("div", { class: "timeout-box" });
    function draw() {
      box.innerHTML = "";
      if (!node.timeout) return;
      var to = node.timeout;
      box.appendChild(row(t("提醒（小时后）"), numberInput(to.remind_after_hours, function (v) { setOrDelete(to, "remind_after_hours", v); changed(); },
        { min: "0", step: "any", id: "p-remind" }), { prop: "remind_after_hours", help: t("超过这么多小时还没处理，提醒审批人；不填不提醒") }));
      box.appendChild(row(t("超时处理（小时后）"), numberInput(to.after_hours, function (v) { setOrDelete(to, "after_hours", v); changed(); },
        { min: "0", step: "any", id: "p-after" }), { prop: "after_hours" }));
      box.appendChild(row(t("超时后"), selectInput([["", t("不处理")], ["escalate", t("转交给其他人")], ["approve", t("自动通过")], ["reject", t("自动驳回")]], to.then, function (v) {
        setOrDelete(to, "then", v);
        if (v !== "escalate") delete to.escalate_to;
        else if (!to.escalate_to) to.escalate_to = [defaultSource("role")];
        draw(); changed();
      }, { id: "p-then" }), { prop: "then" }));
      if (to.then === "escalate") {
        box.appendChild(sourcesEditor(to, "escalate_to", t("转交给"), { kinds: ["role", "users"], addText: t("添加转交对象") }));
      }
    }
    draw();
    var toggle = el("label", { class: "check" }, [el("input", { type: "checkbox", checked: on, id: "p-timeout", onchange: function (e) {
      if (e.target.checked) node.timeout = { remind_after_hours: 24 }; else delete node.timeout;
      draw(); changed();
    } }), el("span", { text: t("设置审批时限") })]);
    return block(t("超时"), [toggle, box], { prop: "timeout" });
  }

  // ---------------------------------------------------------------- property panel: per kind
  function select(sel) {
    closeMenu();
    selected = sel;
    showTab("node");
    renderCanvas();
    renderPanel();
  }
  function focusPanel() { var first = document.querySelector("#panel-node input, #panel-node select, #panel-node textarea"); if (first) first.focus(); }

  function renderPanel() {
    var panel = document.getElementById("panel-node");
    panel.innerHTML = "";
    if (!selected) {
      panel.appendChild(el("div", { class: "empty-state panel-empty" }, [
        el("div", { class: "empty-icon", "aria-hidden": "true", text: "☝" }),
        el("p", { text: t("点击左侧流程中的节点，在这里设置审批人、条件等") })
      ]));
      return;
    }
    var body = el("div", { class: "props" });
    if (selected.branch) branchPanel(body, selected.group, selected.branch);
    else nodePanel(body, selected.node);
    panel.appendChild(el("div", { class: "panel-problems alert alert-error", id: "panel-problems", hidden: true }));
    panel.appendChild(body);
    showProblems();
  }

  function nodePanel(body, n) {
    var head = el("div", { class: "panel-head" }, [
      el("strong", { text: t(TYPE_NAMES[n.type]) }),
      el("span", { class: "muted small", title: t("节点编号，用于接口和日志"), text: n.id })
    ]);
    body.appendChild(head);
    body.appendChild(labelProp(n, "label", t("节点名称"), { required: true, id: "p-label" }));
    if (n.type === "start") {
      body.appendChild(accessEditor(n, "editable", t("发起人填写时的字段权限"), t("未设置的字段可编辑")));
    } else if (n.type === "approval") {
      body.appendChild(sourcesEditor(n, "approvers", t("审批人"), { anyMember: true, addText: t("添加审批人"),
        help: t("可以组合多种来源；同一个人只审批一次") }));
      var modes = el("div", { class: "radio-list" }, MODES.map(function (m) {
        return el("label", { class: "check" }, [el("input", { type: "radio", name: "mode-" + n.id, value: m[0], checked: (n.mode || "all") === m[0], onchange: function () {
          n.mode = m[0];
          if (m[0] === "vote") n.threshold = n.threshold || "2/3"; else delete n.threshold;
          renderPanel(); changed();
        } }), el("span", { text: t(m[1]) })]);
      }));
      body.appendChild(block(t("多人审批时"), [modes], { prop: "mode" }));
      if (n.mode === "vote") {
        body.appendChild(row(t("通过比例"), el("input", { type: "text", value: n.threshold || "", placeholder: "2/3", id: "p-threshold",
          oninput: function (e) { setOrDelete(n, "threshold", e.target.value.trim()); changed(); } }), { prop: "threshold", help: t("如 2/3 或 60%：同意的人数达到这个比例即通过") }));
      }
      body.appendChild(row(t("找不到审批人时"), selectInput([["block", t("停止流程并提示")], ["skip", t("自动跳过这个节点")], ["admin", t("转交给管理员")]], n.no_approver || "block", function (v) {
        if (v === "block") delete n.no_approver; else n.no_approver = v;
        if (v !== "admin") delete n.admin; else n.admin = n.admin || "admin";
        renderPanel(); changed();
      }, { id: "p-no-approver" }), { prop: "no_approver" }));
      if (n.no_approver === "admin") {
        body.appendChild(row(t("管理员"), selectInput([["", t("选择用户…")]].concat(data.users.map(function (u) { return [u.username, u.name + " (" + u.username + ")"]; })), n.admin, function (v) {
          setOrDelete(n, "admin", v); changed();
        }, { id: "p-admin" }), { prop: "admin" }));
      }
      body.appendChild(row(t("发起人也是审批人时"), selectInput([["keep", t("仍由发起人审批")], ["skip", t("跳过发起人")]], n.submitter_is_approver || "keep", function (v) {
        if (v === "keep") delete n.submitter_is_approver; else n.submitter_is_approver = v; changed();
      }, { id: "p-self" }), { prop: "submitter_is_approver" }));
      body.appendChild(timeoutEditor(n));
      body.appendChild(accessEditor(n, "visible", t("审批人看到的字段"), t("未设置的字段只读；可编辑的字段审批人可以修改")));
    } else if (n.type === "cc") {
      body.appendChild(sourcesEditor(n, "recipients", t("抄送给"), { addText: t("添加抄送人") }));
    } else if (n.type === "action") {
      body.appendChild(setEditor(n));
    } else if (n.type === "end") {
      body.appendChild(row(t("结果"), selectInput([["approved", t("审批通过")], ["rejected", t("已驳回")]], n.result || "approved", function (v) {
        if (v === "approved") delete n.result; else n.result = v; changed();
      }, { id: "p-result" }), { prop: "result" }));
    } else if (isGroup(n)) {
      body.appendChild(el("p", { class: "muted small", text: n.type === "condition"
        ? t("按优先级依次判断，进入第一个条件成立的分支；都不成立时进入默认分支（其他情况）。点击分支设置条件。")
        : t("所有分支同时进行，全部完成后流程继续。") }));
      body.appendChild(el("button", { type: "button", class: "btn btn-small", text: "＋ " + (n.type === "condition" ? t("添加条件") : t("添加分支")),
        onclick: function () { addBranch(n); } }));
    }
    if (!(n.type === "start" || (n.type === "end" && flow.nodes.indexOf(n) === flow.nodes.length - 1))) {
      body.appendChild(el("div", { class: "panel-actions" }, [el("button", { type: "button", class: "btn btn-danger btn-small", text: isGroup(n) ? t("删除分支组") : t("删除节点"),
        onclick: function () { removeNode(listOf(n), n); } })]));
    }
  }

  function listOf(n) {
    var found = null;
    (function walk(list) {
      if (found) return;
      if (list.indexOf(n) >= 0) { found = list; return; }
      list.forEach(function (x) { if (isGroup(x)) x.branches.forEach(function (b) { walk(b.nodes || []); }); });
    })(flow.nodes);
    return found || flow.nodes;
  }

  function branchPanel(body, group, b) {
    var cond = group.type === "condition";
    body.appendChild(el("div", { class: "panel-head" }, [el("strong", { text: cond ? t("条件分支") : t("并行分支") }),
      el("span", { class: "muted small", text: labelText(group.label) + " · " + b.id })]));
    body.appendChild(labelProp(b, "label", t("分支名称"), { required: true, id: "p-label" }));
    if (cond) {
      var def = el("input", { type: "checkbox", checked: !!b["default"], id: "p-default", onchange: function (e) {
        if (e.target.checked) {
          group.branches.forEach(function (x) { delete x["default"]; if (x !== b && x.when === undefined) x.when = ""; });
          b["default"] = true; delete b.when;
          group.branches.splice(group.branches.indexOf(b), 1); group.branches.push(b);  // the default goes last
        } else {
          delete b["default"]; b.when = "";
        }
        renderPanel(); changed();
      } });
      body.appendChild(el("label", { class: "check prop-check", "data-prop": "default" }, [def, el("span", { text: t("默认分支（其他情况）：其他条件都不满足时进入") })]));
      if (!b["default"]) {
        body.appendChild(expressionProp(b, "when", t("条件"), { id: "p-when", placeholder: "total_amount >= 50000",
          help: t("用字段标识写条件，如 total_amount >= 50000 and status == \"draft\"") }));
        var fields = el("div", { class: "field-chips" }, FORM.fields.filter(function (f) { return f.type !== "subform"; }).map(function (f) {
          return el("button", { type: "button", class: "chip chip-button", title: t("插入字段标识"), text: labelText(f.label) + " · " + f.name, onclick: function () {
            var input = document.getElementById("p-when");
            var start = input.selectionStart || input.value.length;
            input.value = input.value.slice(0, start) + f.name + input.value.slice(input.selectionEnd || start);
            input.dispatchEvent(new Event("input"));
            input.focus();
          } });
        }));
        body.appendChild(block(t("可用字段（点击插入）"), [fields]));
        var index = group.branches.indexOf(b);
        var last = group.branches.filter(function (x) { return !x["default"]; }).length - 1;
        body.appendChild(block(t("优先级"), [el("div", { class: "btn-row" }, [
          el("button", { type: "button", class: "btn btn-small", text: "← " + t("提前"), disabled: index === 0, onclick: function () { move(group, b, -1); } }),
          el("span", { class: "muted small", text: t("优先级 {n}", { n: index + 1 }) }),
          el("button", { type: "button", class: "btn btn-small", text: t("推后") + " →", disabled: index >= last, onclick: function () { move(group, b, 1); } })
        ])]));
      }
    }
    if (group.branches.length > minBranches(group)) {
      body.appendChild(el("div", { class: "panel-actions" }, [el("button", { type: "button", class: "btn btn-danger btn-small", text: t("删除分支"),
        onclick: function () { removeBranch(group, b); } })]));
    }
  }
  function move(group, b, step) {
    var i = group.branches.indexOf(b);
    group.branches.splice(i, 1);
    group.branches.splice(i + step, 0, b);
    renderPanel(); changed();
  }

  function showProblems() {
    var panel = document.getElementById("panel-node");
    var mine = selected ? issuesOf(selected.branch || selected.node) : [];
    FormworkDrafts.showPanelProblems(panel, selected && document.getElementById("panel-problems"), mine,
                                     function (p) { return (p.prop || "").split("/")[0]; });
  }

  // ---------------------------------------------------------------- flow settings, tabs, leaving
  function renderFlowPanel() {
    var panel = document.getElementById("panel-flow");
    panel.innerHTML = "";
    var body = el("div", { class: "props" });
    panel.appendChild(body);
    body.appendChild(labelProp(flow, "label", t("流程名称"), { required: true, after: function () {
      document.getElementById("flow-title").textContent = labelText(flow.label) || flow.name;
    } }));
    body.appendChild(labelProp(flow, "description", t("说明")));
    body.appendChild(block(t("绑定的表单"), [el("div", {}, [labelText(FORM.label) || flow.form, " ", el("code", { class: "muted", text: flow.form })])],
      { help: t("创建流程时选定，不能修改") }));
  }

  function showTab(name) {
    document.querySelectorAll(".itab").forEach(function (b) {
      var on = b.getAttribute("data-tab") === name;
      b.classList.toggle("active", on);
      b.setAttribute("aria-selected", on ? "true" : "false");
    });
    ["node", "flow", "preview"].forEach(function (n) { document.getElementById("panel-" + n).hidden = n !== name; });
    if (name === "flow") renderFlowPanel();
  }
  document.querySelectorAll(".itab").forEach(function (b) {
    b.addEventListener("click", function () { showTab(b.getAttribute("data-tab")); });
  });

  function renderAll() { renderCanvas(); renderPanel(); }

  renderCanvas();
  setProblems(data.problems || [], pointers(flow.nodes, "/nodes"));
  renderPanel();
})();
