"""A real HTTP server speaking the Chat Completions protocol, scripted step by step.

Tests drive the real `openai` SDK against it, so retries, timeouts, dropped connections and
headers go through the same HTTP stack as production instead of a mocked client. Profiles
reproduce what real servers were seen to do: `profile = "llama_cpp"` answers json_schema with
llama-cpp-python's HTTP 500 and takes JSON mode with a schema in response_format (recorded in
`json_mode_schemas`); `EchoSchema()` replies with the schema it was sent, as a small model did;
`SameDraft(content)` returns the same draft to every request; `CitingModel(content, invent)`
cites the prompt's abstract sentence ids, and an id that does not exist for the sentences in
`invent` until it is asked to revise.

    with ChatServer() as server:
        server.enqueue(Fault(429, headers={"Retry-After": "1"}), Reply({"title": "..."}))
        backend = OpenAIBackend(Settings(openai_base_url=server.base_url, ...))
        ...
        assert len(server.requests) == 2
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A 200 answer; dict content is JSON-encoded the way a model would write it."""

    content: str | dict[str, Any] | None = None
    finish_reason: str = "stop"
    refusal: str | None = None
    prompt_tokens: int = 120
    completion_tokens: int = 80
    cached_tokens: int = 0
    model: str | None = None  # None echoes the requested model


@dataclass
class Fault:
    """Any HTTP error status; a str body is sent as-is so tests can send non-JSON errors."""

    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] | str | None = None


@dataclass
class Hang:
    """Wait before answering, long enough to trip the client's read timeout."""

    seconds: float
    then: Reply | Fault | None = None


@dataclass
class Drop:
    """Close the connection without sending a single byte back."""


Step = Reply | Fault | Hang | Drop


@dataclass
class RecordedRequest:
    """One request as received; header names are lower-cased."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


REJECT_JSON_SCHEMA = {
    "error": {
        "message": "response_format json_schema is not supported",
        "type": "invalid_request_error",
        "param": "response_format",
        "code": None,
    }
}


# What llama-cpp-python 0.3 answers to response_format json_schema: its route handler turns the
# request validation error into an HTTP 500 "internal_server_error".
LLAMA_CPP_REJECT_JSON_SCHEMA = {
    "error": {
        "message": "1 validation error:\n  {'type': 'literal_error', 'loc': ('body', "
        "'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", "
        "'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}",
        "type": "internal_server_error",
        "param": None,
        "code": None,
    }
}


def sent_schema(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a request carried: in response_format, else in a JSON-mode prompt note."""
    rf = body.get("response_format") or {}
    if "schema" in rf:
        return rf["schema"]
    if "json_schema" in rf:
        return rf["json_schema"]["schema"]
    for message in body.get("messages", []):
        text = message.get("content") or ""
        if "{" in text and '"$defs"' in text:
            return json.loads(text[text.index("{") :])
    return None


@dataclass
class EchoSchema:
    """A default step for a model that sends the schema back instead of filling it in."""

    def __call__(self, body: dict[str, Any]) -> Reply:
        return Reply(sent_schema(body) or {"type": "object", "properties": {}})


@dataclass
class SameDraft:
    """A default step for a model that returns the same draft whatever it is asked."""

    content: dict[str, Any]

    def __call__(self, body: dict[str, Any]) -> Reply:
        return Reply(self.content)


@dataclass
class CitingModel:
    """A default step for a model that cites the prompt's numbered abstract sentences: each
    sentence of the three finding sections cites the `[S<n>]` unit sharing most words with it,
    except those in `invent`, which cite `fake` (an id the abstract does not have) until a
    revise request names them, as a model that fixes its citations when told would."""

    content: dict[str, Any]
    invent: tuple[str, ...] = ()
    fake: str = "S999"

    def __call__(self, body: dict[str, Any]) -> Reply:
        prompt = body["messages"][-1]["content"]
        units = dict(re.findall(r"^\[(S\d+)\](?: \([^)]*\))? (.+)$", prompt, re.M))
        revising = "# Your previous draft" in prompt
        evidence = []
        for section in ("key_takeaway", "what_they_found", "who_should_care"):
            for sentence in re.split(r"(?<=[.!?])\s+", self.content[section].strip()):
                words = set(re.findall(r"[a-z]{4,}", sentence.lower()))
                best = max(
                    units,
                    key=lambda i: len(words & set(re.findall(r"[a-z]{4,}", units[i].lower()))),
                )
                ids = [self.fake] if sentence in self.invent and not revising else [best]
                evidence.append({"section": section, "sentence": sentence, "ids": ids})
        return Reply({**self.content, "evidence": evidence})


def completion_body(step: Reply, model: str) -> dict[str, Any]:
    content = json.dumps(step.content) if isinstance(step.content, dict) else step.content
    return {
        "id": f"chatcmpl-test-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": step.model or model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": step.refusal},
                "finish_reason": step.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": step.prompt_tokens,
            "completion_tokens": step.completion_tokens,
            "total_tokens": step.prompt_tokens + step.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": step.cached_tokens},
        },
    }


