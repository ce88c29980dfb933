//! Helpers of the tests that use the server-rendered pages as a browser would: a client that
//! keeps cookies and follows redirects, signing in through the login form, and reading a page.

use super::Server;

/// A client with a cookie store that follows redirects, like a browser.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(5))
        .build()
        .unwrap()
}

/// A browser signed in through the login form.
pub async fn sign_in(server: &Server, username: &str, password: &str) -> reqwest::Client {
    let client = browser();
    let res = client
        .post(format!("{}/login", server.url))
        .form(&[
            ("username", username),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "sign-in of {username}");
    client
}

/// Saves the edit page of video `uuid` (`/videos/manage/{uuid}`, URL-encoded) as `browser`:
/// channel 1, comments on, the name and privacy given, plus `fields`; the save must succeed (the
/// page comes back without `?error=`).
pub async fn edit_video(
    browser: &reqwest::Client,
    server: &Server,
    uuid: &str,
    name: &str,
    privacy: &str,
    fields: &[(&str, &str)],
) {
    let mut form = vec![
        ("name", name),
        ("channelId", "1"),
        ("privacy", privacy),
        ("commentsPolicy", "1"),
    ];
    form.extend_from_slice(fields);
    let res = browser
        .post(format!("{}/videos/manage/{uuid}", server.url))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(!res.url().as_str().contains("error="), "{}", res.url());
}

/// The body of a page that must answer 200.
pub async fn page(client: &reqwest::Client, url: &str) -> String {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.text().await.unwrap()
}
