"""How the real binary answers bad or unusual input.

Requests the server answers itself (RFC 3261 §8.2, §11), request validation as a proxy (§16.3),
the invalid RFC 4475 torture messages, garbage datagrams, stream framing abuse over TCP
(§18.3), configuration errors, and sipsak's OPTIONS ping. Every malformed input is followed by a
liveness probe: an OPTIONS to the server from a fresh socket must still get its 200.
"""

import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import BINARY, Response, Sipp, Switchboard, UdpPeer, new_call_id, options, register

TORTURE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "rfc4475")

# How long to listen before concluding that the server stays silent.
QUIET = 0.5


def request(method, uri, via, call_id=None, cseq=1, cseq_method=None, max_forwards=70, extra="",
            to=None, content_length=True):
    """A request written by hand, as text. `via` is the whole value of the Via line."""
    return (
        "{method} {uri} SIP/2.0\r\n"
        "Via: {via}\r\n"
        "Max-Forwards: {mf}\r\n"
        "From: <sip:probe@127.0.0.1>;tag={tag}\r\n"
        "To: <{to}>\r\n"
        "Call-ID: {call_id}\r\n"
        "CSeq: {cseq} {cseq_method}\r\n"
        "{extra}"
        "{cl}\r\n"
    ).format(method=method, uri=uri, via=via, mf=max_forwards, tag=uuid.uuid4().hex[:8],
             to=to or uri, call_id=call_id or new_call_id(), cseq=cseq,
             cseq_method=cseq_method or method, extra=extra,
             cl="Content-Length: 0\r\n" if content_length else "")


def udp_via(peer_port, rport=True):
    return "SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s%s" % (peer_port, uuid.uuid4().hex[:12],
                                                            ";rport" if rport else "")


def tcp_via(local_port):
    return "SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bK%s;rport" % (local_port, uuid.uuid4().hex[:12])


def rewrite_via(data, peer_port):
    """The first Via line replaced by one naming our socket, with rport, so the answer reaches us."""
    via = ("Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport" % (peer_port, uuid.uuid4().hex[:12]))
    new, n = re.subn(rb"^(Via|v)[ \t]*:[^\r\n]*", via.encode(), data, count=1, flags=re.M | re.I)
    assert n == 1, "no Via line to rewrite"
    return new


def torture(name):
    with open(os.path.join(TORTURE, name + ".dat"), "rb") as f:
        return f.read()