class ChatServer:
    """Serves scripted steps in order on 127.0.0.1:<ephemeral port>, one per request."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.default: Callable[[dict[str, Any]], Step] | None = None
        self.reject_json_schema = False
        # "llama_cpp": json_schema gets llama-cpp-python's HTTP 500; JSON mode is accepted.
        self.profile: str | None = None
        self.json_mode_schemas: list[dict[str, Any]] = []  # schemas sent in JSON mode
        # GET /v1/models: the ids listed, as llama.cpp lists its GGUF path; None answers 404.
        self.models: list[str] | None = None
        self.models_asked = 0
        # Per-study scripts: a request whose messages contain the marker plays the next step.
        self.routes: dict[str, deque[Step]] = {}
        # Load testing: a fixed delay per answer, and a requests-per-minute limit enforced as a
        # token bucket holding one second of requests (a burst beyond it gets 429).
        self.latency = 0.0
        self.rpm_limit: float | None = None
        self.rate_limited = 0
        self._bucket = 0.0
        self._bucket_at = time.monotonic()
        # The Files and Batches endpoints: uploaded files, batch jobs, and how a job behaves:
        # `batch_polls` retrievals before it completes, markers whose lines expire unanswered.
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.batch_polls = 1
        self.expire_markers: set[str] = set()
        self._queue: deque[Step] = deque()
        self._lock = threading.Lock()
        # Set on close so hanging handlers stop waiting and the test run does not linger.
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        # A short poll interval keeps shutdown, and so each test's teardown, quick.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.body for r in self.requests]

    def enqueue(self, *steps: Step) -> None:
        with self._lock:
            self._queue.extend(steps)

    def start(self) -> ChatServer:
        self._thread.start()
        return self

    def close(self) -> None:
        self._closing.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def route(self, marker: str, *steps: Step) -> None:
        with self._lock:
            self.routes.setdefault(marker, deque()).extend(steps)

    def _over_limit(self) -> bool:
        if not self.rpm_limit:
            return False
        rate = self.rpm_limit / 60.0
        now = time.monotonic()
        self._bucket = min(max(rate, 1.0), self._bucket + (now - self._bucket_at) * rate)
        self._bucket_at = now
        if self._bucket < 1.0:
            self.rate_limited += 1
            return True
        self._bucket -= 1.0
        return False

    def _next_step(self, request: RecordedRequest) -> Step:
        with self._lock:
            self.requests.append(request)
            if self._over_limit():
                wait_ms = int(1000 * (1.0 - self._bucket) / (self.rpm_limit / 60.0)) + 1
                return Fault(
                    429,
                    headers={"retry-after-ms": str(wait_ms)},
                    body={
                        "error": {
                            "message": "rate limited",
                            "type": "requests",
                            "code": "rate_limit_exceeded",
                        }
                    },
                )
            rf = request.body.get("response_format") or {}
            if rf.get("type") == "json_object" and "schema" in rf:
                self.json_mode_schemas.append(rf["schema"])
            if self.profile == "llama_cpp" and rf.get("type") == "json_schema":
                return Fault(500, body=LLAMA_CPP_REJECT_JSON_SCHEMA)
            text = json.dumps(request.body.get("messages", []))
            for marker, steps in self.routes.items():
                if steps and marker in text:
                    return steps.popleft()
            if self.reject_json_schema and rf.get("type") == "json_schema":
                return Fault(400, body=REJECT_JSON_SCHEMA)
            if self._queue:
                return self._queue.popleft()
        if self.default is not None:
            return self.default(request.body)
        return Fault(500, body={"error": {"message": "queue empty", "type": "server_error"}})

    # -- Files and Batches (the provider's Batch API), enough of it to drive the real SDK --

    def add_file(self, content: bytes, purpose: str, filename: str) -> dict[str, Any]:
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = content
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(content),
            "created_at": 0,
            "filename": filename,
            "purpose": purpose,
            "status": "processed",
        }

    def create_batch(self, input_file_id: str, endpoint: str) -> dict[str, Any]:
        with self._lock:
            batch_id = f"batch-{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "id": batch_id,
                "object": "batch",
                "endpoint": endpoint,
                "errors": None,
                "input_file_id": input_file_id,
                "completion_window": "24h",
                "status": "validating",
                "output_file_id": None,
                "error_file_id": None,
                "created_at": int(time.time()),
                "polls": 0,
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
            }
        return self._public(self.batches[batch_id])

    def retrieve_batch(self, batch_id: str) -> dict[str, Any] | None:
        batch = self.batches.get(batch_id)
        if batch is None:
            return None
        batch["polls"] += 1
        if batch["status"] in ("validating", "in_progress"):
            batch["status"] = "in_progress"
            if batch["polls"] >= self.batch_polls:
                self._run_batch(batch)
        return self._public(batch)

    def _run_batch(self, batch: dict[str, Any]) -> None:
        """Answer every line as the chat endpoint would; lines with an expiring marker get
        the provider's `batch_expired` error instead, and the job ends `expired`."""
        output, errors, expired = [], [], False
        for raw in self.files[batch["input_file_id"]].decode().splitlines():
            line = json.loads(raw)
            text = json.dumps(line["body"].get("messages", []))
            hit = next((m for m in self.expire_markers if m in text), None)
            if hit:
                self.expire_markers.discard(hit)  # a line expires once, then goes through
                expired = True
                errors.append(
                    {
                        "id": f"req-{len(errors)}",
                        "custom_id": line["custom_id"],
                        "response": None,
                        "error": {"code": "batch_expired", "message": "not completed in time"},
                    }
                )
                continue
            step = self._next_step(RecordedRequest(line["url"], {}, line["body"]))
            if isinstance(step, Fault):
                body = step.body or {"error": {"message": f"scripted fault {step.status}"}}
                response = {"status_code": step.status, "body": body}
            else:
                reply = step if isinstance(step, Reply) else Reply(content={})
                response = {"status_code": 200, "body": completion_body(reply, "batch-model")}
            output.append(
                {
                    "id": f"req-{len(output)}",
                    "custom_id": line["custom_id"],
                    "response": response,
                    "error": None,
                }
            )
        if output:
            batch["output_file_id"] = self.add_file(
                "\n".join(json.dumps(o) for o in output).encode(), "batch_output", "out.jsonl"
            )["id"]
        if errors:
            batch["error_file_id"] = self.add_file(
                "\n".join(json.dumps(e) for e in errors).encode(), "batch_output", "err.jsonl"
            )["id"]
        batch["status"] = "expired" if expired else "completed"
        batch["request_counts"] = {
            "total": len(output) + len(errors),
            "completed": len(output),
            "failed": len(errors),
        }

    @staticmethod
    def _public(batch: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in batch.items() if k != "polls"}


