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

/// The body of a page that must answer 200.
pub async fn page(client: &reqwest::Client, url: &str) -> String {
    let res = client.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.text().await.unwrap()
}
