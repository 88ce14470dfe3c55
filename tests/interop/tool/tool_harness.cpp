#include "tests/interop/tool/tool_harness.hpp"

#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "tachyon_config.hpp"

namespace tachyon::tooltest {

namespace {

std::atomic<int> g_counter{0};

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/tachyon-tool-test.XXXXXX";
        const char* p = mkdtemp(tmpl);
        path = p != nullptr ? p : "/tmp";
    }
    ~TempDir() {
        if (path != "/tmp") std::system(("rm -rf '" + path + "'").c_str());
    }
};

int decode_status(int st) {
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
}

pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options, const std::string& out_path) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const pid_t pid = fork();
    if (pid != 0) return pid;
    // Child: own process group (so that a timeout kills what it started too), output to the file.
    setpgid(0, 0);
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int in = ::open(options.stdin_file.empty() ? "/dev/null" : options.stdin_file.c_str(), O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (options.drop_privileges) {
        if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(126);
    }
    execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
}

}  // namespace

std::string temp_dir() {
    static TempDir dir;
    return dir.path;
}

std::string unique_name(const std::string& prefix) {
    return prefix + std::to_string(getpid() % 100000) + "x" + std::to_string(g_counter++);
}

int next_port() {
    static int port = 10000 + static_cast<int>(getpid() % 600) * 32;
    return port++;
}

std::string tachyon_bin() {
    const char* b = std::getenv("TACHYON_BIN");
    return b != nullptr ? b : "tachyon";
}

bool have_dpdk() { return TACHYON_HAVE_DPDK != 0; }

RunResult run(const std::vector<std::string>& argv, Millis timeout, const RunOptions& options) {
    const std::string out_path = temp_dir() + "/run-" + std::to_string(g_counter++) + ".out";
    RunResult r;
    const pid_t pid = spawn(argv, options, out_path);
    if (pid < 0) return r;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int st = 0;
    for (;;) {
        const pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            r.status = decode_status(st);
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            r.status = decode_status(st);
            r.out = "(timed out after " + std::to_string(timeout.count()) + " ms)\n";
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    r.out += read_file(out_path);
    ::unlink(out_path.c_str());
    return r;
}

std::unique_ptr<Process> Process::start(const std::vector<std::string>& argv, const RunOptions& options) {
    std::unique_ptr<Process> p(new Process());
    p->out_path_ = temp_dir() + "/proc-" + std::to_string(g_counter++) + ".out";
    p->pid_ = spawn(argv, options, p->out_path_);
    return p;
}

Process::~Process() {
    if (pid_ > 0 && !exited_) {
        kill(-pid_, SIGKILL);
        kill(pid_, SIGKILL);
        reap(true);
    }
    ::unlink(out_path_.c_str());
}

bool Process::reap(bool block) {
    if (exited_) return true;
    int st = 0;
    const pid_t w = waitpid(pid_, &st, block ? 0 : WNOHANG);
    if (w == pid_) {
        exited_ = true;
        status_ = decode_status(st);
    }
    return exited_;
}

bool Process::running() { return pid_ > 0 && !reap(false); }

std::string Process::output() const { return read_file(out_path_); }

bool Process::wait_output(const std::string& needle, Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (output().find(needle) != std::string::npos) return true;
        if (!running()) return output().find(needle) != std::string::npos;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

int Process::wait(Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!running()) return status_;
        std::this_thread::sleep_for(10ms);
    }
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    reap(true);
    return status_;
}

int Process::stop(Millis grace) {
    if (!running()) return status_;
    kill(pid_, SIGINT);
    return wait(grace);
}

const char* peer_kind_name(PeerKind k) { return k == PeerKind::kDpdkTap ? "dpdk_tap" : "af_packet_veth"; }

