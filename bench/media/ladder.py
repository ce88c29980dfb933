#!/usr/bin/env python3
"""Transcode benchmark: Kinora's AV1/Opus ladder against ffmpeg + libx264 veryfast in the same run.

Run by hand from the repository root after `cargo build --release`:

    python3 bench/media/ladder.py [--repeat 3] [--clips grainy,easy] [--variants base,psychovisual]

For each 10 s 720p30 clip (made once with ffmpeg, a bench-time tool only) and each repetition it
times, in this order, so the shared cores' load hits all of them alike:
  - Kinora's default policy: the 720p original remuxed + an AV1 360p rung (`--resolutions 360`);
  - Kinora's full AV1 ladder: 360p + 720p (`--resolutions 360,720 --top-rung replace_with_av1`),
    once per variant (extra `--av1 key=value` settings, to show what each one buys);
  - ffmpeg making the same two rungs with libx264 `-preset veryfast` (PeerTube's default) and AAC.
`--also NAME=PATH` runs the Kinora runs with a second binary as well, in the same repetition (a
build with the codecs' SIMD assembly against a pure-Rust one, say).
Then it measures each video stream's bitrate (packet sizes) and PSNR against the 720p source
(360p rungs upscaled with the same bicubic filter for both encoders), and prints every run's
wall time, real-time ratio, peak RSS (GNU time) and the Kinora/ffmpeg time ratio per repetition.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

OUT = "/tmp/kinora-bench"
KINORA = os.environ.get("KINORA", "./target/release/kinora")
CLIPS = {
    "grainy": "testsrc2=size=1280x720:rate=30:duration={s},noise=alls=10:allf=t",
    "easy": "testsrc2=size=1280x720:rate=30:duration={s}",
}
SECONDS = 10
VARIANTS = {
    "base": [],
    "psychovisual": ["--av1", "tune=psychovisual"],
    "scenecut": ["--av1", "scene_detection=on"],
    "lookahead5": ["--av1", "lookahead=5"],
    "lowlatency": ["--av1", "low_latency=on"],
    "nocdef": ["--av1", "cdef=off"],
    "tiles1": ["--av1", "tiles=1"],
    "part16-32": ["--av1", "partition=4-5"],
    "q100": ["--quantizer", "100"],
    "q140": ["--quantizer", "140"],
    "q160": ["--quantizer", "160"],
    "speed9": ["--speed", "9"],
    "speed8": ["--speed", "8"],
    "txrate": ["--av1", "tx_domain_rate=on"],
    "nosplit": ["--av1", "inter_tx_split=off"],
    "noseg": ["--av1", "segmentation=off"],
    "nofine": ["--av1", "fine_intra=off"],
    "ll": ["--low-latency", "on"],
    "ll-q150": ["--low-latency", "on", "--quantizer", "150"],
    "s9ll": ["--speed", "9", "--low-latency", "on"],
    "s9ll-q150": ["--speed", "9", "--low-latency", "on", "--quantizer", "150"],
}


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def clip(name):
    path = f"{OUT}/{SECONDS}s720-{name}.mp4"
    if not os.path.exists(path):
        sh(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
            CLIPS[name].format(s=SECONDS), "-f", "lavfi", "-i",
            f"sine=frequency=440:sample_rate=48000:duration={SECONDS}",
            "-c:v", "libx264", "-preset", "fast", "-crf", "23", "-c:a", "aac", "-b:a", "96k", path])
    return path


def timed(cmd):
    """Runs cmd under GNU time; returns (wall seconds, peak RSS MB, CPU seconds). CPU time is
    what to compare on a shared machine: wall time there depends on everyone else's load."""
    t0 = time.monotonic()
    p = subprocess.run(["/usr/bin/time", "-f", "%M %U %S"] + cmd, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    rss_kb, user, system = p.stderr.strip().splitlines()[-1].split()
    return wall, int(rss_kb) / 1024, float(user) + float(system)


def video_kbps(path):
    out = sh(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
              "packet=size,pts_time", "-of", "csv=p=0", path]).stdout
    sizes = [int(l.split(",")[1]) for l in out.splitlines() if l.count(",") == 1]
    return sum(sizes) * 8 / SECONDS / 1000


def psnr(path, source):
    out = subprocess.run(
        ["ffmpeg", "-hide_banner", "-i", path, "-i", source, "-lavfi",
         "[0:v]scale=1280:720:flags=bicubic[a];[a][1:v]psnr", "-f", "null", "-"],
        capture_output=True, text=True).stderr
    m = re.search(r"PSNR y:[\d.]+ u:[\d.]+ v:[\d.]+ average:([\d.]+)", out)
    return float(m.group(1)) if m else float("nan")


