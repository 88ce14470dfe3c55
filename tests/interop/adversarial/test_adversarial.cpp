// Adversarial traffic from scapy against `tachyon httpd` while a transfer is in progress (held at
// a zero window). For every attack: the drop is counted under its reason (the counter's delta is
// exact), the reply on the wire is the RFC's (adversary.py checks it: challenge ACK, ACK, RST,
// or nothing), and the transfer completes byte-exact afterwards.
#include <gtest/gtest.h>

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "tests/interop/adversarial/adversarial_env.hpp"

namespace tachyon::advtest {
namespace {

using Getter = std::function<uint64_t(const apps::StatSnapshot&)>;

struct Expect {
    const char* counter;
    Getter get;
    uint64_t delta;
};

#define TCP_C(name, d) Expect{"tcp_" #name, [](const apps::StatSnapshot& s) { return s.tcp.name; }, d}
#define IP_C(name, d) Expect{#name, [](const apps::StatSnapshot& s) { return s.stack.name; }, d}

struct Case {
    const char* attack;
    std::vector<Expect> expects;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.attack; }

// Every attack is followed by the attacker's marker (a SYN to a closed port: no_connection +1).
const std::vector<Case>& cases() {
    static const std::vector<Case> k = {
        // Checksums: dropped without a word (RFC 1122 3.2.1.2, RFC 9293 3.1).
        {"ip_bad_checksum", {IP_C(ip_bad_checksum, 1)}},
        {"tcp_bad_checksum", {TCP_C(bad_checksum, 1)}},
        // Truncated and inconsistent headers.
        {"ip_header_truncated", {IP_C(ip_bad_length, 1)}},
        {"ip_header_length_beyond_packet", {IP_C(ip_bad_header, 1)}},
        {"ip_total_length_beyond_frame", {IP_C(ip_bad_length, 1)}},
        {"tcp_header_truncated", {TCP_C(bad_header, 1)}},
        {"tcp_data_offset_beyond_segment", {TCP_C(bad_header, 1)}},
        {"tcp_data_offset_below_minimum", {TCP_C(bad_header, 1)}},
        // Flag combinations that cannot occur.
        {"flags_syn_fin", {TCP_C(bad_flags, 1)}},
        {"flags_syn_rst", {TCP_C(bad_flags, 1)}},
        {"flags_all", {TCP_C(bad_flags, 1)}},
        {"flags_none", {TCP_C(no_ack_flag, 1)}},  // RFC 9293 3.10.7.4 fifth: no ACK, dropped
        // Malformed options: the segment is dropped whole.
        {"option_length_0", {TCP_C(bad_option, 1)}},
        {"option_length_1", {TCP_C(bad_option, 1)}},
        {"option_overlong", {TCP_C(bad_option, 1)}},
        {"option_mss_wrong_length", {TCP_C(bad_option, 1)}},
        {"option_past_header", {TCP_C(bad_option, 1)}},
        // Sequence numbers: unacceptable segments draw an ACK (3.10.7.4 first).
        {"data_beyond_window", {TCP_C(out_of_window, 1)}},
        {"data_below_window", {TCP_C(out_of_window, 1)}},
        {"paws_old_timestamp", {TCP_C(paws_rejected, 1)}},  // RFC 7323 5.3 R1
        // RFC 5961: blind reset, SYN and data injection.
        {"rst_in_window", {TCP_C(challenge_acks_sent, 1), TCP_C(rst_received, 0)}},
        {"rst_out_of_window", {TCP_C(rst_out_of_window, 1), TCP_C(rst_received, 0)}},
        {"syn_in_window", {TCP_C(challenge_acks_sent, 1)}},
        {"syn_out_of_window", {TCP_C(out_of_window, 1), TCP_C(challenge_acks_sent, 1)}},
        {"data_with_old_ack", {TCP_C(ack_unacceptable, 1), TCP_C(challenge_acks_sent, 1)}},
        {"ack_of_unsent_data", {TCP_C(ack_unacceptable, 1), TCP_C(challenge_acks_sent, 1)}},
        // Reassembly: overlapping out-of-order data beyond a hole is held, SACKed, never delivered.
        {"overlapping_out_of_order", {TCP_C(ooo_segments, 2), TCP_C(ooo_dropped, 0), TCP_C(dsacks_sent, 1)}},
        // Closed port: RST (3.10.7.1); marker + the attack's SYN.
        {"syn_to_closed_port", {TCP_C(no_connection, 2), TCP_C(rst_sent, 2)}},
        // Overlapping IP fragments: the datagram goes; a clean one is reassembled and answered.
        {"overlapping_fragments",
         {IP_C(frag_overlap, 1), IP_C(frag_reassembled, 1), TCP_C(no_connection, 2), TCP_C(rst_sent, 2)}},
    };
    return k;
}

class Attack : public ::testing::TestWithParam<Case> {};

TEST_P(Attack, IsCountedAnsweredPerRfcAndTheTransferCompletes) {
    const Case& c = GetParam();
    Env& env = Env::get();
    ASSERT_TRUE(env.ok()) << env.error();
    HeldTransfer transfer;
    ASSERT_NE(transfer.port(), 0);
    const Snapshot before = env.counters();
    std::string wire;
    EXPECT_TRUE(env.attack(c.attack, transfer.port(), &wire));
    const Snapshot after = env.counters();
    for (const Expect& e : c.expects) {
        EXPECT_EQ(e.get(*after.s) - e.get(*before.s), e.delta) << e.counter;
    }
    EXPECT_EQ(after->tcp.challenge_acks_rate_limited, before->tcp.challenge_acks_rate_limited);
    EXPECT_EQ(after->tcp.rst_received, before->tcp.rst_received) << "a connection was reset";
    std::string why;
    EXPECT_TRUE(transfer.release_and_verify(why)) << why;
    RecordProperty("wire", wire);
}

INSTANTIATE_TEST_SUITE_P(Adversarial, Attack, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.attack); });

