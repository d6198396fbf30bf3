"""Calls between SIPp instances through the real switchboard on loopback (RFC 3261 §16).

Every test registers its callee SIPp (the UAS) as a user, then has a caller SIPp (the UAC) send
INVITE sip:<user>@127.0.0.1:<server port> to the server. Both SIPp instances keep a message log
(-trace_msg), parsed here to check what the server relayed. Scenarios live in
scenarios/calls/, named after what they do and expect.
"""

import datetime
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest

from harness import Response, Sipp, Switchboard, UdpPeer, free_port, register


class Traced(Response):
    """One message from a SIPp message log: which way it went, when, over what."""

    def __init__(self, direction, transport, when, text):
        super().__init__(text)
        self.direction = direction  # "sent" or "received", seen from that SIPp
        self.transport = transport
        self.when = when
        first = self.start.split(" ")
        self.is_request = self.status == 0
        self.request_uri = first[1] if self.is_request and len(first) > 1 else None
        cseq = (self.get("cseq") or "").split()
        self.cseq_number = int(cseq[0]) if cseq and cseq[0].isdigit() else None
        self.method = first[0] if self.is_request else (cseq[1] if len(cseq) > 1 else "")

    def values(self, name):
        """Every comma-separated value of a header, over all its rows (no quoted commas here)."""
        return [v.strip() for row in self.all(name) for v in row.split(",") if v.strip()]

    def top_branch(self):
        m = re.search(r";branch=([^;,\s]+)", self.values("via")[0])
        return m.group(1) if m else None


def trace(sipp):
    """The messages a SIPp instance sent and received, in order.

    Each entry of SIPp's -trace_msg log starts with a row of dashes and a timestamp; a message
    that a scenario drops on purpose (lost="...") is followed by "UDP message lost (recv)."
    with no line break, so the next entry's dashes need not start a line.
    """
    out = []
    parts = re.split(r"-{40,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\n", sipp.messages())
    for stamp, chunk in zip(parts[1::2], parts[2::2]):
        head, sep, text = chunk.partition("\n\n")
        m = re.match(r"(UDP|TCP) message (sent|received)", head)
        if not sep or not m:
            continue
        lost = re.search(r"\n*(UDP|TCP) message lost \(recv\)\.\s*$", text)
        if lost:
            text = text[:lost.start()]
        # SIPp logs what it sent as sent (CRLF) but what it received with bare LFs.
        text = re.sub(r"\r?\n", "\r\n", text.rstrip("\n"))
        when = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp()
        out.append(Traced(m.group(2), m.group(1), when, text))
    return out


def picked(messages, direction, method=None, status=None):
    """Requests (no status given) or responses with that status, by method (CSeq for responses)."""
    return [m for m in messages if m.direction == direction and (method is None or m.method == method)
            and (m.is_request if status is None else m.status == status)]


