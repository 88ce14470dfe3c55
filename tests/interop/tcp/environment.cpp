#include "tests/interop/tcp/environment.hpp"

#include <unistd.h>

#include <sstream>

#include "tests/interop/drivers/netns_fixture.hpp"

#ifndef TACHYON_KERNEL_PEER
#error "meson passes the path of kernel_peer.py as TACHYON_KERNEL_PEER"
#endif

namespace tachyon::interop {

namespace {

Ipv4Address to_address(const test::Ipv4& a) { return Ipv4Address::from_octets(a[0], a[1], a[2], a[3]); }

class VethEnvironment final : public Environment {
public:
    VethEnvironment(std::string backend, std::unique_ptr<test::VethNetns> net, VethDevice dev)
        : backend_(std::move(backend)), net_(std::move(net)), dev_(std::move(dev)) {}
    // The device goes before the link it is bound to.
    ~VethEnvironment() override { dev_.device.reset(); }

    Device& device() override { return *dev_.device; }
    int wait_fd() const override { return dev_.wait_fd; }
    const std::string& netns() const override { return net_->netns(); }
    std::string kernel_if() const override { return net_->peer_if(); }
    Ipv4Address kernel_ip() const override { return to_address(net_->peer_ip()); }
    Ipv4Cidr tachyon_address() const override { return {to_address(net_->local_ip()), 24}; }
    std::string describe() const override {
        return backend_ + " on " + net_->host_if() + " <-veth-> " + net_->peer_if() + " (" + net_->peer_ip_text() +
               ") in " + net_->netns();
    }
    std::string check_released() override { return dev_.check_released ? dev_.check_released() : std::string(); }
    std::string fragments_not_delivered() const override { return dev_.fragments_not_delivered; }

private:
    std::string backend_;
    std::unique_ptr<test::VethNetns> net_;
    VethDevice dev_;
};

// Runs each step in ns; false with `error` naming the first that failed.
bool netns_steps(const std::string& ns, const std::vector<std::vector<std::string>>& steps, std::string& error) {
    for (const auto& s : steps) {
        std::string out;
        if (netns_exec(ns, s, &out) != 0) {
            error = "`";
            for (const auto& a : s) error += a + " ";
            error += "` in " + ns + " failed: " + out;
            return false;
        }
    }
    return true;
}

}  // namespace

std::unique_ptr<Environment> make_veth_environment(const std::string& backend, const VethOpener& open,
                                                   std::string& error) {
    test::VethNetnsOptions o;
    o.plain_peer = true;
    o.static_neighbor = false;
    auto net = test::VethNetns::create(error, o);
    if (!net) return nullptr;
    auto dev = open(net->host_if());
    if (!dev) {
        error = backend + " on " + net->host_if() + ": " + dev.error().message();
        return nullptr;
    }
    return std::make_unique<VethEnvironment>(backend, std::move(net), std::move(*dev));
}

int netns_exec(const std::string& ns, const std::vector<std::string>& argv, std::string* output) {
    std::vector<std::string> full = {"ip", "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    std::string ignored;
    return test::run_command(full, output != nullptr ? output : &ignored);
}

std::vector<KernelSocket> kernel_tcp_sockets(const std::string& ns) {
    std::string out;
    std::vector<KernelSocket> v;
    if (netns_exec(ns, {"ss", "-Htan"}, &out) != 0) return v;
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream f(line);
        KernelSocket s;
        std::string recvq, sendq;
        if (f >> s.state >> recvq >> sendq >> s.local >> s.peer) v.push_back(s);
    }
    return v;
}

std::unique_ptr<ChildProcess> spawn_kernel_peer(const std::string& ns, const std::vector<std::string>& args,
                                                std::string& error) {
    // The system interpreter: its standard library is all the peer needs.
    std::vector<std::string> argv = {"ip", "netns", "exec", ns, "/usr/bin/python3", "-u", TACHYON_KERNEL_PEER};
    argv.insert(argv.end(), args.begin(), args.end());
    return ChildProcess::spawn(argv, error);
}

namespace {

// The loss table's input chain with these rules (each after "ip protocol tcp").
bool add_loss_rules(const std::string& ns, const std::vector<std::string>& rules, std::string& error) {
    std::vector<std::vector<std::string>> steps = {
        {"nft", "add", "table", "inet", "tcyloss"},
        {"nft", "add", "chain", "inet", "tcyloss", "in", "{ type filter hook input priority 0; }"}};
    for (const std::string& rule : rules) {
        steps.push_back({"nft", "add", "rule", "inet", "tcyloss", "in", "ip", "protocol", "tcp", rule});
    }
    return netns_steps(ns, steps, error);
}

}  // namespace

bool add_random_loss(const std::string& ns, int modulus, std::string& error) {
    return add_loss_rules(ns, {"numgen random mod " + std::to_string(modulus) + " 0 counter drop"}, error);
}

bool add_first_drops(const std::string& ns, const std::vector<FirstDrop>& drops, std::string& error) {
    std::vector<std::string> rules;
    // nft's quota matches while the bytes it counted stay below its size: `packets` of the length.
    for (const FirstDrop& d : drops) {
        rules.push_back("ip length " + std::to_string(d.ip_length) + " " + d.match + " quota " +
                        std::to_string(d.ip_length * d.packets + 1) + " bytes counter drop");
    }
    return add_loss_rules(ns, rules, error);
}

long kernel_tcp_counter(const std::string& ns, const std::string& name) {
    std::string out;
    // -a absolute, -s leave nstat's history alone, -z zeros too.
    if (netns_exec(ns, {"nstat", "-asz", name}, &out) != 0) return -1;
    std::istringstream lines(out);
    std::string word;
    while (lines >> word) {
        long n = 0;
        if (word == name && lines >> n) return n;
    }
    return -1;
}

bool add_icmp_reject(const std::string& ns, uint16_t port, const std::string& icmp_type, std::string& error) {
    return netns_steps(ns,
                       {{"nft", "add", "table", "ip", "tcyreject"},
                        {"nft", "add", "chain", "ip", "tcyreject", "in", "{ type filter hook input priority 0; }"},
                        {"nft", "add", "rule", "ip", "tcyreject", "in", "tcp", "dport", std::to_string(port), "reject",
                         "with", "icmp", "type", icmp_type}},
                       error);
}

std::unique_ptr<HostBehindRouter> HostBehindRouter::create(const std::string& router_ns, uint16_t route_mtu,
                                                           std::string& error) {
    static unsigned made = 0;
    const unsigned n = made++ % 250;
    const std::string id = std::to_string(::getpid() % 100000) + "x" + std::to_string(n);
    std::unique_ptr<HostBehindRouter> h(new HostBehindRouter());
    h->router_ns_ = router_ns;
    h->netns_ = "tcyfar-" + id;
    h->router_if_ = "tcyr" + id;  // at most 14 characters (IFNAMSIZ 16 with the NUL)
    const std::string host_if = "tcyh" + id;
    const std::string net = "172.31." + std::to_string(n) + ".";
    h->address_ = Ipv4Address::from_octets(172, 31, static_cast<uint8_t>(n), 2);
    const std::string router_ip = net + "1";
    const std::string host_ip = net + "2";
    if (test::run_command({"ip", "netns", "add", h->netns_}) != 0) {
        error = "ip netns add " + h->netns_ + " failed";
        h->netns_.clear();
        return nullptr;
    }
    const bool ok =
        netns_steps(router_ns,
                    {{"ip", "link", "add", h->router_if_, "type", "veth", "peer", "name", host_if, "netns", h->netns_},
                     {"ip", "addr", "add", router_ip + "/32", "dev", h->router_if_},
                     {"ip", "link", "set", h->router_if_, "up"},
                     {"ip", "route", "add", host_ip + "/32", "dev", h->router_if_, "mtu", std::to_string(route_mtu)},
                     {"sysctl", "-qw", "net.ipv4.ip_forward=1"}},
                    error) &&
        netns_steps(h->netns_,
                    {{"ip", "link", "set", "lo", "up"},
                     {"ip", "addr", "add", host_ip + "/32", "dev", host_if},
                     {"ip", "link", "set", host_if, "up"},
                     {"ip", "route", "add", router_ip + "/32", "dev", host_if},
                     {"ip", "route", "add", "default", "via", router_ip, "dev", host_if}},
                    error);
    if (!ok) return nullptr;  // the destructor removes what was made
    return h;
}

HostBehindRouter::~HostBehindRouter() {
    if (!router_if_.empty()) netns_exec(router_ns_, {"ip", "link", "del", router_if_});
    if (!netns_.empty()) test::run_command({"ip", "netns", "del", netns_});
}

long loss_rule_drops(const std::string& ns) {
    std::string out;
    if (netns_exec(ns, {"nft", "list", "table", "inet", "tcyloss"}, &out) != 0) return -1;
    long total = 0;
    std::istringstream words(out);
    std::string w;
    while (words >> w) {
        if (w != "packets") continue;
        long n = 0;
        if (words >> n) total += n;
    }
    return total;
}

}  // namespace tachyon::interop