// RFC 9293 3.8.6.1: a receiver that keeps its window at zero is probed, not dropped, and the
// transfer resumes when it opens.
TEST(Adversarial, ZeroWindowHoldIsProbedAndSurvives) {
    Env& env = Env::get();
    ASSERT_TRUE(env.ok()) << env.error();
    HeldTransfer transfer;
    ASSERT_NE(transfer.port(), 0);
    const Snapshot before = env.counters();
    EXPECT_TRUE(env.attack("zero_window_hold", transfer.port()));
    const Snapshot after = env.counters();
    EXPECT_GE(after->tcp.persist_probes - before->tcp.persist_probes, 2u);
    EXPECT_EQ(after->tcp.connection_timeouts, before->tcp.connection_timeouts);
    std::string why;
    EXPECT_TRUE(transfer.release_and_verify(why)) << why;
}

// The route's advmss makes the kernel announce MSS 64 in its SYN. The connection must still
// carry the bytes exactly, in segments no larger than the peer asked for: 64 less 12 for the
// timestamps in every segment (above the stack's floor of 48, Linux's tcp_min_snd_mss).
TEST(Adversarial, TinyMssConnectionIsCorrect) {
    Env& env = Env::get();
    ASSERT_TRUE(env.ok()) << env.error();
    const std::string dev = env.kernel_iface();
    ASSERT_FALSE(dev.empty());
    const std::string dst = env.tachyon_ip() + "/32";
    const tooltest::RunResult add = tooltest::run(
        env.peer().kernel({"ip", "route", "add", dst, "dev", dev, "advmss", "64"}), 10s);
    ASSERT_EQ(add.status, 0) << add.out;
    struct RouteGuard {
        Env& env;
        std::string dst;
        ~RouteGuard() { (void)tooltest::run(env.peer().kernel({"ip", "route", "del", dst}), 10s); }
    } guard{env, dst};
    HeldTransfer transfer(256 * 1024);
    ASSERT_NE(transfer.port(), 0);
    std::string report;
    std::string why;
    const bool released = transfer.release_and_verify(why);
    EXPECT_TRUE(released) << why;
    ASSERT_TRUE(env.attack("report", transfer.port(), &report));
    EXPECT_NE(report.find("syn_mss=64 "), std::string::npos) << report;
    const long long max_payload = tooltest::number_after(report, "max_payload=");
    EXPECT_GT(max_payload, 0) << report;
    EXPECT_LE(max_payload, 64 - 12) << report;
    RecordProperty("wire", report);
}

}  // namespace
}  // namespace tachyon::advtest
