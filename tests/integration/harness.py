"""Runs the real switchboard binary and real SIP peers on loopback for integration tests.

Every process is started here, tracked by PID, and stopped by PID within a time limit.
Ports are never hard-coded: the server binds port 0 and reports its ports in a ready file;
peers get ports probed free just before they start.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid

BINARY = os.environ.get("SB_BINARY", os.path.join(os.path.dirname(__file__), "../../build/apps/switchboard/switchboard"))
SCENARIOS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios")


def free_port(kind=socket.SOCK_DGRAM, host="127.0.0.1", also_tcp=False):
    """A port free for UDP (and TCP when asked) right now."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind)
        s.bind((host, 0))
        port = s.getsockname()[1]
        s.close()
        if not also_tcp:
            return port
        t = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind((host, port))
            return port
        except OSError:
            continue
        finally:
            t.close()
    raise RuntimeError("no free port")


def free_media_ports(host="127.0.0.1"):
    """A UDP port free right now with the three after it: SIPp's -mp takes the audio RTP port
    and binds the video one two above it."""
    for _ in range(50):
        base = free_port(host=host)
        held = []
        try:
            for port in range(base, base + 4):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                held.append(s)
                s.bind((host, port))
            return base
        except (OSError, OverflowError):
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no four free ports in a row")


SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "WARNING: ThreadSanitizer",
                     "runtime error:")


def sanitizer_report(text):
    """The first sanitizer report in a server's output (sanitizer builds), or None."""
    starts = [text.find(m) for m in SANITIZER_MARKERS if m in text]
    if not starts:
        return None
    start = text.rfind("\n", 0, min(starts)) + 1
    return text[start:start + 6000]


def thread_state(pid, tid):
    """The one-letter scheduler state of a thread; "T" for one gone before it is read."""
    try:
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "T"


