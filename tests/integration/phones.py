"""Real SIP phones for integration tests: baresip and linphonec, headless, on a test LAN.

`TestLan` gives every phone its own "host": a network namespace with its own 10.x address on a
bridge, the server on the bridge's host side, and nftables guards so that nothing leaves the test
LAN. Where namespaces cannot be made (no CAP_NET_ADMIN), it falls back to loopback: every phone on
127.0.0.1 with distinct ports, running the same tests.

`Baresip` drives baresip 1.0.0 over its ctrl_tcp module (netstring-framed JSON commands and
events); `Linphonec` drives linphonec 5.1 through its stdin. Both send a sine tone and record
what they hear, so a test can tell who hears whom (`tone_level`).

Every process is started here, kept by PID and stopped by PID within a time limit; every wait is
bounded. See /work/shared/interop-notes.md for the client facts this module relies on.
"""

import atexit
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import wave

from harness import free_port

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(HERE, "phones")


def log(msg):
    sys.stderr.write("[real-clients] %s\n" % msg)
    sys.stderr.flush()


def run(cmd, check=True, timeout=10, input_text=None):
    """Runs a short command; returns its CompletedProcess (raises on failure when `check`)."""
    p = subprocess.run(cmd, input=input_text, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p


def stop_process(proc, timeout=5, sig=signal.SIGTERM):
    """Stops one process we started, by its PID, within a time limit."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(sig)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# ---------------------------------------------------------------------------------------------
# The test LAN
# ---------------------------------------------------------------------------------------------

class Host:
    """One phone's machine: its address, how to run a command there, and its free ports."""

    def __init__(self, lan, name, ip, netns):
        self.lan = lan
        self.name = name
        self.ip = ip
        self.netns = netns
        self._next_port = 5060

    def command(self, argv):
        if self.netns is None:
            return list(argv)
        # `ip netns exec` execs the command: the PID we get is the phone's own.
        return ["ip", "netns", "exec", self.netns] + list(argv)

    def sip_port(self):
        """A SIP port with the next one free too (baresip binds TLS on port + 1). In a namespace
        every phone started there gets new ports, so none is bound by an earlier test's phone."""
        if self.netns is not None:
            self._next_port += 2
            return self._next_port - 2
        for _ in range(100):
            p = free_port(host="127.0.0.1", also_tcp=True)
            if p < 65534 and _port_free(p + 1):
                return p
        raise RuntimeError("no free pair of SIP ports")

    def tcp_port(self):
        if self.netns is not None:
            self._next_port += 1
            return self._next_port - 1
        return free_port(socket.SOCK_STREAM, host="127.0.0.1")

    def rtp_range(self, count=20):
        """A range of UDP ports for RTP and RTCP that this host alone uses."""
        return self.lan.rtp_range(self, count)


def _port_free(port, host="127.0.0.1"):
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        s = socket.socket(socket.AF_INET, kind)
        try:
            s.bind((host, port))
        except OSError:
            return False
        finally:
            s.close()
    return True


class TestLan:
    """Network namespaces on a bridge (one per phone), or loopback when that is impossible."""

    def __init__(self, names, force_loopback=False):
        self.pid = os.getpid()
        self.names = list(names)
        self.namespaces = []
        self.links = []
        self.bridge = None
        self.host_table = None
        self.hosts = {}
        self.mode = None
        self.reason = ""
        self._rtp_next = 0
        self._rtp_lock = threading.Lock()
        atexit.register(self.cleanup)   # also when the run is interrupted
        if force_loopback or os.environ.get("SB_REAL_CLIENTS_LOOPBACK") == "1":
            self.reason = "forced by SB_REAL_CLIENTS_LOOPBACK=1" if not force_loopback else "forced"
            self._loopback()
            return
        try:
            self._namespaces()
        except Exception as e:  # no CAP_NET_ADMIN, no bridge module, no nft...
            self.reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            self.cleanup()
            self._loopback()

    # -- loopback fallback --

    def _loopback(self):
        self.mode = "loopback"
        self.server_ip = "127.0.0.1"
        self.capture_interface = "lo"
        self.hosts = {n: Host(self, n, "127.0.0.1", None) for n in self.names}
        log("network namespaces unavailable (%s): FALLING BACK TO LOOPBACK, every phone on "
            "127.0.0.1 with distinct ports" % self.reason)

    # -- namespaces --

    def _subnet(self):
        used = run(["ip", "-4", "-o", "addr"], check=False).stdout + run(["ip", "-4", "route"], check=False).stdout
        a = 100 + self.pid % 100
        for i in range(250):
            b = (self.pid // 100 + i) % 250 + 1
            prefix = "10.%d.%d." % (a, b)
            if prefix not in used:
                return prefix
        raise RuntimeError("no free 10.x subnet")

    @staticmethod
    def sweep_stale():
        """Removes what an earlier run that died (its PID is gone) left: namespaces sb-PID-*,
        links sbbrPID and sbPIDv*, nft tables sbguardPID."""
        def dead(pid):
            return not os.path.exists("/proc/%s" % pid)
        for line in run(["ip", "netns", "list"], check=False).stdout.splitlines():
            m = re.match(r"(sb-(\d+)-\w+)", line)
            if m and dead(m.group(2)):
                run(["ip", "netns", "del", m.group(1)], check=False)
        for m in re.finditer(r"^\d+: (sb(?:br)?(\d+)(?:v\d+)?)[:@]", run(["ip", "-o", "link"], check=False).stdout, re.M):
            if dead(m.group(2)):
                run(["ip", "link", "del", m.group(1)], check=False)
        for m in re.finditer(r"^table inet (sbguard(\d+))$", run(["nft", "list", "tables"], check=False).stdout, re.M):
            if dead(m.group(2)):
                run(["nft", "delete", "table", "inet", m.group(1)], check=False)

    def _namespaces(self):
        self.sweep_stale()
        prefix = self._subnet()
        self.lan_cidr = prefix + "0/24"
        self.server_ip = prefix + "1"
        self.bridge = "sbbr%d" % self.pid
        run(["ip", "link", "add", self.bridge, "type", "bridge"])
        self.links.append(self.bridge)
        _sysctl(None, "net.ipv6.conf.%s.disable_ipv6" % self.bridge, "1")
        run(["ip", "addr", "add", self.server_ip + "/24", "dev", self.bridge])
        run(["ip", "link", "set", self.bridge, "up"])
        # Host side guard: the host forwards nothing into or out of the test LAN.
        self.host_table = "sbguard%d" % self.pid
        run(["nft", "-f", "-"], input_text=(
            "table inet %(t)s {\n"
            "  chain forward {\n"
            "    type filter hook forward priority -10; policy accept;\n"
            "    ip saddr %(lan)s ip daddr != %(lan)s drop\n"
            "    ip daddr %(lan)s ip saddr != %(lan)s drop\n"
            "    iifname \"%(br)s\" meta nfproto ipv6 drop\n"
            "    oifname \"%(br)s\" meta nfproto ipv6 drop\n"
            "  }\n"
            "}\n") % {"t": self.host_table, "lan": self.lan_cidr, "br": self.bridge})
        for i, name in enumerate(self.names):
            ns = "sb-%d-%s" % (self.pid, name)
            ip = prefix + str(11 + i)
            run(["ip", "netns", "add", ns])
            self.namespaces.append(ns)
            outer = "sb%dv%d" % (self.pid, i)
            run(["ip", "link", "add", outer, "type", "veth", "peer", "name", "sbtmp%d" % self.pid])
            self.links.append(outer)
            run(["ip", "link", "set", "sbtmp%d" % self.pid, "netns", ns])
            _sysctl(None, "net.ipv6.conf.%s.disable_ipv6" % outer, "1")
            run(["ip", "link", "set", outer, "master", self.bridge, "up"])
            run(["ip", "-n", ns, "link", "set", "sbtmp%d" % self.pid, "name", "eth0"])
            _sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1")
            _sysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1")
            run(["ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"])
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
            run(["ip", "-n", ns, "link", "set", "eth0", "up"])
            # A default route: without one liblinphone puts c=127.0.0.1 in its SDP.
            run(["ip", "-n", ns, "route", "add", "default", "via", self.server_ip])
            # Guard: this host talks to the test LAN and to itself, nothing else.
            run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input_text=(
                "table inet sbguard {\n"
                "  chain output {\n"
                "    type filter hook output priority 0; policy drop;\n"
                "    oifname \"lo\" accept\n"
                "    ip daddr %(lan)s accept\n"
                "  }\n"
                "  chain input {\n"
                "    type filter hook input priority 0; policy drop;\n"
                "    iifname \"lo\" accept\n"
                "    ip saddr %(lan)s accept\n"
                "  }\n"
                "}\n") % {"lan": self.lan_cidr})
            self.hosts[name] = Host(self, name, ip, ns)
        self.capture_interface = self.bridge
        self.mode = "namespaces"
        # Every host reaches the server's side of the bridge (a datagram from each namespace).
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.bind((self.server_ip, 0))
            probe.settimeout(3)
            for host in self.hosts.values():
                run(["ip", "netns", "exec", host.netns, "python3", "-c",
                     "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'%s', ('%s', %d))"
                     % (host.name, self.server_ip, probe.getsockname()[1])])
                data, addr = probe.recvfrom(100)
                if data.decode() != host.name or addr[0] != host.ip:
                    raise RuntimeError("LAN probe from %s came as %r from %s" % (host.name, data, addr))
        except socket.timeout:
            raise RuntimeError("a namespace cannot reach %s over the bridge" % self.server_ip)
        finally:
            probe.close()
        log("test LAN %s on bridge %s: server %s, %s" % (
            self.lan_cidr, self.bridge, self.server_ip,
            ", ".join("%s %s (netns %s)" % (h.name, h.ip, h.netns) for h in self.hosts.values())))

    def rtp_range(self, host, count):
        with self._rtp_lock:
            if self.mode == "namespaces":
                base = 30000 + 100 * self.names.index(host.name) + self._rtp_next
                self._rtp_next = (self._rtp_next + count) % 100
                return base, base + count - 1
            for _ in range(200):
                base = 20000 + (os.getpid() * 7 + self._rtp_next * 37) % 40000
                base -= base % 2
                self._rtp_next += 1
                if all(_port_free(p) for p in range(base, base + count)):
                    return base, base + count - 1
        raise RuntimeError("no free RTP port range")

    def host(self, name):
        return self.hosts[name]

    def outside_address(self):
        """An IPv4 address of this machine outside the test LAN and loopback, or None."""
        for m in re.finditer(r"inet (\d+\.\d+\.\d+\.\d+)/", run(["ip", "-4", "-o", "addr"], check=False).stdout):
            ip = m.group(1)
            if not ip.startswith("127.") and not ip.startswith(self.server_ip.rsplit(".", 1)[0] + "."):
                return ip
        return None

    def cleanup(self):
        for ns in reversed(self.namespaces):
            run(["ip", "netns", "del", ns], check=False)
        self.namespaces = []
        for link in reversed(self.links):
            # Deleting a namespace deletes its veth end and so the pair; the bridge stays.
            if run(["ip", "link", "show", link], check=False).returncode == 0:
                run(["ip", "link", "del", link], check=False)
        self.links = []
        if self.host_table:
            run(["nft", "delete", "table", "inet", self.host_table], check=False)
            self.host_table = None

    def leftovers(self):
        """Namespaces, links and nft tables of this run still present (empty after cleanup)."""
        out = []
        netns = run(["ip", "netns", "list"], check=False).stdout
        out += [l.split()[0] for l in netns.splitlines() if l.startswith("sb-%d-" % self.pid)]
        links = run(["ip", "-o", "link"], check=False).stdout
        out += re.findall(r"\d+: (sb(?:br)?%d[^:@]*)" % self.pid, links)
        tables = run(["nft", "list", "tables"], check=False).stdout
        out += [l for l in tables.splitlines() if ("sbguard%d" % self.pid) in l]
        return out


def _sysctl(netns, key, value):
    """Sets a sysctl on the host or in a namespace; an IPv6 key is skipped where IPv6 is off."""
    path = "/proc/sys/" + key.replace(".", "/")
    if netns is None:
        if key.startswith("net.ipv6.") and not os.path.exists(path):
            return
        with open(path, "w") as f:
            f.write(value)
    else:
        run(["ip", "netns", "exec", netns, "sh", "-c", "[ ! -e %s ] || echo %s > %s" % (path, value, path)])


# ---------------------------------------------------------------------------------------------
# Packet capture
# ---------------------------------------------------------------------------------------------

class RtpCapture:
    """dumpcap on the LAN for the phones' RTP port ranges; counts RTP packets per direction."""

    def __init__(self, interface, ranges, workdir):
        self.interface = interface
        self.path = os.path.join(workdir, "rtp-%d.pcap" % int(time.time() * 1000))
        parts = ["udp portrange %d-%d" % r for r in ranges]
        self.filter = "udp and (%s)" % " or ".join(parts)
        self.proc = None
        self._packets = None

    def start(self, timeout=10):
        self.err_path = self.path + ".log"
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(["dumpcap", "-q", "-i", self.interface, "-f", self.filter, "-w", self.path],
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + timeout
        while time.time() < deadline:
            with open(self.err_path, "rb") as f:
                if b"Capturing on" in f.read():
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        with open(self.err_path, errors="replace") as f:
            raise RuntimeError("dumpcap did not start: " + f.read())

    def stop(self):
        # dumpcap flushes about every 0.5 s: let the last packets reach the file.
        time.sleep(0.6)
        stop_process(self.proc, sig=signal.SIGINT)
        self.err.close()

    def packets(self):
        """Every RTP packet captured (decoded by tshark's RTP heuristic), read once after stop():
        (epoch time, src ip, src port, dst ip, dst port, payload type, payload bytes)."""
        if self._packets is None:
            self._packets = []
            if os.path.exists(self.path):
                p = run(["tshark", "-n", "-r", self.path, "--enable-heuristic", "rtp_udp", "-Y", "rtp",
                         "-T", "fields", "-e", "frame.time_epoch", "-e", "ip.src", "-e", "udp.srcport",
                         "-e", "ip.dst", "-e", "udp.dstport", "-e", "rtp.p_type", "-e", "rtp.payload"], timeout=60)
                for line in p.stdout.splitlines():
                    f = line.split("\t")
                    if len(f) == 7:
                        self._packets.append((float(f[0]), f[1], int(f[2]), f[3], int(f[4]), int(f[5]),
                                              bytes.fromhex(f[6].replace(":", ""))))
        return self._packets

    def flows(self):
        """{(src ip, src port, dst ip, dst port): RTP packets}."""
        out = {}
        for p in self.packets():
            out[p[1:5]] = out.get(p[1:5], 0) + 1
        return out

    def audio(self, src, dst, start=None, end=None):
        """The G.711 audio sent from phone `src` to phone `dst` as captured on the wire, as
        samples in -1..1 at 8000 Hz, from the packets captured between the epoch times `start`
        and `end` (when given)."""
        samples = []
        for t, sip, sport, dip, dport, pt, payload in self.packets():
            if not src.owns(sip, sport) or not dst.owns(dip, dport):
                continue
            if (start is not None and t < start) or (end is not None and t > end):
                continue
            if pt in (0, 8):    # not telephone-event, comfort noise...
                table = _ULAW if pt == 0 else _ALAW
                samples.extend(table[b] for b in payload)
        return samples

    def count(self, src, dst):
        """RTP packets sent from phone `src` to phone `dst` (matched by address and RTP range)."""
        n = 0
        for (sip, sport, dip, dport), c in self.flows().items():
            if src.owns(sip, sport) and dst.owns(dip, dport):
                n += c
        return n


# ---------------------------------------------------------------------------------------------
# Audio checks
# ---------------------------------------------------------------------------------------------

def read_wav(path):
    """(samples of the first channel as floats in -1..1, sample rate) of a 16-bit WAV file."""
    with wave.open(path, "rb") as w:
        rate, ch, width, n = w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()
        data = w.readframes(n)
    if width != 2:
        raise ValueError("%s: %d-byte samples" % (path, width))
    count = len(data) // 2
    ints = memoryview(data).cast("h")[:count]
    return [ints[i] / 32768.0 for i in range(0, count, ch)], rate


def _g711_tables():
    ulaw, alaw = [], []
    for b in range(256):
        u = ~b & 0xFF
        t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
        ulaw.append(((0x84 - t) if u & 0x80 else (t - 0x84)) / 32768.0)
        a = b ^ 0x55
        t = (a & 0x0F) << 4
        seg = (a & 0x70) >> 4
        if seg == 0:
            t += 8
        elif seg == 1:
            t += 0x108
        else:
            t = (t + 0x108) << (seg - 1)
        alaw.append((t if a & 0x80 else -t) / 32768.0)
    return ulaw, alaw


_ULAW, _ALAW = _g711_tables()


def tone_level(path, freq, skip=0.3, seconds=None):
    """The amplitude (0..1) of the `freq` Hz component of a recording (a Goertzel filter over
    the recording after `skip` seconds), and the RMS of the same samples."""
    samples, rate = read_wav(path)
    samples = samples[int(skip * rate):]
    if seconds is not None:
        samples = samples[:int(seconds * rate)]
    return goertzel(samples, rate, freq)


def goertzel(samples, rate, freq):
    """(amplitude of the `freq` Hz component, RMS) of samples in -1..1."""
    n = len(samples)
    if n == 0:
        return 0.0, 0.0
    w = 2 * math.pi * freq / rate
    coeff = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    amplitude = 2 * math.sqrt(max(power, 0.0)) / n
    rms = math.sqrt(sum(x * x for x in samples) / n)
    return amplitude, rms


def make_tone(path, freq, seconds=60, rate=8000):
    """A mono 16-bit sine tone file written with sox."""
    run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", path, "synth", str(seconds), "sine", str(freq),
         "vol", "0.5"], timeout=30)
    return path


