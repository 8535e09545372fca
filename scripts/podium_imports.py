"""Rewrite imports of the service packages to their installed names under `podium.`.

The source folders common/, executor/, worker/, scheduler/ and api/ are installed as
podium.common, podium.executor, ... (podium/<name> links to ../<name>). Code written against
the old top-level names is rewritten with:

    python3 scripts/podium_imports.py FILE_OR_FOLDER...

`from common.x import y` -> `from podium.common.x import y`; `import common.x as z` ->
`import podium.common.x as z`. A bare `import common.x` without `as` is reported: the name
it binds changes, so it is rewritten by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SERVICES = ("common", "executor", "worker", "scheduler", "api")
_NAMES = "|".join(SERVICES)
FROM = re.compile(rf"^(\s*from\s+)({_NAMES})(\s|\.)", re.MULTILINE)
IMPORT_AS = re.compile(rf"^(\s*import\s+)({_NAMES})((?:\.\w+)*\s+as\s+\w+)", re.MULTILINE)
IMPORT_SIDE_EFFECT = re.compile(rf"^(\s*import\s+)({_NAMES})((?:\.\w+)*\s*#\s*noqa)",
                                re.MULTILINE)
BARE = re.compile(rf"^\s*import\s+({_NAMES})\b(?!.*\bas\b)", re.MULTILINE)


def rewrite(text: str) -> str:
    text = FROM.sub(r"\1podium.\2\3", text)
    text = IMPORT_AS.sub(r"\1podium.\2\3", text)
    return IMPORT_SIDE_EFFECT.sub(r"\1podium.\2\3", text)


def python_files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += [p for p in path.rglob("*.py") if ".venv" not in p.parts]
        elif path.suffix == ".py":
            found.append(path)
    return found


def main(paths: list[str]) -> int:
    unresolved = 0
    for path in python_files(paths):
        text = path.read_text()
        new = rewrite(text)
        if new != text:
            path.write_text(new)
        for match in BARE.finditer(new):
            line = new.count("\n", 0, match.start()) + 1
            print(f"{path}:{line}: bare `import {match.group(1)}`: rewrite by hand")
            unresolved += 1
    return 1 if unresolved else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
