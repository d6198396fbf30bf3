"""SIP over TLS (RFC 3261 §26) and over WebSocket (RFC 7118) through the real binary on loopback.

One server listens on UDP, TLS, WS and WSS (every port 0, read back from the ready file). The
TLS phone is baresip (Debian's SIPp is built without TLS); TLS clients written here check what a
phone should not get through (plain TCP on the TLS port, no client certificate). The WebSocket
phones are Debian's python3-websockets speaking hand-written SIP like a browser phone (JsSIP,
SIP.js): `.invalid` hosts in Via and Contact, so every answer and every request for them must
come back over their connection. UDP phones are SIPp or a bare UDP socket.
"""

import asyncio
import json
import os
import queue
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

try:
    import websockets
except ImportError:
    # Debian's python3-websockets (scripts/install-deps) lives with the system Python; another
    # Python 3 on PATH can load it from there (it falls back to pure Python without speedups).
    sys.path.append("/usr/lib/python3/dist-packages")
    import websockets

from harness import Response, Sipp, Switchboard, UdpPeer, register
from phones import Baresip, TestLan, stop_process
from test_calls import picked, trace, wait_bound

LISTEN = ("127.0.0.1:0", "tls:127.0.0.1:0", "ws:127.0.0.1:0", "wss:127.0.0.1:0")
# Short, so that the test of a silent client stays short.
CONFIG = "[transport]\nstream_handshake_timeout = 2\n"


def listener_ports(sb):
    """transport name -> port, from the server's ready file."""
    with open(os.path.join(sb.workdir, "ready.json")) as f:
        return {l["transport"]: l["port"] for l in json.load(f)["listeners"]}


def token():
    return uuid.uuid4().hex[:10]


def values(msg, name):
    """Every comma-separated value of a header over all its rows (no quoted commas here)."""
    return [v.strip() for row in msg.all(name) for v in row.split(",") if v.strip()]


def header_lines(msg, name):
    return "".join("%s: %s\r\n" % (name, v) for v in msg.all(name))


def response_to(request, status, reason, to_tag=None, contact=None, record_route=True):
    """A response built from a request the way a UAS does (RFC 3261 §8.2.6)."""
    to = request.get("to") + (";tag=%s" % to_tag if to_tag and "tag=" not in request.get("to") else "")
    return ("SIP/2.0 %d %s\r\n" % (status, reason) + header_lines(request, "Via") +
            (header_lines(request, "Record-Route") if record_route else "") +
            "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n" % (
                request.get("from"), to, request.get("call-id"), request.get("cseq")) +
            ("Contact: %s\r\n" % contact if contact else "") + "Content-Length: 0\r\n\r\n")


def request_line_uri(msg):
    return msg.start.split(" ")[1]


SDP = ("v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")


