// The tool's pieces without a network: HTTP request parsing and path decoding, the /bytes
// pattern, content resolution below a root, the stat snapshot's seqlock, the perf header.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "apps/byte_pattern.hpp"
#include "apps/http_content.hpp"
#include "apps/http_request.hpp"
#include "apps/perf_protocol.hpp"
#include "apps/stat_shm.hpp"
#include "tests/interop/tool/tool_harness.hpp"

namespace tachyon::apps {
namespace {

using tooltest::temp_dir;
using tooltest::unique_name;

TEST(HttpRequest, ParsesOneHeadOfPipelinedRequests) {
    const std::string two = "GET /a HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\n";
    HttpRequest r;
    ASSERT_EQ(parse_request(two, r), ParseStatus::kComplete);
    EXPECT_EQ(r.method, HttpMethod::kGet);
    EXPECT_EQ(r.target, "/a");
    EXPECT_TRUE(r.keep_alive);
    EXPECT_EQ(r.head_len, two.find("HEAD"));
    ASSERT_EQ(parse_request(two.substr(r.head_len), r), ParseStatus::kComplete);
    EXPECT_EQ(r.method, HttpMethod::kHead);
    EXPECT_EQ(r.target, "/b");
}

TEST(HttpRequest, IncompleteTooLargeAndMalformedHeads) {
    HttpRequest r;
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost: x\r\n", r), ParseStatus::kIncomplete);
    EXPECT_EQ(parse_request("", r), ParseStatus::kIncomplete);
    EXPECT_EQ(parse_request("GET /" + std::string(kMaxHead, 'a'), r), ParseStatus::kTooLarge);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\n\r\n", r), ParseStatus::kBad);  // 1.1 without Host
    EXPECT_EQ(parse_request("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", r), ParseStatus::kBad);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", r), ParseStatus::kBad);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost : x\r\n\r\n", r), ParseStatus::kBad);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", r), ParseStatus::kBad);
    EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", r),
              ParseStatus::kBad);
    EXPECT_EQ(parse_request("GET / HTTP/2.0\r\nHost: x\r\n\r\n", r), ParseStatus::kBadVersion);
    EXPECT_EQ(parse_request("GET / FTP/1.1\r\nHost: x\r\n\r\n", r), ParseStatus::kBad);
}

