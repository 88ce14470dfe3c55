// Which CPUs the calling thread shares with another thread of this process, found by name: how a
// port's setup tells whether EAL's interrupt thread may preempt the thread that will poll it
// (memif_placement_warning, port_setup.hpp).
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
