//! PeerTube's vocabulary for reports: the predefined reasons (stored as a bit set, bit n-1 for
//! reason n) and the state labels. Shared by the API and by Flag in and out.

/// Reason names in PeerTube's numbering, 1 to 8 (`abusePredefinedReasonsMap`).
pub const PREDEFINED_REASONS: [&str; 8] = [
    "violentOrRepulsive",
    "hatefulOrAbusive",
    "spamOrMisleading",
    "privacy",
    "rights",
    "serverRules",
    "thumbnails",
    "captions",
];

/// A reason's number (1..=8). The OpenAPI file spells the first `violentOrAbusive`; PeerTube's
/// code says `violentOrRepulsive`. Both are accepted, the code's spelling is sent.
pub fn number(name: &str) -> Option<i64> {
    if name == "violentOrAbusive" {
        return Some(1);
    }
    PREDEFINED_REASONS
        .iter()
        .position(|r| *r == name)
        .map(|i| i as i64 + 1)
}

/// The bit set of these reasons; None when one is unknown.
pub fn bits<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<i64> {
    names
        .into_iter()
        .try_fold(0i64, |acc, n| number(n).map(|k| acc | (1 << (k - 1))))
}

/// The names in a bit set, in PeerTube's order.
pub fn names(bits: i64) -> Vec<&'static str> {
    PREDEFINED_REASONS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect()
}

pub const PENDING: i64 = 1;
pub const REJECTED: i64 = 2;
pub const ACCEPTED: i64 = 3;

pub fn state_label(state: i64) -> &'static str {
    match state {
        PENDING => "Pending",
        REJECTED => "Rejected",
        ACCEPTED => "Accepted",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_round_trip_through_bits() {
        let b = bits(["spamOrMisleading", "captions", "violentOrAbusive"]).unwrap();
        assert_eq!(b, 0b1000_0101);
        assert_eq!(
            names(b),
            ["violentOrRepulsive", "spamOrMisleading", "captions"]
        );
        assert_eq!(bits(["spam"]), None);
        assert_eq!(bits([]), Some(0));
    }
}
