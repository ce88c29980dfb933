//! Build steps that `cargo build` runs before compiling Kinora:
//! - records the git commit the binary is built from, for `kinora --version` and `/api/v1/config`;
//! - bundles and minifies the front-end (`web/src`, TypeScript and CSS) with esbuild through
//!   `web/build.mjs` into `$OUT_DIR/web`, which `src/http/assets.rs` embeds. It runs `npm ci` in
//!   `web/` first when `web/node_modules` is missing, so a fresh clone builds with cargo alone.

use std::path::{Path, PathBuf};
use std::process::{Command, exit};

fn main() {
    stamp_git_commit();
    build_front_end();
}

fn stamp_git_commit() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=KINORA_GIT_COMMIT={commit}");
    // Rebuild the stamp when HEAD moves; the paths may not exist outside a checkout.
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Stops the build with a message a person can act on.
fn fail(message: &str) -> ! {
    eprintln!("\nerror: building Kinora's web front-end: {message}\n");
    exit(1);
}

fn run(command: &mut Command, what: &str) {
    match command.status() {
        Ok(status) if status.success() => {}
        Ok(status) => fail(&format!("`{what}` failed ({status})")),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => fail(&format!(
            "`{what}` needs Node.js and npm (18 or newer), which were not found: install them \
             (Debian: apt-get install nodejs npm) and build again. They are needed to build \
             only, never to run Kinora."
        )),
        Err(e) => fail(&format!("cannot run `{what}`: {e}")),
    }
}

fn build_front_end() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let web = root.join("web");
    for input in ["src", "build.mjs", "package.json", "package-lock.json"] {
        println!("cargo:rerun-if-changed=web/{input}");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("web");
    if !Path::new(&web.join("node_modules/.package-lock.json")).exists() {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&web),
            "npm ci (in web/)",
        );
    }
    run(
        Command::new("node")
            .arg(web.join("build.mjs"))
            .arg(&out)
            .current_dir(&web),
        "node web/build.mjs",
    );
}
