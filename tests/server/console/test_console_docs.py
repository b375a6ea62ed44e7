"""docs/console.md shows only screenshots the browser tests take (Console.doc_screenshot, made
by `make docs-screenshots`), each present and small."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
IMAGES = REPO / "docs" / "images" / "console"


def taken_by_the_tests() -> set[str]:
    return {
        name
        for test in (REPO / "tests").rglob("test_*.py")
        for name in re.findall(r'doc_screenshot\(\s*"([a-z0-9-]+)"', test.read_text())
    }


def test_every_image_of_the_guide_is_one_the_tests_take():
    guide = (REPO / "docs" / "console.md").read_text()
    shown = re.findall(r"!\[[^\]]+\]\(images/console/([^)]+)\.png\)", guide)
    taken = taken_by_the_tests()
    assert len(shown) >= 8, shown
    assert set(shown) <= taken, f"shown but taken by no test: {set(shown) - taken}"
    assert taken <= set(shown), f"taken for the guide but not shown: {taken - set(shown)}"
    on_disk = {image.stem for image in IMAGES.glob("*.png")}
    assert on_disk == taken, "run `make docs-screenshots`"
    for name in shown:
        image = IMAGES / f"{name}.png"
        assert image.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert image.stat().st_size < 200_000, f"{image.name} is large: make it smaller"
