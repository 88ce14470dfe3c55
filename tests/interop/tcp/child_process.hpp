// A peer process the interop tests run beside the Tachyon stack: spawned without a shell, its
// stdout read line by line without blocking (so the test's loop keeps driving the stack while
// the peer works), its stderr kept for failure messages. The destructor kills and reaps a child
// that is still running, so a failed test leaves no process behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tachyon::interop {

// One line of the peers' output protocol: a flat JSON object of strings, numbers and booleans,
// e.g. {"event": "done", "received": 10485760, "recv_sha": "ab..."}. Values are kept as text.
class JsonLine {
public:
    // nullopt for anything but a flat object.
    static std::optional<JsonLine> parse(const std::string& line);
    bool has(const std::string& key) const { return values_.count(key) != 0; }
    std::string str(const std::string& key) const;  // "" when absent
    long long num(const std::string& key, long long fallback = -1) const;
    const std::string& text() const { return text_; }

private:
    std::map<std::string, std::string> values_;
    std::string text_;
};

class ChildProcess {
public:
    // nullptr with `error` set when it could not be started.
    static std::unique_ptr<ChildProcess> spawn(const std::vector<std::string>& argv, std::string& error);
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    // Reads whatever the pipes hold now (never blocks) and reaps the child if it exited.
    void pump();
    // The next complete stdout line that parses as JSON, in order; nullopt when none is there yet.
    std::optional<JsonLine> next_event();
    // The first event named `name` among those not yet taken by next_event() (pumps first);
    // earlier events are consumed.
    std::optional<JsonLine> take_event(const std::string& name);
    // nullopt while running; the exit status (or 128 + signal) once it ended.
    std::optional<int> exit_status();
    // Blocks (sleeping 1 ms per step) until the child exits or the timeout passes; then kills it.
    int wait(std::chrono::milliseconds timeout);
    void kill_now();
    // Sends `sig` (the child's whole process group) without waiting.
    void signal(int sig);

    pid_t pid() const { return pid_; }
    const std::string& stdout_text() const { return out_; }
    const std::string& stderr_text() const { return err_; }
    // Both streams, for failure messages.
    std::string transcript() const;

private:
    ChildProcess() = default;
    static void drain(int& fd, std::string& into);

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string out_;
    std::string err_;
    size_t consumed_ = 0;  // bytes of out_ already split into lines
    std::optional<int> status_;
    std::string command_;
};

}  // namespace tachyon::interop
