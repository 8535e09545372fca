// Podium's @kestra-io/libs for Node script tasks: `const Kestra = require("@kestra-io/libs")`.
// The calls of Kestra's npm library, written for Podium: each prints one `::{...}::` line
// that the worker reads back (outputs, metrics, logs). A copy the task installs itself
// (`npm install @kestra-io/libs`) comes first, node_modules being searched before NODE_PATH.
"use strict";

function Kestra() {}

Kestra.format = (map) => "::" + JSON.stringify(map) + "::";

Kestra._send = (map) => {
  console.log(Kestra.format(map));
};

Kestra._metrics = (name, type, value, tags) => {
  Kestra._send({ metrics: [{ name: name, type: type, value: value, tags: tags || {} }] });
};

// Merged into the task's `vars` output.
Kestra.outputs = (outputs) => {
  Kestra._send({ outputs: outputs });
};

Kestra.counter = (name, value, tags) => {
  Kestra._metrics(name, "counter", value, tags);
};

// A duration in seconds, or a function given a callback to call when the timed work is done.
Kestra.timer = (name, duration, tags) => {
  if (typeof duration === "function") {
    const start = Date.now();
    duration(() => Kestra._metrics(name, "timer", (Date.now() - start) / 1000, tags));
  } else {
    Kestra._metrics(name, "timer", duration, tags);
  }
};

class Logger {
  _line(level, messages) {
    return Kestra.format({ logs: messages.map((message) => ({ level: level, message: message })) });
  }

  trace(...messages) { console.log(this._line("TRACE", messages)); }
  debug(...messages) { console.log(this._line("DEBUG", messages)); }
  info(...messages) { console.log(this._line("INFO", messages)); }
  // Through stderr, as Kestra's library writes them: the task ends WARNING unless
  // `warningOnStdErr: false`.
  warn(...messages) { console.error(this._line("WARN", messages)); }
  error(...messages) { console.error(this._line("ERROR", messages)); }
}

Kestra.logger = () => new Logger();

module.exports = Kestra;
module.exports.default = Kestra;
