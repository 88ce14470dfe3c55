#include "lib/result.hpp"

#include <cstring>

namespace tachyon {

std::string Error::message() const {
    std::string m = std::strerror(code);
    if (!detail.empty()) {
        m += ": ";
        m += detail;
    }
    return m;
}

}  // namespace tachyon
