// Swagger UI has no translations: swap its labels (exact texts of text nodes, and the placeholders and
// titles of its inputs) for those the page carries in the request's language, as the UI renders them.
// Never inside code, responses or inputs: data stays as it is.
"use strict";
(function () {
  const data = JSON.parse(document.getElementById("swagger-labels").textContent);
  const labels = data.labels || {};
  if (data.lang) document.documentElement.lang = data.lang;
  const attrs = ["placeholder", "title", "aria-label"];
  const DATA = "pre, code, textarea, .microlight, .highlight-code";

  function swapText(node) {
    const parent = node.parentElement;
    if (!parent || parent.closest(DATA)) return;
    const text = node.nodeValue.trim();
    const label = text && labels[text];
    if (label) node.nodeValue = node.nodeValue.replace(text, label);
  }
  function swapElement(el) {
    for (const a of attrs) {
      const v = el.getAttribute && el.getAttribute(a);
      if (v && labels[v.trim()]) el.setAttribute(a, labels[v.trim()]);
    }
  }
  function swap(root) {
    if (root.nodeType === Node.TEXT_NODE) { swapText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    swapElement(root);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (n.nodeType === Node.TEXT_NODE) swapText(n); else swapElement(n);
    }
  }
  new MutationObserver(function (records) {
    for (const r of records) {
      if (r.type === "characterData") swapText(r.target);
      else if (r.type === "attributes") swapElement(r.target);
      else r.addedNodes.forEach(swap);
    }
  }).observe(document.body, {childList: true, subtree: true, characterData: true,
                             attributes: true, attributeFilter: attrs});
})();
