/* sphinxext-ldm503: explore a milestone diagram (inline SVG written by web.py).
 *
 * No dependencies, no network, works from file://. Without this script the page
 * is complete: the diagram's nodes are links, and a plain link opens the SVG at
 * full size. With it, each explorable diagram gets:
 *   - "Full size": the diagram fills the window (Escape closes it);
 *   - zoom (buttons, Ctrl + wheel) and pan (drag, or the frame's scroll bars);
 *   - hovering or focusing a node highlights everything it depends on and
 *     everything that depends on it, transitively, and dims the rest;
 *   - clicking or tapping a node pins that highlight (hovering then changes
 *     nothing, so the chain stays put while the reader follows it); clicking it
 *     again, or the status line's link, opens the milestone; a modified click
 *     (Ctrl, Cmd, Shift) is the browser's own; Escape, "Unpin" or a click on the
 *     background unpins;
 *   - a search box that finds a node by its ID (or by the start of it: several
 *     matches are listed) and pins it;
 *   - on a touch screen, a tap on a diagram whose labels are drawn too small to read
 *     opens it at full size;
 *   - the key under the diagram follows the diagram's scale (never above 1).
 * A line under the buttons says so. In full size the diagram's key and caption
 * come along (copies, made the first time).
 * The dependency graph is read from the SVG itself: Graphviz titles each edge
 * "prerequisite->milestone" with the node names, and each node's first text is
 * its ID.
 */
