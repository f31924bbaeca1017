"""The report in a real browser (Debian's chromium, headless): what a reader actually gets.

The DOM chromium builds must hold the headline table, every chart and the findings; the
screenshots (desktop and phone width) are kept under tmp_path for a person to look at.
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from querybench.runner.results import write_atomic

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def _chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (and proof that it is a PNG)."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def _distinct_colours(path: Path) -> int:
    from PIL import Image  # matplotlib's own dependency

    with Image.open(path) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or [])


def test_report_renders_in_chromium_with_headline_charts_and_findings(
    chromium: str,
    sample_html: str,
    tmp_path: Path,
    parse: Callable[[str], Any],
    expected_charts: int,
) -> None:
    page_path = tmp_path / "report.html"
    write_atomic(page_path, sample_html)
    url = page_path.as_uri()

    dom = parse(_chromium(chromium, tmp_path / "profile", "--dump-dom", url).stdout)
    (headline,) = dom.find_all("table", "headline")
    assert len(headline.find_all("tbody")[0].find_all("tr")) == 9
    assert len(headline.find_all("td", "claim-wrong")) == 4
    assert len(dom.find_all("svg")) == expected_charts
    for svg in dom.find_all("svg"):
        assert svg.find_all("path"), "every chart has drawn paths"
    (finding,) = dom.find_all("article", "finding")
    assert "Payment.user" in finding.text()
    assert dom.find_all("script") == []

    for name, size in (("desktop", "1280,3000"), ("phone", "390,2000")):
        shot = tmp_path / f"{name}.png"
        _chromium(
            chromium, tmp_path / "profile", f"--screenshot={shot}", f"--window-size={size}", url
        )
        assert shot.exists()
        assert _png_size(shot) == tuple(int(n) for n in size.split(","))
        assert shot.stat().st_size > 20_000
        # a blank or error page has a handful of colours; text, tables and charts have many
        assert _distinct_colours(shot) > 500
