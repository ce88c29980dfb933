#!/usr/bin/env python3
"""Appliance benchmark: cold start to first answered request with 10,000 users in the database,
and the idle resident memory of `kinora serve`. Run by hand from the repository root:

    python3 bench/appliance.py [--users 10000] [--runs 7]

It builds the release binary, seeds a data directory, then starts the server repeatedly. The
reference is PeerTube's published footprint (we cannot run PeerTube here: it needs Node.js,
PostgreSQL and Redis); results go to docs/BENCHMARKS.md by hand.
"""
import argparse, json, os, platform, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "kinora")
PEERTUBE_PROCESS_MB = 150  # PeerTube's Node.js process alone, as its documentation states

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def start(data_dir, port):
    return subprocess.Popen([BIN, "--data-dir", data_dir, "serve", "--listen", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})

def wait_ready(port, started, timeout=30):
    url = f"http://127.0.0.1:{port}/api/v1/config"
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.002)
    raise RuntimeError("server did not answer")

def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--bin", "kinora", "--example", "seed_users"], cwd=ROOT, check=True)
    data = tempfile.mkdtemp(prefix="kinora-bench-")
    try:
        t = time.monotonic()
        subprocess.run([os.path.join(ROOT, "target", "release", "examples", "seed_users"), data, str(args.users)], check=True)
        print(f"seeding {args.users} users took {time.monotonic() - t:.1f} s")
        # First start creates the administrator and runs migrations; not counted.
        port = free_port(); p = start(data, port); wait_ready(port, time.monotonic()); p.send_signal(signal.SIGTERM); p.wait()
        starts, rss = [], []
        for _ in range(args.runs):
            port = free_port()
            t0 = time.monotonic()
            p = start(data, port)
            starts.append(wait_ready(port, t0))
            # A few requests, then idle.
            for path in ["/api/v1/config", "/", "/api/v1/video-channels?count=25", "/login"]:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read()
            time.sleep(2)
            rss.append(rss_mb(p.pid))
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=30)
        result = {
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
            "users": args.users,
            "cold_start_ms_median": round(statistics.median(starts) * 1000, 1),
            "cold_start_ms_max": round(max(starts) * 1000, 1),
            "idle_rss_mb_median": round(statistics.median(rss), 1),
            "peertube_process_mb": PEERTUBE_PROCESS_MB,
            "rss_ratio_vs_peertube": round(statistics.median(rss) / PEERTUBE_PROCESS_MB, 3),
        }
        print(json.dumps(result, indent=2))
    finally:
        shutil.rmtree(data, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
