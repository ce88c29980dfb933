//! The watch and embed pages, oEmbed and the RSS feed, including what private videos hide.

mod common;

use common::{Server, http};
use serde_json::Value;

async fn upload(server: &Server, token: &str, name: &str, privacy: &str) -> Value {
    let fields = [
        ("name", name.to_string()),
        ("privacy", privacy.to_string()),
        ("description", "A <b>bold</b> & honest clip".to_string()),
    ];
    let video = server.publish(token, "h264_aac.mp4", &fields).await;
    assert_eq!(video["state"]["id"], 1);
    video
}

#[tokio::test]
async fn watch_embed_oembed_and_feed() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = upload(&server, &admin, "Harbour at dawn", "1").await;
    let uuid = video["uuid"].as_str().unwrap();
    let short = video["shortUUID"].as_str().unwrap();
    let secret = upload(&server, &admin, "Secret diary", "3").await;
    let secret_uuid = secret["uuid"].as_str().unwrap();

    let page = http()
        .get(format!("{}/videos/watch/{uuid}", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<meta property="og:title" content="Harbour at dawn">"#),
        "{html}"
    );
    assert!(html.contains(r#"<meta name="twitter:card" content="player">"#));
    assert!(html.contains("application/json+oembed"));
    assert!(html.contains("<video") && html.contains("-fragmented.mp4"));
    assert!(
        html.contains("A &lt;b&gt;bold&lt;")
            && html.contains("&amp; honest clip")
            && !html.contains("<b>bold"),
        "descriptions are escaped"
    );
    assert_eq!(
        http()
            .get(format!("{}/w/{short}", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        http()
            .get(format!("{}/videos/watch/{secret_uuid}", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let embed = http()
        .get(format!(
            "{}/videos/embed/{uuid}?autoplay=1&muted=1&start=1m2s&title=0",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(embed.status(), 200);
    assert!(
        embed.headers().get("x-frame-options").is_none(),
        "embeds can be framed"
    );
    assert!(
        embed.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors *")
    );
    let html = embed.text().await.unwrap();
    assert!(html.contains("autoplay") && html.contains("muted") && html.contains("#t=62"));
    assert!(!html.contains("embed-title"), "title=0 hides the title");
    assert_eq!(
        http()
            .get(format!("{}/videos/embed/{secret_uuid}", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let watch_url = format!("{}/videos/watch/{uuid}", server.url);
    let oembed: Value = http()
        .get(format!("{}/services/oembed", server.url))
        .query(&[("url", watch_url.as_str()), ("format", "json")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(oembed["type"], "video");
    assert_eq!(oembed["title"], "Harbour at dawn");
    assert!(
        oembed["html"]
            .as_str()
            .unwrap()
            .contains(&format!("/videos/embed/{uuid}"))
    );
    let secret_url = format!("{}/videos/watch/{secret_uuid}", server.url);
    let res = http()
        .get(format!("{}/services/oembed", server.url))
        .query(&[("url", secret_url.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = http()
        .get(format!("{}/services/oembed", server.url))
        .query(&[("url", "https://elsewhere.example/videos/watch/x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);

    let feed = http()
        .get(format!("{}/feeds/videos.xml", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        feed.headers()["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    let xml = feed.text().await.unwrap();
    assert!(
        xml.contains("<title>Harbour at dawn</title>") && xml.contains("<enclosure "),
        "{xml}"
    );
    assert!(
        !xml.contains("Secret diary"),
        "private videos stay out of feeds"
    );
    let channel_id = video["channel"]["id"].as_i64().unwrap();
    let by_channel = http()
        .get(format!(
            "{}/feeds/videos.xml?videoChannelId={channel_id}",
            server.url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(by_channel.contains("Harbour at dawn"));
    let other = http()
        .get(format!(
            "{}/feeds/videos.xml?videoChannelId=999",
            server.url
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!other.contains("<item>"));
}
