"""Render the demo course standard (.xlsx and .docx, Chinese) to PNG through LibreOffice.

Seeds a temporary demo database, exports course ZH3021's standard, converts each file to PDF
with ``soffice --headless`` and the PDF to PNG with ``pdftoppm`` (poppler-utils). The first
pages are placed side by side in one image per file. Needs ``libreoffice-calc``,
``libreoffice-writer``, ``poppler-utils`` and a CJK font (``fonts-noto-cjk``).

    python tools/render_exports.py                # writes docs/screenshots/standard_{xlsx,docx}_zh.png
    python tools/render_exports.py --out DIR      # somewhere else (the rendering test uses this)
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.actor import SYSTEM  # noqa: E402
from services.db import make_engine  # noqa: E402
from services.demo import seed_demo  # noqa: E402
from services.exports import current_standard_id, export_standard_docx, export_standard_xlsx  # noqa: E402
from services.migrate import upgrade  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PAGES = 2  # pages placed side by side in each image
DPI = 80


def soffice() -> str | None:
    """The LibreOffice binary on PATH, if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(source: Path, workdir: Path) -> Path:
    """Convert with a private LibreOffice profile (parallel runs do not share a lock)."""
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(workdir), str(source)], check=True, capture_output=True, timeout=180)
    pdf = workdir / (source.stem + ".pdf")
    if not pdf.is_file():
        raise RuntimeError(f"LibreOffice did not produce {pdf.name}")
    return pdf


def to_pngs(pdf: Path, workdir: Path, *, pages: int = PAGES, dpi: int = DPI) -> list[Path]:
    prefix = workdir / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", str(pages), str(pdf), str(prefix)],
                   check=True, capture_output=True, timeout=120)
    return sorted(workdir.glob(f"{pdf.stem}-*.png"))


def side_by_side(images: list[Path], target: Path) -> None:
    """Pages next to each other on a grey background (one image); a single page is copied as is."""
    try:
        from PIL import Image
    except ImportError:  # Pillow comes with Streamlit; without it keep the first page
        shutil.copy(images[0], target)
        return
    opened = [Image.open(p).convert("RGB") for p in images]
    gap = 16
    width = sum(i.width for i in opened) + gap * (len(opened) + 1)
    height = max(i.height for i in opened) + 2 * gap
    canvas = Image.new("RGB", (width, height), (200, 200, 200))
    x = gap
    for image in opened:
        canvas.paste(image, (x, gap))
        x += image.width + gap
    canvas.save(target, optimize=True)


def render(out: Path) -> list[Path]:
    """Export, convert and write ``standard_xlsx_zh.png`` and ``standard_docx_zh.png`` into ``out``."""
    if soffice() is None or shutil.which("pdftoppm") is None:
        raise SystemExit("needs soffice (libreoffice-calc, libreoffice-writer) and pdftoppm (poppler-utils)")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="costandard-render-") as tmp:
        workdir = Path(tmp)
        engine = make_engine(f"sqlite:///{workdir / 'render.db'}")
        upgrade(engine)
        seed_demo(engine)
        standard_id = current_standard_id(engine, program_code="460305", course_code="ZH3021")
        for ext, exporter in (("xlsx", export_standard_xlsx), ("docx", export_standard_docx)):
            source = workdir / f"standard_{ext}_zh.{ext}"
            source.write_bytes(exporter(engine, actor=SYSTEM, standard_id=standard_id, lang="zh").content)
            pages = to_pngs(to_pdf(source, workdir), workdir)
            target = out / f"standard_{ext}_zh.png"
            side_by_side(pages, target)
            written.append(target)
        engine.dispose()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    args = parser.parse_args(argv)
    for path in render(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
