"""Take the README's screenshots of `veille serve` in Debian's chromium (Playwright, never its download).

    .venv/bin/python tools/screenshots.py                  # builds the bundled sample (`veille demo`) first
    .venv/bin/python tools/screenshots.py --db veille.db   # reuses a store that holds the sample

The app runs in this process on a free loopback port. Pages shot, at 1280x900 (desktop) and 390x844 (phone):
the stories, the seeds' story, one of its shared facts highlighted in its article, and Sergueï Lavrov's
entity page with its map. Each PNG is written to --out (docs/img) as NAME-desktop.png or NAME-phone.png and
kept under --max-kb by cutting the page's height (never by scaling it down).
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SEED_OUTLETS = {"emediasn", "actuniger.com"}
ENTITIES = ("per:serguei-lavrov", "loc:bamako")  # the first the store holds is shot


def build_sample(folder: Path) -> Path:
    """Run `veille demo` into a new store in ``folder``; return its path (the CLI's output is not shown)."""
    db = folder / "veille.db"
    subprocess.run(
        [sys.executable, "-m", "veille", "--db", str(db), "demo", "--json"],
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=900,
    )
    return db


@contextmanager
def serving(db: Path) -> Iterator[str]:
    """Serve the store on a free 127.0.0.1 port in a thread; yield the base URL; stop at the end."""
    import uvicorn

    from veille.serve.app import create_app
    from veille.settings import load_settings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(load_settings({"db": str(db), "token": ""}, environ={}))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def pages_to_shoot(base: str) -> dict[str, str]:
    """{name: path} of the pages to shoot; SystemExit when the store lacks the seeds' story."""
    stories = get_json(f"{base}/api/stories?limit=1000&order=largest")
    seeds = [s for s in stories if set(s["outlets"]) >= SEED_OUTLETS]
    if not seeds:
        raise SystemExit("no story holds both seeds: pass a store made by `veille demo`, or no --db")
    story = seeds[0]["id"]
    comparison = get_json(f"{base}/api/stories/{story}/comparison")
    shared = [f for f in comparison["facts"] if f["coverage"] == "all"] or comparison["facts"]
    claim = shared[0]["claims"][-1]
    entity = next(e for e in ENTITIES if _exists(f"{base}/api/entities/{e}"))
    return {
        "stories": "/stories",
        "story": f"/stories/{story}",
        "article": f"/articles/{claim['article_id']}?span={claim['start']}-{claim['end']}",
        "entity": f"/entities/{entity}",
    }


def _exists(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30):
            return True
    except OSError:
        return False


def shoot(
    page: Any, url: str, path: Path, *, full_page: bool, max_kb: int, scroll_to: str | None = None
) -> int:
    """Screenshot ``url`` into ``path``: the viewport, or the whole page cut to the height that fits ``max_kb``.

    ``scroll_to`` (a CSS selector) brings that element near the top first (viewport shots only).
    Returns the file's size in bytes.
    """
    page.goto(url, wait_until="networkidle")
    if scroll_to:
        page.locator(scroll_to).first.evaluate("e => e.scrollIntoView({block: 'center'})")
    if not full_page:
        path.write_bytes(page.screenshot(type="png"))
        return path.stat().st_size
    width = page.viewport_size["width"]
    height = page.evaluate("document.documentElement.scrollHeight")
    while True:
        data = page.screenshot(
            type="png", full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
        )
        if len(data) <= max_kb * 1024 or height <= page.viewport_size["height"]:
            break
        height = page.evaluate(CUT_AT, int(height * 0.85))
    path.write_bytes(data)
    return len(data)


# The bottom of the lowest block, row or heading that ends above a height (plus 4 px): a page cut there
# ends on a whole line of text, not through one.
CUT_AT = """(limit) => {
  const blocks = document.querySelectorAll("main h2, main h3, main p, main li, main tr, main .side, main svg");
  let best = 0;
  for (const block of blocks) {
    const bottom = block.getBoundingClientRect().bottom + window.scrollY;
    if (bottom + 4 <= limit && bottom > best) best = bottom;
  }
  return Math.round(best > 0 ? best + 4 : limit);
}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="a store holding the bundled sample (default: build one with `veille demo`)"
    )
    parser.add_argument("--out", default="docs/img", help="folder for the PNG files (default: docs/img)")
    parser.add_argument("--max-kb", type=int, default=550, help="largest PNG written, in kB (default: 550)")
    parser.add_argument(
        "--lang", choices=("fr", "en"), default="fr", help="the pages' language (default: fr)"
    )
    parser.add_argument("--chromium", default=CHROMIUM, help=f"the browser (default: {CHROMIUM})")
    args = parser.parse_args(argv)
    if not Path(args.chromium).exists():
        raise SystemExit(f"{args.chromium} not found: apt-get install chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="veille-shots-") as tmp:
        db = Path(args.db) if args.db else build_sample(Path(tmp))
        with serving(db) as base, sync_playwright() as playwright:
            paths = pages_to_shoot(base)
            browser = playwright.chromium.launch(
                executable_path=args.chromium, headless=True, args=LAUNCH_ARGS
            )
            # (page, viewport, full page, element to scroll to)
            plan = [
                ("stories", "desktop", False, None),
                ("story", "desktop", True, None),
                ("article", "desktop", False, "#hl"),
                ("entity", "desktop", True, None),
                ("story", "phone", True, None),
                ("article", "phone", False, "#hl"),
            ]
            for name, device, full_page, scroll_to in plan:
                viewport = DESKTOP if device == "desktop" else PHONE
                context = browser.new_context(
                    viewport=viewport,
                    device_scale_factor=1 if device == "desktop" else 2,
                    is_mobile=device == "phone",
                    has_touch=device == "phone",
                    locale="fr-FR" if args.lang == "fr" else "en-GB",
                )
                context.set_default_timeout(15_000)
                page = context.new_page()
                target = out / f"{name}-{device}.png"
                url = base + paths[name] + ("&" if "?" in paths[name] else "?") + f"lang={args.lang}"
                size = shoot(page, url, target, full_page=full_page, max_kb=args.max_kb, scroll_to=scroll_to)
                print(f"{target}  {size // 1024} kB  {paths[name]}")
                context.close()
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
