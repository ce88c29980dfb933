#!/usr/bin/env python3
"""TLS benchmark: what HTTPS costs per request, and how long a certificate takes from an ACME CA.
Run by hand from the repository root, after `cargo build` (or with KINORA_BIN=path):

    python3 bench/tls.py [--requests 300]

1. Handshake overhead: two instances of the same binary, one plain HTTP and one serving an
   openssl-made ECDSA P-256 certificate (--tls-cert/--tls-key). For each, GET /api/v1/config
   with a new connection per request (TCP, plus the TLS 1.3 handshake for HTTPS) and then on one
   kept-alive connection. The reference is the plain instance in the same run.
2. ACME: with Debian's pebble and pebble-challtestsrv on loopback (skipped without them), the
   time from `kinora serve --domain` to the first HTTPS answer (account, order, TLS-ALPN-01
   validation, finalisation, download), then after a restart with the cached certificate.
Results go to docs/BENCHMARKS.md by hand.
"""
import argparse, http.client, json, os, shutil, signal, socket, ssl, statistics, subprocess, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("KINORA_BIN", os.path.join(ROOT, "target", "debug", "kinora"))
DOMAIN = "kinora.test"

def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

def openssl_cert(dir, name, names, ca=None):
    """An ECDSA P-256 key and certificate for `names`, signed by `ca` (key, cert) or self-signed CA."""
    key, crt = os.path.join(dir, f"{name}.key"), os.path.join(dir, f"{name}.crt")
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key], check=True)
    san = ",".join(("IP:" if n[0].isdigit() else "DNS:") + n for n in names)
    if ca is None:
        subprocess.run(["openssl", "req", "-x509", "-new", "-key", key, "-out", crt, "-days", "30", "-subj", f"/CN={name}",
                        "-addext", "basicConstraints=critical,CA:TRUE"], check=True, capture_output=True)
    else:
        csr = os.path.join(dir, f"{name}.csr")
        subprocess.run(["openssl", "req", "-new", "-key", key, "-out", csr, "-subj", f"/CN={name}"], check=True)
        ext = os.path.join(dir, f"{name}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={san}\n")
        subprocess.run(["openssl", "x509", "-req", "-in", csr, "-CA", ca[1], "-CAkey", ca[0], "-CAcreateserial",
                        "-out", crt, "-days", "30", "-extfile", ext], check=True, capture_output=True)
    return key, crt

