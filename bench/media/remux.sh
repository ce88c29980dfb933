#!/bin/sh
# Remux benchmark: a 10-minute 720p30 H.264/AAC MP4 through `kinora media remux`, against
# `ffmpeg -c copy -f hls` on the same input, with wall time and peak memory (GNU time).
# Run by hand from the repository root: sh bench/media/remux.sh [input.mp4]
set -eu
IN=${1:-/tmp/kinora-bench/10min720.mp4}
OUT=/tmp/kinora-bench
mkdir -p "$OUT"
if [ ! -f "$IN" ]; then
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30:duration=600 \
    -f lavfi -i sine=frequency=440:sample_rate=48000:duration=600 -c:v libx264 -preset ultrafast \
    -bf 0 -g 60 -b:v 1500k -c:a aac -b:a 96k -movflags +faststart "$IN"
fi
cargo build --release --quiet
rm -rf "$OUT/kinora" "$OUT/ffmpeg"
/usr/bin/time -f "kinora remux: %e s wall, %M KB peak RSS" ./target/release/kinora media remux "$IN" --out "$OUT/kinora" > /dev/null 2> "$OUT/kinora.log" || { cat "$OUT/kinora.log"; exit 1; }
tail -1 "$OUT/kinora.log"
mkdir -p "$OUT/ffmpeg"
/usr/bin/time -f "ffmpeg hls copy: %e s wall, %M KB peak RSS" ffmpeg -hide_banner -loglevel error -y -i "$IN" -c copy \
  -f hls -hls_time 4 -hls_playlist_type vod -hls_segment_type fmp4 -hls_flags single_file "$OUT/ffmpeg/720.m3u8"
