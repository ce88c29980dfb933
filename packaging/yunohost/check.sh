#!/usr/bin/env bash
# Static checks of the YunoHost package (a real test needs a YunoHost server or package_check):
# scripts parse and pass shellcheck, manifest.toml is TOML with the resources Kinora needs.
set -euo pipefail
cd "$(dirname "$0")"
fail=0
for script in scripts/*; do
    bash -n "$script" || fail=1
done
if command -v shellcheck >/dev/null; then
    # SC1091: helpers sourced from the YunoHost host; SC2154: variables YunoHost sets.
    (cd scripts && shellcheck -s bash -e SC1091,SC2154 install upgrade remove backup restore _common.sh) || fail=1
fi
python3 - <<'PY' || fail=1
import tomllib
m = tomllib.load(open("manifest.toml", "rb"))
assert m["packaging_format"] == 2, "packaging_format"
assert m["integration"]["helpers_version"] == "2.1", "helpers_version"
for key in ["sources", "system_user", "install_dir", "data_dir", "permissions", "ports"]:
    assert key in m["resources"], f"resources.{key} missing"
print(f"manifest {m['id']} {m['version']}: ok")
PY
for placeholder in __PORT__ __DOMAIN__; do
    grep -q "$placeholder" conf/kinora.toml || { echo "conf/kinora.toml lacks $placeholder" >&2; fail=1; }
done
grep -q 'X-Forwarded-For' conf/nginx.conf || { echo "nginx.conf lacks X-Forwarded-For" >&2; fail=1; }
grep -q '^trusted_proxies = "127.0.0.1/32' conf/kinora.toml || { echo "conf/kinora.toml does not trust nginx" >&2; fail=1; }
if [ "$fail" != 0 ]; then
    echo "yunohost package check FAILED" >&2
    exit 1
fi
echo "yunohost package check passed"
