//! Caption files: a WebVTT or SubRip upload checked cue by cue and written out as WebVTT, the
//! one format browsers' `<track>` reads. Written by hand: the conversion is a few lines of
//! timestamp rewriting, and the crates that parse subtitles pull far more than it needs while
//! still accepting files a browser would reject.

use std::fmt::Write;

/// Why a caption file was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SubtitleError {
    #[error("the caption file is not UTF-8 text")]
    NotText,
    #[error("the caption file has no cue: it is not WebVTT or SubRip")]
    NoCue,
    #[error("line {line}: {what}")]
    BadCue { line: usize, what: String },
}

/// A cue timestamp in milliseconds: `[HH:]MM:SS.mmm`, or SubRip's `HH:MM:SS,mmm`.
fn timestamp(text: &str) -> Option<u64> {
    let (clock, millis) = text.trim().split_once(['.', ','])?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let (h, m, s) = match parts.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => ("0", *m, *s),
        _ => return None,
    };
    let number = |t: &str, max: u64| -> Option<u64> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        t.parse().ok().filter(|n| *n < max)
    };
    let (h, m, s) = (number(h, 10_000)?, number(m, 60)?, number(s, 60)?);
    Some(((h * 60 + m) * 60 + s) * 1000 + millis.parse::<u64>().ok()?)
}

fn vtt_time(ms: u64) -> String {
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// `start --> end [settings]`, rewritten in WebVTT's form (settings kept for WebVTT input).
fn timing(line: &str, number: usize, keep_settings: bool) -> Result<String, SubtitleError> {
    let bad = |what: &str| SubtitleError::BadCue {
        line: number,
        what: what.to_string(),
    };
    let (start, rest) = line
        .split_once("-->")
        .ok_or_else(|| bad("expected a timing line"))?;
    let rest = rest.trim_start();
    let (end, settings) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
    let start = timestamp(start).ok_or_else(|| bad("bad start time"))?;
    let end = timestamp(end).ok_or_else(|| bad("bad end time"))?;
    if end < start {
        return Err(bad("the cue ends before it starts"));
    }
    let mut out = format!("{} --> {}", vtt_time(start), vtt_time(end));
    if keep_settings && !settings.trim().is_empty() {
        out.push(' ');
        out.push_str(settings.trim());
    }
    Ok(out)
}

/// Checks a WebVTT or SubRip file and returns it as WebVTT.
pub fn to_webvtt(bytes: &[u8]) -> Result<String, SubtitleError> {
    let text = std::str::from_utf8(bytes).map_err(|_| SubtitleError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let is_vtt = text.starts_with("WEBVTT");
    let mut out = String::from("WEBVTT\n");
    let mut cues = 0;
    let mut blocks = text.split("\n\n").enumerate().peekable();
    let mut line_no = 1;
    if is_vtt {
        // The header block (WEBVTT and its metadata lines) is replaced by ours.
        if let Some((_, header)) = blocks.next() {
            line_no += header.lines().count() + 1;
        }
    }
    for (_, block) in blocks {
        let lines: Vec<&str> = block.lines().collect();
        let first_line = line_no;
        line_no += block.split('\n').count() + 1;
        let Some(timing_at) = lines.iter().position(|l| l.contains("-->")) else {
            let head = lines.first().map(|l| l.trim()).unwrap_or("");
            if head.is_empty() {
                continue;
            }
            if is_vtt && (head.starts_with("NOTE") || head == "STYLE" || head == "REGION") {
                let _ = write!(out, "\n{}\n", lines.join("\n"));
                continue;
            }
            return Err(SubtitleError::BadCue {
                line: first_line,
                what: "expected a cue with a timing line".into(),
            });
        };
        // SubRip numbers its cues on the line before the timing; WebVTT may name them there.
        if timing_at > 1 {
            return Err(SubtitleError::BadCue {
                line: first_line,
                what: "expected a timing line".into(),
            });
        }
        let identifier = lines[..timing_at].first().map(|l| l.trim());
        let timing = timing(lines[timing_at], first_line + timing_at, is_vtt)?;
        out.push('\n');
        if is_vtt && let Some(id) = identifier.filter(|i| !i.is_empty()) {
            let _ = writeln!(out, "{id}");
        }
        let _ = writeln!(out, "{timing}");
        for l in &lines[timing_at + 1..] {
            // A cue's text may not contain "-->"; a line of it would start a new cue.
            let _ = writeln!(out, "{}", l.replace("-->", "->"));
        }
        cues += 1;
    }
    if cues == 0 {
        return Err(SubtitleError::NoCue);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subrip_becomes_webvtt() {
        let srt = "1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\n<i>world</i>\r\n\r\n2\r\n00:01:02,003 --> 01:00:00,000\r\nBye\r\n";
        assert_eq!(
            to_webvtt(srt.as_bytes()).unwrap(),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\n<i>world</i>\n\n00:01:02.003 --> 01:00:00.000\nBye\n"
        );
    }

    #[test]
    fn webvtt_keeps_identifiers_settings_and_notes() {
        let vtt = "\u{feff}WEBVTT - title\nKind: captions\n\nNOTE a remark\n\nintro\n00:01.000 --> 00:02.000 align:start\nHi\n";
        assert_eq!(
            to_webvtt(vtt.as_bytes()).unwrap(),
            "WEBVTT\n\nNOTE a remark\n\nintro\n00:00:01.000 --> 00:00:02.000 align:start\nHi\n"
        );
    }

    #[test]
    fn bad_files_are_refused_with_the_line() {
        assert_eq!(to_webvtt(b"\xff\xfe"), Err(SubtitleError::NotText));
        assert_eq!(
            to_webvtt(b"just some text"),
            Err(SubtitleError::BadCue {
                line: 1,
                what: "expected a cue with a timing line".into()
            })
        );
        assert_eq!(to_webvtt(b"WEBVTT\n\n"), Err(SubtitleError::NoCue));
        assert_eq!(to_webvtt(b""), Err(SubtitleError::NoCue));
        let err = to_webvtt(b"1\n00:00:01,000 --> 00:00:00,500\nBackwards\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        assert!(to_webvtt(b"1\n00:00:61,000 --> 00:01:00,000\nx\n").is_err());
        assert!(to_webvtt(b"1\n00:00:01.5 --> 00:00:02.000\nx\n").is_err());
    }
}
