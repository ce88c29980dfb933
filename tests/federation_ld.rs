//! LD signatures between real `kinora` processes on loopback: a comment forwarded by the
//! video's instance is taken on its author's LD signature, with the author's server stopped
//! (so nothing can have been fetched from it); a forged or tampered one is refused.

mod common;

use common::fed::{Signer, a_video_followed_by_two, eventually, private_key_of, threads};
use common::http;
use kinora::federation::{keys, ld};
use serde_json::{Value, json};

fn texts(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A Create of a Note by `author` (an actor URL) answering `video`, with the given comment id.
fn create_note(author: &str, host_url: &str, uuid: &str, n: u32, video: &str, text: &str) -> Value {
    let id = format!("{host_url}/videos/watch/{uuid}/comments/{n}");
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "type": "Create", "id": format!("{id}/activity"), "actor": author,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{author}/followers")],
        "object": {
            "type": "Note", "id": id, "content": text, "inReplyTo": video,
            "attributedTo": author, "published": "2026-01-02T03:04:05.000Z",
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{author}/followers")],
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forwarded_comment_is_taken_on_its_ld_signature_without_asking_its_origin() {
    let ([a, b, mut c], [_, _, c_admin], uuid) = a_video_followed_by_two("Signed talk").await;
    let video_url = format!("{}/videos/watch/{uuid}", a.url);

    // C's comment goes to A, which forwards it (C's LD signature intact) to B.
    let res = http()
        .post(c.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(&c_admin)
        .json(&json!({ "text": "From C, with\ta tab" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(20, "C's comment reaching B", &[&a, &b, &c], || async {
        texts(&threads(&b, &uuid).await).contains(&"From C, with\ta tab".to_string())
    })
    .await;

    // It came on its signature: B never had to fall back to asking C.
    assert!(
        !b.log().contains("LD signature not accepted"),
        "{}",
        b.log()
    );

    // C stops. A comment that C never served, signed with C's real key and relayed by A's
    // instance actor, is believed on its signature alone: B could not have fetched it.
    let author = format!("{}/accounts/root", c.url);
    let c_key = keys::parse_private(&private_key_of(&c, "root")).unwrap();
    let key_id = format!("{author}#main-key");
    c.stop();
    let relay = Signer::of(&a, "accounts", "peertube");
    let inbox = format!("{}/inbox", b.url);
    let genuine = ld::sign(
        &create_note(
            &author,
            &c.url,
            &uuid,
            424_242,
            &video_url,
            "Signed, never fetched",
        ),
        &c_key,
        &key_id,
    )
    .unwrap();
    assert_eq!(relay.post(&inbox, &genuine).await, 204, "{}", b.log());
    let list = threads(&b, &uuid).await;
    let taken = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["text"] == "Signed, never fetched")
        .unwrap_or_else(|| panic!("{list}"));
    assert_eq!(taken["account"]["host"], c.host(), "{list}");
    // The same activity again is a replay.
    assert_eq!(relay.post(&inbox, &genuine).await, 409);

    // Changed after signing: the signature fails, the origin cannot be asked, nothing is kept.
    let mut tampered = ld::sign(
        &create_note(&author, &c.url, &uuid, 424_243, &video_url, "Honest words"),
        &c_key,
        &key_id,
    )
    .unwrap();
    tampered["object"]["content"] = json!("Forged words");
    assert_ne!(relay.post(&inbox, &tampered).await, 204);
    // Signed with another key while naming C's: refused too.
    let a_key = keys::parse_private(&private_key_of(&a, "root")).unwrap();
    let forged = ld::sign(
        &create_note(&author, &c.url, &uuid, 424_244, &video_url, "Not C at all"),
        &a_key,
        &key_id,
    )
    .unwrap();
    assert_ne!(relay.post(&inbox, &forged).await, 204);
    // C's key, but for an activity whose actor is someone else: the creator must be the actor.
    let other = format!("{}/accounts/root", a.url);
    let mut borrowed = create_note(&other, &a.url, &uuid, 424_245, &video_url, "Borrowed key");
    borrowed["object"]["attributedTo"] = json!(other);
    let borrowed = ld::sign(&borrowed, &c_key, &key_id).unwrap();
    let by_b_admin = Signer::of(&b, "accounts", "peertube");
    assert_ne!(
        by_b_admin
            .post(&format!("{}/inbox", a.url), &borrowed)
            .await,
        204
    );
    assert!(b.log().contains("LD signature not accepted"), "{}", b.log());
    let kept = texts(&threads(&b, &uuid).await);
    for word in ["Forged words", "Honest words", "Not C at all"] {
        assert!(!kept.contains(&word.to_string()), "{kept:?}");
    }
    assert!(!texts(&threads(&a, &uuid).await).contains(&"Borrowed key".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_key_is_fetched_again_before_an_ld_signature_is_refused() {
    let ([a, b, c], [_, _, c_admin], uuid) = a_video_followed_by_two("Rotating keys").await;
    let video_url = format!("{}/videos/watch/{uuid}", a.url);
    // C's comment reaches B through A: B now holds C's account and its key.
    let res = http()
        .post(c.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(&c_admin)
        .json(&json!({ "text": "Before the rotation" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(20, "C's comment reaching B", &[&a, &b, &c], || async {
        texts(&threads(&b, &uuid).await).contains(&"Before the rotation".to_string())
    })
    .await;

    // C's account gets a new key pair. B's copy of the account is ten minutes old: fresh
    // enough to be used (it is not refetched for that), old enough for a rotation retry.
    let author = format!("{}/accounts/root", c.url);
    let (public, private) = keys::generate().unwrap();
    let c_db = rusqlite::Connection::open(c.data_dir.join("kinora.sqlite3")).unwrap();
    let rotated = c_db
        .execute(
            "UPDATE actors SET public_key_pem = ?1, private_key_pem = ?2 \
             WHERE name = 'root' AND host IS NULL",
            [&public, &private],
        )
        .unwrap();
    assert_eq!(rotated, 1);
    let b_db = rusqlite::Connection::open(b.data_dir.join("kinora.sqlite3")).unwrap();
    let aged = b_db
        .execute(
            "UPDATE actors SET fetched_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-10 minutes') \
             WHERE url = ?1",
            [&author],
        )
        .unwrap();
    assert_eq!(aged, 1);

    // A comment C never served, signed with the new key and relayed by A: the cached key
    // fails, B fetches C's account again, and the new key verifies. (Without that retry B
    // would ask C for the comment, which C does not have, and refuse it.)
    let relay = Signer::of(&a, "accounts", "peertube");
    let new_key = keys::parse_private(&private).unwrap();
    let signed = ld::sign(
        &create_note(
            &author,
            &c.url,
            &uuid,
            525_252,
            &video_url,
            "After the rotation",
        ),
        &new_key,
        &format!("{author}#main-key"),
    )
    .unwrap();
    assert_eq!(
        relay.post(&format!("{}/inbox", b.url), &signed).await,
        204,
        "{}",
        b.log()
    );
    assert!(texts(&threads(&b, &uuid).await).contains(&"After the rotation".to_string()));
    let key_now: String = b_db
        .query_row(
            "SELECT public_key_pem FROM actors WHERE url = ?1",
            [&author],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(key_now.trim(), public.trim());
}
