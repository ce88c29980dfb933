//! Markdown of descriptions and comments turned into HTML that is safe to insert in a page:
//! pulldown-cmark renders it, ammonia keeps only harmless tags and attributes.

use pulldown_cmark::{Event, Options, Parser, html};

/// Renders `source` as sanitised HTML. Raw HTML in the source is shown as text (as PeerTube's
/// renderer does), and ammonia still cleans the result; links get
/// `rel="noopener noreferrer nofollow"`.
pub fn to_html(source: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TABLES);
    let mut out = String::with_capacity(source.len() * 3 / 2);
    let events = Parser::new_ext(source, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    html::push_html(&mut out, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn markdown_renders_and_scripts_do_not() {
        let html = to_html("**bold** [site](https://example.org) <script>alert(1)</script>");
        assert!(html.contains("<strong>bold</strong>"), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains("&lt;script&gt;"),
            "raw HTML is shown as text: {html}"
        );
        let js = to_html("[x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(!js.contains("javascript:") && !js.contains("<img"), "{js}");
    }
}
