// ICMP errors about our segments (stack/tcp/icmp_errors.cpp): a connection being opened gives up
// with the error (Linux), an established one keeps it for its time-out (RFC 1122 4.2.3.9), an
// error quoting a sequence number not in flight is ignored (RFC 5927), and "fragmentation needed"
// cuts the segments in flight and those that follow to the path's MTU (RFC 1191).
#include <array>

#include "stack/wire/bytes.hpp"
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

constexpr uint32_t kSnd = kClientIss + 1;        // our first data byte (active open)
constexpr uint32_t kRcv = kPeerServerIss + 1;    // the peer's

class TcpIcmpError : public TcpTest {
protected:
    TcpConfig config() const override {
        TcpConfig c = TcpTest::config();
        c.max_retries = 3;
        c.syn_retries = 2;
        return c;
    }

    // The error a router would send about our segment with sequence number seq (local port 80 to
    // the peer's 40000, the fixture's tuple).
    void icmp(Icmpv4Type type, uint8_t code, uint32_t seq, uint16_t mtu = 0) {
        wire::store_be16(quote_.data(), kLocalPort);
        wire::store_be16(quote_.data() + 2, kPeerPort);
        wire::store_be32(quote_.data() + 4, seq);
        host_.end_turn();
        tcp().icmp_error(IcmpError{.type = type,
                                   .code = code,
                                   .next_hop_mtu = mtu,
                                   .protocol = static_cast<uint8_t>(IpProtocol::kTcp),
                                   .local = kLocalIp,
                                   .remote = kPeerIp,
                                   .transport = quote_});
    }
    void unreachable(Icmpv4Unreachable code, uint32_t seq, uint16_t mtu = 0) {
        icmp(Icmpv4Type::kDstUnreachable, static_cast<uint8_t>(code), seq, mtu);
    }

    TcpHandle connecting() {
        auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
        EXPECT_TRUE(h.ok());
        expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
        return h.ok() ? h.value() : TcpHandle{};
    }

    // Takes every segment sent so far, checking each is a retransmission of our first data.
    size_t take_retransmissions() {
        size_t n = 0;
        while (!host_.sent().empty()) {
            expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));
            ++n;
        }
        return n;
    }

    std::array<std::byte, 8> quote_{};
};

struct OpeningCase {
    const char* name;
    Icmpv4Type type;
    uint8_t code;
    int error;
};

class TcpIcmpErrorWhileOpening : public TcpIcmpError, public ::testing::WithParamInterface<OpeningCase> {};