def kinora(src, out, extra, binary=None):
    sh(["rm", "-rf", out])
    return timed([binary or KINORA, "media", "transcode", src, "--out", out, "--threads", "2"]
                 + extra)


def x264(src, out):
    sh(["rm", "-rf", out])
    os.makedirs(out)
    return timed(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", src,
                  "-filter_complex", "[0:v]split=2[a][b];[a]scale=-2:360[s]",
                  "-map", "[s]", "-map", "0:a", "-c:v", "libx264", "-preset", "veryfast",
                  "-c:a", "aac", f"{out}/360.mp4",
                  "-map", "[b]", "-map", "0:a", "-c:v", "libx264", "-preset", "veryfast",
                  "-c:a", "aac", f"{out}/720.mp4"])


def quality(files, source):
    return {k: (video_kbps(f), psnr(f, source)) for k, f in files.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clips", default="grainy,easy")
    ap.add_argument("--variants", default="base")
    ap.add_argument("--default-variants", default="base",
                    help="variants of the default policy (remux 720p + AV1 360p)")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--also", action="append", default=[], metavar="NAME=PATH",
                    help="run the default policy and each variant with this binary too, in the "
                         "same repetition (e.g. pure=target/pure/kinora against an asm build)")
    a = ap.parse_args()
    binaries = [("", None)] + [(f"@{n}", p) for n, p in (x.split("=", 1) for x in a.also)]
    global SECONDS
    SECONDS = a.seconds
    os.makedirs(OUT, exist_ok=True)
    results = []
    for name in a.clips.split(","):
        src = clip(name)
        for rep in range(a.repeat):
            load = os.getloadavg()[0]
            row = {"clip": name, "rep": rep, "load": load}
            for tag, binary in binaries:
                for v in a.default_variants.split(","):
                    row[f"default-{v}{tag}"] = kinora(
                        src, f"{OUT}/k-default-{v}{tag}", ["--resolutions", "360"] + VARIANTS[v],
                        binary)
                for v in filter(None, a.variants.split(",")):
                    row[f"{v}{tag}"] = kinora(
                        src, f"{OUT}/k-{v}{tag}",
                        ["--resolutions", "360,720", "--top-rung", "replace_with_av1"]
                        + VARIANTS[v], binary)
            row["x264"] = x264(src, f"{OUT}/x264")
            if rep == 0:
                row["quality"] = {
                    "x264": quality({r: f"{OUT}/x264/{r}.mp4" for r in ("360", "720")}, src)}
                for v in (f"{v}{tag}" for v in filter(None, a.variants.split(","))
                          for tag, _ in binaries):
                    row["quality"][v] = quality(
                        {r: f"{OUT}/k-{v}/{r}-fragmented.mp4" for r in ("360", "720")}, src)
            results.append(row)
            print(json.dumps(row), flush=True)
    runs = [f"{run}{tag}" for tag, _ in binaries
            for run in [f"default-{v}" for v in a.default_variants.split(",")]
            + list(filter(None, a.variants.split(",")))]
    print("\nclip   rep load | run: wall, real-time, peak RSS, time vs ffmpeg | x264 ladder")
    for r in results:
        parts = [f"{v} {r[v][0]:.1f}s wall {r[v][2]:.1f}s CPU {r[v][1]:.0f}MB "
                 f"(CPU {r[v][2] / r['x264'][2]:.1f}x ffmpeg's)" for v in runs]
        print(f"{r['clip']:6} {r['rep']}  {r['load']:.1f} | {'; '.join(parts)} | "
              f"{r['x264'][0]:.1f}s wall {r['x264'][2]:.1f}s CPU {r['x264'][1]:.0f}MB")
    for name in a.clips.split(","):
        rows = [r for r in results if r["clip"] == name]
        for v in runs + ["x264"]:
            ratios = [r[v][2] / r["x264"][2] for r in rows]
            # Real time on 2 idle cores at best: CPU seconds over 2, per media second.
            rt = [SECONDS / (r[v][2] / 2) for r in rows]
            print(f"{name} {v}: CPU {statistics.median([r[v][2] for r in rows]):.1f} s; "
                  f"2-core real-time bound {statistics.median(rt):.2f}x (spread {min(rt):.2f}-{max(rt):.2f}); "
                  f"CPU vs ffmpeg {statistics.median(ratios):.2f}x (spread {min(ratios):.2f}-{max(ratios):.2f})")
        for k, q in rows[0]["quality"].items():
            print(f"{name} quality {k}: " + ", ".join(
                f"{res}p {kbps:.0f} kbit/s {db:.2f} dB" for res, (kbps, db) in q.items()))


if __name__ == "__main__":
    main()
