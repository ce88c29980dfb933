#!/usr/bin/env python3
"""The server's processing passes of one upload, each in its media worker, with the worker's
peak memory: run by hand from the repository root.

    python3 bench/media/passes.py [--bin target/release/kinora] [--height 1080] [--seconds 4]
        [--clip easy|grainy] [--set KEY=VALUE ...]

Makes a SECONDS-long H.264/AAC clip at HEIGHT (ffmpeg, a bench-time tool only), starts the
server on a fresh data directory with `transcoding.top_rung = replace_with_av1` (every rung up
to the upload's own in AV1) unless --set says otherwise, uploads the clip, and watches
`/proc` every 20 ms for `kinora media run-worker` children of the server until no job is left.
For each worker (one per pass: the remux, then each transcode job) it prints the peak resident
size (VmHWM, read while it runs), the wall time, the CPU time (user + system, as last read
while it ran: up to 20 ms short) and the resolutions the job encoded.
"""
import argparse, json, os, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from publish import call, free_port, login, resumable, start_server  # noqa: E402
import publish  # noqa: E402

CLIPS = {
    "easy": "testsrc2=size={w}x{h}:rate=30:duration={s}",
    "grainy": "testsrc2=size={w}x{h}:rate=30:duration={s},noise=alls=10:allf=t",
}


def make_clip(work, height, seconds, kind):
    width = height * 16 // 9 // 2 * 2
    path = os.path.join(work, f"{kind}-{height}.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    CLIPS[kind].format(w=width, h=height, s=seconds), "-f", "lavfi", "-i",
                    f"sine=frequency=440:sample_rate=48000:duration={seconds}",
                    "-c:v", "libx264", "-preset", "fast", "-crf", "23", "-c:a", "aac", path],
                   check=True)
    return path


def workers_of(server_pid):
    """{pid: command line} of the server's media workers now."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid != server_pid:
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
            if b"run-worker" in cmd:
                found[int(entry)] = cmd
        except (OSError, ValueError, IndexError):
            pass
    return found


def hwm_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None


def cpu_seconds(pid):
    """User + system CPU seconds of a process so far (None once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def jobs_left(base, token):
    left = 0
    for state in ("active", "waiting", "delayed"):
        _, _, body = call("GET", f"{base}/api/v1/jobs/{state}", token)
        left += json.loads(body)["total"]
    return left


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=publish.BIN)
    ap.add_argument("--height", type=int, default=1080)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--clip", default="easy", choices=sorted(CLIPS))
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args()
    publish.BIN = a.bin
    work = tempfile.mkdtemp(prefix="kinora-passes-")
    clip = make_clip(work, a.height, a.seconds, a.clip)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sets = ["transcoding.top_rung=replace_with_av1"] + a.set
    extra = [x for kv in sets for x in ("--set", kv)]
    server, password = start_server(os.path.join(work, "data"), port, *extra)
    try:
        token = login(base, password)
        _, _, body = call("GET", base + "/api/v1/users/me", token)
        channel = json.loads(body)["videoChannels"][0]["id"]
        resumable(base, token, clip, channel, 8 << 20)
        seen = {}  # pid -> [command, started, last seen, peak MB, CPU s]
        quiet_since = None
        while True:
            now = time.monotonic()
            for pid, cmd in workers_of(server.pid).items():
                entry = seen.setdefault(pid, [cmd, now, now, 0.0, 0.0])
                entry[2] = now
                peak = hwm_mb(pid)
                if peak:
                    entry[3] = max(entry[3], peak)
                cpu = cpu_seconds(pid)
                if cpu:
                    entry[4] = max(entry[4], cpu)
            if not workers_of(server.pid) and jobs_left(base, token) == 0:
                quiet_since = quiet_since or now
                if now - quiet_since > 1.0:
                    break
            else:
                quiet_since = None
            time.sleep(0.02)
        _, _, body = call("GET", base + "/api/v1/jobs/completed?count=50&sort=createdAt", token)
        jobs = [(j["type"], j["data"].get("resolutions")) for j in json.loads(body)["data"]]
    finally:
        server.terminate()
        server.wait()
    print(f"{a.clip} {a.height}p, {a.seconds} s, {' '.join(sets)}")
    print("jobs:", ", ".join(f"{t} {r or ''}".strip() for t, r in jobs))
    for i, (pid, (_, start, last, peak, cpu)) in enumerate(sorted(seen.items(), key=lambda kv: kv[1][1])):
        print(f"pass {i + 1}: worker {pid}, about {last - start:.1f} s, CPU {cpu:.1f} s, "
              f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
