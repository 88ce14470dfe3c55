// ACKs owed by the end of the application's turn (RxActions::ack_by_turn_end, TcpLayer::end_turn):
// a small segment's quick ACK, the ACK of a FIN, of a SYN,ACK and a window update wait until the
// application has had its turn, so that what it sends meanwhile (the answer, its FIN, its
// request) carries them: a short connection takes 7 segments instead of 11. Full-sized segments
// and everything RFC 5681 wants at once are still acknowledged at once. The fixture ends the
// turn when the test looks at what was sent (pop, expect_nothing) and before each delivery;
// checking host_.sent() directly shows what left before the turn ended.
#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {
namespace {

constexpr uint32_t kRcv = kPeerIss + 1;
constexpr uint32_t kSnd = kServerIss + 1;

using TurnEndAck = TcpTest;

TEST_F(TurnEndAck, TheAnswerCarriesTheRequestsAck) {
    const TcpHandle h = accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = "request"}));
    EXPECT_TRUE(host_.sent().empty());  // owed, not sent: the application has not had its turn
    EXPECT_EQ(read_all(h), "request");
    send_str(h, "answer");
    expect(is_tcp({.seq = kSnd, .ack = kRcv + 7, .data = "answer"}));
    expect_nothing();  // no separate ACK when the turn ended
}

TEST_F(TurnEndAck, AnIdleTurnEndsWithThePureAck) {
    accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = "request"}));
    EXPECT_TRUE(host_.sent().empty());
    host_.end_turn();
    ASSERT_EQ(host_.sent().size(), 1u);
    expect(is_tcp({.flags = kAck, .seq = kSnd, .ack = kRcv + 7}));
    host_.end_turn();  // owed once: the next turn's end sends nothing
    expect_nothing();
}

TEST_F(TurnEndAck, FullSizedSegmentsAreAcknowledgedAtOnce) {
    accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = std::string(1460, 'q')}));
    ASSERT_EQ(host_.sent().size(), 1u);  // before the turn ended: a sender in slow start waits on it
    expect(is_tcp({.flags = kAck, .ack = kRcv + 1460}));
}

TEST_F(TurnEndAck, WithoutDelayedAcksEverythingIsAcknowledgedAtOnce) {
    const TcpHandle h = accept_established();
    ASSERT_TRUE(tcp().set_delayed_ack(h, false).ok());
    send(seg({.seq = kRcv, .ack = kSnd, .data = "request"}));
    ASSERT_EQ(host_.sent().size(), 1u);
    expect(is_tcp({.flags = kAck, .ack = kRcv + 7}));
    send(seg({.flags = kFin | kAck, .seq = kRcv + 7, .ack = kSnd}));
    ASSERT_EQ(host_.sent().size(), 1u);
    expect(is_tcp({.flags = kAck, .ack = kRcv + 8}));
}

TEST_F(TurnEndAck, TheCloseAfterTheEndOfStreamCarriesTheFinsAck) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kFin | kAck, .seq = kRcv, .ack = kSnd}));
    EXPECT_TRUE(host_.sent().empty());
    EXPECT_EQ(tcp().state(h), TcpState::kCloseWait);
    EXPECT_EQ(read_all(h), "");  // the end of the stream
    ASSERT_TRUE(tcp().close(h).ok());
    expect(is_tcp({.flags = kFin | kAck, .seq = kSnd, .ack = kRcv + 1}));
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 1u);  // LAST-ACK
    send(seg({.seq = kRcv + 1, .ack = kSnd + 1}));
    expect_nothing();
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

TEST_F(TurnEndAck, TheFirstRequestCarriesTheHandshakesAck) {
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    send(seg({.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss + 1, .mss = 1460}));
    EXPECT_TRUE(host_.sent().empty());
    EXPECT_EQ(tcp().state(h.value()), TcpState::kEstablished);
    send_str(h.value(), "GET /");
    expect(is_tcp({.seq = kClientIss + 1, .ack = kPeerServerIss + 1, .data = "GET /"}));
    expect_nothing();
}

TEST_F(TurnEndAck, AnOwedAckOfAConnectionResetMeanwhileIsNotSent) {
    accept_established();
    send(seg({.seq = kRcv, .ack = kSnd, .data = "request"}));
    EXPECT_TRUE(host_.sent().empty());
    send_in_turn(seg({.flags = kRst, .seq = kRcv + 7}));
    expect_nothing();
    EXPECT_EQ(counters().rst_received, 1u);
}

}  // namespace
}  // namespace tachyon::test
