// Which CPUs the calling thread shares with another thread of this process, found by name.
//
// Why: DPDK's net_memif handles a peer's disconnect in EAL's interrupt thread ("eal-intr-thread")
// and unmaps the shared memory there without waiting for a burst in flight. When that thread may
// run on the polling thread's CPU, it preempts the poll loop inside eth_memif_rx and the loop
// resumes on unmapped memory (README, known gaps). DpdkDevice warns when it opens such a port.
#pragma once

#include <sys/types.h>

#include <string_view>
#include <vector>

namespace tachyon {

// The thread id of the first thread of this process named `name` (/proc/self/task/*/comm), or 0.
pid_t thread_id_by_name(std::string_view name);

// The CPUs both the calling thread and the thread named `thread_name` may run on, ascending;
// empty if they share none or no thread has that name.
std::vector<int> cpus_shared_with_thread(std::string_view thread_name);

}  // namespace tachyon
