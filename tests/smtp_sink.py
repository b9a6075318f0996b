"""A local SMTP debugging server for tests: speaks enough SMTP for smtplib and keeps every message."""

from __future__ import annotations

import socketserver
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage


class _Handler(socketserver.StreamRequestHandler):
    def _say(self, line: str) -> None:
        self.wfile.write(line.encode("ascii") + b"\r\n")

    def handle(self) -> None:
        self._say("220 127.0.0.1 test SMTP sink")
        sender, recipients = None, []
        while line := self.rfile.readline():
            verb = line.decode("ascii", "replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250 127.0.0.1")
            elif verb == "MAIL":
                sender, recipients = line.decode().split(":", 1)[1].strip(), []
                self._say("250 OK")
            elif verb == "RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 end with <CRLF>.<CRLF>")
                data = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                message = message_from_bytes(bytes(data), policy=policy.default)
                self.server.messages.append((sender, recipients, message))
                self._say("250 queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            else:  # RSET, NOOP and the rest
                self._say("250 OK")


class SmtpSink(socketserver.ThreadingTCPServer):
    """``with SmtpSink() as sink:`` listens on 127.0.0.1 (free port ``sink.port``); ``sink.messages``
    holds ``(sender, recipients, EmailMessage)`` per message received."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
