// The floor under any SIP proxy on this machine: the least a process can do with the
// benchmark's messages and still let SIPp complete its calls and registrations. It answers each
// REGISTER 200 by echoing its headers, and relays every other datagram blindly: from the UAS's
// port to the last other sender (the UAC), from anyone else to the UAS. No parsing, no state,
// no timers: one blocking recvfrom and one sendto per message. What it costs per call and per
// REGISTER is the kernel's share (wake-ups, the two system calls, loopback delivery), which
// every proxy pays on top of its own work.
//
// usage: udp_floor PORT UAS_PORT   (both on 127.0.0.1; stops on SIGTERM or SIGINT)

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
    (void)sig;
    stopping = 1;
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

// Turns "REGISTER ... SIP/2.0\r\n<headers>" into "SIP/2.0 200 OK\r\n<headers>" in `out`.
static size_t register_ok(const char* in, size_t len, char* out, size_t room) {
    const char* end_of_line = memchr(in, '\n', len);
    static const char status[] = "SIP/2.0 200 OK\r\n";
    if (end_of_line == NULL) {
        return 0;
    }
    size_t rest = len - (size_t)(end_of_line + 1 - in);
    if (sizeof(status) - 1 + rest > room) {
        return 0;
    }
    memcpy(out, status, sizeof(status) - 1);
    memcpy(out + sizeof(status) - 1, end_of_line + 1, rest);
    return sizeof(status) - 1 + rest;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT UAS_PORT\n", argv[0]);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;  // no SA_RESTART: a blocked recvfrom returns EINTR
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local = loopback(atoi(argv[1]));
    if (fd < 0 || bind(fd, (struct sockaddr*)&local, sizeof(local)) != 0) {
        perror("udp_floor: bind");
        return 1;
    }
    int rcvbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    const struct sockaddr_in uas = loopback(atoi(argv[2]));
    struct sockaddr_in uac = uas;
    static char in[65536];
    static char out[65536];
    while (!stopping) {
        struct sockaddr_in from;
        socklen_t from_len = sizeof(from);
        ssize_t n = recvfrom(fd, in, sizeof(in), 0, (struct sockaddr*)&from, &from_len);
        if (n <= 0) {
            continue;
        }
        if (n > 9 && memcmp(in, "REGISTER ", 9) == 0) {
            size_t m = register_ok(in, (size_t)n, out, sizeof(out));
            if (m > 0) {
                sendto(fd, out, m, 0, (struct sockaddr*)&from, from_len);
            }
            continue;
        }
        const int from_uas =
            from.sin_port == uas.sin_port && from.sin_addr.s_addr == uas.sin_addr.s_addr;
        if (!from_uas) {
            uac = from;
        }
        const struct sockaddr_in* to = from_uas ? &uac : &uas;
        sendto(fd, in, (size_t)n, 0, (const struct sockaddr*)to, sizeof(*to));
    }
    close(fd);
    return 0;
}
