#!/usr/bin/env python3
"""Upload and publication benchmark, run by hand from the repository root:

    python3 bench/publish.py [--minutes 10] [--upload-mb 1024]

1. Publication latency: makes a MINUTES-long 720p30 H.264/AAC MP4 with ffmpeg (a bench-time
   tool only), uploads it through the resumable protocol in 8 MB chunks, and measures the time
   from the last byte to the video's state 1 (published, playable HLS). The reference is the
   same file transcoded by ffmpeg with libx264 veryfast to a 720p HLS rendition (what PeerTube
   does before publishing), timed in the same run.
2. Upload throughput: a file of UPLOAD_MB random bytes pushed through upload-resumable on
   loopback (50 MB chunks), MB/s and the server's peak RSS (VmHWM); the upload is refused at the
   end because random bytes are not media, which does not change the transfer.
"""
import argparse, json, os, platform, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "kinora")

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def call(method, url, token=None, data=None, headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

def login(base, password):
    _, _, body = call("GET", base + "/api/v1/oauth-clients/local")
    c = json.loads(body)
    form = f"client_id={c['client_id']}&client_secret={c['client_secret']}&grant_type=password&username=root&password={password}"
    _, _, body = call("POST", base + "/api/v1/users/token", data=form.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(body)["access_token"]

def resumable(base, token, path, channel, chunk):
    size = os.path.getsize(path)
    status, headers, body = call("POST", base + "/api/v1/videos/upload-resumable", token,
        json.dumps({"name": "Benchmark", "channelId": channel, "filename": os.path.basename(path)}).encode(),
        {"Content-Type": "application/json", "X-Upload-Content-Length": str(size)})
    assert status == 201, body
    location = headers["location"]
    sent = 0
    with open(path, "rb") as f:
        while sent < size:
            data = f.read(chunk)
            status, _, body = call("PUT", location, token, data, {"Content-Range": f"bytes {sent}-{sent + len(data) - 1}/{size}"})
            sent += len(data)
    return status, body, time.monotonic()

def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--upload-mb", type=int, default=1024)
    args = ap.parse_args()
    if not shutil.which("ffmpeg"):
        sys.exit("this benchmark needs ffmpeg to make its input and the reference (apt-get install ffmpeg)")
    subprocess.run(["cargo", "build", "--release", "--bin", "kinora"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="kinora-publish-")
    server = None
    try:
        clip = os.path.join(work, "clip.mp4")
        secs = int(args.minutes * 60)
        subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"testsrc2=size=1280x720:rate=30:duration={secs}",
                        "-f", "lavfi", "-i", f"sine=frequency=440:duration={secs}", "-c:v", "libx264", "-preset", "ultrafast",
                        "-g", "60", "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", clip], check=True)
        t0 = time.monotonic()
        subprocess.run(["ffmpeg", "-v", "error", "-i", clip, "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
                        "-f", "hls", "-hls_time", "4", "-hls_segment_type", "fmp4", "-hls_playlist_type", "vod",
                        os.path.join(work, "ref.m3u8")], check=True)
        ffmpeg_secs = time.monotonic() - t0

        data = os.path.join(work, "data")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([BIN, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{port}", "--set", "upload.max_size=64GiB"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "RUST_LOG": "warn"})
        password = None
        for line in server.stdout:
            if line.strip().startswith("password:"):
                password = line.split()[-1]
                break
        token = login(base, password)
        _, _, body = call("GET", base + "/api/v1/users/me", token)
        channel = json.loads(body)["videoChannels"][0]["id"]

        status, body, last_byte = resumable(base, token, clip, channel, 8 << 20)
        uuid = json.loads(body)["video"]["uuid"]
        while True:
            _, _, body = call("GET", f"{base}/api/v1/videos/{uuid}", token)
            if json.loads(body)["state"]["id"] != 2:
                break
            time.sleep(0.05)
        publish_secs = time.monotonic() - last_byte
        state = json.loads(body)["state"]["id"]

        blob = os.path.join(work, "random.bin")
        with open(blob, "wb") as f:
            for _ in range(args.upload_mb):
                f.write(os.urandom(1 << 20))
        t0 = time.monotonic()
        resumable(base, token, blob, channel, 50 << 20)
        upload_secs = time.monotonic() - t0
        print(json.dumps({
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "clip": f"{args.minutes:g} min 720p30 H.264/AAC, {os.path.getsize(clip) / 1e6:.0f} MB",
            "kinora_publish_seconds_after_last_byte": round(publish_secs, 2),
            "kinora_state": state,
            "ffmpeg_x264_veryfast_hls_seconds": round(ffmpeg_secs, 1),
            "ratio": round(publish_secs / ffmpeg_secs, 4),
            "upload_mb": args.upload_mb,
            "upload_mb_per_s": round(args.upload_mb / upload_secs, 1),
            "server_peak_rss_mb": round(peak_rss_mb(server.pid), 1),
        }, indent=2))
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
