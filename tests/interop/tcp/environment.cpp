#include "tests/interop/tcp/environment.hpp"

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

private:
    std::string backend_;
    std::unique_ptr<test::VethNetns> net_;
    VethDevice dev_;
};

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

bool add_random_loss(const std::string& ns, int modulus, std::string& error) {
    const std::string rule = "numgen random mod " + std::to_string(modulus) + " 0 counter drop";
    const std::vector<std::vector<std::string>> steps = {
        {"nft", "add", "table", "inet", "tcyloss"},
        {"nft", "add", "chain", "inet", "tcyloss", "in", "{ type filter hook input priority 0; }"},
        {"nft", "add", "rule", "inet", "tcyloss", "in", "ip", "protocol", "tcp", rule},
    };
    for (const auto& s : steps) {
        std::string out;
        if (netns_exec(ns, s, &out) != 0) {
            error = "`";
            for (const auto& a : s) error += a + " ";
            error += "` failed: " + out;
            return false;
        }
    }
    return true;
}

long random_loss_drops(const std::string& ns) {
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
