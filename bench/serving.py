#!/usr/bin/env python3
"""API list and media serving benchmark, run by hand from the repository root:

    python3 bench/serving.py [--videos 10000] [--seconds 20] [--connections 32] [--rounds 5]
                             [--view-rate 20] [--bin PATH]

Needs wrk and nginx (apt-get install wrk nginx-light) and ffmpeg to make the clip; none of them
is needed by Kinora itself.

1. `GET /api/v1/videos?count=25` with VIDEOS published videos in the store (seeded by the
   `seed_videos` example): requests/s and p99 latency from wrk at CONNECTIONS connections,
   anonymous and signed in (both answered from the page cache, which every commit empties),
   then anonymous again while another thread counts VIEW_RATE views per second of videos not
   viewed before (each one a commit, as on a live instance).
2. Segment serving: a 60 s 720p H.264/AAC clip is uploaded and remuxed; wrk then requests the
   byte ranges of its HLS segments (the `#EXT-X-BYTERANGE` lines of the media playlist, in turn)
   from Kinora and, in the same run, from nginx serving the same files from the same data
   directory (sendfile on), taking turns for ROUNDS rounds. The figure of merit is the median of
   the rounds' ratios of Kinora's throughput to nginx's.
"""
import argparse, json, os, platform, re, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from publish import BIN, ROOT, call, free_port, login, peak_rss_mb, wait_until_up  # noqa: E402

SEED = os.path.join(ROOT, "target", "release", "examples", "seed_videos")

