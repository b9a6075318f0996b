"""A process the fault tests kill with SIGKILL in the middle of its work (``python -m tests.fault_worker``).

``import URL PROGRAM ROWS``: one framework import of ROWS competencies. ``restore URL PATH``: one
restore. ``save URL STANDARD_ID OWNER_JSON LOG``: standard saves in a loop, each acknowledged save
appended to LOG (flushed and fsynced) only after ``save_standard`` returned. Prints ``START`` when the
work begins and ``DONE`` when a one-shot operation returned.
"""

from __future__ import annotations

import json
import os
import sys


def framework_csv(rows: int) -> bytes:
    lines = ["编码,能力描述", "1,领域"]
    lines += [f"1.{i},能完成第{i}项操作" for i in range(1, rows + 1)]
    return "\n".join(lines).encode("utf-8")


def main(argv: list[str]) -> int:
    from services.actor import SYSTEM, Actor
    from services.db import make_engine

    op, url = argv[0], argv[1]
    engine = make_engine(url)
    if op == "import":
        from services.importing import import_file

        data = framework_csv(int(argv[3]))
        print("START", flush=True)
        result = import_file(engine, actor=SYSTEM, data=data, filename="fault.csv", program_code=argv[2])
        print("DONE" if result.ok else f"REJECTED {result.errors[:2]}", flush=True)
    elif op == "restore":
        from services.exports import restore_backup

        with open(argv[2], "rb") as handle:
            data = handle.read()
        print("START", flush=True)
        report = restore_backup(engine, actor=SYSTEM, data=data)
        print("DONE" if report.ok else f"REJECTED {report.errors[:2]}", flush=True)
    elif op == "save":
        from services.standards import editing_snapshot, save_args_from_content, save_standard

        standard_id, owner = int(argv[2]), Actor(**json.loads(argv[3]))
        log = open(argv[4], "a", encoding="utf-8")  # noqa: SIM115 - appended and fsynced per acknowledged save
        base = editing_snapshot(engine, standard_id=standard_id)
        print("START", flush=True)
        n = 0
        while True:
            n += 1
            args = save_args_from_content(base["content"])
            for table in ("objectives", "units"):
                for row in args[table]:
                    row.pop("alignments", None)
            args["objectives"][0]["text"] = f"目标 {os.getpid()}-{n}"
            result = save_standard(engine, actor=owner, standard_id=standard_id, expected_version=base["version"],
                                   **args)
            log.write(json.dumps({"version": result["version"], "number": result["version_number"],
                                  "text": args["objectives"][0]["text"]}, ensure_ascii=False) + "\n")
            log.flush()
            os.fsync(log.fileno())
            base = result
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
