#!/usr/bin/env python3
"""Copy the web UI's front-end libraries, as package-lock.json pins them, into
api/ui/static/vendor/<package>/ (committed: installing Podium never needs Node.js).

    python scripts/build_ui.py            # npm ci in a temporary folder, then copy
    python scripts/build_ui.py --check    # the same into a temporary folder; compare

To change a library: edit package.json, `npm install --package-lock-only`, run this,
commit all three. tests/ui/test_assets.py runs the check (marker `node`).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "api" / "ui" / "static" / "vendor"
# package -> the files of it the UI serves
ASSETS = {"htmx.org": ["dist/htmx.min.js"]}


def build(out: Path) -> None:
    """npm ci (lockfile only, no install scripts) in a scratch folder, then copy ASSETS."""
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("package.json", "package-lock.json"):
            shutil.copy(ROOT / name, scratch)
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                       cwd=scratch, check=True, stdout=subprocess.DEVNULL)
        if out.exists():
            shutil.rmtree(out)
        for package, files in ASSETS.items():
            for file in files:
                target = out / package / Path(file).name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(Path(scratch) / "node_modules" / package / file, target)


def differences(built: Path, committed: Path = VENDOR) -> list[str]:
    """Files that differ (byte for byte), or are on one side only, between two folders."""
    def files(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
                if p.is_file()}
    new, old = files(built), files(committed) if committed.exists() else {}
    return [f"{name}: " + ("built only" if name not in old else "committed only"
                           if name not in new else "differs")
            for name in sorted(new.keys() | old.keys()) if new.get(name) != old.get(name)]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as scratch:
            build(Path(scratch) / "vendor")
            problems = differences(Path(scratch) / "vendor")
        print("\n".join(problems) or "api/ui/static/vendor matches package-lock.json")
        return 1 if problems else 0
    build(VENDOR)
    print(f"built {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
