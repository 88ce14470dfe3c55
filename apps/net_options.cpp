#include "apps/net_options.hpp"

#include <charconv>

#include "drivers/spec/device_spec.hpp"

namespace tachyon::apps {

Ipv4Cidr NetOptions::cidr() const { return Ipv4Cidr::parse(ip).value_or(Ipv4Cidr{}); }

std::optional<Ipv4Address> NetOptions::gateway_address() const {
    if (gateway.empty()) return std::nullopt;
    return Ipv4Address::parse(gateway);
}

std::optional<EthernetAddress> NetOptions::mac_address() const {
    if (mac.empty()) return std::nullopt;
    return EthernetAddress::parse(mac);
}

std::string check_cidr(const std::string& text) {
    if (Ipv4Cidr::parse(text)) {
        const Ipv4Cidr c = *Ipv4Cidr::parse(text);
        if (c.address.is_unspecified() || c.address.is_multicast() || c.address.is_broadcast()) {
            return "'" + text + "' cannot be a host's address (hint: a unicast address such as 10.99.0.2/24)";
        }
        return {};
    }
    if (Ipv4Address::parse(text)) {
        return "'" + text + "' has no prefix length (hint: ADDR/PREFIX, e.g. " + text + "/24)";
    }
    return "bad address '" + text + "' (hint: ADDR/PREFIX with a dotted quad, e.g. 10.99.0.2/24)";
}

std::string check_ipv4(const std::string& text) {
    if (Ipv4Address::parse(text)) return {};
    return "bad IPv4 address '" + text + "' (hint: a dotted quad such as 10.99.0.1)";
}

std::string check_mac(const std::string& text) {
    const auto m = EthernetAddress::parse(text);
    if (!m) return "bad MAC address '" + text + "' (hint: six hex pairs such as 02:00:00:00:00:01)";
    if (!m->is_unicast() || m->is_zero()) {
        return "'" + text + "' is not a unicast MAC address (hint: the first octet must be even, e.g. 02:...)";
    }
    return {};
}

std::function<std::string(const std::string&)> check_one_of(std::vector<std::string> choices) {
    return [choices = std::move(choices)](const std::string& v) -> std::string {
        std::string list;
        for (const std::string& c : choices) {
            if (v == c) return {};
            list += list.empty() ? c : ", " + c;
        }
        return "'" + v + "' is not one of: " + list;
    };
}

std::string check_device_spec(const std::string& text) {
    auto r = parse_device_spec(text);
    if (r) return {};
    return r.error().detail;
}

std::optional<HostPort> parse_host_port(const std::string& text, uint16_t default_port) {
    const size_t colon = text.find(':');
    HostPort hp;
    const auto addr = Ipv4Address::parse(std::string_view(text).substr(0, colon));
    if (!addr) return std::nullopt;
    hp.addr = *addr;
    hp.port = default_port;
    if (colon != std::string::npos) {
        const std::string_view p = std::string_view(text).substr(colon + 1);
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (ec != std::errc() || end != p.data() + p.size() || v == 0 || v > 65535) return std::nullopt;
        hp.port = static_cast<uint16_t>(v);
    }
    return hp;
}

std::string check_host_port(const std::string& text) {
    if (parse_host_port(text, 1)) return {};
    return "bad address '" + text + "' (hint: ADDR or ADDR:PORT, e.g. 10.99.0.2:7)";
}

void add_net_options(CLI::App* cmd, NetOptions& opt, const NetOptionDefaults& defaults) {
    opt.idle = defaults.idle;
    auto* dev = cmd->add_option("-d,--dev", opt.dev,
                                "device spec, one of:\n" + std::string(kDeviceSpecForms))
                    ->check(check_device_spec, "DEVICE-SPEC")
                    ->group("Network");
    auto* ip = cmd->add_option("--ip", opt.ip, "the stack's address and prefix, e.g. 10.99.0.2/24")
                   ->check(check_cidr, "ADDR/PREFIX")
                   ->group("Network");
    if (defaults.require_dev) {
        dev->required();
        ip->required();
    }
    ip->needs(dev);
    dev->needs(ip);
    cmd->add_option("--gw", opt.gateway, "default gateway (in the --ip subnet)")
        ->check(check_ipv4, "ADDR")
        ->needs(ip)
        ->group("Network");
    cmd->add_option("--mac", opt.mac, "the stack's MAC address (default: the device's)")
        ->check(check_mac, "MAC")
        ->needs(dev)
        ->group("Network");
    cmd->add_option("--core", opt.core, "pin the thread to this CPU")
        ->check(CLI::Range(0, 4095))
        ->group("Run loop");
    cmd->add_option_function<std::string>(
           "--idle", [&opt](const std::string& v) { opt.idle = v == "busy" ? IdleMode::kBusy : IdleMode::kBackoff; },
           "busy: poll without pause (lowest latency, one core spinning); backoff: after idle polls sleep 1 us "
           "growing to 1 ms (leaves the core to others)")
        ->check(check_one_of({"busy", "backoff"}), "busy|backoff")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
        ->default_str(defaults.idle == IdleMode::kBusy ? "busy" : "backoff")
        ->group("Run loop");
    cmd->add_flag("--trust-link", opt.trust_link,
                  "the device links to another Tachyon process through memory (dpdk net_memif) or is the memory "
                  "loopback: checksums are neither computed nor verified, as Linux does over loopback; set it at "
                  "both ends (a peer that verifies drops the frames)")
        ->needs(dev)
        ->group("Network");
    cmd->add_option("--pcap", opt.pcap, "capture every frame to this pcap file (tcpdump, Wireshark)")
        ->needs(dev)
        ->group("Observability");
    cmd->add_flag("--stats", opt.stats, "print the stack's counters at exit")->group("Observability");
    cmd->add_flag("!--no-stat-shm", opt.publish,
                  "do not publish counters for `tachyon stat` (/dev/shm/tachyon-<pid>)")
        ->group("Observability");
}

}  // namespace tachyon::apps
