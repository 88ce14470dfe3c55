#include "tests/interop/tool/tool_fixture.hpp"

namespace tachyon::tooltest {

std::vector<PeerKind> peer_kinds() {
    std::vector<PeerKind> k;
    if (have_dpdk()) k.push_back(PeerKind::kDpdkTap);
    k.push_back(PeerKind::kAfPacketVeth);
    return k;
}

PeerKind primary_kind() { return peer_kinds().front(); }

Running start_on_peer(PeerKind kind, const std::vector<std::string>& subcommand,
                      const std::vector<std::string>& extra, const std::string& ready) {
    Running r;
    std::string error;
    r.peer = Peer::create(kind, error);
    if (!r.peer) {
        ADD_FAILURE() << error;
        return r;
    }
    std::vector<std::string> argv = {tachyon_bin()};
    argv.insert(argv.end(), subcommand.begin(), subcommand.end());
    const std::vector<std::string> net = r.peer->net_args();
    argv.insert(argv.end(), net.begin(), net.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--stats");
    auto p = Process::start(argv);
    if (!r.peer->attach(*p, error)) {
        ADD_FAILURE() << error;
        return r;
    }
    if (!p->wait_output(ready, 30s)) {
        ADD_FAILURE() << "tachyon did not report '" << ready << "':\n" << p->output();
        return r;
    }
    r.tachyon = std::move(p);
    return r;
}

void stop_cleanly(Running& r) {
    if (!r.tachyon) return;
    const int status = r.tachyon->stop();
    const std::string out = r.tachyon->output();
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("buffers in use after shutdown: 0 of"), std::string::npos) << out;
    if (r.peer->kind() == PeerKind::kDpdkTap) {
        EXPECT_TRUE(r.peer->tap_gone()) << r.peer->iface() << " is left behind";
    }
}

}  // namespace tachyon::tooltest
