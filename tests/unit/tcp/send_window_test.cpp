// The send window (RFC 9293 3.10.7.4 fifth step) cannot be frozen by a segment forged ahead of
// RCV.NXT: such a segment would set SND.WL1 past every genuine segment to come; and data that
// moves it releases what waited (the header prediction path too).
#include <gtest/gtest.h>

#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

constexpr uint32_t kRcv = kPeerIss + 1;
constexpr uint32_t kSnd = kServerIss + 1;

class SendWindow : public TcpTest {
protected:
    const TcpConnection& conn(TcpHandle h) { return *tcp().connection(h); }
};

TEST_F(SendWindow, OutOfOrderSegmentDoesNotSetTheWindow) {
    const TcpHandle h = accept_established();
    EXPECT_EQ(conn(h).tcb.snd_wnd, 65535u);
    // Forged (or reordered) data 1000 bytes ahead of RCV.NXT, announcing a tiny window.
    send(seg({.seq = kRcv + 1000, .ack = kSnd, .window = 10, .data = std::string(10, 'x')}));
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv}));  // out of order: ACK at once
    EXPECT_EQ(conn(h).tcb.snd_wnd, 65535u);
    // The genuine peer's next in-order segment still updates the window.
    send(seg({.seq = kRcv, .ack = kSnd, .window = 40000}));
    EXPECT_EQ(conn(h).tcb.snd_wnd, 40000u);
    EXPECT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst, .seq = kSnd}));
}

TEST_F(SendWindow, AnAckThatAdvancesSndUnaUpdatesTheWindowAsLinuxDoes) {
    const TcpHandle h = accept_established();
    ASSERT_EQ(tcp().send(h, as_bytes(std::string(100, 'a'))).value(), 100u);
    expect(is_tcp({.seq = kSnd, .len = 100}));
    // An in-order window update first (SND.WL1 = kRcv, SND.WL2 = kSnd) ...
    send(seg({.seq = kRcv, .ack = kSnd, .window = 30000}));
    EXPECT_EQ(conn(h).tcb.snd_wnd, 30000u);
    // ... then the ACK of the data, same SEG.SEQ, new SEG.ACK: the window it carries is taken.
    send(seg({.seq = kRcv, .ack = kSnd + 100, .window = 20000}));
    EXPECT_EQ(conn(h).tcb.snd_una.raw(), kSnd + 100);
    EXPECT_EQ(conn(h).tcb.snd_wnd, 20000u);
    EXPECT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst, .seq = kSnd + 100}));
}

// Header prediction takes an in-order data segment that acknowledges nothing new; when its window
// differs, the window is taken and what waited for it goes at once (carrying the ACK), as the
// full path does.
TEST_F(SendWindow, DataThatOpensAZeroWindowReleasesWhatWaited) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .window = 0}));  // the peer's window closes
    EXPECT_EQ(conn(h).tcb.snd_wnd, 0u);
    EXPECT_EQ(send_str(h, std::string(300, 'a')), 300u);
    expect_nothing();  // waits for the window (the persist timer runs)
    const uint64_t predicted = tcp().counters().predicted_segments;
    send(seg({.seq = kRcv, .ack = kSnd, .window = 20000, .data = "hello"}));
    EXPECT_EQ(tcp().counters().predicted_segments, predicted + 1);
    EXPECT_EQ(conn(h).tcb.snd_wnd, 20000u);
    expect(is_tcp({.flags = kAck | kPsh, .seq = kSnd, .ack = kRcv + 5, .len = 300}));
    EXPECT_EQ(read_all(h), "hello");
    EXPECT_TRUE(tcp().abort(h).ok());
    expect(is_tcp({.flags = kRst, .seq = kSnd + 300}));
}

}  // namespace
}  // namespace tachyon::test
