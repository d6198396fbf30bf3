"""The call log end to end: calls driven with hand-written SIP through the real server, then
read back with `switchboard calls`, from calls.log and from calls.jsonl; every outcome
(answered, busy, cancelled, declined, no answer, failed, not found, forwarded); and a kill -9
right after a burst of calls, which must leave every finished call in calls.db."""

import json
import os
import re
import subprocess
import time
import unittest
import uuid

from harness import BINARY, Switchboard, UdpPeer, register


def receive(peer, want, timeout=3.0):
    """The first message `want(msg)` accepts, skipping the others (100 Trying, retransmissions)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        m = peer.receive(max(0.01, deadline - time.time()))
        if m is None:
            return None
        if want(m):
            return m
    return None


def request(method):
    return lambda m: m.start.startswith(method + " ")


def response(method, final=True, call_id=None):
    return lambda m: m.status != 0 and (m.get("cseq") or "").endswith(" " + method) and (
        not final or m.status >= 200) and (call_id is None or m.get("call-id") == call_id)


def reply(req, status, to_tag, extra=""):
    """A response built from the request it answers (Vias and Record-Routes copied)."""
    lines = ["Via: %s" % v for v in req.all("via")]
    lines += ["Record-Route: %s" % v for v in req.all("record-route")]
    to = req.get("to")
    if ";tag=" not in to:
        to += ";tag=" + to_tag
    return ("SIP/2.0 %d %s\r\n%s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\n%s"
            "Content-Length: 0\r\n\r\n"
            % (status, {180: "Ringing", 200: "OK", 486: "Busy Here", 487: "Request Terminated",
                        404: "Not Found", 500: "Server Internal Error", 503: "Service Unavailable",
                        603: "Decline"}.get(status, "X"),
               "\r\n".join(lines), req.get("from"), to, req.get("call-id"), req.get("cseq"), extra))


def route_values(msg):
    return [v.strip() for line in msg.all("record-route") for v in line.split(",")]


class Call:
    """One call from alice to a callee through the server, step by step. The callee's side is
    bob's phone unless the call moves to another (callee_gets_invite)."""

    def __init__(self, test, callee="bob", callee_name="Bob"):
        self.t = test
        self.call_id = uuid.uuid4().hex
        self.branch = "z9hG4bK" + uuid.uuid4().hex[:12]
        self.callee = callee
        self.callee_name = callee_name
        self.uri = "sip:%s@127.0.0.1:%d" % (callee, test.sb.udp_port)
        self.inv = None  # the INVITE as the ringing phone received it
        self.ok = None   # the 2xx as alice received it
        self.phone = test.bob  # the phone that got the INVITE last

    def invite(self):
        a = self.t.alice
        a.send(self.t.sb.udp_port, (
            "INVITE {uri} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: \"Alice\" <sip:alice@127.0.0.1>;tag=al1\r\n"
            "To: \"{name}\" <sip:{callee}@127.0.0.1>\r\n"
            "Call-ID: {cid}\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: <sip:alice@127.0.0.1:{port}>\r\n"
            "Content-Length: 0\r\n\r\n").format(uri=self.uri, port=a.port, branch=self.branch,
                                                 name=self.callee_name, callee=self.callee,
                                                 cid=self.call_id))

    def bob_gets_invite(self):
        self.callee_gets_invite(self.t.bob, "bob")

    def callee_gets_invite(self, phone, name, timeout=3.0):
        self.phone = phone
        self.inv = receive(phone, lambda m: request("INVITE")(m) and m.get("call-id") == self.call_id,
                           timeout)
        self.t.assertIsNotNone(self.inv, "the INVITE did not reach %s" % name + self.t.server_log())

    def bob_answers(self, status, tag="bo1"):
        """The phone that got the INVITE answers (bob's, unless the call moved)."""
        user = self.inv.start.split(" ")[1].split(":")[1].split("@")[0]
        extra = ("Contact: <sip:%s@127.0.0.1:%d>\r\n" % (user, self.phone.port)
                 if status < 300 else "")
        self.phone.send(self.t.sb.udp_port, reply(self.inv, status, tag, extra))

    def alice_gets_final(self, status, timeout=3.0):
        r = receive(self.t.alice, response("INVITE", call_id=self.call_id), timeout)
        self.t.assertIsNotNone(r, "alice got no final response" + self.t.server_log())
        self.t.assertEqual(r.status, status, r)
        if status >= 300:
            # The ACK of a failure is hop by hop: the INVITE's branch, to the server.
            self.t.alice.send(self.t.sb.udp_port, (
                "ACK {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\n"
                "Max-Forwards: 70\r\nFrom: \"Alice\" <sip:alice@127.0.0.1>;tag=al1\r\nTo: {to}\r\n"
                "Call-ID: {cid}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n").format(
                    uri=self.uri, port=self.t.alice.port, branch=self.branch, to=r.get("to"),
                    cid=self.call_id))
        else:
            self.ok = r
            self.alice_in_dialog("ACK", 1)
        return r

    def alice_in_dialog(self, method, cseq):
        routes = ", ".join(reversed(route_values(self.ok)))
        target = self.ok.get("contact").strip("<>")  # the remote target (RFC 3261 §12.1.2)
        self.t.alice.send(self.t.sb.udp_port, (
            "{m} {target} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{b};rport\r\n"
            "Route: {routes}\r\nMax-Forwards: 70\r\n"
            "From: \"Alice\" <sip:alice@127.0.0.1>;tag=al1\r\nTo: {to}\r\n"
            "Call-ID: {cid}\r\nCSeq: {cseq} {m}\r\nContent-Length: 0\r\n\r\n").format(
                m=method, target=target, port=self.t.alice.port, b=uuid.uuid4().hex[:12],
                routes=routes, to=self.ok.get("to"), cid=self.call_id, cseq=cseq))

    def alice_hangs_up(self):
        self.alice_in_dialog("BYE", 2)
        bye = receive(self.phone, request("BYE"))
        self.t.assertIsNotNone(bye, "the BYE did not reach the callee" + self.t.server_log())
        self.phone.send(self.t.sb.udp_port, reply(bye, 200, "bo1"))
        done = receive(self.t.alice, response("BYE"))
        self.t.assertIsNotNone(done, "alice got no answer to her BYE" + self.t.server_log())
        self.t.assertEqual(done.status, 200, done)

    def bob_hangs_up(self):
        # bob's route set is the Record-Route of the INVITE he received, in order.
        routes = ", ".join(route_values(self.inv))
        self.t.bob.send(self.t.sb.udp_port, (
            "BYE sip:alice@127.0.0.1:{alice} SIP/2.0\r\n"
            "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{b};rport\r\n"
            "Route: {routes}\r\nMax-Forwards: 70\r\n"
            "From: \"Bob\" <sip:bob@127.0.0.1>;tag=bo1\r\nTo: {frm}\r\n"
            "Call-ID: {cid}\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n").format(
                alice=self.t.alice.port, port=self.t.bob.port, b=uuid.uuid4().hex[:12],
                routes=routes, frm=self.inv.get("from"), cid=self.call_id))
        bye = receive(self.t.alice, request("BYE"))
        self.t.assertIsNotNone(bye, "bob's BYE did not reach alice" + self.t.server_log())
        self.t.alice.send(self.t.sb.udp_port, reply(bye, 200, "al1"))
        done = receive(self.t.bob, response("BYE"))
        self.t.assertIsNotNone(done, "bob got no answer to his BYE" + self.t.server_log())
        self.t.assertEqual(done.status, 200, done)

    def alice_cancels(self, tag):
        self.t.alice.send(self.t.sb.udp_port, (
            "CANCEL {uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\nFrom: \"Alice\" <sip:alice@127.0.0.1>;tag=al1\r\n"
            "To: \"{name}\" <sip:{callee}@127.0.0.1>\r\nCall-ID: {cid}\r\nCSeq: 1 CANCEL\r\n"
            "Content-Length: 0\r\n\r\n").format(uri=self.uri, port=self.t.alice.port,
                                                branch=self.branch, name=self.callee_name,
                                                callee=self.callee, cid=self.call_id))
        cancel = receive(self.t.bob, request("CANCEL"))
        self.t.assertIsNotNone(cancel, "the CANCEL did not reach bob" + self.t.server_log())
        self.t.bob.send(self.t.sb.udp_port, reply(cancel, 200, tag))
        self.bob_answers(487, tag)


