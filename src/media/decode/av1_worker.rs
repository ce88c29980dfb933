//! The AV1 decoder process (`kinora media av1-decode-worker`): decodes what its parent sends
//! over stdin and answers over stdout (wire format in [`super::av1_pipe`]). It exists so that
//! rav1d aborting on a corrupted stream ends this process, not the server.

use std::io::{self, BufReader, BufWriter, Read, Write};

use super::VideoDecoder;
use super::av1::Av1Decoder;
use super::av1_pipe::{Request, read_config, read_request, write_reply};

/// Serves one stream: the configuration, then samples until `Finish` is answered or the parent
/// closes the pipe. An I/O error means the parent went away; there is nobody left to tell.
pub fn serve(
    threads: usize,
    max_pixels: u64,
    input: impl Read,
    output: impl Write,
) -> io::Result<()> {
    crate::media::worker::disable_core_dumps();
    let mut input = BufReader::new(input);
    let mut output = BufWriter::new(output);
    let config = read_config(&mut input)?;
    // From here on the worker needs only memory, threads and its two pipes.
    if let Err(e) = super::sandbox::confine() {
        eprintln!("warning: the AV1 decoder runs without its system-call filter: {e}");
    }
    let mut decoder = match Av1Decoder::new(&config, threads, max_pixels) {
        Ok(d) => {
            write_reply(&mut output, &Ok(Vec::new()))?;
            d
        }
        Err(e) => return write_reply(&mut output, &Err(e)),
    };
    while let Some(request) = read_request(&mut input)? {
        let reply = match request {
            Request::Sample {
                keyframe,
                pts,
                data,
            } => decoder.send(&data, keyframe, pts),
            Request::Finish => decoder.finish(),
        };
        write_reply(&mut output, &reply)?;
    }
    Ok(())
}
