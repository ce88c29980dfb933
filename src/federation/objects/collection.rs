//! `OrderedCollection` with `OrderedCollectionPage`s (`?page=N`, newest first), as PeerTube
//! pages outboxes, followers, likes and comments.

use serde_json::{Value, json};

pub const PAGE_SIZE: i64 = 10;

/// The collection itself (no `page` asked) or one page of it.
pub fn collection(id: &str, total: i64, page: Option<i64>, items: Vec<Value>) -> Value {
    let doc = match page {
        None => json!({
            "id": id,
            "type": "OrderedCollection",
            "totalItems": total,
            "first": format!("{id}?page=1"),
        }),
        Some(n) => {
            let mut p = json!({
                "id": format!("{id}?page={n}"),
                "type": "OrderedCollectionPage",
                "partOf": id,
                "totalItems": total,
                "orderedItems": items,
            });
            if n * PAGE_SIZE < total {
                p["next"] = json!(format!("{id}?page={}", n + 1));
            }
            if n > 1 {
                p["prev"] = json!(format!("{id}?page={}", n - 1));
            }
            p
        }
    };
    super::with_context(doc)
}

/// (start, count) of a page number.
pub fn window(page: Option<i64>) -> (i64, i64) {
    let n = page.unwrap_or(1).clamp(1, 100_000);
    ((n - 1) * PAGE_SIZE, PAGE_SIZE)
}
