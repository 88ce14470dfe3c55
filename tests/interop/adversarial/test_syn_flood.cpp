// A SYN flood from spoofed random sources (hping3 --flood --rand-source) for 10 s against the
// listening port, while a transfer is held in progress and curl keeps opening new connections:
// SYN cookies (RFC 4987) keep the legitimate connections completing, the server's memory stays
// bounded, and afterwards the half-open connections expire and new connections succeed.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "tests/interop/adversarial/adversarial_env.hpp"

namespace tachyon::advtest {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kFloodTime = 10s;
constexpr size_t kCurlBytes = 65536;
// RSS may grow by at most this much over the flood: the SYN queue (256 half-open connections
// with their rings) is the only state spoofed SYNs can create; cookies create none.
constexpr long kRssGrowthLimitKib = 192 * 1024;

struct CurlLoop {
    std::atomic<bool> stop{false};
    std::atomic<int> ok{0};
    std::atomic<int> failed{0};
    std::string last_failure;
};

void curl_loop(Env& env, CurlLoop& loop) {
    const std::string file = tooltest::temp_dir() + "/" + tooltest::unique_name("flood-curl");
    const std::string url = "http://" + env.tachyon_ip() + "/bytes/" + std::to_string(kCurlBytes);
    const std::string pattern = tooltest::byte_pattern(kCurlBytes);
    while (!loop.stop) {
        const tooltest::RunResult r = tooltest::run(
            env.peer().kernel({"curl", "-sS", "-m", "30", "-o", file, "-w", "%{http_code}", url}), 40s);
        if (r.status == 0 && r.out == "200" && tooltest::read_file(file) == pattern) {
            ++loop.ok;
        } else {
            ++loop.failed;
            loop.last_failure = r.out;
        }
    }
}

TEST(AdversarialFlood, SynFloodFromSpoofedSources) {
    Env& env = Env::get();
    ASSERT_TRUE(env.ok()) << env.error();
    HeldTransfer transfer;
    ASSERT_NE(transfer.port(), 0);
    const Snapshot before = env.counters();
    const long rss_before = env.rss_kib();
    ASSERT_GT(rss_before, 0);

    auto flood = tooltest::Process::start(
        env.peer().kernel({"hping3", "-S", "-p", std::to_string(kHttpPort), "--flood", "--rand-source",
                           env.tachyon_ip()}));
    ASSERT_TRUE(flood->wait_output("flood mode", 30s)) << flood->output();
    const auto flood_start = Clock::now();
    CurlLoop loop;
    std::thread curls([&] { curl_loop(env, loop); });
    long rss_max = rss_before;
    while (Clock::now() - flood_start < kFloodTime) {  // the load's duration, not a wait for an event
        rss_max = std::max(rss_max, env.rss_kib());
        std::this_thread::sleep_for(100ms);
    }
    const bool flooding = flood->running();
    flood->stop();
    loop.stop = true;
    curls.join();
    const std::string hping = flood->output();
    const long long sent = tooltest::number_after(hping, "statistic ---\n");
    const Snapshot during = env.counters();
    rss_max = std::max(rss_max, env.rss_kib());

    EXPECT_TRUE(flooding) << "hping3 stopped early:\n" << hping;
    EXPECT_GE(loop.ok.load(), 1) << "no legitimate connection completed during the flood; last failure: "
                                 << loop.last_failure;
    const uint64_t cookies = during->tcp.syn_cookies_sent - before->tcp.syn_cookies_sent;
    const uint64_t accepted = during->tcp.syn_cookies_accepted - before->tcp.syn_cookies_accepted;
    EXPECT_GT(during->tcp.syn_queue_full, before->tcp.syn_queue_full);
    EXPECT_GT(cookies, 0u);
    EXPECT_GE(accepted, 1u) << "the legitimate connections should have come in through SYN cookies";
    EXPECT_LE(rss_max - rss_before, kRssGrowthLimitKib) << "RSS " << rss_before << " -> " << rss_max << " KiB";

    // The held transfer survived the flood.
    std::string why;
    EXPECT_TRUE(transfer.release_and_verify(why)) << why;

    // Recovery: the half-open children time out (SYN,ACK retries) and the table empties; then
    // a new connection completes without a cookie.
    const auto deadline = Clock::now() + 150s;
    Snapshot now = env.counters();
    while (now->tcp_connections != 0 && Clock::now() < deadline) {
        std::this_thread::sleep_for(500ms);
        now = env.counters();
    }
    EXPECT_EQ(now->tcp_connections, 0u) << "half-open connections left after the flood";
    const long rss_after = env.rss_kib();
    const tooltest::RunResult after = tooltest::run(
        env.peer().kernel({"curl", "-sS", "-m", "30", "-o", "/dev/null", "-w", "%{http_code}",
                           "http://" + env.tachyon_ip() + "/bytes/" + std::to_string(kCurlBytes)}),
        40s);
    EXPECT_EQ(after.out, "200");
    const Snapshot last = env.counters();
    EXPECT_EQ(last->tcp.syn_cookies_accepted, now->tcp.syn_cookies_accepted) << "the queue should be free again";
    EXPECT_EQ(last->tcp.passive_opens - now->tcp.passive_opens, 1u);

    char row[512];
    std::snprintf(row, sizeof row,
                  "hping3 sent %lld SYNs in %lld s; stack rx_frames +%llu, syn_queue_full +%llu, cookies sent +%llu, "
                  "cookies accepted +%llu; curl %d ok / %d failed; RSS %ld -> max %ld -> %ld KiB; device rx_dropped "
                  "+%llu",
                  sent, static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(kFloodTime).count()),
                  static_cast<unsigned long long>(during->stack.rx_frames - before->stack.rx_frames),
                  static_cast<unsigned long long>(during->tcp.syn_queue_full - before->tcp.syn_queue_full),
                  static_cast<unsigned long long>(cookies), static_cast<unsigned long long>(accepted), loop.ok.load(),
                  loop.failed.load(), rss_before, rss_max, rss_after,
                  static_cast<unsigned long long>(during->device_stats.rx_dropped - before->device_stats.rx_dropped));
    std::printf("[ flood    ] %s\n", row);
    RecordProperty("flood", row);
}

class SuiteEnvironment : public ::testing::Environment {
public:
    void TearDown() override { Env::shutdown(); }
};

[[maybe_unused]] ::testing::Environment* const kSuiteEnvironment =
    ::testing::AddGlobalTestEnvironment(new SuiteEnvironment);

}  // namespace
}  // namespace tachyon::advtest
