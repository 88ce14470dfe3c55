// The CPUs threads of this process may run on: EAL's default --lcores (eal.cpp) and how a port's
// setup tells whether EAL's interrupt thread may preempt the thread that will poll it
// (memif_placement_warning, port_setup.hpp).
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tachyon {

// The CPUs thread `tid` (0: the calling thread) may run on, ascending; empty if it cannot be read.
std::vector<int> thread_cpus(pid_t tid);

// A CPU list as taskset and EAL write it, runs joined: {0, 1, 2, 5} -> "0-2,5".
std::string cpu_list(std::span<const int> ascending_cpus);

// The thread id of the first thread of this process named `name` (/proc/self/task/*/comm), or 0.
pid_t thread_id_by_name(std::string_view name);

// The CPUs both the calling thread and the thread named `thread_name` may run on, ascending;
// empty if they share none or no thread has that name.
std::vector<int> cpus_shared_with_thread(std::string_view thread_name);

}  // namespace tachyon