class WsPhone:
    """A browser-like SIP phone on a WebSocket (RFC 7118): hand-written SIP, `.invalid` hosts.

    websockets 10 is asyncio only: its loop runs in a thread of its own, and send/receive here
    are plain blocking calls with time limits.
    """

    def __init__(self, url, user, transport="WS", ssl_context=None, subprotocols=("sip",)):
        self.user = user
        self.transport = transport
        self.host = "%s.invalid" % token()
        self.contact = "<sip:%s@%s;transport=%s;ob>" % (user, self.host, transport.lower())
        self.messages = queue.Queue()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.ws = None

        async def connect():
            return await websockets.connect(url, subprotocols=list(subprotocols), ssl=ssl_context,
                                            open_timeout=5, ping_interval=None)
        try:
            self.ws = self._run(connect(), 10)
        except BaseException:
            self.close()
            raise
        self.reader = asyncio.run_coroutine_threadsafe(self._read(), self.loop)

    def _run(self, coro, timeout=5):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def _read(self):
        try:
            async for m in self.ws:
                self.messages.put(m.decode(errors="replace") if isinstance(m, bytes) else m)
        except Exception:
            pass
        self.messages.put(None)

    def send(self, text):
        self._run(self.ws.send(text))

    def receive(self, timeout=3.0):
        """The next SIP message (CRLF keep-alives skipped), or None."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                return None
            try:
                m = self.messages.get(timeout=left)
            except queue.Empty:
                return None
            if m is None:
                return None
            if m.strip():
                return Response(m)

    def expect(self, pred, timeout=3.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = self.receive(deadline - time.time())
            if m is None:
                return None
            if pred(m):
                return m
        return None

    def via(self):
        return "Via: SIP/2.0/%s %s;branch=z9hG4bK%s\r\n" % (self.transport, self.host, token())

    def register(self, expires=600):
        self.send("REGISTER sip:127.0.0.1 SIP/2.0\r\n" + self.via() +
                  "Max-Forwards: 70\r\nFrom: <sip:{u}@127.0.0.1>;tag={t}\r\nTo: <sip:{u}@127.0.0.1>\r\n"
                  "Call-ID: {c}\r\nCSeq: 1 REGISTER\r\n"
                  "Contact: {contact};+sip.instance=\"<urn:uuid:{i}>\";reg-id=1;expires={e}\r\n"
                  "Supported: path, outbound, gruu\r\n"
                  "Content-Length: 0\r\n\r\n".format(u=self.user, t=token(), c=token(), contact=self.contact,
                                                    i=uuid.uuid4(), e=expires))
        return self.expect(lambda m: m.status >= 200)

    def close(self):
        if self.ws is not None:
            try:
                self._run(self.ws.close(), 3)
            except Exception:
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=3)
        if not self.thread.is_alive():
            self.loop.close()


def insecure_context():
    """A TLS client context that accepts the server's self-signed certificate."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def tls_exchange(port, text, context, timeout=3.0):
    """Sends one message over a new TLS connection; returns (response text or None, error)."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn = None
    try:
        conn = context.wrap_socket(raw, server_hostname=None)
        conn.sendall(text.encode())
        data = b""
        deadline = time.time() + timeout
        while b"\r\n\r\n" not in data and time.time() < deadline:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        return (data.decode(errors="replace") or None), None
    except (ssl.SSLError, OSError) as e:
        return None, e
    finally:
        (conn or raw).close()


def make_certificate(directory, name):
    """A self-signed EC certificate and key made with the openssl command; returns their paths."""
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=" + name],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20)
    return cert, key


def tls_register(user, port, context):
    msg = ("REGISTER sip:127.0.0.1 SIP/2.0\r\n"
           "Via: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK{b};rport\r\nMax-Forwards: 70\r\n"
           "From: <sip:{u}@127.0.0.1>;tag={t}\r\nTo: <sip:{u}@127.0.0.1>\r\nCall-ID: {c}\r\n"
           "CSeq: 1 REGISTER\r\nContact: <sip:{u}@127.0.0.1:5061;transport=tls>\r\nExpires: 60\r\n"
           "Content-Length: 0\r\n\r\n").format(b=token(), u=user, t=token(), c=token())
    return tls_exchange(port, msg, context)


class TlsWsTestBase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sb = Switchboard(listen=LISTEN, config=CONFIG).start()
        cls.ports = listener_ports(cls.sb)

    @classmethod
    def tearDownClass(cls):
        cls.sb.cleanup()

    def setUp(self):
        self.cleanups = []

    def tearDown(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:
                pass

    def server_log(self, lines=30):
        return "\n--- server log (tail) ---\n" + "\n".join(self.sb.output().splitlines()[-lines:])

    def assertServerAlive(self):
        self.assertTrue(self.sb.alive(), "switchboard died" + self.server_log())

    def udp_peer(self, user=None):
        """A bare UDP phone, registered as `user` at its own port when one is given."""
        peer = UdpPeer()
        self.cleanups.append(peer.close)
        if user is not None:
            r = register(user, "<sip:%s@127.0.0.1:%d>" % (user, peer.port), self.sb.udp_port, peer, 600)
            self.assertEqual(r.status if r else None, 200, "UDP REGISTER of %s: %s" % (user, r))
        return peer

    def ws_phone(self, user, secure=False, **kw):
        scheme, transport = ("wss", "WSS") if secure else ("ws", "WS")
        phone = WsPhone("%s://127.0.0.1:%d" % (scheme, self.ports[scheme]), user, transport,
                        insecure_context() if secure else None, **kw)
        self.cleanups.append(phone.close)
        return phone


class ListenerTest(TlsWsTestBase):
    def test_ready_file_names_every_transport_and_certificate_is_generated(self):
        self.assertEqual(sorted(self.ports), ["tcp", "tls", "udp", "ws", "wss"])
        self.assertEqual(self.ports["udp"], self.ports["tcp"])
        self.assertEqual(len({self.ports[t] for t in ("tcp", "tls", "ws", "wss")}), 4, self.ports)
        tls_dir = os.path.join(self.sb.workdir, "var", "tls")
        self.assertTrue(os.path.exists(os.path.join(tls_dir, "server.crt")))
        self.assertEqual(os.stat(os.path.join(tls_dir, "server.key")).st_mode & 0o777, 0o600)
        self.assertTrue(self.sb.wait_output("generated a self-signed TLS certificate"), self.sb.output())

    def test_silent_clients_are_dropped_after_the_handshake_timeout(self):
        # A client that connects and never starts its TLS handshake or WebSocket upgrade holds
        # a connection slot for stream_handshake_timeout (2 s here) at most.
        socks = []
        for transport in ("tls", "ws", "wss"):
            s = socket.create_connection(("127.0.0.1", self.ports[transport]), timeout=6)
            self.addCleanup(s.close)
            socks.append((transport, s))
        start = time.time()
        for transport, s in socks:
            try:
                data = s.recv(4096)
            except ConnectionResetError:
                data = b""
            except socket.timeout:
                self.fail("a silent %s client was kept past the handshake timeout" % transport)
            self.assertEqual(data, b"", transport)
        self.assertGreater(time.time() - start, 1.5)
        self.assertLess(time.time() - start, 5)


class TlsTest(TlsWsTestBase):
    def baresip(self, user):
        """baresip registered as `user` over TLS (its own config dir, ports probed free)."""
        lan = TestLan([user], force_loopback=True)
        self.cleanups.append(lan.cleanup)
        workdir = tempfile.mkdtemp(prefix="sb-tls-baresip-")
        self.cleanups.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
        phone = Baresip(lan.host(user), user, ("127.0.0.1", self.ports["tls"]), 440, workdir)
        self.cleanups.append(lambda: self.stop_baresip(phone))
        phone.start()
        account = ("<sip:{u}@127.0.0.1;transport=tls>;regint=600;answermode=manual;"
                   "outbound=\"sip:127.0.0.1:{p};transport=tls\";audio_codecs=PCMU").format(
                       u=user, p=self.ports["tls"])
        ok, data = phone.command("uanew", account)
        self.assertTrue(ok, data)
        ev = phone.wait_event(lambda e: e.get("type") in ("REGISTER_OK", "REGISTER_FAIL"), 8)
        self.assertEqual(ev and ev["type"], "REGISTER_OK", "baresip over TLS: %s%s" % (ev, self.server_log()))
        return phone

    @staticmethod
    def stop_baresip(phone):
        stop_process(phone.proc)
        for f in (phone.sock, getattr(phone, "log", None), phone.proc and phone.proc.stdin,
                  phone.proc and phone.proc.stdout):
            if f is not None:
                f.close()

    def sipp(self, scenario, remote=None, args=()):
        s = Sipp("calls/" + scenario, remote, args=list(args))
        def stop():
            s.stop()
            if s.proc is not None and s.proc.stderr is not None:
                s.proc.stderr.close()
            shutil.rmtree(s.workdir, ignore_errors=True)
        self.cleanups.append(stop)
        return s

    def test_tls_phone_calls_udp_phone(self):
        alice = self.baresip("alice")
        self.assertTrue(self.sb.wait_output("REGISTER sip:127.0.0.1;transport=tls from tls:127.0.0.1:"), self.sb.output())
        uas = self.sipp("uas-answer-200.xml")
        peer = self.udp_peer()
        r = register("bob", "<sip:bob@127.0.0.1:%d>" % uas.port, self.sb.udp_port, peer, 600)
        self.assertEqual(r.status, 200, r)
        uas.start(calls=1, timeout=20)
        self.assertTrue(wait_bound(uas.port), "the UAS SIPp did not start")
        mark = alice.mark()
        alice.dial("sip:bob@127.0.0.1")
        self.assertIsNotNone(alice.wait_call("CALL_ESTABLISHED", 10, mark),
                             "the TLS call was not answered: %s%s" % (
                                 alice.call_events(mark), self.server_log()))
        alice.hangup()
        self.assertEqual(uas.wait(15), 0, "callee failed: %s%s" % (uas.errors()[-2000:], self.server_log()))

        at_uas = trace(uas)
        invite = picked(at_uas, "received", "INVITE")[0]
        vias = invite.values("via")
        self.assertRegex(vias[0], r"^SIP/2\.0/UDP 127\.0\.0\.1:%d;" % self.sb.udp_port)
        self.assertRegex(vias[1], r"^SIP/2\.0/TLS ")
        # The call crosses transports: two Record-Route entries (RFC 5658), the one facing the
        # callee on top, and the caller's side naming TLS and the connection (a flow token).
        rr = invite.values("record-route")
        self.assertEqual(len(rr), 2, invite)
        self.assertEqual(rr[0], "<sip:127.0.0.1:%d;lr>" % self.sb.udp_port)
        self.assertRegex(rr[1], r"^<sip:sbfl[0-9a-f]+-[0-9a-f]+@127\.0\.0\.1:%d;transport=tls;lr>$"
                         % self.ports["tls"])
        bye = picked(at_uas, "received", "BYE")
        self.assertEqual(len(bye), 1, at_uas)
        self.assertEqual(bye[0].all("route"), [], bye[0])
        self.assertServerAlive()

    def test_udp_phone_calls_tls_phone(self):
        carol = self.baresip("carol")
        mark = carol.mark()
        uac = self.sipp("uac-call-expect-200.xml", self.sb.address, args=["-s", "carol"])
        done = {}
        runner = threading.Thread(target=lambda: done.setdefault("rc", uac.run(calls=1, timeout=15)))
        runner.start()
        incoming = carol.wait_call("CALL_INCOMING", 10, mark)
        self.assertIsNotNone(incoming, "no INVITE reached the TLS phone%s" % self.server_log())
        carol.accept()
        runner.join(25)
        self.assertEqual(done.get("rc"), 0, "caller failed: %s%s" % (uac.errors()[-2000:], self.server_log()))
        self.assertIsNotNone(carol.wait_call("CALL_CLOSED", 5, mark), carol.call_events(mark))
        ok = picked(trace(uac), "received", "INVITE", 200)[0]
        rr = ok.values("record-route")
        self.assertEqual(len(rr), 2, ok)
        self.assertRegex(rr[0], r"^<sip:sbfl[0-9a-f]+-[0-9a-f]+@127\.0\.0\.1:%d;transport=tls;lr>$"
                         % self.ports["tls"])
        self.assertEqual(rr[1], "<sip:127.0.0.1:%d;lr>" % self.sb.udp_port)

    def test_outbound_tls_to_a_tls_contact(self):
        """A contact registered as ;transport=tls is reached over a TLS connection we open."""
        workdir = tempfile.mkdtemp(prefix="sb-tls-peer-")
        self.cleanups.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
        cert, key = make_certificate(workdir, "outbound-peer")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        listener = socket.create_server(("127.0.0.1", 0))
        self.cleanups.append(listener.close)
        listener.settimeout(5)
        port = listener.getsockname()[1]
        got = {}

        def serve():
            try:
                conn, _ = listener.accept()
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(5)
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = tls.recv(65536)
                        if not chunk:
                            return
                        data += chunk
                    got["request"] = Response(data.decode(errors="replace"))
                    tls.sendall(response_to(got["request"], 200, "OK", "p1", record_route=False).encode())
                    time.sleep(0.3)
            except (OSError, ssl.SSLError) as e:
                got["error"] = e

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        caller = self.udp_peer()
        r = register("frank", "<sip:frank@127.0.0.1:%d;transport=tls>" % port, self.sb.udp_port, caller, 600)
        self.assertEqual(r.status, 200, r)
        caller.send(self.sb.udp_port,
                    "OPTIONS sip:frank@127.0.0.1 SIP/2.0\r\n"
                    "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n" % (caller.port, token()) +
                    "Max-Forwards: 70\r\nFrom: <sip:gina@127.0.0.1>;tag=g1\r\nTo: <sip:frank@127.0.0.1>\r\n"
                    "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % token())
        ok = caller.receive(5)
        server.join(6)
        self.assertIn("request", got, "no request over TLS: %s%s" % (got.get("error"), self.server_log()))
        self.assertRegex(values(got["request"], "via")[0], r"^SIP/2\.0/TLS 127\.0\.0\.1:%d;branch="
                         % self.ports["tls"])
        self.assertTrue(ok and ok.status == 200, ok)
        # No ca_file: the peer is not verified, and the log says whom we talked to.
        self.assertTrue(self.sb.wait_output("peer certificate 'CN=outbound-peer' (not verified: no tls.ca_file)"), self.sb.output())

    def test_plain_tcp_on_the_tls_port_is_dropped(self):
        s = socket.create_connection(("127.0.0.1", self.ports["tls"]), timeout=5)
        self.cleanups.append(s.close)
        s.sendall(("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK%s\r\n"
                   "Max-Forwards: 70\r\nFrom: <sip:x@127.0.0.1>;tag=1\r\nTo: <sip:127.0.0.1>\r\n"
                   "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
                   % (token(), token())).encode())
        data = b""
        closed = False
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                chunk = s.recv(4096)
            except (ConnectionResetError, socket.timeout):
                closed = True
                break
            if not chunk:
                closed = True
                break
            data += chunk
        self.assertTrue(closed, "the server kept a plain TCP connection on its TLS port")
        self.assertNotIn(b"SIP/2.0", data)
        self.assertServerAlive()
        # The listener still serves TLS.
        text, err = tls_register("dave", self.ports["tls"], insecure_context())
        self.assertIsNone(err)
        self.assertTrue(text and text.startswith("SIP/2.0 200"), text)


class ClientCertificateTest(unittest.TestCase):
    """verify_clients = true: a phone without a certificate from ca_file is refused."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sb-tls-client-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.cert, self.key = make_certificate(self.dir, "test-phone")
        # The phone's self-signed certificate is its own CA here.
        config = "[tls]\nverify_clients = true\nca_file = \"%s\"\n" % self.cert
        self.sb = Switchboard(listen=("127.0.0.1:0", "tls:127.0.0.1:0"), config=config).start()
        self.addCleanup(self.sb.cleanup)
        self.port = listener_ports(self.sb)["tls"]

    def test_no_client_certificate_is_refused(self):
        text, err = tls_register("erin", self.port, insecure_context())
        self.assertIsNone(text, "answered without a client certificate")
        self.assertTrue(self.sb.wait_output("handshake failed"), self.sb.output())
        ctx = insecure_context()
        ctx.load_cert_chain(self.cert, self.key)
        text, err = tls_register("erin", self.port, ctx)
        self.assertIsNone(err)
        self.assertTrue(text and text.startswith("SIP/2.0 200"), text)
        self.assertTrue(self.sb.alive())


