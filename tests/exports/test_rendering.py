"""The course standard renders through LibreOffice: .xlsx and .docx → PDF → PNG (tools/render_exports.py).

Runs when ``soffice`` and ``pdftoppm`` are on PATH (Debian packages libreoffice-calc,
libreoffice-writer, poppler-utils, plus fonts-noto-cjk for the Chinese text).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow
_TOOLS_MISSING = not (shutil.which("soffice") or shutil.which("libreoffice")) or not shutil.which("pdftoppm")


@pytest.fixture(autouse=True)
def _renderers():
    """LibreOffice and pdftoppm: .ci/run installs them, so in CI their absence is a failure."""
    if _TOOLS_MISSING:
        from tests.conftest import IN_CI

        reason = "needs soffice (libreoffice-calc, libreoffice-writer) and pdftoppm (poppler-utils)"
        if IN_CI:
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def test_standard_xlsx_and_docx_render_to_non_empty_pages(tmp_path):
    """Both files convert to PDF and PNG; the images hold real content (dark pixels, red draft mark)."""
    result = subprocess.run([sys.executable, "tools/render_exports.py", "--out", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    from PIL import Image

    for name in ("standard_xlsx_zh.png", "standard_docx_zh.png"):
        path = tmp_path / name
        assert path.is_file() and path.stat().st_size > 20_000, name
        image = Image.open(path).convert("RGB")
        assert image.width > image.height > 500  # two A4 pages side by side
        pixels = np.asarray(image).astype(int)
        dark = int((pixels.sum(axis=2) < 300).sum())
        red = int(((pixels[..., 0] > 150) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)).sum())
        assert dark > 5000, f"{name} looks blank"
        assert red > 20, f"{name} has no red draft mark"
