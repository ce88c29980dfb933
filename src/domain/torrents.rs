//! BitTorrent metadata for a rendition: a `.torrent` whose web seed (BEP 19 `url-list`) is the
//! HTTP file, so any BitTorrent client can fetch it from us, and its magnet link.

use std::io::Read;
use std::path::Path;

use serde::Serialize;
use sha1::{Digest, Sha1};

#[derive(Serialize)]
struct Info<'a> {
    length: u64,
    name: &'a str,
    #[serde(rename = "piece length")]
    piece_length: u64,
    #[serde(with = "serde_bytes")]
    pieces: Vec<u8>,
}

#[derive(Serialize)]
struct Torrent<'a> {
    #[serde(rename = "created by")]
    created_by: &'a str,
    #[serde(rename = "creation date")]
    creation_date: i64,
    info: Info<'a>,
    #[serde(rename = "url-list")]
    url_list: Vec<&'a str>,
}

/// Piece size growing with the file so a torrent stays around a thousand pieces or fewer.
fn piece_length(size: u64) -> u64 {
    let mut piece = 256 * 1024;
    while size / piece > 1500 && piece < 16 * 1024 * 1024 {
        piece *= 2;
    }
    piece
}

/// Reads `file` once and returns the `.torrent` bytes and the info hash (hex).
pub fn create(file: &Path, name: &str, web_seed: &str) -> std::io::Result<(Vec<u8>, String)> {
    let size = std::fs::metadata(file)?.len();
    let piece = piece_length(size);
    let mut reader = std::io::BufReader::new(std::fs::File::open(file)?);
    let mut buffer = vec![0u8; piece as usize];
    let mut pieces = Vec::new();
    loop {
        let mut filled = 0;
        while filled < buffer.len() {
            let n = reader.read(&mut buffer[filled..])?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        pieces.extend_from_slice(&Sha1::digest(&buffer[..filled]));
        if filled < buffer.len() {
            break;
        }
    }
    let info = Info {
        length: size,
        name,
        piece_length: piece,
        pieces,
    };
    let info_bytes = serde_bencode::to_bytes(&info).map_err(std::io::Error::other)?;
    let infohash = hex::encode(Sha1::digest(&info_bytes));
    let torrent = Torrent {
        created_by: "Kinora",
        creation_date: time::OffsetDateTime::now_utc().unix_timestamp(),
        info,
        url_list: vec![web_seed],
    };
    let bytes = serde_bencode::to_bytes(&torrent).map_err(std::io::Error::other)?;
    Ok((bytes, infohash))
}

/// `magnet:?xs=...&xt=urn:btih:...&dn=...&ws=...`, as PeerTube writes them.
pub fn magnet(infohash: &str, name: &str, torrent_url: &str, web_seed: &str) -> String {
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "magnet:?xs={}&xt=urn:btih:{infohash}&dn={}&ws={}",
        enc(torrent_url),
        enc(name),
        enc(web_seed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torrent_hashes_every_piece_and_names_the_web_seed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.mp4");
        std::fs::write(&path, vec![7u8; 300 * 1024]).unwrap();
        let (bytes, hash) = create(&path, "v.mp4", "http://example.org/v.mp4").unwrap();
        assert_eq!(hash.len(), 40);
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("8:url-listl24:http://example.org/v.mp4e"),
            "{text}"
        );
        assert!(text.contains("6:lengthi307200e"));
        // Two pieces of 256 KiB: 40 bytes of SHA-1.
        assert!(text.contains("6:pieces40:"));
        assert!(
            magnet(&hash, "v.mp4", "http://e/t", "http://e/v")
                .starts_with("magnet:?xs=http%3A%2F%2Fe%2Ft&xt=urn:btih:")
        );
    }
}
