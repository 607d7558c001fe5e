"""A stand-in group robot for demos and manual tests: prints each message it receives.

Listens on 127.0.0.1 (``--port``, default 8765) and answers like the 企业微信/钉钉 robots
(``{"errcode": 0, "errmsg": "ok"}``). Point a group robot (admin › 群机器人) at
``http://127.0.0.1:8765/cgi-bin/webhook/send?key=demo`` to watch dispatches arrive.
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a local stand-in for WeCom/DingTalk group robots that prints what it receives."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, port: int, **options):
        out = self.stdout

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    body = json.loads(raw)
                    markdown = body.get("markdown", {})
                    text = markdown.get("content") or markdown.get("text") or raw.decode()
                except (ValueError, AttributeError):
                    text = raw.decode(errors="replace")
                out.write(f"--- {self.path}\n{text}\n")
                out.flush()
                data = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        out.write(f"Listening on http://127.0.0.1:{port}/ (Ctrl-C to stop)\n")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
