"""Digest authentication through the real binary (RFC 3261 §22, RFC 7616, RFC 8760): REGISTER
challenged with 401, calls from local users with 407, SHA-256 and MD5, wrong passwords, stale
nonces, replayed nonce-counts, missing credentials, and what stays open."""

import hashlib
import os
import re
import subprocess
import time
import unittest
import uuid

from harness import BINARY, Switchboard, UdpPeer


def h(algorithm, text):
    return (hashlib.sha256 if algorithm == "SHA-256" else hashlib.md5)(text.encode()).hexdigest()


def parse_challenge(value):
    params = dict(re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', value) and
                  [(k, a or b) for k, a, b in re.findall(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', value)])
    return params


def credentials(method, uri, user, realm, password, challenge, algorithm, nc=1, cnonce="c0ffee"):
    ha1 = h(algorithm, "%s:%s:%s" % (user, realm, password))
    ha2 = h(algorithm, "%s:%s" % (method, uri))
    response = h(algorithm, "%s:%s:%08x:%s:auth:%s" % (ha1, challenge["nonce"], nc, cnonce, ha2))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s", algorithm=%s, '
            'cnonce="%s", qop=auth, nc=%08x' % (user, realm, challenge["nonce"], uri, response, algorithm,
                                                cnonce, nc))


class AuthTest(unittest.TestCase):
    config = "[auth]\nnonce_lifetime = 2\n"

    def setUp(self):
        self.sb = Switchboard(config=self.config).start()
        self.peer = UdpPeer()
        self.realm = "127.0.0.1"
        self.add_user("alice", "wonderland")

    def tearDown(self):
        self.peer.close()
        self.sb.cleanup()

    def add_user(self, name, password):
        pw = os.path.join(self.sb.workdir, "pw-" + name)
        with open(pw, "w") as f:
            f.write(password + "\n")
        out = subprocess.run([BINARY, "user", "--data-dir", os.path.join(self.sb.workdir, "var"), "add",
                              "%s@127.0.0.1" % name, "--password-file", pw], capture_output=True, text=True,
                             timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        time.sleep(0.6)

    def register(self, user="alice", authorization=None, call_id=None, cseq=1):
        uri = "sip:127.0.0.1:%d" % self.sb.udp_port
        msg = ("REGISTER {uri} SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{b};rport\r\n"
               "Max-Forwards: 70\r\nFrom: <sip:{user}@127.0.0.1>;tag=t{b}\r\nTo: <sip:{user}@127.0.0.1>\r\n"
               "Call-ID: {cid}\r\nCSeq: {cseq} REGISTER\r\nContact: <sip:{user}@127.0.0.1:{port}>\r\n"
               "Expires: 600\r\n{auth}Content-Length: 0\r\n\r\n").format(
            uri=uri, port=self.peer.port, b=uuid.uuid4().hex[:10], user=user, cid=call_id or uuid.uuid4().hex,
            cseq=cseq, auth="Authorization: %s\r\n" % authorization if authorization else "")
        return self.peer.request(self.sb.udp_port, msg), uri

    def invite(self, caller="alice", callee="bob", domain="127.0.0.1", authorization=None):
        uri = "sip:%s@127.0.0.1:%d" % (callee, self.sb.udp_port)
        msg = ("INVITE {uri} SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{b};rport\r\n"
               "Max-Forwards: 70\r\nFrom: <sip:{caller}@{domain}>;tag=t{b}\r\nTo: <sip:{callee}@127.0.0.1>\r\n"
               "Call-ID: {cid}\r\nCSeq: 1 INVITE\r\nContact: <sip:{caller}@127.0.0.1:{port}>\r\n"
               "{auth}Content-Length: 0\r\n\r\n").format(
            uri=uri, port=self.peer.port, b=uuid.uuid4().hex[:10], caller=caller, callee=callee, domain=domain,
            cid=uuid.uuid4().hex, auth="Proxy-Authorization: %s\r\n" % authorization if authorization else "")
        return self.peer.request(self.sb.udp_port, msg), uri

    def challenges(self, response, header):
        found = [parse_challenge(v) for v in response.all(header)]
        self.assertTrue(found, response)
        return found

    def test_register_is_challenged_and_accepts_sha256_and_md5(self):
        r, uri = self.register()
        self.assertEqual(r.status, 401)
        offered = self.challenges(r, "www-authenticate")
        self.assertEqual([c.get("algorithm") for c in offered], ["SHA-256", "MD5"])
        self.assertEqual(offered[0]["realm"], self.realm)
        self.assertEqual(offered[0]["qop"], "auth")
        for nc, challenge in enumerate(offered, start=1):
            call_id = uuid.uuid4().hex
            # Both challenges carry one nonce: each use of it needs a higher nonce-count.
            auth = credentials("REGISTER", uri, "alice", self.realm, "wonderland", challenge,
                               challenge["algorithm"], nc=nc)
            r, _ = self.register(authorization=auth, call_id=call_id, cseq=2)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.all("contact"))

    def test_wrong_password_and_missing_credentials(self):
        r, uri = self.register()
        challenge = self.challenges(r, "www-authenticate")[0]
        r, _ = self.register(authorization=credentials("REGISTER", uri, "alice", self.realm, "guess",
                                                       challenge, "SHA-256"))
        self.assertEqual(r.status, 401)
        self.assertNotIn("stale=true", r.get("www-authenticate"))
        self.assertTrue(self.sb.wait_output("failed authentication"), self.sb.output())

    def test_stale_nonce_is_marked_stale(self):
        r, uri = self.register()
        challenge = self.challenges(r, "www-authenticate")[0]
        time.sleep(3)  # nonce_lifetime = 2
        r, _ = self.register(authorization=credentials("REGISTER", uri, "alice", self.realm, "wonderland",
                                                       challenge, "SHA-256"))
        self.assertEqual(r.status, 401)
        self.assertIn("stale=true", r.get("www-authenticate"))

    def test_replayed_nonce_count_is_refused(self):
        r, uri = self.register()
        challenge = self.challenges(r, "www-authenticate")[0]
        auth = credentials("REGISTER", uri, "alice", self.realm, "wonderland", challenge, "SHA-256", nc=1)
        self.assertEqual(self.register(authorization=auth)[0].status, 200)
        self.assertEqual(self.register(authorization=auth)[0].status, 401)  # the same nc again
        auth2 = credentials("REGISTER", uri, "alice", self.realm, "wonderland", challenge, "SHA-256", nc=2)
        self.assertEqual(self.register(authorization=auth2)[0].status, 200)

    def test_calls_from_a_local_user_need_credentials(self):
        r, uri = self.invite()
        self.assertEqual(r.status, 407)
        challenge = self.challenges(r, "proxy-authenticate")[0]
        r, _ = self.invite(authorization=credentials("INVITE", uri, "alice", self.realm, "wonderland",
                                                     challenge, "SHA-256"))
        self.assertEqual(r.status, 404)  # authenticated; bob just does not exist

    def test_what_stays_open(self):
        # A name without a password registers freely in the default "users" mode ...
        r, _ = self.register(user="guest")
        self.assertEqual(r.status, 200)
        # ... and calls from another domain to our users are not challenged.
        r, _ = self.invite(caller="x", domain="elsewhere.example")
        self.assertEqual(r.status, 404)


class RequiredAuthTest(AuthTest):
    # With "required", name the served domains: with none, every domain is ours, and a caller
    # from elsewhere could not be told from an unknown local user.
    config = '[server]\ndomains = ["127.0.0.1"]\n[auth]\nmode = "required"\nnonce_lifetime = 2\n'

    def test_what_stays_open(self):
        r, _ = self.register(user="guest")
        self.assertEqual((r.status, r.reason), (403, "Forbidden (unknown user)"))
        r, _ = self.invite(caller="x", domain="elsewhere.example")
        self.assertEqual(r.status, 404)


if __name__ == "__main__":
    unittest.main()
