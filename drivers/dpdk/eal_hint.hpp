// Turns an EAL failure (errno + EAL's own log) into an error detail that says what to do.
// Pure string work, so the hints are testable without initialising EAL.
#pragma once

#include <string>
#include <string_view>

namespace tachyon {

enum class EalStep { kInit, kHotplug };

// ": <EAL's last message>; hint: <how to fix it>", either part omitted when there is nothing to say.
std::string eal_error_detail(int err, std::string_view log, EalStep step);

// The last non-empty line of a log that is not EAL's generic "Invalid 'command line' arguments", without
// its trailing newline (that generic line when it is the only one).
std::string_view last_log_line(std::string_view log);

}  // namespace tachyon
