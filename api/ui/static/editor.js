// The flow editor (api/ui/editor.py): numbers the textarea's lines, sends the source to
// /ui/flows/validate 300 ms after the last key and shows Podium's problems, each marked in
// the gutter at its line. Plain ES, no library; values are shown as text, never as HTML.
(function () {
  "use strict";
  const DELAY_MS = 300;

  function csrfToken() {
    const headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRF-Token"]; } catch (e) { return ""; }
  }

  function setUpEditor(textarea) {
    const gutter = document.getElementById("gutter");
    const problemList = document.getElementById("problems");
    const warningList = document.getElementById("warnings");
    const validity = document.getElementById("validity");
    let timer = null;
    let asked = 0;  // the newest request; older answers are dropped
    let marked = new Set(Array.from(problemList.querySelectorAll("li[data-line]"),
                                    (li) => Number(li.dataset.line)));

    function renderGutter() {
      const count = textarea.value.split("\n").length;
      const spans = [];
      for (let n = 1; n <= count; n++) {
        const span = document.createElement("span");
        span.dataset.line = String(n);
        span.textContent = String(n);
        if (marked.has(n)) span.className = "marked";
        spans.push(span);
      }
      gutter.replaceChildren(...spans);
      gutter.scrollTop = textarea.scrollTop;
    }

    function showResult(result) {
      marked = new Set(result.problems.filter((p) => p.line).map((p) => p.line));
      problemList.replaceChildren(...result.problems.map((problem) => {
        const li = document.createElement("li");
        li.textContent = problem.text;
        if (problem.line) li.dataset.line = String(problem.line);
        return li;
      }));
      warningList.replaceChildren(...result.warnings.map((warning) => {
        const li = document.createElement("li");
        li.textContent = warning;
        return li;
      }));
      validity.textContent = result.valid ? "Valid" : result.problems.length + (result.problems.length === 1 ? " problem" : " problems");
      validity.className = "validity " + (result.valid ? "ok" : "bad");
      renderGutter();
    }

    async function validate() {
      const mine = ++asked;
      try {
        const response = await fetch(textarea.dataset.validateUrl, {
          method: "POST", body: textarea.value, credentials: "same-origin",
          headers: {"Content-Type": "text/plain; charset=utf-8", "X-CSRF-Token": csrfToken()},
        });
        if (!response.ok) throw new Error("HTTP " + response.status);
        const result = await response.json();
        if (mine === asked) showResult(result);
      } catch (error) {
        if (mine === asked) {
          validity.textContent = "Could not validate (" + error.message + ")";
          validity.className = "validity bad";
        }
      }
    }

    function goToLine(line) {
      const lines = textarea.value.split("\n");
      const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
      textarea.focus();
      textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
    }

    textarea.addEventListener("input", () => {
      renderGutter();
      clearTimeout(timer);
      timer = setTimeout(validate, DELAY_MS);
    });
    textarea.addEventListener("scroll", () => { gutter.scrollTop = textarea.scrollTop; });
    textarea.addEventListener("keydown", (event) => {
      // Tab indents (two spaces, as YAML wants) instead of leaving the editor.
      if (event.key !== "Tab" || event.shiftKey) return;
      event.preventDefault();
      textarea.setRangeText("  ", textarea.selectionStart, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input"));
    });
    problemList.addEventListener("click", (event) => {
      const item = event.target.closest("li[data-line]");
      if (item) goToLine(Number(item.dataset.line));
    });
    renderGutter();
    if (!problemList.children.length) validate();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const textarea = document.getElementById("source");
    if (textarea) setUpEditor(textarea);
    document.querySelectorAll("form[data-confirm]").forEach((form) => {
      form.addEventListener("submit", (event) => {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
  });
})();