def wait_bound(port, tcp=False, timeout=5.0):
    """Waits until something (the SIPp just started) holds this port."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
        finally:
            s.close()
        time.sleep(0.02)
    return False


class CallTestBase(unittest.TestCase):
    config = None  # switchboard.toml text for the server of this class

    def setUp(self):
        self.sb = Switchboard(config=self.config).start()
        self.addCleanup(self.sb.cleanup)
        self.peer = UdpPeer()
        self.addCleanup(self.peer.close)
        self.sipps = []
        self.addCleanup(self.stop_sipps)

    def stop_sipps(self):
        for s in self.sipps:
            s.stop()
            if s.proc is not None and s.proc.stderr is not None:
                s.proc.stderr.close()
            shutil.rmtree(s.workdir, ignore_errors=True)

    def server_log(self, lines=40):
        return "\n--- server log (tail) ---\n" + "\n".join(self.sb.output().splitlines()[-lines:])

    def describe(self, sipp, stderr=""):
        return "\n--- %s errors ---\n%s\n--- stderr ---\n%s%s" % (
            sipp.scenario.rsplit("/", 1)[-1], sipp.errors()[-3000:], stderr[-2000:], self.server_log())

    # -- peers ----------------------------------------------------------------------------------

    def register_contact(self, user, contact, expires=600):
        r = register(user, contact, self.sb.udp_port, self.peer, expires)
        self.assertIsNotNone(r, "no answer to REGISTER" + self.server_log())
        self.assertEqual(r.status, 200, r)
        return r

    def callee(self, scenario, user="bob", calls=1, args=(), tcp=False, timeout=30):
        """Starts a UAS SIPp and registers it as `user` (Contact at its own port)."""
        sipp = Sipp("calls/" + scenario, args=list(args) + (["-t", "t1"] if tcp else []))
        if tcp:
            sipp.port = free_port(also_tcp=True)
        self.sipps.append(sipp)
        if user is not None:
            self.register_contact(user, "<sip:%s@127.0.0.1:%d%s>" % (
                user, sipp.port, ";transport=tcp" if tcp else ""))
        sipp.start(calls=calls, timeout=timeout)
        self.assertTrue(wait_bound(sipp.port, tcp), "the UAS SIPp did not start: " + self.describe(sipp))
        return sipp

    def call(self, scenario, user="bob", calls=1, args=(), tcp=False, timeout=20, expect_ok=True):
        """Runs a UAC SIPp against the server to completion; returns it (its .rc is the exit code)."""
        sipp = Sipp("calls/" + scenario, self.sb.address,
                    args=["-s", user] + list(args) + (["-t", "t1"] if tcp else []))
        if tcp:
            sipp.port = free_port(also_tcp=True)
        self.sipps.append(sipp)
        sipp.rc = sipp.run(calls=calls, timeout=timeout)
        if expect_ok:
            self.assertEqual(sipp.rc, 0, "caller failed" + self.describe(sipp, sipp.stderr))
        return sipp

    def finish(self, uas, timeout=15):
        """Waits for a UAS SIPp to end on its own and checks that all its calls succeeded."""
        try:
            rc = uas.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            uas.stop()
            self.fail("the callee did not finish its calls in %d s%s" % (timeout, self.describe(uas)))
        stderr = uas.proc.stderr.read().decode(errors="replace") if uas.proc.stderr else ""
        self.assertEqual(rc, 0, "callee failed" + self.describe(uas, stderr))
        return trace(uas)

    def assertServerAlive(self):
        self.assertTrue(self.sb.alive(), "switchboard died" + self.server_log())

    # -- common checks --------------------------------------------------------------------------

    def assertRelayedRequest(self, msg, hops=2):
        """A request the server forwarded: its Via on top, Max-Forwards decremented, our Route gone."""
        vias = msg.values("via")
        self.assertEqual(len(vias), hops, msg)
        self.assertRegex(vias[0], r"^SIP/2\.0/(UDP|TCP) 127\.0\.0\.1:%d;branch=z9hG4bK" % self.sb.udp_port)
        self.assertEqual(msg.get("max-forwards"), "69", msg)
        self.assertEqual(msg.all("route"), [], "the server left its own Route in:\n%s" % msg)


class BasicCallTest(CallTestBase):
    def test_basic_call(self):
        uas = self.callee("uas-answer-200.xml")
        uac = self.call("uac-call-expect-200.xml")
        at_uas = self.finish(uas)
        at_uac = trace(uac)

        invite = picked(at_uas, "received", "INVITE")
        self.assertEqual(len(invite), 1, at_uas)
        invite = invite[0]
        self.assertRelayedRequest(invite)
        self.assertEqual(invite.request_uri, "sip:bob@127.0.0.1:%d" % uas.port)
        self.assertEqual(invite.values("record-route"), ["<sip:127.0.0.1:%d;lr>" % self.sb.udp_port])
        self.assertIn("m=audio", invite.body)

        # The caller: 100 from the server, then the callee's 180 and 200 with one Via and the
        # Record-Route the callee echoed.
        trying = picked(at_uac, "received", "INVITE", 100)
        self.assertEqual(len(trying), 1, at_uac)
        self.assertNotIn("SIPpTag01", trying[0].get("to"))
        ok = picked(at_uac, "received", "INVITE", 200)
        self.assertEqual(len(ok), 1, at_uac)
        self.assertEqual(len(ok[0].values("via")), 1, ok[0])
        self.assertEqual(ok[0].values("record-route"), ["<sip:127.0.0.1:%d;lr>" % self.sb.udp_port])
        self.assertIn("SIPpTag01", ok[0].get("to"))
        self.assertEqual(len(picked(at_uac, "received", "INVITE", 180)), 1, at_uac)

        # ACK and BYE came along the route set: through the server, its Route removed.
        for method in ("ACK", "BYE"):
            got = picked(at_uas, "received", method)
            self.assertEqual(len(got), 1, "%s at the callee: %s" % (method, at_uas))
            self.assertRelayedRequest(got[0])
            self.assertEqual(got[0].request_uri, "sip:bob@127.0.0.1:%d;transport=UDP" % uas.port)
            self.assertEqual(got[0].all("record-route"), [])
        self.assertEqual(len(picked(at_uac, "received", "BYE", 200)), 1, at_uac)
        self.assertServerAlive()

    def test_callee_hangs_up(self):
        uas = self.callee("uas-answer-200-then-bye.xml")
        uac = self.call("uac-call-expect-bye.xml")
        self.finish(uas)
        at_uac = trace(uac)
        bye = picked(at_uac, "received", "BYE")
        self.assertEqual(len(bye), 1, at_uac)
        self.assertRelayedRequest(bye[0])
        self.assertEqual(bye[0].request_uri, "sip:alice@127.0.0.1:%d;transport=UDP" % uac.port)
        self.assertIn("SIPpTag00", bye[0].get("to"))  # the caller's tag: the callee's own BYE
        self.assertEqual(len(picked(trace(uas), "received", "BYE", 200)), 1)


class FailureTest(CallTestBase):
    def refused(self, status):
        uas = self.callee("uas-reply-%d.xml" % status)
        uac = self.call("uac-call-expect-%d.xml" % status)
        at_uas = self.finish(uas)
        at_uac = trace(uac)

        final = picked(at_uac, "received", "INVITE", status)
        self.assertEqual(len(final), 1, at_uac)
        self.assertIn("SIPpTag01", final[0].get("to"), "the %d is not the callee's own" % status)
        self.assertEqual(len(final[0].values("via")), 1, final[0])

        # The server acks the callee's refusal itself (hop by hop) and absorbs the caller's ACK.
        invite = picked(at_uas, "received", "INVITE")[0]
        acks = picked(at_uas, "received", "ACK")
        self.assertEqual(len(acks), 1, "the callee got %d ACKs:\n%s" % (len(acks), "\n".join(map(str, acks))))
        self.assertEqual(len(acks[0].values("via")), 1, "not the server's own ACK:\n%s" % acks[0])
        self.assertEqual(acks[0].top_branch(), invite.top_branch())
        self.assertEqual(len(picked(at_uac, "sent", "ACK")), 1)
        self.assertServerAlive()

    def test_busy_486_relayed(self):
        self.refused(486)

    def test_decline_603_relayed(self):
        self.refused(603)

    def test_cancel_while_ringing(self):
        uas = self.callee("uas-ring-then-cancel-487.xml")
        uac = self.call("uac-call-cancel-after-180-expect-487.xml")
        at_uas = self.finish(uas)
        at_uac = trace(uac)

        invite = picked(at_uas, "received", "INVITE")[0]
        cancels = picked(at_uas, "received", "CANCEL")
        self.assertEqual(len(cancels), 1, at_uas)
        self.assertEqual(len(cancels[0].values("via")), 1, cancels[0])
        self.assertEqual(cancels[0].top_branch(), invite.top_branch())
        self.assertEqual(cancels[0].request_uri, invite.request_uri)

        self.assertEqual(len(picked(at_uac, "received", "CANCEL", 200)), 1, at_uac)
        final = picked(at_uac, "received", "INVITE", 487)
        self.assertEqual(len(final), 1, at_uac)
        acks = picked(at_uas, "received", "ACK")
        self.assertEqual(len(acks), 1, acks)
        self.assertEqual(acks[0].top_branch(), invite.top_branch())

    def test_cancel_before_the_callee_rings(self):
        # The caller cancels while the callee has sent nothing yet; the server answers the caller
        # at once and must hold its CANCEL until the callee's first provisional (section 9.1).
        uas = self.callee("uas-ring-then-cancel-487.xml", args=["-d", "1000"])
        uac = self.call("uac-call-cancel-before-180-expect-487.xml")
        at_uas = self.finish(uas, timeout=5)
        at_uac = trace(uac)
        self.assertEqual(len(picked(at_uac, "received", "CANCEL", 200)), 1, at_uac)
        self.assertEqual(len(picked(at_uac, "received", "INVITE", 487)), 1, at_uac)
        invite = picked(at_uas, "received", "INVITE")[0]
        cancels = picked(at_uas, "received", "CANCEL")
        self.assertEqual(len(cancels), 1, at_uas)
        self.assertEqual(cancels[0].top_branch(), invite.top_branch())
        self.assertGreater(cancels[0].when, picked(at_uas, "sent", "INVITE", 180)[0].when)

    def assertLocalFinal(self, uac, status):
        """The caller got exactly one final response, the server's own (with its To tag)."""
        finals = [m for m in trace(uac) if m.direction == "received" and m.status >= 200]
        self.assertEqual([m.status for m in finals], [status], finals)
        self.assertRegex(finals[0].get("to"), r";tag=\S+", finals[0])
        self.assertNotIn("SIPpTag01", finals[0].get("to"))
        return finals[0]

    def test_unknown_user_404(self):
        uac = self.call("uac-call-expect-404.xml", user="nobody")
        self.assertLocalFinal(uac, 404)
        self.assertServerAlive()

    def test_unregistered_user_404(self):
        contact = UdpPeer()
        self.addCleanup(contact.close)
        self.register_contact("bob", "<sip:bob@127.0.0.1:%d>" % contact.port)
        self.register_contact("bob", "<sip:bob@127.0.0.1:%d>" % contact.port, expires=0)
        uac = self.call("uac-call-expect-404.xml", user="bob")
        self.assertLocalFinal(uac, 404)
        self.assertIsNone(contact.receive(0.3), "the old contact was called")


