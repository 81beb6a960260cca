/* sphinxext-ldm503: explore a milestone diagram (inline SVG written by web.py).
 *
 * No dependencies, no network, works from file://. Without this script the page
 * is complete: the diagram's nodes are links, and a plain link opens the SVG at
 * full size. With it, each explorable diagram gets:
 *   - "Full size": the diagram fills the window (Escape closes it);
 *   - zoom (buttons, Ctrl + wheel) and pan (drag, or the frame's scroll bars);
 *   - hovering or focusing a node highlights everything it depends on and
 *     everything that depends on it, transitively, and dims the rest;
 *   - a search box that finds a node by its ID.
 * The dependency graph is read from the SVG itself: Graphviz titles each edge
 * "prerequisite->milestone" with the node names, and each node's first text is
 * its ID.
 */
(function () {
  "use strict";

  function textOf(el) { return el ? (el.textContent || "").trim() : ""; }

  function Explorer(root) {
    this.root = root;
    this.frame = root.querySelector(".ldm503-graph-frame");
    this.svg = this.frame && this.frame.querySelector("svg");
    if (!this.svg) { return; }
    this.scale = 0;  /* 0: fitted to the column */
    this.pinned = null;
    this.readGraph();
    this.buildBar();
    this.bindNodes();
    this.bindPan();
    root.classList.add("ldm503-ready");
  }

  Explorer.prototype.readGraph = function () {
    var self = this;
    this.nodes = {};   /* node name -> {g, id, up: [], down: []} */
    this.byId = {};    /* milestone ID (upper case) -> node name */
    this.edges = [];   /* {g, from, to}: from is the prerequisite */
    Array.prototype.forEach.call(this.svg.querySelectorAll("g.node"), function (g) {
      var name = textOf(g.querySelector("title"));
      var label = textOf(g.querySelector("text"));
      self.nodes[name] = { g: g, id: label, up: [], down: [] };
      self.byId[label.toUpperCase()] = name;
      g.setAttribute("data-ldm503-id", label);
    });
    Array.prototype.forEach.call(this.svg.querySelectorAll("g.edge"), function (g) {
      var parts = textOf(g.querySelector("title")).split("->");
      if (parts.length !== 2 || !self.nodes[parts[0]] || !self.nodes[parts[1]]) { return; }
      self.edges.push({ g: g, from: parts[0], to: parts[1] });
      self.nodes[parts[1]].up.push(parts[0]);
      self.nodes[parts[0]].down.push(parts[1]);
    });
  };

  /* Every node reachable from `start` along `key` ("up" or "down"), start excluded. */
  Explorer.prototype.reach = function (start, key) {
    var seen = {}, stack = [start], out = [];
    seen[start] = true;
    while (stack.length) {
      var name = stack.pop();
      var next = this.nodes[name][key];
      for (var i = 0; i < next.length; i++) {
        if (!seen[next[i]]) { seen[next[i]] = true; out.push(next[i]); stack.push(next[i]); }
      }
    }
    return out;
  };

  Explorer.prototype.highlight = function (name) {
    var self = this;
    this.clear();
    if (!name || !this.nodes[name]) { return; }
    var up = this.reach(name, "up"), down = this.reach(name, "down");
    var upSet = {}, downSet = {}, all = {};
    upSet[name] = downSet[name] = all[name] = true;
    up.forEach(function (n) { upSet[n] = all[n] = true; });
    down.forEach(function (n) { downSet[n] = all[n] = true; });
    Object.keys(this.nodes).forEach(function (n) {
      self.nodes[n].g.classList.add(all[n] ? "ldm503-hit" : "ldm503-dim");
    });
    this.nodes[name].g.classList.add("ldm503-focus");
    this.edges.forEach(function (e) {
      var onChain = (upSet[e.from] && upSet[e.to]) || (downSet[e.from] && downSet[e.to]);
      e.g.classList.add(onChain ? "ldm503-hit" : "ldm503-dim");
    });
    this.root.setAttribute("data-ldm503-highlighted", Object.keys(all).map(function (n) {
      return self.nodes[n].id;
    }).sort().join(" "));
    this.status(this.nodes[name].id + ": " + up.length + " upstream, " + down.length +
                " downstream");
  };

  Explorer.prototype.clear = function () {
    Array.prototype.forEach.call(
      this.svg.querySelectorAll(".ldm503-hit, .ldm503-dim, .ldm503-focus"), function (el) {
        el.classList.remove("ldm503-hit", "ldm503-dim", "ldm503-focus");
      });
    this.root.removeAttribute("data-ldm503-highlighted");
    this.status("");
  };

  Explorer.prototype.status = function (text) {
    if (this.statusEl) { this.statusEl.textContent = text; }
  };

  Explorer.prototype.button = function (label, title, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.title = title;
    b.setAttribute("aria-label", title);
    b.addEventListener("click", action);
    this.bar.appendChild(b);
    return b;
  };

  Explorer.prototype.buildBar = function () {
    var self = this;
    var bar = this.bar = document.createElement("div");
    bar.className = "ldm503-explorer-bar";
    var search = this.search = document.createElement("input");
    search.type = "search";
    search.className = "ldm503-search";
    search.placeholder = "Find a milestone by ID";
    search.setAttribute("aria-label", "Find a milestone in the diagram by its ID");
    var list = document.createElement("datalist");
    list.id = (this.root.getAttribute("data-ldm503-graph") || "ldm503") + "-ids";
    Object.keys(this.byId).sort().forEach(function (id) {
      var option = document.createElement("option");
      option.value = self.nodes[self.byId[id]].id;
      list.appendChild(option);
    });
    search.setAttribute("list", list.id);
    search.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); self.find(search.value); }
    });
    search.addEventListener("change", function () { self.find(search.value); });
    bar.appendChild(search);
    bar.appendChild(list);
    this.fullButton = this.button("Full size", "Open the diagram at full size", function () {
      self.toggleFull();
    });
    this.button("+", "Zoom in", function () { self.zoom(1.25); });
    this.button("\u2212", "Zoom out", function () { self.zoom(0.8); });
    this.button("Fit", "Fit the diagram to the column", function () { self.fit(); });
    this.statusEl = document.createElement("span");
    this.statusEl.className = "ldm503-explorer-status";
    this.statusEl.setAttribute("aria-live", "polite");
    bar.appendChild(this.statusEl);
    this.root.insertBefore(bar, this.frame);
    var open = this.root.querySelector("a.ldm503-open-full");
    if (open) {
      open.addEventListener("click", function (ev) {
        ev.preventDefault();
        self.toggleFull(true);
      });
    }
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape" && self.root.classList.contains("ldm503-fullscreen")) {
        self.toggleFull(false);
      }
    });
  };

  Explorer.prototype.bindNodes = function () {
    var self = this;
    Object.keys(this.nodes).forEach(function (name) {
      var g = self.nodes[name].g;
      g.addEventListener("mouseenter", function () { self.highlight(name); });
      g.addEventListener("mouseleave", function () {
        if (self.pinned) { self.highlight(self.pinned); } else { self.clear(); }
      });
      g.addEventListener("focusin", function () { self.highlight(name); });
    });
  };

  Explorer.prototype.find = function (value) {
    var key = (value || "").trim().toUpperCase();
    if (!key) { this.pinned = null; this.clear(); return false; }
    var name = this.byId[key];
    if (!name) {
      var ids = Object.keys(this.byId).filter(function (id) { return id.indexOf(key) === 0; });
      if (ids.length === 1) { name = this.byId[ids[0]]; }
    }
    if (!name) { this.status("No milestone " + value.trim() + " in this diagram"); return false; }
    this.pinned = name;
    this.highlight(name);
    if (this.scale === 0 && !this.root.classList.contains("ldm503-fullscreen")) {
      this.setScale(1);
    }
    this.reveal(this.nodes[name].g);
    return true;
  };

  /* Scroll the frame so that `g` is in the middle of it. */
  Explorer.prototype.reveal = function (g) {
    var box = g.getBoundingClientRect(), frame = this.frame.getBoundingClientRect();
    this.frame.scrollLeft += box.left + box.width / 2 - (frame.left + frame.width / 2);
    this.frame.scrollTop += box.top + box.height / 2 - (frame.top + frame.height / 2);
    if (!this.root.classList.contains("ldm503-fullscreen") && g.scrollIntoView) {
      this.frame.scrollIntoView({ block: "nearest" });
    }
  };

  /* The SVG's natural width in CSS pixels (Graphviz writes points). */
  Explorer.prototype.naturalWidth = function () {
    var pt = parseFloat(this.svg.getAttribute("data-width") || this.svg.getAttribute("width"));
    return pt * 96 / 72;
  };

  Explorer.prototype.setScale = function (scale) {
    this.scale = scale;
    if (!scale) {
      this.svg.style.width = "";
      this.svg.style.maxWidth = "";
      this.frame.classList.remove("ldm503-zoomable");
      if (!this.root.classList.contains("ldm503-fullscreen")) { this.frame.style.maxHeight = ""; }
      return;
    }
    this.svg.style.maxWidth = "none";
    this.svg.style.width = Math.round(this.naturalWidth() * scale) + "px";
    this.svg.style.height = "auto";
    this.frame.classList.add("ldm503-zoomable");
    if (!this.root.classList.contains("ldm503-fullscreen")) { this.frame.style.maxHeight = "80vh"; }
  };

  Explorer.prototype.currentScale = function () {
    return this.scale || this.svg.getBoundingClientRect().width / this.naturalWidth();
  };

  Explorer.prototype.zoom = function (factor) {
    var s = Math.min(6, Math.max(0.1, this.currentScale() * factor));
    this.setScale(s);
  };

  Explorer.prototype.fit = function () { this.setScale(0); };

  Explorer.prototype.toggleFull = function (on) {
    var full = on === undefined ? !this.root.classList.contains("ldm503-fullscreen") : on;
    this.root.classList.toggle("ldm503-fullscreen", full);
    document.documentElement.style.overflow = full ? "hidden" : "";
    this.fullButton.textContent = full ? "Close full size" : "Full size";
    this.setScale(full ? 1 : 0);
    if (this.pinned) { this.reveal(this.nodes[this.pinned].g); }
  };

  /* Drag the background to pan; Ctrl (or Cmd) + wheel to zoom. Links still click. */
  Explorer.prototype.bindPan = function () {
    var self = this, start = null;
    this.frame.addEventListener("pointerdown", function (ev) {
      if (!self.scale || ev.button !== 0 || (ev.target.closest && ev.target.closest("a"))) { return; }
      start = { x: ev.clientX, y: ev.clientY, left: self.frame.scrollLeft, top: self.frame.scrollTop };
      self.frame.classList.add("ldm503-panning");
      if (self.frame.setPointerCapture) { self.frame.setPointerCapture(ev.pointerId); }
    });
    this.frame.addEventListener("pointermove", function (ev) {
      if (!start) { return; }
      self.frame.scrollLeft = start.left - (ev.clientX - start.x);
      self.frame.scrollTop = start.top - (ev.clientY - start.y);
    });
    function stop() { start = null; self.frame.classList.remove("ldm503-panning"); }
    this.frame.addEventListener("pointerup", stop);
    this.frame.addEventListener("pointercancel", stop);
    this.frame.addEventListener("wheel", function (ev) {
      if (!(ev.ctrlKey || ev.metaKey)) { return; }
      ev.preventDefault();
      self.zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15);
    }, { passive: false });
  };

  function init() {
    var roots = document.querySelectorAll(".ldm503-explorer.ldm503-explorable");
    window.ldm503Explorers = Array.prototype.map.call(roots, function (root) {
      return new Explorer(root);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
