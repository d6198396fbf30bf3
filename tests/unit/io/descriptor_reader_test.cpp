#include "io/descriptor_reader.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "base/clock.h"

namespace sb::io {
namespace {

using Outcome = DescriptorReader::Outcome;
using namespace std::chrono_literals;

// A non-blocking UDP socket on 127.0.0.1 and a second one that sends to it.
struct LoopbackPair {
    LoopbackPair() {
        receiver = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sender = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int big = 4 << 20;
        ::setsockopt(receiver, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
        EXPECT_EQ(::bind(receiver, reinterpret_cast<sockaddr *>(&a), sizeof(a)), 0);
        socklen_t len = sizeof(to);
        ::getsockname(receiver, reinterpret_cast<sockaddr *>(&to), &len);
    }
    ~LoopbackPair() {
        ::close(receiver);
        ::close(sender);
    }
    void send(int n = 1) const {
        for (int i = 0; i < n; ++i) {
            ::sendto(sender, "x", 1, 0, reinterpret_cast<const sockaddr *>(&to), sizeof(to));
        }
    }
    // Reads up to `room` datagrams, as a recvmmsg would.
    Outcome read(int room, std::atomic<int> &got) const {
        int n = 0;
        char b[16];
        while (n < room && ::recv(receiver, b, sizeof(b), MSG_DONTWAIT) >= 0) {
            ++n;
        }
        got += n;
        if (n == 0) {
            return Outcome::Empty;
        }
        return n < room ? Outcome::Drained : Outcome::Read;
    }

    int receiver = -1;
    int sender = -1;
    sockaddr_in to{};
};

template <class Pred>
bool wait_for(Pred pred, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

// Runs fn on the worker's thread and waits for it.
template <class F>
void on_worker(Worker &worker, F fn) {
    std::promise<void> done;
    worker.post([&] {
        fn();
        done.set_value();
    });
    done.get_future().wait();
}

struct ReaderTest : ::testing::Test {
    SystemClock clock;
    Worker worker{0, clock};
    LoopbackPair pair;
    std::atomic<int> read{0};
    std::atomic<int> delivered{0};

    void SetUp() override { worker.start(); }
    void TearDown() override {
        worker.stop();
        worker.join();
    }
};

TEST_F(ReaderTest, ReadsEveryDatagramOfBurstsLargeAndSmall) {
    DescriptorReader reader(worker, pair.receiver);
    on_worker(worker, [&] {
        ASSERT_TRUE(reader.start([&] { return pair.read(4, read); }, [&] { ++delivered; }));
    });
    // Bursts shorter and longer than a read's room, with pauses that let the reader go back
    // to waiting in between.
    int sent = 0;
    for (int burst : {1, 3, 4, 5, 17, 1, 1, 64, 2}) {
        pair.send(burst);
        sent += burst;
        std::this_thread::sleep_for(2ms);
    }
    EXPECT_TRUE(wait_for([&] { return read == sent; })) << read << " of " << sent;
    on_worker(worker, [&] { reader.stop(); });
}

TEST_F(ReaderTest, ADatagramArrivingJustAfterADrainingReadIsNotMissed) {
    // The read that drains the socket is followed by no other read: the datagram sent right
    // after it must wake the reader by itself.
    DescriptorReader reader(worker, pair.receiver);
    std::atomic<int> reads{0};
    on_worker(worker, [&] {
        ASSERT_TRUE(reader.start(
            [&] {
                Outcome o = pair.read(4, read);
                if (o == Outcome::Drained && reads.fetch_add(1) == 0) {
                    pair.send();  // arrives after the read looked, before the reader waits
                }
                return o;
            },
            [&] { ++delivered; }));
    });
    pair.send();
    EXPECT_TRUE(wait_for([&] { return read == 2; })) << read;
    on_worker(worker, [&] { reader.stop(); });
}

TEST_F(ReaderTest, AStoppedReaderReadsAndDeliversNothing) {
    DescriptorReader reader(worker, pair.receiver);
    on_worker(worker, [&] {
        ASSERT_TRUE(reader.start([&] { return pair.read(4, read); }, [&] { ++delivered; }));
    });
    pair.send();
    ASSERT_TRUE(wait_for([&] { return delivered == 1; }));
    on_worker(worker, [&] { reader.stop(); });
    pair.send(3);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(read, 1);
    EXPECT_EQ(delivered, 1);
}

TEST_F(ReaderTest, AReadQueuedForDeliveryIsDroppedByStop) {
    // The first read succeeds at start; its delivery is queued behind the stop.
    pair.send();
    DescriptorReader reader(worker, pair.receiver);
    on_worker(worker, [&] {
        ASSERT_TRUE(reader.start([&] { return pair.read(4, read); }, [&] { ++delivered; }));
        reader.stop();
    });
    on_worker(worker, [] {});
    EXPECT_EQ(read, 1);
    EXPECT_EQ(delivered, 0);
}

TEST_F(ReaderTest, ABusySocketLetsOtherWorkRunBetweenDeliveries) {
    pair.send(50);
    ASSERT_TRUE(wait_for([&] {
        int queued = 0;
        return ::ioctl(pair.receiver, FIONREAD, &queued) == 0 && queued > 0;
    }));
    DescriptorReader reader(worker, pair.receiver);
    std::atomic<int> delivered_when_posted{-1};
    on_worker(worker, [&] {
        ASSERT_TRUE(reader.start([&] { return pair.read(1, read); }, [&] { ++delivered; }));
        worker.post([&] { delivered_when_posted = delivered.load(); });
    });
    ASSERT_TRUE(wait_for([&] { return delivered == 50; })) << delivered;
    EXPECT_GE(delivered_when_posted, 0);
    EXPECT_LT(delivered_when_posted, 5) << "the posted work waited for the socket to be read out";
    on_worker(worker, [&] { reader.stop(); });
}

}  // namespace
}  // namespace sb::io