class NoAnswerTest(CallTestBase):
    config = "[proxy]\ntimer_c = 5\n"

    def test_timer_c_ends_a_call_nobody_answers(self):
        uas = self.callee("uas-ring-then-cancel-487.xml")
        started = time.time()
        uac = self.call("uac-call-no-answer-expect-487-or-408.xml", timeout=30)
        elapsed = time.time() - started
        at_uas = self.finish(uas)
        at_uac = trace(uac)
        finals = [m for m in at_uac if m.direction == "received" and m.method == "INVITE" and m.status >= 200]
        self.assertEqual(len(finals), 1, at_uac)
        self.assertIn(finals[0].status, (408, 487))
        print("\n  no answer: the caller got %d after %.1f s" % (finals[0].status, elapsed), file=sys.stderr)
        self.assertLess(elapsed, 12, "the caller waited too long")
        self.assertGreater(elapsed, 4, "the call ended before Timer C")
        # Timer C fired about 5 s after the INVITE and the server cancelled the ringing branch.
        invite = picked(at_uas, "received", "INVITE")[0]
        cancel = picked(at_uas, "received", "CANCEL")
        self.assertEqual(len(cancel), 1, at_uas)
        self.assertGreater(cancel[0].when - invite.when, 4.5)
        self.assertLess(cancel[0].when - invite.when, 7)


