// The fixture behind fuzz_rx_path (internal to tests/fuzz): setup in rx_path_setup.cpp, the
// records in rx_path_records.cpp, checks and teardown in fuzz_rx_path_harness.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "stack/tcp/tcp_layer.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/fuzz_world.hpp"
#include "tests/fuzz/tcp_peer_model.hpp"

namespace tachyon::fuzz {

class RxPathFuzz {
public:
    static constexpr uint16_t kListenPort = 80;
    static constexpr uint16_t kUdpPort = 9000;
    static constexpr size_t kMaxHandles = 24;
    static constexpr int kMaxRecords = 256;

    RxPathFuzz();
    RxPathFuzz(const RxPathFuzz&) = delete;
    RxPathFuzz& operator=(const RxPathFuzz&) = delete;
    ~RxPathFuzz();

    void setup();
    void run(std::span<const uint8_t> data);
    void teardown();
    Verdict& verdict() { return world_.verdict(); }

private:
    struct App {  // a connection the application holds
        TcpHandle handle;
        uint64_t read = 0;     // stream bytes read so far
        uint64_t written = 0;  // stream bytes the stack took from send()
        // SND.UNA, SND.NXT and RCV.NXT when last seen synchronized: they never move back.
        std::optional<SeqNum> snd_una, snd_nxt, rcv_nxt;
    };

    // rx_path_setup.cpp
    TcpConnConfig passive_config() const;
    TcpConnConfig active_config() const;
    void send(const TcpSpec& t, Flow* f, Duration step = Duration::zero());
    void peer_segment(Flow& f, uint8_t flags, size_t payload_len);
    Flow* passive_open(uint16_t port, uint32_t isn, const Bytes& options, bool complete);
    TcpHandle accept_one();
    TcpHandle active_open(uint16_t port, bool answer);
    void expect_state(TcpHandle h, TcpState s, const char* what);

    // rx_path_records.cpp
    void raw_frame(FuzzInput& in, Duration step);
    void raw_ipv4(FuzzInput& in, Duration step);
    void tcp_record(FuzzInput& in, Duration step);
    void tcp_fragments(FuzzInput& in, Duration step);
    void udp_or_icmp(FuzzInput& in, Duration step);
    Bytes icmp_error_quote(FuzzInput& in);
    void app_op(FuzzInput& in, Duration step);
    void receive(App& a);
    void send_data(App& a, size_t n);
    void add_handle(TcpHandle h);

    // fuzz_rx_path_harness.cpp
    void check_step();
    void check_connection(App& a);
    void check_sent_data(const SentTcp& s);

    StackWorld world_;
    TcpLayer tcp_;
    TcpPeerModel model_;
    std::vector<App> apps_;
    TcpListenHandle listener_;
    UdpSocketId udp_;
    // Raw frames can carry any bytes into a connection (a device may vouch for their checksum),
    // so once one was sent the stream content check is off for the rest of the input.
    bool tainted_ = false;
    uint16_t next_ident_ = 0x4000;  // fragment idents of the harness's own, never reused
    MonotonicCounters tcp_counters_;
};

StackConfig rx_stack_config();
TcpConfig rx_tcp_config();

}  // namespace tachyon::fuzz
