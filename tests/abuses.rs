//! The abuse list on real `kinora` processes: reports of a video, a comment and an account;
//! the moderators' list with its filters, judgement and deletion; a reporter's own list and
//! the conversation on a report; permissions (401/403), bad input (400/404) and the per-user
//! rate limit; and between two instances, reports of a remote video and a remote comment
//! reaching the origin as Flag and showing in its moderators' list.

mod common;

use common::fed::{comment, eventually, get_json, remote_videos, subscribe};
use common::web::{page, sign_in};
use common::{Options, Server, expect_problem, http};
use serde_json::{Value, json};

async fn post(server: &Server, token: Option<&str>, path: &str, body: &Value) -> reqwest::Response {
    let mut req = http().post(server.api(path)).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn report(server: &Server, token: &str, body: Value) -> i64 {
    let res = post(server, Some(token), "/abuses", &body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{v}");
    v["abuse"]["id"].as_i64().unwrap()
}

async fn list(server: &Server, token: &str, query: &str) -> Value {
    let (status, v) = get_json(&server.api(&format!("/abuses{query}")), Some(token)).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn put(server: &Server, token: &str, path: &str, body: &Value) -> reqwest::Response {
    http()
        .put(server.api(path))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn delete(server: &Server, token: &str, path: &str) -> reqwest::Response {
    http()
        .delete(server.api(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn by_id(list: &Value, id: i64) -> Value {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("abuse {id} not in {list}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_filed_listed_judged_and_deleted() {
    let server = Server::start_with(Options {
        args: vec!["--set", "rate_limits.abuse_reports_per_hour=3"],
        ..Default::default()
    });
    let admin = server.admin_token().await;
    let (_, alice) = server.create_user(&admin, "alice", 2).await;
    let (_, bob) = server.create_user(&admin, "bob", 2).await;
    let (_, moderator) = server.create_user(&admin, "mod", 1).await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Reported clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let comment_id = comment(&server, &bob, &uuid, "a rude comment").await;
    let bob_account = get_json(&server.api("/accounts/bob"), None).await.1["id"]
        .as_i64()
        .unwrap();

    // Bad input first: none of it counts against the rate limit.
    let body = json!({ "reason": "spam", "video": { "id": uuid } });
    expect_problem(post(&server, None, "/abuses", &body).await, 401).await;
    let bad = [
        json!({ "reason": "x", "video": { "id": uuid } }),
        json!({ "reason": "spam", "predefinedReasons": ["nope"], "video": { "id": uuid } }),
        json!({ "reason": "spam", "predefinedReasons": "spam", "video": { "id": uuid } }),
        json!({ "reason": "spam", "video": { "id": uuid, "startAt": 9, "endAt": 3 } }),
        json!({ "reason": "spam", "video": { "id": uuid, "startAt": -1 } }),
        json!({ "reason": "spam", "video": { "id": {} } }),
        json!({ "reason": "spam", "comment": { "id": "twelve" } }),
        json!({ "reason": "spam" }),
        json!({ "reason": 42, "video": { "id": uuid } }),
    ];
    for b in &bad {
        expect_problem(post(&server, Some(&alice), "/abuses", b).await, 400).await;
    }
    let problem = expect_problem(post(&server, Some(&alice), "/abuses", &bad[0]).await, 400).await;
    assert!(problem["invalid-params"]["reason"].is_object(), "{problem}");
    let res = http()
        .post(server.api("/abuses"))
        .bearer_auth(&alice)
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
    for missing in [
        json!({ "reason": "spam", "video": { "id": "5f0c3a9e-0d6b-4c8e-9d61-1a2b3c4d5e6f" } }),
        json!({ "reason": "spam", "video": { "id": 999_999 } }),
        json!({ "reason": "spam", "comment": { "id": 999_999 } }),
        json!({ "reason": "spam", "account": { "id": 999_999 } }),
    ] {
        expect_problem(post(&server, Some(&alice), "/abuses", &missing).await, 404).await;
    }
    // An owner does not report their own video.
    expect_problem(post(&server, Some(&admin), "/abuses", &body).await, 403).await;

    // Alice reports the video (a time range, a predefined reason), the comment, the account.
    let on_video = report(
        &server,
        &alice,
        json!({ "reason": "Spam in the middle", "predefinedReasons": ["spamOrMisleading"],
                "video": { "id": uuid, "startAt": 1, "endAt": 5 } }),
    )
    .await;
    let on_comment = report(
        &server,
        &alice,
        json!({ "reason": "Insulting", "predefinedReasons": ["hatefulOrAbusive", "violentOrAbusive"],
                "comment": { "id": comment_id } }),
    )
    .await;
    let on_account = report(
        &server,
        &alice,
        json!({ "reason": "Impersonation", "account": { "id": bob_account } }),
    )
    .await;
    // The fourth within the hour is over this instance's limit.
    let res = post(&server, Some(&alice), "/abuses", &body).await;
    assert!(res.headers().contains_key("retry-after"));
    expect_problem(res, 429).await;

    // The list is for moderators and administrators.
    expect_problem(http().get(server.api("/abuses")).send().await.unwrap(), 401).await;
    let res = http()
        .get(server.api("/abuses"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    expect_problem(res, 403).await;
    let all = list(&server, &moderator, "").await;
    assert_eq!(all["total"], 3, "{all}");
    assert_eq!(all["data"][0]["id"], on_account, "newest first by default");
    let v = by_id(&all, on_video);
    assert_eq!(v["reason"], "Spam in the middle");
    assert_eq!(v["predefinedReasons"], json!(["spamOrMisleading"]));
    assert_eq!(v["state"], json!({ "id": 1, "label": "Pending" }));
    assert_eq!(v["moderationComment"], Value::Null);
    assert_eq!(v["reporterAccount"]["name"], "alice");
    assert_eq!(v["flaggedAccount"]["name"], "root");
    assert_eq!(v["video"]["uuid"], uuid.as_str());
    assert_eq!(v["video"]["name"], "Reported clip");
    assert_eq!(v["video"]["deleted"], false);
    assert_eq!(v["video"]["blacklisted"], false);
    assert_eq!(v["video"]["channel"]["name"], "root_channel");
    assert_eq!(
        (v["video"]["startAt"].clone(), v["video"]["endAt"].clone()),
        (json!(1), json!(5))
    );
    assert_eq!(
        (
            v["video"]["countReports"].clone(),
            v["video"]["nthReport"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(v["comment"], Value::Null);
    assert_eq!(v["countReportsForReporter"], 3);
    assert_eq!(v["countReportsForReportee"], 1);
    assert_eq!(v["countMessages"], 0);
    assert!(v["createdAt"].is_string() && v["updatedAt"].is_string());
    let c = by_id(&all, on_comment);
    assert_eq!(c["video"], Value::Null);
    assert_eq!(c["comment"]["id"], comment_id);
    assert_eq!(c["comment"]["text"], "a rude comment");
    assert_eq!(c["comment"]["video"]["uuid"], uuid.as_str());
    assert_eq!(c["flaggedAccount"]["name"], "bob");
    assert_eq!(
        c["predefinedReasons"],
        json!(["violentOrRepulsive", "hatefulOrAbusive"])
    );
    let a = by_id(&all, on_account);
    assert_eq!(
        (a["video"].clone(), a["comment"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(a["flaggedAccount"]["name"], "bob");
    assert_eq!(a["countReportsForReportee"], 2);

    // Filters, search, sort, paging.
    for (query, ids) in [
        ("?filter=video", vec![on_video]),
        ("?filter=comment", vec![on_comment]),
        ("?filter=account", vec![on_account]),
        ("?search=reported%20CLIP", vec![on_video]),
        ("?searchReportee=bob", vec![on_account, on_comment]),
        ("?predefinedReason=hatefulOrAbusive", vec![on_comment]),
        ("?sort=createdAt", vec![on_video, on_comment, on_account]),
        ("?sort=createdAt&start=1&count=1", vec![on_comment]),
        (&format!("?id={on_comment}"), vec![on_comment]),
        ("?state=2", vec![]),
    ] {
        let got = list(&server, &moderator, query).await;
        let got_ids: Vec<i64> = got["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect();
        assert_eq!(got_ids, ids, "{query}: {got}");
    }
    for query in [
        "?filter=nope",
        "?sort=name",
        "?state=9",
        "?count=500",
        "?predefinedReason=x",
        "?id=x",
    ] {
        let res = http()
            .get(server.api(&format!("/abuses{query}")))
            .bearer_auth(&moderator)
            .send()
            .await
            .unwrap();
        expect_problem(res, 400).await;
    }

    // Judgement: state and the moderators' note.
    let path = format!("/abuses/{on_video}");
    let accept = json!({ "state": 3, "moderationComment": "Cut the middle" });
    expect_problem(put(&server, &alice, &path, &accept).await, 403).await;
    expect_problem(
        put(&server, &moderator, &path, &json!({ "state": 7 })).await,
        400,
    )
    .await;
    expect_problem(
        put(
            &server,
            &moderator,
            &path,
            &json!({ "moderationComment": "x" }),
        )
        .await,
        400,
    )
    .await;
    expect_problem(
        put(&server, &moderator, "/abuses/999999", &accept).await,
        404,
    )
    .await;
    expect_problem(put(&server, &moderator, "/abuses/abc", &accept).await, 400).await;
    assert_eq!(put(&server, &moderator, &path, &accept).await.status(), 204);
    let v = by_id(&list(&server, &admin, "").await, on_video);
    assert_eq!(v["state"], json!({ "id": 3, "label": "Accepted" }));
    assert_eq!(v["moderationComment"], "Cut the middle");
    assert_eq!(list(&server, &admin, "?state=3").await["total"], 1);

    // The reporter's own list: no moderators' note, no counts of others' reports.
    let (status, mine) = get_json(&server.api("/users/me/abuses"), Some(&alice)).await;
    assert_eq!(status, 200);
    assert_eq!(mine["total"], 3);
    let v = by_id(&mine, on_video);
    assert_eq!(v["state"]["id"], 3);
    assert!(
        v.get("moderationComment").is_none() && v.get("reporterAccount").is_none(),
        "{v}"
    );
    assert_eq!(
        get_json(&server.api("/users/me/abuses"), Some(&bob))
            .await
            .1["total"],
        0
    );
    let (_, me) = get_json(&server.api("/users/me"), Some(&alice)).await;
    assert_eq!(
        (
            me["abusesCreatedCount"].clone(),
            me["abusesAcceptedCount"].clone()
        ),
        (json!(3), json!(1))
    );
    let (_, me) = get_json(&server.api("/users/me"), Some(&bob)).await;
    assert_eq!(me["abusesCount"], 2);
    let (_, stats) = get_json(&server.api("/server/stats"), None).await;
    assert_eq!(
        (
            stats["totalAbuses"].clone(),
            stats["totalAbusesProcessed"].clone()
        ),
        (json!(3), json!(1))
    );
    assert!(stats["averageAbuseResponseTimeMs"].is_number(), "{stats}");

    // The conversation on a report: its reporter and the moderators.
    let messages = format!("/abuses/{on_comment}/messages");
    let res = post(
        &server,
        Some(&alice),
        &messages,
        &json!({ "message": "Any news?" }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let alice_message = res.json::<Value>().await.unwrap()["abuseMessage"]["id"]
        .as_i64()
        .unwrap();
    let res = post(
        &server,
        Some(&moderator),
        &messages,
        &json!({ "message": "Looking" }),
    )
    .await;
    assert_eq!(res.status(), 200);
    expect_problem(
        post(&server, Some(&alice), &messages, &json!({ "message": "" })).await,
        400,
    )
    .await;
    expect_problem(
        post(
            &server,
            Some(&bob),
            &messages,
            &json!({ "message": "me too" }),
        )
        .await,
        403,
    )
    .await;
    expect_problem(
        post(
            &server,
            Some(&alice),
            "/abuses/999999/messages",
            &json!({ "message": "hi" }),
        )
        .await,
        404,
    )
    .await;
    let (status, thread) = get_json(&server.api(&messages), Some(&alice)).await;
    assert_eq!(status, 200);
    assert_eq!(thread["total"], 2);
    assert_eq!(thread["data"][0]["message"], "Any news?");
    assert_eq!(thread["data"][0]["byModerator"], false);
    assert_eq!(thread["data"][0]["account"]["name"], "alice");
    assert_eq!(thread["data"][1]["byModerator"], true);
    assert_eq!(
        by_id(&list(&server, &admin, "").await, on_comment)["countMessages"],
        2
    );
    let one = format!("{messages}/{alice_message}");
    expect_problem(delete(&server, &bob, &one).await, 403).await;
    assert_eq!(delete(&server, &alice, &one).await.status(), 204);
    expect_problem(delete(&server, &alice, &one).await, 404).await;

    // A deleted video leaves its report, named as it was; a comment goes with its video.
    assert_eq!(
        delete(&server, &admin, &format!("/videos/{uuid}"))
            .await
            .status(),
        204
    );
    let all = list(&server, &admin, "").await;
    assert_eq!(all["total"], 3);
    let v = by_id(&all, on_video);
    assert_eq!(v["video"]["deleted"], true, "{v}");
    assert_eq!(v["video"]["name"], "Reported clip");
    assert_eq!(v["video"]["uuid"], uuid.as_str());
    assert_eq!(by_id(&all, on_comment)["comment"], Value::Null);
    assert_eq!(list(&server, &admin, "?videoIs=deleted").await["total"], 1);

    // Deletion: moderators only, once.
    let path = format!("/abuses/{on_account}");
    expect_problem(delete(&server, &alice, &path).await, 403).await;
    assert_eq!(delete(&server, &moderator, &path).await.status(), 204);
    expect_problem(delete(&server, &moderator, &path).await, 404).await;
    assert_eq!(list(&server, &admin, "").await["total"], 2);
}

/// Bob, on B, reports A's video and a comment on it: each reaches A as a Flag signed by Bob
/// and shows in A's moderators' list with Bob as the remote reporter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_of_remote_content_reach_its_origin_as_flag() {
    let mut servers = Server::start_federated(2);
    let b = servers.pop().unwrap();
    let a = servers.pop().unwrap();
    let (a_admin, b_admin) = (a.admin_token().await, b.admin_token().await);
    let video = a
        .publish(&a_admin, "short.mp4", &[("name", "Remote clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let (_, bob) = b.create_user(&b_admin, "bob", 2).await;
    subscribe(&b, &bob, &format!("root_channel@{}", a.host())).await;
    eventually(20, "the video reaching B", &[&a, &b], || async {
        remote_videos(&b).await["total"] == 1
    })
    .await;
    // A comment by A's root on its video reaches B (Bob follows the channel).
    let a_comment = comment(&a, &a_admin, &uuid, "Buy my pills").await;
    let threads = b.api(&format!("/videos/{uuid}/comment-threads"));
    eventually(20, "the comment reaching B", &[&a, &b], || async {
        get_json(&threads, None).await.1["total"] == 1
    })
    .await;
    let b_comment = get_json(&threads, None).await.1["data"][0]["id"]
        .as_i64()
        .unwrap();

    report(
        &b,
        &bob,
        json!({ "reason": "Stolen footage", "predefinedReasons": ["rights"],
                "video": { "id": uuid, "startAt": 2, "endAt": 4 } }),
    )
    .await;
    report(
        &b,
        &bob,
        json!({ "reason": "Spam comment", "comment": { "id": b_comment } }),
    )
    .await;
    // B keeps its own copy: Bob sees both reports there.
    assert_eq!(
        get_json(&b.api("/users/me/abuses"), Some(&bob)).await.1["total"],
        2
    );

    eventually(20, "both Flags in A's abuse list", &[&a, &b], || async {
        list(&a, &a_admin, "").await["total"] == 2
    })
    .await;
    let on_a = list(&a, &a_admin, "?filter=video").await;
    let v = &on_a["data"][0];
    assert_eq!(v["reason"], "Stolen footage");
    assert_eq!(v["predefinedReasons"], json!(["rights"]));
    assert_eq!(v["reporterAccount"]["name"], "bob");
    assert_eq!(v["reporterAccount"]["host"], b.host().as_str());
    assert_eq!(v["flaggedAccount"]["name"], "root");
    assert_eq!(v["video"]["uuid"], uuid.as_str());
    assert_eq!(
        (v["video"]["startAt"].clone(), v["video"]["endAt"].clone()),
        (json!(2), json!(4))
    );
    assert_eq!(v["state"]["id"], 1);
    let c = &list(&a, &a_admin, "?filter=comment").await["data"][0];
    assert_eq!(c["comment"]["id"], a_comment);
    assert_eq!(c["comment"]["text"], "Buy my pills");
    assert_eq!(c["reporterAccount"]["name"], "bob");
    // A remote reporter has no conversation on A (as on PeerTube).
    let messages = a.api(&format!("/abuses/{}/messages", v["id"]));
    let res = http()
        .get(messages)
        .bearer_auth(&a_admin)
        .send()
        .await
        .unwrap();
    expect_problem(res, 400).await;
}

/// The watch page's report form and the moderators' page work as plain forms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_from_the_watch_page_and_the_admin_page() {
    let server = Server::start();
    let admin = server.admin_token().await;
    server.create_user(&admin, "alice", 2).await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Web clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let watch = format!("{}/videos/watch/{uuid}", server.url);

    // Signed out: no form; the post leads to the sign-in page.
    let html = http()
        .get(&watch)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains("/report\""),
        "no report form when signed out"
    );
    let res = http()
        .post(format!("{watch}/report"))
        .form(&[("reason", "Looks stolen")])
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

    let alice = sign_in(&server, "alice", "secret-pass-1").await;
    let html = alice
        .get(&watch)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!("action=\"/videos/watch/{uuid}/report\"")),
        "{html}"
    );
    let res = alice
        .post(format!("{watch}/report"))
        .form(&[("reason", "Looks stolen"), ("predefined_reason", "rights")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.url().query().unwrap_or_default().contains("reported=1"));
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("the moderators will look at your report")
    );
    let res = alice
        .post(format!("{watch}/report"))
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("role=\"alert\""));
    let all = list(&server, &admin, "").await;
    assert_eq!(all["total"], 1);
    let id = all["data"][0]["id"].as_i64().unwrap();
    assert_eq!(all["data"][0]["predefinedReasons"], json!(["rights"]));
    assert_eq!(all["data"][0]["reporterAccount"]["name"], "alice");

    // The moderators' page: a user is turned away; the administrator accepts, then deletes.
    let res = alice
        .get(format!("{}/admin/abuses", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let root = sign_in(&server, "root", server.admin_password.as_deref().unwrap()).await;
    let html = root
        .get(format!("{}/admin/abuses", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Looks stolen") && html.contains("Web clip"),
        "{html}"
    );
    let res = root
        .post(format!("{}/admin/abuses/{id}/state", server.url))
        .form(&[("state", "3"), ("moderation_comment", "Taken down")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("The report is updated."));
    let v = &list(&server, &admin, "").await["data"][0];
    assert_eq!(v["state"]["id"], 3);
    assert_eq!(v["moderationComment"], "Taken down");
    let res = root
        .post(format!("{}/admin/abuses/{id}/delete", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(list(&server, &admin, "").await["total"], 0);
}

/// The report forms of comments (on the watch page, rendered for browsers without JavaScript
/// too), accounts and channels work as plain form posts, and refused reports are told on the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_account_and_channel_report_forms() {
    let server = Server::start();
    let admin = server.admin_token().await;
    server.create_user(&admin, "alice", 2).await;
    let video = server
        .publish(&admin, "short.mp4", &[("name", "Forms clip".into())])
        .await;
    let uuid = video["uuid"].as_str().unwrap().to_string();
    let comment = comment(&server, &admin, &uuid, "A comment worth reporting").await;
    let host = server.host();
    let alice = sign_in(&server, "alice", "secret-pass-1").await;

    // The watch page renders the newest threads with a report form each, and a template of the
    // form for the script's comments.
    let watch = format!("{}/videos/watch/{uuid}", server.url);
    let html = page(&alice, &watch).await;
    let action = format!("action=\"/videos/watch/{uuid}/comments/{comment}/report\"");
    assert!(
        html.contains(&action),
        "no comment report form: {}",
        &html[html.find("<noscript>").unwrap_or(0)..]
    );
    assert!(html.contains("A comment worth reporting"));
    assert!(html.contains("<template data-comment-report>"));
    let res = alice
        .post(format!("{watch}/comments/{comment}/report"))
        .form(&[
            ("reason", "Spam link"),
            ("predefined_reason", "spamOrMisleading"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.url().as_str().ends_with("?reported=1"), "{}", res.url());
    let c = &list(&server, &admin, "?filter=comment").await["data"][0];
    assert_eq!(c["comment"]["id"], comment);
    assert_eq!(c["reason"], "Spam link");
    assert_eq!(c["predefinedReasons"], json!(["spamOrMisleading"]));
    assert_eq!(c["reporterAccount"]["name"], "alice");

    // A bad comment id and a too short reason come back as errors on the page.
    let res = alice
        .post(format!("{watch}/comments/abc/report"))
        .form(&[("reason", "Spam link")])
        .send()
        .await
        .unwrap();
    assert!(
        res.url().as_str().contains("report_error="),
        "{}",
        res.url()
    );
    assert!(res.text().await.unwrap().contains("role=\"alert\""));

    // The account page and the channel page (which reports the channel's owner).
    let account_page = page(&alice, &format!("{}/a/root", server.url)).await;
    assert!(account_page.contains(&format!("action=\"/a/root@{host}/report\"")));
    let res = alice
        .post(format!("{}/a/root@{host}/report", server.url))
        .form(&[("reason", "Impersonation")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.url().as_str().ends_with("?reported=1"), "{}", res.url());
    assert!(res.text().await.unwrap().contains("role=\"status\""));
    let channel_page = page(&alice, &format!("{}/c/root_channel", server.url)).await;
    assert!(channel_page.contains(&format!("action=\"/c/root_channel@{host}/report\"")));
    let res = alice
        .post(format!("{}/c/root_channel@{host}/report", server.url))
        .form(&[("reason", "x")])
        .send()
        .await
        .unwrap();
    assert!(
        res.url().as_str().contains("report_error="),
        "{}",
        res.url()
    );
    let res = alice
        .post(format!("{}/c/root_channel@{host}/report", server.url))
        .form(&[("reason", "Channel of spam")])
        .send()
        .await
        .unwrap();
    assert!(res.url().as_str().ends_with("?reported=1"), "{}", res.url());
    let accounts = list(&server, &admin, "?filter=account&sort=createdAt").await;
    let reasons: Vec<&str> = accounts["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, vec!["Impersonation", "Channel of spam"]);
    assert!(
        accounts["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["flaggedAccount"]["name"] == "root")
    );

    // No form on one's own account, none when signed out; a signed-out post goes to sign in.
    assert!(
        !page(&alice, &format!("{}/a/alice", server.url))
            .await
            .contains("/report\"")
    );
    let html = page(&http(), &format!("{}/a/root", server.url)).await;
    assert!(!html.contains("/report\""));
    let res = http()
        .post(format!("{}/a/root@{host}/report", server.url))
        .form(&[("reason", "Impersonation")])
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