class NoAnswerSilentTest(CallTestBase):
    # A callee that ignores even the CANCEL: the server gives the branch 64*T1 after its CANCEL
    # (T1 shortened to 50 ms here, so 3.2 s) and then answers the caller 408 itself.
    config = "[proxy]\ntimer_c = 5\n[timers]\nt1_ms = 50\n"

    def test_timer_c_then_silence_gives_408(self):
        uas = self.callee("uas-ring-ignore-cancel.xml")
        started = time.time()
        uac = self.call("uac-call-no-answer-expect-487-or-408.xml", timeout=30)
        elapsed = time.time() - started
        at_uas = self.finish(uas)
        finals = [m for m in trace(uac) if m.direction == "received" and m.method == "INVITE" and m.status >= 200]
        self.assertEqual([m.status for m in finals], [408], finals)
        self.assertNotIn("SIPpTag01", finals[0].get("to"), "the 408 is the server's own")
        print("\n  silent callee: the caller got 408 after %.1f s" % elapsed, file=sys.stderr)
        self.assertLess(elapsed, 12, "the caller waited too long")
        self.assertGreaterEqual(len(picked(at_uas, "received", "CANCEL")), 1)
        self.assertServerAlive()


class ForkingTest(CallTestBase):
    def test_two_contacts_one_answers(self):
        answering = self.callee("uas-answer-200-after-pause.xml", args=["-d", "500"])
        ringing = self.callee("uas-ring-then-cancel-487.xml")
        r = register("bob", None, self.sb.udp_port, self.peer, None)
        self.assertEqual(len(r.all("contact")), 2, r)

        uac = self.call("uac-call-expect-200.xml")
        at_answering = self.finish(answering)
        at_ringing = self.finish(ringing)
        at_uac = trace(uac)

        oks = picked(at_uac, "received", "INVITE", 200)
        self.assertEqual(len(oks), 1, at_uac)
        self.assertIn(":%d" % answering.port, oks[0].get("contact"))
        inv_a = picked(at_answering, "received", "INVITE")
        inv_r = picked(at_ringing, "received", "INVITE")
        self.assertEqual((len(inv_a), len(inv_r)), (1, 1))
        self.assertNotEqual(inv_a[0].top_branch(), inv_r[0].top_branch())
        self.assertEqual(inv_a[0].get("call-id"), inv_r[0].get("call-id"))

        cancel = picked(at_ringing, "received", "CANCEL")
        self.assertEqual(len(cancel), 1, at_ringing)
        self.assertEqual(cancel[0].top_branch(), inv_r[0].top_branch())
        self.assertIn("cause=200", cancel[0].get("reason") or "", cancel[0])
        # Its 487 was acked by the server and not relayed to the caller.
        self.assertEqual(len(picked(at_ringing, "received", "ACK")), 1)
        self.assertEqual(picked(at_uac, "received", "INVITE", 487), [])


