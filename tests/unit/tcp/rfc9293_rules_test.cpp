// RFC 9293 3.10.7.1 (CLOSED), 3.10.7.2 (LISTEN) and 3.10.7.3 (SYN-SENT), rule by rule: a table of
// segments, each with the exact reply (or none), the state reached, the error and the counter
// that must count it. The synchronized states' steps are in rfc9293_steps_*_test.cpp.
#include "tests/unit/tcp/rfc9293_rules.hpp"

namespace tachyon::test {
namespace {

struct SegCase {
    const char* name;
    SegSpec seg;
    uint8_t reply = 0;  // 0: nothing is sent
    uint32_t reply_seq = 0;
    std::optional<uint32_t> reply_ack;
    uint64_t TcpCounters::*counter = nullptr;  // counts this segment (by one)
    TcpState state = TcpState::kClosed;        // SYN-SENT: the connection's state afterwards
    int error = 0;
    size_t connections = 0;  // connections in use afterwards
    std::string readable;    // SYN-SENT: bytes readable afterwards
};

void PrintTo(const SegCase& c, std::ostream* os) { *os << c.name; }
std::string seg_case_name(const ::testing::TestParamInfo<SegCase>& info) { return info.param.name; }

class SegRuleTest : public TcpTest, public ::testing::WithParamInterface<SegCase> {
protected:
    void check_reply(const SegCase& c) {
        if (c.reply == 0) {
            expect_nothing();
            return;
        }
        TcpMatch m;
        m.flags = c.reply;
        m.seq = c.reply_seq;
        m.ack = c.reply_ack;
        if ((c.reply & kRst) != 0) m.no_options = true;
        expect(m);
    }
    void check_counter(const SegCase& c, const TcpCounters& before) {
        if (c.counter != nullptr) {
            EXPECT_EQ(counters().*(c.counter), before.*(c.counter) + 1);
        }
    }
};

// 3.10.7.1 CLOSED: "all data in the incoming segment is discarded. An incoming segment
// containing a RST is discarded. An incoming segment not containing a RST causes a RST to be
// sent in response": <SEQ=SEG.ACK><CTL=RST> when the ACK bit is on, otherwise
// <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (SEG.LEN counts SYN and FIN).
class Closed_3_10_7_1 : public SegRuleTest {};

TEST_P(Closed_3_10_7_1, Rule) {
    const SegCase& c = GetParam();
    const TcpCounters before = counters();
    send(c.seg);
    check_reply(c);
    check_counter(c, before);
    EXPECT_EQ(tcp().connections_in_use(), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9293, Closed_3_10_7_1,
    ::testing::ValuesIn(std::vector<SegCase>{
        {.name = "Syn", .seg = {.flags = kSyn, .seq = 77}, .reply = kRst | kAck, .reply_seq = 0, .reply_ack = 78,
         .counter = &TcpCounters::no_connection},
        {.name = "SynWithText", .seg = {.flags = kSyn, .seq = 77, .data = "abc"}, .reply = kRst | kAck,
         .reply_seq = 0, .reply_ack = 81, .counter = &TcpCounters::no_connection},
        {.name = "FinWithText", .seg = {.flags = kFin, .seq = 10, .data = "abc"}, .reply = kRst | kAck,
         .reply_seq = 0, .reply_ack = 14, .counter = &TcpCounters::no_connection},
        {.name = "TextWithoutFlags", .seg = {.flags = 0, .seq = 10, .data = "abcd"}, .reply = kRst | kAck,
         .reply_seq = 0, .reply_ack = 14, .counter = &TcpCounters::no_connection},
        {.name = "NoFlagsNoText", .seg = {.flags = 0, .seq = 10}, .reply = kRst | kAck, .reply_seq = 0,
         .reply_ack = 10, .counter = &TcpCounters::no_connection},
        {.name = "Ack", .seg = {.flags = kAck, .seq = 10, .ack = 12345}, .reply = kRst, .reply_seq = 12345,
         .counter = &TcpCounters::no_connection},
        {.name = "AckWithText", .seg = {.flags = kAck, .seq = 10, .ack = 999, .data = "x"}, .reply = kRst,
         .reply_seq = 999, .counter = &TcpCounters::no_connection},
        {.name = "FinAck", .seg = {.flags = kFin | kAck, .seq = 10, .ack = 55}, .reply = kRst, .reply_seq = 55,
         .counter = &TcpCounters::no_connection},
        {.name = "SynAck", .seg = {.flags = kSyn | kAck, .seq = 10, .ack = 56}, .reply = kRst, .reply_seq = 56,
         .counter = &TcpCounters::no_connection},
        {.name = "Rst", .seg = {.flags = kRst, .seq = 10}, .counter = &TcpCounters::no_connection},
        {.name = "RstAck", .seg = {.flags = kRst | kAck, .seq = 10, .ack = 5},
         .counter = &TcpCounters::no_connection},
    }),
    seg_case_name);

// A connection that was reset is CLOSED: the next segment for its 4-tuple gets the CLOSED answer.
TEST_F(TcpTest, Rfc9293_Closed_3_10_7_1_AfterAReset) {
    const TcpHandle h = accept_established();
    send(seg({.flags = kRst, .seq = kPeerIss + 1}));
    expect_nothing();
    EXPECT_EQ(tcp().state(h), TcpState::kClosed);
    send(seg({.seq = kPeerIss + 1, .ack = kServerIss + 1, .data = "late"}));
    expect(is_tcp({.flags = kRst, .seq = kServerIss + 1, .no_options = true}));
    ASSERT_TRUE(tcp().close(h).ok());
}

// 3.10.7.2 LISTEN: first an RST is ignored; second any ACK is bad: <SEQ=SEG.ACK><CTL=RST>; third
// a SYN makes a SYN-RECEIVED child and <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK> (security: none);
// fourth anything else is dropped. Text on a SYN is not acknowledged: Linux drops it (no TFO) and
// the peer sends it again, which the RFC's "queued for processing later" allows.
class Listen_3_10_7_2 : public SegRuleTest {};

TEST_P(Listen_3_10_7_2, Rule) {
    const SegCase& c = GetParam();
    listen();
    const TcpCounters before = counters();
    send(c.seg);
    check_reply(c);
    check_counter(c, before);
    EXPECT_EQ(tcp().connections_in_use(), c.connections);
    EXPECT_FALSE(tcp().accept_ready(listener_));
}

INSTANTIATE_TEST_SUITE_P(
    Rfc9293, Listen_3_10_7_2,
    ::testing::ValuesIn(std::vector<SegCase>{
        {.name = "First_Rst", .seg = {.flags = kRst, .seq = 10}, .counter = &TcpCounters::listen_rst_ignored},
        {.name = "First_RstAck", .seg = {.flags = kRst | kAck, .seq = 10, .ack = 20},
         .counter = &TcpCounters::listen_rst_ignored},
        {.name = "Second_Ack", .seg = {.flags = kAck, .seq = 10, .ack = 4242}, .reply = kRst, .reply_seq = 4242,
         .counter = &TcpCounters::listen_ack_reset},
        {.name = "Second_AckWithText", .seg = {.flags = kAck, .seq = 10, .ack = 77, .data = "x"}, .reply = kRst,
         .reply_seq = 77, .counter = &TcpCounters::listen_ack_reset},
        {.name = "Second_FinAck", .seg = {.flags = kFin | kAck, .seq = 10, .ack = 78}, .reply = kRst,
         .reply_seq = 78, .counter = &TcpCounters::listen_ack_reset},
        {.name = "Second_SynAck", .seg = {.flags = kSyn | kAck, .seq = 10, .ack = 79}, .reply = kRst,
         .reply_seq = 79, .counter = &TcpCounters::listen_ack_reset},
        {.name = "Third_Syn", .seg = {.flags = kSyn, .seq = kPeerIss, .mss = 1460}, .reply = kSyn | kAck,
         .reply_seq = kServerIss, .reply_ack = kPeerIss + 1, .counter = &TcpCounters::passive_opens,
         .connections = 1},
        {.name = "Third_SynWithText", .seg = {.flags = kSyn, .seq = kPeerIss, .data = "early"},
         .reply = kSyn | kAck, .reply_seq = kServerIss, .reply_ack = kPeerIss + 1,
         .counter = &TcpCounters::passive_opens, .connections = 1},
        {.name = "Fourth_FinWithoutAck", .seg = {.flags = kFin, .seq = 10},
         .counter = &TcpCounters::listen_other_dropped},
        {.name = "Fourth_TextWithoutFlags", .seg = {.flags = 0, .seq = 10, .data = "x"},
         .counter = &TcpCounters::listen_other_dropped},
    }),
    seg_case_name);

// 3.10.7.3 SYN-SENT (our ISS 100, SND.NXT 101; the peer's ISS 300). First the ACK: SEG.ACK =< ISS
// or > SND.NXT gets <SEQ=SEG.ACK><CTL=RST> unless the segment is an RST (dropped). Second the
// RST: with an acceptable ACK the connection is refused (RFC 5961 3.2 for SYN-SENT), without one
// it is dropped. Third security: none. Fourth the SYN: with an acceptable ACK ESTABLISHED and
// <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, text taken; without ACK SYN-RECEIVED and
// <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>. Fifth: neither SYN nor RST: dropped (a FIN is not
// processed: SEG.SEQ cannot be validated, eighth step).
class SynSent_3_10_7_3 : public SegRuleTest {};

TEST_P(SynSent_3_10_7_3, Rule) {
    const SegCase& c = GetParam();
    auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
    ASSERT_TRUE(h.ok());
    expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
    const TcpCounters before = counters();
    send(c.seg);
    check_reply(c);
    check_counter(c, before);
    EXPECT_EQ(tcp().state(h.value()), c.state) << to_string(tcp().state(h.value()));
    EXPECT_EQ(tcp().error(h.value()), c.error);
    EXPECT_EQ(read_all(h.value()), c.readable);
    ASSERT_TRUE(tcp().abort(h.value()).ok());
    host_.sent().clear();  // the abort's RST, if any: not part of the rule
}

constexpr uint32_t kSynSentNxt = kClientIss + 1;

INSTANTIATE_TEST_SUITE_P(
    Rfc9293, SynSent_3_10_7_3,
    ::testing::ValuesIn(std::vector<SegCase>{
        {.name = "First_AckEqualToIss", .seg = {.flags = kAck, .seq = kPeerServerIss, .ack = kClientIss},
         .reply = kRst, .reply_seq = kClientIss, .counter = &TcpCounters::syn_sent_bad_ack,
         .state = TcpState::kSynSent},
        {.name = "First_AckAboveSndNxt", .seg = {.flags = kAck, .seq = kPeerServerIss, .ack = kSynSentNxt + 1},
         .reply = kRst, .reply_seq = kSynSentNxt + 1, .counter = &TcpCounters::syn_sent_bad_ack,
         .state = TcpState::kSynSent},
        {.name = "First_SynAckWithBadAck",
         .seg = {.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kClientIss - 50}, .reply = kRst,
         .reply_seq = kClientIss - 50, .counter = &TcpCounters::syn_sent_bad_ack, .state = TcpState::kSynSent},
        {.name = "First_RstWithBadAck", .seg = {.flags = kRst | kAck, .seq = kPeerServerIss, .ack = kClientIss},
         .counter = &TcpCounters::syn_sent_bad_ack, .state = TcpState::kSynSent},
        {.name = "Second_RstWithAcceptableAck",
         .seg = {.flags = kRst | kAck, .seq = kPeerServerIss, .ack = kSynSentNxt},
         .counter = &TcpCounters::rst_received, .state = TcpState::kClosed, .error = ECONNREFUSED},
        {.name = "Second_RstWithoutAck", .seg = {.flags = kRst, .seq = kPeerServerIss},
         .counter = &TcpCounters::syn_sent_dropped, .state = TcpState::kSynSent},
        {.name = "Fourth_SynAck", .seg = {.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kSynSentNxt},
         .reply = kAck, .reply_seq = kSynSentNxt, .reply_ack = kPeerServerIss + 1, .state = TcpState::kEstablished},
        {.name = "Fourth_SynAckWithText",
         .seg = {.flags = kSyn | kAck, .seq = kPeerServerIss, .ack = kSynSentNxt, .data = "hi"}, .reply = kAck,
         .reply_seq = kSynSentNxt, .reply_ack = kPeerServerIss + 3, .state = TcpState::kEstablished,
         .readable = "hi"},
        {.name = "Fourth_SynWithoutAck", .seg = {.flags = kSyn, .seq = kPeerServerIss}, .reply = kSyn | kAck,
         .reply_seq = kClientIss, .reply_ack = kPeerServerIss + 1, .state = TcpState::kSynReceived},
        {.name = "Fifth_AcceptableAckWithoutSyn", .seg = {.flags = kAck, .seq = kPeerServerIss, .ack = kSynSentNxt},
         .counter = &TcpCounters::syn_sent_dropped, .state = TcpState::kSynSent},
        {.name = "Fifth_FinAck", .seg = {.flags = kFin | kAck, .seq = kPeerServerIss, .ack = kSynSentNxt},
         .counter = &TcpCounters::syn_sent_dropped, .state = TcpState::kSynSent},
        {.name = "Fifth_TextWithoutFlags", .seg = {.flags = 0, .seq = kPeerServerIss, .data = "x"},
         .counter = &TcpCounters::syn_sent_dropped, .state = TcpState::kSynSent},
    }),
    seg_case_name);

}  // namespace
}  // namespace tachyon::test