class CallLogTestBase(unittest.TestCase):
    config = None

    def setUp(self):
        self.sb = Switchboard(config=self.config).start()
        self.addCleanup(self.sb.cleanup)
        self.alice = UdpPeer()
        self.addCleanup(self.alice.close)
        self.bob = UdpPeer()
        self.addCleanup(self.bob.close)
        self.var = os.path.join(self.sb.workdir, "var")
        r = register("bob", "<sip:bob@127.0.0.1:%d>" % self.bob.port, self.sb.udp_port, self.bob,
                     600)
        self.assertIsNotNone(r, "no answer to REGISTER" + self.server_log())
        self.assertEqual(r.status, 200, r)

    def server_log(self, lines=40):
        return "\n--- server log (tail) ---\n" + "\n".join(self.sb.output().splitlines()[-lines:])

    def calls(self, *args):
        """`switchboard calls` on this server's data directory, as it prints it."""
        p = subprocess.run([BINARY, "calls", "--data-dir", self.var] + list(args),
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def records(self, *args):
        return json.loads(self.calls("--format", "json", *args))

    def by_id(self, records):
        return {r["call_id"]: r for r in records}

    def wait_for_records(self, count, timeout=5.0):
        """The records once `count` are there (the writer commits within a flush interval)."""
        deadline = time.time() + timeout
        while True:
            records = self.records() if os.path.exists(os.path.join(self.var, "calls.db")) else []
            if len(records) >= count or time.time() > deadline:
                return records
            time.sleep(0.05)


class CallLogTest(CallLogTestBase):
    def test_outcomes_in_calls_and_in_the_logs(self):
        # An answered call that bob ends after about a second of talk.
        answered = Call(self)
        answered.invite()
        answered.bob_gets_invite()
        answered.bob_answers(180)
        time.sleep(0.3)
        answered.bob_answers(200)
        answered.alice_gets_final(200)
        time.sleep(1.0)
        answered.bob_hangs_up()

        # bob is busy.
        busy = Call(self)
        busy.invite()
        busy.bob_gets_invite()
        busy.bob_answers(486, "bo2")
        busy.alice_gets_final(486)

        # alice gives up while bob's phone rings.
        cancelled = Call(self)
        cancelled.invite()
        cancelled.bob_gets_invite()
        cancelled.bob_answers(180, "bo3")
        time.sleep(0.2)
        cancelled.alice_cancels("bo3")
        cancelled.alice_gets_final(487)

        records = self.by_id(self.wait_for_records(3))  # read while the server runs
        self.assertTrue(self.sb.alive(), self.server_log())

        a = records[answered.call_id]
        self.assertEqual((a["outcome"], a["ended_by"], a["final_status"]),
                         ("answered", "callee", 200))
        self.assertEqual((a["caller"], a["caller_name"]), ("sip:alice@127.0.0.1", "Alice"))
        self.assertEqual((a["callee"], a["callee_name"]), ("sip:bob@127.0.0.1", "Bob"))
        self.assertTrue(0.9 <= a["talk_seconds"] < 5, a)
        self.assertTrue(0.2 <= a["ring_seconds"] < 3, a)
        self.assertLessEqual(a["invite_ms"], a["ringing_ms"])
        self.assertLessEqual(a["ringing_ms"], a["answered_ms"])
        self.assertLess(a["answered_ms"], a["ended_ms"])
        self.assertEqual(a["branches"], ["sip:bob@127.0.0.1:%d" % self.bob.port])
        self.assertTrue(a["ended_time"].endswith("Z"), a)

        b = records[busy.call_id]
        self.assertEqual((b["outcome"], b["ended_by"], b["final_status"]), ("busy", "callee", 486))
        self.assertEqual(b["talk_seconds"], 0)
        self.assertIsNone(b["answered_ms"])
        self.assertTrue(0 <= b["ended_ms"] - b["invite_ms"] < 3000, b)

        c = records[cancelled.call_id]
        self.assertEqual((c["outcome"], c["ended_by"], c["final_status"]),
                         ("cancelled", "caller", 487))
        self.assertTrue(c["cancelled"], c)
        self.assertEqual(c["talk_seconds"], 0)
        self.assertTrue(0.1 <= c["ring_seconds"] < 3, c)

        # The filters and the other formats.
        self.assertEqual([r["call_id"] for r in self.records("--outcome", "busy")], [busy.call_id])
        self.assertEqual(len(self.records("--user", "alice")), 3)
        self.assertEqual(len(self.records("--user", "carol")), 0)
        self.assertEqual(len(self.records("--since", str(int(time.time()) + 3600))), 0)
        self.assertEqual([r["call_id"] for r in self.records("--limit", "1")], [cancelled.call_id])
        table = self.calls()
        self.assertIn("busy", table)
        self.assertIn("3 calls", table)
        csv = self.calls("--format", "csv")
        self.assertTrue(csv.startswith("call_id,caller,caller_name,"), csv)
        self.assertEqual(len(csv.strip().splitlines()), 4)

        with open(os.path.join(self.var, "calls.log")) as f:
            text = [line.rstrip("\n")[20:] for line in f]  # after "YYYY-MM-DD HH:MM:SS "
        for line in ["Alice called Bob (call %s)" % answered.call_id,
                     "Bob is ringing (call %s)" % answered.call_id,
                     "Bob answered (call %s)" % answered.call_id,
                     "Alice called Bob (call %s)" % busy.call_id,
                     "Bob is busy (call %s)" % busy.call_id,
                     "Bob is ringing (call %s)" % cancelled.call_id,
                     "Alice cancelled (call %s)" % cancelled.call_id]:
            self.assertIn(line, text)
        ended = r"call ended by Bob after [12] s \(call %s\)" % answered.call_id
        self.assertTrue(any(re.fullmatch(ended, line) for line in text), text)
        self.assertEqual(len(text), 9)  # 4 + 2 + 3 events

        with open(os.path.join(self.var, "calls.jsonl")) as f:
            events = [json.loads(line) for line in f]
        self.assertEqual([e["event"] for e in events if e["call_id"] == answered.call_id],
                         ["started", "ringing", "answered", "ended"])
        self.assertEqual(len(events), 9)

    def test_callee_phone_says_not_found(self):
        # bob's phone answers 404 itself: the call reached the proxy's tracker, so it is logged.
        call = Call(self)
        call.invite()
        call.bob_gets_invite()
        call.bob_answers(404, "bo4")
        call.alice_gets_final(404)
        records = self.by_id(self.wait_for_records(1))
        r = records[call.call_id]
        self.assertEqual((r["outcome"], r["ended_by"], r["final_status"]), ("not found", None, 404))
        with open(os.path.join(self.var, "calls.log")) as f:
            self.assertIn("Bob not found (call %s)" % call.call_id, f.read())

    def test_unknown_user_is_logged_as_not_found(self):
        call = Call(self, callee="nobody", callee_name="Nobody")
        call.invite()
        call.alice_gets_final(404)
        records = self.by_id(self.wait_for_records(1, timeout=2.0))
        self.assertIn(call.call_id, records, "the call to an unknown user is not in the call log")
        r = records[call.call_id]
        self.assertEqual((r["outcome"], r["final_status"]), ("not found", 404))


class CallLogFailureTest(CallLogTestBase):
    """Calls bob's phone refuses: each is one record, ended at the final response alice got."""

    def refused(self, status, tag, alice_gets=None):
        """bob's phone answers `status`; alice gets `alice_gets` (the same by default)."""
        call = Call(self)
        call.invite()
        call.bob_gets_invite()
        call.bob_answers(status, tag)
        return call, call.alice_gets_final(alice_gets or status)

    def assert_unanswered(self, r, branches):
        self.assertEqual((r["state"], r["answered_ms"], r["answered_by"], r["to_tag"]),
                         ("ended", None, "", ""))
        self.assertEqual((r["talk_seconds"], r["ringing_ms"], r["ring_seconds"]), (0, None, 0))
        self.assertEqual((r["cancelled"], r["forwarded_to"], r["forward_reason"]), (False, "", ""))
        self.assertEqual(r["branches"], branches)
        self.assertEqual((r["caller"], r["callee"], r["callee_name"]),
                         ("sip:alice@127.0.0.1", "sip:bob@127.0.0.1", "Bob"))

    def test_declined_and_failed_calls(self):
        declined, _ = self.refused(603, "bo6")
        failed, _ = self.refused(500, "bo7")
        # A 503 from a phone is not relayed (it would make alice avoid the server, RFC 3261
        # §16.7 step 6): alice gets the server's own 500, and so does the record.
        overloaded, got = self.refused(503, "bo8", alice_gets=500)

        records = self.by_id(self.wait_for_records(3))
        self.assertEqual(len(records), 3)
        bob = ["sip:bob@127.0.0.1:%d" % self.bob.port]

        d = records[declined.call_id]
        self.assertEqual((d["outcome"], d["ended_by"], d["final_status"], d["final_reason"]),
                         ("declined", "callee", 603, "Decline"))
        self.assert_unanswered(d, bob)

        f = records[failed.call_id]
        self.assertEqual((f["outcome"], f["ended_by"], f["final_status"], f["final_reason"]),
                         ("failed", None, 500, "Server Internal Error"))
        self.assert_unanswered(f, bob)

        o = records[overloaded.call_id]
        self.assertEqual((o["outcome"], o["ended_by"], o["final_status"], o["final_reason"]),
                         ("failed", None, 500, got.reason))
        self.assertEqual(got.reason, "Server Internal Error")
        self.assert_unanswered(o, bob)

        with open(os.path.join(self.var, "calls.log")) as f:
            text = f.read()
        self.assertIn("Bob declined (call %s)" % declined.call_id, text)
        self.assertIn("call failed: 500 Server Internal Error (call %s)" % failed.call_id, text)
        self.assertIn("call failed: 500 Server Internal Error (call %s)" % overloaded.call_id, text)


class CallLogNoAnswerTest(CallLogTestBase):
    config = "[proxy]\ntimer_c = 5\n"  # the shortest Timer C the configuration allows

    def test_timer_c_ends_a_ringing_call_and_a_silent_one(self):
        # Both calls run at once, so the test waits for Timer C once.
        ringing = Call(self)
        ringing.invite()
        ringing.bob_gets_invite()
        ringing.bob_answers(180, "bo9")
        silent = Call(self)
        silent.invite()
        silent.bob_gets_invite()  # and never answers, not even 100 Trying
        started = time.time()

        # Timer C: the server cancels the ringing branch; bob's phone stops with 487.
        cancel = receive(self.bob, lambda m: request("CANCEL")(m) and
                         m.get("call-id") == ringing.call_id, timeout=8)
        self.assertIsNotNone(cancel, "Timer C did not cancel the ringing phone" + self.server_log())
        self.assertGreater(time.time() - started, 4.5)
        self.bob.send(self.sb.udp_port, reply(cancel, 200, "bo9"))
        ringing.bob_answers(487, "bo9")
        ringing.alice_gets_final(487)
        # The silent branch never rang: it ends as a timeout (408) at the same time.
        silent.alice_gets_final(408, timeout=3)

        records = self.by_id(self.wait_for_records(2))
        self.assertEqual(len(records), 2)
        bob = ["sip:bob@127.0.0.1:%d" % self.bob.port]

        r = records[ringing.call_id]
        self.assertEqual((r["outcome"], r["ended_by"], r["final_status"], r["final_reason"]),
                         ("no answer", "timeout", 487, "Request Terminated"))
        self.assertEqual((r["state"], r["answered_ms"], r["cancelled"], r["branches"]),
                         ("ended", None, False, bob))
        self.assertTrue(4.5 <= r["ring_seconds"] < 8, r)
        self.assertEqual(r["talk_seconds"], 0)

        s = records[silent.call_id]
        self.assertEqual((s["outcome"], s["ended_by"], s["final_status"], s["final_reason"]),
                         ("no answer", "timeout", 408, "Request Timeout"))
        self.assertEqual((s["state"], s["ringing_ms"], s["answered_ms"], s["cancelled"],
                          s["branches"]), ("ended", None, None, False, bob))
        self.assertTrue(4500 <= s["ended_ms"] - s["invite_ms"] < 8000, s)

        with open(os.path.join(self.var, "calls.log")) as f:
            text = f.read()
        self.assertIn("no answer from Bob (call %s)" % ringing.call_id, text)
        self.assertIn("no answer from Bob (call %s)" % silent.call_id, text)


class CallLogForwardTest(CallLogTestBase):
    def user(self, *args):
        p = subprocess.run([BINARY, "user", "--data-dir", self.var] + list(args),
                           capture_output=True, text=True, input="", timeout=20)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        time.sleep(0.6)  # the server rereads the user database at most every 0.5 s

    def test_a_call_forwarded_on_busy_is_one_record(self):
        carol = UdpPeer()
        self.addCleanup(carol.close)
        r = register("carol", "<sip:carol@127.0.0.1:%d>" % carol.port, self.sb.udp_port, carol, 600)
        self.assertEqual(r.status, 200, r)
        self.user("add", "bob@127.0.0.1", "--no-password")
        self.user("set", "bob@127.0.0.1", "--forward", "busy=carol@127.0.0.1")

        call = Call(self)
        call.invite()
        call.bob_gets_invite()
        call.bob_answers(486, "bo1")
        call.callee_gets_invite(carol, "carol")
        self.assertEqual(call.inv.get("diversion"),
                         "<sip:bob@127.0.0.1>;reason=user-busy;counter=1")
        call.bob_answers(180, "ca1")
        call.bob_answers(200, "ca1")
        call.alice_gets_final(200)
        call.alice_hangs_up()

        records = self.wait_for_records(1)
        time.sleep(0.3)  # a second record would be written by now
        records = self.records()
        self.assertEqual([r["call_id"] for r in records], [call.call_id])
        r = records[0]
        bob_contact = "sip:bob@127.0.0.1:%d" % self.bob.port
        carol_contact = "sip:carol@127.0.0.1:%d" % carol.port
        self.assertEqual((r["outcome"], r["ended_by"], r["final_status"], r["final_reason"]),
                         ("answered", "caller", 200, "OK"))
        self.assertEqual((r["caller"], r["callee"], r["callee_name"]),
                         ("sip:alice@127.0.0.1", "sip:bob@127.0.0.1", "Bob"))
        self.assertEqual((r["forwarded_to"], r["forward_reason"]), ("sip:carol@127.0.0.1", "busy"))
        self.assertEqual(r["branches"], [bob_contact, carol_contact])
        self.assertEqual((r["answered_by"], r["to_tag"]), (carol_contact, "ca1"))
        self.assertEqual((r["state"], r["cancelled"]), ("ended", False))

        with open(os.path.join(self.var, "calls.jsonl")) as f:
            events = [json.loads(line) for line in f]
        self.assertEqual([e["event"] for e in events], ["started", "updated", "ringing", "answered",
                                                        "ended"])
        self.assertEqual({e["call_id"] for e in events}, {call.call_id})
        with open(os.path.join(self.var, "calls.log")) as f:
            text = [line.rstrip("\n")[20:] for line in f]
        self.assertEqual(text[:4], ["Alice called Bob (call %s)" % call.call_id,
                                    "call to Bob forwarded to carol@127.0.0.1 (busy) (call %s)"
                                    % call.call_id,
                                    "Bob is ringing (call %s)" % call.call_id,
                                    "Bob answered (call %s)" % call.call_id])
        self.assertEqual(len(text), 5)


    def test_a_redirected_call_says_where_the_caller_was_sent(self):
        self.user("add", "bob@127.0.0.1", "--no-password")
        self.user("set", "bob@127.0.0.1", "--redirect", "true")

        call = Call(self)
        call.invite()
        call.alice_gets_final(302)

        records = self.wait_for_records(1)
        self.assertEqual(len(records), 1, records)
        r = records[0]
        bob_contact = "sip:bob@127.0.0.1:%d" % self.bob.port
        self.assertEqual((r["outcome"], r["ended_by"], r["final_status"], r["final_reason"]),
                         ("redirected", None, 302, "Moved Temporarily"))
        self.assertEqual((r["forwarded_to"], r["forward_reason"]), (bob_contact, "redirect"))
        self.assertEqual(r["branches"], [])
        self.assertEqual([x["call_id"] for x in self.records("--outcome", "redirected")],
                         [call.call_id])
        with open(os.path.join(self.var, "calls.log")) as f:
            text = [line.rstrip("\n")[20:] for line in f]
        self.assertEqual(text[-1], "call to Bob redirected to bob@127.0.0.1:%d (302 Moved "
                                   "Temporarily) (call %s)" % (self.bob.port, call.call_id))


    def test_a_redirect_from_the_phone_says_where_it_sent_the_caller(self):
        call = Call(self)
        call.invite()
        call.bob_gets_invite()
        call.phone.send(self.sb.udp_port, reply(
            call.inv, 302, "bo1", "Contact: <sip:carol@192.0.2.7:5070>;q=0.5, <sip:dave@192.0.2.8>\r\n"))
        call.alice_gets_final(302)

        records = self.wait_for_records(1)
        self.assertEqual(len(records), 1, records)
        r = records[0]
        self.assertEqual((r["outcome"], r["final_status"]), ("redirected", 302))
        self.assertEqual((r["forwarded_to"], r["forward_reason"]),
                         ("sip:carol@192.0.2.7:5070", "redirect"))
        with open(os.path.join(self.var, "calls.log")) as f:
            text = [line.rstrip("\n")[20:] for line in f]
        # The phone's own phrase, as relayed.
        self.assertEqual(text[-1], "call to Bob redirected to carol@192.0.2.7:5070 (302 X) "
                                   "(call %s)" % call.call_id)


class CallLogShutdownTest(CallLogTestBase):
    def test_calls_going_on_at_shutdown_are_logged_as_interrupted(self):
        talking = Call(self)
        talking.invite()
        talking.bob_gets_invite()
        talking.bob_answers(200)
        talking.alice_gets_final(200)
        ringing = Call(self)
        ringing.invite()
        ringing.bob_gets_invite()
        ringing.bob_answers(180, "bo5")
        time.sleep(0.2)
        self.assertEqual(self.sb.stop(), 0, self.server_log())

        records = self.by_id(self.records())
        self.assertEqual(set(records), {talking.call_id, ringing.call_id})
        for r in records.values():
            self.assertEqual(r["outcome"], "interrupted", r)
        self.assertEqual(records[talking.call_id]["final_status"], 200)
        with open(os.path.join(self.var, "calls.log")) as f:
            self.assertIn("call interrupted (server stopped) (call %s)" % ringing.call_id, f.read())


class CallLogStartTest(unittest.TestCase):
    def test_a_call_log_that_cannot_be_opened_stops_the_start(self):
        sb = Switchboard()
        self.addCleanup(sb.cleanup)
        blocked = os.path.join(sb.workdir, "var", "calls.log")
        os.makedirs(blocked)  # a directory where the text log should be
        with self.assertRaises(RuntimeError) as failed:
            sb.start(timeout=10)
        self.assertIn(blocked, str(failed.exception))


class CallLogCrashTest(CallLogTestBase):
    def test_kill_9_after_a_burst_keeps_every_finished_call(self):
        ids = []
        for i in range(50):
            call = Call(self)
            call.invite()
            call.bob_gets_invite()
            call.bob_answers(200, "b%d" % i)
            call.alice_gets_final(200)
            call.alice_hangs_up()
            ids.append(call.call_id)
        time.sleep(0.5)  # after the last BYE's 200: the writer's flush interval is 100 ms
        self.sb.kill9()

        records = self.records()
        self.assertEqual(sorted(r["call_id"] for r in records), sorted(ids))
        for r in records:
            self.assertEqual((r["outcome"], r["ended_by"]), ("answered", "caller"), r)

        # The server starts again on the same files and goes on appending.
        self.sb.start()
        register("bob", "<sip:bob@127.0.0.1:%d>" % self.bob.port, self.sb.udp_port, self.bob, 600)
        call = Call(self)
        call.invite()
        call.bob_gets_invite()
        call.bob_answers(486, "again")
        call.alice_gets_final(486)
        self.assertEqual(len(self.wait_for_records(51)), 51)


if __name__ == "__main__":
    unittest.main()
