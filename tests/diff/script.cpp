#include "tests/diff/script.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace tachyon::diff {

std::string errno_name(int e) {
    if (const char* n = strerrorname_np(e)) return n;
    return "E" + std::to_string(e);
}

std::string event_names(uint32_t events) {
    static constexpr std::pair<uint32_t, const char*> kNames[] = {
        {EPOLLIN, "IN"},         {EPOLLPRI, "PRI"},       {EPOLLOUT, "OUT"},       {EPOLLERR, "ERR"},
        {EPOLLHUP, "HUP"},       {EPOLLRDNORM, "RDNORM"}, {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"},
        {EPOLLWRBAND, "WRBAND"}, {EPOLLMSG, "MSG"},       {EPOLLRDHUP, "RDHUP"},
    };
    std::string out;
    for (const auto& [bit, name] : kNames) {
        if ((events & bit) == 0) continue;
        if (!out.empty()) out += '|';
        out += name;
        events &= ~bit;
    }
    if (events != 0) out += (out.empty() ? "" : "|") + std::to_string(events);
    return out.empty() ? "0" : out;
}

std::string Script::text() const {
    std::string out;
    for (const std::string& l : trace_) out += l + "\n";
    return out;
}

std::string Script::result(long r) { return r < 0 ? errno_name(static_cast<int>(-r)) : std::to_string(r); }

void Script::record(std::string line) { trace_.push_back(std::move(line)); }

std::string Script::sock_of_handle(int h) const {
    for (size_t i = handles_.size(); i-- > 0;) {
        if (handles_[i] == h) return sock_name(static_cast<int>(i));
    }
    return "?" + std::to_string(h);
}

std::string Script::port_name(uint16_t port) {
    if (port == 0) return "0";
    auto it = ports_.find(port);
    if (it == ports_.end()) it = ports_.emplace(port, static_cast<int>(ports_.size()) + 1).first;
    return "P" + std::to_string(it->second);
}

std::string Script::endpoint(Where where, uint16_t port) {
    static constexpr const char* kWhere[] = {"any", "A", "B", "foreign", "other"};
    return std::string(kWhere[static_cast<int>(where)]) + ":" + port_name(port);
}

int Script::socket(Host host, int type) {
    const int h = net_.socket(host, type);
    net_.settle();
    const char* t = type == SOCK_STREAM ? "STREAM" : type == SOCK_DGRAM ? "DGRAM" : "?";
    if (h < 0) {
        record(std::string("socket(") + (host == Host::kA ? "A" : "B") + ", " + t + ") = " + result(h));
        return h;
    }
    handles_.push_back(h);
    const int s = static_cast<int>(handles_.size() - 1);
    record(std::string("socket(") + (host == Host::kA ? "A" : "B") + ", " + t + ") = " + sock_name(s));
    return s;
}

int Script::close(int s) {
    const int r = net_.close(handle(s));
    net_.settle();
    record("close(" + sock_name(s) + ") = " + result(r));
    return r;
}

int Script::bind(int s, Where where, uint16_t port) {
    const std::string ep = endpoint(where, port);
    const int r = net_.bind(handle(s), where, port);
    net_.settle();
    record("bind(" + sock_name(s) + ", " + ep + ") = " + result(r));
    return r;
}

int Script::listen(int s, int backlog) {
    const int r = net_.listen(handle(s), backlog);
    net_.settle();
    record("listen(" + sock_name(s) + ", " + std::to_string(backlog) + ") = " + result(r));
    return r;
}

int Script::accept(int s) {
    Endpoint peer;
    const int h = net_.accept(handle(s), &peer);
    net_.settle();
    if (h < 0) {
        record("accept(" + sock_name(s) + ") = " + result(h));
        return h;
    }
    handles_.push_back(h);
    const int n = static_cast<int>(handles_.size() - 1);
    record("accept(" + sock_name(s) + ") = " + sock_name(n) + " from " + endpoint(peer));
    return n;
}

int Script::connect(int s, Where where, uint16_t port) {
    const std::string ep = endpoint(where, port);
    const int r = net_.connect(handle(s), where, port);
    net_.settle();
    record("connect(" + sock_name(s) + ", " + ep + ") = " + result(r));
    return r;
}

int Script::disconnect(int s) {
    const int r = net_.disconnect(handle(s));
    net_.settle();
    record("connect(" + sock_name(s) + ", AF_UNSPEC) = " + result(r));
    return r;
}

long Script::send(int s, std::string_view data, int flags) {
    const long r = net_.send(handle(s), data, flags);
    net_.settle();
    record("send(" + sock_name(s) + ", " + std::to_string(data.size()) + " bytes, flags " + std::to_string(flags) +
           ") = " + result(r));
    return r;
}

int Script::sendall(int s, std::string_view data) {
    const int r = net_.sendall(handle(s), data);
    net_.settle();
    record("sendall(" + sock_name(s) + ", " + std::to_string(data.size()) + " bytes) = " + result(r));
    return r;
}

long Script::recv(int s, size_t len, int flags) {
    std::string data;
    const long r = net_.recv(handle(s), len, flags, &data);
    net_.settle();
    std::string line = "recv(" + sock_name(s) + ", " + std::to_string(len) + ", flags " + std::to_string(flags) +
                       ") = " + result(r);
    if (r > 0) line += " \"" + data + "\"";
    record(line);
    return r;
}

long Script::sendto(int s, std::string_view data, Where where, uint16_t port) {
    const std::string ep = endpoint(where, port);
    const long r = net_.sendto(handle(s), data, where, port);
    net_.settle();
    record("sendto(" + sock_name(s) + ", " + std::to_string(data.size()) + " bytes, " + ep + ") = " + result(r));
    return r;
}

long Script::recvfrom(int s, size_t len, int flags) {
    std::string data;
    Endpoint from;
    const long r = net_.recvfrom(handle(s), len, flags, &data, &from);
    net_.settle();
    std::string line = "recvfrom(" + sock_name(s) + ", " + std::to_string(len) + ", flags " + std::to_string(flags) +
                       ") = " + result(r);
    if (r >= 0) line += " \"" + data + "\" from " + endpoint(from);
    record(line);
    return r;
}

int Script::shutdown(int s, int how) {
    const int r = net_.shutdown(handle(s), how);
    net_.settle();
    record("shutdown(" + sock_name(s) + ", " + std::to_string(how) + ") = " + result(r));
    return r;
}

int Script::getsockname(int s) {
    Endpoint e;
    const int r = net_.getsockname(handle(s), &e);
    net_.settle();
    record("getsockname(" + sock_name(s) + ") = " + (r < 0 ? result(r) : endpoint(e)));
    return r;
}

int Script::getpeername(int s) {
    Endpoint e;
    const int r = net_.getpeername(handle(s), &e);
    net_.settle();
    record("getpeername(" + sock_name(s) + ") = " + (r < 0 ? result(r) : endpoint(e)));
    return r;
}

int Script::setsockopt(int s, int level, int name, int value, const char* what) {
    const int r = net_.setsockopt(handle(s), level, name, value);
    net_.settle();
    record("setsockopt(" + sock_name(s) + ", " + what + ", " + std::to_string(value) + ") = " + result(r));
    return r;
}

int Script::getsockopt(int s, int level, int name, const char* what) {
    int v = 0;
    const int r = net_.getsockopt(handle(s), level, name, &v);
    net_.settle();
    std::string value = std::to_string(v);
    if (name == SO_ERROR && level == SOL_SOCKET && v != 0) value = errno_name(v);
    record("getsockopt(" + sock_name(s) + ", " + what + ") = " + (r < 0 ? result(r) : value));
    return r < 0 ? r : v;
}

int Script::set_linger(int s, bool on, int seconds) {
    const int r = net_.set_linger(handle(s), on, seconds);
    net_.settle();
    record("setsockopt(" + sock_name(s) + ", SO_LINGER, {" + std::to_string(on) + ", " + std::to_string(seconds) +
           "}) = " + result(r));
    return r;
}

int Script::get_linger(int s) {
    bool on = false;
    int seconds = 0;
    const int r = net_.get_linger(handle(s), &on, &seconds);
    net_.settle();
    record("getsockopt(" + sock_name(s) + ", SO_LINGER) = " +
           (r < 0 ? result(r) : "{" + std::to_string(on) + ", " + std::to_string(seconds) + "}"));
    return r;
}

int Script::set_congestion(int s, std::string_view name) {
    const int r = net_.set_congestion(handle(s), name);
    net_.settle();
    record("setsockopt(" + sock_name(s) + ", TCP_CONGESTION, \"" + std::string(name) + "\") = " + result(r));
    return r;
}

int Script::settimeout(int s, std::optional<int> timeout_ms) {
    const int r = net_.settimeout(handle(s), timeout_ms);
    net_.settle();
    record("settimeout(" + sock_name(s) + ", " + (timeout_ms ? std::to_string(*timeout_ms) + " ms" : "None") +
           ") = " + result(r));
    return r;
}

int Script::epoll_create(Host host) {
    const int h = net_.epoll_create(host);
    net_.settle();
    if (h < 0) {
        record("epoll_create() = " + result(h));
        return h;
    }
    eps_.push_back(h);
    const int e = static_cast<int>(eps_.size() - 1);
    record("epoll_create(" + std::string(host == Host::kA ? "A" : "B") + ") = ep" + std::to_string(e));
    return e;
}

int Script::epoll_ctl(int ep, int op, int s, uint32_t events) {
    const int r = net_.epoll_ctl(eps_.at(static_cast<size_t>(ep)), op, handle(s), events);
    net_.settle();
    const char* o = op == EPOLL_CTL_ADD ? "ADD" : op == EPOLL_CTL_MOD ? "MOD" : op == EPOLL_CTL_DEL ? "DEL" : "?";
    std::string ev = event_names(events & ~(EPOLLET | EPOLLONESHOT));
    if (events & EPOLLET) ev += "|ET";
    if (events & EPOLLONESHOT) ev += "|ONESHOT";
    record("epoll_ctl(ep" + std::to_string(ep) + ", " + o + ", " + sock_name(s) + ", " + ev + ") = " + result(r));
    return r;
}

int Script::epoll_wait(int ep, int timeout_ms) {
    std::vector<NetEvent> events;
    const int r = net_.epoll_wait(eps_.at(static_cast<size_t>(ep)), timeout_ms, &events);
    net_.settle();
    std::vector<std::string> parts;
    for (const NetEvent& e : events) parts.push_back(sock_of_handle(e.sock) + ":" + event_names(e.events));
    std::sort(parts.begin(), parts.end());  // epoll's order is not part of its contract
    std::string line = "epoll_wait(ep" + std::to_string(ep) + ", " + std::to_string(timeout_ms) + " ms) = " + result(r);
    for (const std::string& p : parts) line += " " + p;
    record(line);
    return r;
}

int Script::epoll_close(int ep) {
    const int r = net_.epoll_close(eps_.at(static_cast<size_t>(ep)));
    net_.settle();
    record("close(ep" + std::to_string(ep) + ") = " + result(r));
    return r;
}

size_t Script::fill(int s) {
    std::string chunk(16 * 1024, '\0');
    size_t total = 0;
    long r = 0;
    for (int i = 0; i < 4096; ++i) {
        for (size_t k = 0; k < chunk.size(); ++k) chunk[k] = static_cast<char>('a' + (total + k) % 26);
        r = net_.send(handle(s), chunk, MSG_DONTWAIT);
        net_.settle();
        if (r <= 0) break;
        total += static_cast<size_t>(r);
    }
    record("fill(" + sock_name(s) + ") = " + (total > 0 ? std::string("some bytes, then ") : "nothing, ") + result(r));
    return total;
}

void Script::drain(int s, size_t n) {
    size_t got = 0;
    bool in_order = true;
    long r = 0;
    std::string data;
    while (got < n) {
        r = net_.recv(handle(s), 64 * 1024, 0, &data);
        net_.settle();
        if (r <= 0) break;
        for (size_t k = 0; k < data.size(); ++k) in_order &= data[k] == static_cast<char>('a' + (got + k) % 26);
        got += static_cast<size_t>(r);
    }
    record("drain(" + sock_name(s) + ") = " + (got == n ? "all" : "short: " + result(r)) + (in_order ? "" : ", corrupted"));
}

uint16_t Script::port_of(int s) {
    Endpoint e;
    const int r = net_.getsockname(handle(s), &e);
    record("getsockname(" + sock_name(s) + ") = " + (r < 0 ? result(r) : endpoint(e)));
    return r < 0 ? 0 : e.port;
}

uint16_t Script::closed_port(Host h) {
    const int s = socket(h, SOCK_STREAM);
    bind(s, h == Host::kA ? Where::kA : Where::kB, 0);
    const uint16_t port = port_of(s);
    close(s);
    return port;
}

}  // namespace tachyon::diff
