#include "drivers/dpdk/thread_cpus.hpp"

#include <dirent.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

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

pid_t thread_id_by_name(std::string_view name) {
    DIR* dir = opendir("/proc/self/task");
    if (dir == nullptr) return 0;
    pid_t found = 0;
    while (const dirent* e = readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream comm(std::string("/proc/self/task/") + e->d_name + "/comm");
        std::string line;
        if (std::getline(comm, line) && line == name) {
            found = static_cast<pid_t>(std::strtol(e->d_name, nullptr, 10));
            break;
        }
    }
    closedir(dir);
    return found;
}

std::vector<int> cpus_shared_with_thread(std::string_view thread_name) {
    const pid_t tid = thread_id_by_name(thread_name);
    if (tid == 0) return {};
    const std::vector<int> theirs = thread_cpus(tid);
    const std::vector<int> ours = thread_cpus(0);
    std::vector<int> shared;
    std::set_intersection(theirs.begin(), theirs.end(), ours.begin(), ours.end(), std::back_inserter(shared));
    return shared;
}

}  // namespace tachyon