class Switchboard:
    """One switchboard process with its own data directory."""

    def __init__(self, workdir=None, args=(), config=None, listen=("127.0.0.1:0",)):
        self.workdir = workdir or tempfile.mkdtemp(prefix="sb-it-")
        self.own_workdir = workdir is None
        self.args = list(args)
        self.config = config
        self.listen = listen
        self.proc = None
        self.udp_port = None
        self.tcp_port = None
        self.log_path = os.path.join(self.workdir, "switchboard.log")

    def start(self, timeout=15):
        ready = os.path.join(self.workdir, "ready.json")
        if os.path.exists(ready):
            os.unlink(ready)
        cmd = [BINARY, "run", "--data-dir", os.path.join(self.workdir, "var"), "--ready-file", ready]
        for spec in self.listen:
            cmd += ["--listen", spec]
        if self.config is not None:
            path = os.path.join(self.workdir, "switchboard.toml")
            with open(path, "w") as f:
                f.write(self.config)
            cmd += ["--config", path]
        cmd += self.args
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("switchboard exited with %s:\n%s" % (self.proc.returncode, self.output()))
            if os.path.exists(ready):
                with open(ready) as f:
                    info = json.load(f)
                for l in info["listeners"]:
                    if l["transport"] == "udp" and self.udp_port is None:
                        self.udp_port = l["port"]
                    if l["transport"] == "tcp" and self.tcp_port is None:
                        self.tcp_port = l["port"]
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("switchboard did not become ready:\n" + self.output())

    def output(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def wait_output(self, text, timeout=5.0):
        """True once the server's log holds text; the server logs after it acts, so
        a test that just saw the effect waits a little for the line."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.output():
                return True
            time.sleep(0.05)
        return text in self.output()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pause(self, timeout=5.0):
        """Stops the process and returns once every thread of it is stopped: kill() only
        queues SIGSTOP, and a busy machine may let a worker read a few more datagrams."""
        pid = self.proc.pid
        os.kill(pid, signal.SIGSTOP)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if all(thread_state(pid, tid) in ("T", "t") for tid in os.listdir("/proc/%d/task" % pid)):
                return
            time.sleep(0.005)
        raise RuntimeError("switchboard did not stop within %.1f s" % timeout)

    def resume(self):
        if self.alive():
            os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        code = self.proc.returncode
        self.proc = None
        self.udp_port = self.tcp_port = None
        self.log.close()
        report = sanitizer_report(self.output())
        if report:
            raise AssertionError("the server's sanitizer reported a problem:\n" + report)
        return code

    def kill9(self):
        return self.stop(sig=signal.SIGKILL)

    def cleanup(self):
        self.stop()
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def address(self):
        return "127.0.0.1:%d" % self.udp_port


class Response:
    """A parsed SIP message (enough for assertions)."""

    def __init__(self, text):
        self.text = text
        head, _, self.body = text.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.start = lines[0]
        m = re.match(r"SIP/2\.0 (\d{3}) ?(.*)", self.start)
        self.status = int(m.group(1)) if m else 0
        self.reason = m.group(2) if m else ""
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + " " + line.strip())
            elif ":" in line:
                name, value = line.split(":", 1)
                self.headers.append((name.strip().lower(), value.strip()))

    def all(self, name):
        compact = {"via": "v", "contact": "m", "from": "f", "to": "t", "call-id": "i"}
        names = {name.lower(), compact.get(name.lower(), "")}
        return [v for n, v in self.headers if n in names]

    def get(self, name):
        values = self.all(name)
        return values[0] if values else None

    def __repr__(self):
        return self.text


class UdpPeer:
    """A bare SIP peer on a UDP socket: sends hand-written messages, reads what comes back."""

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.host = host
        self.port = self.sock.getsockname()[1]

    def send(self, server_port, text, host=None):
        data = text if isinstance(text, bytes) else text.encode()
        self.sock.sendto(data, (host or self.host, server_port))

    def receive(self, timeout=2.0):
        self.sock.settimeout(timeout)
        try:
            data, _ = self.sock.recvfrom(65535)
        except socket.timeout:
            return None
        return Response(data.decode(errors="replace"))

    def request(self, server_port, text, timeout=2.0, final=True):
        """Sends and returns the first response (the first final one when `final`)."""
        self.send(server_port, text)
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = self.receive(max(0.01, deadline - time.time()))
            if r is None:
                return None
            if not final or r.status >= 200:
                return r
        return None

    def close(self):
        self.sock.close()


def new_call_id():
    return uuid.uuid4().hex


def register_text(aor_user, peer, server_port=None, contact=None, expires=3600, call_id=None, cseq=1,
                  domain="127.0.0.1", extra=""):
    """A REGISTER written by hand (with a Contact when `contact` is given)."""
    call_id = call_id or new_call_id()
    contact_line = "Contact: %s\r\n" % contact if contact is not None else ""
    expires_line = "Expires: %d\r\n" % expires if expires is not None else ""
    return (
        "REGISTER sip:{domain} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:{user}@{domain}>;tag={tag}\r\n"
        "To: <sip:{user}@{domain}>\r\n"
        "Call-ID: {call_id}\r\n"
        "CSeq: {cseq} REGISTER\r\n"
        "{contact}{expires}{extra}"
        "Content-Length: 0\r\n\r\n"
    ).format(domain=domain, port=peer.port, branch=uuid.uuid4().hex[:12], user=aor_user,
             tag=uuid.uuid4().hex[:8], call_id=call_id, cseq=cseq, contact=contact_line,
             expires=expires_line, extra=extra)


def register(aor_user, contact, server_port, peer, expires=3600, call_id=None, cseq=1, domain="127.0.0.1",
             extra=""):
    """A REGISTER written by hand; returns the response."""
    return peer.request(server_port, register_text(aor_user, peer, server_port, contact, expires,
                                                   call_id, cseq, domain, extra))


def options(server_port, peer, uri=None, extra="", max_forwards=70):
    uri = uri or "sip:127.0.0.1:%d" % server_port
    msg = (
        "OPTIONS {uri} SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{branch};rport\r\n"
        "Max-Forwards: {mf}\r\n"
        "From: <sip:probe@127.0.0.1>;tag={tag}\r\n"
        "To: <{uri}>\r\n"
        "Call-ID: {call_id}\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "{extra}"
        "Content-Length: 0\r\n\r\n"
    ).format(uri=uri, port=peer.port, branch=uuid.uuid4().hex[:12], mf=max_forwards,
             tag=uuid.uuid4().hex[:8], call_id=new_call_id(), extra=extra)
    return peer.request(server_port, msg)


class Sipp:
    """A SIPp process (Debian's sip-tester) with its ports kept inside our range."""

    def __init__(self, scenario, remote=None, args=(), workdir=None, inf=None):
        self.scenario = scenario if os.path.isabs(scenario) else os.path.join(SCENARIOS, scenario)
        self.remote = remote
        self.args = list(args)
        self.workdir = workdir or tempfile.mkdtemp(prefix="sb-sipp-")
        self.port = free_port()
        self.proc = None
        self.inf = inf

    def command(self, calls=1, timeout=30):
        media = free_media_ports()
        control = free_port()
        cmd = ["sipp", "-sf", self.scenario, "-i", "127.0.0.1", "-p", str(self.port),
               "-mp", str(media), "-cp", str(control), "-m", str(calls), "-timeout", "%ds" % timeout,
               "-timeout_error", "-nostdin", "-bg" if False else "-trace_err",
               "-error_file", os.path.join(self.workdir, "errors.log"),
               "-message_file", os.path.join(self.workdir, "messages.log"), "-trace_msg"]
        if self.inf:
            cmd += ["-inf", self.inf]
        cmd += self.args
        if self.remote:
            cmd.append(self.remote)
        return cmd

    def run(self, calls=1, timeout=30):
        """Runs to completion; returns the exit code (0: every call succeeded)."""
        self.proc = subprocess.Popen(self.command(calls, timeout), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, cwd=self.workdir)
        try:
            _, err = self.proc.communicate(timeout=timeout + 15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self.stderr = err.decode(errors="replace")
        return self.proc.returncode

    def start(self, calls=1, timeout=60):
        """Starts in the background (a UAS); stop() ends it."""
        self.proc = subprocess.Popen(self.command(calls, timeout), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, cwd=self.workdir)
        time.sleep(0.2)
        return self

    def wait(self, timeout=60):
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
        return self.proc.returncode

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def messages(self):
        try:
            with open(os.path.join(self.workdir, "messages.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def errors(self):
        try:
            with open(os.path.join(self.workdir, "errors.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""
