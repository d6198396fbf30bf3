"""Real phones through the real server: baresip 1.0.0 and linphonec 5.1 register to switchboard and
call each other across a test LAN (one network namespace per phone on a bridge, the server on the
bridge's host side; loopback with distinct ports where namespaces cannot be made).

Audio is checked end to end: every phone sends its own sine tone (baresip: ausine; linphonec: a
WAV file) and records what it hears, and a Goertzel filter tells whose tone a recording holds.
RTP is also counted per direction with dumpcap/tshark on the LAN.

Every test starts its own server (--trace-sip: failure messages show the server's view of the
call) and its own phones. SB_REAL_CLIENTS_LOOPBACK=1 forces the loopback fallback;
SB_KEEP_PHONES=1 keeps each test's directory (server log, phone logs, recordings, captures).
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import wave

from harness import Switchboard
from phones import Baresip, Linphonec, RtpCapture, TestLan, goertzel, log, tone_level

# Every phone's tone (Hz); none is a multiple of another, all inside G.711's band.
TONES = {"alice": 500, "bob": 700, "carol": 1100, "dave": 1300}
HEARD = 0.1       # Goertzel amplitude of a tone that is heard (sent at about 0.45-0.5)
NOT_HEARD = 0.02  # ... and of one that is not
SETUP = 10        # seconds a call may take to ring, answer or close


def sip_messages(trace):
    """The messages of a --trace-sip log: (direction 'in'/'out', peer 'udp:ip:port', text)."""
    out = []
    parts = re.split(r"^\S+ \S+ debug \[sip\] (received from|sending to) (\S+):\n", trace, flags=re.M)
    for i in range(1, len(parts) - 2, 3):
        text = re.split(r"^\d{4}-\d\d-\d\d \d", parts[i + 2], maxsplit=1, flags=re.M)[0].strip("\n")
        out.append(("in" if parts[i] == "received from" else "out", parts[i + 1], text))
    return out


def first_line(text):
    return text.split("\n", 1)[0].strip()


class RealClientsTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.lan = TestLan(["alice", "bob", "carol", "dave"])
        log("mode: %s" % cls.lan.mode)

    @classmethod
    def tearDownClass(cls):
        cls.lan.cleanup()
        left = cls.lan.leftovers()
        if left:
            raise RuntimeError("test LAN not cleaned up: %s" % left)

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="sb-phones-")
        self.phones = []
        self.captures = []
        self.sb = Switchboard(workdir=os.path.join(self.workdir, "sb"), listen=(self.lan.server_ip + ":0",),
                              args=["--trace-sip", "--location-store", "memory"])
        os.makedirs(self.sb.workdir)
        self.addCleanup(self._cleanup)
        self.sb.start()
        self.server = (self.lan.server_ip, self.sb.udp_port)

    def _cleanup(self):
        try:
            for c in self.captures:
                if c.proc and c.proc.poll() is None:
                    c.stop()
            for p in reversed(self.phones):
                p.stop()
            self.assertTrue(self.sb.alive(), "switchboard died:\n" + self.sb.output()[-3000:])
        finally:
            self.sb.stop()
            self._remove_workdir()

    def _remove_workdir(self):
        if os.environ.get("SB_KEEP_PHONES") == "1":
            log("kept %s" % self.workdir)
        else:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- helpers --

    def baresip(self, name, contacts=()):
        p = Baresip(self.lan.host(name), name, self.server, TONES[name], os.path.join(self.workdir, name),
                    contacts=contacts)
        self.phones.append(p)
        return p.start().register()

    def linphone(self, name="dave"):
        p = Linphonec(self.lan.host(name), name, self.server, TONES[name], os.path.join(self.workdir, name))
        self.phones.append(p)
        return p.start().register()

    def uri(self, user):
        return "sip:%s@%s" % (user, self.lan.server_ip)

    def capture(self, *phones):
        c = RtpCapture(self.lan.capture_interface, [p.rtp for p in phones], self.workdir).start()
        self.captures.append(c)
        return c

    def trace(self):
        return sip_messages(self.sb.output())

    def wait_trace(self, pred, timeout=3):
        """The first traced message (direction, peer, text) matching `pred`, waiting up to `timeout` s."""
        deadline = time.time() + timeout
        while True:
            for m in self.trace():
                if pred(*m):
                    return m
            if time.time() > deadline:
                return None
            time.sleep(0.1)

    def ladder(self, call_id=None):
        """The server's view of one call (or all), one line per message, for failure messages."""
        lines = []
        for direction, peer, text in self.trace():
            if call_id and call_id not in text:
                continue
            lines.append("%s %-24s %s" % ("->" if direction == "in" else "<-", peer, first_line(text)))
        return "\n".join(lines)

    def call(self, caller, callee, peer_user=None):
        """caller (a baresip) dials callee (a baresip) who answers; both see the call established."""
        m_caller, m_callee = caller.mark(), callee.mark()
        caller.dial(self.uri(callee.user))
        inc = callee.wait_call("CALL_INCOMING", SETUP, m_callee)
        self.assertIsNotNone(inc, "%s was not called:\n%s" % (callee.user, self.ladder()))
        self.assertIn(peer_user or caller.user, inc["peeruri"])
        callee.accept()
        est = caller.wait_call("CALL_ESTABLISHED", SETUP, m_caller)
        self.assertIsNotNone(est, "%s: call not established:\n%s" % (caller.user, self.ladder()))
        self.assertIsNotNone(callee.wait_call("CALL_ESTABLISHED", SETUP, m_callee))
        return est["id"]

    def assertHears(self, wav, freq, who):
        level, rms = tone_level(wav, freq)
        self.assertGreater(level, HEARD, "%s: the %d Hz tone is missing (level %.3f, RMS %.3f)" % (who, freq, level, rms))

    def assertDoesNotHear(self, wav, freq, who):
        level, rms = tone_level(wav, freq)
        self.assertLess(level, NOT_HEARD, "%s: the %d Hz tone is there (level %.3f, RMS %.3f)" % (who, freq, level, rms))

    def last_recording(self, phone):
        recs = phone.recordings("dec")
        self.assertTrue(recs, "%s recorded nothing" % phone.user)
        return recs[-1]

    # -- the LAN itself --

    def test_phones_register_from_their_own_hosts(self):
        phones = [self.baresip("alice"), self.baresip("bob"), self.linphone("dave")]
        sources = {}
        for direction, peer, text in self.trace():
            m = re.search(r"^From: .*<?sip:(\w+)@", text, re.M)
            if direction == "in" and first_line(text).startswith("REGISTER ") and m:
                sources[m.group(1)] = peer
        for p in phones:
            self.assertIn(p.user, sources, self.ladder())
            self.assertEqual(sources[p.user], "udp:%s:%d" % (p.host.ip, p.sip_port))
        if self.lan.mode == "namespaces":
            self.assertEqual(len({p.host.ip for p in phones}), 3)
            # The guard: a phone's host reaches nothing outside the test LAN, not even this
            # machine's own address on its real network (the datagram would go to the discard port).
            outside = self.lan.outside_address()
            if outside is None:
                log("this machine has no address outside the test LAN: guard not probed")
            else:
                probe = subprocess.run(
                    p.host.command(["python3", "-c",
                                    "import socket\n"
                                    "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                                    "try:\n s.sendto(b'x', ('%s', 9)); print('sent')\n"
                                    "except OSError as e: print('blocked', e.errno)" % outside]),
                    stdout=subprocess.PIPE, text=True, timeout=10)
                self.assertTrue(probe.stdout.startswith("blocked"), "%s: %s" % (outside, probe.stdout))
        else:
            log("loopback mode: phones are told apart by port only")
            self.assertEqual(len({p.sip_port for p in phones}), 3)

    # -- baresip to baresip --

    def test_call_answered_audio_both_ways_caller_hangs_up(self):
        alice, bob = self.baresip("alice"), self.baresip("bob")
        cap = self.capture(alice, bob)
        call_id = self.call(alice, bob)
        time.sleep(2.5)
        m_bob = bob.mark()
        alice.hangup()
        closed = bob.wait_call("CALL_CLOSED", SETUP, m_bob)
        self.assertIsNotNone(closed, "bob did not see the BYE:\n" + self.ladder(call_id))
        self.assertEqual(closed["param"], "Connection reset by peer")
        cap.stop()
        a_to_b, b_to_a = cap.count(alice, bob), cap.count(bob, alice)
        log("RTP alice->bob %d, bob->alice %d" % (a_to_b, b_to_a))
        self.assertGreater(a_to_b, 75, cap.flows())   # 2.5 s of 20 ms packets is 125
        self.assertGreater(b_to_a, 75, cap.flows())
        self.assertHears(self.last_recording(bob), TONES["alice"], "bob")
        self.assertDoesNotHear(self.last_recording(bob), TONES["bob"], "bob")
        self.assertHears(self.last_recording(alice), TONES["bob"], "alice")
        # The BYE went alice -> server -> bob and its 200 back.
        byes = [(d, peer) for d, peer, t in self.trace() if call_id in t and first_line(t).startswith("BYE ")]
        self.assertIn(("out", "udp:%s:%d" % (bob.host.ip, bob.sip_port)), byes, self.ladder(call_id))

    def test_callee_hangs_up(self):
        alice, bob = self.baresip("alice"), self.baresip("bob")
        call_id = self.call(alice, bob)
        time.sleep(0.5)
        m_alice = alice.mark()
        bob.hangup()
        closed = alice.wait_call("CALL_CLOSED", SETUP, m_alice)
        self.assertIsNotNone(closed, "alice did not see the BYE:\n" + self.ladder(call_id))
        self.assertEqual(closed["param"], "Connection reset by peer")

    def test_busy_callee_rejects_with_486(self):
        alice, bob = self.baresip("alice"), self.baresip("bob")
        m_alice, m_bob = alice.mark(), bob.mark()
        alice.dial(self.uri("bob"))
        inc = bob.wait_call("CALL_INCOMING", SETUP, m_bob)
        self.assertIsNotNone(inc, self.ladder())
        self.assertIsNotNone(alice.wait_call("CALL_RINGING", SETUP, m_alice), self.ladder())
        bob.hangup()    # on a ringing call: 486
        closed = alice.wait_call("CALL_CLOSED", SETUP, m_alice)
        self.assertIsNotNone(closed, "alice's call did not close:\n" + self.ladder(inc["id"]))
        self.assertTrue(closed["param"].startswith("486"), closed)
        self.assertNotIn("CALL_ESTABLISHED", alice.call_events(m_alice))
        # The ACK for the 486 is hop by hop: the server absorbs alice's and sends bob its own.
        time.sleep(0.5)
        msgs = [(d, peer, first_line(t)) for d, peer, t in self.trace() if inc["id"] in t]
        bob_addr = "udp:%s:%d" % (bob.host.ip, bob.sip_port)
        alice_addr = "udp:%s:%d" % (alice.host.ip, alice.sip_port)
        self.assertIn(("out", alice_addr), [(d, p) for d, p, l in msgs if l.startswith("SIP/2.0 486")],
                      self.ladder(inc["id"]))
        self.assertIn(("in", alice_addr), [(d, p) for d, p, l in msgs if l.startswith("ACK ")], self.ladder(inc["id"]))
        acks_to_bob = [m for m in msgs if m[0] == "out" and m[1] == bob_addr and m[2].startswith("ACK ")]
        self.assertEqual(len(acks_to_bob), 1, self.ladder(inc["id"]))

    def test_caller_cancels_while_callee_rings(self):
        alice, bob = self.baresip("alice"), self.baresip("bob")
        m_alice, m_bob = alice.mark(), bob.mark()
        alice.dial(self.uri("bob"))
        inc = bob.wait_call("CALL_INCOMING", SETUP, m_bob)
        self.assertIsNotNone(inc, self.ladder())
        self.assertIsNotNone(alice.wait_call("CALL_RINGING", SETUP, m_alice), self.ladder())
        alice.hangup()  # before an answer: CANCEL
        closed = bob.wait_call("CALL_CLOSED", SETUP, m_bob)
        self.assertIsNotNone(closed, "bob's ringing call was not cancelled:\n" + self.ladder(inc["id"]))
        self.assertEqual(closed["param"], "Connection reset by peer")
        self.assertNotIn("CALL_ESTABLISHED", bob.call_events(m_bob))
        time.sleep(0.5)
        msgs = [(d, peer, first_line(t)) for d, peer, t in self.trace() if inc["id"] in t]
        bob_addr = "udp:%s:%d" % (bob.host.ip, bob.sip_port)
        alice_addr = "udp:%s:%d" % (alice.host.ip, alice.sip_port)
        self.assertIn(("out", bob_addr), [(d, p) for d, p, l in msgs if l.startswith("CANCEL ")], self.ladder(inc["id"]))
        self.assertIn(("out", alice_addr), [(d, p) for d, p, l in msgs if l.startswith("SIP/2.0 487")],
                      self.ladder(inc["id"]))

    def test_blind_transfer_to_a_third_phone(self):
        alice, bob, carol = self.baresip("alice"), self.baresip("bob"), self.baresip("carol")
        first = self.call(alice, bob)
        time.sleep(1.5)
        m_alice, m_bob, m_carol = alice.mark(), bob.mark(), carol.mark()
        bob.transfer(self.uri("carol"))
        # alice gets the REFER, calls carol herself; carol answers and bob's call ends.
        inc = carol.wait_call("CALL_INCOMING", SETUP, m_carol)
        self.assertIsNotNone(inc, "carol was not called after the REFER:\n" + self.ladder())
        self.assertIn("alice", inc["peeruri"])
        self.assertIsNotNone(alice.wait_call("TRANSFER", SETUP, m_alice), self.ladder(first))
        cap = self.capture(alice, carol)
        carol.accept()
        est = alice.wait_call("CALL_ESTABLISHED", SETUP, m_alice, peer="carol")
        self.assertIsNotNone(est, "alice is not talking to carol:\n" + self.ladder())
        self.assertIsNotNone(carol.wait_call("CALL_ESTABLISHED", SETUP, m_carol))
        self.assertIsNotNone(bob.wait_call("CALL_CLOSED", SETUP, m_bob), "bob's call did not end:\n" + self.ladder(first))
        self.assertIsNotNone(alice.wait_call("CALL_CLOSED", SETUP, m_alice, peer="bob"), self.ladder(first))
        time.sleep(2)
        m_carol = carol.mark()
        alice.hangup()
        self.assertIsNotNone(carol.wait_call("CALL_CLOSED", SETUP, m_carol), self.ladder())
        cap.stop()
        self.assertGreater(cap.count(alice, carol), 50, cap.flows())
        self.assertGreater(cap.count(carol, alice), 50, cap.flows())
        after = self.last_recording(alice)
        self.assertHears(after, TONES["carol"], "alice after the transfer")
        self.assertDoesNotHear(after, TONES["bob"], "alice after the transfer")
        self.assertHears(self.last_recording(carol), TONES["alice"], "carol")
        refers = [l for d, p, t in self.trace() for l in [first_line(t)] if l.startswith("REFER ") and d == "out"]
        self.assertEqual(len(refers), 1, self.ladder(first))

    def test_message_between_phones(self):
        alice = self.baresip("alice", contacts=[self.uri("bob")])
        bob = self.baresip("bob")
        text = "hello bob, this is alice %d" % os.getpid()
        alice.message(text)
        line = bob.wait_output(re.escape(text), SETUP)
        self.assertIsNotNone(line, "bob did not print the MESSAGE:\n%s\n%s" % (bob.output()[-2000:], self.ladder()))
        self.assertIn("sip:alice@", line)
        # bob's 200 OK goes back to alice through the server.
        alice_addr = "udp:%s:%d" % (alice.host.ip, alice.sip_port)
        ok = self.wait_trace(lambda d, p, t: d == "out" and p == alice_addr and first_line(t).startswith("SIP/2.0 200")
                             and re.search(r"^CSeq: \d+ MESSAGE", t, re.M))
        self.assertTrue(ok, "the 200 OK for the MESSAGE did not reach alice:\n" + self.ladder())

    # -- Linphone and baresip --

    def test_linphone_calls_baresip(self):
        dave, bob = self.linphone("dave"), self.baresip("bob")
        cap = self.capture(dave, bob)
        rec = os.path.join(self.workdir, "dave-heard.wav")
        dave.send("record %s" % rec)
        m_bob, m_dave = bob.mark(), dave.mark()
        dave.send("call %s" % self.uri("bob"))
        inc = bob.wait_call("CALL_INCOMING", SETUP, m_bob)
        self.assertIsNotNone(inc, "bob was not called by linphonec:\n" + self.ladder())
        self.assertIn("dave", inc["peeruri"])
        bob.accept()
        self.assertIsNotNone(dave.wait_line(r"Call \d+ with .*bob.* connected", SETUP, m_dave),
                             dave.output()[-2000:])
        self.assertIsNotNone(bob.wait_call("CALL_ESTABLISHED", SETUP, m_bob))
        time.sleep(2.5)
        dave.send("terminate")
        self.assertIsNotNone(bob.wait_call("CALL_CLOSED", SETUP, m_bob), self.ladder(inc["id"]))
        cap.stop()
        self.assertGreater(cap.count(dave, bob), 75, cap.flows())
        self.assertGreater(cap.count(bob, dave), 75, cap.flows())
        self.assertHears(self.last_recording(bob), TONES["dave"], "bob")
        self.assertHears(rec, TONES["bob"], "dave")

    def test_baresip_calls_linphone(self):
        alice, dave = self.baresip("alice"), self.linphone("dave")
        cap = self.capture(alice, dave)
        rec = os.path.join(self.workdir, "dave-heard.wav")
        dave.send("record %s" % rec)
        m_alice, m_dave = alice.mark(), dave.mark()
        alice.dial(self.uri("dave"))
        m = dave.wait_line(r"Receiving new incoming call from .*alice.*, assigned id (\d+)", SETUP, m_dave)
        self.assertIsNotNone(m, "linphonec was not called:\n%s\n%s" % (dave.output()[-2000:], self.ladder()))
        self.assertIsNotNone(alice.wait_call("CALL_RINGING", SETUP, m_alice), self.ladder())
        dave.send("answer %s" % m.group(1))
        est = alice.wait_call("CALL_ESTABLISHED", SETUP, m_alice)
        self.assertIsNotNone(est, "linphonec's answer did not reach alice:\n" + self.ladder())
        time.sleep(2.5)
        alice.hangup()
        self.assertIsNotNone(dave.wait_line(r"Call \d+ with .*alice.* ended", SETUP, m_dave),
                             "linphonec did not see the BYE:\n%s\n%s" % (dave.output()[-2000:], self.ladder(est["id"])))
        cap.stop()
        self.assertGreater(cap.count(alice, dave), 75, cap.flows())
        self.assertGreater(cap.count(dave, alice), 75, cap.flows())
        self.assertHears(self.last_recording(alice), TONES["dave"], "alice")
        self.assertHears(rec, TONES["alice"], "dave")

    def test_three_party_conference_hosted_by_linphone(self):
        dave, alice, bob = self.linphone("dave"), self.baresip("alice"), self.baresip("bob")
        cap = self.capture(dave, alice, bob)
        m_dave = dave.mark()
        ids = {}
        for phone in (alice, bob):
            if phone is bob:
                # A second call needs the first one paused.
                mark = dave.mark()
                dave.send("pause")
                self.assertIsNotNone(dave.wait_line(r"Call \d+ with .* is now paused", SETUP, mark),
                                     dave.output()[-2000:])
            mark, m_phone = dave.mark(), phone.mark()
            dave.send("call %s" % self.uri(phone.user))
            m = dave.wait_line(r"Establishing call id to .*%s.*, assigned id (\d+)" % phone.user, SETUP, mark)
            self.assertIsNotNone(m, dave.output()[-2000:])
            ids[phone.user] = m.group(1)
            self.assertIsNotNone(phone.wait_call("CALL_INCOMING", SETUP, m_phone), self.ladder())
            phone.accept()
            self.assertIsNotNone(dave.wait_line(r"Call %s with .* connected" % ids[phone.user], SETUP, mark),
                                 dave.output()[-2000:])
        m_alice, m_bob = alice.mark(), bob.mark()
        dave.send("conference add %s" % ids["alice"])
        dave.send("conference add %s" % ids["bob"])
        time.sleep(4)
        for phone, mark in ((alice, m_alice), (bob, m_bob)):
            # Neither baresip phone was hung up by the merge: both stay in the conference.
            self.assertNotIn("CALL_CLOSED", phone.call_events(mark), "%s left the conference:\n%s\n%s"
                             % (phone.user, dave.output()[-3000:], self.ladder()))
        end = time.time()
        # The participants hang up one after the other. (linphonec's `terminate all` races its
        # own conference teardown: it leaves a re-INVITE's 200 OK unacknowledged.)
        for phone in (bob, alice):
            mark = dave.mark()
            phone.hangup()
            self.assertIsNotNone(dave.wait_line(r"Call %s with .* ended" % ids[phone.user], SETUP, mark),
                                 "dave did not see %s hang up:\n%s\n%s" % (phone.user, dave.output()[-2000:],
                                                                            self.ladder()))
        cap.stop()
        # In the last 2 s of the conference dave's mixer sends each participant the other one's
        # tone. (In `soundcard use files` mode liblinphone's own conference endpoint has no
        # capture device, so dave's tone is not part of the mix.) Checked on the wire, since
        # baresip 1.0.0 stops recording what it hears once it has been put on hold (alice was).
        for phone, other in ((alice, bob), (bob, alice)):
            samples = cap.audio(dave, phone, start=end - 2.0, end=end)
            self.assertGreater(len(samples), 8000, "little audio from dave to %s: %s" % (phone.user, cap.flows()))
            level, rms = goertzel(samples, 8000, TONES[other.user])
            self.assertGreater(level, HEARD, "the conference does not send %s's tone to %s (level %.3f, RMS %.3f)"
                               % (other.user, phone.user, level, rms))
            level, rms = goertzel(samples, 8000, TONES[phone.user])
            self.assertLess(level, NOT_HEARD, "the conference echoes %s's own tone (level %.3f)" % (phone.user, level))
            self.assertGreater(cap.count(phone, dave), 100, cap.flows())
        # bob was never on hold: his own recording ends with alice's tone, through the conference.
        wav = self.last_recording(bob)
        level, rms = tone_level(wav, TONES["alice"], skip=max(0.0, _duration(wav) - 2.0))
        self.assertGreater(level, HEARD, "bob does not hear alice in the conference (level %.3f, RMS %.3f)" % (level, rms))


def _duration(wav):
    with wave.open(wav, "rb") as w:
        return w.getnframes() / float(w.getframerate())


if __name__ == "__main__":
    unittest.main()
