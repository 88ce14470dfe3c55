// fuzz_rx_path's application calls, interleaved with the frames so that the states reached by the
// user's side (close, shutdown, abort, accept, reading a full window open ...) are reached too.
//   [op][which][arg:2]  op % 12, see app_op().
#include <algorithm>
#include <array>
#include <vector>

#include "tests/fuzz/arp_template.hpp"
#include "tests/fuzz/rx_path_fuzz.hpp"

namespace tachyon::fuzz {

void RxPathFuzz::add_handle(TcpHandle h) {
    if (apps_.size() < kMaxHandles) apps_.push_back({.handle = h});
}

// Reads what there is and checks each byte against what the peer sent at that sequence number.
void RxPathFuzz::receive(App& a) {
    const TcpConnection* c = tcp_.connection(a.handle);
    if (c == nullptr) {
        std::array<std::byte, 16> buf;
        (void)tcp_.receive(a.handle, buf);  // a stale handle must be refused, not crash
        return;
    }
    const uint32_t first = c->tcb.irs.raw() + 1;
    const uint16_t port = c->tuple.remote_port;
    std::array<std::byte, 4096> buf;
    for (int i = 0; i < 16; ++i) {
        auto r = tcp_.receive(a.handle, buf);
        if (!r.ok() || r.value() == 0) return;
        if (r.value() > buf.size()) {
            verdict().fail("receive returned more than the buffer holds");
            return;
        }
        for (size_t k = 0; k < r.value() && !tainted_; ++k) {
            const uint32_t seq = first + static_cast<uint32_t>(a.read + k);
            if (buf[k] != stream_byte(port, seq)) {
                verdict().fail("received stream byte " + std::to_string(a.read + k) + " (seq " + std::to_string(seq) +
                               ") is not what the peer sent there");
                return;
            }
        }
        a.read += r.value();
    }
}

// Writes n bytes (sent_byte() at their sequence numbers) as far as the send buffer takes them.
void RxPathFuzz::send_data(App& a, size_t n) {
    const TcpConnection* c = tcp_.connection(a.handle);
    std::vector<std::byte> data(n);
    if (c != nullptr) {
        const uint32_t first = c->tcb.iss.raw() + 1 + static_cast<uint32_t>(a.written);
        for (size_t k = 0; k < n; ++k) data[k] = sent_byte(c->tuple.local_port, first + static_cast<uint32_t>(k));
    }
    auto r = tcp_.send(a.handle, data);  // a stale handle must be refused, not crash
    if (!r.ok()) return;
    if (r.value() > n) verdict().fail("send took more bytes than it was given");
    a.written += r.value();
}

void RxPathFuzz::app_op(FuzzInput& in, Duration step) {
    const uint8_t op = in.u8();
    const uint8_t which = in.u8();
    const uint16_t arg = in.u16();
    App* a = apps_.empty() ? nullptr : &apps_[which % apps_.size()];
    const TcpHandle h = a != nullptr ? a->handle : TcpHandle{};
    UdpLayer& udp = world_.stack().udp();
    static const std::vector<std::byte> kZeros(20000);
    switch (op % 12) {
        case 0:
            if (a != nullptr) receive(*a);
            break;
        case 1:
            if (a != nullptr) send_data(*a, arg % 20000);
            break;
        case 2: (void)tcp_.shutdown_write(h); break;
        case 3: (void)tcp_.close(h); break;
        case 4: (void)tcp_.abort(h); break;
        case 5:
            if (auto r = tcp_.accept(listener_); r.ok()) add_handle(r.value());
            break;
        case 6:
            if (auto r = tcp_.open({kStackIp, 0}, {kPeerIp, static_cast<uint16_t>(5000 + arg % 4)},
                                   (arg & 0x100) != 0 ? active_config() : tcp_.config().defaults);
                r.ok()) {
                add_handle(r.value());
            }
            break;
        case 7: (void)udp.send_to(udp_, {kPeerIp, arg}, std::span(kZeros).first(which * 8u)); break;
        case 8: {
            std::array<std::byte, 2048> buf;
            for (int i = 0; i < 8 && udp.recv_from(udp_, buf).ok(); ++i) {
            }
            break;
        }
        case 9: (void)world_.stack().icmp().send_ping(choose_address(which, arg), arg, 1, which); break;
        case 10:
            // Closing the listener resets its children; listening again starts afresh.
            (void)tcp_.close_listener(listener_);
            if (auto r = tcp_.listen({kStackIp, kListenPort}, 1 + which % 8, passive_config()); r.ok()) {
                listener_ = r.value();
            }
            break;
        default:
            // To a neighbour nobody answers for: waits in the ARP queue, then is dropped.
            (void)udp.send_to(udp_, {choose_address(which, arg), 7}, std::span(kZeros).first(arg % 1400));
            break;
    }
    world_.advance(step);
}

}  // namespace tachyon::fuzz