# ---------------------------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------------------------

class Phone:
    """What both clients share: a host, a user name, a tone, a work directory and a log."""

    def __init__(self, host, user, server, freq, workdir):
        self.host = host
        self.user = user
        self.server = server            # (ip, port) of the switchboard
        self.domain = server[0]
        self.freq = freq
        self.workdir = workdir
        os.makedirs(workdir, exist_ok=True)
        self.proc = None
        self.rtp = host.rtp_range()

    @property
    def aor(self):
        return "sip:%s@%s" % (self.user, self.domain)

    def owns(self, ip, port):
        return ip == self.host.ip and self.rtp[0] <= port <= self.rtp[1]

    @property
    def pid(self):
        return self.proc.pid if self.proc else None


class Baresip(Phone):
    """baresip 1.0.0 in its own config directory, driven through ctrl_tcp."""

    def __init__(self, host, user, server, freq, workdir, contacts=()):
        super().__init__(host, user, server, freq, workdir)
        self.sip_port = host.sip_port()
        self.ctrl_port = host.tcp_port()
        self.rec_dir = os.path.join(workdir, "rec")
        os.makedirs(self.rec_dir, exist_ok=True)
        self.contacts = list(contacts)
        self.events = []
        self.responses = {}
        self.cond = threading.Condition()
        self.sock = None
        self.token = 0
        self.stdout_lines = []

    def write_config(self):
        with open(os.path.join(TEMPLATES, "baresip.conf")) as f:
            text = f.read()
        text = text.format(ip=self.host.ip, sip_port=self.sip_port, ctrl_port=self.ctrl_port,
                           freq=self.freq, rtp_min=self.rtp[0], rtp_max=self.rtp[1], rec_dir=self.rec_dir)
        with open(os.path.join(self.workdir, "config"), "w") as f:
            f.write(text)
        with open(os.path.join(self.workdir, "accounts"), "w") as f:
            f.write("# accounts are added with uanew once the control connection is up\n")
        with open(os.path.join(self.workdir, "contacts"), "w") as f:
            for c in self.contacts:
                f.write("<%s>\n" % c)
        if self.contacts:
            with open(os.path.join(self.workdir, "current_contact"), "w") as f:
                f.write(self.contacts[0])

    def start(self, timeout=10):
        self.write_config()
        self.log_path = os.path.join(self.workdir, "baresip.log")
        self.log = open(self.log_path, "ab")
        # The stdio UI needs a pipe on stdin; received MESSAGEs are printed on its stdout.
        self.proc = subprocess.Popen(self.host.command(["baresip", "-f", self.workdir]), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read_stdout, daemon=True)
        self.reader.start()
        deadline = time.time() + timeout
        while True:
            try:
                self.sock = socket.create_connection((self.host.ip, self.ctrl_port), timeout=1)
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError("baresip %s: no control connection:\n%s" % (self.user, self.output()))
                time.sleep(0.05)
        self.sock.settimeout(None)
        self.ctrl_reader = threading.Thread(target=self._read_ctrl, daemon=True)
        self.ctrl_reader.start()
        return self

    def register(self, timeout=10):
        """Adds the account (after the control connection is up, so REGISTER_OK is seen)."""
        account = "<%s>;regint=600;answermode=manual;outbound=\"sip:%s:%d\";audio_codecs=PCMU,PCMA" % (
            self.aor, self.server[0], self.server[1])
        ok, data = self.command("uanew", account)
        if not ok:
            raise RuntimeError("uanew failed: %s" % data)
        ev = self.wait_event(lambda e: e.get("type") in ("REGISTER_OK", "REGISTER_FAIL"), timeout)
        if ev is None or ev["type"] != "REGISTER_OK":
            raise RuntimeError("baresip %s did not register: %s\n%s" % (self.user, ev, self.output()))
        return self

    # -- I/O threads --

    def _read_stdout(self):
        for raw in iter(self.proc.stdout.readline, b""):
            self.log.write(raw)
            self.log.flush()
            with self.cond:
                self.stdout_lines.append(raw.decode(errors="replace"))
                self.cond.notify_all()

    def _read_ctrl(self):
        buf = b""
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                m = re.match(rb"(\d+):", buf)
                if not m:
                    break
                n = int(m.group(1))
                end = m.end() + n
                if len(buf) < end + 1:
                    break
                payload, buf = buf[m.end():end], buf[end + 1:]
                try:
                    msg = json.loads(payload.decode(errors="replace"))
                except ValueError:
                    continue
                with self.cond:
                    if msg.get("response"):
                        self.responses[msg.get("token")] = msg
                    elif msg.get("event"):
                        msg["_t"] = time.time()
                        self.events.append(msg)
                        self.log.write(("EVENT %s\n" % json.dumps(msg)).encode())
                    self.cond.notify_all()

    # -- commands and events --

    def command(self, cmd, params=None, timeout=5):
        with self.cond:
            self.token += 1
            token = "t%d" % self.token
        msg = {"command": cmd, "token": token}
        if params is not None:
            msg["params"] = params
        data = json.dumps(msg).encode()
        self.sock.sendall(b"%d:%s," % (len(data), data))
        with self.cond:
            if not self.cond.wait_for(lambda: token in self.responses, timeout):
                raise RuntimeError("baresip %s: no answer to %s" % (self.user, cmd))
            r = self.responses.pop(token)
        return r.get("ok"), r.get("data", "")

    def must(self, cmd, params=None):
        ok, data = self.command(cmd, params)
        if not ok:
            raise AssertionError("baresip %s: %s %s failed: %s" % (self.user, cmd, params or "", data))
        return data

    def wait_event(self, pred, timeout=10, since=0):
        """The first event (from index `since`) matching `pred`, or None after `timeout` s."""
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for e in self.events[since:]:
                    if pred(e):
                        return e
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def wait_call(self, type_, timeout=10, since=0, peer=None):
        return self.wait_event(lambda e: e.get("class") == "call" and e.get("type") == type_ and
                               (peer is None or peer in e.get("peeruri", "")), timeout, since)

    def call_events(self, since=0):
        with self.cond:
            return [e["type"] for e in self.events[since:] if e.get("class") == "call"]

    def mark(self):
        with self.cond:
            return len(self.events)

    def wait_output(self, pattern, timeout=5):
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        with self.cond:
            while True:
                for line in self.stdout_lines:
                    if rx.search(line):
                        return line
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def dial(self, uri):
        return self.must("dial", uri)

    def accept(self):
        return self.must("accept")

    def hangup(self):
        return self.must("hangup")

    def transfer(self, uri):
        return self.must("transfer", uri)

    def message(self, text):
        """A MESSAGE to the current contact (the first of `contacts`)."""
        return self.must("message", text)

    def recordings(self, kind="dec"):
        """The WAV files the sndfile module wrote, oldest first (`dec`: heard, `enc`: sent)."""
        files = [os.path.join(self.rec_dir, f) for f in os.listdir(self.rec_dir) if f.endswith("-%s.wav" % kind)]
        return sorted(files, key=os.path.getmtime)

    def output(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, AttributeError):
            return ""

    def stop(self):
        if self.sock is not None and self.proc.poll() is None:
            try:    # quit unregisters and exits; it answers nothing
                data = json.dumps({"command": "quit"}).encode()
                self.sock.sendall(b"%d:%s," % (len(data), data))
            except OSError:
                pass
        if self.proc is not None:
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                # quit waits for every SIP session to end, e.g. a 200 OK its peer never ACKed.
                # baresip exits at once on a second SIGTERM.
                log("baresip %s did not quit within 2 s (a session still open): SIGTERM x2" % self.user)
                self.proc.send_signal(signal.SIGTERM)
                time.sleep(0.2)
                stop_process(self.proc)
            self.reader.join(timeout=2)
            for f in (self.proc.stdin, self.proc.stdout):
                if f:
                    f.close()
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        if getattr(self, "log", None):
            self.log.close()
            self.log = None


