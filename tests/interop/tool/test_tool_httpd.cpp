// `tachyon httpd` against the kernel's HTTP clients: curl (content checked byte for byte), wrk
// (zero errors, every body checked by a Lua script), ab (keep-alive and not), and a Python client
// for pipelining, errors and path escapes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <string>

#include "tests/interop/tool/tool_fixture.hpp"

namespace tachyon::tooltest {
namespace {

constexpr char kIndex[] = "<h1>hello tachyon</h1>\n";

// A served directory: index.html, a file in a subdirectory, and a symlink that points out of it.
std::string make_root() {
    const std::string root = temp_dir() + "/" + unique_name("www");
    const std::string outside = temp_dir() + "/" + unique_name("outside");
    (void)run({"mkdir", "-p", root + "/sub"});
    write_file(root + "/index.html", kIndex);
    write_file(root + "/sub/a.txt", "file in a subdirectory\n");
    write_file(outside, "must not be served\n");
    (void)symlink(outside.c_str(), (root + "/escape").c_str());
    return root;
}

Running start_httpd(PeerKind kind) {
    return start_on_peer(kind, {"httpd"}, {"--root", make_root(), "--port", "80"}, "httpd: serving");
}

std::string url(const Running& r, const std::string& path) { return "http://" + r.peer->tachyon_ip() + path; }

class HttpdOnEachBackend : public ::testing::TestWithParam<PeerKind> {};

TEST_P(HttpdOnEachBackend, CurlGetsThePageAndFourMebibytesExactly) {
    Running r = start_httpd(GetParam());
    ASSERT_TRUE(r.tachyon);
    const std::string page = temp_dir() + "/" + unique_name("page");
    RunResult c = run(r.peer->kernel({"curl", "-sS", "-m", "20", "-o", page, "-w", "%{http_code}", url(r, "/")}), 30s);
    ASSERT_EQ(c.status, 0) << c.out;
    EXPECT_EQ(c.out, "200");
    EXPECT_EQ(read_file(page), kIndex);

    const std::string bytes = temp_dir() + "/" + unique_name("bytes");
    c = run(r.peer->kernel({"curl", "-sS", "-m", "60", "-o", bytes, "-w", "%{http_code} %{size_download}",
                            url(r, "/bytes/4194304")}),
            90s);
    ASSERT_EQ(c.status, 0) << c.out;
    EXPECT_EQ(c.out, "200 4194304");
    const std::string got = read_file(bytes);
    ASSERT_EQ(got.size(), 4194304u);
    EXPECT_TRUE(got == byte_pattern(4194304)) << "the body differs from the /bytes pattern";
    stop_cleanly(r);
}

TEST_P(HttpdOnEachBackend, CurlSeesHeadNotFoundRedirectAndRefusedEscapes) {
    Running r = start_httpd(GetParam());
    ASSERT_TRUE(r.tachyon);
    const auto code = [&](const std::vector<std::string>& extra, const std::string& path) {
        std::vector<std::string> argv = {"curl", "-s", "-m", "10", "-o", "/dev/null", "--path-as-is", "-w", "%{http_code}"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(url(r, path));
        return run(r.peer->kernel(argv), 20s).out;
    };
    EXPECT_EQ(code({}, "/sub/a.txt"), "200");
    EXPECT_EQ(code({}, "/sub"), "301");
    EXPECT_EQ(code({}, "/sub/"), "200");  // a generated listing
    EXPECT_EQ(code({}, "/nope"), "404");
    EXPECT_EQ(code({}, "/../index.html"), "400");
    EXPECT_EQ(code({}, "/%2e%2e/index.html"), "400");
    EXPECT_EQ(code({}, "/escape"), "403");  // a symlink that leaves the root
    EXPECT_EQ(code({}, "/bytes/x"), "400");
    EXPECT_EQ(code({"-X", "POST", "-d", "a=1"}, "/"), "405");
    const RunResult head = run(r.peer->kernel({"curl", "-sS", "-m", "10", "-I", url(r, "/bytes/12345")}), 20s);
    EXPECT_NE(head.out.find("Content-Length: 12345"), std::string::npos) << head.out;
    stop_cleanly(r);
}

INSTANTIATE_TEST_SUITE_P(Backends, HttpdOnEachBackend, ::testing::ValuesIn(peer_kinds()),
                         [](const auto& info) { return std::string(peer_kind_name(info.param)); });

TEST(Httpd, WrkWithEveryBodyCheckedAndNoErrors) {
    Running r = start_httpd(primary_kind());
    ASSERT_TRUE(r.tachyon);
    const std::string script = temp_dir() + "/" + unique_name("check") + ".lua";
    write_file(script, R"(
threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0; good = 0 end
function response(status, headers, body)
  if status == 200 and #body == 1000 and body:sub(1, 17) == "0000000000000000 " and body:sub(65, 81) == "0000000000000040 " then
    good = good + 1
  else
    bad = bad + 1
  end
end
function done(summary, latency, requests)
  local g, b = 0, 0
  for _, t in ipairs(threads) do g = g + t:get("good"); b = b + t:get("bad") end
  io.write(string.format("checked: good=%d bad=%d\n", g, b))
end
)");
    const RunResult w = run(r.peer->kernel({"wrk", "-t", "1", "-c", "8", "-d", "2s", "-s", script, url(r, "/bytes/1000")}), 60s);
    ASSERT_EQ(w.status, 0) << w.out;
    EXPECT_EQ(w.out.find("Socket errors"), std::string::npos) << w.out;
    EXPECT_EQ(w.out.find("Non-2xx"), std::string::npos) << w.out;
    EXPECT_GT(number_after(w.out, "checked: good="), 100) << w.out;
    EXPECT_EQ(number_after(w.out, "bad="), 0) << w.out;
    stop_cleanly(r);
}

TEST(Httpd, AbWithAndWithoutKeepAlive) {
    Running r = start_httpd(primary_kind());
    ASSERT_TRUE(r.tachyon);
    RunResult a = run(r.peer->kernel({"ab", "-q", "-n", "2000", "-c", "8", "-k", url(r, "/bytes/5000")}), 120s);
    ASSERT_EQ(a.status, 0) << a.out;
    EXPECT_EQ(number_after(a.out, "Complete requests:"), 2000) << a.out;
    EXPECT_EQ(number_after(a.out, "Failed requests:"), 0) << a.out;
    EXPECT_EQ(number_after(a.out, "Keep-Alive requests:"), 2000) << a.out;
    EXPECT_EQ(number_after(a.out, "Document Length:"), 5000) << a.out;
    EXPECT_EQ(a.out.find("Non-2xx"), std::string::npos) << a.out;
    // HTTP/1.0 without keep-alive: a connection per request, closed by the server.
    a = run(r.peer->kernel({"ab", "-q", "-n", "300", "-c", "4", url(r, "/index.html")}), 120s);
    ASSERT_EQ(a.status, 0) << a.out;
    EXPECT_EQ(number_after(a.out, "Complete requests:"), 300) << a.out;
    EXPECT_EQ(number_after(a.out, "Failed requests:"), 0) << a.out;
    stop_cleanly(r);
}

// Raw HTTP from the kernel side: what the Python script prints is every byte the server sent.
std::string raw_exchange(const Running& r, const std::string& requests_literal) {
    const std::string script = temp_dir() + "/" + unique_name("raw") + ".py";
    write_file(script, "import socket, sys\n"
                       "s = socket.create_connection((sys.argv[1], 80), timeout=20)\n"
                       "s.sendall(" + requests_literal + ")\n"
                       "data = b''\n"
                       "while True:\n"
                       "    b = s.recv(65536)\n"
                       "    if not b: break\n"
                       "    data += b\n"
                       "sys.stdout.write(data.decode('latin1'))\n");
    return run(r.peer->kernel({"python3", script, r.peer->tachyon_ip()}), 60s).out;
}

std::vector<std::string> status_lines(const std::string& text) {
    std::vector<std::string> out;
    for (size_t at = text.find("HTTP/1.1 "); at != std::string::npos; at = text.find("HTTP/1.1 ", at + 1)) {
        out.push_back(text.substr(at + 9, 3));
    }
    return out;
}

TEST(Httpd, PipelinedRequestsAreAnsweredInOrderUntilAnError) {
    Running r = start_httpd(primary_kind());
    ASSERT_TRUE(r.tachyon);
    const std::string out = raw_exchange(r,
        "b'GET /bytes/10 HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'"
        "b'HEAD /index.html HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'"
        "b'GET /nope HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'"
        "b'DELETE /index.html HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 5\\r\\n\\r\\nhello'"
        "b'GET /sub/a.txt HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'"
        "b'GET /a b HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'"
        "b'GET /never HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'");
    EXPECT_EQ(status_lines(out), (std::vector<std::string>{"200", "200", "404", "405", "200", "400"})) << out;
    EXPECT_NE(out.find("Content-Length: 10\r\n"), std::string::npos);
    EXPECT_NE(out.find("\r\n\r\n0000000000HTTP/1.1 200"), std::string::npos) << "body then the next response";
    EXPECT_NE(out.find("Allow: GET, HEAD"), std::string::npos);
    EXPECT_NE(out.find("\r\n\r\nfile in a subdirectory\n"), std::string::npos);
    EXPECT_NE(out.find("Connection: close"), std::string::npos);
    stop_cleanly(r);
}

TEST(Httpd, LargePipelinedBodiesAndConnectionRules) {
    Running r = start_httpd(primary_kind());
    ASSERT_TRUE(r.tachyon);
    // Two 1 MB bodies back to back on one connection, the second asking to close.
    std::string out = raw_exchange(r,
        "b'GET /bytes/1000000 HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'"
        "b'GET /bytes/1000000 HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n'");
    const size_t h1 = out.find("\r\n\r\n");
    ASSERT_NE(h1, std::string::npos) << out.substr(0, 300);
    const std::string body1 = out.substr(h1 + 4, 1000000);
    const size_t h2 = out.find("\r\n\r\n", h1 + 4 + 1000000);
    ASSERT_NE(h2, std::string::npos);
    const std::string body2 = out.substr(h2 + 4);
    EXPECT_TRUE(body1 == byte_pattern(1000000));
    EXPECT_TRUE(body2 == byte_pattern(1000000));
    // HTTP/1.0 closes after one response unless asked; HTTP/1.1 without Host is a 400.
    out = raw_exchange(r, "b'GET /bytes/3 HTTP/1.0\\r\\n\\r\\nGET /bytes/4 HTTP/1.0\\r\\n\\r\\n'");
    EXPECT_EQ(status_lines(out), std::vector<std::string>{"200"}) << out;
    out = raw_exchange(r, "b'GET /bytes/3 HTTP/1.0\\r\\nConnection: keep-alive\\r\\n\\r\\n"
                          "GET /bytes/4 HTTP/1.1\\r\\nHost: t\\r\\nConnection: close\\r\\n\\r\\n'");
    EXPECT_EQ(status_lines(out), (std::vector<std::string>{"200", "200"})) << out;
    EXPECT_NE(out.find("Connection: keep-alive"), std::string::npos) << out;
    out = raw_exchange(r, "b'GET / HTTP/1.1\\r\\n\\r\\n'");
    EXPECT_EQ(status_lines(out), std::vector<std::string>{"400"}) << out;
    out = raw_exchange(r, "b'GET / HTTP/2.0\\r\\nHost: t\\r\\n\\r\\n'");
    EXPECT_EQ(status_lines(out), std::vector<std::string>{"505"}) << out;
    stop_cleanly(r);
}

}  // namespace
}  // namespace tachyon::tooltest