def wrk(url, seconds, connections, script=None, token=None):
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", script]
    if token:
        cmd += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)([KMG]?B)", out)
    mb_s = float(transfer.group(1)) * {"B": 1e-6, "KB": 1e-3, "MB": 1.0, "GB": 1e3}[transfer.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if non2xx:
        sys.exit(f"wrk saw {non2xx.group(1)} error answers from {url}:\n{out}")
    return {"requests_per_s": rps, "p99_ms": round(p99_ms, 2), "mb_per_s": round(mb_s, 1)}

def while_viewed(base, rate, measure):
    """Runs `measure()` while another thread counts `rate` views per second, each of a video not
    viewed before (so each one is a commit); returns what `measure` returned and the views."""
    stop = threading.Event()
    counted = [0]

    def view():
        video = 1
        while not stop.is_set():
            status, _, _ = call("POST", f"{base}/api/v1/videos/{video}/views", None,
                                b'{"currentTime": 1}', {"Content-Type": "application/json"})
            if status == 204:
                counted[0] += 1
            video += 1
            stop.wait(1 / rate)

    thread = threading.Thread(target=view)
    thread.start()
    try:
        result = measure()
    finally:
        stop.set()
        thread.join()
    return {**result, "views_counted": counted[0]}

def segment_ranges(base, token, uuid):
    """(path, Range header) of every segment of the video's first rendition."""
    _, _, body = call("GET", f"{base}/api/v1/videos/{uuid}", token)
    master_url = json.loads(body)["streamingPlaylists"][0]["playlistUrl"]
    _, _, master = call("GET", master_url)
    media = next(l for l in master.decode().splitlines() if l and not l.startswith("#"))
    media_url = master_url.rsplit("/", 1)[0] + "/" + media
    _, _, playlist = call("GET", media_url)
    ranges, length = [], None
    for line in playlist.decode().splitlines():
        m = re.match(r"#EXT-X-BYTERANGE:(\d+)@(\d+)", line)
        if m:
            length, offset = int(m.group(1)), int(m.group(2))
        elif line and not line.startswith("#") and length:
            path = urllib.request.urlparse(media_url.rsplit("/", 1)[0] + "/" + line).path
            ranges.append((path, f"bytes={offset}-{offset + length - 1}"))
            length = None
    if not ranges:
        sys.exit(f"no byte ranges in {media_url}")
    return ranges

def lua_script(work, ranges):
    path = os.path.join(work, "ranges.lua")
    with open(path, "w") as f:
        f.write("local ranges = {\n")
        for p, r in ranges:
            f.write(f'  {{"{p}", "{r}"}},\n')
        f.write("}\nlocal i = 0\nrequest = function()\n  i = (i % #ranges) + 1\n"
                '  return wrk.format("GET", ranges[i][1], {["Range"] = ranges[i][2]})\nend\n')
    return path

def start_nginx(work, data, port):
    conf = os.path.join(work, "nginx.conf")
    tmp = os.path.join(work, "nginx-tmp")
    os.makedirs(tmp, exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    with open(conf, "w") as f:
        f.write(f"""{user}
worker_processes auto; daemon off; pid {work}/nginx.pid; error_log {work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
  uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  types {{ video/mp4 mp4; application/vnd.apple.mpegurl m3u8; }}
  server {{ listen 127.0.0.1:{port}; location /static/ {{ alias {data}/; }} }}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", work], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
        except urllib.error.HTTPError:
            return proc
        except OSError:
            time.sleep(0.05)
    sys.exit("nginx did not start")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--videos", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--view-rate", type=int, default=20,
                    help="views counted per second (each a commit) during the third list run")
    ap.add_argument("--rounds", type=int, default=5,
                    help="segment rounds, Kinora then nginx in each (SECONDS each)")
    ap.add_argument("--bin", help="measure this kinora binary instead of building target/release/kinora "
                    "(the seed_videos example must be built already); compare builds in one sitting")
    args = ap.parse_args()
    for tool in ("wrk", "nginx", "ffmpeg"):
        if not shutil.which(tool):
            sys.exit(f"this benchmark needs {tool} (apt-get install wrk nginx-light ffmpeg)")
    binary = args.bin or BIN
    if not args.bin:
        subprocess.run(["cargo", "build", "--release", "--bin", "kinora", "--example", "seed_videos"],
                       cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="kinora-serving-")
    server = nginx = None
    try:
        data = os.path.join(work, "data")
        subprocess.run([SEED, data, str(args.videos)], check=True)
        clip = os.path.join(work, "clip.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=60",
                        "-f", "lavfi", "-i", "sine=frequency=440:duration=60", "-c:v", "libx264", "-preset", "veryfast",
                        "-g", "60", "-c:a", "aac", "-movflags", "+faststart", clip], check=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        # Remux only: the AV1 ladder would compete with the measurement for the cores.
        server = subprocess.Popen([binary, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{port}",
                                   "--set", "transcoding.enabled=false"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  env={**os.environ, "RUST_LOG": "warn"})
        wait_until_up(base)
        # seed_videos made the user "bench" (so no administrator is created on first start).
        token = login(base, "bench-password", "bench")
        _, _, body = call("GET", base + "/api/v1/users/me", token)
        channel = json.loads(body)["videoChannels"][0]["id"]
        boundary = "kinorabench"
        with open(clip, "rb") as f:
            payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nClip\r\n"
                       f"--{boundary}\r\nContent-Disposition: form-data; name=\"channelId\"\r\n\r\n{channel}\r\n"
                       f"--{boundary}\r\nContent-Disposition: form-data; name=\"videofile\"; filename=\"clip.mp4\"\r\n"
                       "Content-Type: video/mp4\r\n\r\n").encode() + f.read() + f"\r\n--{boundary}--\r\n".encode()
        status, _, body = call("POST", base + "/api/v1/videos/upload", token, payload,
                               {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert status == 200, body
        uuid = json.loads(body)["video"]["uuid"]
        while json.loads(call("GET", f"{base}/api/v1/videos/{uuid}", token)[2])["state"]["id"] == 2:
            time.sleep(0.1)

        listing = wrk(f"{base}/api/v1/videos?count=25", args.seconds, args.connections)
        # Signed in, the page is made for the viewer (no shared page cache): the cache-miss cost.
        listing_signed_in = wrk(f"{base}/api/v1/videos?count=25", args.seconds, args.connections,
                                token=token)
        # A live instance commits while it serves (a view counted, a comment), and every commit
        # empties the page cache: the anonymous list again, with views counted meanwhile.
        listing_viewed = while_viewed(base, args.view_rate, lambda: wrk(
            f"{base}/api/v1/videos?count=25", args.seconds, args.connections))
        _, _, body = call("GET", f"{base}/api/v1/videos?count=25")
        total = json.loads(body)["total"]

        ranges = segment_ranges(base, token, uuid)
        script = lua_script(work, ranges)
        nginx_port = free_port()
        nginx = start_nginx(work, data, nginx_port)
        # Kinora and nginx take turns, so a change in the shared machine's load hits both: the
        # figure is the median of the rounds' ratios.
        rounds = []
        for _ in range(args.rounds):
            k = wrk(base + "/", args.seconds, args.connections, script)
            n = wrk(f"http://127.0.0.1:{nginx_port}/", args.seconds, args.connections, script)
            rounds.append((k, n))
        ratios = sorted(k["mb_per_s"] / n["mb_per_s"] for k, n in rounds)
        kinora_media, nginx_media = rounds[len(rounds) // 2]
        print(json.dumps({
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "videos_in_store": total,
            "list_count_25": listing,
            "list_count_25_signed_in": listing_signed_in,
            f"list_count_25_with_{args.view_rate}_views_per_s": listing_viewed,
            "segments": len(ranges),
            "kinora_segments": kinora_media,
            "nginx_segments": nginx_media,
            "throughput_ratio_median": round(ratios[len(ratios) // 2], 3),
            "throughput_ratios": [round(r, 3) for r in ratios],
            "kinora_peak_rss_mb": round(peak_rss_mb(server.pid), 1),
        }, indent=2))
    finally:
        for proc in (server, nginx):
            if proc:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