std::unique_ptr<Peer> Peer::create(PeerKind kind, std::string& error) {
    std::unique_ptr<Peer> p(new Peer());
    p->kind_ = kind;
    p->iface_ = unique_name("tcyt");
    p->prefix_ = "10." + std::to_string(100 + getpid() % 100) + "." + std::to_string(g_counter++ % 250);
    if (kind == PeerKind::kDpdkTap) {
        (void)run({"ip", "link", "del", p->iface_}, 5s);  // a leftover of a crashed run
        return p;
    }
    p->netns_ = unique_name("tcyn");
    p->peer_if_ = p->iface_ + "p";
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "netns", "add", p->netns_},
        {"ip", "link", "add", p->iface_, "type", "veth", "peer", "name", p->peer_if_, "netns", p->netns_},
        {"ip", "link", "set", p->iface_, "up"},
        {"ip", "netns", "exec", p->netns_, "ip", "addr", "add", p->kernel_ip() + "/24", "dev", p->peer_if_},
        {"ip", "netns", "exec", p->netns_, "ip", "link", "set", p->peer_if_, "up"},
        {"ip", "netns", "exec", p->netns_, "ip", "link", "set", "lo", "up"},
    };
    for (const auto& s : steps) {
        const RunResult r = run(s, 10s);
        if (r.status != 0) {
            error = "setting up the veth peer failed at `";
            for (const auto& a : s) error += a + " ";
            error += "`: " + r.out;
            return nullptr;
        }
    }
    // Wire-sized frames with complete checksums from the kernel (best effort; see main-job.sh).
    (void)run({"ip", "netns", "exec", p->netns_, "ethtool", "-K", p->peer_if_, "tso", "off", "gso", "off", "tx", "off"},
              10s);
    return p;
}

Peer::~Peer() {
    (void)run({"ip", "link", "del", iface_}, 10s);
    if (!netns_.empty()) (void)run({"ip", "netns", "del", netns_}, 10s);
}

std::string Peer::dev_spec() const {
    if (kind_ == PeerKind::kDpdkTap) return "dpdk:--vdev=net_tap0,iface=" + iface_;
    return "af_packet:" + iface_;
}

std::vector<std::string> Peer::net_args() const {
    return {"--dev", dev_spec(), "--ip", tachyon_cidr(), "--idle", "backoff"};
}

bool Peer::attach(Process& p, std::string& error) {
    if (kind_ != PeerKind::kDpdkTap) return true;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!interface_exists(iface_)) {
        if (!p.running()) {
            error = "tachyon exited before the TAP appeared:\n" + p.output();
            return false;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            error = "the TAP " + iface_ + " did not appear within 30 s:\n" + p.output();
            return false;
        }
        std::this_thread::sleep_for(20ms);
    }
    for (const std::vector<std::string>& s : {std::vector<std::string>{"ip", "addr", "add", kernel_ip() + "/24", "dev", iface_},
                                              std::vector<std::string>{"ip", "link", "set", iface_, "up"}}) {
        const RunResult r = run(s, 10s);
        if (r.status != 0) {
            error = "configuring the TAP failed: " + r.out;
            return false;
        }
    }
    return true;
}

std::vector<std::string> Peer::kernel(std::vector<std::string> argv) const {
    if (netns_.empty()) return argv;
    std::vector<std::string> out = {"ip", "netns", "exec", netns_};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
}

bool Peer::tap_gone() const { return !interface_exists(iface_); }

bool interface_exists(const std::string& name) { return if_nametoindex(name.c_str()) != 0; }

std::string byte_pattern(size_t n) {
    std::string s;
    s.reserve(n + 64);
    char line[80];
    for (size_t off = 0; off < n; off += 64) {
        std::snprintf(line, sizeof line, "%016zx tachyon bytes 0123456789abcdefghijklmnopqrstuv\n", off);
        s += line;
    }
    s.resize(n);
    return s;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << data;
}

long long number_after(const std::string& text, const std::string& key) {
    const size_t at = text.find(key);
    if (at == std::string::npos) return -1;
    size_t i = at + key.size();
    while (i < text.size() && (text[i] < '0' || text[i] > '9')) {
        if (text[i] == '\n') return -1;
        ++i;
    }
    if (i == text.size()) return -1;
    return std::strtoll(text.c_str() + i, nullptr, 10);
}

}  // namespace tachyon::tooltest
