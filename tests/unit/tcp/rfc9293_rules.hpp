// The fixture of the RFC 9293 3.10.7 rule tables (rfc9293_*_test.cpp): a connection brought to any
// state that processes SEGMENT ARRIVES "otherwise" (3.10.7.4), with the sequence variables the
// rules are written in (RCV.NXT, SND.UNA, SND.NXT) known, and a checker for what the rule must
// do: the exact reply or none, the state reached, the connection's error.
//
// Every rule is a table of cases, one per state where the rule applies, run as
//   Rfc9293/Step<N>_<Rule>.Rule/<STATE>
// The peer sends no options but MSS (and timestamps for the PAWS rules), so every reply reads as
// RFC 9293 writes it: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>.
#pragma once

#include <ostream>
#include <string>

#include "tests/unit/tcp/tcp_test_util.hpp"

namespace tachyon::test {

// The states of 3.10.7.4. SYN-RECEIVED comes in both flavours the RFC tells apart: from a passive
// OPEN (a listener's child, no user handle until accept) and from an active OPEN (simultaneous
// open, figure 8). TIME-WAIT too in both of ours: a connection its user still holds, and the
// compact record an orphan leaves (time_wait_table.hpp), which must answer alike.
enum class St : uint8_t {
    kSynReceived,
    kSynReceivedActive,
    kEstablished,
    kFinWait1,
    kFinWait2,
    kCloseWait,
    kClosing,
    kLastAck,
    kTimeWait,
    kTimeWaitOrphan,
};

inline const char* st_name(St s) {
    switch (s) {
        case St::kSynReceived: return "SYN_RECEIVED";
        case St::kSynReceivedActive: return "SYN_RECEIVED_active_open";
        case St::kEstablished: return "ESTABLISHED";
        case St::kFinWait1: return "FIN_WAIT_1";
        case St::kFinWait2: return "FIN_WAIT_2";
        case St::kCloseWait: return "CLOSE_WAIT";
        case St::kClosing: return "CLOSING";
        case St::kLastAck: return "LAST_ACK";
        case St::kTimeWait: return "TIME_WAIT";
        case St::kTimeWaitOrphan: return "TIME_WAIT_orphan_record";
    }
    return "?";
}

inline TcpState tcp_state_of(St s) {
    switch (s) {
        case St::kSynReceived:
        case St::kSynReceivedActive: return TcpState::kSynReceived;
        case St::kEstablished: return TcpState::kEstablished;
        case St::kFinWait1: return TcpState::kFinWait1;
        case St::kFinWait2: return TcpState::kFinWait2;
        case St::kCloseWait: return TcpState::kCloseWait;
        case St::kClosing: return TcpState::kClosing;
        case St::kLastAck: return TcpState::kLastAck;
        case St::kTimeWait:
        case St::kTimeWaitOrphan: return TcpState::kTimeWait;
    }
    return TcpState::kClosed;
}

// The timestamp the peer puts on every segment when timestamps are on, and an older one that
// PAWS must reject (RFC 7323 5.3 R1).
inline constexpr uint32_t kPeerTsval = 100000;
inline constexpr uint32_t kOldTsval = 99000;

// A connection in a known state and its sequence variables at that moment.
struct Conn {
    St st = St::kEstablished;
    TcpHandle h;  // invalid for a passive SYN-RECEIVED child until it is accepted, and an orphan
    TcpTuple tuple;
    uint32_t rcv_nxt = 0;
    uint32_t snd_una = 0;
    uint32_t snd_nxt = 0;
};

// What a rule must do with the segment. reply 0: nothing at all is sent. Otherwise the reply's
// flags exactly, with SEQ as the RFC writes it for that reply (RST: SEG.ACK; SYN,ACK: ISS, which
// is SND.UNA in SYN-RECEIVED; ACK: SND.NXT) and ACK = RCV.NXT (before the segment) + ack_delta.
struct Expect {
    TcpState state = TcpState::kEstablished;
    uint8_t reply = 0;
    int32_t ack_delta = 0;
    int error = 0;
};

struct Case {
    St st;
    Expect e;
};

inline void PrintTo(const Case& c, std::ostream* os) { *os << st_name(c.st); }

inline std::string case_name(const ::testing::TestParamInfo<Case>& info) { return st_name(info.param.st); }

class RuleTest : public TcpTest, public ::testing::WithParamInterface<Case> {
protected:
    // The peer's segment, with its timestamp when timestamps are on (unless the spec has one).
    SegSpec pseg(SegSpec s) const {
        if (ts_ && !s.ts) s.ts = TcpTimestamp{kPeerTsval, 0};
        return s;
    }