class WebSocketTest(TlsWsTestBase):
    def test_register_over_ws(self):
        alice = self.ws_phone("wsalice")
        self.assertEqual(alice.ws.subprotocol, "sip")
        r = alice.register()
        self.assertIsNotNone(r, "no answer over the WebSocket" + self.server_log())
        self.assertEqual(r.status, 200, r)
        # The answer came over the connection, not to the Via's .invalid host.
        self.assertRegex(r.get("via"), r"^SIP/2\.0/WS %s;branch=z9hG4bK\w+;received=127\.0\.0\.1$"
                         % alice.host.replace(".", r"\."))
        self.assertIn(alice.host, r.get("contact"))
        # The binding remembers the connection it came over.
        q = register("wsalice", None, self.sb.udp_port, self.udp_peer(), None)
        self.assertIn("transport=ws", q.get("contact"))

    def test_ws_phone_calls_udp_phone(self):
        alice = self.ws_phone("alice2")
        self.assertEqual(alice.register().status, 200)
        bob = self.udp_peer("bob2")
        call_id, tag = token(), token()
        # No Content-Length: over WebSocket the message ends where the WebSocket message does
        # (RFC 7118 §5).
        alice.send("INVITE sip:bob2@127.0.0.1 SIP/2.0\r\n" + alice.via() +
                   "Max-Forwards: 70\r\nFrom: \"Alice\" <sip:alice2@127.0.0.1>;tag=%s\r\n"
                   "To: <sip:bob2@127.0.0.1>\r\nCall-ID: %s\r\nCSeq: 1 INVITE\r\nContact: %s\r\n"
                   "Content-Type: application/sdp\r\n\r\n%s" % (tag, call_id, alice.contact, SDP))
        invite = bob.receive(3)
        self.assertIsNotNone(invite, "the INVITE did not reach the UDP phone" + self.server_log())
        self.assertTrue(invite.start.startswith("INVITE sip:bob2@127.0.0.1:%d " % bob.port), invite)
        vias = values(invite, "via")
        self.assertRegex(vias[0], r"^SIP/2\.0/UDP 127\.0\.0\.1:%d;branch=" % self.sb.udp_port)
        self.assertRegex(vias[1], r"^SIP/2\.0/WS %s;branch=" % alice.host.replace(".", r"\."))
        # The whole body came along (a UDP datagram needs no Content-Length either).
        self.assertEqual(invite.body, SDP)
        rr = values(invite, "record-route")
        self.assertEqual(len(rr), 2, invite)
        self.assertEqual(rr[0], "<sip:127.0.0.1:%d;lr>" % self.sb.udp_port)
        self.assertRegex(rr[1], r"^<sip:sbfw[0-9a-f]+-[0-9a-f]+@127\.0\.0\.1:%d;transport=ws;lr>$"
                         % self.ports["ws"])

        bob_contact = "<sip:bob2@127.0.0.1:%d>" % bob.port
        bob.send(self.sb.udp_port, response_to(invite, 180, "Ringing", "b1", bob_contact))
        bob.send(self.sb.udp_port, response_to(invite, 200, "OK", "b1", bob_contact))
        ok = alice.expect(lambda m: m.status == 200, 3)
        self.assertIsNotNone(ok, "no 200 over the WebSocket" + self.server_log())
        self.assertEqual(len(values(ok, "via")), 1, ok)
        self.assertEqual(values(ok, "record-route"), rr)

        # ACK along the route set (RFC 3261 §12.2.1.1: Record-Route reversed).
        route = ", ".join(reversed(rr))
        alice.send("ACK sip:bob2@127.0.0.1:%d SIP/2.0\r\n" % bob.port + alice.via() +
                   "Route: %s\r\nMax-Forwards: 70\r\nFrom: \"Alice\" <sip:alice2@127.0.0.1>;tag=%s\r\n"
                   "To: <sip:bob2@127.0.0.1>;tag=b1\r\nCall-ID: %s\r\nCSeq: 1 ACK\r\n"
                   "Content-Length: 0\r\n\r\n" % (route, tag, call_id))
        ack = bob.receive(3)
        self.assertTrue(ack and ack.start.startswith("ACK "), ack)
        self.assertEqual(ack.all("route"), [])

        # The UDP phone hangs up: the BYE goes to alice's .invalid Contact, so only the flow
        # token in our Record-Route can say where she is: her WebSocket connection.
        bob.send(self.sb.udp_port,
                 "BYE sip:alice2@%s;transport=ws;ob SIP/2.0\r\n" % alice.host +
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n" % (bob.port, token()) +
                 "Route: %s\r\nMax-Forwards: 70\r\nFrom: <sip:bob2@127.0.0.1>;tag=b1\r\n"
                 "To: \"Alice\" <sip:alice2@127.0.0.1>;tag=%s\r\nCall-ID: %s\r\nCSeq: 1 BYE\r\n"
                 "Content-Length: 0\r\n\r\n" % (", ".join(rr), tag, call_id))
        bye = alice.expect(lambda m: m.start.startswith("BYE "), 3)
        self.assertIsNotNone(bye, "the BYE did not reach the WebSocket phone" + self.server_log())
        self.assertRegex(values(bye, "via")[0], r"^SIP/2\.0/WS 127\.0\.0\.1:%d;branch=" % self.ports["ws"])
        self.assertEqual(bye.all("route"), [])
        alice.send(response_to(bye, 200, "OK", record_route=False))
        done = bob.receive(3)
        self.assertTrue(done and done.status == 200 and "BYE" in done.get("cseq"), done)
        self.assertServerAlive()

    def test_udp_phone_calls_ws_phone(self):
        alice = self.ws_phone("alice3")
        self.assertEqual(alice.register().status, 200)
        bob = self.udp_peer()
        call_id = token()
        bob.send(self.sb.udp_port,
                 "INVITE sip:alice3@127.0.0.1 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n" % (bob.port, token()) +
                 "Max-Forwards: 70\r\nFrom: <sip:bob3@127.0.0.1>;tag=b3\r\nTo: <sip:alice3@127.0.0.1>\r\n"
                 "Call-ID: %s\r\nCSeq: 7 INVITE\r\nContact: <sip:bob3@127.0.0.1:%d>\r\n"
                 "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
                 % (call_id, bob.port, len(SDP), SDP))
        invite = alice.expect(lambda m: m.start.startswith("INVITE "), 3)
        self.assertIsNotNone(invite, "the INVITE did not arrive on the WebSocket" + self.server_log())
        self.assertEqual(request_line_uri(invite), "sip:alice3@%s;transport=ws;ob" % alice.host)
        self.assertRegex(values(invite, "via")[0], r"^SIP/2\.0/WS 127\.0\.0\.1:%d;branch=" % self.ports["ws"])
        self.assertIn("m=audio", invite.body)
        rr = values(invite, "record-route")
        self.assertEqual(len(rr), 2, invite)
        self.assertRegex(rr[0], r"^<sip:sbfw[0-9a-f]+-[0-9a-f]+@127\.0\.0\.1:%d;transport=ws;lr>$"
                         % self.ports["ws"])
        self.assertEqual(rr[1], "<sip:127.0.0.1:%d;lr>" % self.sb.udp_port)

        alice.send(response_to(invite, 200, "OK", "a3", alice.contact))
        ok = None
        deadline = time.time() + 3
        while time.time() < deadline and ok is None:
            m = bob.receive(max(0.05, deadline - time.time()))
            if m is None:
                break
            if m.status == 200:
                ok = m
        self.assertIsNotNone(ok, "no 200 at the UDP phone" + self.server_log())
        self.assertEqual(values(ok, "record-route"), rr)
        bob.send(self.sb.udp_port,
                 "ACK sip:alice3@%s;transport=ws;ob SIP/2.0\r\n" % alice.host +
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n" % (bob.port, token()) +
                 "Route: %s\r\nMax-Forwards: 70\r\nFrom: <sip:bob3@127.0.0.1>;tag=b3\r\n"
                 "To: <sip:alice3@127.0.0.1>;tag=a3\r\nCall-ID: %s\r\nCSeq: 7 ACK\r\n"
                 "Content-Length: 0\r\n\r\n" % (", ".join(reversed(rr)), call_id))
        ack = alice.expect(lambda m: m.start.startswith("ACK "), 3)
        self.assertIsNotNone(ack, "the ACK did not arrive on the WebSocket" + self.server_log())
        self.assertServerAlive()

    def test_register_over_wss_and_reached_there(self):
        alice = self.ws_phone("wssalice", secure=True)
        # The server presents the certificate it generated in its data directory.
        peer_der = alice.ws.transport.get_extra_info("ssl_object").getpeercert(binary_form=True)
        with open(os.path.join(self.sb.workdir, "var", "tls", "server.crt")) as f:
            self.assertEqual(peer_der, ssl.PEM_cert_to_DER_cert(f.read()))
        r = alice.register()
        self.assertIsNotNone(r, "no answer over WSS" + self.server_log())
        self.assertEqual(r.status, 200, r)
        self.assertRegex(r.get("via"), r"^SIP/2\.0/WSS %s;" % alice.host.replace(".", r"\."))
        # An OPTIONS from a UDP phone is forwarded to her over the WSS connection.
        bob = self.udp_peer()
        bob.send(self.sb.udp_port,
                 "OPTIONS sip:wssalice@127.0.0.1 SIP/2.0\r\n"
                 "Via: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK%s;rport\r\n" % (bob.port, token()) +
                 "Max-Forwards: 70\r\nFrom: <sip:bob4@127.0.0.1>;tag=b4\r\nTo: <sip:wssalice@127.0.0.1>\r\n"
                 "Call-ID: %s\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n" % token())
        options = alice.expect(lambda m: m.start.startswith("OPTIONS "), 3)
        self.assertIsNotNone(options, "the OPTIONS did not arrive over WSS" + self.server_log())
        self.assertRegex(values(options, "via")[0],
                         r"^SIP/2\.0/WSS 127\.0\.0\.1:%d;branch=" % self.ports["wss"])
        alice.send(response_to(options, 200, "OK", "a4", record_route=False))
        ok = bob.receive(3)
        self.assertTrue(ok and ok.status == 200, ok)

    def test_upgrade_without_sip_subprotocol_is_refused(self):
        for offered in ((), ("chat",)):
            with self.assertRaises(websockets.exceptions.InvalidStatusCode) as cm:
                self.ws_phone("nobody", subprotocols=offered)
            self.assertEqual(cm.exception.status_code, 400)
        # A plain HTTP request is told to upgrade.
        s = socket.create_connection(("127.0.0.1", self.ports["ws"]), timeout=5)
        self.cleanups.append(s.close)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 426"), data)
        self.assertServerAlive()


if __name__ == "__main__":
    unittest.main()
