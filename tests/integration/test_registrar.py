"""Registrar behaviour of the real binary over loopback (RFC 3261 §10)."""

import os
import sqlite3
import subprocess
import time
import unittest

from harness import Sipp, Switchboard, UdpPeer, new_call_id, register


class RegistrarTest(unittest.TestCase):
    def setUp(self):
        self.sb = Switchboard().start()
        self.peer = UdpPeer()

    def tearDown(self):
        self.peer.close()
        self.sb.cleanup()

    def contacts(self, response):
        return [c for c in response.all("contact")]

    def test_register_refresh_query_unregister(self):
        call_id = new_call_id()
        r = register("alice", "<sip:alice@127.0.0.1:5071>", self.sb.udp_port, self.peer, 600, call_id, 1)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(len(self.contacts(r)), 1)
        self.assertIn("expires=600", self.contacts(r)[0])
        self.assertIsNotNone(r.get("date"))
        # Refresh with a higher CSeq and a shorter expiry.
        r = register("alice", "<sip:alice@127.0.0.1:5071>", self.sb.udp_port, self.peer, 300, call_id, 2)
        self.assertEqual(r.status, 200)
        self.assertRegex(self.contacts(r)[0], r"expires=(300|299)")
        # A query lists the binding and changes nothing.
        r = register("alice", None, self.sb.udp_port, self.peer, None)
        self.assertEqual(r.status, 200)
        self.assertEqual(len(self.contacts(r)), 1)
        # Expires: 0 removes it.
        r = register("alice", "<sip:alice@127.0.0.1:5071>", self.sb.udp_port, self.peer, 0, call_id, 3)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.contacts(r), [])

    def test_several_contacts_with_q_values(self):
        register("bob", "<sip:bob@127.0.0.1:6001>;q=0.5", self.sb.udp_port, self.peer, 600)
        r = register("bob", "<sip:bob@127.0.0.1:6002>;q=1.0", self.sb.udp_port, self.peer, 600)
        self.assertEqual(r.status, 200)
        contacts = self.contacts(r)
        self.assertEqual(len(contacts), 2)
        self.assertTrue(any("6001" in c and "q=0.5" in c for c in contacts), contacts)

    def test_contact_star_removes_everything(self):
        register("carol", "<sip:carol@127.0.0.1:6001>", self.sb.udp_port, self.peer, 600)
        register("carol", "<sip:carol@127.0.0.1:6002>", self.sb.udp_port, self.peer, 600)
        r = register("carol", "*", self.sb.udp_port, self.peer, 0)
        self.assertEqual(r.status, 200)
        self.assertEqual(self.contacts(r), [])
        r = register("carol", "*", self.sb.udp_port, self.peer, 60)
        self.assertEqual(r.status, 400)

    def test_interval_too_brief(self):
        r = register("dave", "<sip:dave@127.0.0.1:6001>", self.sb.udp_port, self.peer, 5)
        self.assertEqual(r.status, 423)
        self.assertEqual(r.get("min-expires"), "60")

    def test_out_of_order_cseq_is_refused(self):
        call_id = new_call_id()
        self.assertEqual(register("erin", "<sip:erin@127.0.0.1:6001>", self.sb.udp_port, self.peer, 600,
                                  call_id, 5).status, 200)
        r = register("erin", "<sip:erin@127.0.0.1:6001>", self.sb.udp_port, self.peer, 600, call_id, 4)
        self.assertEqual(r.status, 400)
        self.assertIn("CSeq", r.reason)

    def test_path_is_stored_and_returned(self):
        r = register("frank", "<sip:frank@127.0.0.1:6001>", self.sb.udp_port, self.peer, 600,
                     extra="Path: <sip:edge.example.com;lr>\r\nSupported: path\r\n")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.get("path"), "<sip:edge.example.com;lr>")

    def test_bindings_survive_restart_and_kill9(self):
        self.assertEqual(register("gina", "<sip:gina@127.0.0.1:6001>", self.sb.udp_port, self.peer,
                                  600).status, 200)
        self.sb.stop()
        self.sb.start()
        r = register("gina", None, self.sb.udp_port, self.peer, None)
        self.assertEqual(len(self.contacts(r)), 1, r)
        self.assertEqual(register("gina", "<sip:gina@127.0.0.1:6002>", self.sb.udp_port, self.peer,
                                  600).status, 200)
        self.sb.kill9()
        self.sb.start()
        r = register("gina", None, self.sb.udp_port, self.peer, None)
        self.assertEqual(len(self.contacts(r)), 2, r)

    def test_sipp_register_scenario(self):
        sipp = Sipp("register/uac-register-expect-200.xml", self.sb.address)
        self.assertEqual(sipp.run(calls=5), 0, sipp.errors() + sipp.stderr)

    def test_sipsak_registers(self):
        out = subprocess.run(["sipsak", "-U", "-i", "-x", "120", "-C", "sip:sak@127.0.0.1:6009",
                              "-s", "sip:sak@%s" % self.sb.address], capture_output=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        r = register("sak", None, self.sb.udp_port, self.peer, None)
        self.assertTrue(any("6009" in c for c in self.contacts(r)), r)


class ExpiryTest(unittest.TestCase):
    def test_bindings_lapse_on_time(self):
        sb = Switchboard(config="[registrar]\nmin_expires = 1\n[location]\nexpire_interval = 1\n").start()
        peer = UdpPeer()
        try:
            r = register("hank", "<sip:hank@127.0.0.1:6001>", sb.udp_port, peer, 2)
            self.assertEqual(r.status, 200, r)
            time.sleep(3.5)
            r = register("hank", None, sb.udp_port, peer, None)
            self.assertEqual(r.all("contact"), [])
            # The sweep removed it from the file too.
            sb.stop()
            db = sqlite3.connect(os.path.join(sb.workdir, "var", "location.db"))
            self.assertEqual(db.execute("select count(*) from bindings").fetchone()[0], 0)
            db.close()
        finally:
            peer.close()
            sb.cleanup()


class WriteBehindTest(unittest.TestCase):
    """location.sqlite_write_delay_ms: REGISTERs are answered from memory and written together."""

    def setUp(self):
        self.sb = Switchboard(config="[location]\nsqlite_write_delay_ms = 50\n").start()
        self.peer = UdpPeer()

    def tearDown(self):
        self.peer.close()
        self.sb.cleanup()

    def rows(self):
        db = sqlite3.connect(os.path.join(self.sb.workdir, "var", "location.db"))
        try:
            return [r[0] for r in db.execute("select contact from bindings order by contact")]
        finally:
            db.close()

    def test_written_within_the_delay_survives_kill9(self):
        self.assertIn("written behind, 50 ms", self.sb.output())  # the setting reached the store
        for i in range(20):
            contact = "<sip:wb%d@127.0.0.1:6001>" % i
            r = register("wb%d" % i, contact, self.sb.udp_port, self.peer, 600)
            self.assertEqual(r.status, 200, r)
        time.sleep(1.0)  # twenty times the delay
        self.sb.kill9()
        self.assertEqual(len(self.rows()), 20)
        self.sb.start()
        r = register("wb7", None, self.sb.udp_port, self.peer, None)
        self.assertEqual(r.all("contact")[0].split(";")[0], "<sip:wb7@127.0.0.1:6001>", r)

    def test_a_stop_writes_what_waits(self):
        r = register("wbstop", "<sip:wbstop@127.0.0.1:6001>", self.sb.udp_port, self.peer, 600)
        self.assertEqual(r.status, 200, r)
        self.sb.stop()  # at once: well within the delay
        self.assertEqual(self.rows(), ["sip:wbstop@127.0.0.1:6001"])


if __name__ == "__main__":
    unittest.main()
