#include "tests/interop/adversarial/adversarial_env.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <thread>

namespace tachyon::advtest {

using tooltest::Process;
using tooltest::RunResult;

std::string script(const std::string& name) {
    const char* dir = std::getenv("ADVERSARIAL_DIR");
    return std::string(dir != nullptr ? dir : "tests/interop/adversarial") + "/" + name;
}

// ---- the held transfer ------------------------------------------------------------------------

HeldTransfer::HeldTransfer(size_t bytes) : bytes_(bytes) {
    Env& env = Env::get();
    if (!env.ok()) {
        ADD_FAILURE() << env.error();
        return;
    }
    out_ = tooltest::temp_dir() + "/" + tooltest::unique_name("body");
    client_ = Process::start(env.peer().kernel({"/usr/bin/python3", script("hold_client.py"), env.tachyon_ip(),
                                                std::to_string(kHttpPort), std::to_string(bytes_),
                                                std::to_string(kHold), out_}));
    if (!client_->wait_output("held ", 60s)) {
        ADD_FAILURE() << "the transfer did not reach its hold:\n" << client_->output();
        return;
    }
    const long long port = tooltest::number_after(client_->output(), "port ");
    if (port <= 0) {
        ADD_FAILURE() << "no port from the client:\n" << client_->output();
        return;
    }
    port_ = static_cast<int>(port);
}

HeldTransfer::~HeldTransfer() { ::unlink(out_.c_str()); }

bool HeldTransfer::release_and_verify(std::string& why) {
    if (!client_ || port_ == 0) {
        why = "no transfer";
        return false;
    }
    ::kill(client_->pid(), SIGUSR1);
    const int status = client_->wait(60s);  // normally well under a second
    const std::string out = client_->output();
    if (status != 0 || out.find("done " + std::to_string(bytes_)) == std::string::npos) {
        why = "the client ended with status " + std::to_string(status) + ":\n" + out;
        return false;
    }
    const std::string body = tooltest::read_file(out_);
    if (body != tooltest::byte_pattern(bytes_)) {
        why = "the body (" + std::to_string(body.size()) + " bytes) differs from the /bytes pattern";
        return false;
    }
    return true;
}

// ---- the suite's server and attacker ----------------------------------------------------------

namespace {
Env* g_env = nullptr;
}  // namespace

Env& Env::get() {
    if (g_env == nullptr) {
        g_env = new Env();
        g_env->start();
    }
    return *g_env;
}

void Env::shutdown() {
    if (g_env == nullptr) return;
    g_env->stop_server();
    delete g_env;
    g_env = nullptr;
}

void Env::start() {
    const std::string root = tooltest::temp_dir() + "/" + tooltest::unique_name("www");
    (void)tooltest::run({"mkdir", "-p", root});
    tooltest::write_file(root + "/index.html", "adversarial\n");
    // TIME-WAIT short: the table returns to empty soon after each test's connections close.
    std::vector<std::string> extra = {"--root", root, "--port", std::to_string(kHttpPort), "--time-wait", "1"};
    if (const char* pcap = std::getenv("ADVERSARIAL_PCAP"); pcap != nullptr) {  // for debugging a failure
        extra.insert(extra.end(), {"--pcap", pcap});
    }
    running_ = tooltest::start_on_peer(tooltest::primary_kind(), {"httpd"}, extra, "httpd: serving");
    if (!running_.tachyon) {
        error_ = "tachyon httpd did not start";
        return;
    }
    // The attacker reads its commands from a FIFO that stays open for the whole suite.
    const std::string fifo = tooltest::temp_dir() + "/" + tooltest::unique_name("cmd");
    if (::mkfifo(fifo.c_str(), 0600) != 0) {
        error_ = "mkfifo failed";
        return;
    }
    tooltest::RunOptions opts;
    opts.stdin_file = fifo;
    adversary_ = Process::start(peer().kernel({"/usr/bin/python3", script("adversary.py"), "auto", kernel_ip(),
                                               tachyon_ip(), std::to_string(kHttpPort), std::to_string(kClosedPort)}),
                                opts);
    command_fd_ = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // meets the child's open for reading
    if (command_fd_ < 0 || !adversary_->wait_output("ready", 60s)) {
        error_ = "the attacker did not start:\n" + adversary_->output();
        return;
    }
    ok_ = true;
}

std::string Env::kernel_iface() {
    const RunResult r = tooltest::run(peer().kernel({"ip", "-o", "route", "get", tachyon_ip()}), 10s);
    std::istringstream in(r.out);
    std::string w;
    while (in >> w) {
        if (w == "dev" && in >> w) return w;
    }
    return "";
}

::testing::AssertionResult Env::attack(const std::string& name, int port, std::string* details) {
    if (!ok_) return ::testing::AssertionFailure() << error_;
    const std::string id = std::to_string(++next_id_);
    const std::string line = id + " " + name + " " + std::to_string(port) + "\n";
    if (::write(command_fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        return ::testing::AssertionFailure() << "cannot write to the attacker";
    }
    const std::string tag = "result " + id + " ";
    if (!adversary_->wait_output(tag, 90s)) {
        return ::testing::AssertionFailure() << "no verdict from the attacker for " << name << ":\n"
                                             << adversary_->output();
    }
    const std::string out = adversary_->output();
    const size_t at = out.find(tag) + tag.size();
    const std::string verdict = out.substr(at, out.find('\n', at) - at);
    if (details != nullptr) *details = verdict;
    if (verdict.rfind("ok", 0) == 0) return ::testing::AssertionSuccess() << verdict;
    return ::testing::AssertionFailure() << name << ": " << verdict;
}

Snapshot Env::counters() {
    Snapshot snap;
    const std::string path = apps::published_path(server().pid());
    uint64_t first = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    // Two publications after the first read: the last was taken after this call began.
    while (std::chrono::steady_clock::now() < deadline) {
        auto r = apps::read_published(path);
        if (r) {
            if (first == 0) first = r->snapshots;
            if (r->snapshots >= first + 2) {
                snap.s = std::make_unique<apps::StatSnapshot>(r.value());
                return snap;
            }
        }
        std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "no fresh counters from " << path;
    snap.s = std::make_unique<apps::StatSnapshot>();
    return snap;
}

long Env::rss_kib() {
    const std::string status = tooltest::read_file("/proc/" + std::to_string(server().pid()) + "/status");
    return static_cast<long>(tooltest::number_after(status, "VmRSS:"));
}

void Env::stop_server() {
    if (adversary_) {
        if (command_fd_ >= 0) ::close(command_fd_);  // end of input: the attacker exits
        command_fd_ = -1;
        adversary_->wait(30s);
        adversary_.reset();
    }
    if (running_.tachyon) tooltest::stop_cleanly(running_);
    running_.tachyon.reset();
}

}  // namespace tachyon::advtest
