/* The monthly report's interactive layer (issue #17): a findings explorer over every finding of
   the period, sortable tables, collapsible control sections, a toolbar.

   Included verbatim by interactive.html.j2, inside the page: no network, no eval, no HTML parsing.
   Values from the logs reach the page only as textContent (or a title), never as markup. This
   file must hold no Jinja delimiter and no closing script tag (tests/test_interactive_data.py checks).
   When everything is ready, <html> gets data-auditor-ready (ms since navigation start), which the
   tests and the benchmark wait for. */
(function () {
  "use strict";

  const DATA_ID = "auditor-findings";
  const PAGE_SIZES = [25, 100, 250, 500];  // never more rows in the DOM than the largest
  const DEBOUNCE_MS = 150;
  const numberFormat = new Intl.NumberFormat("en");

  /* ---- small DOM helpers ------------------------------------------------------------------ */

  /** An element with properties (className, textContent, ...), attributes and children. */
  function el(tag, props, attrs, children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    for (const child of children || []) node.append(child);
    return node;
  }

  function fmt(n) {
    return numberFormat.format(n);
  }

  function debounce(fn) {
    let timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, DEBOUNCE_MS);
    };
  }

  /* ---- the data --------------------------------------------------------------------------- */

  /** The embedded findings: plain JSON, or gzipped and base64-encoded JSON when large. */
  async function loadData() {
    const script = document.getElementById(DATA_ID);
    if (!script) return null;
    const outer = JSON.parse(script.textContent);
    if (outer.encoding !== "gzip+base64") return outer;
    const bytes = base64Bytes(outer.data);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function base64Bytes(text) {
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  /** One column of the data: a plain list, or a sorted dictionary and a code per row. */
  class Column {
    constructor(key, raw) {
      this.key = key;
      this.coded = !Array.isArray(raw);
      this.dict = this.coded ? raw.dict : null;
      this.codes = this.coded ? raw.codes : null;
      this.plain = this.coded ? null : raw;
      this.lowerCache = null;
      this.rankCache = null;
    }

    value(i) {
      return this.coded ? this.dict[this.codes[i]] : this.plain[i];
    }

    /** Lower-case text of each dictionary entry (coded) or of each row (plain), made once. */
    lower() {
      if (!this.lowerCache) this.lowerCache = (this.coded ? this.dict : this.plain).map((v) => text(v).toLowerCase());
      return this.lowerCache;
    }

    /** A function telling whether row i's value contains `needle` (lower case). */
    matcher(needle) {
      const lower = this.lower();
      if (this.coded) {
        const hit = lower.map((v) => v.includes(needle));
        return (i) => hit[this.codes[i]];
      }
      return (i) => lower[i].includes(needle);
    }

    /** Each row's rank in this column's order (equal values, equal ranks), made once. */
    rank(kind) {
      if (this.rankCache) return this.rankCache;
      if (this.coded) {  // dictionaries come sorted: the code is the rank
        this.rankCache = Int32Array.from(this.codes);
        return this.rankCache;
      }
      const n = this.plain.length;
      const keys = kind === "time" ? this.plain.map((v) => (v == null ? -Infinity : Date.parse(v))) : this.plain.map(text);
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
      const rank = new Int32Array(n);
      for (let j = 1; j < n; j++) rank[order[j]] = rank[order[j - 1]] + (keys[order[j]] === keys[order[j - 1]] ? 0 : 1);
      this.rankCache = rank;
      return rank;
    }
  }

  function text(value) {
    if (value === null || value === undefined) return "";
    return String(value);
  }

  /** "2026-08-17T11:00:00Z" as "2026-08-17 11:00:00 UTC"; other text as it is. */
  function when(value) {
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d(?:\.\d+)?)Z$/.exec(text(value));
    return m ? m[1] + " " + m[2] + " UTC" : text(value);
  }

  /* ---- the findings explorer ---------------------------------------------------------------- */

  class Explorer {
    constructor(data) {
      this.rows = data.rows;
      this.label = data.label;
      this.spec = data.columns;
      this.columns = {};
      for (const [key, raw] of Object.entries(data.data)) this.columns[key] = new Column(key, raw);
      this.filters = {};  // column key -> dictionary code (select) or lower-case text (text)
      this.search = "";
      this.sortKey = null;
      this.sortDir = 1;
      this.page = 0;
      this.pageSize = 100;
      this.view = null;
      this.renders = 0;
      this.build();
      this.update();
    }

    /* The section: heading, filters, table, pager. */
    build() {
      this.section = el("section", { id: "explorer", className: "explorer screen-only" }, {
        "aria-labelledby": "explorer-title", "data-findings": String(this.rows),
      });
      this.section.append(
        el("h2", { id: "explorer-title", textContent: "All findings of " + this.label }),
        el("p", {
          textContent: "Every finding of the period (" + fmt(this.rows) + "), the rows of findings-" + this.label +
            ".csv. Sort by a column's heading; filter by control, severity, user or status, or search all their text.",
        }),
      );
      const filters = el("div", { className: "explorer-filters" });
      this.searchInput = el("input", { type: "search", id: "explorer-search", placeholder: "Search all findings" }, {
        "aria-label": "Search all findings",
      });
      this.searchInput.addEventListener("input", debounce(() => {
        this.search = this.searchInput.value.trim().toLowerCase();
        this.page = 0;
        this.update();
      }));
      filters.append(el("label", { className: "explorer-search" }, {}, ["Search", this.searchInput]));
      for (const spec of this.spec) {
        if (spec.filter === "select" && this.columns[spec.key].coded) filters.append(this.selectFilter(spec));
        else if (spec.filter === "text") filters.append(this.textFilter(spec));
      }
      const clear = el("button", { type: "button", className: "explorer-clear", textContent: "Clear filters" });
      clear.addEventListener("click", () => this.clear());
      filters.append(clear);

      this.status = el("p", { id: "explorer-status", className: "explorer-status" }, { "aria-live": "polite" });
      this.head = el("tr");
      for (const spec of this.spec) {
        const button = el("button", { type: "button", className: "sort", textContent: spec.label });
        button.addEventListener("click", () => this.sortBy(spec.key));
        this.head.append(el("th", {}, { "data-key": spec.key, "aria-sort": "none", scope: "col" }, [button]));
      }
      this.body = el("tbody");
      this.table = el("table", { id: "explorer-table", className: "explorer-table" }, {}, [
        el("colgroup", {}, {}, this.spec.map((spec) => el("col", { className: "col-" + spec.key }))),
        el("thead", {}, {}, [this.head]),
        this.body,
      ]);
      this.section.append(filters, this.status, el("div", { className: "explorer-scroll" }, {}, [this.table]), this.pager());
    }

    selectFilter(spec) {
      const column = this.columns[spec.key];
      const counts = new Array(column.dict.length).fill(0);
      for (const code of column.codes) counts[code]++;
      const select = el("select", {}, { "data-filter": spec.key }, [el("option", { value: "", textContent: "all" })]);
      column.dict.forEach((value, code) => {
        if (counts[code]) select.append(el("option", { value: String(code), textContent: text(value) + " (" + fmt(counts[code]) + ")" }));
      });
      select.addEventListener("change", () => this.setFilter(spec.key, select.value === "" ? undefined : Number(select.value)));
      return el("label", {}, {}, [spec.label, select]);
    }

    textFilter(spec) {
      const input = el("input", { type: "search", placeholder: spec.person && spec.person.length ? "name, email or id" : "contains" },
        { "data-filter": spec.key });
      input.addEventListener("input", debounce(() => this.setFilter(spec.key, input.value.trim().toLowerCase() || undefined)));
      return el("label", {}, {}, [spec.label, input]);
    }

    /** The columns a column's filter and sort look at: itself, after a person's name and email. */
    keysOf(key) {
      const spec = this.spec.find((s) => s.key === key);
      const person = (spec && spec.person ? spec.person : []).filter((k) => this.columns[k]);
      return [...person, key];
    }

    pager() {
      const bar = el("div", { className: "explorer-pager" });
      this.buttons = {};
      const move = { first: () => 0, previous: () => this.page - 1, next: () => this.page + 1, last: () => Infinity };
      const names = { first: "« First", previous: "‹ Previous", next: "Next ›", last: "Last »" };
      for (const name of Object.keys(move)) {
        this.buttons[name] = el("button", { type: "button", textContent: names[name] }, { "data-page": name });
        this.buttons[name].addEventListener("click", () => {
          this.page = move[name]();
          this.render();
        });
      }
      this.pageText = el("span", { className: "explorer-page" });
      const size = el("select", {}, { "aria-label": "Rows per page", "data-page-size": "" });
      for (const n of PAGE_SIZES) size.append(el("option", { value: String(n), textContent: n + " rows per page", selected: n === this.pageSize }));
      size.addEventListener("change", () => {
        this.pageSize = Number(size.value);
        this.page = 0;
        this.render();
      });
      bar.append(this.buttons.first, this.buttons.previous, this.pageText, this.buttons.next, this.buttons.last, size);
      return bar;
    }

    /* Filtering, sorting, paging. */

    setFilter(key, value) {
      if (value === undefined) delete this.filters[key];
      else this.filters[key] = value;
      this.page = 0;
      this.update();
    }

    /** Show only `control`'s findings (from its section's button); other filters cleared. */
    showControl(control) {
      this.clear(false);
      const column = this.columns.control;
      const code = column.dict.indexOf(control);
      const select = this.section.querySelector('select[data-filter="control"]');
      if (select) select.value = String(code);
      this.setFilter("control", code);
    }

    clear(update = true) {
      this.filters = {};
      this.search = "";
      this.searchInput.value = "";
      for (const input of this.section.querySelectorAll("[data-filter]")) input.value = "";
      this.page = 0;
      if (update) this.update();
    }

    sortBy(key) {
      this.sortDir = this.sortKey === key ? -this.sortDir : 1;
      this.sortKey = key;
      this.page = 0;
      this.update();
    }

    /** The rows that pass every filter and the search, in the chosen order. */
    update() {
      const tests = [];
      for (const [key, value] of Object.entries(this.filters)) {
        const column = this.columns[key];
        if (typeof value === "number") {
          const codes = column.codes;
          tests.push((i) => codes[i] === value);
        } else {
          const any = this.keysOf(key).map((k) => this.columns[k].matcher(value));
          tests.push((i) => any.some((match) => match(i)));
        }
      }
      if (this.search) {
        const any = Object.values(this.columns).map((column) => column.matcher(this.search));
        tests.push((i) => any.some((match) => match(i)));
      }
      let view = new Int32Array(this.rows);
      let m = 0;
      for (let i = 0; i < this.rows; i++) {
        if (tests.every((test) => test(i))) view[m++] = i;
      }
      view = view.subarray(0, m);
      if (this.sortKey) {
        const spec = this.spec.find((s) => s.key === this.sortKey);
        const ranks = this.keysOf(this.sortKey).map((k) => this.columns[k].rank(k === spec.key ? spec.sort : "text"));
        const dir = this.sortDir;
        const compare = (a, b) => {
          for (const rank of ranks) if (rank[a] !== rank[b]) return rank[a] - rank[b];
          return 0;
        };
        view.sort((a, b) => dir * compare(a, b) || a - b);  // ties in the CSV's order
      }
      this.view = view;
      for (const th of this.head.children) {
        const key = th.getAttribute("data-key");
        th.setAttribute("aria-sort", key !== this.sortKey ? "none" : this.sortDir > 0 ? "ascending" : "descending");
      }
      this.render();
    }

    /** One page of rows, built with createElement and textContent. */
    render() {
      const total = this.view.length;
      const pages = Math.max(1, Math.ceil(total / this.pageSize));
      this.page = Math.min(Math.max(0, this.page), pages - 1);
      const start = this.page * this.pageSize;
      const end = Math.min(total, start + this.pageSize);
      const rows = [];
      for (let j = start; j < end; j++) rows.push(this.row(this.view[j]));
      if (!rows.length) {
        const empty = this.rows ? "No finding matches." : "No finding in the period.";
        rows.push(el("tr", {}, {}, [el("td", { className: "muted", colSpan: this.spec.length, textContent: empty })]));
      }
      this.body.replaceChildren(...rows);
      const filtered = total < this.rows ? " matching finding(s) (" + fmt(this.rows) + " in all)" : " finding(s)";
      this.status.textContent = total ? "Showing " + fmt(start + 1) + "–" + fmt(end) + " of " + fmt(total) + filtered
        : this.rows ? "No finding of " + fmt(this.rows) + " matches." : "No finding in the period.";
      this.pageText.textContent = "Page " + fmt(this.page + 1) + " of " + fmt(pages);
      this.renders += 1;  // tests wait for it after a debounced input
      this.section.setAttribute("data-renders", String(this.renders));
      this.buttons.first.disabled = this.buttons.previous.disabled = this.page === 0;
      this.buttons.next.disabled = this.buttons.last.disabled = this.page >= pages - 1;
    }

    row(i) {
      const tr = el("tr");
      for (const spec of this.spec) {
        const value = this.columns[spec.key].value(i);
        const td = el("td", {}, {
          "data-key": spec.key, "data-label": spec.label,  // data-label: the phone layout's caption
        });
        if (spec.person) this.person(td, spec, i, value);
        else td.textContent = spec.sort === "time" ? when(value) : text(value);
        if (spec.mono) td.className = "mono";
        if (spec.key === "severity") td.className = "sev-" + text(value);
        if (spec.key === "status") this.decorateStatus(td, i, value);
        tr.append(td);
      }
      return tr;
    }

    /** A person as the report's tables show one: name, email, and the id small below. */
    person(td, spec, i, id) {
      const [name, email] = spec.person.map((k) => (this.columns[k] ? text(this.columns[k].value(i)) : ""));
      if (name || email) td.append(el("span", { className: "who", textContent: name || email }));
      if (name && email) td.append(" ", el("span", { className: "email", textContent: email }));
      td.append(el("span", { className: "id", textContent: text(id) }));
    }

    decorateStatus(td, i, value) {
      td.className = "status-" + text(value);
      const reason = this.columns.waiver_reason;
      if (value !== "waived" || !reason) return;
      const by = this.columns.waiver_approved_by;
      const until = this.columns.waiver_expires;
      td.title = "Waived: " + text(reason.value(i)) + (by ? "; approved by " + text(by.value(i)) : "") +
        (until ? "; until " + text(until.value(i)) : "");
    }

    /** Findings per control, for the sections' buttons. */
    countsByControl() {
      const column = this.columns.control;
      const counts = new Map();
      if (!column || !column.coded) return counts;
      for (const code of column.codes) counts.set(column.dict[code], (counts.get(column.dict[code]) || 0) + 1);
      return counts;
    }
  }

  /* ---- the rest of the page ----------------------------------------------------------------- */

  /** Each control section folds under its heading; the heading becomes the toggle. */
  function makeCollapsible(section) {
    const heading = section.querySelector("h3");
    if (!heading || section.querySelector(".collapse-toggle")) return;
    const body = el("div", { id: section.id + "-body", className: "control-body" });
    while (heading.nextSibling) body.append(heading.nextSibling);
    const toggle = el("button", { type: "button", className: "collapse-toggle" }, {
      "aria-expanded": "true", "aria-controls": body.id,
    });
    while (heading.firstChild) toggle.append(heading.firstChild);
    heading.append(toggle);
    section.append(body);
    toggle.addEventListener("click", () => setExpanded(section, toggle.getAttribute("aria-expanded") !== "true"));
  }

  function setExpanded(section, open) {
    const toggle = section.querySelector(".collapse-toggle");
    const body = section.querySelector(".control-body");
    if (!toggle || !body) return;
    toggle.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
    section.classList.toggle("collapsed", !open);
  }

  /** A link to a place inside a folded section opens the section first. */
  function revealTarget(hash) {
    if (!hash || hash.length < 2) return;
    let target = null;
    try {
      target = document.getElementById(decodeURIComponent(hash.slice(1)));
    } catch (e) {
      return;  // a malformed hash names nothing
    }
    const section = target && target.closest("section.control");
    if (section) setExpanded(section, true);
  }

  /** Tables of records (one heading row, every heading named, no row headings: not the sign-off
      or the cover's key-value tables) sort by a click on a heading, numbers as numbers. */
  function makeSortable(table) {
    const head = table.tHead;
    const body = table.tBodies[0];
    if (!head || head.rows.length !== 1 || !body || body.rows.length < 2 || table.tBodies.length !== 1) return;
    if (Array.from(head.rows[0].cells).some((th) => !th.textContent.trim()) || body.querySelector("th")) return;
    Array.from(head.rows[0].cells).forEach((th, index) => {
      const button = el("button", { type: "button", className: "sort" });
      while (th.firstChild) button.append(th.firstChild);
      th.append(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", () => sortTable(table, th, index));
    });
  }

  function sortTable(table, th, index) {
    const body = table.tBodies[0];
    const dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    for (const cell of th.parentNode.cells) cell.setAttribute("aria-sort", "none");
    th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
    const rows = Array.from(body.rows);
    const cells = rows.map((row) => (row.cells[index] ? row.cells[index].textContent.trim() : ""));
    const numeric = cells.every((c) => c === "" || /^[+-]?[\d,]+(\.\d+)?$/.test(c));
    const keys = cells.map((c) => (numeric ? (c === "" ? -Infinity : Number(c.replace(/,/g, ""))) : c));
    const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });
    const order = rows.map((_, i) => i).sort((a, b) => {
      const diff = numeric ? keys[a] - keys[b] : collator.compare(keys[a], keys[b]);
      return dir * diff || a - b;
    });
    body.append(...order.map((i) => rows[i]));
  }

  function toolbar(explorerReady) {
    const bar = el("nav", { className: "report-toolbar screen-only" }, { "aria-label": "Report" });
    const links = [["#summary", "Summary"], ["#controls", "Controls"]];
    if (explorerReady) links.push(["#explorer", "All findings"]);
    for (const [href, label] of links) {
      if (href === "#explorer" || document.getElementById(href.slice(1))) bar.append(el("a", { href, textContent: label }));
    }
    const sections = Array.from(document.querySelectorAll("section.control"));
    for (const [label, open] of [["Expand all controls", true], ["Collapse all controls", false]]) {
      const button = el("button", { type: "button", textContent: label }, { "data-expand": String(open) });
      button.addEventListener("click", () => sections.forEach((s) => setExpanded(s, open)));
      bar.append(button);
    }
    document.body.prepend(bar);
  }

  /** Under each control's examples: a button showing all its findings in the explorer. */
  function exploreButtons(explorer) {
    const counts = explorer.countsByControl();
    for (const section of document.querySelectorAll("section.control")) {
      const control = section.id.replace(/^control-/, "");
      const n = counts.get(control);
      if (!n) continue;
      const button = el("button", { type: "button", className: "explore-control",
        textContent: "Show all " + fmt(n) + " finding(s) of " + control + " in the explorer" }, { "data-control": control });
      button.addEventListener("click", () => {
        explorer.showControl(control);
        explorer.section.scrollIntoView();
      });
      const body = section.querySelector(".control-body") || section;
      const table = body.querySelector("table");
      const place = el("p", { className: "screen-only" }, {}, [button]);
      if (table) table.after(place);
      else body.append(place);
    }
  }

  function placeExplorer(section) {
    const controls = document.querySelectorAll("section.control");
    if (controls.length) controls[controls.length - 1].after(section);
    else document.body.append(section);
  }

  async function main() {
    document.querySelectorAll("section.control").forEach(makeCollapsible);
    document.querySelectorAll("table").forEach(makeSortable);
    document.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest('a[href^="#"]');
      if (link) revealTarget(link.getAttribute("href"));
    });
    window.addEventListener("hashchange", () => revealTarget(location.hash));
    let explorer = null;
    try {
      const data = await loadData();
      if (data) {
        explorer = new Explorer(data);
        placeExplorer(explorer.section);
        exploreButtons(explorer);
      }
    } catch (error) {
      const note = el("p", { className: "explorer-error", textContent: "The findings explorer could not load its data (" +
        error + "); every finding is in the CSV beside this report." });
      placeExplorer(el("section", { id: "explorer", className: "explorer screen-only" }, {}, [note]));
      console.error(error);
    }
    toolbar(Boolean(explorer));
    if (location.hash) {
      revealTarget(location.hash);
      const target = document.getElementById(location.hash.slice(1));
      if (target) target.scrollIntoView();
    }
    document.documentElement.setAttribute("data-auditor-ready", String(Math.round(performance.now())));
  }

  main();
})();