TEST_P(TcpIcmpErrorWhileOpening, ConnectFailsAtOnceWithItsErrno) {
    const TcpHandle h = connecting();
    icmp(GetParam().type, GetParam().code, kClientIss);
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), GetParam().error);
    EXPECT_EQ(counters().icmp_aborts, 1u);
    expect_nothing_until(at_ms(10'000));  // no SYN retransmission
}

INSTANTIATE_TEST_SUITE_P(
    Codes, TcpIcmpErrorWhileOpening,
    ::testing::Values(OpeningCase{"PortUnreachable", Icmpv4Type::kDstUnreachable, 3, ECONNREFUSED},
                      OpeningCase{"ProtocolUnreachable", Icmpv4Type::kDstUnreachable, 2, ENOPROTOOPT},
                      OpeningCase{"HostUnreachable", Icmpv4Type::kDstUnreachable, 1, EHOSTUNREACH},
                      OpeningCase{"NetUnreachable", Icmpv4Type::kDstUnreachable, 0, ENETUNREACH},
                      OpeningCase{"AdministrativelyProhibited", Icmpv4Type::kDstUnreachable, 13, EHOSTUNREACH},
                      OpeningCase{"TimeExceeded", Icmpv4Type::kTimeExceeded, 0, EHOSTUNREACH}),
    [](const ::testing::TestParamInfo<OpeningCase>& i) { return std::string(i.param.name); });

TEST_F(TcpIcmpError, AnErrorQuotingASequenceNumberNotInFlightIsIgnored) {
    const TcpHandle h = connecting();
    unreachable(Icmpv4Unreachable::kPortUnreachable, kClientIss + 7);    // beyond SND.NXT
    unreachable(Icmpv4Unreachable::kPortUnreachable, kClientIss - 100);  // below SND.UNA
    EXPECT_EQ(counters().icmp_out_of_window, 2u);
    EXPECT_EQ(tcp().state(h), TcpState::kSynSent);
    expect_at(at_ms(1'000), is_tcp({.flags = kSyn, .seq = kClientIss}));  // the handshake goes on
}

TEST_F(TcpIcmpError, AnErrorAboutNoConnectionIsCounted) {
    unreachable(Icmpv4Unreachable::kPortUnreachable, kClientIss);
    EXPECT_EQ(counters().icmp_no_connection, 1u);
    EXPECT_EQ(counters().icmp_errors, 0u);
}

// RFC 1122 4.2.3.9: routing may recover, so an established connection goes on; if it then times
// out, the error says why (Linux's sk_err_soft) instead of ETIMEDOUT.
TEST_F(TcpIcmpError, AnEstablishedConnectionReportsTheErrorOnlyWhenItTimesOut) {
    const TcpHandle h = connect_established();
    EXPECT_EQ(send_str(h, "hello"), 5u);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv, .data = "hello"}));
    unreachable(Icmpv4Unreachable::kHostUnreachable, kSnd);
    EXPECT_EQ(counters().icmp_errors, 1u);
    EXPECT_EQ(tcp().state(h), TcpState::kEstablished);
    EXPECT_EQ(tcp().error(h), 0);
    size_t retransmissions = 0;
    for (int s = 1; s <= 600 && tcp().state(h) != TcpState::kClosed; ++s) {
        host_.run_until(at_ms(int64_t{s} * 1000));
        retransmissions += take_retransmissions();
    }
    EXPECT_EQ(retransmissions, config().max_retries);
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    EXPECT_EQ(tcp().error(h), EHOSTUNREACH);
}

// Linux's tcp_ack clears the soft error when data gets through: a later time-out is ETIMEDOUT.
TEST_F(TcpIcmpError, AnAcknowledgmentClearsTheKeptError) {
    const TcpHandle h = connect_established();
    EXPECT_EQ(send_str(h, "hello"), 5u);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv, .data = "hello"}));
    unreachable(Icmpv4Unreachable::kHostUnreachable, kSnd);
    send(seg({.seq = kRcv, .ack = kSnd + 5}));
    EXPECT_EQ(send_str(h, "again"), 5u);
    expect(is_tcp({.flags = kAck, .seq = kSnd + 5, .ack = kRcv, .data = "again"}));
    for (int s = 1; s <= 600 && tcp().state(h) != TcpState::kClosed; ++s) {
        host_.run_until(at_ms(int64_t{s} * 1000));
        while (!host_.sent().empty()) expect(is_tcp({.flags = kAck, .seq = kSnd + 5, .data = "again"}));
    }
    EXPECT_EQ(tcp().error(h), ETIMEDOUT);
}

