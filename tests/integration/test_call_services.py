"""Call services through the real binary: forwarding rules, do-not-disturb, block lists,
per-user and per-domain redirect, known and unknown users, and translated reason phrases on
the wire."""

import os
import subprocess
import time
import unittest
import uuid

from harness import BINARY, Switchboard, UdpPeer, register
from test_nat import answer, receive_request


def invite(peer, server_port, callee, call_id, caller="alice", branch=None, domain=None):
    """An INVITE for callee@127.0.0.1 (the server's address), or callee@domain."""
    host = domain or "127.0.0.1:%d" % server_port
    return (
        "INVITE sip:{callee}@{host} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:{caller}@127.0.0.1>;tag=f{tag}\r\n"
        "To: <sip:{callee}@{to}>\r\n"
        "Call-ID: {call_id}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:{caller}@127.0.0.1:{port}>\r\n"
        "Content-Length: 0\r\n\r\n"
    ).format(callee=callee, host=host, to=domain or "127.0.0.1", port=peer.port, branch=branch or uuid.uuid4().hex[:10],
             caller=caller, tag=uuid.uuid4().hex[:6], call_id=call_id)


def final_response(peer, call_id=None, timeout=5):
    """The first final response (to `call_id` when given: earlier calls' responses are
    retransmitted until acknowledged, and these tests do not acknowledge them)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        r = peer.receive(deadline - time.time())
        if r is None:
            return None
        if r.status >= 200 and (call_id is None or r.get("call-id") == call_id):
            return r
    return None


class CallServicesTest(unittest.TestCase):
    config = ""

    def setUp(self):
        self.sb = Switchboard(config=self.config).start()
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()
        self.sb.cleanup()

    def peer(self):
        p = UdpPeer()
        self.peers.append(p)
        return p

    def user(self, *args):
        out = subprocess.run([BINARY, "user", "--data-dir", os.path.join(self.sb.workdir, "var")] + list(args),
                             capture_output=True, text=True, input="secret\n", timeout=20)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        time.sleep(0.6)  # the server rereads the user database at most every 0.5 s
        return out.stdout

    def phone(self, name):
        p = self.peer()
        r = register(name, "<sip:%s@127.0.0.1:%d>" % (name, p.port), self.sb.udp_port, p, 600)
        self.assertEqual(r.status, 200, r)
        return p

    def call(self, caller_peer, callee):
        call_id = uuid.uuid4().hex
        caller_peer.send(self.sb.udp_port, invite(caller_peer, self.sb.udp_port, callee, call_id))
        return call_id


class ForwardingTest(CallServicesTest):
    def test_do_not_disturb_and_block_list(self):
        self.user("add", "bob@127.0.0.1", "--no-password")
        bob = self.phone("bob")
        alice = self.peer()
        self.user("set", "bob@127.0.0.1", "--dnd", "true")
        self.call(alice, "bob")
        r = final_response(alice)
        self.assertEqual((r.status, r.reason), (486, "Busy Here (do not disturb)"))
        self.assertIsNone(receive_request(bob, "INVITE", timeout=0.5))
        self.user("set", "bob@127.0.0.1", "--dnd", "false", "--block", "alice@127.0.0.1")
        call_id = self.call(alice, "bob")
        self.assertEqual(final_response(alice, call_id).status, 603)
        self.assertIsNone(receive_request(bob, "INVITE", timeout=0.5))

    def test_forward_always_rings_the_target_with_a_diversion(self):
        self.user("add", "bob@127.0.0.1", "--no-password")
        self.user("set", "bob@127.0.0.1", "--forward", "always=carol@127.0.0.1")
        bob = self.phone("bob")
        carol = self.phone("carol")
        alice = self.peer()
        self.call(alice, "bob")
        inv = receive_request(carol, "INVITE")
        self.assertIsNotNone(inv, "the call was not forwarded to carol")
        self.assertIn("reason=unconditional", inv.get("diversion"))
        self.assertIn("sip:bob@127.0.0.1", inv.get("diversion"))
        self.assertIsNone(receive_request(bob, "INVITE", timeout=0.3))
        carol.send(self.sb.udp_port, answer(inv, 200, "c1"))
        self.assertEqual(final_response(alice).status, 200)

    def test_forward_on_busy(self):
        self.user("add", "bob@127.0.0.1", "--no-password")
        self.user("set", "bob@127.0.0.1", "--forward", "busy=carol@127.0.0.1")
        bob = self.phone("bob")
        carol = self.phone("carol")
        alice = self.peer()
        self.call(alice, "bob")
        inv = receive_request(bob, "INVITE")
        bob.send(self.sb.udp_port, answer(inv, 486, "b1"))
        fwd = receive_request(carol, "INVITE")
        self.assertIsNotNone(fwd, "busy did not forward to carol")
        self.assertIn("reason=user-busy", fwd.get("diversion"))
        carol.send(self.sb.udp_port, answer(fwd, 200, "c1"))
        r = final_response(alice)
        self.assertEqual(r.status, 200)

    def test_forward_on_no_answer_after_the_configured_time(self):
        self.user("add", "bob@127.0.0.1", "--no-password")
        self.user("set", "bob@127.0.0.1", "--forward", "no-answer=carol@127.0.0.1/2")
        bob = self.phone("bob")
        carol = self.phone("carol")
        alice = self.peer()
        start = time.time()
        self.call(alice, "bob")
        inv = receive_request(bob, "INVITE")
        bob.send(self.sb.udp_port, answer(inv, 180, "b1"))
        fwd = receive_request(carol, "INVITE", timeout=5)
        self.assertIsNotNone(fwd, "no answer did not forward to carol")
        self.assertGreater(time.time() - start, 1.8)
        cancel = receive_request(bob, "CANCEL", timeout=2)
        self.assertIsNotNone(cancel, "bob's phone kept ringing")
        carol.send(self.sb.udp_port, answer(fwd, 200, "c1"))
        self.assertEqual(final_response(alice).status, 200)

    def test_forward_when_unavailable_and_known_versus_unknown_users(self):
        self.user("add", "bob@127.0.0.1", "--no-password")
        self.user("add", "dave@127.0.0.1", "--no-password")
        self.user("set", "bob@127.0.0.1", "--forward", "unavailable=carol@127.0.0.1")
        carol = self.phone("carol")
        alice = self.peer()
        self.call(alice, "bob")
        self.assertIsNotNone(receive_request(carol, "INVITE"), "unavailable did not forward")
        call_id = self.call(alice, "dave")  # a user with no phone registered
        self.assertEqual(final_response(alice, call_id).status, 480)
        call_id = self.call(alice, "nobody")
        self.assertEqual(final_response(alice, call_id).status, 404)

    def test_redirect_per_user(self):
        self.user("add", "bob@127.0.0.1", "--no-password")
        self.user("set", "bob@127.0.0.1", "--redirect", "true")
        bob = self.phone("bob")
        alice = self.peer()
        self.call(alice, "bob")
        r = final_response(alice)
        self.assertEqual(r.status, 302)
        self.assertIn("sip:bob@127.0.0.1:%d" % bob.port, r.get("contact"))


class RedirectPerDomainTest(CallServicesTest):
    config = ('[server]\ndomains = ["pbx.test", "moved.test"]\n'
              '[proxy.domains]\n"moved.test" = "redirect"\n')

    def domain_phone(self, name, domain):
        p = self.peer()
        r = register(name, "<sip:%s@127.0.0.1:%d>" % (name, p.port), self.sb.udp_port, p, 600,
                     domain=domain)
        self.assertIsNotNone(r, "no answer to REGISTER")
        self.assertEqual(r.status, 200, r)
        return p

    def test_the_redirect_domain_answers_302_and_the_other_proxies(self):
        bob_pbx = self.domain_phone("bob", "pbx.test")
        bob_moved = self.domain_phone("bob", "moved.test")
        alice = self.peer()

        call_id = uuid.uuid4().hex
        alice.send(self.sb.udp_port, invite(alice, self.sb.udp_port, "bob", call_id, domain="moved.test"))
        r = final_response(alice, call_id)
        self.assertIsNotNone(r, "no answer from the redirect domain")
        self.assertEqual((r.status, r.reason), (302, "Moved Temporarily"))
        self.assertEqual(r.all("contact"), ["<sip:bob@127.0.0.1:%d>" % bob_moved.port])
        self.assertIsNone(receive_request(bob_moved, "INVITE", timeout=0.3))
        self.assertIsNone(receive_request(bob_pbx, "INVITE", timeout=0.3))

        call_id = uuid.uuid4().hex
        alice.send(self.sb.udp_port, invite(alice, self.sb.udp_port, "bob", call_id, domain="pbx.test"))
        inv = receive_request(bob_pbx, "INVITE")
        self.assertIsNotNone(inv, "the call to the proxied domain did not reach bob")
        self.assertEqual(inv.start, "INVITE sip:bob@127.0.0.1:%d SIP/2.0" % bob_pbx.port)
        bob_pbx.send(self.sb.udp_port, answer(inv, 200, "b1"))
        r = final_response(alice, call_id)
        self.assertIsNotNone(r, "alice got no answer through the proxy")
        self.assertEqual(r.status, 200)
        self.assertIsNone(receive_request(bob_moved, "INVITE", timeout=0.3))


class SlovakPhrasesTest(CallServicesTest):
    config = ('[phrases]\nlanguage = "sk"\nrewrite_relayed = true\n'
              '[reason_phrases]\n603 = "Odmietnuté volajúcim"\n'
              '[warnings]\n404 = "Taký používateľ tu nie je"\n')

    def test_generated_and_relayed_phrases_are_translated(self):
        alice = self.peer()
        self.call(alice, "nobody")
        r = final_response(alice)
        self.assertEqual((r.status, r.reason), (404, "Nenájdené"))
        self.assertEqual(r.get("warning"), '399 Switchboard "Taký používateľ tu nie je"')
        bob = self.phone("bob")
        call_id = self.call(alice, "bob")
        inv = receive_request(bob, "INVITE")
        bob.send(self.sb.udp_port, answer(inv, 486, "b1"))
        r = final_response(alice, call_id)
        self.assertEqual((r.status, r.reason), (486, "Obsadené"))
        call_id = self.call(alice, "bob")
        inv = receive_request(bob, "INVITE")
        bob.send(self.sb.udp_port, answer(inv, 603, "b2"))
        r = final_response(alice, call_id)
        self.assertEqual((r.status, r.reason), (603, "Odmietnuté volajúcim"))


if __name__ == "__main__":
    unittest.main()
