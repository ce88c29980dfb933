//! What a PeerTube instance reads from Kinora's objects, held to the rules of PeerTube's own
//! validators and builders: the Video's `hasParts` chapters and each actor's `playlists`
//! collection answer (PeerTube fetches both, and fails the video when the chapters fetch
//! fails), the Video carries `aspectRatio` and its icons, and a description or support text
//! under PeerTube's 3-character minimum is refused at the API like PeerTube's API does (a Video
//! carrying one is refused whole by PeerTube).

mod common;

use common::fed::{AP, get_json};
use common::{Server, http};
use serde_json::{Value, json};

async fn ap_get(url: &str) -> (u16, Value) {
    let res = http().get(url).header("Accept", AP).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn peertube_finds_chapters_playlists_and_the_aspect_ratio() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "long.mp4",
            &[("name", "Fetched by PeerTube".into())],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap();

    let (status, object) = ap_get(&format!("{}/videos/watch/{uuid}", server.url)).await;
    assert_eq!(status, 200, "{object}");
    assert_eq!(object["aspectRatio"], json!(1.7778), "160x90: {object}");
    assert!(
        !object["icon"].as_array().unwrap().is_empty(),
        "PeerTube refuses a Video without icons: {object}"
    );
    let chapters_url = object["hasParts"].as_str().unwrap();
    let (status, chapters) = ap_get(chapters_url).await;
    assert_eq!(status, 200, "{chapters}");
    assert_eq!(chapters["id"], chapters_url);
    assert_eq!(chapters["hasPart"], json!([]));
    assert!(chapters["@context"].is_array(), "{chapters}");

    let (status, chapters) = get_json(&server.api(&format!("/videos/{uuid}/chapters")), None).await;
    assert_eq!((status, chapters), (200, json!({ "chapters": [] })));
    let (status, _) = get_json(
        &server.api("/videos/00000000-0000-4000-8000-000000000000/chapters"),
        None,
    )
    .await;
    assert_eq!(status, 404);

    // Every actor the Video names, and the instance actor, answers its playlists collection.
    let mut actors: Vec<String> = object["attributedTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    actors.push(format!("{}/accounts/peertube", server.url));
    for actor in actors {
        let (status, doc) = ap_get(&actor).await;
        assert_eq!(status, 200, "{actor}");
        let playlists = doc["playlists"].as_str().unwrap();
        assert_eq!(playlists, format!("{actor}/playlists"));
        let (status, collection) = ap_get(playlists).await;
        assert_eq!(status, 200, "{playlists}: {collection}");
        assert_eq!(collection["type"], "OrderedCollection");
        assert_eq!(collection["totalItems"], 0);
        let (status, page) = ap_get(&format!("{playlists}?page=1")).await;
        assert_eq!(status, 200);
        assert_eq!(page["orderedItems"], json!([]));
    }
    let (status, _) = ap_get(&format!("{}/accounts/nobody/playlists", server.url)).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn texts_shorter_than_peertube_accepts_are_refused() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let channel = server.channel_id(&admin).await.to_string();
    for (field, value) in [("description", "ab"), ("support", "x")] {
        let res = server
            .upload(
                &admin,
                "short.mp4",
                &[
                    ("name", "Too short".into()),
                    ("channelId", channel.clone()),
                    (field, value.into()),
                ],
            )
            .await;
        assert_eq!(res.status(), 400, "{field}");
        let problem: Value = res.json().await.unwrap();
        assert!(
            problem["invalid-params"][field].is_object(),
            "{field}: {problem}"
        );
    }
    let video = server
        .publish(
            &admin,
            "short.mp4",
            &[
                ("name", "Long enough".into()),
                ("description", "abc".into()),
            ],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap();
    let res = http()
        .put(server.api(&format!("/videos/{uuid}")))
        .bearer_auth(&admin)
        .json(&json!({ "description": "ab" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let (_, details) = get_json(&server.api(&format!("/videos/{uuid}")), None).await;
    assert_eq!(
        details["description"], "abc",
        "the refused edit changed nothing"
    );
}
