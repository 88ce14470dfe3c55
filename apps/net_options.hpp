// The options every networked subcommand shares: the device, the stack's address, the core and
// the idle strategy, capture and counters. add_net_options() registers them on a subcommand with
// validators, so that a bad value is refused by the parser with a message and a hint before any
// device is opened (nothing is left behind by a typo).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <vector>
#include <string>

#include "lib/ethernet_address.hpp"
#include "stack/wire/ipv4_address.hpp"

namespace tachyon::apps {

enum class IdleMode { kBusy, kBackoff };

struct NetOptions {
    std::string dev;        // device spec (drivers/spec/device_spec.hpp)
    std::string ip;         // ADDR/PREFIX
    std::string gateway;    // optional
    std::string mac;        // optional: default is the device's
    int core = -1;          // -1: do not pin
    IdleMode idle = IdleMode::kBusy;
    std::string pcap;       // optional capture file
    bool trust_link = false;  // no checksums on a link through memory (OpenOptions::trust_link)
    bool stats = false;     // print the counters at exit
    bool publish = true;    // publish counters for `tachyon stat` (--no-stat-shm turns it off)

    // Parsed forms, valid once the options passed their validators.
    Ipv4Cidr cidr() const;
    std::optional<Ipv4Address> gateway_address() const;
    std::optional<EthernetAddress> mac_address() const;
};

struct NetOptionDefaults {
    bool require_dev = true;  // perf --kernel runs without a device
    IdleMode idle = IdleMode::kBusy;
};

// Registers --dev, --ip, --gw, --mac, --core, --idle, --trust-link, --pcap, --stats, --no-stat-shm on cmd.
void add_net_options(CLI::App* cmd, NetOptions& opt, const NetOptionDefaults& defaults = {});

// Validators with messages that say what is wrong and what a good value looks like; also used by
// subcommands for their own address arguments.
std::string check_cidr(const std::string& text);
std::string check_ipv4(const std::string& text);
std::string check_mac(const std::string& text);
std::string check_device_spec(const std::string& text);
// Accepts exactly one of `choices`.
std::function<std::string(const std::string&)> check_one_of(std::vector<std::string> choices);
// "ADDR" or "ADDR:PORT" (the port defaults to default_port).
struct HostPort {
    Ipv4Address addr;
    uint16_t port = 0;
};
std::optional<HostPort> parse_host_port(const std::string& text, uint16_t default_port);
std::string check_host_port(const std::string& text);

}  // namespace tachyon::apps