(function () {
  "use strict";

  /* Labels smaller than this (CSS px) are not read but guessed at. */
  var READABLE = 11;

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
    this.bindPointer();
    this.bindPan();
    this.sizeKey();
    var self = this;
    window.addEventListener("resize", function () { self.sizeKey(); });
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
      var a = g.querySelector("a");
      var href = a && (a.getAttribute("href") || a.getAttribute("xlink:href"));
      self.nodes[name] = { g: g, id: label, up: [], down: [], href: href || null };
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
    var counts = up.length + " upstream, " + down.length + " downstream";
    if (this.pinned === name) {
      this.root.setAttribute("data-ldm503-pinned", this.nodes[name].id);
      this.statusPinned(name, counts);
    } else {
      this.status(this.nodes[name].id + ": " + counts + " (click to pin)");
    }
  };

  /* The pinned chain's status: its counts, a link to the milestone, a way out. */
  Explorer.prototype.statusPinned = function (name, counts) {
    var self = this, node = this.nodes[name], el = this.statusEl;
    if (!el) { return; }
    this.status("", true);
    var what = document.createElement("strong");
    what.textContent = node.id;
    el.appendChild(what);
    el.appendChild(document.createTextNode(" pinned: " + counts + ". "));
    if (node.href) {
      var open = document.createElement("a");
      open.className = "ldm503-explorer-open";
      open.href = node.href;
      open.textContent = "Open " + node.id;
      el.appendChild(open);
      el.appendChild(document.createTextNode(" "));
    }
    var unpin = document.createElement("button");
    unpin.type = "button";
    unpin.className = "ldm503-explorer-unpin";
    unpin.textContent = "Unpin";
    unpin.addEventListener("click", function () { self.unpin(); });
    el.appendChild(unpin);
  };

  /* Pin `name`'s chain: hovering no longer changes the highlight until unpinned. */
  Explorer.prototype.pin = function (name) {
    this.pinned = name;
    this.highlight(name);
  };

  Explorer.prototype.unpin = function () {
    this.pinned = null;
    this.root.removeAttribute("data-ldm503-pinned");
    this.clear();
  };

  Explorer.prototype.clear = function () {
    Array.prototype.forEach.call(
      this.svg.querySelectorAll(".ldm503-hit, .ldm503-dim, .ldm503-focus"), function (el) {
        el.classList.remove("ldm503-hit", "ldm503-dim", "ldm503-focus");
      });
    this.root.removeAttribute("data-ldm503-highlighted");
    if (!this.pinned) { this.root.removeAttribute("data-ldm503-pinned"); }
    this.status("");
  };

  /* A hover's words stay on one line (cut short if they must): a status line that grew
     under the pointer would move the diagram away from it. What a click, a tap or a
     search writes (`wrap`) may take the lines it needs. */
  Explorer.prototype.status = function (text, wrap) {
    if (!this.statusEl) { return; }
    this.statusEl.textContent = text;
    this.statusEl.classList.toggle("ldm503-explorer-status-line", !wrap);
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
    /* "change" follows Enter, or the search box losing focus (to a listed match, say):
       the same words twice are one search. */
    search.addEventListener("change", function () {
      if (search.value !== self.lastQuery) { self.find(search.value); }
    });
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
    var hint = this.hint = document.createElement("p");
    hint.className = "ldm503-explorer-hint";
    hint.textContent = "Hover over, focus or tap a milestone to highlight what it needs and " +
      "what needs it; click or tap it to pin the highlight, and again to open it. " +
      "Escape unpins.";
    this.root.insertBefore(hint, this.frame);
    var open = this.root.querySelector("a.ldm503-open-full");
    if (open) {
      open.addEventListener("click", function (ev) {
        ev.preventDefault();
        self.toggleFull(true);
      });
    }
    document.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape") { return; }
      if (self.root.classList.contains("ldm503-fullscreen")) {
        self.toggleFull(false);
      } else if (self.pinned) {
        self.unpin();
      }
    });
  };

  Explorer.prototype.bindNodes = function () {
    var self = this;
    Object.keys(this.nodes).forEach(function (name) {
      var g = self.nodes[name].g;
      /* A pinned chain wins: hovering, or the node that a search or a zoom slides
         under a resting pointer, changes nothing until the reader unpins. */
      /* Focus wins over a resting pointer too: a node focused from the keyboard is
         scrolled into view, which slides the diagram under the pointer, and the browser
         reports whatever is now under it as entered or left. Until the pointer really
         moves (see bindPointer), hovering changes nothing. */
      g.addEventListener("mouseenter", function () {
        if (!self.pinned && !self.byKeyboard) { self.highlight(name); }
      });
      g.addEventListener("mouseleave", function () {
        if (!self.pinned && !self.byKeyboard) { self.rest(); }
      });
      g.addEventListener("focusin", function () {
        if (!self.pinned) { self.byKeyboard = true; self.highlight(name); }
      });
      g.addEventListener("focusout", function () { if (!self.pinned) { self.clear(); } });
      /* Click or tap pins; on the pinned node it opens the milestone, as a link does.
         With a modifier the browser does what it always does (a new tab, a window). */
      g.addEventListener("click", function (ev) {
        if (ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) { return; }
        if (self.pinned === name && self.nodes[name].href) { return; }
        ev.preventDefault();
        ev.stopPropagation();
        self.pin(name);
        if (self.search) { self.search.value = self.lastQuery = self.nodes[name].id; }
      });
    });
    /* A finger on a diagram drawn too small to read (labels under READABLE px, a whole
       plan on a phone): the tap opens it at full size, where the labels are at their
       natural size and a tap pins, rather than pinning a node the reader cannot see.
       Listened to while capturing, so that it comes before the node's own click. */
    this.frame.addEventListener("pointerdown", function (ev) {
      self.pointerType = ev.pointerType;
    }, true);
    this.frame.addEventListener("click", function (ev) {
      if (self.pointerType !== "touch" || self.scale ||
          self.root.classList.contains("ldm503-fullscreen") || !self.fullButton ||
          self.labelSize() >= READABLE) { return; }
      ev.preventDefault();
      ev.stopPropagation();
      /* The part tapped is the part wanted: it comes to the middle of the full size. */
      var box = self.svg.getBoundingClientRect();
      var fx = (ev.clientX - box.left) / box.width, fy = (ev.clientY - box.top) / box.height;
      self.toggleFull(true);
      box = self.svg.getBoundingClientRect();
      var frame = self.frame.getBoundingClientRect();
      self.frame.scrollLeft += box.left + fx * box.width - (frame.left + frame.width / 2);
      self.frame.scrollTop += box.top + fy * box.height - (frame.top + frame.height / 2);
    }, true);
    /* A click on the background (not the end of a drag) unpins. */
    this.frame.addEventListener("click", function (ev) {
      if (self.dragged || !self.pinned) { return; }
      if (ev.target.closest && ev.target.closest("g.node")) { return; }
      self.unpin();
    });
  };

  /* IDs in reading order: LDM-503-2 before LDM-503-10. */
  function natural(a, b) {
    var x = a.split(/(\d+)/), y = b.split(/(\d+)/);
    for (var i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] === y[i]) { continue; }
      var m = parseInt(x[i], 10), n = parseInt(y[i], 10);
      if (i % 2 && !isNaN(m) && !isNaN(n) && m !== n) { return m - n; }
      return x[i] < y[i] ? -1 : 1;
    }
    return x.length - y.length;
  }

  /* Several IDs match what was typed: list them, each a button that finds it. */
  Explorer.prototype.listMatches = function (typed, ids) {
    var self = this, el = this.statusEl, shown = 12;
    if (!el) { return; }
    this.status("", true);
    el.textContent = ids.length + " milestones match \u201c" + typed + "\u201d: ";
    ids.slice(0, shown).forEach(function (id, i) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "ldm503-explorer-match";
      b.textContent = self.nodes[self.byId[id]].id;
      b.addEventListener("click", function () {
        self.search.value = b.textContent;
        self.find(b.textContent);
      });
      if (i) { el.appendChild(document.createTextNode(" ")); }
      el.appendChild(b);
    });
    if (ids.length > shown) {
      el.appendChild(document.createTextNode(" and " + (ids.length - shown) + " more"));
    }
  };

  /* The pointer left a node: back to the node the keyboard is on, if any, else nothing. */
  Explorer.prototype.rest = function () {
    var active = document.activeElement;
    var g = active && active.closest && this.svg.contains(active) && active.closest("g.node");
    var name = g && textOf(g.querySelector("title"));
    if (name && this.nodes[name]) { this.highlight(name); } else { this.clear(); }
  };

  Explorer.prototype.find = function (value) {
    this.lastQuery = value;
    var typed = (value || "").trim(), key = typed.toUpperCase();
    if (!key) { this.unpin(); return false; }
    var name = this.byId[key];
    if (!name) {
      var all = Object.keys(this.byId);
      var ids = all.filter(function (id) { return id.indexOf(key) === 0; });
      if (!ids.length) { ids = all.filter(function (id) { return id.indexOf(key) >= 0; }); }
      if (ids.length === 1) {
        name = this.byId[ids[0]];
      } else if (ids.length > 1) {
        this.listMatches(typed, ids.sort(natural));
        return false;
      }
    }
    if (!name) { this.status("No milestone " + typed + " in this diagram", true); return false; }
    this.pin(name);
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

  /* The key under the diagram (sphinx.ext.graphviz's <object>, its text the size of the
     diagram's labels at their natural size) drawn at the diagram's scale, never above
     its natural size: a key larger than the labels it explains outshouts them, and one
     wider than the diagram pulls the eye away from it (issue 27). CSS zoom scales the
     object's box too, so nothing is left empty around it. In full size the diagram is
     at its natural size, and so is the key's copy (see buildKey). */
  Explorer.prototype.sizeKey = function () {
    var container = this.root.closest && this.root.closest(".ldm503-graph");
    if (!container) { return; }
    var zoom = Math.min(1, this.currentScale());
    if (!(zoom > 0)) { return; }
    Array.prototype.forEach.call(container.children, function (child) {
      if (child.querySelector && child.querySelector("object.ldm503-legend")) {
        child.style.zoom = zoom >= 1 ? "" : String(Math.round(zoom * 1000) / 1000);
      }
    });
  };

  Explorer.prototype.setScale = function (scale) {
    this.scale = scale;
    if (!scale) {
      this.svg.style.width = "";
      this.svg.style.maxWidth = "";
      this.frame.classList.remove("ldm503-zoomable");
      if (!this.root.classList.contains("ldm503-fullscreen")) { this.frame.style.maxHeight = ""; }
      this.sizeKey();
      return;
    }
    this.svg.style.maxWidth = "none";
    this.svg.style.width = Math.round(this.naturalWidth() * scale) + "px";
    this.svg.style.height = "auto";
    this.frame.classList.add("ldm503-zoomable");
    if (!this.root.classList.contains("ldm503-fullscreen")) { this.frame.style.maxHeight = "80vh"; }
    this.sizeKey();
  };

  /* The size of the node labels as drawn now, in CSS pixels. */
  Explorer.prototype.labelSize = function () {
    var text = this.svg.querySelector("g.node text");
    var box = this.svg.viewBox && this.svg.viewBox.baseVal;
    if (!text || !box || !box.width) { return 0; }
    var size = parseFloat(text.getAttribute("font-size")) || 14;
    return size * this.svg.getBoundingClientRect().width / box.width;
  };

  Explorer.prototype.currentScale = function () {
    return this.scale || this.svg.getBoundingClientRect().width / this.naturalWidth();
  };

  Explorer.prototype.zoom = function (factor) {
    var s = Math.min(6, Math.max(0.1, this.currentScale() * factor));
    this.setScale(s);
  };

  Explorer.prototype.fit = function () { this.setScale(0); };

  /* The diagram's key and caption, copied under the frame for the full-size view
     (the originals stay where they are: the page's layout does not move). */
  Explorer.prototype.buildKey = function () {
    if (this.fullKey !== undefined) { return; }
    this.fullKey = null;
    var container = this.root.closest && this.root.closest(".ldm503-graph");
    var figure = this.root.closest && this.root.closest("figure");
    var parts = [];
    if (container) {
      Array.prototype.forEach.call(container.children, function (child) {
        if (child.querySelector && child.querySelector(".ldm503-legend, .ldm503-graph-key") ||
            child.classList.contains("ldm503-graph-key")) {
          parts.push(child.cloneNode(true));
        }
      });
    }
    var caption = figure && figure.querySelector("figcaption");
    if (caption) {
      var text = caption.querySelector(".caption-text") || caption;
      var p = document.createElement("p");
      p.className = "ldm503-fullscreen-caption";
      p.textContent = textOf(text);
      parts.unshift(p);
    }
    if (!parts.length) { return; }
    var key = this.fullKey = document.createElement("div");
    key.className = "ldm503-fullscreen-key";
    parts.forEach(function (part) {
      Array.prototype.forEach.call(part.querySelectorAll ? part.querySelectorAll("[id]") : [],
        function (el) { el.removeAttribute("id"); });
      if (part.removeAttribute) { part.removeAttribute("id"); }
      if (part.style) { part.style.zoom = ""; }  /* at its natural size, as the diagram */
      key.appendChild(part);
    });
    this.root.insertBefore(key, this.frame.nextSibling);
  };

  Explorer.prototype.toggleFull = function (on) {
    var full = on === undefined ? !this.root.classList.contains("ldm503-fullscreen") : on;
    if (full) { this.buildKey(); }
    this.root.classList.toggle("ldm503-fullscreen", full);
    document.documentElement.style.overflow = full ? "hidden" : "";
    this.fullButton.textContent = full ? "Close full size" : "Full size";
    this.setScale(full ? 1 : 0);
    if (this.pinned) { this.reveal(this.nodes[this.pinned].g); }
  };

  /* Drag the background to pan; Ctrl (or Cmd) + wheel to zoom. Links still click. */
  Explorer.prototype.bindPointer = function () {
    /* A real move of the mouse hands the highlight back to hovering. The moves a
       browser makes up after scrolling carry no movement. */
    var self = this;
    document.addEventListener("mousemove", function (ev) {
      if (ev.movementX || ev.movementY) { self.byKeyboard = false; }
    }, { passive: true });
  };

  Explorer.prototype.bindPan = function () {
    var self = this, start = null;
    this.frame.addEventListener("pointerdown", function (ev) {
      self.dragged = false;
      /* A finger scrolls the frame natively; a drag that starts on a node would lose its click. */
      if (!self.scale || ev.button !== 0 || ev.pointerType === "touch" ||
          (ev.target.closest && ev.target.closest("a, g.node"))) { return; }
      start = { x: ev.clientX, y: ev.clientY, left: self.frame.scrollLeft, top: self.frame.scrollTop };
      self.frame.classList.add("ldm503-panning");
      if (self.frame.setPointerCapture) { self.frame.setPointerCapture(ev.pointerId); }
    });
    this.frame.addEventListener("pointermove", function (ev) {
      if (!start) { return; }
      if (Math.abs(ev.clientX - start.x) + Math.abs(ev.clientY - start.y) > 4) { self.dragged = true; }
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
