"""Several statements in one cell ("1.能…\\n2.能…", "（1）…（2）…", "①…②…"): where a list is a list.

The numbering and the shape decide, never a line break alone: a cell splits when its lines
start with consecutive list numbers (1. / 1、 / (1) / ① / (一) / bullets), when it holds
inline markers (1)(2)… or ①②… from its start, or when each of its lines is a full
statement (ends with 。；; or starts with a competency verb and none ends mid-sentence).
A wrapped long sentence ("能根据工艺要求\\n完成调试") and an outline code ("1.2.1 能…") stay
whole. Parts keep their exact text (the list markers removed, inner line breaks kept).
"""

from __future__ import annotations

import itertools
import re

_CN = {ch: n for n, ch in enumerate("一二三四五六七八九十", start=1)}
_LINE_MARK = re.compile(r"^[ \t\u3000]*(?:(?P<num>\d{1,2})[ \t]*[.．、)）](?!\d)|[(（][ \t]*(?P<par>\d{1,2})[ \t]*[)）]"
                        r"|(?P<circ>[\u2460-\u2473])|[(（](?P<cn>[一二三四五六七八九十])[)）]|(?P<bullet>[•·▪●◆■\-–]))"
                        r"[ \t\u3000]*")
_INLINE_MARK = re.compile(r"[(（][ \t]*(?P<par>\d{1,2})[ \t]*[)）]|(?P<circ>[\u2460-\u2473])"
                          r"|[(（](?P<cn>[一二三四五六七八九十])[)）]")
_TERMINATORS = "。；;！!？?."
_CONTINUES = "，,、：:（(《“‘—-"
_VERBS = ("能", "会", "掌握", "熟悉", "了解", "理解", "具备", "具有", "熟练", "懂得", "可以", "善于", "树立", "培养",
          "can ", "able ", "be able", "know", "understand", "apply", "use ", "demonstrate")


def may_split(text: str) -> bool:
    """A cheap first test: only cells with a line break or an inline list marker can split."""
    return "\n" in text or "（1" in text or "(1" in text or "①" in text or "（一" in text


_MAY_SPLIT = re.compile(r"\n|（1|\(1|①|（一")  # what ``may_split`` looks for
_ITEM_START = re.compile(r"\x00[ \t\u3000]*[\d(（\u2460-\u2473•·▪●◆■\-–]")  # how a ``_LINE_MARK`` can begin


def may_hold_lists(texts: list[str]) -> bool:
    """False when no text of ``texts`` can split (``may_split``) nor be a list of one (``single_item``).

    One search of the texts run together, for a column of statements: nearly every sheet has no list
    cell, and then none of its rows needs the tests one by one.
    """
    joined = "\x00" + "\x00".join(texts)  # NUL never occurs in a cell (the reader removes control characters)
    return _MAY_SPLIT.search(joined) is not None or _ITEM_START.search(joined) is not None


def _number(match: re.Match[str]) -> int | None:
    groups = match.groupdict()
    if groups.get("num") or groups.get("par"):
        return int(groups.get("num") or groups["par"])
    if groups.get("circ"):
        return ord(groups["circ"]) - 0x2460 + 1
    if groups.get("cn"):
        return _CN[groups["cn"]]
    return 0  # a bullet


def _consecutive(numbers: list[int]) -> bool:
    if all(n == 0 for n in numbers):
        return True  # bullets
    return all(b == a + 1 for a, b in itertools.pairwise(numbers)) and 0 not in numbers


def _by_lines(lines: list[str]) -> list[str] | None:
    marks = [_LINE_MARK.match(line) for line in lines]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or marks[first] is None:
        return None
    numbers = [_number(m) for m in marks if m is not None]
    if len(numbers) < 2 or not _consecutive(numbers):
        return None
    parts: list[str] = []
    for line, mark in zip(lines[first:], marks[first:], strict=True):
        if mark is not None:
            parts.append(line[mark.end():])
        elif line.strip():
            parts[-1] += "\n" + line.rstrip()
    return parts


def _inline(text: str) -> list[str] | None:
    marks = list(_INLINE_MARK.finditer(text))
    if len(marks) < 2 or text[:marks[0].start()].strip():
        return None
    numbers = [_number(m) for m in marks]
    if not _consecutive(numbers) or numbers[0] != 1:
        return None
    ends = [m.start() for m in marks[1:]] + [len(text)]
    return [text[m.end():end] for m, end in zip(marks, ends, strict=True)]


_OUTLINE = re.compile(r"^[ \t\u3000]*\d+(?:[.．]\d+)+[.．]?[ \t\u3000]*\S")


def _by_codes(lines: list[str]) -> list[str] | None:
    """Each line starts with its own outline code ("1.1.1 能…\n1.1.2 能…"): parts keep their codes."""
    filled = [line for line in lines if line.strip()]
    if len(filled) < 2 or not _OUTLINE.match(filled[0]):
        return None
    parts: list[str] = []
    for line in filled:
        if _OUTLINE.match(line):
            parts.append(line)
        else:
            parts[-1] += "\n" + line.rstrip()
    return parts if len(parts) > 1 else None


def _statements(lines: list[str]) -> list[str] | None:
    """Plain line breaks between full statements (each line a sentence of its own)."""
    lines = [line for line in lines if line.strip()]
    if len(lines) < 2 or any(len(line.strip()) < 4 for line in lines):
        return None
    ends = [line.rstrip()[-1] for line in lines]
    if all(end in _TERMINATORS for end in ends[:-1]) and ends[-1] not in _CONTINUES:
        return lines
    starts = [line.strip().lower() for line in lines]
    if all(s.startswith(_VERBS) for s in starts) and not any(end in _CONTINUES for end in ends):
        return lines
    return None


def single_item(text: str) -> str | None:
    """The statement of a cell holding a list of one ("1.能…", "（1）能…", "①能…"), marker removed; else None.

    Under a task such a number is the list's, never part of the statement nor the competency's code
    ("1.2.1 能…" is an outline code, not a list number, and is not matched).
    """
    mark = _LINE_MARK.match(text)
    if mark is None or mark.group("bullet") or _number(mark) != 1:
        return None
    rest = text[mark.end():].strip()
    if not rest or _INLINE_MARK.search(rest) or any(_LINE_MARK.match(line) for line in rest.splitlines()[1:]):
        return None
    return rest


def split_statements(text: str) -> list[str] | None:
    """The statements of a cell holding a list, in order; None when the cell is one statement."""
    if not may_split(text):
        return None
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    parts = (_by_lines(lines) or _by_codes(lines) if len(lines) > 1 else None) or _inline(text)
    if parts is None and len(lines) > 1:
        parts = _statements(lines)
    if parts is None:
        return None
    parts = [p.strip() for p in parts if p.strip()]
    return parts if len(parts) > 1 else None