TEST(HttpRequest, PersistenceFollowsVersionAndConnection) {
    HttpRequest r;
    ASSERT_EQ(parse_request("\r\nGET / HTTP/1.0\r\n\r\n", r), ParseStatus::kComplete);  // a leading CRLF is ignored
    EXPECT_FALSE(r.keep_alive);
    ASSERT_EQ(parse_request("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", r), ParseStatus::kComplete);
    EXPECT_TRUE(r.keep_alive);
    ASSERT_EQ(parse_request("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n", r), ParseStatus::kComplete);
    EXPECT_FALSE(r.keep_alive);
    ASSERT_EQ(parse_request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n", r), ParseStatus::kComplete);
    EXPECT_EQ(r.method, HttpMethod::kOther);
    EXPECT_EQ(r.content_length, 12u);
    ASSERT_EQ(parse_request("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", r), ParseStatus::kComplete);
    EXPECT_TRUE(r.chunked);
}

TEST(HttpRequest, PathsAreDecodedAndNeverClimbOut) {
    std::string p;
    ASSERT_TRUE(decode_path("/a%20b/c.txt?x=1#f", p));
    EXPECT_EQ(p, "/a b/c.txt");
    ASSERT_TRUE(decode_path("http://example.com/x/y", p));
    EXPECT_EQ(p, "/x/y");
    ASSERT_TRUE(decode_path("/.../..a/a..", p));  // not ".." segments
    EXPECT_FALSE(decode_path("/../etc/passwd", p));
    EXPECT_FALSE(decode_path("/a/..", p));
    EXPECT_FALSE(decode_path("/a/%2e%2e/b", p));
    EXPECT_FALSE(decode_path("/a/%2E%2E", p));
    EXPECT_FALSE(decode_path("/a%00b", p));
    EXPECT_FALSE(decode_path("/a%zz", p));
    EXPECT_FALSE(decode_path("/a%2", p));
    EXPECT_FALSE(decode_path("*", p));
    EXPECT_FALSE(decode_path("example.com:80", p));
}

TEST(BytePattern, AnyRangeMatchesThePublishedFormula) {
    const std::string whole = tooltest::byte_pattern(5000);
    for (size_t off : {0u, 1u, 37u, 63u, 64u, 65u, 1000u, 4000u}) {
        for (size_t len : {0u, 1u, 63u, 64u, 200u, 1000u}) {
            if (off + len > whole.size()) continue;
            std::string got(len, '\0');
            fill_byte_pattern(std::span(got.data(), got.size()), off);
            EXPECT_EQ(got, whole.substr(off, len)) << "offset " << off << " length " << len;
        }
    }
    std::string far(64, '\0');
    fill_byte_pattern(std::span(far.data(), far.size()), uint64_t{1} << 40);
    EXPECT_EQ(far, "0000010000000000 tachyon bytes 0123456789abcdefghijklmnopqrstuv\n");
}

TEST(ContentRoot, ResolvesFilesDirectoriesBytesAndRefusesEscapes) {
    const std::string root = temp_dir() + "/" + unique_name("root");
    ASSERT_EQ(tooltest::run({"mkdir", "-p", root + "/d"}).status, 0);
    tooltest::write_file(root + "/f.txt", "12345");
    const std::string outside = temp_dir() + "/" + unique_name("outside");
    tooltest::write_file(outside, "secret");
    ASSERT_EQ(symlink(outside.c_str(), (root + "/out").c_str()), 0);
    ASSERT_EQ(symlink("../..", (root + "/d/up").c_str()), 0);
    auto cr = ContentRoot::open(root);
    ASSERT_TRUE(cr);
    const auto get = [&](const std::string& target, const char* method = "GET") {
        HttpRequest req;
        const std::string head = std::string(method) + " " + target + " HTTP/1.1\r\nHost: x\r\n\r\n";
        EXPECT_EQ(parse_request(head, req), ParseStatus::kComplete);
        return (*cr)->resolve(req);
    };
    HttpResponse r = get("/f.txt");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.length, 5u);
    EXPECT_EQ(r.kind, BodyKind::kFile);
    EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
    r = get("/d");
    EXPECT_EQ(r.status, 301);
    EXPECT_EQ(r.location, "/d/");
    EXPECT_EQ(get("/d/").status, 200);
    EXPECT_EQ(get("/out").status, 403);         // absolute symlink out of the root
    EXPECT_EQ(get("/d/up/etc/passwd").status, 403);  // relative symlink climbing out
    EXPECT_EQ(get("/missing").status, 404);
    EXPECT_EQ(get("/f.txt", "PUT").status, 405);
    r = get("/bytes/123", "HEAD");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.length, 123u);
    EXPECT_TRUE(r.head_only);
    EXPECT_EQ(get("/bytes/-1").status, 400);
    EXPECT_EQ(get("/bytes/2000000000000").status, 400);  // beyond 2^40
    const std::string head = response_head(get("/bytes/7"), true, 1, "Mon, 01 Jan 2024 00:00:00 GMT");
    EXPECT_EQ(head,
              "HTTP/1.1 200 OK\r\nServer: tachyon\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Type: "
              "application/octet-stream\r\nContent-Length: 7\r\n\r\n");
    EXPECT_NE(response_head(get("/bytes/7"), false, 1, "d").find("Connection: close\r\n"), std::string::npos);
    EXPECT_NE(response_head(get("/bytes/7"), true, 0, "d").find("Connection: keep-alive\r\n"), std::string::npos);
}