def _multipart_file(content_type: str, raw: bytes) -> tuple[bytes, dict[str, str]]:
    """The uploaded file and the plain form fields of a multipart/form-data body."""
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    fields: dict[str, str] = {}
    content = b""
    for part in raw.split(b"--" + boundary):
        head, _, body = part.partition(b"\r\n\r\n")
        body = body.removesuffix(b"\r\n")
        name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode() if b'name="' in head else ""
        if b"filename=" in head:
            content = body
        elif name:
            fields[name] = body.decode()
    return content, fields


def _make_handler(server: ChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes; Nagle would hold the body ~40 ms per reply.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            pass

        def do_GET(self) -> None:
            path = self.path.rstrip("/")
            if path.startswith("/v1/batches/"):
                batch = server.retrieve_batch(path.rsplit("/", 1)[1])
                if batch is None:
                    self._send_json(404, {"error": {"message": "no such batch"}})
                else:
                    self._send_json(200, batch)
            elif path == "/v1/models" and server.models is not None:
                server.models_asked += 1
                listed = [{"id": m, "object": "model", "owned_by": "me"} for m in server.models]
                self._send_json(200, {"object": "list", "data": listed})
            elif path.startswith("/v1/files/") and path.endswith("/content"):
                content = server.files.get(path.split("/")[3])
                if content is None:
                    self._send_json(404, {"error": {"message": "no such file"}})
                else:
                    self._send_raw(200, content)
            else:
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/") == "/v1/files":
                content, fields = _multipart_file(self.headers.get("Content-Type", ""), raw)
                self._send_json(200, server.add_file(content, fields.get("purpose", ""), "in"))
                return
            if self.path.rstrip("/") == "/v1/batches":
                request = json.loads(raw)
                if request.get("input_file_id") not in server.files:
                    self._send_json(400, {"error": {"message": "unknown input_file_id"}})
                    return
                self._send_json(
                    200, server.create_batch(request["input_file_id"], request.get("endpoint", ""))
                )
                return
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send_json(400, {"error": {"message": "body is not JSON"}})
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            recorded = RecordedRequest(self.path, headers, body)
            step = server._next_step(recorded)
            if server.latency and not isinstance(step, Fault):
                server._closing.wait(server.latency)
            self._play(step, body.get("model", "test-model"))

        def _play(self, step: Step, model: str) -> None:
            if isinstance(step, Drop):
                self.close_connection = True
                return
            if isinstance(step, Hang):
                self.close_connection = True
                if server._closing.wait(step.seconds):
                    return
                step = step.then or Reply(content={}, model=model)
            try:
                if isinstance(step, Fault):
                    body = step.body
                    if body is None:
                        body = {"error": {"message": f"scripted fault {step.status}"}}
                    self._send_json(step.status, body, step.headers)
                else:
                    self._send_json(200, completion_body(step, model))
            except OSError:
                # The client gave up on a hanging request; nobody is listening any more.
                self.close_connection = True

        def _send_raw(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

        def _send_json(
            self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None
        ) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler
