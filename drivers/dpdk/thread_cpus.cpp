#include "drivers/dpdk/thread_cpus.hpp"

#include <dirent.h>
#include <sched.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace tachyon {

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
    cpu_set_t theirs;
    cpu_set_t ours;
    CPU_ZERO(&theirs);
    CPU_ZERO(&ours);
    std::vector<int> shared;
    if (tid == 0 || sched_getaffinity(tid, sizeof theirs, &theirs) != 0 ||
        sched_getaffinity(0, sizeof ours, &ours) != 0) {
        return shared;
    }
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (CPU_ISSET(cpu, &theirs) && CPU_ISSET(cpu, &ours)) shared.push_back(cpu);
    }
    return shared;
}

}  // namespace tachyon
