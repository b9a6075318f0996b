"""The hostile corpus (issue #12): files an attacker or a careless user would send, generated at test time.

Each ``Case`` is a file name, its bytes and the outcomes it may have: ``"rejected"`` (a clear message,
the database unchanged) or ``"stored"`` (imported, every text exactly as written, control characters
aside). Nothing big is committed: zip bombs are small archives whose declared sizes are patched, huge
sheets run against a lowered row limit, random bytes come from a fixed seed.
"""

from __future__ import annotations

import csv
import io
import json
import random
import zipfile
from dataclasses import dataclass

import openpyxl

from tests.importing.conftest import xlsx_bytes
from tests.workbooks import ods_framework

REJECTED, STORED = "rejected", "stored"
ROW_LIMIT = 1_000  # COSTANDARD_IMPORT_MAX_ROWS while the corpus runs ("huge" sheets are over it)


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    data: bytes
    outcomes: tuple[str, ...]  # the acceptable ones
    texts: tuple[str, ...] = ()  # statements that must be stored exactly, when stored


def _csv(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _xlsx_text(rows: list[list[str]]) -> bytes:
    """An .xlsx whose cells are all text cells, even "=…" (a formula typed as text, or a DDE payload)."""
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    for row in wb.active.iter_rows():
        for cell in row:
            cell.data_type = "s"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _framework(*leaves: str) -> list[list[str]]:
    return [["编码", "能力描述"], ["1", "领域"], *[[f"1.{i}", text] for i, text in enumerate(leaves, start=1)]]


def _patch_sizes(data: bytes, size: int) -> bytes:
    """Every member's declared uncompressed size set to ``size`` (local and central headers)."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = out.find(signature)
        while at != -1:
            out[at + offset:at + offset + 4] = size.to_bytes(4, "little")
            at = out.find(signature, at + 4)
    return bytes(out)


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return buffer.getvalue()


def _corrupt(data: bytes, seed: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(40):
        at = rng.randrange(len(out) // 4, len(out))
        out[at] = rng.randrange(256)
    return bytes(out)


FORMULAS = ("=cmd|' /C calc'!A0", "=HYPERLINK(\"http://evil.example/\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A2)",
            "=1+1")
MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "![x](http://host/track.png)",
          "[点我](http://evil.example)", "**粗体** _斜体_ `代码`", "<a href='javascript:alert(1)'>x</a>")


def import_cases() -> list[Case]:
    good = xlsx_bytes(_framework("能完成任务一", "能完成任务二"))
    rng = random.Random(12)
    cases = [
        Case("random bytes .xlsx", "random.xlsx", rng.randbytes(4096), (REJECTED,)),
        Case("random bytes .csv", "random.csv", rng.randbytes(4096), (REJECTED,)),
        Case("random bytes .json", "random.json", b"{" + rng.randbytes(2048), (REJECTED,)),
        Case("empty file", "empty.csv", b"", (REJECTED,)),
        Case("truncated xlsx", "truncated.xlsx", good[: len(good) // 2], (REJECTED,)),
        Case("corrupted xlsx", "corrupted.xlsx", _corrupt(good, 3), (REJECTED, STORED)),
        Case("zip bomb (declared 2 GB)", "bomb.xlsx", _patch_sizes(good, 2_000_000_000), (REJECTED,)),
        Case("zip bomb (real ratio)", "ratio.xlsx",
             _zip({"xl/worksheets/sheet1.xml": b"<row/>" * (2 * 1024 * 1024)}), (REJECTED,)),
        Case("patched small sizes", "patched.xlsx", _patch_sizes(good, 10), (REJECTED,)),
        Case("huge sheet csv", "huge.csv", _csv(_framework(*[f"能{i}" for i in range(ROW_LIMIT + 10)])),
             (REJECTED,)),
        Case("huge sheet xlsx", "huge.xlsx", xlsx_bytes(_framework(*[f"能{i}" for i in range(ROW_LIMIT + 10)])),
             (REJECTED,)),
        Case("huge sheet ods", "huge.ods", ods_framework(ROW_LIMIT + 10), (REJECTED,)),
        Case("long cell", "long.csv", _csv(_framework("长" * 100_000)), (REJECTED,)),
        Case("deep hierarchy", "deep.csv",
             _csv([["编码", "能力描述"]] + [[".".join(["1"] * d), f"第{d}层"] for d in range(1, 30)]), (REJECTED,)),
        Case("cyclic hierarchy", "cycle.csv",
             _csv([["编码", "上级编码", "能力描述"], ["A", "C", "甲"], ["B", "A", "乙"], ["C", "B", "丙"]]), (REJECTED,)),
        Case("duplicate codes", "dup.csv", _csv([*_framework("能一"), ["1.1", "能二"]]), (REJECTED,)),
        Case("control characters csv", "ctrl.csv", _csv(_framework("能\x00一\x1b[2J\u202e反")), (STORED,),
             ("能一反",)),
        Case("control characters json", "ctrl.json",
             json.dumps([{"编码": "1", "能力描述": "领\u0000域\u2066"}], ensure_ascii=False).encode(), (STORED, REJECTED),
             ("领域",)),
        Case("latin-1 text", "latin1.csv", _csv([["code", "statement"], ["1", "Domaine"], ["1.1", "Compétence élevée à maîtriser"]], "latin-1"),
             (REJECTED, STORED)),
        Case("mixed encodings", "mixed.csv",
             _csv(_framework("能完成任务一")) + "\n1.2,能完成任务二\n".encode("gbk"), (REJECTED,)),
        Case("gbk text", "gbk.csv", _csv(_framework("能完成任务一", "能排除故障"), "gbk"), (STORED,),
             ("能完成任务一", "能排除故障")),
        Case("utf-16 text", "utf16.csv", _csv(_framework("能完成任务一"), "utf-16"), (STORED,), ("能完成任务一",)),
        Case("formula and DDE payloads csv", "formula.csv", _csv(_framework(*FORMULAS)), (STORED,), FORMULAS),
        Case("formula and DDE payloads as text cells", "formula.xlsx", _xlsx_text(_framework(*FORMULAS)), (STORED,),
             FORMULAS),
        Case("formulas without cached values", "formula-cells.xlsx", xlsx_bytes(_framework(*FORMULAS)), (REJECTED,)),
        Case("HTML and Markdown payloads", "markup.csv", _csv(_framework(*MARKUP)), (STORED,), MARKUP),
    ]
    return cases


def restore_cases(backup_json: bytes) -> list[Case]:
    """Hostile variants of a real backup (``backup_json``: a programme exported by the test)."""
    rng = random.Random(7)
    zipped = _zip({"backup.json": backup_json})
    doc = json.loads(backup_json)
    deep = b'{"format": "costandard-backup", "format_version": 1, "x": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    controls = json.loads(backup_json)
    controls["programs"][0]["code"] = "HOSTILE-CTRL"
    controls["programs"][0]["name"] = "专业\u0000\u202e名"
    dup = json.loads(backup_json)
    dup["programs"][0]["code"] = "HOSTILE-DUP"
    dup["programs"][0]["framework"].append(dict(dup["programs"][0]["framework"][-1]))
    cyclic = json.loads(backup_json)
    cyclic["programs"][0]["code"] = "HOSTILE-CYC"
    nodes = cyclic["programs"][0]["framework"]
    if len(nodes) >= 2 and "parent" in nodes[0]:
        nodes[0]["parent"] = nodes[-1]["code"]
    long = json.loads(backup_json)
    long["programs"][0]["code"] = "HOSTILE-LONG"
    long["programs"][0]["framework"][-1]["statement"] = "长" * 100_000
    markup = json.loads(backup_json)
    markup["programs"][0]["code"] = "HOSTILE-MD"
    markup["programs"][0]["framework"][-1]["statement"] = MARKUP[2] + FORMULAS[0]
    return [
        Case("random bytes", "random.zip", rng.randbytes(4096), (REJECTED,)),
        Case("random bytes as zip", "random2.zip", b"PK\x03\x04" + rng.randbytes(4096), (REJECTED,)),
        Case("truncated zip", "truncated.zip", zipped[: len(zipped) // 2], (REJECTED,)),
        Case("truncated json", "truncated.json", backup_json[: len(backup_json) // 2], (REJECTED,)),
        Case("corrupted zip", "corrupted.zip", _corrupt(zipped, 5), (REJECTED,)),
        Case("zip bomb (declared 2 GB)", "bomb.zip", _patch_sizes(zipped, 2_000_000_000), (REJECTED,)),
        Case("patched small sizes", "patched.zip", _patch_sizes(zipped, 10), (REJECTED,)),
        Case("deep nesting", "deep.json", deep, (REJECTED,)),
        Case("not a backup", "other.json", json.dumps({"hello": "world"}).encode(), (REJECTED,)),
        Case("latin-1 text", "latin1.json", json.dumps(doc, ensure_ascii=False).replace("专业", "é").encode("latin-1",
             errors="replace"), (REJECTED,)),
        Case("existing programme", "same.json", backup_json, (REJECTED,)),
        Case("duplicate codes", "dup.json", json.dumps(dup).encode(), (REJECTED,)),
        Case("cyclic hierarchy", "cyclic.json", json.dumps(cyclic).encode(), (REJECTED,)),
        Case("long text", "long.json", json.dumps(long).encode(), (REJECTED,)),
        Case("control characters", "ctrl.json", json.dumps(controls).encode(), (STORED,), ("专业名",)),
        Case("HTML, Markdown and formula payloads", "markup.json", json.dumps(markup).encode(), (STORED,),
             (MARKUP[2] + FORMULAS[0],)),
    ]