def serve(data, args):
    p = subprocess.Popen([BIN, "--data-dir", data, "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True, env={**os.environ, "RUST_LOG": "warn"})
    for line in p.stdout:
        if "public URL" in line:
            return p, line.split("listening on ")[1].split(" ")[0].split("://")[1]
    raise RuntimeError("kinora did not start")

def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=60)

def timed(make_conn, n, keepalive):
    times, conn = [], None
    for _ in range(n):
        t = time.perf_counter()
        if conn is None or not keepalive:
            conn = make_conn()
        conn.request("GET", "/api/v1/config", headers={"Host": f"{DOMAIN}"})
        r = conn.getresponse(); r.read()
        assert r.status == 200, r.status
        times.append(time.perf_counter() - t)
        if not keepalive:
            conn.close()
    return statistics.median(times) * 1000

def overhead(n):
    work = tempfile.mkdtemp(prefix="kinora-tls-")
    try:
        ca = openssl_cert(work, "ca", [])
        key, crt = openssl_cert(work, "leaf", [DOMAIN], ca)
        plain, plain_addr = serve(os.path.join(work, "plain"), ["--listen", "127.0.0.1:0"])
        tls, tls_addr = serve(os.path.join(work, "tls"), ["--listen", "127.0.0.1:0", "--domain", DOMAIN, "--tls-cert", crt,
                                                          "--tls-key", key, "--redirect-listen", "off"])
        ctx = ssl.create_default_context(cafile=ca[1])
        host, port = tls_addr.rsplit(":", 1)
        phost, pport = plain_addr.rsplit(":", 1)
        https = lambda: http.client.HTTPSConnection(host, int(port), context=_sni(ctx), timeout=10)
        plain_conn = lambda: http.client.HTTPConnection(phost, int(pport), timeout=10)
        for f in (https, plain_conn):  # warm up
            timed(f, 20, False)
        rows = []
        for keepalive in (False, True):
            p = timed(plain_conn, n, keepalive)
            s = timed(https, n, keepalive)
            rows.append((keepalive, p, s))
        stop(plain); stop(tls)
        print("| connection | plain HTTP (median) | HTTPS (median) | ratio |")
        print("|---|---|---|---|")
        for keepalive, p, s in rows:
            what = "one kept-alive connection" if keepalive else "new connection per request"
            print(f"| {what} | {p:.2f} ms | {s:.2f} ms | {s / p:.2f}x |")
    finally:
        shutil.rmtree(work, ignore_errors=True)

class _sni:
    """An SSL context wrapper sending the test domain as SNI while connecting to 127.0.0.1."""
    def __init__(self, ctx):
        self.ctx = ctx
    def wrap_socket(self, sock, server_hostname=None, **kw):
        return self.ctx.wrap_socket(sock, server_hostname=DOMAIN, **kw)
    def __getattr__(self, name):
        return getattr(self.ctx, name)

def acme():
    if not shutil.which("pebble") or not shutil.which("pebble-challtestsrv"):
        print("ACME part skipped: pebble is not installed (apt-get install pebble)")
        return
    work = tempfile.mkdtemp(prefix="kinora-acme-")
    daemons = []
    try:
        dns = free_port(socket.SOCK_DGRAM)
        daemons.append(subprocess.Popen(["pebble-challtestsrv", "-dns01", f"127.0.0.1:{dns}", "-http01", "", "-https01", "",
                                         "-tlsalpn01", "", "-management", f"127.0.0.1:{free_port()}", "-defaultIPv4",
                                         "127.0.0.1", "-defaultIPv6", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        ca = openssl_cert(work, "pebble-ca", [])
        key, crt = openssl_cert(work, "pebble", ["localhost", "127.0.0.1"], ca)
        api, mgmt, https_port = free_port(), free_port(), free_port()
        cfg = os.path.join(work, "pebble.json")
        with open(cfg, "w") as f:
            json.dump({"pebble": {"listenAddress": f"127.0.0.1:{api}", "managementListenAddress": f"127.0.0.1:{mgmt}",
                                  "certificate": crt, "privateKey": key, "httpPort": free_port(), "tlsPort": https_port,
                                  "ocspResponderURL": "", "externalAccountBindingRequired": False}}, f)
        daemons.append(subprocess.Popen(["pebble", "-config", cfg, "-dnsserver", f"127.0.0.1:{dns}"],
                                        env={**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"},
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        api_ctx = ssl.create_default_context(cafile=ca[1])
        root = None
        for _ in range(100):
            try:
                root = urllib.request.urlopen(f"https://127.0.0.1:{mgmt}/roots/0", context=api_ctx, timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        root_file = os.path.join(work, "pebble-root.pem")
        with open(root_file, "wb") as f:
            f.write(root)
        ctx = _sni(ssl.create_default_context(cafile=root_file))
        args = ["--listen", f"127.0.0.1:{https_port}", "--domain", DOMAIN, "--acme-directory", f"https://127.0.0.1:{api}/dir",
                "--acme-ca-root", ca[1], "--redirect-listen", "off"]
        data = os.path.join(work, "data")
        results = []
        for label in ("new certificate (empty cache)", "restart with the cached certificate"):
            t0 = time.monotonic()
            p, _ = serve(data, args)
            while True:
                try:
                    c = http.client.HTTPSConnection("127.0.0.1", https_port, context=ctx, timeout=5)
                    c.request("GET", "/api/v1/config"); c.getresponse().read(); c.close()
                    break
                except (OSError, ssl.SSLError):
                    if time.monotonic() - t0 > 120:
                        raise
                    time.sleep(0.05)
            results.append((label, time.monotonic() - t0))
            stop(p)
        print("| start | to first HTTPS answer |")
        print("|---|---|")
        for label, t in results:
            print(f"| {label} | {t:.2f} s |")
    finally:
        for d in daemons:
            d.kill(); d.wait()
        shutil.rmtree(work, ignore_errors=True)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=300)
    a = ap.parse_args()
    print(f"binary: {BIN}")
    overhead(a.requests)
    acme()

if __name__ == "__main__":
    main()
