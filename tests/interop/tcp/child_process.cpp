#include "tests/interop/tcp/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace tachyon::interop {

namespace {

void skip_space(const std::string& s, size_t& i) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
}

std::optional<std::string> parse_string(const std::string& s, size_t& i) {
    if (i >= s.size() || s[i] != '"') return std::nullopt;
    std::string out;
    for (++i; i < s.size(); ++i) {
        char c = s[i];
        if (c == '"') {
            ++i;
            return out;
        }
        if (c == '\\' && i + 1 < s.size()) {
            c = s[++i];
            if (c == 'n') c = '\n';
            else if (c == 't') c = '\t';
            else if (c == 'u') {  // \uXXXX: kept as '?', the peers print ASCII
                i += 4;
                c = '?';
            }
        }
        out += c;
    }
    return std::nullopt;
}

void sleep_ms(long ms) {
    timespec ts{ms / 1000, (ms % 1000) * 1'000'000};
    nanosleep(&ts, nullptr);
}

}  // namespace

std::optional<JsonLine> JsonLine::parse(const std::string& line) {
    JsonLine j;
    j.text_ = line;
    size_t i = 0;
    skip_space(line, i);
    if (i >= line.size() || line[i] != '{') return std::nullopt;
    ++i;
    skip_space(line, i);
    if (i < line.size() && line[i] == '}') return j;
    while (i < line.size()) {
        skip_space(line, i);
        auto key = parse_string(line, i);
        if (!key) return std::nullopt;
        skip_space(line, i);
        if (i >= line.size() || line[i] != ':') return std::nullopt;
        ++i;
        skip_space(line, i);
        std::string value;
        if (i < line.size() && line[i] == '"') {
            auto v = parse_string(line, i);
            if (!v) return std::nullopt;
            value = *v;
        } else {
            while (i < line.size() && line[i] != ',' && line[i] != '}' && !std::isspace(static_cast<unsigned char>(line[i]))) {
                value += line[i++];
            }
            if (value.empty()) return std::nullopt;
        }
        j.values_[*key] = value;
        skip_space(line, i);
        if (i < line.size() && line[i] == ',') {
            ++i;
            continue;
        }
        if (i < line.size() && line[i] == '}') return j;
        return std::nullopt;
    }
    return std::nullopt;
}

std::string JsonLine::str(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? std::string() : it->second;
}

long long JsonLine::num(const std::string& key, long long fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (it->second == "true") return 1;
    if (it->second == "false") return 0;
    char* end = nullptr;
    const long long v = std::strtoll(it->second.c_str(), &end, 10);
    return end == it->second.c_str() ? fallback : v;
}

std::unique_ptr<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv, std::string& error) {
    std::unique_ptr<ChildProcess> c(new ChildProcess());
    for (const auto& a : argv) c->command_ += a + " ";
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC | O_NONBLOCK) != 0) {
        error = std::string("pipe2: ") + std::strerror(errno);
        return nullptr;
    }
    if (::pipe2(err, O_CLOEXEC | O_NONBLOCK) != 0) {
        error = std::string("pipe2: ") + std::strerror(errno);
        ::close(out[0]);
        ::close(out[1]);
        return nullptr;
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears close-on-exec on the targets; the child's stdin is /dev/null.
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    // Its own process group, so that kill_now() also reaches anything it started.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    const int rc = ::posix_spawnp(&c->pid_, args[0], &actions, &attr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(out[1]);
    ::close(err[1]);
    c->out_fd_ = out[0];
    c->err_fd_ = err[0];
    if (rc != 0) {
        error = "cannot run `" + c->command_ + "`: " + std::strerror(rc);
        c->pid_ = -1;
        return nullptr;
    }
    return c;
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0 && !status_) kill_now();
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
}

void ChildProcess::drain(int& fd, std::string& into) {
    if (fd < 0) return;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n > 0) {
            into.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n == 0) {  // the child closed its end
            ::close(fd);
            fd = -1;
        }
        return;  // EAGAIN: nothing more now
    }
}

void ChildProcess::pump() {
    drain(out_fd_, out_);
    drain(err_fd_, err_);
    if (pid_ > 0 && !status_) {
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            drain(out_fd_, out_);
            drain(err_fd_, err_);
        }
    }
}

std::optional<JsonLine> ChildProcess::next_event() {
    pump();
    for (;;) {
        const size_t nl = out_.find('\n', consumed_);
        if (nl == std::string::npos) return std::nullopt;
        std::string line = out_.substr(consumed_, nl - consumed_);
        consumed_ = nl + 1;
        if (auto j = JsonLine::parse(line)) return j;
    }
}

std::optional<JsonLine> ChildProcess::take_event(const std::string& name) {
    while (auto e = next_event()) {
        if (e->str("event") == name || e->str("event") == "error") return e;
    }
    return std::nullopt;
}

std::optional<int> ChildProcess::exit_status() {
    pump();
    return status_;
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!exit_status() && std::chrono::steady_clock::now() < end) sleep_ms(1);
    if (!status_) kill_now();
    return *status_;
}

void ChildProcess::kill_now() {
    if (pid_ <= 0 || status_) return;
    ::kill(-pid_, SIGKILL);
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    status_ = 128 + SIGKILL;
    drain(out_fd_, out_);
    drain(err_fd_, err_);
}

void ChildProcess::signal(int sig) {
    if (pid_ <= 0 || status_) return;
    ::kill(-pid_, sig);
}

std::string ChildProcess::transcript() const {
    return "`" + command_ + "`\n--- stdout ---\n" + out_ + "--- stderr ---\n" + err_;
}

}  // namespace tachyon::interop
