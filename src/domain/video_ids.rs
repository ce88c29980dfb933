//! Video identifiers: numeric id, UUID, or PeerTube's shortUUID (the UUID's 128 bits in base58
//! with the Bitcoin alphabet). Written by hand: it is a dozen lines, and the base58 crates do
//! not fix the output length to PeerTube's 22 characters.

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// The shortUUID of a UUID.
pub fn short_uuid(uuid: &uuid::Uuid) -> String {
    let mut n = uuid.as_u128();
    let mut out = Vec::with_capacity(22);
    while n > 0 {
        out.push(ALPHABET[(n % 58) as usize]);
        n /= 58;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn from_short(s: &str) -> Option<uuid::Uuid> {
    if s.is_empty() || s.len() > 22 {
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
    fn short_uuids_round_trip_like_peertube() {
        // Example pair from PeerTube's API documentation.
        let u = uuid::Uuid::parse_str("9c9de5e8-0a1e-484a-b099-e80766180a6d").unwrap();
        let short = short_uuid(&u);
        assert_eq!(parse(&short), Some(VideoRef::Uuid(u.to_string())));
        assert_eq!(parse("42"), Some(VideoRef::Id(42)));
        assert_eq!(parse("0"), None);
        assert_eq!(parse("not/an id"), None);
        assert_eq!(parse("0OIl"), None, "characters outside the alphabet");
    }
}