// The peer's SYN,ACK went unanswered because the peer is not there: Linux's tcp_req_err drops the
// half-open child for net or host unreachable only; a port unreachable leaves it to its retries.
TEST_F(TcpIcmpError, AHalfOpenChildIsDroppedOnlyWhenItsPeerIsNotThere) {
    listen();
    send(seg({.flags = kSyn, .seq = kPeerIss, .mss = 1460}));
    expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1}));
    unreachable(Icmpv4Unreachable::kPortUnreachable, kServerIss);
    unreachable(Icmpv4Unreachable::kHostUnreachable, kServerIss + 1);  // not our ISN
    EXPECT_EQ(counters().icmp_out_of_window, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 1u);
    expect_at(at_ms(1'000), is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1}));
    unreachable(Icmpv4Unreachable::kHostUnreachable, kServerIss);
    EXPECT_EQ(counters().icmp_aborts, 1u);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
    expect_nothing_until(at_ms(20'000));
}

// RFC 1191 6.3, Linux's tcp_simple_retransmit: a router on the path takes 1,000-byte packets at
// most. The two full segments in flight were dropped: they go again at once in 960-byte pieces
// (the 80-byte one fitted and is left alone), and every segment after is cut to 960 bytes.
TEST_F(TcpIcmpError, FragmentationNeededCutsWhatIsInFlightAndWhatFollows) {
    const TcpHandle h = connect_established();
    EXPECT_EQ(send_str(h, std::string(3000, 'a')), 3000u);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .len = 1460}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 1460, .len = 1460}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 2920, .len = 80}));
    const uint32_t cwnd = tcp().connection(h)->cc.cwnd;
    unreachable(Icmpv4Unreachable::kFragRequired, kSnd, 1000);
    EXPECT_EQ(counters().pmtu_reductions, 1u);
    EXPECT_EQ(tcp().connection(h)->tcb.snd_mss, 960);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .len = 960}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 960, .len = 500}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 1460, .len = 960}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 2420, .len = 500}));
    expect_nothing();
    EXPECT_EQ(tcp().connection(h)->cc.cwnd, cwnd);  // not a congestion signal
    EXPECT_EQ(counters().retransmitted_segments, 4u);
    // A larger MTU says nothing new; the path's is known.
    unreachable(Icmpv4Unreachable::kFragRequired, kSnd, 1400);
    EXPECT_EQ(counters().pmtu_reductions, 1u);
    expect_nothing();
    send(seg({.seq = kRcv, .ack = kSnd + 3000}));
    EXPECT_EQ(tcp().connection(h)->recovery, RecoveryState::kOpen);
    EXPECT_EQ(send_str(h, std::string(2000, 'b')), 2000u);
    expect(is_tcp({.flags = kAck, .seq = kSnd + 3000, .len = 960}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 3960, .len = 960}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 4920, .len = 80}));
}

// Linux's route exception cache: a later connection to the host takes the path MTU learnt from
// the first's "fragmentation needed" from its handshake on, until it expires after 10 minutes.
TEST_F(TcpIcmpError, ALaterConnectionToTheHostStartsAtTheLearntPathMtu) {
    const TcpHandle first = connect_established();
    EXPECT_EQ(send_str(first, std::string(1460, 'a')), 1460u);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .len = 1460}));
    unreachable(Icmpv4Unreachable::kFragRequired, kSnd, 1000);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .len = 960}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 960, .len = 500}));
    const auto second_connection = [&](uint16_t port) {
        auto h = tcp().open({kLocalIp, port}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
        EXPECT_TRUE(h.ok());
        expect(is_tcp({.flags = kSyn, .seq = kClientIss, .mss = 1460}));  // we announce our link's
        send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460, .dst_port = port}));
        expect(is_tcp({.flags = kAck, .seq = kClientIss + 1, .ack = kPeerServerIss + 1}));
        return h.ok() ? tcp().connection(h.value())->tcb.snd_mss : 0;
    };
    EXPECT_EQ(second_connection(kLocalPort + 1), 960);
    host_.run_until(at_ms(601'000));  // the learnt MTU expired (the first connection's data is acked)
    while (!host_.sent().empty()) pop();
    EXPECT_EQ(second_connection(kLocalPort + 2), 1460);
}

// RFC 1191 section 5: a router that names no MTU. As Linux, the connection drops to the
// smallest path MTU it accepts (552) rather than guessing a plateau.
TEST_F(TcpIcmpError, FragmentationNeededWithoutAnMtuTakesTheSmallestPath) {
    const TcpHandle h = connect_established();
    EXPECT_EQ(send_str(h, std::string(1000, 'a')), 1000u);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .len = 1000}));
    unreachable(Icmpv4Unreachable::kFragRequired, kSnd, 0);
    EXPECT_EQ(tcp().connection(h)->tcb.snd_mss, 512);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .len = 512}));
    expect(is_tcp({.flags = kAck, .seq = kSnd + 512, .len = 488}));
}

}  // namespace
}  // namespace tachyon::test
