"""Phones behind NAT: reached at the address their REGISTER came from, kept open by keep-alives,
and reached again inside the dialog through the flow token in our Record-Route."""

import re
import time
import unittest
import uuid

from harness import Response, Switchboard, UdpPeer, register


def invite(peer, server_port, callee, call_id, contact_host="127.0.0.1"):
    return (
        "INVITE sip:{callee}@127.0.0.1:{sp} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:alice@127.0.0.1>;tag=al1\r\n"
        "To: <sip:{callee}@127.0.0.1>\r\n"
        "Call-ID: {call_id}\r\n"
        "CSeq: 1 INVITE\r\n"
        "Contact: <sip:alice@{contact_host}:5060>\r\n"
        "Content-Length: 0\r\n\r\n"
    ).format(callee=callee, sp=server_port, port=peer.port, branch=uuid.uuid4().hex[:10],
             call_id=call_id, contact_host=contact_host)


def answer(request, status, to_tag, extra=""):
    """A response built by the callee from the request it received."""
    lines = []
    for name in ("via", "record-route"):
        for v in request.all(name):
            lines.append("%s: %s" % ("Via" if name == "via" else "Record-Route", v))
    to = request.get("to")
    if ";tag=" not in to:
        to += ";tag=" + to_tag
    return ("SIP/2.0 %d X\r\n%s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n%sContent-Length: 0\r\n\r\n"
            % (status, "\r\n".join(lines), request.get("from"), to, request.get("call-id"), request.get("cseq"),
               extra))


def receive_request(peer, method, timeout=3):
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = peer.receive(deadline - time.time())
        if m is None:
            return None
        if m.start.startswith(method + " "):
            return m
    return None


class NatTest(unittest.TestCase):
    def setUp(self):
        self.sb = Switchboard(config="[proxy]\nkeepalive_interval = 1\n").start()

    def tearDown(self):
        self.sb.cleanup()

    def test_natted_phone_is_called_at_its_source_address_and_kept_alive(self):
        bob = UdpPeer()
        alice = UdpPeer()
        try:
            # bob's Contact names a private address; his REGISTER comes from 127.0.0.1:<port>.
            r = register("bob", "<sip:bob@10.9.8.7:5060>", self.sb.udp_port, bob, 600)
            self.assertEqual(r.status, 200)
            ping = receive_request(bob, "OPTIONS", timeout=4)
            self.assertIsNotNone(ping, "no keep-alive OPTIONS reached the NATed phone")
            self.assertIn("sip:bob@10.9.8.7:5060", ping.start)

            call_id = uuid.uuid4().hex
            alice.send(self.sb.udp_port, invite(alice, self.sb.udp_port, "bob", call_id, "10.1.1.1"))
            inv = receive_request(bob, "INVITE")
            self.assertIsNotNone(inv, "the INVITE did not reach bob at his source address")
            self.assertEqual(inv.start, "INVITE sip:bob@10.9.8.7:5060 SIP/2.0")
            routes = inv.all("record-route")
            self.assertTrue(any("sbf" in r for r in routes), routes)

            bob.send(self.sb.udp_port, answer(inv, 200, "bo1", "Contact: <sip:bob@10.9.8.7:5060>\r\n"))
            ok = alice.receive(3)
            while ok is not None and ok.status < 200:
                ok = alice.receive(3)
            self.assertIsNotNone(ok)
            self.assertEqual(ok.status, 200)

            # alice (also behind NAT: her Contact is 10.1.1.1) hangs up along the route set.
            values = [v.strip() for line in ok.all("record-route") for v in line.split(",")]
            route_set = ", ".join(reversed(values))
            bye = ("BYE sip:bob@10.9.8.7:5060 SIP/2.0\r\n"
                   "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bKbye%s;rport\r\n"
                   "Route: %s\r\nMax-Forwards: 70\r\nFrom: <sip:alice@127.0.0.1>;tag=al1\r\n"
                   "To: %s\r\nCall-ID: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
                   % (alice.port, uuid.uuid4().hex[:8], route_set, ok.get("to"), call_id))
            alice.send(self.sb.udp_port, bye)
            got = receive_request(bob, "BYE")
            self.assertIsNotNone(got, "the BYE did not reach bob through the flow token")
            bob.send(self.sb.udp_port, answer(got, 200, "bo1"))
            done = alice.receive(3)
            self.assertIsNotNone(done)
            self.assertEqual(done.status, 200)
        finally:
            bob.close()
            alice.close()

    def test_phone_not_behind_nat_gets_no_keepalive(self):
        carol = UdpPeer()
        try:
            r = register("carol", "<sip:carol@127.0.0.1:%d>" % carol.port, self.sb.udp_port, carol, 600)
            self.assertEqual(r.status, 200)
            self.assertIsNone(receive_request(carol, "OPTIONS", timeout=2.5))
        finally:
            carol.close()


if __name__ == "__main__":
    unittest.main()
