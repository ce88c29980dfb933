//! AV1 decode speed: decodes the video of an MP4/WebM with rav1d through Kinora's wrapper and
//! prints frames per second. `cargo run --example av1_decode -- FILE [THREADS]` (the decoder is a
//! dependency, so it is optimised even in the dev profile).

use std::time::Instant;

use kinora::media::ProbeLimits;
use kinora::media::decode::VideoDecoder;
use kinora::media::decode::av1::Av1Decoder;
use kinora::media::transcode::input;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: av1_decode FILE [THREADS]")?;
    let threads: usize = args.next().map(|t| t.parse()).transpose()?.unwrap_or(1);
    let mut inp = input::open(std::path::Path::new(&path), &ProbeLimits::default())?;
    // Samples are read up front so the timing covers decoding only.
    let mut samples = Vec::new();
    for i in 0..inp.video.samples.len() {
        let mut buf = Vec::new();
        input::read_samples(&mut inp.file, &inp.video, i..i + 1, &mut buf)?;
        samples.push((buf, inp.video.samples[i].sync));
    }
    let mut dec = Av1Decoder::new(&inp.video_config, threads, 4096 * 4096)?;
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
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{path}: {frames} frames of {}x{} in {secs:.2} s with {threads} thread(s): {:.1} fps",
        size.0,
        size.1,
        frames as f64 / secs
    );
    Ok(())
}
