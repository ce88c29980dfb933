//! Text from remote servers: HTML reduced to plain text with ammonia (no markup survives, so
//! nothing a remote server sends can run in our pages), and length limits.

/// Plain text of remote HTML: line breaks kept, every tag removed, entities decoded once.
pub fn html_to_text(html: &str, max_chars: usize) -> String {
    let with_breaks = html
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</p>", "\n\n");
    let stripped = ammonia::Builder::empty().clean(&with_breaks).to_string();
    let text = stripped
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.trim().chars().take(max_chars).collect()
}

/// A short single-line value (names, tags): control characters removed, trimmed, capped.
pub fn line(value: &str, max_chars: usize) -> String {
    value
        .chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_removed() {
        let t = html_to_text(
            "<p>Hi <a href=\"https://x\">@bob</a><script>alert(1)</script></p><p>1 &lt; 2 &amp; ok</p>",
            100,
        );
        assert_eq!(t, "Hi @bob\n\n1 < 2 & ok");
        assert!(!html_to_text("<img src=x onerror=alert(1)>", 100).contains("onerror"));
        assert_eq!(line("a\u{0}b\nc", 10), "abc");
    }
}
