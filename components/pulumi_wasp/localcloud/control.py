"""The control endpoint of a running local cloud (127.0.0.1): what only the runtime knows.

``GET /status``: functions (invocations, errors, throttles, cold starts and init times), the
event sources' ledger and, per queue, the messages received but not processed.
``POST /schedules/<name>/fire``: deliver one run of a schedule now.
Everything else a client does goes to the emulator's AWS APIs or to the API's URL.
"""

from __future__ import annotations

import json
import statistics
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pulumi_wasp.localcloud.runtime.engine import Runtime
from pulumi_wasp.localcloud.runtime.ledger import ACCEPTED, PROCESSED
from pulumi_wasp.localcloud.runtime.threads import call_within


def status(runtime: Runtime) -> dict[str, Any]:
    functions = {}
    for name, function in runtime.functions.items():
        stats = function.stats
        durations = list(stats.durations_ms)
        functions[name] = {
            "invocations": stats.invocations,
            "errors": stats.errors,
            "throttles": stats.throttles,
            "timeouts": stats.timeouts,
            "cold_starts": stats.cold_starts,
            "replaced": stats.replaced,
            "reloads": stats.reloads,
            "init_ms": [round(ms, 1) for ms in stats.init_ms],
            "median_duration_ms": round(statistics.median(durations), 1) if durations else None,
            "concurrency": function.concurrency,
            "peak_concurrency": stats.peak_concurrency,
            "log": str(function.log_path),
        }
    ledger = runtime.ledger
    queues = {}
    for arn in ledger.queues():
        received, processed = ledger.message_ids(arn, ACCEPTED), ledger.message_ids(arn, PROCESSED)
        queues[arn] = {
            "received": len(received),
            "processed": len(processed & received),
            "unprocessed": sorted(received - processed),
        }
    return {
        "speed": runtime.clock.speed,
        "functions": functions,
        "sources": ledger.counts(),
        "queues": queues,
        "mappings": [
            {
                "uuid": p.mapping.uuid,
                "source": p.mapping.source_arn,
                "function": p.mapping.function_arn,
                "batch_size": p.mapping.batch_size,
                "batching_window_seconds": p.mapping.batching_window_seconds,
            }
            for p in runtime.pollers
        ],
        "schedules": {
            name: {"expression": s.expression, "next": s.due.isoformat() if s.due else None}
            for name, s in runtime.schedules.schedules.items()
        },
        "fired": [{"schedule": name, "at": at.isoformat()} for name, at in runtime.schedules.fired],
    }


class ControlServer:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(runtime))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="control", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        # Requests in flight are daemon threads: only the serving loop is waited for, within 50 ms.
        call_within(self._server.shutdown, timeout, "control server shutdown")
        self._server.server_close()


def _handler(runtime: Runtime) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, code: int, body: Any) -> None:
            payload = json.dumps(body, indent=1).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            if self.path == "/status":
                self._answer(200, status(runtime))
            else:
                self._answer(404, {"message": f"unknown path {self.path}"})

        def do_POST(self) -> None:
            parts = self.path.strip("/").split("/")
            if len(parts) == 3 and parts[0] == "schedules" and parts[2] == "fire":
                if parts[1] not in runtime.schedules.schedules:
                    self._answer(
                        404, {"message": f"no schedule {parts[1]!r}; known: {sorted(runtime.schedules.schedules)}"}
                    )
                    return
                runtime.schedules.fire(parts[1])
                self._answer(202, {"fired": parts[1]})
            else:
                self._answer(404, {"message": f"unknown path {self.path}"})

        def log_message(self, format: str, *args: Any) -> None:
            """Control requests are not logged to the terminal."""

    return Handler
