//! Kinora's LD signatures (RsaSignature2017) checked by another implementation: the npm
//! `jsonld` package that PeerTube uses, with node's crypto (tests/browser/ld_signature.js),
//! checking both as Mastodon does (the document as received) and as PeerTube does (compacted
//! first, "safe" canonicalisation). The documents are the ones a running server publishes: a
//! video's Create and a comment's Note. And the other way: what node signs, Kinora verifies.
//! CI installs node's packages (.ci/run); elsewhere a missing package skips the test.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::fed::{AP, get_json};
use common::{Server, http};
use kinora::federation::{keys, ld};
use serde_json::{Value, json};

fn script() -> Option<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !dir.join("node_modules/jsonld").exists() {
        assert!(
            std::env::var("CI").is_err(),
            "jsonld is not installed (npm ci --prefix tests/browser)"
        );
        eprintln!("skipping: jsonld is not installed (npm ci --prefix tests/browser)");
        return None;
    }
    Some(dir.join("ld_signature.js"))
}

/// Runs the node script in `mode` with `input` on its standard input; its standard output.
fn node(script: &Path, mode: &str, input: &Value) -> String {
    let mut child = Command::new("node")
        .arg(script)
        .arg(mode)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "ld_signature.js {mode} failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

struct Keys {
    public: String,
    private: String,
}

fn keys() -> Keys {
    let (public, private) = keys::generate().unwrap();
    Keys { public, private }
}

fn node_verdict(script: &Path, k: &Keys, doc: &Value) -> String {
    node(
        script,
        "verify",
        &json!({ "document": doc, "publicKeyPem": k.public }),
    )
    .trim()
    .to_string()
}

const BOTH_OK: &str = "mastodon ok\npeertube ok";

async fn ap_get(url: &str) -> Value {
    let res = http().get(url).header("Accept", AP).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn jsonld_verifies_what_kinora_signs_and_the_other_way_round() {
    let Some(script) = script() else { return };
    let server = Server::start();
    let admin = server.admin_token().await;
    let video = server
        .publish(
            &admin,
            "short.mp4",
            &[("name", "Signed \"video\"\tü".into())],
        )
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let res = http()
        .post(server.api(&format!("/videos/{uuid}/comment-threads")))
        .bearer_auth(&admin)
        .json(&json!({ "text": "A comment with \"quotes\", a\ttab,\nnew lines and ✓" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let comment = res.json::<Value>().await.unwrap()["comment"]["id"]
        .as_i64()
        .unwrap();
    let watch = format!("{}/videos/watch/{uuid}", server.url);
    let create_video = ap_get(&format!("{watch}/activity")).await;
    assert_eq!(create_video["object"]["type"], "Video", "{create_video}");
    let note = ap_get(&format!("{watch}/comments/{comment}")).await;
    assert_eq!(note["type"], "Note", "{note}");
    let actor = format!("{}/accounts/root", server.url);
    let create_note = json!({
        "@context": note["@context"], "type": "Create", "id": format!("{}/activity", note["id"].as_str().unwrap()),
        "actor": actor, "object": note, "to": note["to"], "cc": note["cc"],
    });

    let k = keys();
    let signer = keys::parse_private(&k.private).unwrap();
    let verifier = keys::parse_public(&k.public).unwrap();
    let key_id = format!("{actor}#main-key");
    for doc in [&create_video, &create_note] {
        let signed = ld::sign(doc, &signer, &key_id).unwrap();
        ld::verify(&signed, &verifier).unwrap();
        assert_eq!(node_verdict(&script, &k, &signed), BOTH_OK, "{signed}");
        // Changed after signing: neither way of checking accepts it.
        let mut tampered = signed.clone();
        tampered["object"]["content"] = json!("changed after signing");
        assert_eq!(
            node_verdict(&script, &k, &tampered),
            "mastodon fail\npeertube fail"
        );
        // Signed by node as PeerTube does: Kinora verifies it.
        let by_node: Value = serde_json::from_str(&node(
            &script,
            "sign",
            &json!({ "document": doc, "privateKeyPem": k.private, "creator": key_id }),
        ))
        .unwrap();
        assert!(
            by_node["signature"]["created"]
                .as_str()
                .unwrap()
                .contains('.')
        );
        ld::verify(&by_node, &verifier).unwrap();
        let mut tampered = by_node.clone();
        tampered["actor"] = json!("https://elsewhere.example/accounts/mallory");
        assert!(ld::verify(&tampered, &verifier).is_err());
    }
    // The public collections still answer (nothing above changed the server).
    assert_eq!(get_json(&server.api("/videos"), None).await.0, 200);
}
