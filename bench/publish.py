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
3. Interrupted upload (--resume-gb, default 4): a real RESUME_GB MP4 (a lossless noise clip
   stream-copied in a loop) is uploaded in 50 MB chunks; at 50% the server is killed with
   SIGKILL while a chunk is in flight, restarted on the same data directory, asked for the
   offset it kept (`Content-Range: bytes */SIZE`, answered 308 with `Range`), and the upload
   finished from there. The stored original is downloaded through `/api/v1/videos/{id}/source`
   and its sha256 compared with the input's. MB/s counts transfer time only (not the restart);
   the peak RSS is the larger of the two server processes' VmHWM, read before the kill and
   at the last byte.
"""
import argparse, hashlib, json, os, platform, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.request

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

def login(base, password, username="root"):
    _, _, body = call("GET", base + "/api/v1/oauth-clients/local")
    c = json.loads(body)
    form = f"client_id={c['client_id']}&client_secret={c['client_secret']}&grant_type=password&username={username}&password={password}"
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

def start_server(data, port, *extra):
    """Starts the release server; returns (process, root password or None on a restart)."""
    first = not os.path.exists(data)
    server = subprocess.Popen([BIN, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{port}",
                               "--set", "upload.max_size=64GiB", *extra],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              env={**os.environ, "RUST_LOG": "warn"})
    for line in server.stdout:
        if line.strip().startswith("password:"):
            return server, line.split()[-1]
        if "is listening on" in line and not first:
            break
    wait_until_up(f"http://127.0.0.1:{port}")
    return server, None

def wait_until_up(base):
    for _ in range(600):
        try:
            urllib.request.urlopen(base + "/api/v1/config", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("the server did not come up")

def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(8 << 20):
            h.update(block)
    return h.hexdigest()

def make_big_mp4(work, gb):
    """A real H.264/AAC MP4 of about GB gigabytes: lossless noise (incompressible) looped by
    stream copy, so making it costs seconds of encoding, not minutes."""
    noise = os.path.join(work, "noise.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30:duration=10",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=10", "-vf", "noise=alls=60:allf=t",
                    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-g", "60", "-c:a", "aac", noise], check=True)
    big = os.path.join(work, "big.mp4")
    subprocess.run(["ffmpeg", "-v", "error", "-stream_loop", "-1", "-i", noise, "-c", "copy",
                    "-fs", str(int(gb * (1 << 30))), big], check=True)
    return big

def interrupted_upload(work, gb):
    big = make_big_mp4(work, gb)
    size = os.path.getsize(big)
    data = os.path.join(work, "data-resume")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # Remux only: the test is the upload, and the ladder would compete for the cores.
    server, password = start_server(data, port, "--set", "transcoding.enabled=false")
    token = login(base, password)
    _, _, body = call("GET", base + "/api/v1/users/me", token)
    channel = json.loads(body)["videoChannels"][0]["id"]
    status, headers, body = call("POST", base + "/api/v1/videos/upload-resumable", token,
        json.dumps({"name": "Interrupted", "channelId": channel, "filename": "big.mp4"}).encode(),
        {"Content-Type": "application/json", "X-Upload-Content-Length": str(size)})
    assert status == 201, body
    location = headers["location"]
    chunk, sent, transfer_secs, peaks = 50 << 20, 0, 0.0, []
    with open(big, "rb") as f:
        t0 = time.monotonic()
        while sent < size // 2:
            data_chunk = f.read(chunk)
            call("PUT", location, token, data_chunk, {"Content-Range": f"bytes {sent}-{sent + len(data_chunk) - 1}/{size}"})
            sent += len(data_chunk)
        transfer_secs += time.monotonic() - t0
        peaks.append(peak_rss_mb(server.pid))
        # The next chunk is in flight when the server dies.
        data_chunk = f.read(chunk)
        inflight = threading.Thread(target=lambda: _ignore_errors(lambda: call(
            "PUT", location, token, data_chunk, {"Content-Range": f"bytes {sent}-{sent + len(data_chunk) - 1}/{size}"})))
        inflight.start()
        time.sleep(0.05)
        server.send_signal(signal.SIGKILL)
        server.wait()
        inflight.join()
        killed_at = sent
        server, _ = start_server(data, port, "--set", "transcoding.enabled=false")
        status, headers, _ = call("PUT", location, token, b"", {"Content-Range": f"bytes */{size}"})
        assert status == 308, f"resume query answered {status}"
        sent = int(headers["range"].split("-")[1]) + 1 if "range" in headers else 0
        kept = sent
        f.seek(sent)
        t0 = time.monotonic()
        while sent < size:
            data_chunk = f.read(chunk)
            status, _, body = call("PUT", location, token, data_chunk, {"Content-Range": f"bytes {sent}-{sent + len(data_chunk) - 1}/{size}"})
            sent += len(data_chunk)
        transfer_secs += time.monotonic() - t0
    peaks.append(peak_rss_mb(server.pid))
    assert status == 200, body
    uuid = json.loads(body)["video"]["uuid"]
    _, _, body = call("GET", f"{base}/api/v1/videos/{uuid}/source", token)
    download = os.path.join(work, "downloaded.mp4")
    req = urllib.request.Request(json.loads(body)["fileDownloadUrl"], headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req, timeout=600) as r, open(download, "wb") as out:
        shutil.copyfileobj(r, out, 8 << 20)
    same = sha256_of(download) == sha256_of(big)
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=60)
    return {
        "resume_file_mb": round(size / 1e6),
        "resume_killed_at_mb": round(killed_at / 1e6),
        "resume_server_kept_mb": round(kept / 1e6),
        "resume_upload_mb_per_s": round(size / 1e6 / transfer_secs, 1),
        "resume_server_peak_rss_mb": round(max(peaks), 1),
        "resume_sha256_identical": same,
    }

def _ignore_errors(f):
    try:
        f()
    except OSError:
        pass

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--upload-mb", type=int, default=1024)
    ap.add_argument("--resume-gb", type=float, default=4)
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
        server, password = start_server(data, port)
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

        # The clip's AV1 ladder is encoding now: let it finish, so the upload's peak RSS is the
        # upload's own and not the encoder's.
        for _ in range(36000):
            busy = sum(json.loads(call("GET", f"{base}/api/v1/jobs/{state}", token)[2])["total"]
                       for state in ("active", "waiting"))
            if busy == 0:
                break
            time.sleep(0.1)
        blob = os.path.join(work, "random.bin")
        with open(blob, "wb") as f:
            for _ in range(args.upload_mb):
                f.write(os.urandom(1 << 20))
        t0 = time.monotonic()
        resumable(base, token, blob, channel, 50 << 20)
        upload_secs = time.monotonic() - t0
        upload_peak = peak_rss_mb(server.pid)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        server = None
        os.remove(blob)
        resume = interrupted_upload(work, args.resume_gb) if args.resume_gb > 0 else {}
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
            "server_peak_rss_mb": round(upload_peak, 1),
            **resume,
        }, indent=2))
    finally:
        if server:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

if __name__ == "__main__":
    main()
