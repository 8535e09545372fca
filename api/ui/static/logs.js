// The Logs tab: follows new lines over server-sent events (the page's data-follow URL, a
// UI route the session cookie opens) and filters the shown lines by the search box.
"use strict";

(function () {
  const lines = document.getElementById("log-lines");
  const search = document.getElementById("log-search");
  const status = document.getElementById("log-status");
  const empty = document.getElementById("log-empty");
  if (!lines) return;
  // A page followed for hours keeps at most this many lines.
  const MAX_LINES = 5000;

  function matches(line) {
    const text = search ? search.value.trim().toLowerCase() : "";
    return !text || line.textContent.toLowerCase().includes(text);
  }

  function refreshEmpty() {
    if (empty) empty.hidden = Boolean(lines.querySelector(".log:not([hidden])"));
  }

  function filterShown() {
    for (const line of lines.querySelectorAll(".log")) line.hidden = !matches(line);
    refreshEmpty();
  }

  function part(name, text) {
    const span = document.createElement("span");
    span.className = name;
    span.textContent = text; // text, never HTML: a log line cannot inject markup
    return span;
  }

  function lineOf(entry) {
    const line = document.createElement("span");
    line.className = "log log-" + entry.level;
    line.dataset.level = entry.level;
    const when = (entry.timestamp || "").replace("T", " ").slice(0, 19);
    line.append(part("log-time", when), " ", part("log-level", entry.level), " ",
      part("log-task", entry.taskId || ""), " ", part("log-message", entry.message));
    return line;
  }

  function append(entry) {
    const atBottom = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 4;
    const line = lineOf(entry);
    line.hidden = !matches(line);
    lines.append(line);
    while (lines.childElementCount > MAX_LINES) lines.firstElementChild.remove();
    if (atBottom) lines.scrollTop = lines.scrollHeight;
    refreshEmpty();
  }

  function follow(url) {
    const source = new EventSource(url);
    source.onmessage = (event) => {
      const entry = JSON.parse(event.data);
      if (entry.message !== undefined) append(entry); // the `start` event carries none
    };
    source.addEventListener("end", (event) => {
      source.close();
      const state = JSON.parse(event.data).state;
      const badge = document.getElementById("execution-state");
      if (state && badge) {
        badge.textContent = state;
        badge.className = "state state-" + state;
      }
      status.textContent = "The execution has ended.";
      lines.dataset.ended = "true";
    });
    source.onerror = () => {
      // The browser reconnects by itself (resuming after the last line) unless closed.
      if (source.readyState === EventSource.CLOSED) {
        status.textContent = "Following stopped: reload the page to resume.";
      }
    };
  }

  if (search) search.addEventListener("input", filterShown);
  filterShown();
  if (lines.dataset.follow) follow(lines.dataset.follow);
})();
