"""An ActivityPub peer that no one at Kinora wrote the signatures of: a small server whose HTTP
signatures (draft-cavage, rsa-sha256, with a SHA-256 digest) are made and checked by the
published `bovine` library (tests/peer/requirements.txt), for tests/federation_bovine.rs.

One Person actor, `carol`. Every POST to its inboxes must carry a signature that bovine
verifies against the sender's key, fetched with a GET that bovine signs; the GETs of carol's
own actor are checked the same way and recorded. A control API on the same port lets the
test make carol act and see what she received:

- POST /control/lookup {"handle", "origin"} finds an actor by WebFinger and fetches it.
- POST /control/send {"inbox", "activity", "tamper"?, "unsigned"?} signs and posts an
  activity (whose object carol then serves at its id); answers {"status", "body"}.
- GET /control/received lists what arrived in carol's inboxes, each with the actor bovine
  verified it as ("verified", null when refused).
- GET /control/fetches lists the GETs of carol's actor and who signed them.

Usage: bovine_peer.py (prints "ready http://127.0.0.1:PORT" once listening on a free port).
"""

import asyncio
import json
import logging
import sys

import aiohttp
from aiohttp import web

from bovine.clients import lookup_uri_with_webfinger
from bovine.clients.signed_http import SignedHttpClient, legacy_digest_method
from bovine.clients.utils import host_target_from_url
from bovine.crypto import build_validate_http_signature_raw, generate_rsa_public_private_key
from bovine.crypto.http_signature import build_signature
from bovine.crypto.types import CryptographicIdentifier
from bovine.utils import get_gmt_now, webfinger_response_json

AP = "application/activity+json"
NAME = "carol"


class Peer:
    def __init__(self, session: aiohttp.ClientSession):
        self.session = session
        self.public_pem, self.private_pem = generate_rsa_public_private_key()
        self.base = ""  # set once the port is known
        self.received = []
        self.fetches = []
        self.objects = {}
        self.validate = build_validate_http_signature_raw(self.retrieve_key)

    @property
    def actor_id(self) -> str:
        return f"{self.base}/users/{NAME}"

    def client(self) -> SignedHttpClient:
        return SignedHttpClient(self.session, f"{self.actor_id}#main-key", self.private_pem)

    async def retrieve_key(self, key_id: str):
        """The sender's key, from its actor document, fetched with a signed GET."""
        response = await self.client().get(key_id.split("#")[0])
        if response.status != 200:
            logging.warning("key %s: HTTP %s", key_id, response.status)
            return None
        data = json.loads(await response.text())
        return CryptographicIdentifier.from_public_key(data.get("publicKey", data))

    async def verified(self, request: web.Request, body: bytes) -> str | None:
        async def read_body():
            return body

        return await self.validate(request.method, str(request.url), request.headers, read_body)

    def actor(self) -> dict:
        return {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1",
            ],
            "id": self.actor_id,
            "type": "Person",
            "preferredUsername": NAME,
            "name": "Carol (bovine)",
            "url": self.actor_id,
            "inbox": f"{self.actor_id}/inbox",
            "outbox": f"{self.actor_id}/outbox",
            "followers": f"{self.actor_id}/followers",
            "following": f"{self.actor_id}/following",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": f"{self.actor_id}#main-key",
                "owner": self.actor_id,
                "publicKeyPem": self.public_pem,
            },
        }

    async def get_actor(self, request: web.Request) -> web.Response:
        owner = await self.verified(request, b"")
        self.fetches.append({"signed": "signature" in request.headers, "verified": owner})
        return web.json_response(self.actor(), content_type=AP)

    async def get_object(self, request: web.Request) -> web.Response:
        found = self.objects.get(f"{self.base}{request.path}")
        if found is None:
            return web.json_response({"error": "not found"}, status=404)
        return web.json_response(found, content_type=AP)

    async def webfinger(self, request: web.Request) -> web.Response:
        host = self.base.split("://", 1)[1]
        account = f"acct:{NAME}@{host}"
        if request.query.get("resource") != account:
            return web.json_response({"error": "unknown resource"}, status=404)
        return web.json_response(webfinger_response_json(account, self.actor_id))

    async def inbox(self, request: web.Request) -> web.Response:
        body = await request.read()
        owner = await self.verified(request, body)
        try:
            activity = json.loads(body)
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        # bovine names the key's controller; it must also be the activity's actor.
        if owner is not None and owner != activity.get("actor"):
            owner = None
        self.received.append({"path": request.path, "verified": owner, "activity": activity})
        if owner is None:
            return web.json_response({"error": "signature not verified"}, status=401)
        return web.Response(status=202)

    async def send(self, request: web.Request) -> web.Response:
        order = await request.json()
        activity = order["activity"]
        thing = activity.get("object")
        if isinstance(thing, dict) and str(thing.get("id", "")).startswith(self.base):
            self.objects[thing["id"]] = {"@context": activity.get("@context"), **thing}
        body = json.dumps(activity)
        if order.get("unsigned"):
            response = await self.session.post(
                order["inbox"], data=body, headers={"content-type": AP}
            )
        elif order.get("tamper"):
            # Headers signed by bovine for one body, sent with another: the digest is wrong.
            host, target = host_target_from_url(order["inbox"])
            signing = (
                build_signature(host, "post", target)
                .with_field("date", get_gmt_now())
                .with_field(*legacy_digest_method(body.encode("utf-8")))
                .with_field("content-type", AP)
            )
            headers = {
                **signing.headers,
                "signature": signing.sign_for_http_draft(self.client().secret),
            }
            tampered = json.dumps({**activity, "content": "tampered"})
            response = await self.session.post(order["inbox"], data=tampered, headers=headers)
        else:
            response = await self.client().post(order["inbox"], body)
        text = await response.text()
        return web.json_response({"status": response.status, "body": text})

    async def lookup(self, request: web.Request) -> web.Response:
        """A handle resolved as a fediverse server would: bovine's WebFinger look-up, then a
        signed GET of the actor it names."""
        order = await request.json()
        actor_id, _ = await lookup_uri_with_webfinger(
            self.session, f"acct:{order['handle']}", domain=order["origin"]
        )
        if actor_id is None:
            return web.json_response({"error": "webfinger found nothing"}, status=404)
        response = await self.client().get(actor_id)
        return web.json_response({"status": response.status, "actor": json.loads(await response.text())})

    async def control_received(self, _request: web.Request) -> web.Response:
        return web.json_response(self.received)

    async def control_fetches(self, _request: web.Request) -> web.Response:
        return web.json_response(self.fetches)


async def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    async with aiohttp.ClientSession() as session:
        peer = Peer(session)
        app = web.Application()
        app.add_routes(
            [
                web.get(f"/users/{NAME}", peer.get_actor),
                web.post(f"/users/{NAME}/inbox", peer.inbox),
                web.post("/inbox", peer.inbox),
                web.get("/notes/{n}", peer.get_object),
                web.get("/activities/{n}", peer.get_object),
                web.get("/.well-known/webfinger", peer.webfinger),
                web.post("/control/lookup", peer.lookup),
                web.post("/control/send", peer.send),
                web.get("/control/received", peer.control_received),
                web.get("/control/fetches", peer.control_fetches),
            ]
        )
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        peer.base = f"http://127.0.0.1:{port}"
        print(f"ready {peer.base}", flush=True)
        # Until the test kills us, or closes our standard input.
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
