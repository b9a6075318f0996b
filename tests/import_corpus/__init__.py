"""The import layout corpus (issue #10): spreadsheets laid out the way programme offices lay them out.

``synthetic_layouts()`` builds 60-odd layouts in memory (.xlsx with merged cells and wrapped
headers, .xls via xlwt, .ods via odfpy, GB18030 CSV), each with a name, file name, format,
rule tags (``RULES``) and an ``expected`` record written from how a person reads the sheet.
``real_layouts()`` adds the import-relevant third-party files of ../shared/data/real.
``check(layout, preview)`` lists the differences; ``run(layout, data)`` analyses one file
against an empty database. See docs/import_corpus.md.
"""

from tests.import_corpus.check import check, run
from tests.import_corpus.layouts import EXTRA_TAGS, RULES, Layout, synthetic_layouts
from tests.import_corpus.real import real_layouts

__all__ = ["EXTRA_TAGS", "RULES", "Layout", "check", "real_layouts", "run", "synthetic_layouts"]