class TcpClient:
    """A TCP connection to the server that reads whole SIP messages (framed by Content-Length)."""

    def __init__(self, port, timeout=3.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.port = self.sock.getsockname()[1]
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def _fill(self, deadline):
        """Reads more bytes; False on timeout, EOF or reset."""
        remaining = deadline - time.time()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, ConnectionResetError):
            return False
        if not data:
            return False
        self.buffer += data
        return True

    def read_raw(self, n, timeout=2.0):
        deadline = time.time() + timeout
        while len(self.buffer) < n and self._fill(deadline):
            pass
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def read_message(self, timeout=2.0):
        deadline = time.time() + timeout
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end >= 0:
                m = re.search(rb"^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)", self.buffer[:end],
                              re.M | re.I)
                total = end + 4 + (int(m.group(1)) if m else 0)
                if len(self.buffer) >= total:
                    data, self.buffer = self.buffer[:total], self.buffer[total:]
                    return Response(data.decode(errors="replace"))
            if not self._fill(deadline):
                return None

    def wait_closed(self, timeout):
        """Reads and discards until the server closes (EOF or reset); True when it did in time."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.time()))
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not data:
                return True
        return False

    def close(self):
        self.sock.close()


class ServerTestCase(unittest.TestCase):
    """One fresh server per test, with the helpers every test here uses."""

    config = None

    def setUp(self):
        self.sb = Switchboard(config=self.config).start()
        self.peer = UdpPeer()

    def tearDown(self):
        self.peer.close()
        self.sb.cleanup()

    @property
    def self_uri(self):
        return "sip:127.0.0.1:%d" % self.sb.udp_port

    def log_tail(self):
        return "\n--- server log (tail) ---\n" + self.sb.output()[-3000:]

    def assert_alive(self):
        """Liveness probe: an OPTIONS from a fresh socket gets 200, and the process still runs."""
        self.assertTrue(self.sb.alive(), "the server exited" + self.log_tail())
        peer = UdpPeer()
        try:
            r = options(self.sb.udp_port, peer)
        finally:
            peer.close()
        self.assertIsNotNone(r, "no answer to the liveness probe" + self.log_tail())
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.sb.alive(), "the server exited" + self.log_tail())

    def send_and_receive(self, data, timeout=2.0, peer=None):
        """Sends one datagram from `peer` (a fresh socket when None); returns the first answer."""
        own = peer is None
        peer = peer or UdpPeer()
        try:
            peer.send(self.sb.udp_port, data)
            return peer.receive(timeout)
        finally:
            if own:
                peer.close()

    def ask(self, method, uri, **kwargs):
        """A request from self.peer; returns its final response."""
        text = request(method, uri, udp_via(self.peer.port), **kwargs)
        return self.peer.request(self.sb.udp_port, text)

    def assert_bad(self, r, elements, status=400, sent=None):
        """A 400 whose reason phrase names one of `elements` ("Bad CSeq: ...")."""
        where = "\nsent:\n%r" % sent if sent is not None else ""
        self.assertIsNotNone(r, "no answer" + where + self.log_tail())
        self.assertEqual(r.status, status, "%r%s" % (r, where))
        if status == 400:
            self.assertRegex(r.reason, r"^Bad (%s)\b" % "|".join(re.escape(e) for e in elements),
                             "%r%s" % (r, where))

    def assert_bad_or_silent(self, r, elements=None):
        if r is not None:
            self.assertEqual(r.status, 400, r)
            self.assertTrue(r.reason.startswith("Bad "), r)
            if elements:
                self.assertRegex(r.reason, r"^Bad (%s)\b" % "|".join(re.escape(e) for e in elements))


class ServerAnswersTest(ServerTestCase):
    """Requests the server answers itself, and the request checks of RFC 3261 §8.2 and §16.3."""

    def test_options_to_server_lists_capabilities(self):
        r = self.ask("OPTIONS", self.self_uri)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)
        allow = [m.strip() for m in (r.get("allow") or "").split(",")]
        self.assertIn("OPTIONS", allow, r)
        self.assertIn("REGISTER", allow, r)
        self.assertIsNotNone(r.get("supported"), r)
        self.assertIn("application/sdp", r.get("accept") or "", r)
        self.assertIn(";tag=", r.get("to"), r)

    def test_unsupported_method_to_server_is_405_with_allow(self):
        for method in ("INFO", "SUBSCRIBE", "MESSAGE"):
            with self.subTest(method=method):
                r = self.ask(method, self.self_uri)
                self.assertIsNotNone(r)
                self.assertEqual(r.status, 405, r)
                allow = [m.strip() for m in (r.get("allow") or "").split(",")]
                self.assertIn("OPTIONS", allow, r)
                self.assertNotIn(method, allow, r)
        self.assert_alive()

    def test_unsupported_uri_scheme_is_416(self):
        for uri in ("http://example.com", "foo:bar"):
            with self.subTest(uri=uri):
                r = self.ask("OPTIONS", uri, to="sip:someone@127.0.0.1")
                self.assertIsNotNone(r, "no answer to OPTIONS %s" % uri)
                self.assertEqual(r.status, 416, r)
        self.assert_alive()

    def test_unknown_require_to_server_is_420_with_unsupported(self):
        for method in ("OPTIONS", "REGISTER"):
            with self.subTest(method=method):
                r = self.ask(method, self.self_uri, extra="Require: nothingSupportsThis\r\n")
                self.assertIsNotNone(r)
                self.assertEqual(r.status, 420, r)
                self.assertEqual(r.get("unsupported"), "nothingSupportsThis", r)
        self.assert_alive()

    def test_unsupported_lists_only_the_unknown_tags(self):
        r = self.ask("OPTIONS", self.self_uri, extra="Require: path, nothingSupportsThis\r\n")
        self.assertEqual(r.status, 420, r)
        self.assertEqual(r.get("unsupported"), "nothingSupportsThis", r)

    def test_supported_require_is_accepted(self):
        # Control for the 420s: an option tag the registrar does support (path, RFC 3327).
        r = register("rq", "<sip:rq@127.0.0.1:6001>", self.sb.udp_port, self.peer,
                     extra="Require: path\r\nSupported: path\r\nPath: <sip:edge.example.com;lr>\r\n")
        self.assertEqual(r.status, 200, r)

    def test_unknown_proxy_require_to_user_is_420(self):
        r = self.ask("OPTIONS", "sip:someone@127.0.0.1:%d" % self.sb.udp_port,
                     extra="Proxy-Require: nothingSupportsThis\r\n")
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 420, r)
        self.assertEqual(r.get("unsupported"), "nothingSupportsThis", r)
        self.assert_alive()

    def test_proxy_does_not_check_require(self):
        # RFC 3261 §16.3 checks only Proxy-Require; Require is for the UAS. No binding: 404.
        r = self.ask("OPTIONS", "sip:someone@127.0.0.1:%d" % self.sb.udp_port,
                     extra="Require: nothingSupportsThis\r\n")
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 404, r)

    def test_max_forwards_zero_to_user_is_483(self):
        r = self.ask("OPTIONS", "sip:bob@127.0.0.1:%d" % self.sb.udp_port, max_forwards=0)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 483, r)
        self.assert_alive()

    def test_bad_requests_get_400_naming_the_element(self):
        uri = self.self_uri
        cases = [
            ("CSeq", request("OPTIONS", uri, udp_via(self.peer.port), cseq=99999999999)),
            ("Via", request("OPTIONS", uri, "SIP/2.0/UDP 127.0.0.1:%d;;branch=z9hG4bKx;rport"
                            % self.peer.port)),
            ("Content-Length", request("OPTIONS", uri, udp_via(self.peer.port),
                                       extra="Content-Length: 50\r\n", content_length=False)),
            ("Max-Forwards", request("OPTIONS", uri, udp_via(self.peer.port), max_forwards=256)),
            ("CSeq", request("OPTIONS", uri, udp_via(self.peer.port), cseq_method="INVITE")),
        ]
        for element, text in cases:
            with self.subTest(element=element, text=text):
                r = self.send_and_receive(text, peer=self.peer)
                self.assert_bad(r, [element], sent=text)
                self.assertIn(text.split("Call-ID: ")[1].split("\r\n")[0], r.get("call-id"))
                self.assert_alive()

    def test_400_via_gets_rport_and_received(self):
        text = request("OPTIONS", self.self_uri, udp_via(self.peer.port), cseq=99999999999)
        r = self.send_and_receive(text, peer=self.peer)
        self.assert_bad(r, ["CSeq"], sent=text)
        self.assertIn(";rport=%d" % self.peer.port, r.get("via"), r)
        self.assertIn(";received=127.0.0.1", r.get("via"), r)

    def test_response_without_rport_goes_to_via_sent_by_port(self):
        # The rule the 400s below break: RFC 3261 §18.2.2, followed for a valid request.
        sent_by = UdpPeer()
        try:
            text = request("OPTIONS", self.self_uri, udp_via(sent_by.port, rport=False))
            self.peer.send(self.sb.udp_port, text)
            r = sent_by.receive(2.0)
            self.assertIsNotNone(r, "no 200 at the sent-by port")
            self.assertEqual(r.status, 200, r)
            self.assertIsNone(self.peer.receive(0.2))
        finally:
            sent_by.close()

    def test_400_without_rport_goes_to_via_sent_by_port(self):
        sent_by = UdpPeer()
        try:
            text = request("OPTIONS", self.self_uri, udp_via(sent_by.port, rport=False),
                           cseq=99999999999)
            self.peer.send(self.sb.udp_port, text)
            r = sent_by.receive(2.0)
            if r is None:
                elsewhere = self.peer.receive(0.5)
                self.fail("no 400 at the sent-by port %d; at the source port %d: %r"
                          % (sent_by.port, self.peer.port, elsewhere and elsewhere.start))
            self.assert_bad(r, ["CSeq"], sent=text)
        finally:
            sent_by.close()

    def test_sipp_server_answers_over_udp_and_tcp(self):
        for transport in ("u1", "t1"):
            with self.subTest(transport=transport):
                sipp = Sipp("errors/uac-server-answers.xml", self.sb.address, args=["-t", transport])
                code = sipp.run(calls=2, timeout=15)
                self.assertEqual(code, 0, sipp.errors() + sipp.stderr)
        self.assert_alive()


# The invalid requests of RFC 4475 (§3.1.2, §3.3) with what we expect once their first Via names
# our socket: a status and the elements the reason phrase may name, or None for silence.
TORTURE_REQUESTS = {
    "badinv01": (400, ["Contact", "Via"]),  # the Via rewritten, the empty Contact params remain
    "clerr": (400, ["Content-Length"]),
    "ncl": (400, ["Content-Length"]),
    "scalar02": (400, ["CSeq", "Max-Forwards", "Expires", "Contact"]),
    "quotbal": (400, ["To"]),
    "ltgtruri": (400, ["Request-URI", "Request-Line"]),
    "lwsruri": (400, ["Request-URI", "Request-Line"]),
    "lwsstart": (400, ["Request-Line"]),
    "trws": (400, ["Request-Line"]),
    "escruri": (400, ["Request-URI"]),
    "baddate": (400, ["Date"]),
    "regbadct": (400, ["Contact"]),
    "badaspec": (400, ["To"]),
    "baddn": (400, ["From", "To"]),
    "badvers": (505, []),
    "mismatch01": (400, ["CSeq"]),
    "mismatch02": (400, ["CSeq"]),
    "insuf": (None, []),  # no From, To or Call-ID: nothing to build an answer with
    "multi01": (400, ["Call-ID", "CSeq", "From", "To"]),
    "mcl01": (400, ["Content-Length"]),
}


class TortureTest(ServerTestCase):
    """RFC 4475 invalid messages, one datagram each; test_<name> methods are added below."""

    def check_torture_request(self, name, status, elements):
        peer = UdpPeer()
        try:
            data = rewrite_via(torture(name), peer.port)
            r = self.send_and_receive(data, timeout=2.0 if status else QUIET, peer=peer)
            if status is None:
                self.assertIsNone(r, "%s: expected silence, got\n%r" % (name, r))
            else:
                self.assert_bad(r, elements, status=status, sent=data)
                if status == 505:
                    self.assertIn("Version", r.reason, r)
            # Exactly one answer: a stateless 400 is never retransmitted.
            self.assertIsNone(peer.receive(0.2))
        finally:
            peer.close()
        self.assert_alive()

    def test_unmodified_invalid_requests_keep_the_server_alive(self):
        # As published, answers (if any) go wherever the server sends them; it must just survive.
        for name in TORTURE_REQUESTS:
            self.peer.send(self.sb.udp_port, torture(name))
        time.sleep(0.2)
        self.assert_alive()

    def test_invalid_responses_are_dropped(self):
        for name in ("bcast", "scalarlg", "bigcode"):
            with self.subTest(name=name):
                r = self.send_and_receive(torture(name), timeout=QUIET)
                self.assertIsNone(r, "%s: a response must not be answered, got\n%r" % (name, r))
                self.assert_alive()

    def test_response_with_broadcast_via_is_not_relayed(self):
        # With our address on top, the server would relay the response to the second Via: a
        # broadcast address there must not be used (RFC 4475 §3.3.14).
        data = torture("bcast")
        ours = "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK1324923" % self.sb.udp_port
        data = re.sub(rb"^Via:[^\r\n]*", ours.encode(), data, count=1, flags=re.M)
        # Control: with our socket as the second Via, the response is relayed to us.
        control = re.sub(rb"255\.255\.255\.255", b"127.0.0.1:%d" % self.peer.port, data)
        self.peer.send(self.sb.udp_port, control)
        r = self.peer.receive(2.0)
        self.assertIsNotNone(r, "the control response was not relayed" + self.log_tail())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(r.all("via")), 1, r)
        r = self.send_and_receive(data, timeout=QUIET, peer=self.peer)
        self.assertIsNone(r, r)
        self.assert_alive()


def _torture_test(name, status, elements):
    def test(self):
        self.check_torture_request(name, status, elements)
    test.__doc__ = "RFC 4475 %s: %s" % (name, "silence" if status is None else status)
    return test


for _name, (_status, _elements) in TORTURE_REQUESTS.items():
    setattr(TortureTest, "test_torture_%s" % _name, _torture_test(_name, _status, _elements))


class GarbageTest(ServerTestCase):
    """Datagrams that are not SIP at all, or barely: 400 or silence, and the server lives on."""

    def options_text(self, peer, extra=""):
        return request("OPTIONS", self.self_uri, udp_via(peer.port), extra=extra)

    def test_empty_datagram(self):
        self.assertIsNone(self.send_and_receive(b"", timeout=QUIET))
        self.assert_alive()

    def test_random_datagrams(self):
        rng = random.Random(20240501)
        for _ in range(200):
            size = rng.randint(1, 1500)
            self.peer.send(self.sb.udp_port, bytes(rng.getrandbits(8) for _ in range(size)))
        answers = []
        while True:
            r = self.peer.receive(QUIET)
            if r is None:
                break
            answers.append(r)
        for r in answers:
            self.assert_bad_or_silent(r)
        self.assert_alive()

    def test_mutated_requests(self):
        # A valid OPTIONS to the server with a few bytes replaced, deleted, inserted or copied.
        # It names no user and no Route, so nothing is forwarded off this host.
        rng = random.Random(3261)
        specials = [b"\0", b"\r", b"\n", b"\r\n", b" ", b"\t", b";", b",", b"<", b">", b'"',
                    b":", b"@", b"%", b"=", b"?", b"\xff", b"99999999999999999999", b"-1"]
        for _ in range(1500):
            m = bytearray(self.options_text(self.peer).encode())
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(m))
                op = rng.random()
                if op < 0.3:
                    m[i:i + rng.randint(1, 5)] = rng.choice(specials)
                elif op < 0.5:
                    del m[i:i + rng.randint(1, 20)]
                elif op < 0.7:
                    m[i:i] = rng.choice(specials) * rng.randint(1, 3)
                elif op < 0.85:
                    m[i] = rng.randrange(256)
                else:
                    j = rng.randrange(len(m))
                    m[i:i] = m[j:j + rng.randint(1, 60)]
            self.peer.send(self.sb.udp_port, bytes(m))
        while True:
            r = self.peer.receive(QUIET)
            if r is None:
                break
            self.assertGreaterEqual(r.status, 100, r)
            if r.status == 400:
                self.assertTrue(r.reason.startswith("Bad "), r)
        self.assert_alive()

    def test_65000_bytes_of_x(self):
        self.assertIsNone(self.send_and_receive(b"x" * 65000, timeout=QUIET))
        self.assert_alive()

    def test_truncated_in_the_middle_of_a_header(self):
        text = self.options_text(self.peer, extra="Contact: <sip:probe@127.0.0.1:5999>\r\n")
        # Every header needed for an answer is there; the datagram stops inside Contact.
        cut = text.index("Contact:") + len("Contact: <sip:pro")
        self.assert_bad_or_silent(self.send_and_receive(text[:cut], timeout=QUIET, peer=self.peer))
        self.assert_alive()
        # Stopped inside Call-ID, before CSeq: nothing to answer with.
        text = self.options_text(self.peer)
        cut = text.index("Call-ID:") + len("Call-ID: ab")
        self.assert_bad_or_silent(self.send_and_receive(text[:cut], timeout=QUIET, peer=self.peer))
        self.assert_alive()

    def test_nul_bytes_in_header_values(self):
        for header in ("Call-ID", "CSeq", "From", "To", "Via"):
            with self.subTest(header=header):
                text = self.options_text(self.peer)
                start = text.index(header + ": ") + len(header) + 2
                data = (text[:start + 3] + "\0\0" + text[start + 3:]).encode()
                r = self.send_and_receive(data, timeout=QUIET, peer=self.peer)
                self.assert_bad_or_silent(r, [header])
                self.assert_alive()

    def test_nul_bytes_in_an_extension_header_are_ignored(self):
        # RFC 3261 §16.3 step 1: components the server does not use are left alone.
        text = self.options_text(self.peer, extra="X-Binary: a\0b\0c\r\n")
        r = self.send_and_receive(text, peer=self.peer)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)
        self.assert_alive()

    def test_header_line_over_10kb(self):
        # A long extension header is legal (no line length limit in RFC 3261): answered.
        text = self.options_text(self.peer, extra="X-Long: " + "a" * 10240 + "\r\n")
        r = self.send_and_receive(text, peer=self.peer)
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)
        # A 10 KB line that is not a header at all: 400 naming the header line.
        text = self.options_text(self.peer, extra="a" * 10240 + "\r\n")
        r = self.send_and_receive(text, peer=self.peer)
        self.assert_bad(r, ["Header"], sent=text[:200])
        # A 10 KB Via parameter that breaks the Via.
        text = request("OPTIONS", self.self_uri,
                       udp_via(self.peer.port) + ";" + "=" * 10240)
        r = self.send_and_receive(text, peer=self.peer)
        self.assert_bad_or_silent(r, ["Via"])
        self.assert_alive()


class TcpTest(ServerTestCase):
    """Stream framing (RFC 3261 §18.3) over TCP, on the same port as UDP."""

    def options_bytes(self, client, call_id=None):
        return request("OPTIONS", "sip:127.0.0.1:%d" % self.sb.tcp_port, tcp_via(client.port),
                       call_id=call_id).encode()

    def client(self):
        c = TcpClient(self.sb.tcp_port)
        self.addCleanup(c.close)
        return c

    def test_options_answered_on_the_same_connection(self):
        self.assertEqual(self.sb.tcp_port, self.sb.udp_port)
        c = self.client()
        c.send(self.options_bytes(c))
        r = c.read_message()
        self.assertIsNotNone(r, self.log_tail())
        self.assertEqual(r.status, 200, r)
        self.assertIn("SIP/2.0/TCP", r.get("via"))

    def test_two_messages_in_one_write(self):
        c = self.client()
        ids = [new_call_id(), new_call_id()]
        c.send(self.options_bytes(c, ids[0]) + self.options_bytes(c, ids[1]))
        answers = [c.read_message(), c.read_message()]
        self.assertTrue(all(answers), answers)
        self.assertEqual([r.status for r in answers], [200, 200], answers)
        self.assertEqual(sorted(r.get("call-id") for r in answers), sorted(ids))

    def test_message_sent_byte_by_byte(self):
        c = self.client()
        data = self.options_bytes(c)
        delay = 1.0 / len(data)
        start = time.time()
        for i in range(len(data)):
            c.send(data[i:i + 1])
            time.sleep(delay)
        self.assertLess(time.time() - start, 2.0)
        r = c.read_message()
        self.assertIsNotNone(r, self.log_tail())
        self.assertEqual(r.status, 200, r)

    def test_crlf_keepalive_ping(self):
        c = self.client()
        c.send(b"\r\n\r\n")
        self.assertEqual(c.read_raw(2, timeout=2.0), b"\r\n")
        # Nothing else comes, and the connection still carries requests.
        self.assertEqual(c.read_raw(1, timeout=0.3), b"")
        c.send(self.options_bytes(c))
        r = c.read_message()
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)

    def test_malformed_request_gets_400_on_the_connection(self):
        c = self.client()
        text = request("OPTIONS", "sip:127.0.0.1:%d" % self.sb.tcp_port, tcp_via(c.port),
                       cseq=99999999999)
        c.send(text)
        self.assert_bad(c.read_message(), ["CSeq"], sent=text)
        # The framing was fine, so the connection stays usable.
        c.send(self.options_bytes(c))
        r = c.read_message()
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)
        self.assert_alive()

    def test_unframeable_content_length_closes_the_connection(self):
        c = self.client()
        text = request("OPTIONS", "sip:127.0.0.1:%d" % self.sb.tcp_port, tcp_via(c.port),
                       extra="Content-Length: lots\r\n", content_length=False)
        c.send(text)
        self.assertTrue(c.wait_closed(3.0), "connection not closed" + self.log_tail())
        self.assert_alive()

    def test_endless_header_block_closes_the_connection(self):
        c = self.client()
        line = b"X-Filler: " + b"a" * 1000 + b"\r\n"
        c.send(b"OPTIONS sip:127.0.0.1:%d SIP/2.0\r\n" % self.sb.tcp_port)
        sent = 0
        try:
            while sent < 72000:
                c.send(line)
                sent += len(line)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while we were still writing: what this test wants to see
        start = time.time()
        self.assertTrue(c.wait_closed(3.0), "no EOF/reset after %d bytes" % sent + self.log_tail())
        self.assertLess(time.time() - start, 3.0)
        # The server no longer reads: writing more fails long before 8 MB have gone.
        c.sock.settimeout(2.0)
        failed = False
        try:
            for _ in range(8 * 1024):
                c.sock.sendall(line)
        except (BrokenPipeError, ConnectionResetError):
            failed = True
        except socket.timeout:
            failed = True  # the peer's window is shut: nobody reads
        self.assertTrue(failed, "the server kept reading an endless header block")
        self.assert_alive()
        # New connections are served.
        c2 = self.client()
        c2.send(self.options_bytes(c2))
        r = c2.read_message()
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200, r)


class TcpHandshakeTimeoutTest(ServerTestCase):
    config = "[transport]\nstream_handshake_timeout = 1\n"

    def test_silent_connection_is_closed_after_the_handshake_timeout(self):
        c = TcpClient(self.sb.tcp_port)
        self.addCleanup(c.close)
        start = time.time()
        self.assertTrue(c.wait_closed(4.0), "a silent connection was kept open" + self.log_tail())
        elapsed = time.time() - start
        self.assertGreater(elapsed, 0.7)
        self.assertLess(elapsed, 3.0)
        self.assert_alive()

    def test_hundred_silent_connections_do_not_stop_udp(self):
        conns = []
        try:
            for _ in range(100):
                conns.append(TcpClient(self.sb.tcp_port))
            # Meanwhile UDP OPTIONS keep being answered, promptly.
            for _ in range(5):
                start = time.time()
                self.assert_alive()
                self.assertLess(time.time() - start, 1.0)
                time.sleep(0.1)
            # Every one of them is closed: refused over the per-address limit, or timed out.
            deadline = time.time() + 4.0
            still_open = [c for c in conns if not c.wait_closed(max(0.01, deadline - time.time()))]
            self.assertEqual(len(still_open), 0, self.log_tail())
        finally:
            for c in conns:
                c.close()
        c = TcpClient(self.sb.tcp_port)
        self.addCleanup(c.close)
        c.send(request("OPTIONS", "sip:127.0.0.1:%d" % self.sb.tcp_port, tcp_via(c.port)))
        r = c.read_message()
        self.assertIsNotNone(r, self.log_tail())
        self.assertEqual(r.status, 200, r)
        self.assert_alive()


class ConfigErrorTest(unittest.TestCase):
    """Configuration errors: exit status 2 with FILE:LINE: KEY: ..., all of them in one run."""

    BAD = (
        "[server]\n"
        "workers = \"two\"\n"                     # line 2: wrong type
        "no_such_key = 1\n"                       # line 3: unknown key
        "\n"
        "[transport]\n"
        "listen = [\"udp:999.1.1.1:5060\"]\n"     # line 6: not an IP address
    )

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sb-it-config-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_binary(self, *args, timeout=10):
        try:
            out = subprocess.run([BINARY] + list(args), capture_output=True, timeout=timeout,
                                 cwd=self.dir)
        except subprocess.TimeoutExpired:
            self.fail("%s did not exit within %ds" % (" ".join(args), timeout))
        return out.returncode, (out.stdout + out.stderr).decode(errors="replace")

    def assert_all_errors(self, path, output):
        for line, key in ((2, "server.workers"), (3, "server.no_such_key"), (6, "transport.listen")):
            self.assertRegex(output, r"(?m)%s:%d: %s: \S" % (re.escape(path), line, re.escape(key)),
                             output)
        self.assertIn("999.1.1.1", output)

    def test_run_reports_every_error_and_exits_2(self):
        path = self.write("bad.toml", self.BAD)
        code, output = self.run_binary("run", "--config", path, "--data-dir",
                                       os.path.join(self.dir, "var"))
        self.assertEqual(code, 2, output)
        self.assert_all_errors(path, output)

    def test_config_check(self):
        good = self.write("good.toml", "[server]\nworkers = 2\n[transport]\nlisten = [\"udp:127.0.0.1:5060\"]\n")
        code, output = self.run_binary("config", "check", good)
        self.assertEqual(code, 0, output)
        self.assertIn("ok", output)
        bad = self.write("bad.toml", self.BAD)
        code, output = self.run_binary("config", "check", bad)
        self.assertEqual(code, 2, output)
        self.assert_all_errors(bad, output)
        code, output = self.run_binary("config", "check", os.path.join(self.dir, "missing.toml"))
        self.assertEqual(code, 2, output)
        self.assertIn("missing.toml", output)
        broken = self.write("broken.toml", "[server]\nworkers = 2\n[transport\n")
        code, output = self.run_binary("config", "check", broken)
        self.assertEqual(code, 2, output)
        self.assertRegex(output, r"%s:3: " % re.escape(broken))

    def test_listen_address_in_use_exits_1(self):
        for kind, prefix in ((socket.SOCK_DGRAM, "udp"), (socket.SOCK_STREAM, "tcp")):
            with self.subTest(transport=prefix):
                s = socket.socket(socket.AF_INET, kind)
                try:
                    s.bind(("127.0.0.1", 0))
                    if kind == socket.SOCK_STREAM:
                        s.listen(1)
                    port = s.getsockname()[1]
                    # Without a prefix the spec means UDP and TCP: the busy one is named.
                    for spec in ("%s:127.0.0.1:%d" % (prefix, port), "127.0.0.1:%d" % port):
                        code, output = self.run_binary("run", "--data-dir",
                                                       os.path.join(self.dir, "var"),
                                                       "--listen", spec)
                        self.assertEqual(code, 1, output)
                        self.assertIn("%s:127.0.0.1:%d" % (prefix, port), output)
                finally:
                    s.close()


def free_low_port():
    """A port below 10000 free for UDP and TCP (sipsak 0.9.8.1 drops the fifth digit of a port in
    the Request-URI it sends: -s sip:127.0.0.1:45514 becomes OPTIONS sip:127.0.0.1:4551)."""
    rng = random.Random()
    for _ in range(100):
        port = rng.randint(5100, 9999)
        socks = []
        try:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                s = socket.socket(socket.AF_INET, kind)
                socks.append(s)
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port below 10000")


class SipsakTest(unittest.TestCase):
    def test_sipsak_options_ping(self):
        port = free_low_port()
        sb = Switchboard(listen=("127.0.0.1:%d" % port,)).start()
        try:
            try:
                out = subprocess.run(["sipsak", "-s", "sip:127.0.0.1:%d" % port],
                                     capture_output=True, timeout=15)
            except subprocess.TimeoutExpired:
                self.fail("sipsak did not finish\n" + sb.output()[-3000:])
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr + sb.output().encode())
            self.assertTrue(sb.alive())
        finally:
            sb.cleanup()



def process_environment(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return dict(item.split(b"=", 1) for item in f.read().split(b"\0") if b"=" in item)


class HugePageHeapTest(unittest.TestCase):
    """`switchboard run` restarts itself in place with glibc told to use transparent huge pages
    for its heap, keeps its name and pid, and leaves an operator's GLIBC_TUNABLES alone."""

    def run_with(self, tunables):
        saved = os.environ.pop("GLIBC_TUNABLES", None)
        if tunables is not None:
            os.environ["GLIBC_TUNABLES"] = tunables
        try:
            sb = Switchboard().start()
        finally:
            os.environ.pop("GLIBC_TUNABLES", None)
            if saved is not None:
                os.environ["GLIBC_TUNABLES"] = saved
        self.addCleanup(sb.cleanup)
        env = process_environment(sb.proc.pid)
        with open("/proc/%d/comm" % sb.proc.pid) as f:
            self.assertEqual(f.read().strip(), "switchboard")
        return env.get(b"GLIBC_TUNABLES")

    def test_heap_on_huge_pages_unless_the_operator_chose(self):
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            if "[never]" in f.read():
                self.skipTest("transparent huge pages are off in this kernel")
        self.assertEqual(self.run_with(None), b"glibc.malloc.hugetlb=1")
        self.assertEqual(self.run_with(""), b"")
        self.assertEqual(self.run_with("glibc.malloc.arena_max=2"), b"glibc.malloc.arena_max=2")

if __name__ == "__main__":
    unittest.main()