TEST(StatShm, PublishedSnapshotsReadBackConsistently) {
    const std::string dir = temp_dir() + "/" + unique_name("shm");
    ASSERT_EQ(tooltest::run({"mkdir", "-p", dir}).status, 0);
    auto pub = StatPublisher::create(dir);
    ASSERT_TRUE(pub) << pub.error().message();
    const std::string path = (*pub)->path();
    EXPECT_EQ(path, published_path(getpid(), dir));
    auto listed = list_published(dir);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].pid, getpid());

    // A writer publishing far more often than a real process does (NetHost publishes every few
    // milliseconds), with a pause of a few microseconds between snapshots as a real publisher has,
    // so that a reader can complete a copy; every copy the reader gets must be one snapshot.
    std::atomic<bool> done{false};
    std::thread writer([&] {
        auto s = std::make_unique<StatSnapshot>();
        for (uint64_t k = 1; !done.load(); ++k) {
            s->stack.rx_frames = k;
            s->tcp.segments_sent = k;
            s->connection_count = static_cast<uint32_t>(k % StatSnapshot::kMaxConnections);
            for (auto& c : s->connections) c.rx_queue = static_cast<uint32_t>(k);
            (*pub)->publish(*s);
            std::this_thread::sleep_for(std::chrono::microseconds(20));
        }
    });
    // Joins the writer also when an ASSERT below returns early (a joinable thread would terminate).
    struct JoinOnExit {
        std::atomic<bool>& done;
        std::thread& t;
        ~JoinOnExit() {
            done = true;
            if (t.joinable()) t.join();
        }
    } join_on_exit{done, writer};
    uint64_t last = 0;
    for (int i = 0; i < 300; ++i) {
        auto r = read_published(path);
        ASSERT_TRUE(r) << r.error().message();
        EXPECT_EQ(r->stack.rx_frames, r->tcp.segments_sent);
        EXPECT_EQ(r->connections[StatSnapshot::kMaxConnections - 1].rx_queue, static_cast<uint32_t>(r->stack.rx_frames));
        EXPECT_GE(r->stack.rx_frames, last);
        last = r->stack.rx_frames;
    }
    done = true;
    writer.join();
    pub.value().reset();
    EXPECT_FALSE(read_published(path));  // removed with the publisher
    EXPECT_TRUE(list_published(dir).empty());
}

// A snapshot written by another Tachyon build (another layout) is skipped with a note when `tachyon
// stat` lists every process, instead of hiding the others.
TEST(StatShm, ListingSkipsASnapshotOfAnotherBuild) {
    const std::string dir = temp_dir() + "/" + unique_name("shm");
    ASSERT_EQ(tooltest::run({"mkdir", "-p", dir}).status, 0);
    auto pub = StatPublisher::create(dir);
    ASSERT_TRUE(pub) << pub.error().message();
    StatSnapshot s{};
    s.stack.rx_frames = 42;
    (*pub)->publish(s);
    // pid 1 always runs: its file counts as a live publisher, with a header no build of ours wrote.
    ASSERT_EQ(tooltest::run({"sh", "-c", "head -c 4096 /dev/urandom > " + dir + "/tachyon-1"}).status, 0);
    const tooltest::RunResult r = tooltest::run({tooltest::tachyon_bin(), "stat", "--dir", dir, "--counters"});
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(r.out.find("42 frames received"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("another Tachyon build"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(skipped)"), std::string::npos) << r.out;
    // Alone, the foreign file is an error.
    pub.value().reset();
    EXPECT_NE(tooltest::run({tooltest::tachyon_bin(), "stat", "--dir", dir}).status, 0);
}

TEST(PerfProtocol, HeaderIsSockperfsNetworkOrderLayout) {
    std::array<std::byte, perf::kHeaderLen> b{};
    perf::encode(perf::Header{0x0102030405060708, perf::kFlagClient | perf::kFlagPong, 0x00000040}, b);
    const std::array<uint8_t, 14> want = {1, 2, 3, 4, 5, 6, 7, 8, 0, 3, 0, 0, 0, 0x40};
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(static_cast<uint8_t>(b[i]), want[i]) << i;
    const perf::Header h = perf::decode(b);
    EXPECT_EQ(h.seq, 0x0102030405060708u);
    EXPECT_EQ(h.flags, perf::kFlagClient | perf::kFlagPong);
    EXPECT_EQ(h.length, 0x40u);
}

}  // namespace
}  // namespace tachyon::apps
