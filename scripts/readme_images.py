#!/usr/bin/env python3
"""Make README's two pictures from real runs of examples/fan-out.yaml:

- docs/images/run-terminal.svg: what `podium run examples/fan-out.yaml` prints (its
  colours kept: the command runs with FORCE_COLOR, rich renders the ANSI text to SVG);
- docs/images/run-ui.png: the web UI's page of the same flow's execution, taken with
  headless Chromium (Playwright, as tests/ui does) from a `podium server local` on a
  temporary data folder.

    .venv/bin/python scripts/readme_images.py      # needs /usr/bin/chromium (.ci/services.sh)

Nothing here is asserted: tests/integration/test_newcomer_path.py runs the same commands.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.text import Text

from podium.client import ApiClient

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
FLOW = ROOT / "examples" / "fan-out.yaml"
PODIUM = Path(sys.executable).with_name("podium")
CHROMIUM = "/usr/bin/chromium"
USER, PASSWORD = "admin", "readme-picture"
WIDTH = 100


def terminal_picture(home: Path) -> None:
    env = {**os.environ, "HOME": str(home), "FORCE_COLOR": "1", "COLUMNS": str(WIDTH)}
    env.pop("PODIUM_DATA_DIR", None)
    command = ["podium", "run", "examples/fan-out.yaml"]
    # The first run builds the Python script's environment (kept under HOME): the picture
    # shows a later run, as a newcomer sees it from the second time on.
    for _ in range(2):
        done = subprocess.run([str(PODIUM), *command[1:]], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)
    console = Console(record=True, width=WIDTH, force_terminal=True, color_system="truecolor",
                      file=io.StringIO())
    console.print(Text("$ " + " ".join(command), style="bold"))
    console.print(Text.from_ansi(done.stdout), end="")
    IMAGES.mkdir(parents=True, exist_ok=True)
    console.save_svg(str(IMAGES / "run-terminal.svg"), title="podium run")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    try:
        return httpx.get(url).status_code == 200
    except httpx.TransportError:
        return False


def run_on_server(base: str) -> str:
    """Deploy examples/fan-out.yaml through the API, run it, return the ended execution's id."""
    with ApiClient(base, user=USER, password=PASSWORD) as api:
        api.deploy("company.team", "fan-out", FLOW.read_text())
        execution_id = api.create_execution("company.team", "fan-out", {})["id"]
        wait_until(lambda: api.execution(execution_id)["state"]["current"] == "SUCCESS", 120,
                   "the execution to succeed")
    return execution_id


def ui_picture(home: Path) -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "HOME": str(home), "PODIUM_DATA_DIR": str(home / "podium"),
           "PODIUM_API__USERS": f"{USER}:{PASSWORD}"}
    server = subprocess.Popen([str(PODIUM), "server", "local", "--no-scheduler",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answers(f"{base}/health"), 60, "podium server local")
        execution_id = run_on_server(base)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox"])
            page = browser.new_context(viewport={"width": 1280, "height": 760}).new_page()
            page.goto(f"{base}/ui/login")
            page.fill("input[name=username]", USER)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/ui/**")
            page.goto(f"{base}/ui/executions/company.team/fan-out/{execution_id}")
            page.get_by_text("report").first.wait_for()
            page.screenshot(path=str(IMAGES / "run-ui.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        terminal_picture(Path(home))
        ui_picture(Path(home))
    print(f"wrote {IMAGES / 'run-terminal.svg'} and {IMAGES / 'run-ui.png'}")


if __name__ == "__main__":
    main()