    // Brings a fresh connection to st. Our ISS is 5000 (passive) or 100 (active); the peer's
    // 1000 (or 300). Every segment the setup causes has been checked.
    Conn enter(St st, bool timestamps = false) {
        ts_ = timestamps;
        Conn k;
        k.st = st;
        if (st == St::kSynReceivedActive) {
            auto h = tcp().open({kLocalIp, kLocalPort}, {kPeerIp, kPeerPort}, conn_config(kClientIss));
            EXPECT_TRUE(h.ok());
            if (h.ok()) k.h = h.value();
            expect(is_tcp({.flags = kSyn, .seq = kClientIss}));
            send(pseg({.flags = kSyn, .seq = kPeerServerIss, .mss = 1460}));
            expect(is_tcp({.flags = kSyn | kAck, .seq = kClientIss, .ack = kPeerServerIss + 1}));
            k.rcv_nxt = kPeerServerIss + 1;
            k.snd_una = kClientIss;
            k.snd_nxt = kClientIss + 1;
            EXPECT_EQ(tcp().state(k.h), TcpState::kSynReceived);
            return k;
        }
        if (st == St::kSynReceived) {
            listen();
            send(pseg({.flags = kSyn, .seq = kPeerIss, .mss = 1460}));
            expect(is_tcp({.flags = kSyn | kAck, .seq = kServerIss, .ack = kPeerIss + 1}));
            k.rcv_nxt = kPeerIss + 1;
            k.snd_una = kServerIss;
            k.snd_nxt = kServerIss + 1;
            return k;
        }
        k.h = accept_established(timestamps ? std::optional<TcpTimestamp>(TcpTimestamp{kPeerTsval - 1, 0})
                                            : std::nullopt);
        uint32_t rcv = kPeerIss + 1;
        uint32_t una = kServerIss + 1;
        uint32_t nxt = kServerIss + 1;
        const bool orphan = st == St::kTimeWaitOrphan;
        if (orphan) st = St::kTimeWait;
        const bool we_close = st == St::kFinWait1 || st == St::kFinWait2 || st == St::kClosing ||
                              st == St::kTimeWait;
        if (we_close) {
            EXPECT_TRUE(tcp().shutdown_write(k.h).ok());
            expect(is_tcp({.flags = kFin | kAck, .seq = nxt, .ack = rcv}));
            nxt += 1;
        }
        if (st == St::kFinWait2 || st == St::kTimeWait) {
            send(pseg({.seq = rcv, .ack = nxt}));
            una = nxt;
        }
        if (st == St::kCloseWait || st == St::kLastAck || st == St::kClosing || st == St::kTimeWait) {
            send(pseg({.flags = kFin | kAck, .seq = rcv, .ack = una}));
            rcv += 1;
            expect(is_tcp({.flags = kAck, .seq = nxt, .ack = rcv}));
        }
        if (st == St::kLastAck) {
            EXPECT_TRUE(tcp().shutdown_write(k.h).ok());
            expect(is_tcp({.flags = kFin | kAck, .seq = nxt, .ack = rcv}));
            nxt += 1;
        }
        k.rcv_nxt = rcv;
        k.snd_una = una;
        k.snd_nxt = nxt;
        EXPECT_EQ(tcp().state(k.h), tcp_state_of(st));
        k.tuple = tcp().tuple(k.h).value_or(TcpTuple{});
        if (orphan) {
            EXPECT_TRUE(tcp().close(k.h).ok());
            k.h = {};
            EXPECT_NE(tcp().find_time_wait(k.tuple), nullptr);
            EXPECT_EQ(tcp().connections_in_use(), 0u);
        }
        return k;
    }

