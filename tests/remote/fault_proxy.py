#!/usr/bin/env python3
"""A small HTTP proxy in front of a real llama-server that injects one fault, for
remote_server_test. Usage: fault_proxy.py MODE UPSTREAM_PORT; prints the port it listens on
(127.0.0.1, a free one), then serves until killed. Modes:
  key       401 unless "Authorization: Bearer right-key", then forwards
  model     404 (vLLM's wording) unless the request's model is "real-model", then forwards
  busy      429 with Retry-After: 7
  broken    forwards 3 stream events, then a 500 error event, then closes
  stall     forwards 3 stream events, then sends nothing (the client's timeout ends it)
  malformed forwards 2 stream events, then a line that is no SSE field
  overlong  forwards every stream event twice (more tokens than max_tokens)
  pass      forwards everything
"""
import http.client
import http.server
import json
import sys
import time

MODE, UPSTREAM = sys.argv[1], int(sys.argv[2])


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.forward(None)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.forward(body)

    def forward(self, body):
        if MODE == "key" and self.headers.get("Authorization") != "Bearer right-key":
            return self.reply(401, {"error": {"message": "Invalid API key", "type": "auth"}})
        if MODE == "model" and body is not None:
            model = json.loads(body).get("model", "")
            if model != "real-model":
                return self.reply(404, {"error": {"message": f"The model `{model}` does not exist.",
                                                  "type": "NotFoundError", "code": 404}})
        if MODE == "busy" and body is not None:
            return self.reply(429, {"error": {"message": "Too many requests"}}, [("Retry-After", "7")])
        up = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=120)
        up.request(self.command, self.path, body=body,
                   headers={"Content-Type": "application/json"})
        r = up.getresponse()
        streaming = r.getheader("Content-Type", "").startswith("text/event-stream")
        if not streaming:
            data = r.read()
            self.send_response(r.status)
            self.send_header("Content-Type", r.getheader("Content-Type", "application/json"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        events = 0
        for line in r:
            if not line.startswith(b"data: "):
                continue
            done = line.strip() == b"data: [DONE]"
            if not done:
                events += 1
                if MODE == "broken" and events > 3:
                    self.send(b'data: {"error": {"code": 500, "message": "CUDA error: an illegal memory access", "type": "server_error"}}\n\n')
                    return
                if MODE == "stall" and events > 3:
                    time.sleep(60)
                    return
                if MODE == "malformed" and events > 2:
                    self.send(b"this is not a server-sent event\n\n")
                    time.sleep(5)
                    return
            self.send(line.rstrip(b"\n") + b"\n\n")
            if MODE == "overlong" and not done:
                self.send(line.rstrip(b"\n") + b"\n\n")
        self.close_connection = True

    def send(self, data):
        self.wfile.write(data)
        self.wfile.flush()


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(server.server_address[1], flush=True)
server.serve_forever()
