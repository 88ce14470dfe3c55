// The README's echo server, as a complete program that CI builds and runs: echo_server() is the
// part the README shows; main() runs it on one stack of a memory link, with a client on the other
// stack, in one thread. The server blocks in accept() and recv(); while it waits, the stack's
// idle hook runs the client step by step (non-blocking), so the program needs no threads.
// Exit status 0 when every echo came back intact.
#include <array>
#include <cstdio>
#include <optional>
#include <string>

#include "drivers/memory/memory_link.hpp"
#include "stack/socket/socket.hpp"
#include "stack/stack.hpp"

using namespace tachyon;

// ---- README: echo server ----
// Serves `clients` connections on `port`, one at a time, echoing each until the peer closes.
void echo_server(SocketLayer& net, uint16_t port, int clients) {
    Socket server = net.socket(AF_INET, SOCK_STREAM);
    server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    server.bind({Ipv4Address::any(), port});
    server.listen();
    for (int i = 0; i < clients; ++i) {
        auto [conn, peer] = server.accept();  // blocks, driving the stack
        std::printf("connection from %s\n", peer.to_string().c_str());
        std::array<std::byte, 2048> buf;
        for (;;) {
            Result<size_t> n = conn.recv(buf);
            if (!n || *n == 0) break;  // an error, or the peer's orderly shutdown
            if (!conn.sendall(std::span(buf).first(*n))) break;
        }
    }  // every Socket closes when it goes out of scope
}
// ---- end of the README part ----

namespace {

constexpr Ipv4Address kServerIp = Ipv4Address::from_octets(10, 0, 0, 1);
constexpr Ipv4Address kClientIp = Ipv4Address::from_octets(10, 0, 0, 2);
constexpr uint16_t kPort = 7;
constexpr int kMessages = 5;

// A non-blocking client: connect, send a message, read its echo, kMessages times, then close.
class Client {
public:
    explicit Client(SocketLayer& net) : sock_(net.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK)) {}

    // One step; true while there is more to do.
    bool step() {
        if (done_) return false;
        if (!connected_) {
            const int e = sock_.connect_ex({kServerIp, kPort});
            connected_ = e == 0 || e == EISCONN;
            if (!connected_ && e != EINPROGRESS && e != EALREADY) return fail("connect", e);
            return true;
        }
        if (expected_.empty()) {
            if (sent_ == kMessages) {
                done_ = true;
                return !sock_.close() ? fail("close", EIO) : false;
            }
            expected_ = "message " + std::to_string(sent_++) + " over the memory link";
            if (!sock_.sendall(expected_)) return fail("sendall", EIO);
            return true;
        }
        std::array<std::byte, 256> buf;
        Result<size_t> n = sock_.recv(buf);
        if (!n) return n.code() == EAGAIN ? true : fail("recv", n.code());
        received_.append(reinterpret_cast<const char*>(buf.data()), *n);
        if (received_.size() >= expected_.size()) {
            if (received_ != expected_) return fail("echo differs", 0);
            ++echoed_;
            received_.clear();
            expected_.clear();
        }
        return true;
    }

    int echoed() const { return echoed_; }
    bool failed() const { return failed_; }

private:
    bool fail(const char* what, int e) {
        std::fprintf(stderr, "client: %s failed (errno %d)\n", what, e);
        failed_ = done_ = true;
        return false;
    }

    Socket sock_;
    bool connected_ = false;
    bool done_ = false;
    bool failed_ = false;
    int sent_ = 0;
    int echoed_ = 0;
    std::string expected_;
    std::string received_;
};

StackConfig config(const Clock& clock, Ipv4Address ip, uint64_t seed) {
    StackConfig c;
    c.clock = &clock;
    c.address = Ipv4Cidr{ip, 24};
    c.seed = seed;
    return c;
}

}  // namespace

int main() {
    ManualClock clock(Instant::from_ms(1));
    // The link goes before the stacks: frames still on it return to the stacks' pools.
    std::optional<Stack> server_stack_holder;
    std::optional<Stack> client_stack_holder;
    MemoryLink link;
    Stack& server_stack = server_stack_holder.emplace(link.a(), config(clock, kServerIp, 1));
    Stack& client_stack = client_stack_holder.emplace(link.b(), config(clock, kClientIp, 2));
    int echoed = 0;
    bool failed = true;
    {
        SocketLayer server_net(server_stack);
        SocketLayer client_net(client_stack);
        Client client(client_net);
        // While the server waits: run the client's stack and the client; when nothing moves,
        // let time pass to the next timer (a retransmission, a delayed ACK ...).
        server_net.set_idle_hook([&](const IdleWait& w) {
            const bool worked = client_stack.poll();
            if (client.step() || worked) return;
            std::optional<Instant> next = w.next_timer;
            if (auto t = client_stack.timers().next_deadline(); t && (!next || *t < *next)) next = t;
            clock.set(next && *next > clock.now() ? *next : clock.now() + Duration::from_ms(1));
        });
        echo_server(server_net, kPort, 1);
        echoed = client.echoed();
        failed = client.failed();
    }
    std::printf("%d of %d messages echoed\n", echoed, kMessages);
    return !failed && echoed == kMessages ? 0 : 1;
}
