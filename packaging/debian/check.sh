#!/usr/bin/env bash
# Checks the Debian packaging: maintainer scripts parse, the systemd unit verifies, and (when
# cargo-deb is installed) the .deb builds and passes lintian and a look at its contents.
#
#   packaging/debian/check.sh            # static checks only
#   BUILD_DEB=1 packaging/debian/check.sh  # also build the .deb (needs cargo-deb; release build)
#   BUILD_DEB=1 DEB_PROFILE=dev packaging/debian/check.sh
#       # package the debug binary cargo test already built (stripped, fast compression): what
#       # tests/packaging_deb.rs runs in CI, which has no time for a release build
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=packaging/debian
fail=0

echo "== maintainer scripts"
for script in "$dir/postinst" "$dir/postrm"; do
    sh -n "$script" || fail=1
    # cargo-deb replaces every occurrence of the token, comments included: exactly one line.
    if [ "$(grep -c '#DEBHELPER#' "$script")" != 1 ] || ! grep -qx '#DEBHELPER#' "$script"; then
        echo "$script: needs exactly one #DEBHELPER# line" >&2
        fail=1
    fi
    [ -x "$script" ] || { echo "$script: not executable" >&2; fail=1; }
done
if command -v shellcheck >/dev/null; then
    shellcheck -s sh "$dir/postinst" "$dir/postrm" || fail=1
    shellcheck "$dir/check.sh" packaging/build-static.sh || fail=1
fi

echo "== systemd unit"
# systemd-analyze verify insists that ExecStart's program exists: point it at a stand-in.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's|^ExecStart=/usr/bin/kinora|ExecStart=/bin/true|' "$dir/kinora.service" >"$tmp/kinora.service"
if command -v systemd-analyze >/dev/null; then
    out=$(systemd-analyze verify "$tmp/kinora.service" 2>&1) || fail=1
    if [ -n "$out" ]; then echo "$out"; fail=1; fi
    systemd-analyze security --offline=yes "$tmp/kinora.service" | tail -1
else
    echo "systemd-analyze not installed: skipped"
fi
for key in 'User=kinora' 'ProtectSystem=strict' 'ReadWritePaths=/var/lib/kinora' \
    'NoNewPrivileges=yes' 'AmbientCapabilities=CAP_NET_BIND_SERVICE' \
    'CapabilityBoundingSet=CAP_NET_BIND_SERVICE' \
    'ExecStart=/usr/bin/kinora --data-dir /var/lib/kinora --config /etc/kinora/kinora.toml serve'; do
    grep -qxF "$key" "$dir/kinora.service" || { echo "unit lacks $key" >&2; fail=1; }
done

echo "== default configuration"
bin=""
for candidate in target/static/kinora target/release/kinora target/debug/kinora; do
    if [ -x "$candidate" ]; then bin=$candidate; break; fi
done
if [ -n "$bin" ]; then
    "$bin" --data-dir "$tmp/data" --config "$dir/kinora.toml" serve --print-config >/dev/null || fail=1
    echo "$dir/kinora.toml loads with $bin"
else
    echo "no kinora binary built: configuration not loaded"
fi

if [ "${BUILD_DEB:-0}" = 1 ]; then
    echo "== cargo deb"
    target="${TARGET:-x86_64-unknown-linux-gnu}"
    # cargo deb prints the path of the package it wrote as its last line.
    if [ -n "${DEB_PROFILE:-}" ]; then
        # cargo-deb maps the target/release/ asset to the profile's directory (and warns that
        # a dev profile is for testing only, which is what this is).
        deb=$(cargo deb --no-build --profile "$DEB_PROFILE" --strip --fast --quiet -o "$tmp/" | tail -1)
    elif [ -x "target/$target/release/kinora" ]; then
        # Reuse the static binary from packaging/build-static.sh.
        deb=$(cargo deb --no-build --target "$target" | tail -1)
    else
        deb=$(cargo deb | tail -1)
    fi
    echo "built $deb"
    dpkg-deb -I "$deb"
    # One listing in a variable: `dpkg-deb -c | grep -q` would die of SIGPIPE under pipefail.
    contents=$(dpkg-deb -c "$deb")
    echo "$contents"
    for path in ./usr/bin/kinora ./etc/kinora/kinora.toml ./usr/share/doc/kinora/changelog.Debian.gz; do
        grep -q " $path\$" <<<"$contents" || { echo "$deb lacks $path" >&2; fail=1; }
    done
    # cargo-deb installs units under /lib or /usr/lib depending on its version.
    grep -Eq ' \./(usr/)?lib/systemd/system/kinora\.service$' <<<"$contents" ||
        { echo "$deb lacks kinora.service" >&2; fail=1; }
    dpkg-deb -e "$deb" "$tmp/control"
    for script in postinst postrm prerm; do
        [ -f "$tmp/control/$script" ] && { sh -n "$tmp/control/$script" || fail=1; }
    done
    # The generated scripts: ours with cargo-deb's systemd part where #DEBHELPER# was.
    for expect in 'postinst:adduser --quiet --system' 'postinst:deb-systemd-helper' \
        'postinst:install -d -o kinora -g kinora -m 0750 /var/lib/kinora' \
        'prerm:deb-systemd-invoke stop' 'postrm:rm -rf /var/lib/kinora' \
        'postrm:deb-systemd-helper purge'; do
        script=${expect%%:*}
        grep -qF -- "${expect#*:}" "$tmp/control/$script" ||
            { echo "generated $script lacks: ${expect#*:}" >&2; fail=1; }
    done
    if grep -q '#DEBHELPER#' "$tmp/control/postinst" "$tmp/control/postrm"; then
        echo "#DEBHELPER# left in a generated script" >&2
        fail=1
    fi
    control=$(cat "$tmp/control/control")
    for field in 'Package: kinora' 'Section: video' 'Depends: adduser'; do
        grep -q "^$field" <<<"$control" || { echo "control lacks $field" >&2; fail=1; }
    done
    # The packaged binary runs and is the one built from this tree.
    dpkg-deb -x "$deb" "$tmp/root"
    "$tmp/root/usr/bin/kinora" --version || fail=1
    grep -qx '/etc/kinora/kinora.toml' "$tmp/control/conffiles" || { echo "kinora.toml is not a conffile" >&2; fail=1; }
    if command -v lintian >/dev/null; then
        # Errors fail the check; warnings are printed for a human.
        lintian --fail-on error "$deb" || fail=1
    else
        echo "lintian not installed: skipped"
    fi
fi

if [ "$fail" != 0 ]; then
    echo "packaging check FAILED" >&2
    exit 1
fi
echo "packaging check passed"