class RetransmissionTest(CallTestBase):
    def test_invite_retransmissions_are_absorbed(self):
        calls = 2
        uas = self.callee("uas-answer-200-after-pause.xml", calls=calls, args=["-d", "2500"])
        uac = self.call("uac-call-retransmit-invite-expect-200.xml", calls=calls)
        at_uas = self.finish(uas)
        at_uac = trace(uac)
        call_ids = {m.get("call-id") for m in picked(at_uac, "sent", "INVITE")}
        self.assertEqual(len(call_ids), calls)
        for call_id in call_ids:
            sent = [m for m in picked(at_uac, "sent", "INVITE") if m.get("call-id") == call_id]
            trying = [m for m in picked(at_uac, "received", "INVITE", 100) if m.get("call-id") == call_id]
            got = [m for m in picked(at_uas, "received", "INVITE") if m.get("call-id") == call_id]
            self.assertGreaterEqual(len(sent), 2, "SIPp did not retransmit the INVITE")
            self.assertEqual(len(got), 1, "%s: the callee got %d INVITEs for %d sent" % (call_id, len(got), len(sent)))
            # Each copy the server received was answered with 100 by the server itself.
            self.assertGreaterEqual(len(trying), len(sent), "100s: %d, INVITEs sent: %d" % (len(trying), len(sent)))


