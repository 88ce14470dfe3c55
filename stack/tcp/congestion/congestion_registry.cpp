// The congestion control algorithms by name (TCP_CONGESTION). A new algorithm adds one line.
#include "stack/tcp/congestion_control.hpp"

namespace tachyon {

const CongestionOps* find_congestion(std::string_view name) {
    if (name == "reno" || name == "newreno") return &new_reno_ops();
    if (name == "cubic") return &cubic_ops();
    return nullptr;
}

}  // namespace tachyon
