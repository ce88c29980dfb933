//! Which local users a comment mentions, by PeerTube's rules: `@name@our-host` anywhere in a
//! comment, and also a bare `@name` in a comment written here (a bare name in a remote comment
//! means someone on its author's server). A mention stands alone: at the start or after white
//! space, ending at white space, the end, or trailing punctuation. Hand-written: a dozen lines
//! of scanning, where a regular-expression crate would be a new dependency for one pattern.

/// The names mentioned (lower-cased, each once) that refer to this instance, `local_host` being
/// our host as it appears in handles (`host` or `host:port`).
pub fn local_mentions(text: &str, local_host: Option<&str>, written_here: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let Some(handle) = word.strip_prefix('@') else {
            continue;
        };
        let handle = handle.trim_end_matches(|c: char| ",.;:!?)".contains(c));
        let (name, host) = match handle.split_once('@') {
            Some((name, host)) => (name, Some(host)),
            None => (handle, None),
        };
        let valid = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        let ours = match host {
            Some(h) => local_host.is_some_and(|l| l.eq_ignore_ascii_case(h)),
            None => written_here,
        };
        let name = name.to_ascii_lowercase();
        if valid && ours && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::local_mentions;

    #[test]
    fn mentions_follow_peertube_rules() {
        let host = Some("video.example:8443");
        let text = "@Alice thanks! cc @bob@video.example:8443, @carol@elsewhere.org and @dave.";
        assert_eq!(local_mentions(text, host, true), ["alice", "bob", "dave"]);
        // From another server, only full handles on our host are ours.
        assert_eq!(local_mentions(text, host, false), ["bob"]);
        assert!(local_mentions("mail me at x@alice.org or @ or @@", host, true).is_empty());
        assert_eq!(
            local_mentions("@alice @ALICE @alice", host, true),
            ["alice"]
        );
        assert!(local_mentions("@bob@video.example:8443", None, false).is_empty());
    }
}