    // The connection's state. A passive child has no handle until accept(): it is SYN-RECEIVED
    // while it exists and is not in the accept queue, and is accepted here once it is.
    TcpState state_of(Conn& k) {
        if (k.st == St::kTimeWaitOrphan) {
            return tcp().find_time_wait(k.tuple) != nullptr ? TcpState::kTimeWait : TcpState::kClosed;
        }
        if (!k.h.valid()) {
            if (tcp().accept_ready(listener_)) {
                auto h = tcp().accept(listener_);
                EXPECT_TRUE(h.ok());
                if (h.ok()) k.h = h.value();
            } else {
                return tcp().connections_in_use() == 0 ? TcpState::kClosed : TcpState::kSynReceived;
            }
        }
        return tcp().state(k.h);
    }

    // Checks the reply to a segment whose ACK field was seg_ack, and the state reached.
    void check(Conn& k, const Expect& e, uint32_t seg_ack = 0) {
        if (e.reply == 0) {
            expect_nothing();
        } else {
            TcpMatch m;
            m.flags = e.reply;
            if ((e.reply & kRst) != 0) {
                m.seq = seg_ack;
            } else if ((e.reply & kSyn) != 0) {
                m.seq = k.snd_una;
            } else {
                m.seq = k.snd_nxt;
            }
            if ((e.reply & kAck) != 0) m.ack = static_cast<uint32_t>(k.rcv_nxt + e.ack_delta);
            expect(m);
        }
        const TcpState s = state_of(k);
        EXPECT_EQ(s, e.state) << to_string(s) << " reached, " << to_string(e.state) << " expected";
        if (k.h.valid()) {
            EXPECT_EQ(tcp().error(k.h), e.error);
        }
    }

    // RCV.NXT of the connection or of the orphan's record.
    uint32_t rcv_nxt_of(const Conn& k) {
        if (k.st == St::kTimeWaitOrphan) {
            const TimeWaitRecord* r = tcp().find_time_wait(k.tuple);
            return r != nullptr ? r->rcv_nxt.raw() : 0;
        }
        const TcpConnection* c = tcp().connection(k.h);
        return c != nullptr ? c->tcb.rcv_nxt.raw() : 0;
    }

    bool ts_ = false;
};

inline constexpr TcpState kSynRcvd = TcpState::kSynReceived;
inline constexpr TcpState kEst = TcpState::kEstablished;
inline constexpr TcpState kFw1 = TcpState::kFinWait1;
inline constexpr TcpState kFw2 = TcpState::kFinWait2;
inline constexpr TcpState kCw = TcpState::kCloseWait;
inline constexpr TcpState kCl = TcpState::kClosing;
inline constexpr TcpState kLa = TcpState::kLastAck;
inline constexpr TcpState kTw = TcpState::kTimeWait;
inline constexpr TcpState kClosed = TcpState::kClosed;

// The state is kept and <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> goes out: the answer of many rules.
#define ACK_AND_STAY(st) \
    Case { St::st, {.state = tcp_state_of(St::st), .reply = kAck} }
#define SILENT_STAY(st) \
    Case { St::st, {.state = tcp_state_of(St::st)} }
#define EVERY_STATE(M)                                                                             \
    M(kSynReceived), M(kSynReceivedActive), M(kEstablished), M(kFinWait1), M(kFinWait2), M(kCloseWait), \
        M(kClosing), M(kLastAck), M(kTimeWait), M(kTimeWaitOrphan)

// A rule: its own suite (named after the RFC step) over the shared fixture.
#define RFC9293_RULE(Suite)            \
    class Suite : public RuleTest {};  \
    TEST_P(Suite, Rule)

#define RFC9293_CASES(Suite, ...) \
    INSTANTIATE_TEST_SUITE_P(Rfc9293, Suite, ::testing::ValuesIn(std::vector<Case>{__VA_ARGS__}), case_name)

}  // namespace tachyon::test
