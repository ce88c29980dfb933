//! The Debian package, built in CI: `packaging/debian/check.sh` with `BUILD_DEB=1
//! DEB_PROFILE=dev` packages the debug binary this `cargo test` run built (CI has no time for a
//! release build), then checks the contents (`dpkg-deb -c`), the control fields, the maintainer
//! scripts cargo-deb generated, that the packaged binary runs, and lintian (errors only) when
//! installed; plus the unit (`systemd-analyze verify`) and shellcheck when installed.
//!
//! Skipped with a message when cargo-deb is not installed, unless `KINORA_REQUIRE_CARGO_DEB=1`
//! (set by `.ci/run`, which installs it).

use std::process::Command;

#[test]
fn debian_package_builds_from_the_debug_binary_and_passes_its_checks() {
    let have_cargo_deb = Command::new("cargo")
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_cargo_deb {
        assert!(
            std::env::var("KINORA_REQUIRE_CARGO_DEB").as_deref() != Ok("1"),
            "KINORA_REQUIRE_CARGO_DEB=1 but cargo-deb is not installed"
        );
        eprintln!("SKIPPED packaging_deb: cargo-deb is not installed (cargo install cargo-deb)");
        return;
    }
    // The binary cargo built for this test run is the one packaged.
    assert!(
        std::path::Path::new(env!("CARGO_BIN_EXE_kinora")).ends_with("debug/kinora"),
        "{}",
        env!("CARGO_BIN_EXE_kinora")
    );
    let out = Command::new("bash")
        .arg("packaging/debian/check.sh")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("BUILD_DEB", "1")
        .env("DEB_PROFILE", "dev")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("packaging check passed"), "{stdout}");
    assert!(stdout.contains(" ./usr/bin/kinora"), "{stdout}");
    assert!(
        stdout.contains(&format!("kinora {}", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
}
