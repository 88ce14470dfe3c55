#include "drivers/dpdk/thread_cpus.hpp"

#include <sched.h>

namespace tachyon {

std::vector<int> thread_cpus(pid_t tid) {
    cpu_set_t set;
    CPU_ZERO(&set);
    std::vector<int> cpus;
    if (sched_getaffinity(tid, sizeof set, &set) != 0) return cpus;
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
    return cpus;
}

std::string cpu_list(std::span<const int> ascending_cpus) {
    std::string out;
    for (size_t i = 0; i < ascending_cpus.size();) {
        size_t last = i;
        while (last + 1 < ascending_cpus.size() && ascending_cpus[last + 1] == ascending_cpus[last] + 1) ++last;
        if (!out.empty()) out += ',';
        out += std::to_string(ascending_cpus[i]);
        if (last > i) {
            out += '-';
            out += std::to_string(ascending_cpus[last]);
        }
        i = last + 1;
    }
    return out;
}

}  // namespace tachyon
