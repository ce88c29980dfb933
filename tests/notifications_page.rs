//! The notifications page on a real `kinora` process: the header's unread count, the list with
//! its links and "mark all as read" form, paging, and the form choosing what to be told of.

mod common;

use common::notify::{comment, notifications, of_type, post, send};
use common::web::{page, sign_in};
use common::{Server, http};
use serde_json::json;

/// The header shows the unread count; the page lists the notifications with links, and its
/// "mark all as read" form works as a plain form post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notifications_page_and_header_count() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, bob) = server.create_user(&admin, "bob", 2).await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Root clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let c = comment(&server, &bob, &uuid, "Hello root").await;
    post(
        &server,
        &bob,
        "/abuses",
        json!({ "reason": "Rude comment", "comment": { "id": c } }),
    )
    .await;
    // Published, commented on, reported: three unread.
    assert_eq!(
        notifications(&server, &admin, "?unread=true").await["total"],
        3
    );

    let password = server.admin_password.clone().unwrap();
    let root = sign_in(&server, "root", &password).await;
    let home = page(&root, &format!("{}/", server.url)).await;
    assert!(
        home.contains("href=\"/my-account/notifications\""),
        "{home}"
    );
    assert!(home.contains("<span class=\"badge\""), "no unread badge");
    assert!(home.contains(">3</span>"), "the count is not 3");

    let list_url = format!("{}/my-account/notifications", server.url);
    let html = page(&root, &list_url).await;
    assert_eq!(html.matches("data-notification-type=").count(), 3);
    assert!(
        html.contains(&format!("href=\"/videos/watch/{uuid}\"")),
        "video link"
    );
    assert!(
        html.contains(&format!("href=\"/videos/watch/{uuid}#comment-{c}\"")),
        "comment link"
    );
    assert!(html.contains("href=\"/admin/abuses\""), "report link");
    assert!(html.contains("action=\"/my-account/notifications/read-all\""));

    let res = root
        .post(format!("{list_url}/read-all"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "redirected back to the list");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<span class=\"badge\""), "still a badge");
    assert!(!html.contains("action=\"/my-account/notifications/read-all\""));
    assert_eq!(
        notifications(&server, &admin, "?unread=true").await["total"],
        0
    );
    assert_eq!(notifications(&server, &admin, "").await["total"], 3);

    // Signed out: the page and the form lead to the sign-in page.
    let res = http().get(&list_url).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let res = http()
        .post(format!("{list_url}/read-all"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

/// The page in pages of 50, and its settings form: an unticked kind is no longer recorded, a
/// ticked one is, and the e-mail bit set through the API survives the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notifications_page_pages_and_sets_what_to_be_told_of() {
    let server = Server::start();
    let admin = server.admin_token().await;
    let (_, bob) = server.create_user(&admin, "bob", 2).await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let video = server
        .publish(&alice, "short.mp4", &[("name", "Busy clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    for i in 0..54 {
        comment(&server, &bob, &uuid, &format!("Comment {i}")).await;
    }
    // 54 comments and the publication: 55, in two pages.
    let web = sign_in(&server, "alice", "secret-pass-1").await;
    let list = format!("{}/my-account/notifications", server.url);
    let first = page(&web, &list).await;
    assert_eq!(first.matches("data-notification-type=").count(), 50);
    assert!(
        first.contains("href=\"/my-account/notifications?page=2\""),
        "{first}"
    );
    assert!(!first.contains("rel=\"prev\""));
    let second = page(&web, &format!("{list}?page=2")).await;
    assert_eq!(second.matches("data-notification-type=").count(), 5);
    assert!(
        second.contains("data-notification-type=\"6\""),
        "the oldest last"
    );
    assert!(second.contains("href=\"/my-account/notifications?page=1\""));
    assert!(!second.contains("rel=\"next\""));
    let res = web.get(format!("{list}?page=nope")).send().await.unwrap();
    assert_eq!(res.status(), 400);

    // Only the kinds a user can receive are offered; moderators see theirs too.
    assert!(
        first.contains("name=\"newCommentOnMyVideo\" checked"),
        "{first}"
    );
    assert!(!first.contains("name=\"abuseAsModerator\""));
    let root = sign_in(&server, "root", &server.admin_password.clone().unwrap()).await;
    assert!(
        page(&root, &list)
            .await
            .contains("name=\"abuseAsModerator\"")
    );

    // The e-mail bit set through the API, then the form unticking comments.
    let res = send(
        &server,
        reqwest::Method::PUT,
        Some(&alice),
        "/users/me/notification-settings",
        Some(json!({ "newCommentOnMyVideo": 3 })),
    )
    .await;
    assert_eq!(res.status(), 204);
    let res = web
        .post(format!("{list}/settings"))
        .form(&[
            ("newVideoFromSubscription", "on"),
            ("myVideoPublished", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Notification settings saved."));
    assert!(!html.contains("name=\"newCommentOnMyVideo\" checked"));
    let (_, me) = common::fed::get_json(&server.api("/users/me"), Some(&alice)).await;
    let settings = &me["notificationSettings"];
    assert_eq!(
        settings["newCommentOnMyVideo"], 2,
        "the e-mail bit kept: {settings}"
    );
    assert_eq!(settings["newVideoFromSubscription"], 1);
    assert_eq!(settings["newFollow"], 0);
    comment(&server, &bob, &uuid, "Unheard").await;
    assert_eq!(of_type(&server, &alice, 2).await.len(), 54, "not recorded");

    // Signed out, the form leads to the sign-in page and changes nothing.
    let res = http()
        .post(format!("{list}/settings"))
        .form(&[("newFollow", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, me) = common::fed::get_json(&server.api("/users/me"), Some(&alice)).await;
    assert_eq!(me["notificationSettings"]["newFollow"], 0);
}
