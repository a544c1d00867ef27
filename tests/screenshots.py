"""Full-page screenshots of browser tests under var/screenshots/ (git-ignored) for reviewers."""

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[1] / "var" / "screenshots"


def screenshot(page, name: str) -> Path:
    """Save the whole page (not just the viewport) as `var/screenshots/<name>.png`."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
