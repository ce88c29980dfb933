//! Test harness: starts the real `kinora` binary on 127.0.0.1 with an ephemeral port and a
//! temporary data directory, and offers small helpers for the API. Every integration test
//! reuses it.
#![allow(dead_code)]

pub mod fed;
pub mod notify;
pub mod web;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_kinora");

pub struct Server {
    child: Option<Child>,
    pub url: String,
    pub data_dir: PathBuf,
    /// The generated administrator password, when this start created the administrator.
    pub admin_password: Option<String>,
    pub stdout: Vec<String>,
    _temp: Option<tempfile::TempDir>,
}

#[derive(Default)]
pub struct Options<'a> {
    pub args: Vec<&'a str>,
    pub env: Vec<(&'a str, &'a str)>,
}

impl Server {
    /// A fresh instance in a new temporary directory.
    pub fn start() -> Server {
        Server::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Server {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = temp.path().to_path_buf();
        let mut server = Server::start_in(&dir, options);
        server._temp = Some(temp);
        server
    }

    /// Starts (or restarts) an instance on an existing data directory.
    pub fn start_in(data_dir: &Path, options: Options) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("test-server.log"))
            .expect("log file");
        let mut cmd = Command::new(BIN);
        cmd.arg("--data-dir").arg(data_dir).arg("serve");
        // An ephemeral port on 127.0.0.1 unless the test names its own address.
        if !options.args.contains(&"--listen") {
            cmd.arg("--listen").arg("127.0.0.1:0");
        }
        cmd.args(&options.args)
            .env_remove("KINORA_DATA_DIR")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start kinora");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut lines = Vec::new();
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    let found = line
                        .split("public URL ")
                        .nth(1)
                        .map(|rest| rest.trim_end_matches(')').to_string());
                    lines.push(line);
                    if let Some(url) = found {
                        break url;
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let log = std::fs::read_to_string(data_dir.join("test-server.log"))
                        .unwrap_or_default();
                    panic!("kinora did not start; stdout: {lines:?}\nlog:\n{log}");
                }
            }
        };
        // The administrator block, when there is one, is written with the listening line.
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(300)) {
            let done = line.starts_with("This password is shown only once");
            lines.push(line);
            if done {
                break;
            }
        }
        let admin_password = lines
            .iter()
            .find_map(|l| l.trim().strip_prefix("password: ").map(str::to_string));
        Server {
            child: Some(child),
            url,
            data_dir: data_dir.to_path_buf(),
            admin_password,
            stdout: lines,
            _temp: None,
        }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server running");
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not stop within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops this process and starts a new one on the same data directory.
    pub fn restart(mut self, options: Options) -> Server {
        assert!(self.stop().success());
        self.respawn(options)
    }

    /// Kills the process as `kill -9` would: no cleanup of any kind.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits (up to a minute) for the process to end by itself, as at a crash point.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let child = self.child.as_mut().expect("server running");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts a new process on this data directory after the old one ended (stopped, killed or
    /// crashed); the administrator's password carries over.
    pub fn respawn(mut self, options: Options) -> Server {
        self.kill();
        let mut next = Server::start_in(&self.data_dir.clone(), options);
        next._temp = self._temp.take();
        next.admin_password = self.admin_password.take();
        next
    }

    /// The server's process id (for signals such as SIGHUP).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server running").id()
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("test-server.log")).unwrap_or_default()
    }

    /// The local OAuth client credentials.
    pub async fn client_credentials(&self) -> (String, String) {
        let v: Value = http()
            .get(self.api("/oauth-clients/local"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        (
            v["client_id"].as_str().unwrap().to_string(),
            v["client_secret"].as_str().unwrap().to_string(),
        )
    }

    /// The raw response of a password grant.
    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        let (id, secret) = self.client_credentials().await;
        http()
            .post(self.api("/users/token"))
            .form(&[
                ("client_id", id.as_str()),
                ("client_secret", secret.as_str()),
                ("grant_type", "password"),
                ("response_type", "code"),
                ("scope", "upload"),
                ("username", username),
                ("password", password),
            ])
            .send()
            .await
            .unwrap()
    }

    /// An access token, or a panic with the server's answer.
    pub async fn token(&self, username: &str, password: &str) -> String {
        let res = self.login(username, password).await;
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "login of {username} failed: {body}");
        body["access_token"].as_str().unwrap().to_string()
    }

    pub async fn admin_token(&self) -> String {
        let password = self
            .admin_password
            .clone()
            .expect("admin password printed at first start");
        self.token("root", &password).await
    }

    /// Creates a user through the admin API and returns (user id, token).
    pub async fn create_user(&self, admin: &str, username: &str, role: u8) -> (i64, String) {
        let res = http()
            .post(self.api("/users"))
            .bearer_auth(admin)
            .json(&serde_json::json!({
                "username": username, "password": "secret-pass-1", "email": format!("{username}@example.org"), "role": role
            }))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!(status, 200, "create {username}: {body}");
        let id = body["user"]["id"].as_i64().unwrap();
        (id, self.token(username, "secret-pass-1").await)
    }
}

impl Server {
    /// `n` fresh instances that may federate with each other over loopback (the testing flag).
    pub fn start_federated(n: usize) -> Vec<Server> {
        (0..n)
            .map(|_| {
                Server::start_with(Options {
                    args: vec!["--federation-allow-private-addresses"],
                    ..Default::default()
                })
            })
            .collect()
    }

    /// `host:port` of this instance.
    pub fn host(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Asserts a PeerTube-style problem JSON answer with this status; returns the body.
pub async fn expect_problem(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "unexpected status; body: {text}");
    assert!(
        content_type.starts_with("application/problem+json"),
        "content-type {content_type}; body {text}"
    );
    let body: Value = serde_json::from_str(&text).expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string() && body["detail"].is_string() && body["type"].is_string(),
        "{body}"
    );
    body
}

/// Runs the binary with arguments, returning (exit success, stdout, stderr).
pub fn run_cli(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> (bool, String, String) {
    use std::io::Write;
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("KINORA_DATA_DIR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run kinora");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The resolutions of a video's HLS files, in the order the API lists them.
pub fn resolutions(video: &Value) -> Vec<i64> {
    video["streamingPlaylists"][0]["files"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["resolution"]["id"].as_i64().unwrap())
                .collect()
        })
        .unwrap_or_default()
}

/// A PNG of that size, its pixels a gradient tinted by `seed`.
pub fn png(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 3) as u8, (y * 5) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Uploads a PNG as `field` (`avatarfile` or `bannerfile`) to `path` (such as
/// `/users/me/avatar/pick`); the answer.
pub async fn pick_image(
    server: &Server,
    token: &str,
    path: &str,
    field: &str,
    png: Vec<u8>,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        field.to_string(),
        reqwest::multipart::Part::bytes(png)
            .file_name("picked.png")
            .mime_str("image/png")
            .unwrap(),
    );
    http()
        .post(server.api(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A file from `tests/fixtures/media`.
pub fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/media/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

impl Server {
    /// The id of the user's first channel.
    pub async fn channel_id(&self, token: &str) -> i64 {
        let me: Value = http()
            .get(self.api("/users/me"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        me["videoChannels"][0]["id"].as_i64().unwrap()
    }

    /// A legacy multipart upload of a fixture with extra form fields; the raw response.
    pub async fn upload(
        &self,
        token: &str,
        file: &str,
        fields: &[(&str, String)],
    ) -> reqwest::Response {
        self.upload_bytes(token, file, fixture(file), fields).await
    }

    /// Opens a resumable upload session of `size` bytes with the metadata `meta`; returns
    /// its `Location`.
    pub async fn start_resumable(&self, token: &str, meta: &Value, size: usize) -> String {
        let res = http()
            .post(self.api("/videos/upload-resumable"))
            .bearer_auth(token)
            .header("x-upload-content-length", size.to_string())
            .header("x-upload-content-type", "video/mp4")
            .json(meta)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        res.headers()["location"].to_str().unwrap().to_string()
    }

    /// Sends the whole of a resumable upload as one chunk.
    pub async fn put_whole(&self, token: &str, location: &str, bytes: &[u8]) -> reqwest::Response {
        http()
            .put(location)
            .bearer_auth(token)
            .header(
                "content-range",
                format!("bytes 0-{}/{}", bytes.len() - 1, bytes.len()),
            )
            .body(bytes.to_vec())
            .send()
            .await
            .unwrap()
    }

    /// A legacy multipart upload of `bytes` named `file`, with extra form fields.
    pub async fn upload_bytes(
        &self,
        token: &str,
        file: &str,
        bytes: Vec<u8>,
        fields: &[(&str, String)],
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().part(
            "videofile",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(file.to_string())
                .mime_str("video/mp4")
                .unwrap(),
        );
        for (k, v) in fields {
            form = form.text(k.to_string(), v.clone());
        }
        http()
            .post(self.api("/videos/upload"))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// `PUT /videos/{uuid}/captions/{lang}` with `body` as the caption file `name`; the raw
    /// response.
    pub async fn put_caption(
        &self,
        token: &str,
        uuid: &str,
        lang: &str,
        name: &str,
        body: &str,
    ) -> reqwest::Response {
        let form = reqwest::multipart::Form::new().part(
            "captionfile",
            reqwest::multipart::Part::bytes(body.as_bytes().to_vec()).file_name(name.to_string()),
        );
        http()
            .put(self.api(&format!("/videos/{uuid}/captions/{lang}")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// `PUT /videos/{uuid}` with a JSON body; the raw response.
    /// `GET /videos/{uuid}`, as `token`'s user or anonymously; the video must be visible.
    pub async fn get_video(&self, uuid: &str, token: Option<&str>) -> Value {
        let (status, video) = fed::get_json(&self.api(&format!("/videos/{uuid}")), token).await;
        assert_eq!(status, 200, "{video}");
        video
    }

    pub async fn put_video(&self, token: &str, uuid: &str, changes: &Value) -> reqwest::Response {
        http()
            .put(self.api(&format!("/videos/{uuid}")))
            .bearer_auth(token)
            .json(changes)
            .send()
            .await
            .unwrap()
    }

    /// Polls a video until it leaves state 2 (to transcode); its JSON then.
    pub async fn wait_processed(&self, token: &str, uuid: &str) -> Value {
        self.wait_for(token, uuid, "processed", |v| v["state"]["id"] != 2)
            .await
    }

    /// Polls a video (for up to a minute) until `done` holds; its JSON then.
    pub async fn wait_for(
        &self,
        token: &str,
        uuid: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        for _ in 0..600 {
            let v: Value = http()
                .get(self.api(&format!("/videos/{uuid}")))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if done(&v) {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("video {uuid} was never {what}; log:\n{}", self.log());
    }

    /// Uploads a fixture into the user's first channel and waits until it is processed.
    pub async fn publish(&self, token: &str, file: &str, fields: &[(&str, String)]) -> Value {
        let mut all = vec![("channelId", self.channel_id(token).await.to_string())];
        all.extend(fields.iter().cloned());
        let res = self.upload(token, file, &all).await;
        assert_eq!(res.status(), 200);
        let created: Value = res.json().await.unwrap();
        self.wait_processed(token, created["video"]["uuid"].as_str().unwrap())
            .await
    }
}