class Linphonec(Phone):
    """linphonec 5.1 with its own HOME, driven through its stdin."""

    def __init__(self, host, user, server, freq, workdir):
        super().__init__(host, user, server, freq, workdir)
        self.sip_port = host.sip_port()
        self.lines = []
        self.cond = threading.Condition()
        self.tone = make_tone(os.path.join(workdir, "tone-%d.wav" % freq), freq)

    def start(self, timeout=10):
        with open(os.path.join(TEMPLATES, "linphonerc")) as f:
            text = f.read()
        text = text.format(ip=self.host.ip, rtp_min=self.rtp[0], rtp_max=self.rtp[1], user=self.user)
        self.rc = os.path.join(self.workdir, ".linphonerc")
        with open(self.rc, "w") as f:
            f.write(text)
        env = dict(os.environ, HOME=self.workdir)
        # liblinphone opens its database in $HOME/.local/share/linphone; when the folder is
        # missing the core never reaches GlobalOn and answers every incoming INVITE with 503.
        os.makedirs(os.path.join(self.workdir, ".local", "share", "linphone"), exist_ok=True)
        self.log_path = os.path.join(self.workdir, "linphonec.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.host.command(["stdbuf", "-oL", "linphonec", "-c", self.rc, "-d", "6", "-l", os.path.join(self.workdir, "liblinphone.log")]), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=self.workdir)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.wait_line(r"linphonec> ", timeout):
            raise RuntimeError("linphonec %s did not start:\n%s" % (self.user, self.output()))
        self.send("soundcard use files")
        # [sip] sip_port in the rc file is ignored at start-up.
        self.send("ports sip %d" % self.sip_port)
        self.send("play %s" % self.tone)
        return self

    def register(self, timeout=10):
        self.send("register %s sip:%s:%d x" % (self.aor, self.server[0], self.server[1]))
        # linphonec prints no registration event: ask for the state until it is registered.
        deadline = time.time() + timeout
        while time.time() < deadline:
            mark = self.mark()
            self.send("status register")
            m = self.wait_line(r"^(linphonec> )?(registered, identity|registered=)", 2, since=mark)
            if m and "identity" in m.group(0):
                return self
            time.sleep(0.1)
        raise RuntimeError("linphonec %s did not register:\n%s" % (self.user, self.output()))

    def _read(self):
        buf = b""
        while True:
            data = self.proc.stdout.read1(65536) if hasattr(self.proc.stdout, "read1") else self.proc.stdout.read(1)
            if not data:
                break
            self.log.write(data)
            self.log.flush()
            buf += data
            parts = buf.split(b"\n")
            buf = parts.pop()
            with self.cond:
                for p in parts:
                    self.lines.append(p.decode(errors="replace"))
                # The prompt has no newline after it.
                if buf.endswith(b"linphonec> "):
                    self.lines.append(buf.decode(errors="replace"))
                    buf = b""
                self.cond.notify_all()

    def send(self, line):
        self.log.write(("<<< %s\n" % line).encode())
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait_line(self, pattern, timeout=10, since=0):
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        with self.cond:
            while True:
                for i in range(since, len(self.lines)):
                    m = rx.search(self.lines[i])
                    if m:
                        return m
                left = deadline - time.time()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def output(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except (OSError, AttributeError):
            return ""

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired, ValueError):
                pass
        stop_process(self.proc)
        if self.proc is not None:
            self.reader.join(timeout=2)
            for f in (self.proc.stdin, self.proc.stdout):
                if f:
                    f.close()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None
