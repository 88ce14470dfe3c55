#include "tests/interop/tcp/kernel_netns.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "tests/interop/drivers/netns_fixture.hpp"

namespace tachyon::interop {

namespace {

constexpr char kNetnsPrefix[] = "tcyns-";
constexpr char kNetnsDir[] = "/run/netns";

bool pid_gone(const std::string& digits) {
    const long pid = std::strtol(digits.c_str(), nullptr, 10);
    return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

// Names in `dir` that start with `prefix` followed by the pid of a process that is gone and
// contain `infix`.
std::vector<std::string> stale_names(const std::string& dir, const std::string& prefix, const std::string& infix) {
    std::vector<std::string> stale;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return stale;
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.rfind(prefix, 0) != 0 || name.find(infix, prefix.size()) == std::string::npos) continue;
        if (pid_gone(name.substr(prefix.size()))) stale.push_back(name);
    }
    ::closedir(d);
    return stale;
}

void quiet(const std::vector<std::string>& argv) {
    std::string ignored;
    test::run_command(argv, &ignored);
}

}  // namespace

bool run_steps(const std::vector<std::vector<std::string>>& steps, std::string& error) {
    for (const auto& argv : steps) {
        std::string out;
        if (test::run_command(argv, &out) == 0) continue;
        std::string msg(1, '`');  // not error = "`": g++ 12 warns falsely (-Wrestrict)
        for (const auto& a : argv) msg += a + " ";
        error = msg + "` failed: " + out;
        return false;
    }
    return true;
}

void remove_stale_files(const std::string& dir, const std::string& prefix) {
    for (const auto& name : stale_names(dir, prefix, "")) ::unlink((dir + "/" + name).c_str());
}

std::unique_ptr<KernelNetns> KernelNetns::create(const std::string& kind, unsigned n, std::string& error) {
    for (const auto& name : stale_names(kNetnsDir, kNetnsPrefix, "-" + kind)) quiet({"ip", "netns", "del", name});
    std::unique_ptr<KernelNetns> ns(new KernelNetns());
    const std::string name = kNetnsPrefix + std::to_string(::getpid()) + "-" + kind + std::to_string(n);
    quiet({"ip", "netns", "del", name});  // a leftover with our pid
    if (!run_steps({{"ip", "netns", "add", name}}, error)) return nullptr;
    ns->name_ = name;
    return ns;
}

KernelNetns::~KernelNetns() {
    if (!name_.empty()) quiet({"ip", "netns", "del", name_});
}

bool KernelNetns::configure(const std::string& iface, const std::string& mac, Ipv4Address address,
                            std::string& error) const {
    return run_steps({{"ip", "-n", name_, "link", "set", iface, "address", mac},
                      {"ip", "netns", "exec", name_, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"},
                      {"ip", "-n", name_, "addr", "add", address.to_string() + "/24", "dev", iface},
                      {"ip", "-n", name_, "link", "set", "lo", "up"},
                      {"ip", "-n", name_, "link", "set", iface, "up"}},
                     error);
}

bool KernelNetnsEnvironment::make_netns(const std::string& kind, char letter, uint8_t net, unsigned n,
                                        std::string& error) {
    netns_ = KernelNetns::create(kind, n, error);
    if (!netns_) return false;
    const auto pid = static_cast<unsigned>(::getpid());
    iface_ = std::string("tcy") + letter + std::to_string(pid % 10000) + "x" + std::to_string(n % 1000);
    net_ = net;
    subnet_ = static_cast<uint8_t>(1 + (pid + n) % 250);
    kernel_ip_ = Ipv4Address::from_octets(10, net, subnet_, 1);
    tachyon_ = {Ipv4Address::from_octets(10, net, subnet_, 2), 24};
    return true;
}

std::string KernelNetnsEnvironment::link_mac(uint8_t host) const {
    char text[18];
    std::snprintf(text, sizeof(text), "02:00:0a:%02x:%02x:%02x", net_, subnet_, host);
    return text;
}

bool KernelNetnsEnvironment::configure_kernel_end(std::string& error) const {
    return netns_->configure(iface_, link_mac(1), kernel_ip_, error);
}

}  // namespace tachyon::interop
