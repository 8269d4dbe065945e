#!/usr/bin/env python3
"""A local HTTP server for the model download tests (never the internet).

Serves one file at /files/<its name> with Range support (bytes=N- and bytes=N-M, If-Range) and
the file's SHA-256 as ETag and X-Linked-ETag, as Hugging Face does for LFS files. The query
string tells it to misbehave, so that the tests can see what the downloader does about it:

  drop=N      close the connection after byte N of the file (only when the request starts
              before N, so a resumed request gets the rest)
  stall=N     stop sending after byte N for `stall_s` seconds (default 60; same rule)
  corrupt=N   flip the byte at offset N (the headers still promise the real checksum)
  nolength=1  no Content-Length: the body ends when the connection closes
  noetag=1    no checksum headers
  redirect=1  answer /files/... with a 302 that carries X-Linked-ETag/X-Linked-Size, as the
              Hugging Face resolve URL does, to /cdn/<name> whose ETag is not the checksum

GET /log returns every request so far as JSON (path, Range and If-Range headers, status, bytes
sent); /log?clear=1 also forgets them.
Prints "PORT <n>" on stdout once it listens on 127.0.0.1.
"""
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse

CHUNK = 64 * 1024


class State:
    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, "rb") as f:
            self.data = f.read()
        self.sha256 = hashlib.sha256(self.data).hexdigest()
        self.log = []
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, fmt, *args):  # keep the test output quiet
        pass

    def record(self, status, sent):
        with self.state.lock:
            self.state.log.append({"path": self.path, "range": self.headers.get("Range", ""),
                                   "ifRange": self.headers.get("If-Range", ""),
                                   "status": status, "sent": sent})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/log":
            with self.state.lock:
                body = json.dumps(self.state.log).encode()
                if query.get("clear") == "1":
                    self.state.log = []
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if url.path == "/files/" + self.state.name and query.get("redirect") == "1":
            self.send_response(302)
            rest = {k: v for k, v in query.items() if k != "redirect"}
            target = "/cdn/" + self.state.name
            if rest:
                target += "?" + urllib.parse.urlencode(rest)
            self.send_header("Location", target)
            self.send_header("X-Linked-ETag", '"%s"' % self.state.sha256)
            self.send_header("X-Linked-Size", str(len(self.state.data)))
            self.send_header("ETag", 'W/"redirect-page"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.record(302, 0)
            return
        if url.path not in ("/files/" + self.state.name, "/cdn/" + self.state.name):
            self.send_error(404)
            self.record(404, 0)
            return
        self.serve_file(query, cdn=url.path.startswith("/cdn/"))

    def serve_file(self, query, cdn):
        data = self.state.data
        size = len(data)
        etag = '"%s"' % ("cdn-%d" % size if cdn else self.state.sha256)
        start, end = 0, size - 1
        status = 200
        wanted = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if wanted and (not if_range or if_range == etag):
            spec = wanted.replace("bytes=", "", 1).split("-", 1)
            start = int(spec[0])
            end = int(spec[1]) if spec[1] else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                self.record(416, 0)
                return
            end = min(end, size - 1)
            status = 206
        body = bytearray(data[start:end + 1])
        if "corrupt" in query:
            at = int(query["corrupt"]) - start
            if 0 <= at < len(body):
                body[at] ^= 0xFF
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Accept-Ranges", "bytes")
        if query.get("noetag") != "1":
            self.send_header("ETag", etag)
            if not cdn:
                self.send_header("X-Linked-ETag", '"%s"' % self.state.sha256)
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        if query.get("nolength") == "1":
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        drop = int(query["drop"]) if "drop" in query else None
        stall = int(query["stall"]) if "stall" in query else None
        stop = None
        if drop is not None and start < drop:
            stop = ("drop", drop - start)
        elif stall is not None and start < stall:
            stop = ("stall", stall - start)
        sent = 0
        try:
            while sent < len(body):
                if stop and sent >= stop[1]:
                    if stop[0] == "drop":
                        break
                    time.sleep(float(query.get("stall_s", "60")))
                    stop = None
                limit = len(body) if not stop else stop[1]
                piece = body[sent:min(sent + CHUNK, limit)]
                self.wfile.write(piece)
                sent += len(piece)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.record(status, sent)
        if stop and stop[0] == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: model_download_server.py FILE")
    Handler.state = State(sys.argv[1])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("PORT %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
