"""A small HTTP server on 127.0.0.1 for connector/http's tests.

Prints the port it listens on (one line), then serves until killed or until the process that started
it exits (so a crashed test run leaves no server behind). Every request's path (with its query) is
appended to the --log file, one line each, so a test can count requests.

  /data.csv            a CSV body (text/csv)
  /data.jsonl          a JSON-lines body
  /feed                the JSON-lines body, extensionless, Content-Type application/x-ndjson
  /blob                the CSV body, extensionless, Content-Type application/octet-stream
  /moved?Q             302 to /data.jsonl?Q (its format shows only after the redirect)
  /missing.csv         404
  /flaky.csv?fail=N    500 for the first N requests of that exact path+query, then the CSV body
  /slow.csv?delay=S    waits S seconds, then the CSV body
"""
import argparse
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

CSV = b"id,name,score\n1,ann,0.5\n2,bob,1.5\n3,cy,\n"
JSONL = b'{"id": 1, "tag": "a"}\n{"id": 2, "tag": "b"}\n'


class Handler(BaseHTTPRequestHandler):
    counts = {}
    lock = threading.Lock()
    log_path = None

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", content_type="text/plain", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self):
        with Handler.lock:
            Handler.counts[self.path] = Handler.counts.get(self.path, 0) + 1
            seen = Handler.counts[self.path]
            with open(Handler.log_path, "a") as log:
                log.write(self.path + "\n")
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/data.csv":
            self.send(200, CSV, "text/csv")
        elif parts.path == "/data.jsonl":
            self.send(200, JSONL, "application/octet-stream")
        elif parts.path == "/feed":
            self.send(200, JSONL, "application/x-ndjson; charset=utf-8")
        elif parts.path == "/blob":
            self.send(200, CSV, "application/octet-stream")
        elif parts.path == "/moved":
            target = "/data.jsonl" + ("?" + parts.query if parts.query else "")
            self.send(302, b"", headers=[("Location", target)])
        elif parts.path == "/flaky.csv":
            if seen <= int(query.get("fail", ["1"])[0]):
                self.send(500, b"try again")
            else:
                self.send(200, CSV, "text/csv")
        elif parts.path == "/slow.csv":
            time.sleep(float(query.get("delay", ["5"])[0]))
            self.send(200, CSV, "text/csv")
        else:
            self.send(404, b"no such file")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    # The test process may have blocked these signals in the thread that started us.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    Handler.log_path = args.log
    parent = os.getppid()

    def exit_with_parent():
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True).start()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