class InDialogTest(CallTestBase):
    def test_reinvite_hold(self):
        uas = self.callee("uas-answer-200-accept-reinvite.xml")
        uac = self.call("uac-call-hold-reinvite-expect-200.xml")
        at_uas = self.finish(uas)
        invites = picked(at_uas, "received", "INVITE")
        self.assertEqual(len(invites), 2, at_uas)
        hold = invites[1]
        self.assertEqual(hold.cseq_number, 2)
        self.assertRelayedRequest(hold)
        self.assertEqual(hold.all("record-route"), [], "a re-INVITE is not record-routed again")
        self.assertIn("a=sendonly", hold.body)
        ok = [m for m in picked(trace(uac), "received", "INVITE", 200) if m.cseq_number == 2]
        self.assertEqual(len(ok), 1)
        self.assertIn("a=recvonly", ok[0].body)
        self.assertEqual(len(picked(at_uas, "received", "ACK")), 2)
        self.assertEqual(len(picked(at_uas, "received", "BYE")), 1)

    def test_refer_and_notify_in_dialog(self):
        uas = self.callee("uas-answer-200-accept-refer-notify.xml")
        uac = self.call("uac-call-refer-expect-202-notify.xml")
        at_uas = self.finish(uas)
        at_uac = trace(uac)
        refer = picked(at_uas, "received", "REFER")
        self.assertEqual(len(refer), 1, at_uas)
        self.assertRelayedRequest(refer[0])
        self.assertEqual(refer[0].all("record-route"), [])
        self.assertEqual(refer[0].get("refer-to"), "<sip:carol@127.0.0.1:%d>" % self.sb.udp_port)
        self.assertEqual(len(picked(at_uac, "received", "REFER", 202)), 1)
        notify = picked(at_uac, "received", "NOTIFY")
        self.assertEqual(len(notify), 1, at_uac)
        self.assertRelayedRequest(notify[0])
        self.assertEqual(notify[0].request_uri, "sip:alice@127.0.0.1:%d;transport=UDP" % uac.port)
        self.assertEqual(notify[0].get("event"), "refer")
        self.assertIn("SIP/2.0 200 OK", notify[0].body)
        self.assertEqual(len(picked(at_uas, "received", "NOTIFY", 200)), 1)


class OutOfDialogTest(CallTestBase):
    def test_message_to_registered_user(self):
        uas = self.callee("uas-answer-message-200.xml")
        uac = self.call("uac-message-expect-200.xml")
        at_uas = self.finish(uas)
        message = picked(at_uas, "received", "MESSAGE")
        self.assertEqual(len(message), 1, at_uas)
        self.assertRelayedRequest(message[0])
        self.assertEqual(message[0].request_uri, "sip:bob@127.0.0.1:%d" % uas.port)
        self.assertIn("hello bob", message[0].body)
        ok = picked(trace(uac), "received", "MESSAGE", 200)
        self.assertEqual(len(ok), 1)
        self.assertIn("SIPpTag01", ok[0].get("to"))

    def test_options_to_registered_user(self):
        uas = self.callee("uas-answer-options-200.xml")
        uac = self.call("uac-options-expect-200.xml")
        at_uas = self.finish(uas)
        options = picked(at_uas, "received", "OPTIONS")
        self.assertEqual(len(options), 1, at_uas)
        self.assertRelayedRequest(options[0])
        ok = picked(trace(uac), "received", "OPTIONS", 200)
        self.assertEqual(len(ok), 1)
        self.assertEqual(ok[0].get("server"), "answered-by-bob")


class HopLimitTest(CallTestBase):
    assertLocalFinal = FailureTest.assertLocalFinal

    def test_max_forwards_zero_483(self):
        contact = UdpPeer()
        self.addCleanup(contact.close)
        self.register_contact("bob", "<sip:bob@127.0.0.1:%d>" % contact.port)
        uac = self.call("uac-call-max-forwards-0-expect-483.xml")
        self.assertLocalFinal(uac, 483)
        self.assertIsNone(contact.receive(0.3), "an INVITE with Max-Forwards: 0 was forwarded")

    def test_loop_through_the_server_itself(self):
        self.register_contact("loop", "<sip:loop@127.0.0.1:%d>" % self.sb.udp_port)
        uac = self.call("uac-call-loop-expect-482-or-483.xml", user="loop")
        finals = [m for m in trace(uac) if m.direction == "received" and m.status >= 200]
        self.assertEqual(len(finals), 1, finals)
        self.assertIn(finals[0].status, (482, 483))
        print("\n  loop: the caller got %d %s" % (finals[0].status, finals[0].reason), file=sys.stderr)
        self.assertRegex(finals[0].get("to"), r";tag=\S+", finals[0])
        self.assertServerAlive()


