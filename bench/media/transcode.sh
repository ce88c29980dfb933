#!/bin/sh
# Transcode benchmark: default policy (remux top rung + AV1 360p) and a full AV1 ladder on a
# 10 s 720p30 clip, against ffmpeg+libx264 veryfast on the same clip.
# Run by hand from the repository root: sh bench/media/transcode.sh
set -eu
OUT=/tmp/kinora-bench
mkdir -p "$OUT"
IN="$OUT/10s720.mp4"
[ -f "$IN" ] || ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30:duration=10,noise=alls=10:allf=t \
  -f lavfi -i sine=frequency=440:sample_rate=48000:duration=10 -c:v libx264 -preset fast -crf 23 -c:a aac -b:a 96k "$IN"
cargo build --release --quiet
rm -rf "$OUT/tx-default" "$OUT/tx-full"
/usr/bin/time -f "kinora default policy (remux 720 + AV1 360): %e s wall, %M KB peak" \
  ./target/release/kinora media transcode "$IN" --out "$OUT/tx-default" --resolutions 360 --threads 2 > /dev/null
/usr/bin/time -f "ffmpeg libx264 veryfast 360p: %e s wall, %M KB peak" ffmpeg -hide_banner -loglevel error -y -i "$IN" \
  -vf scale=-2:360 -c:v libx264 -preset veryfast -c:a aac -f mp4 "$OUT/x264-360.mp4"
