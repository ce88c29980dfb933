#!/usr/bin/env python3
"""Federation fan-out benchmark (run by hand; results in docs/BENCHMARKS.md).

Starts one kinora instance (with the loopback testing flag) and 50 minimal inbox servers on
127.0.0.1, records 1,000 remote followers of the instance's `root_channel` spread over those
50 hosts (20 per host, each host with a shared inbox), publishes one video, and measures the
time from publication until every host received the activity, and the server's peak RSS.

usage: bench/federation_fanout.py [path/to/kinora]   (default target/release/kinora)
"""
import asyncio, json, os, re, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request, uuid

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/kinora"
HOSTS, PER_HOST = 50, 20
FIXTURE = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "media", "short.mp4")

received = {}  # port -> first time an activity arrived
posts = [0]


async def handle(reader, writer, port):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1)) if b"ontent-" in head else 0
        body = await reader.readexactly(length)
        if head.startswith(b"POST"):
            posts[0] += 1
            if b'"Create"' in body or b'"Announce"' in body:
                received.setdefault(port, time.monotonic())
        writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()
    except Exception:
        pass
    finally:
        writer.close()


async def inboxes(ports_out, ready):
    servers = []
    for _ in range(HOSTS):
        holder = {}
        srv = await asyncio.start_server(lambda r, w, h=holder: handle(r, w, h["port"]), "127.0.0.1", 0)
        holder["port"] = srv.sockets[0].getsockname()[1]
        ports_out.append(holder["port"])
        servers.append(srv)
    ready.set()
    await asyncio.Event().wait()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def api(base, path, token=None, data=None, headers=None, method=None):
    req = urllib.request.Request(base + path, data=data, headers=headers or {}, method=method)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")


def main():
    ports, ready = [], threading.Event()
    threading.Thread(target=lambda: asyncio.run(inboxes(ports, ready)), daemon=True).start()
    ready.wait()
    data = tempfile.mkdtemp(prefix="kinora-fanout-")
    proc = subprocess.Popen([BIN, "--data-dir", data, "serve", "--listen", "127.0.0.1:0",
                             "--federation-allow-private-addresses"], stdout=subprocess.PIPE,
                            stderr=open(os.path.join(data, "log"), "w"), text=True)
    base = password = None
    for line in proc.stdout:
        if "public URL" in line:
            base = line.split("public URL ")[1].strip().rstrip(")")
        if line.strip().startswith("password:"):
            password = line.split(":", 1)[1].strip()
        if base and password:
            break
    db = sqlite3.connect(os.path.join(data, "kinora.sqlite3"), timeout=30)
    channel = db.execute("SELECT id FROM actors WHERE name = 'root_channel' AND host IS NULL").fetchone()[0]
    now = "2026-01-01T00:00:00.000Z"
    for p in ports:
        host = f"127.0.0.1:{p}"
        for i in range(PER_HOST):
            url = f"http://{host}/users/u{i}"
            cur = db.execute(
                "INSERT INTO actors (kind, name, host, url, display_name, inbox_url, shared_inbox_url, "
                "public_key_pem, fetched_at, created_at, updated_at) VALUES ('Person', ?, ?, ?, ?, ?, ?, 'x', ?, ?, ?)",
                (f"u{i}", host, url, f"u{i}", url + "/inbox", f"http://{host}/inbox", now, now, now))
            db.execute("INSERT INTO follows (follower_id, target_id, state, created_at, updated_at) "
                       "VALUES (?, ?, 'accepted', ?, ?)", (cur.lastrowid, channel, now, now))
    db.commit()
    creds = api(base, "/api/v1/oauth-clients/local")
    form = urllib.parse.urlencode({"client_id": creds["client_id"], "client_secret": creds["client_secret"],
                                   "grant_type": "password", "username": "root", "password": password}).encode()
    token = api(base, "/api/v1/users/token", data=form)["access_token"]
    me = api(base, "/api/v1/users/me", token)
    boundary = uuid.uuid4().hex
    video = open(FIXTURE, "rb").read()
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nFan-out\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"channelId\"\r\n\r\n{me['videoChannels'][0]['id']}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"privacy\"\r\n\r\n1\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"videofile\"; filename=\"short.mp4\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n").encode() + video + f"\r\n--{boundary}--\r\n".encode()
    peak = [rss_kb(proc.pid)]
    stop = threading.Event()
    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(proc.pid))
            time.sleep(0.05)
    threading.Thread(target=sample, daemon=True).start()
    created = api(base, "/api/v1/videos/upload", token, data=body,
                  headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    uuid_ = created["video"]["uuid"]
    while api(base, f"/api/v1/videos/{uuid_}", token)["state"]["id"] != 1:
        time.sleep(0.02)
    published = time.monotonic()
    deadline = published + 60
    while len(received) < HOSTS and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    done = max(received.values()) - published if len(received) == HOSTS else None
    print(json.dumps({
        "followers": HOSTS * PER_HOST, "hosts": HOSTS, "hosts_reached": len(received),
        "inbox_posts": posts[0],
        "seconds_from_publication_to_last_host": None if done is None else round(done, 3),
        "server_peak_rss_mb": round(peak[0] / 1024, 1),
    }, indent=2))
    proc.terminate()
    proc.wait(timeout=30)


if __name__ == "__main__":
    import urllib.parse
    main()
