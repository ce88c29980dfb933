//! The ActivityPub documents we publish, in PeerTube's shapes: actors (Person, Group,
//! Application), Video, Note (comments), and collections.

pub mod actor;
pub mod collection;
pub mod note;
pub mod remote_json;
pub mod video;

use serde_json::{Value, json};

/// PeerTube's JSON-LD context: ActivityStreams, the security vocabulary, and PeerTube's terms.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "RsaSignature2017": "https://w3id.org/security#RsaSignature2017",
            "pt": "https://joinpeertube.org/ns#",
            "sc": "http://schema.org/",
            "Hashtag": "as:Hashtag",
            "uuid": "sc:identifier",
            "category": "sc:category",
            "licence": "sc:license",
            "subtitleLanguage": "sc:subtitleLanguage",
            "sensitive": "as:sensitive",
            "language": "sc:inLanguage",
            "identifier": "sc:identifier",
            "isLiveBroadcast": "sc:isLiveBroadcast",
            "liveSaveReplay": { "@type": "sc:Boolean", "@id": "pt:liveSaveReplay" },
            "permanentLive": { "@type": "sc:Boolean", "@id": "pt:permanentLive" },
            "latencyMode": { "@type": "sc:Number", "@id": "pt:latencyMode" },
            "Infohash": "pt:Infohash",
            "tileWidth": { "@type": "sc:Number", "@id": "pt:tileWidth" },
            "tileHeight": { "@type": "sc:Number", "@id": "pt:tileHeight" },
            "tileDuration": { "@type": "sc:Number", "@id": "pt:tileDuration" },
            "originallyPublishedAt": "sc:datePublished",
            "uploadDate": "sc:uploadDate",
            "hasParts": "sc:hasParts",
            "aspectRatio": { "@type": "sc:Float", "@id": "pt:aspectRatio" },
            "views": { "@type": "sc:Number", "@id": "pt:views" },
            "state": { "@type": "sc:Number", "@id": "pt:state" },
            "size": { "@type": "sc:Number", "@id": "pt:size" },
            "fps": { "@type": "sc:Number", "@id": "pt:fps" },
            "commentsEnabled": { "@type": "sc:Boolean", "@id": "pt:commentsEnabled" },
            "canReply": "pt:canReply",
            "commentsPolicy": { "@type": "sc:Number", "@id": "pt:commentsPolicy" },
            "downloadEnabled": { "@type": "sc:Boolean", "@id": "pt:downloadEnabled" },
            "waitTranscoding": { "@type": "sc:Boolean", "@id": "pt:waitTranscoding" },
            "support": { "@type": "sc:Text", "@id": "pt:support" },
            "likes": { "@id": "as:likes", "@type": "@id" },
            "dislikes": { "@id": "as:dislikes", "@type": "@id" },
            "shares": { "@id": "as:shares", "@type": "@id" },
            "comments": { "@id": "as:comments", "@type": "@id" },
            "playlists": { "@id": "pt:playlists", "@type": "@id" },
            "replyApproval": "pt:replyApproval",
            "ApproveReply": "pt:ApproveReply",
            // Actor terms: without them an actor's Update cannot be LD-signed (a term the
            // context does not define would be dropped from the signed form).
            "toot": "http://joinmastodon.org/ns#",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "discoverable": "toot:discoverable",
            "postingRestrictedToMods": "pt:postingRestrictedToMods"
        }
    ])
}

/// Adds the context to a document.
pub fn with_context(mut doc: Value) -> Value {
    if let Value::Object(map) = &mut doc {
        map.insert("@context".into(), context());
    }
    doc
}
