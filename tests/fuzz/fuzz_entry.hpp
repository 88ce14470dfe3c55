// The libFuzzer entry point shared by the targets: an invariant the harness reports as violated is
// a crash, printed first so that the crash report says which one.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#define TACHYON_FUZZ_ENTRY(harness)                                                       \
    extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {             \
        const std::string error = harness(std::span<const uint8_t>(data, size));          \
        if (!error.empty()) {                                                             \
            std::fprintf(stderr, "==tachyon fuzz== invariant violated: %s\n", error.c_str()); \
            std::abort();                                                                 \
        }                                                                                 \
        return 0;                                                                         \
    }
