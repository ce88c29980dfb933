//! Video identifiers: numeric id, UUID, or PeerTube's shortUUID. PeerTube makes it with npm
//! short-uuid's default translator: the UUID's 128 bits in base58 with the Flickr alphabet
//! (lower case before upper case), padded on the left with the alphabet's first character to
//! 22 characters, the only length PeerTube accepts. Written by hand: it is a dozen lines, and
//! the base58 crates use Bitcoin's alphabet and do not pad.

const ALPHABET: &[u8; 58] = b"123456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";

/// The length of every shortUUID: 58^22 is the first power of 58 above 2^128.
const LENGTH: usize = 22;

/// The shortUUID of a UUID, as PeerTube writes it.
pub fn short_uuid(uuid: &uuid::Uuid) -> String {
    let mut n = uuid.as_u128();
    let mut out = Vec::with_capacity(LENGTH);
    while n > 0 {
        out.push(ALPHABET[(n % 58) as usize]);
        n /= 58;
    }
    out.resize(LENGTH, ALPHABET[0]);
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A shortUUID back to its UUID. Shorter forms (without the padding) are accepted too: they
/// name the same UUID.
fn from_short(s: &str) -> Option<uuid::Uuid> {
    if s.is_empty() || s.len() > LENGTH {
        return None;
    }
    let mut n: u128 = 0;
    for b in s.bytes() {
        let digit = ALPHABET.iter().position(|&a| a == b)? as u128;
        n = n.checked_mul(58)?.checked_add(digit)?;
    }
    Some(uuid::Uuid::from_u128(n))
}

/// How a request names a video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoRef {
    Id(i64),
    Uuid(String),
}

/// Parses `42`, a UUID, or a shortUUID; `None` for anything else.
pub fn parse(s: &str) -> Option<VideoRef> {
    if let Ok(id) = s.parse::<i64>() {
        return (id > 0).then_some(VideoRef::Id(id));
    }
    if let Ok(u) = uuid::Uuid::parse_str(s) {
        return Some(VideoRef::Uuid(u.hyphenated().to_string()));
    }
    from_short(s).map(|u| VideoRef::Uuid(u.hyphenated().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_uuids_are_peertubes() {
        // Pairs from npm short-uuid 4.2.2's default translator, as PeerTube calls it; the last
        // is the shortUUID example of PeerTube's API documentation.
        for (long, short) in [
            (
                "9c9de5e8-0a1e-484a-b099-e80766180a6d",
                "kkGMgK9ZtnKfYAgnEtQxbv",
            ),
            (
                "00000000-0000-4000-8000-000000000001",
                "111111114Ay6byqtQtQyDP",
            ),
            (
                "0a9de5e8-0a1e-484a-b099-e80766180a6d",
                "2j3e5N3ksaxgw9MKdNGxf6",
            ),
            (
                "0c954a1b-79ed-43ef-b314-9c1057546d76",
                "2y84q2MQUMWPbiEcxNXMgC",
            ),
        ] {
            let u = uuid::Uuid::parse_str(long).unwrap();
            assert_eq!(short_uuid(&u), short);
            assert_eq!(parse(short), Some(VideoRef::Uuid(long.to_string())));
        }
        assert_eq!(short_uuid(&uuid::Uuid::nil()), "1".repeat(22));
        assert_eq!(
            parse("4Ay6byqtQtQyDP"),
            parse("111111114Ay6byqtQtQyDP"),
            "the padding may be left out"
        );
        assert_eq!(parse("1111111111111111111111Z"), None, "23 characters");
        assert_eq!(parse("42"), Some(VideoRef::Id(42)));
        assert_eq!(parse("0"), None);
        assert_eq!(parse("not/an id"), None);
        assert_eq!(parse("0OIl"), None, "characters outside the alphabet");
    }
}
