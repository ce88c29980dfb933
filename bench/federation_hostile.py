#!/usr/bin/env python3
"""Hostile inbox benchmark (run by hand; results in docs/BENCHMARKS.md).

Sends 10,000 malformed or hostile POSTs to a kinora instance's shared inbox, 16 at a time:
random JSON without signature, 2 MiB bodies, 10,000-deep nesting, garbage Signature headers,
and well-formed signatures whose keys cannot be fetched. Reports the status codes seen (no
5xx allowed), the server's RSS before, during and after, and whether it still answers.

usage: bench/federation_hostile.py [path/to/kinora]   (default target/release/kinora)
"""
import concurrent.futures, http.client, json, os, random, subprocess, sys, tempfile, time, collections

BIN = sys.argv[1] if len(sys.argv) > 1 else "target/release/kinora"
TOTAL = 10_000


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


def main():
    data = tempfile.mkdtemp(prefix="kinora-hostile-")
    proc = subprocess.Popen([BIN, "--data-dir", data, "serve", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=open(os.path.join(data, "log"), "w"), text=True)
    for line in proc.stdout:
        if "public URL" in line:
            addr = line.split("listening on http://")[1].split(" ")[0]
            break
    host, port = addr.rsplit(":", 1)
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

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        for n, s in enumerate(pool.map(one, range(TOTAL))):
            statuses[s] += 1
            if n % 500 == 0:
                peak[0] = max(peak[0], rss_kb(proc.pid))
    elapsed = time.monotonic() - started
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
    }, indent=2))
    proc.terminate()
    proc.wait(timeout=30)


if __name__ == "__main__":
    main()
