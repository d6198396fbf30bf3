"""Flood protection through the real binary: a flood from one UDP source gets 503s and then a
ban (no answers at all) while other sources are served, and is served again once the ban is
over; repeated wrong passwords and scanner User-Agents ban too; whitelisted sources are never
limited; configuration errors name file, line and key.

Each source is its own loopback address (127.0.0.2, 127.0.0.3, ...: Linux routes all of
127.0.0.0/8 to lo), so per-IP limits can be seen apart. The limits are set low (20 requests/s,
burst 20, 3 failures, 3 s bans) so each test takes seconds; every wait is a bounded loop.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import BINARY, Switchboard, UdpPeer, register, register_text
from test_auth import credentials, parse_challenge

SERVER = "127.0.0.1"
# How long to listen before concluding that the server stays silent.
QUIET = 0.5

LOW_LIMITS = """
[protection]
requests_per_second = 20
burst = 20
auth_failures = 3
auth_failure_window = 60
ban_seconds = 3
whitelist = ["127.0.0.3", "10.0.0.0/8", "2001:db8::/32"]
"""


class Peer(UdpPeer):
    """A UDP peer on its own loopback address that talks to the server on 127.0.0.1."""

    def send(self, server_port, text, host=None):
        super().send(server_port, text, host=host or SERVER)

    def options(self, server_port, user_agent=None, timeout=2.0):
        return self.request(server_port, self.options_text(server_port, user_agent),
                            timeout=timeout)

    def options_text(self, server_port, user_agent=None):
        return ("OPTIONS sip:{server}:{sport} SIP/2.0\r\n"
                "Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bK{b};rport\r\n"
                "Max-Forwards: 70\r\n"
                "From: <sip:probe@{host}>;tag=t{b}\r\n"
                "To: <sip:{server}:{sport}>\r\n"
                "Call-ID: {cid}\r\nCSeq: 1 OPTIONS\r\n{ua}Content-Length: 0\r\n\r\n").format(
            server=SERVER, sport=server_port, host=self.host, port=self.port,
            b=uuid.uuid4().hex[:12], cid=uuid.uuid4().hex,
            ua="User-Agent: %s\r\n" % user_agent if user_agent else "")

    def flood(self, server_port, count):
        """Sends `count` OPTIONS as fast as possible; returns every answer that comes back."""
        for _ in range(count):
            self.send(server_port, self.options_text(server_port))
        answers = []
        deadline = time.time() + 10
        while time.time() < deadline:
            r = self.receive(QUIET)
            if r is None:
                break
            answers.append(r)
        return answers


def statuses(answers):
    counts = {}
    for r in answers:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts


class ProtectionTest(unittest.TestCase):
    config = LOW_LIMITS

    def setUp(self):
        self.sb = Switchboard(config=self.config).start()
        self.peers = []

    def tearDown(self):
        for p in self.peers:
            p.close()
        self.sb.cleanup()

    def peer(self, host):
        p = Peer(host)
        self.peers.append(p)
        return p

    def wait_for_log(self, pattern, timeout=5.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if re.search(pattern, self.sb.output()):
                return True
            time.sleep(0.1)
        self.fail("no log line matching %r in:\n%s" % (pattern, self.sb.output()[-3000:]))

    def test_thresholds_are_logged_at_start(self):
        self.assertRegex(self.sb.output(), r"protection: 20 requests/s per source IP \(burst 20\).*"
                                           r"ban 3s.*3 failed authentications.*127\.0\.0\.3")

    def test_flood_gets_503_then_a_ban_and_is_served_again_after_it(self):
        flooder = self.peer("127.0.0.2")
        other = self.peer("127.0.0.4")
        answers = flooder.flood(self.sb.udp_port, 100)
        flood_end = time.time()
        seen = statuses(answers)
        # The burst is served (plus the odd token refilled while the flood arrives) ...
        self.assertGreaterEqual(seen.get(200, 0), 20, seen)
        self.assertLessEqual(seen.get(200, 0), 25, seen)
        # ... then 503 with Retry-After, until another burst's worth: then nothing at all.
        self.assertGreaterEqual(seen.get(503, 0), 10, seen)
        self.assertEqual(set(seen), {200, 503}, seen)
        self.assertLess(len(answers), 60, seen)
        for r in answers:
            if r.status == 503:
                self.assertRegex(r.get("retry-after") or "", r"^[1-9]\d*$", r)
        self.wait_for_log(r"banned 127\.0\.0\.2 for 3s: request rate")
        self.assertIsNone(flooder.options(self.sb.udp_port, timeout=QUIET))
        # Other sources are served during the ban.
        r = other.options(self.sb.udp_port)
        self.assertIsNotNone(r, self.sb.output()[-2000:])
        self.assertEqual(r.status, 200)
        # The ban ends after 3 s; poll (each probe is dropped unread while it lasts).
        served = None
        deadline = flood_end + 10
        while time.time() < deadline:
            served = flooder.options(self.sb.udp_port, timeout=0.3)
            if served is not None:
                break
        self.assertIsNotNone(served, "still banned after 10 s:\n" + self.sb.output()[-2000:])
        self.assertEqual(served.status, 200)
        self.assertGreater(time.time() - flood_end, 2.0)
        self.wait_for_log(r"unbanned 127\.0\.0\.2: the 3s ban for request rate is over")
        self.assertEqual(len(re.findall(r"\bbanned 127\.0\.0\.2 ", self.sb.output())), 1)
        self.assertTrue(self.sb.alive())

    def add_user(self, name, password):
        pw = os.path.join(self.sb.workdir, "pw-" + name)
        with open(pw, "w") as f:
            f.write(password + "\n")
        out = subprocess.run([BINARY, "user", "--data-dir", os.path.join(self.sb.workdir, "var"),
                              "add", "%s@127.0.0.1" % name, "--password-file", pw],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        time.sleep(0.6)

    def register(self, peer, authorization=None, timeout=2.0):
        uri = "sip:127.0.0.1:%d" % self.sb.udp_port
        msg = ("REGISTER {uri} SIP/2.0\r\n"
               "Via: SIP/2.0/UDP {host}:{port};branch=z9hG4bK{b};rport\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:alice@127.0.0.1>;tag=t{b}\r\n"
               "To: <sip:alice@127.0.0.1>\r\n"
               "Call-ID: {cid}\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@{host}:{port}>\r\n"
               "Expires: 600\r\n{auth}Content-Length: 0\r\n\r\n").format(
            uri=uri, host=peer.host, port=peer.port, b=uuid.uuid4().hex[:10],
            cid=uuid.uuid4().hex,
            auth="Authorization: %s\r\n" % authorization if authorization else "")
        return peer.request(self.sb.udp_port, msg, timeout=timeout), uri

    def wrong_passwords(self, peer, attempts):
        """Sends `attempts` REGISTERs with a wrong password; returns their statuses."""
        r, uri = self.register(peer)
        self.assertEqual(r.status, 401)
        challenge = parse_challenge(r.get("www-authenticate"))
        out = []
        for _ in range(attempts):
            r, _ = self.register(peer, credentials("REGISTER", uri, "alice", "127.0.0.1", "guess",
                                                   challenge, challenge["algorithm"]))
            out.append(r.status if r else None)
        return out

    def test_wrong_passwords_end_in_a_ban(self):
        self.add_user("alice", "wonderland")
        guesser = self.peer("127.0.0.5")
        # The third failure bans; its own 401 is already on its way.
        self.assertEqual(self.wrong_passwords(guesser, 3), [401, 401, 401])
        self.wait_for_log(r"banned 127\.0\.0\.5 for 3s: 3 failed authentications within 60s")
        r, _ = self.register(guesser, timeout=QUIET)
        self.assertIsNone(r)
        # Someone else is still challenged as usual.
        r, _ = self.register(self.peer("127.0.0.6"))
        self.assertEqual(r.status, 401)

    def test_scanner_is_dropped_and_repeated_hits_ban(self):
        scanner = self.peer("127.0.0.7")
        phone = self.peer("127.0.0.8")
        self.assertIsNone(scanner.options(self.sb.udp_port, "friendly-scanner", timeout=QUIET))
        for ua in ("Linphone/5.2.0 (belle-sip/5.2.0)", "sipsak 0.9.8.1", None):
            r = phone.options(self.sb.udp_port, ua)
            self.assertIsNotNone(r, ua)
            self.assertEqual(r.status, 200, ua)
        # One hit is no ban: the same address with a normal User-Agent is served.
        self.assertEqual(scanner.options(self.sb.udp_port, "MicroSIP/3.21").status, 200)
        self.assertIsNone(scanner.options(self.sb.udp_port, "SIPVicious 0.3.4", timeout=QUIET))
        self.assertIsNone(scanner.options(self.sb.udp_port, "sipcli/v1.8", timeout=QUIET))
        self.wait_for_log(r"banned 127\.0\.0\.7 for 3s: 3 requests from a scanner user agent")
        self.assertIsNone(scanner.options(self.sb.udp_port, "MicroSIP/3.21", timeout=QUIET))
        self.assertEqual(phone.options(self.sb.udp_port).status, 200)

    def test_whitelisted_source_is_never_limited_or_banned(self):
        trusted = self.peer("127.0.0.3")
        answers = trusted.flood(self.sb.udp_port, 100)
        self.assertEqual(statuses(answers), {200: 100})
        self.add_user("alice", "wonderland")
        self.assertEqual(self.wrong_passwords(trusted, 5), [401] * 5)
        r = trusted.options(self.sb.udp_port, "friendly-scanner")
        self.assertIsNotNone(r)
        self.assertEqual(r.status, 200)
        self.assertNotIn("banned 127.0.0.3", self.sb.output())


class Scanner403Test(unittest.TestCase):
    def test_scanner_gets_403_when_configured(self):
        sb = Switchboard(config=LOW_LIMITS + 'scanner_action = "403"\n').start()
        peer = Peer("127.0.0.9")
        try:
            r = peer.options(sb.udp_port, "friendly-scanner")
            self.assertIsNotNone(r)
            self.assertEqual(r.status, 403)
            self.assertEqual(peer.options(sb.udp_port, "Zoiper rv2.10").status, 200)
        finally:
            peer.close()
            sb.cleanup()


class DisabledTest(unittest.TestCase):
    def test_enabled_false_turns_everything_off(self):
        sb = Switchboard(config=LOW_LIMITS + "enabled = false\n").start()
        peer = Peer("127.0.0.10")
        try:
            self.assertEqual(statuses(peer.flood(sb.udp_port, 100)), {200: 100})
            self.assertEqual(peer.options(sb.udp_port, "friendly-scanner").status, 200)
            self.assertIn("protection is off", sb.output())
        finally:
            peer.close()
            sb.cleanup()


class ConfigErrorTest(unittest.TestCase):
    BAD = ("[protection]\n"
           "requests_per_second = 0\n"
           "whitelist = [\"127.0.0.1\", \"10.0.0.0/33\"]\n"
           "scanner_action = \"block\"\n"
           "ban_seconds = -1\n"
           "scanner_user_agents = [\"\"]\n")

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sb-it-prot-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def run_binary(self, *args):
        out = subprocess.run([BINARY] + list(args), capture_output=True, timeout=10, cwd=self.dir)
        return out.returncode, (out.stdout + out.stderr).decode(errors="replace")

    def test_bad_values_are_reported_with_file_line_and_key(self):
        path = os.path.join(self.dir, "bad.toml")
        with open(path, "w") as f:
            f.write(self.BAD)
        for args in (("config", "check", path),
                     ("run", "--config", path, "--data-dir", os.path.join(self.dir, "var"))):
            code, output = self.run_binary(*args)
            self.assertEqual(code, 2, output)
            p = re.escape(path)
            self.assertRegex(output, p + r":2: protection\.requests_per_second: 0 is out of range")
            self.assertRegex(output, p + r":3: protection\.whitelist: '10\.0\.0\.0/33'")
            self.assertRegex(output, p + r":4: protection\.scanner_action: \"block\" is not one of")
            self.assertRegex(output, p + r":5: protection\.ban_seconds: -1 is out of range")
            self.assertRegex(output, p + r":6: protection\.scanner_user_agents: an empty string")


class OverloadTest(unittest.TestCase):
    """A worker that falls behind answers new requests 503 + Retry-After, and serves again once
    it has caught up. Falling behind is made certain by stopping the process (SIGSTOP) while
    requests queue up in its socket: each then waits longer than max_queue_delay_ms."""

    CONFIG = "[server]\nworkers = 1\n[overload]\nmax_queue_delay_ms = 100\nretry_after = 7\n"

    def setUp(self):
        self.sb = Switchboard(config=self.CONFIG).start()
        self.addCleanup(self.sb.cleanup)
        self.addCleanup(self.sb.resume)
        self.peer = Peer("127.0.0.1")
        self.addCleanup(self.peer.close)

    def registered(self, user):
        r = register(user, None, self.sb.udp_port, self.peer)
        return r is not None and r.status == 200 and r.get("contact") is not None

    def test_queued_requests_get_503_and_the_server_recovers(self):
        contact = "<sip:%s@127.0.0.1:%d>" % ("early", self.peer.port)
        r = register("early", contact, self.sb.udp_port, self.peer)
        self.assertEqual(r.status, 200, r)

        self.sb.pause()
        users = ["late%d" % i for i in range(10)]
        for user in users:
            self.peer.send(self.sb.udp_port, register_text(user, self.peer, self.sb.udp_port))
        time.sleep(0.4)
        self.sb.resume()
        answers = []
        deadline = time.time() + 5
        while len(answers) < len(users) and time.time() < deadline:
            a = self.peer.receive(1.0)
            if a is not None:
                answers.append(a)
        self.assertEqual([a.status for a in answers], [503] * len(users), answers)
        self.assertEqual({a.get("retry-after") for a in answers}, {"7"})
        self.assertTrue(self.sb.wait_output("worker 0 overloaded"), self.sb.output())

        # Caught up: the next request waits no time, and is served.
        contact = "<sip:late0@127.0.0.1:%d>" % self.peer.port
        r = register("late0", contact, self.sb.udp_port, self.peer)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.sb.wait_output("worker 0 caught up"), self.sb.output())
        # Nothing refused was stored, nothing stored before was lost.
        self.assertFalse(self.registered("late1"))
        self.assertTrue(self.registered("early"))


if __name__ == "__main__":
    unittest.main()