class TransportTest(CallTestBase):
    def test_tcp_caller_udp_callee(self):
        uas = self.callee("uas-answer-200.xml")
        uac = self.call("uac-call-expect-200.xml", tcp=True)
        at_uas = self.finish(uas)
        invite = picked(at_uas, "received", "INVITE")[0]
        self.assertEqual(invite.transport, "UDP")
        rr = invite.values("record-route")
        self.assertEqual(len(rr), 2, invite)
        self.assertEqual(len([v for v in rr if "transport=tcp" in v]), 1, rr)
        self.assertNotIn("transport=tcp", rr[0], "the entry facing the callee must be the UDP one")
        vias = invite.values("via")
        self.assertTrue(vias[0].startswith("SIP/2.0/UDP") and vias[1].startswith("SIP/2.0/TCP"), vias)
        at_uac = trace(uac)
        self.assertTrue(all(m.transport == "TCP" for m in at_uac))
        self.assertEqual(len(picked(at_uac, "received", "BYE", 200)), 1)
        for method in ("ACK", "BYE"):
            self.assertEqual(len(picked(at_uas, "received", method)), 1, at_uas)

    def test_tcp_caller_callee_hangs_up(self):
        # The callee's BYE goes back to the caller's TCP connection by the flow token the
        # server put in its Record-Route entry facing the caller.
        uas = self.callee("uas-answer-200-then-bye.xml")
        uac = self.call("uac-call-expect-bye.xml", tcp=True)
        self.finish(uas)
        bye = picked(trace(uac), "received", "BYE")
        self.assertEqual(len(bye), 1)
        self.assertEqual(bye[0].transport, "TCP")
        self.assertRelayedRequest(bye[0])
        self.assertTrue(bye[0].values("via")[0].startswith("SIP/2.0/TCP"), bye[0])

    def test_udp_caller_tcp_callee(self):
        self.udp_caller_tcp_callee()

    def udp_caller_tcp_callee(self):
        uas = self.callee("uas-answer-200.xml", tcp=True)
        uac = self.call("uac-call-expect-200.xml", timeout=5)
        at_uas = self.finish(uas)
        invite = picked(at_uas, "received", "INVITE")[0]
        self.assertEqual(invite.transport, "TCP")
        rr = invite.values("record-route")
        self.assertEqual(len(rr), 2, invite)
        self.assertIn("transport=tcp", rr[0], "the entry facing the callee must be the TCP one")
        ok = picked(trace(uac), "received", "INVITE", 200)[0]
        self.assertEqual(ok.transport, "UDP")
        self.assertEqual(len(ok.values("record-route")), 2, ok)
        for method in ("ACK", "BYE"):
            got = picked(at_uas, "received", method)
            self.assertEqual(len(got), 1, at_uas)
            self.assertEqual(got[0].transport, "TCP")


class TransportNatNeverTest(CallTestBase):
    """The TCP callee again, with contacts always reached as written (no NAT guessing)."""

    config = "[proxy]\nnat = \"never\"\n"
    udp_caller_tcp_callee = TransportTest.udp_caller_tcp_callee

    def test_udp_caller_tcp_callee(self):
        self.udp_caller_tcp_callee()


class LoadTest(CallTestBase):
    def test_200_calls_at_20_per_second(self):
        calls = 200
        uas = self.callee("uas-answer-200.xml", calls=calls, timeout=60)
        uac = self.call("uac-call-expect-200.xml", calls=calls, args=["-r", "20"], timeout=40)
        self.finish(uas, timeout=30)
        self.assertEqual(len(picked(trace(uac), "received", "BYE", 200)), calls)
        self.assertServerAlive()


if __name__ == "__main__":
    unittest.main()
