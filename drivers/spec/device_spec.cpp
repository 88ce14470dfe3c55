#include "drivers/spec/device_spec.hpp"

#include <net/if.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>

namespace tachyon {

const char* const kDeviceSpecForms =
    "  dpdk:<EAL arguments>   e.g. dpdk:--vdev=net_tap0,iface=tcy0\n"
    "  af_packet:<interface>  e.g. af_packet:veth0\n"
    "  af_xdp:<interface>[:<queue>]  e.g. af_xdp:veth0:0\n"
    "  memory                 in-process loopback";

namespace {

constexpr std::array<std::string_view, 4> kBackends = {"dpdk", "af_packet", "af_xdp", "memory"};
constexpr uint32_t kMaxQueue = 0xffff;

Error bad(std::string_view text, std::string_view problem) {
    std::string d = "bad device spec '";
    d += text;
    d += "': ";
    d += problem;
    d += "; valid forms:\n";
    d += kDeviceSpecForms;
    return Error{EINVAL, std::move(d)};
}

std::string normalised(std::string_view s) {
    std::string n(s);
    for (char& c : n) c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return n;
}

bool valid_interface(std::string_view name) {
    if (name.empty() || name.size() >= IFNAMSIZ) return false;
    return std::none_of(name.begin(), name.end(), [](char c) {
        return c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c)) != 0 || c == '\0';
    });
}

Result<std::string> parse_interface(std::string_view text, std::string_view name) {
    if (name.empty()) return bad(text, "no interface name (list interfaces with `ip link show`)");
    if (!valid_interface(name)) {
        std::string p = "'";
        p += name;
        p += "' is not an interface name (1 to 15 characters without '/', ':' or spaces)";
        return bad(text, p);
    }
    return std::string(name);
}

std::vector<std::string> split_spaces(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) ++i;
        size_t j = i;
        while (j < s.size() && std::isspace(static_cast<unsigned char>(s[j])) == 0) ++j;
        if (j > i) out.emplace_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

Result<DeviceSpec> parse_af_xdp(std::string_view text, std::string_view rest) {
    const size_t colon = rest.find(':');
    auto iface = parse_interface(text, rest.substr(0, colon));
    if (!iface) return iface.error();
    AfXdpSpec s{.interface = std::move(iface.value())};
    if (colon != std::string_view::npos) {
        const std::string_view q = rest.substr(colon + 1);
        if (q.find(':') != std::string_view::npos) return bad(text, "af_xdp takes an interface and one queue number");
        uint32_t queue = 0;
        auto [end, ec] = std::from_chars(q.data(), q.data() + q.size(), queue);
        if (q.empty() || ec != std::errc() || end != q.data() + q.size() || queue > kMaxQueue) {
            std::string p = "the queue '";
            p += q;
            p += "' is not a number from 0 to 65535";
            return bad(text, p);
        }
        s.queue = queue;
    }
    return DeviceSpec{s};
}

}  // namespace

std::string_view DeviceSpec::backend_name() const { return kBackends[backend.index()]; }

std::string DeviceSpec::to_string() const {
    std::string s(backend_name());
    if (const auto* d = std::get_if<DpdkSpec>(&backend)) {
        s += ':';
        for (size_t i = 0; i < d->eal_args.size(); ++i) {
            if (i > 0) s += ' ';
            s += d->eal_args[i];
        }
    } else if (const auto* p = std::get_if<AfPacketSpec>(&backend)) {
        s += ':';
        s += p->interface;
    } else if (const auto* x = std::get_if<AfXdpSpec>(&backend)) {
        s += ':';
        s += x->interface;
        s += ':';
        s += std::to_string(x->queue);
    }
    return s;
}

Result<DeviceSpec> parse_device_spec(std::string_view text) {
    if (text.empty()) return bad(text, "the spec is empty");
    const size_t colon = text.find(':');
    const std::string_view backend = text.substr(0, colon);
    const bool has_rest = colon != std::string_view::npos;
    const std::string_view rest = has_rest ? text.substr(colon + 1) : std::string_view{};

    if (backend == "memory") {
        if (has_rest) return bad(text, "memory takes no arguments");
        return DeviceSpec{MemorySpec{}};
    }
    if (backend == "dpdk") {
        auto args = split_spaces(rest);
        if (args.empty()) return bad(text, "dpdk needs EAL arguments that name a port, e.g. --vdev=net_tap0,iface=tcy0");
        return DeviceSpec{DpdkSpec{std::move(args)}};
    }
    if (backend == "af_packet") {
        if (!has_rest) return bad(text, "af_packet needs an interface name");
        if (rest.find(':') != std::string_view::npos) {
            return bad(text, "af_packet takes an interface name only (queues are for af_xdp:<interface>:<queue>)");
        }
        auto iface = parse_interface(text, rest);
        if (!iface) return iface.error();
        return DeviceSpec{AfPacketSpec{std::move(iface.value())}};
    }
    if (backend == "af_xdp") {
        if (!has_rest) return bad(text, "af_xdp needs an interface name and a queue");
        return parse_af_xdp(text, rest);
    }
    std::string problem = "unknown backend '";
    problem += backend;
    problem += "'";
    const std::string n = normalised(backend);
    for (std::string_view known : kBackends) {
        if (n == known) {
            problem += " (did you mean '";
            problem += known;
            problem += "'?)";
        }
    }
    return bad(text, problem);
}

}  // namespace tachyon
