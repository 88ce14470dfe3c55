// A running Tachyon subcommand on a device of its own with the kernel as the peer: the fixture
// every end-to-end test of the tool starts from.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/interop/tool/tool_harness.hpp"

namespace tachyon::tooltest {

// The backends every scenario can run on: DPDK's TAP when the build has DPDK, and native
// AF_PACKET on veth always. primary_kind() is the first of them.
std::vector<PeerKind> peer_kinds();
PeerKind primary_kind();

struct Running {
    std::unique_ptr<Peer> peer;
    std::unique_ptr<Process> tachyon;
};

// Starts `tachyon <args...> <peer net args> <extra...>` and waits until its output has `ready`.
// Reports failures through gtest (ADD_FAILURE) and returns a Running with a null process.
Running start_on_peer(PeerKind kind, const std::vector<std::string>& subcommand,
                      const std::vector<std::string>& extra, const std::string& ready);

// Stops the process (SIGINT) and expects a clean exit with every buffer back in its pool (the
// `--stats` line), and the device gone.
void stop_cleanly(Running& r);

}  // namespace tachyon::tooltest
