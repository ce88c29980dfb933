#!/usr/bin/env python3
"""Hostile inbox benchmark (run by hand; results in docs/BENCHMARKS.md).

Sends 10,000 malformed or hostile POSTs to a kinora instance's shared inbox, 16 at a time:
random JSON without signature, 2 MiB bodies, 10,000-deep nesting, garbage Signature headers,
and well-formed signatures whose keys cannot be fetched. Reports the status codes seen (no
5xx allowed), the server's RSS before, during and after, and whether it still answers.

Legitimate deliveries go on meanwhile: the bovine peer of tests/federation_bovine.rs (a real
signing ActivityPub server on loopback) follows the instance's channel and sends signed Flags
of the root account, LEGIT_BEFORE of them before the flood and LEGIT_DURING during it. Reports
how many were accepted, how many reached the abuse list, whether the Accept of the follow
reached the peer, and the latency of a legitimate POST during the flood against before it.
The peer needs its virtual environment: python3 -m venv tests/peer/.venv &&
tests/peer/.venv/bin/pip install -r tests/peer/requirements.txt

usage: bench/federation_hostile.py [path/to/kinora]   (default target/release/kinora)
"""
import concurrent.futures, http.client, json, os, random, sqlite3, statistics, subprocess, sys, tempfile, threading, time, collections

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/kinora"
TOTAL = 10_000
LEGIT_BEFORE, LEGIT_DURING = 30, 200
ROOT = os.path.join(os.path.dirname(__file__), "..")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def payload(i):
    kind = i % 5
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    if kind == 0:
        return json.dumps({"type": random.choice(["Create", "Follow", "Like"]), "x": random.random()}).encode(), {}
    if kind == 1:
        return b"{" + b"\"a\":\"" + b"x" * (2 * 1024 * 1024) + b"\"}", {}
    if kind == 2:
        return b"[" * 10_000 + b"]" * 10_000, {"Signature": 'keyId="http://127.0.0.1:1/a#k",headers="(request-target) host date digest",signature="AAAA"', "Date": date, "Digest": "SHA-256=AAAA"}
    if kind == 3:
        return b"{}", {"Signature": "garbage" * random.randint(1, 50)}
    return json.dumps({"type": "Like", "id": f"http://127.0.0.1:1/l/{i}", "actor": "http://127.0.0.1:1/a"}).encode(), {
        "Signature": 'keyId="http://127.0.0.1:1/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="AAAA"',
        "Date": date, "Digest": "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}


def control(peer, path, order=None):
    """One call of the bovine peer's control API."""
    host, port = peer.removeprefix("http://").rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=60)
    if order is None:
        c.request("GET", f"/control/{path}")
    else:
        c.request("POST", f"/control/{path}", body=json.dumps(order), headers={"Content-Type": "application/json"})
    answer = json.loads(c.getresponse().read())
    c.close()
    return answer


def legit(peer, base, n, tag, out):
    """n signed Flags of the root account from the peer, one after another:
    (status, seconds, when it was answered)."""
    for i in range(n):
        flag = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Flag",
                "id": f"{peer}/activities/flag-{tag}-{i}", "actor": f"{peer}/users/carol",
                "object": [f"{base}/accounts/root"], "content": f"legit {tag} {i}"}
        started = time.monotonic()
        answer = control(peer, "send", {"inbox": f"{base}/inbox", "activity": flag})
        out.append((answer["status"], time.monotonic() - started, time.monotonic()))


def p(values, q):
    return round(statistics.quantiles(values, n=100)[q - 1] * 1000, 1) if len(values) > 1 else None


def main():
    data = tempfile.mkdtemp(prefix="kinora-hostile-")
    proc = subprocess.Popen([BIN, "--data-dir", data, "serve", "--listen", "127.0.0.1:0",
                             "--federation-allow-private-addresses"],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(data, "log"), "w"), text=True)
    for line in proc.stdout:
        if "public URL" in line:
            addr = line.split("listening on http://")[1].split(" ")[0]
            break
    host, port = addr.rsplit(":", 1)
    base = f"http://{addr}"
    python = os.path.join(ROOT, "tests", "peer", ".venv", "bin", "python")
    peer_proc = subprocess.Popen([python, os.path.join(ROOT, "tests", "peer", "bovine_peer.py")],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    peer = peer_proc.stdout.readline().strip().removeprefix("ready ")
    channel = f"{base}/video-channels/root_channel"
    follow = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Follow",
              "id": f"{peer}/activities/follow", "actor": f"{peer}/users/carol", "object": channel}
    follow_status = control(peer, "send", {"inbox": f"{base}/inbox", "activity": follow})["status"]
    before_flood = []
    legit(peer, base, LEGIT_BEFORE, "before", before_flood)
    before = rss_kb(proc.pid)
    statuses, peak = collections.Counter(), [before]

    def one(i):
        body, headers = payload(i)
        try:
            c = http.client.HTTPConnection(host, int(port), timeout=30)
            c.request("POST", "/inbox", body=body, headers={"Content-Type": "application/activity+json", **headers})
            s = c.getresponse().status
            c.close()
            return s
        except Exception as e:
            return type(e).__name__

    during_flood = []
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        sender = threading.Thread(target=legit, args=(peer, base, LEGIT_DURING, "during", during_flood))
        sender.start()
        for n, s in enumerate(pool.map(one, range(TOTAL))):
            statuses[s] += 1
            if n % 500 == 0:
                peak[0] = max(peak[0], rss_kb(proc.pid))
        flood_seconds = time.monotonic() - started
        sender.join()
    elapsed = time.monotonic() - started
    db = sqlite3.connect(os.path.join(data, "kinora.sqlite3"), timeout=30)
    flags_stored = db.execute("SELECT COUNT(*) FROM abuses WHERE reason LIKE 'legit %'").fetchone()[0]
    accepted = any(r["verified"] == channel and r["activity"].get("type") == "Accept"
                   for r in control(peer, "received"))
    ok = lambda results: sum(1 for status, _, _ in results if 200 <= status < 300)
    # Latency "during" counts only the legitimate POSTs answered while the flood still ran.
    overlapping = [t for _, t, at in during_flood if at <= started + flood_seconds]
    after = rss_kb(proc.pid)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request("GET", "/api/v1/config")
    alive = c.getresponse().status
    print(json.dumps({
        "requests": TOTAL, "seconds": round(elapsed, 1), "statuses": {str(k): v for k, v in statuses.items()},
        "server_errors": sum(v for k, v in statuses.items() if isinstance(k, int) and k >= 500),
        "rss_mb_before": round(before / 1024, 1), "rss_mb_peak": round(peak[0] / 1024, 1),
        "rss_mb_after": round(after / 1024, 1), "config_status_after": alive,
        "process_alive": proc.poll() is None,
        "flood_seconds": round(flood_seconds, 1),
        "legit_follow_status": follow_status, "legit_accept_reached_peer": accepted,
        "legit_before": {"sent": LEGIT_BEFORE, "accepted": ok(before_flood),
                         "p50_ms": p([t for _, t, _ in before_flood], 50), "p99_ms": p([t for _, t, _ in before_flood], 99)},
        "legit_during": {"sent": LEGIT_DURING, "accepted": ok(during_flood),
                         "answered_while_flooding": len(overlapping),
                         "p50_ms": p(overlapping, 50), "p99_ms": p(overlapping, 99)},
        "legit_flags_in_abuse_list": flags_stored,
    }, indent=2))
    peer_proc.kill()
    proc.terminate()
    proc.wait(timeout=30)


if __name__ == "__main__":
    main()
