// The CPUs threads of this process may run on, for EAL's default --lcores (eal.cpp).
#pragma once

#include <sys/types.h>

#include <span>
#include <string>
#include <vector>

namespace tachyon {

// The CPUs thread `tid` (0: the calling thread) may run on, ascending; empty if it cannot be read.
std::vector<int> thread_cpus(pid_t tid);

// A CPU list as taskset and EAL write it, runs joined: {0, 1, 2, 5} -> "0-2,5".
std::string cpu_list(std::span<const int> ascending_cpus);

}  // namespace tachyon
