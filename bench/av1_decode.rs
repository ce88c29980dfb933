//! AV1 decode speed: decodes the video of an MP4/WebM with rav1d through Kinora's wrapper, in
//! this process and then in a worker process as the server does, and prints frames per second
//! of both. `cargo run --example av1_decode -- FILE [THREADS]` (the decoder is a dependency, so
//! it is optimised even in the dev profile); the worker is `$KINORA_BIN`, by default
//! `target/debug/kinora` (build it first).

use std::time::Instant;

use kinora::media::decode::VideoDecoder;
use kinora::media::decode::av1::Av1Decoder;
use kinora::media::decode::av1_child::Av1ChildDecoder;
use kinora::media::transcode::input;
use kinora::media::{MediaError, ProbeLimits};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: av1_decode FILE [THREADS]")?;
    let threads: usize = args.next().map(|t| t.parse()).transpose()?.unwrap_or(1);
    kinora::media::decode::av1::set_enabled(true);
    let mut inp = input::open(std::path::Path::new(&path), &ProbeLimits::default())?;
    // Samples are read up front so the timing covers decoding only.
    let mut samples = Vec::new();
    for i in 0..inp.video.samples.len() {
        let mut buf = Vec::new();
        input::read_samples(&mut inp.file, &inp.video, i..i + 1, &mut buf)?;
        samples.push((buf, inp.video.samples[i].sync));
    }
    let in_process = decode(
        &mut Av1Decoder::new(&inp.video_config, threads, 4096 * 4096)?,
        &samples,
    )?;
    let exe = std::env::var("KINORA_BIN").unwrap_or_else(|_| "target/debug/kinora".into());
    let mut worker = Av1ChildDecoder::new(
        std::path::Path::new(&exe),
        &inp.video_config,
        threads,
        4096 * 4096,
    )?;
    let in_worker = decode(&mut worker, &samples)?;
    for (how, (frames, (w, h), secs)) in [("in process", in_process), ("in a worker", in_worker)] {
        println!(
            "{path}: {frames} frames of {w}x{h} in {secs:.2} s with {threads} thread(s) {how}: {:.1} fps",
            frames as f64 / secs
        );
    }
    println!(
        "worker / in-process time: {:.3}",
        in_worker.2 / in_process.2
    );
    Ok(())
}

type Timing = (usize, (u32, u32), f64);

fn decode(dec: &mut dyn VideoDecoder, samples: &[(Vec<u8>, bool)]) -> Result<Timing, MediaError> {
    let started = Instant::now();
    let mut frames = 0usize;
    let mut size = (0, 0);
    for (i, (data, sync)) in samples.iter().enumerate() {
        for (_, p) in dec.send(data, *sync, i as i64)? {
            size = (p.width, p.height);
            frames += 1;
        }
    }
    frames += dec.finish()?.len();
    Ok((frames, size, started.elapsed().as_secs_f64()))
}
